"""What the lifecycle endpoints refuse: a referral the caller may not see (404, whatever the body),
bad input and codes outside the shipped lists (400 naming the field), and a change the referral's
state does not allow (409 saying why)."""

from datetime import timedelta

import pytest

from referrals.models import (
    Assessment,
    CarePlan,
    Contact,
    Handoff,
    HospitalStay,
    Intervention,
    OutcomeMeasure,
    Referral,
    UrgencyChange,
)

from .conftest import T0, action_url

pytestmark = pytest.mark.usefixtures("frozen")

PHQ_9 = "720433000"
DIALOG = "1037651000000100"


def at(**since_t0: float) -> str:
    return (T0 + timedelta(**since_t0)).isoformat()


@pytest.fixture
def api(client_for, alice, referral, frozen):
    """alice, a day after the standing referral arrived, so past times are allowed."""
    frozen.shift(timedelta(days=1))
    return client_for(alice)


def valid_bodies(south_team) -> dict[str, dict]:
    return {
        "triage": {"urgency": "urgent", "thrive_grouping": "getting_help"},
        "contacts": {"occurred_at": at(hours=1), "consultation_mechanism": "01", "attendance": "5"},
        "assessments": {"completed_at": at(hours=1), "code": "1914891000000100", "summary": "Assessed."},
        "care-plans": {"agreed_at": at(hours=1), "plan_type": "10", "summary": "Agreed."},
        "interventions": {"started_at": at(hours=1), "code": "405780009", "description": "DBT"},
        "outcome-measures": {"recorded_at": at(hours=1), "tool_code": PHQ_9, "score": "10", "stage": "baseline"},
        "hospital-stays": {"admitted_at": at(hours=1)},
        "redirect": {"to_team": south_team.pk, "note": "Moved south."},
        "discharge": {"reason": "goals_met", "note": "Back to self-care."},
        "close": {"reason": "declined"},
    }


ACTIONS = [
    "triage",
    "contacts",
    "assessments",
    "care-plans",
    "interventions",
    "outcome-measures",
    "hospital-stays",
    "redirect",
    "discharge",
    "close",
]


def nothing_recorded(referral: Referral) -> bool:
    referral.refresh_from_db()
    records = (Contact, Assessment, CarePlan, Intervention, OutcomeMeasure, HospitalStay, Handoff)
    return (
        referral.status == Referral.Status.RECEIVED
        and UrgencyChange.objects.filter(referral=referral).count() == 1
        and not any(model.objects.exists() for model in records)
    )


# --- 404: a referral the caller may not see ---------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_every_endpoint_is_a_404_for_a_referral_the_caller_cannot_see(
    client_for, charlie, referral, south_team, frozen, action
):
    frozen.shift(timedelta(days=1))

    response = client_for(charlie).post(
        action_url(referral.pk, action), valid_bodies(south_team)[action], format="json"
    )

    assert response.status_code == 404
    assert nothing_recorded(referral)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_hidden_referral_is_a_404_even_when_the_body_is_bad(client_for, charlie, referral, action):
    response = client_for(charlie).post(action_url(referral.pk, action), {"code": "nonsense"}, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_a_referral_that_does_not_exist_is_the_same_404(api, referral, south_team, action):
    response = api.post(action_url(referral.pk + 1000, action), valid_bodies(south_team)[action], format="json")

    assert response.status_code == 404


# --- 400: bad input, named ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "change", "field"),
    [
        pytest.param("triage", {"urgency": "whenever"}, "urgency", id="unknown urgency"),
        pytest.param("triage", {"at": at(days=2)}, "at", id="triage in the future"),
        pytest.param("triage", {"at": at(days=-1)}, "at", id="triage before the referral arrived"),
        pytest.param("assessments", {"code": "123456"}, "code", id="assessment code not in the list"),
        pytest.param("assessments", {"completed_at": at(days=2)}, "completed_at", id="assessment in the future"),
        pytest.param("assessments", {"completed_at": "2025-03-10"}, "completed_at", id="assessment date only"),
        pytest.param("care-plans", {"plan_type": "99"}, "plan_type", id="unknown care plan type"),
        pytest.param("care-plans", {"agreed_at": None}, "agreed_at", id="no agreed_at"),
        pytest.param("interventions", {"code": "1914891000000100"}, "code", id="an assessment code as intervention"),
        pytest.param("outcome-measures", {"tool_code": "999"}, "tool_code", id="unknown outcome tool"),
        pytest.param("outcome-measures", {"score": "28"}, "score", id="PHQ-9 above 27"),
        pytest.param("outcome-measures", {"score": "-1"}, "score", id="PHQ-9 below 0"),
        pytest.param("outcome-measures", {"tool_code": DIALOG, "score": "0"}, "score", id="DIALOG below 1"),
        pytest.param("outcome-measures", {"score": "ten"}, "score", id="score not a number"),
        pytest.param("outcome-measures", {"stage": "middle"}, "stage", id="unknown stage"),
        pytest.param(
            "hospital-stays",
            {"admitted_at": at(hours=5), "discharged_at": at(hours=4)},
            "discharged_at",
            id="left hospital before admission",
        ),
        pytest.param(
            "hospital-stays", {"admitted_at": "0088-08-21T15:01:31.9Z"}, "admitted_at", id="admitted in 88 AD"
        ),
        pytest.param("care-plans", {"agreed_at": "1633-04-28T15:07:56+21:38"}, "agreed_at", id="care plan in 1633"),
        pytest.param("redirect", {"to_team": 999_999}, "to_team", id="unknown team"),
        pytest.param("redirect", {"note": " "}, "note", id="no handover note"),
        pytest.param("discharge", {"reason": "bored"}, "reason", id="unknown discharge reason"),
        pytest.param("close", {"reason": "nope"}, "reason", id="unknown closure reason"),
        pytest.param("close", {"closed_at": at(days=2)}, "closed_at", id="closed in the future"),
        pytest.param("close", {"closed_at": at(minutes=-1)}, "closed_at", id="closed before it arrived"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_records_nothing(api, referral, south_team, action, change, field):
    body = valid_bodies(south_team)[action] | change

    response = api.post(action_url(referral.pk, action), body, format="json")

    assert response.status_code == 400, response.data
    assert list(response.json()) == [field]
    assert nothing_recorded(referral)


def test_an_out_of_range_score_says_the_tools_range(api, referral, south_team):
    body = valid_bodies(south_team)["outcome-measures"] | {"score": "28"}

    response = api.post(action_url(referral.pk, "outcome-measures"), body, format="json")

    assert response.json() == {"score": ["A PHQ-9 score is between 0 and 27."]}


def test_an_unknown_code_names_the_list_it_is_not_in(api, referral, south_team):
    body = valid_bodies(south_team)["interventions"] | {"code": "11429006"}  # Consultation

    response = api.post(action_url(referral.pk, "interventions"), body, format="json")

    assert "psychological therapies (1853461000000105)" in response.json()["code"][0]


def test_redirecting_to_the_team_that_holds_it_is_a_400(api, referral, north_team):
    response = api.post(action_url(referral.pk, "redirect"), {"to_team": north_team.pk, "note": "?"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"to_team": ["The referral is already with this team."]}


def test_a_discharge_dated_before_a_recorded_contact_is_a_400(api, alice, referral):
    api.post(
        action_url(referral.pk, "contacts"),
        {"occurred_at": at(hours=2), "consultation_mechanism": "01", "attendance": "5", "starts_treatment": True},
        format="json",
    )

    response = api.post(
        action_url(referral.pk, "discharge"),
        {"discharged_at": at(hours=1), "reason": "goals_met", "note": "Back to self-care."},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["discharged_at"]


def test_a_malformed_json_body_is_a_400(api, referral):
    response = api.post(action_url(referral.pk, "assessments"), '{"code": ', content_type="application/json")

    assert response.status_code == 400


# --- 409: the referral's state does not allow it ----------------------------------------------


def test_triaging_a_triaged_referral_is_a_409(api, referral):
    assert api.post(action_url(referral.pk, "triage"), {}, format="json").status_code == 200

    response = api.post(action_url(referral.pk, "triage"), {"urgency": "urgent"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "A referral that is triaged cannot become triaged."}
    assert UrgencyChange.objects.filter(referral=referral).count() == 1


def test_discharging_a_referral_nobody_has_seen_is_a_409(api, referral):
    response = api.post(
        action_url(referral.pk, "discharge"), {"reason": "goals_met", "note": "Back to self-care."}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "A referral that is received cannot become discharged."}


def test_a_conflict_wins_over_a_bad_time(api, referral):
    """Closing a closed referral is a 409 whatever time is given: the caller's problem is the state."""
    api.post(action_url(referral.pk, "close"), {"reason": "declined"}, format="json")

    response = api.post(
        action_url(referral.pk, "close"), {"reason": "declined", "closed_at": at(days=-3)}, format="json"
    )

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("assessments", {"completed_at": at(hours=20), "code": "1914891000000100", "summary": "Assessed."}),
        ("care-plans", {"agreed_at": at(hours=20), "summary": "Agreed."}),
        ("interventions", {"started_at": at(hours=20), "code": "405780009", "description": "DBT"}),
        ("outcome-measures", {"recorded_at": at(hours=20), "tool_code": PHQ_9, "score": "3", "stage": "review"}),
        ("hospital-stays", {"admitted_at": at(hours=20)}),
    ],
)
def test_a_record_dated_after_the_referral_ended_is_a_409(api, referral, action, body):
    api.post(action_url(referral.pk, "close"), {"reason": "no_contact", "closed_at": at(hours=12)}, format="json")

    response = api.post(action_url(referral.pk, action), body, format="json")

    assert response.status_code == 409
    assert "has ended" in response.json()["detail"]


def test_a_record_dated_before_the_referral_ended_is_still_accepted(api, referral):
    api.post(action_url(referral.pk, "close"), {"reason": "no_contact", "closed_at": at(hours=12)}, format="json")

    response = api.post(
        action_url(referral.pk, "assessments"),
        {"completed_at": at(hours=2), "code": "1914891000000100", "summary": "Written up late."},
        format="json",
    )

    assert response.status_code == 201


def test_redirecting_a_closed_referral_is_a_409(api, referral, south_team):
    api.post(action_url(referral.pk, "close"), {"reason": "duplicate"}, format="json")

    response = api.post(action_url(referral.pk, "redirect"), {"to_team": south_team.pk, "note": "?"}, format="json")

    assert response.status_code == 409
    assert not Handoff.objects.exists()
