"""A referral's whole life through the API, coded as MHSDS codes it, with known answers for the
live clocks (docs/measures.md, "Known-answer tests"): only what NHS England counts stops a clock."""

from datetime import UTC, datetime, timedelta

import pytest

from codes.snomed import EXCLUDED_FROM_CLOCK_STOP

from .conftest import REFERRALS, T0, action_url, clock, instant, referral_body, referral_url

pytestmark = pytest.mark.usefixtures("frozen")

# Codes from the shipped lists (GET /api/v1/code-lists/).
NEURODEVELOPMENTAL_ASSESSMENT = "1914891000000100"
DIALECTICAL_BEHAVIOUR_THERAPY = "405780009"
PHQ_9 = "720433000"


def at(**since_t0: float) -> str:
    return (T0 + timedelta(**since_t0)).isoformat()


@pytest.fixture
def api(client_for, alice):
    """alice: a clinician in North team, where the standing referral (received at T0) sits."""
    return client_for(alice)


@pytest.fixture
def act(api):
    def post(referral_id: int, action: str, **body):
        return api.post(action_url(referral_id, action), body, format="json")

    return post


@pytest.fixture
def community_team(north_team):
    """North team counted nationally as a community mental health team: its treatment clocks
    stop on the referral-spell clock stop (the rule is fixed when a clock starts)."""
    north_team.mhsds_team_type = "A06"
    north_team.save()
    return north_team


@pytest.fixture
def spell_referral(community_team, request):
    return request.getfixturevalue("referral")


def running(body: dict, kind: str) -> bool:
    return clock(body, kind)["stopped_at"] is None


# --- end to end -------------------------------------------------------------------------------


def test_a_community_referral_from_intake_to_discharge(client_for, intake, act, community_team, north_practice, frozen):
    received = client_for(intake).post(
        REFERRALS, referral_body(source_of_referral="A1", primary_reason="04"), format="json"
    )
    assert received.status_code == 201, received.data
    assert received.json()["source_of_referral"] == "A1"
    assert received.json()["team"] == community_team.pk
    referral_id = received.json()["id"]
    frozen.shift(timedelta(days=10))

    triaged = act(referral_id, "triage", urgency="urgent", thrive_grouping="getting_help", at=at(hours=1))
    assert triaged.status_code == 200, triaged.data
    assert triaged.json()["status"] == "triaged"
    assert triaged.json()["urgency_history"] == [
        {"urgency": "routine", "at": "2025-03-10T09:00:00Z"},
        {"urgency": "urgent", "at": "2025-03-10T10:00:00Z"},
    ]

    # A text message and a did-not-attend: recorded, and both clocks keep running.
    act(referral_id, "contacts", occurred_at=at(hours=2), consultation_mechanism="09", attendance="5")
    missed = act(referral_id, "contacts", occurred_at=at(hours=3), consultation_mechanism="01", attendance="3")
    assert missed.status_code == 201
    assert running(missed.json(), "first_response") and running(missed.json(), "treatment")

    seen = act(
        referral_id,
        "contacts",
        occurred_at=at(days=1),
        consultation_mechanism="01",
        attendance="5",
        starts_treatment=True,
    ).json()
    assert instant(clock(seen, "first_response")["stopped_at"]) == T0 + timedelta(days=1)
    assert running(seen, "treatment")  # a contact is one of the four events the spell waits for
    assert seen["referral_status"] == "in_treatment"

    assessed = act(
        referral_id, "assessments", completed_at=at(days=2), code=NEURODEVELOPMENTAL_ASSESSMENT, summary="Assessed."
    )
    assert assessed.status_code == 201, assessed.data
    assert assessed.json()["code"] == NEURODEVELOPMENTAL_ASSESSMENT
    assert running(assessed.json(), "treatment")

    planned = act(referral_id, "care-plans", agreed_at=at(days=3), plan_type="10", summary="Agreed with Sam.")
    assert planned.status_code == 201, planned.data
    assert running(planned.json(), "treatment")

    baseline = act(
        referral_id, "outcome-measures", recorded_at=at(days=4), tool_code=PHQ_9, score="14", stage="baseline"
    )
    assert baseline.status_code == 201, baseline.data
    assert (baseline.json()["instrument"], baseline.json()["score"]) == ("PHQ-9", "14.00")
    treatment = clock(baseline.json(), "treatment")
    assert instant(treatment["stopped_at"]) == T0 + timedelta(days=4)  # the latest of the four events
    assert treatment["stop_reason"] == "referral_spell_complete"
    assert treatment["breached"] is False

    therapy = act(
        referral_id, "interventions", started_at=at(days=5), code=DIALECTICAL_BEHAVIOUR_THERAPY, description="DBT"
    )
    assert therapy.status_code == 201, therapy.data

    discharged = act(
        referral_id, "discharge", discharged_at=at(days=9), reason="goals_met", note="Back to self-care; GP to refer."
    )
    assert discharged.status_code == 200, discharged.data
    assert discharged.json()["status"] == "discharged"
    assert instant(discharged.json()["ended_at"]) == T0 + timedelta(days=9)
    assert discharged.json()["discharge_reason"] == "goals_met"

    closed = act(referral_id, "close", reason="duplicate")
    assert closed.status_code == 409
    assert closed.json() == {"detail": "A referral that is discharged cannot become closed."}


# --- which contacts stop the first-response clock ---------------------------------------------


@pytest.mark.parametrize(
    ("mechanism", "attendance"),
    [
        pytest.param("09", "5", id="an attended text message"),
        pytest.param("01", "3", id="did not attend"),
        pytest.param("01", "2", id="cancelled by the person"),
        pytest.param("01", "4", id="cancelled by the provider"),
    ],
)
def test_a_text_a_did_not_attend_or_a_cancellation_does_not_stop_the_first_response_clock(
    act, referral, frozen, mechanism, attendance
):
    frozen.shift(timedelta(hours=2))

    response = act(
        referral.pk, "contacts", occurred_at=at(hours=1), consultation_mechanism=mechanism, attendance=attendance
    )

    assert response.status_code == 201, response.data
    assert running(response.json(), "first_response")


def test_an_attended_face_to_face_contact_stops_the_first_response_clock(act, referral, frozen):
    frozen.shift(timedelta(hours=2))

    body = act(referral.pk, "contacts", occurred_at=at(hours=1), consultation_mechanism="01", attendance="5").json()

    first = clock(body, "first_response")
    assert instant(first["stopped_at"]) == T0 + timedelta(hours=1)
    assert first["stop_reason"] == "first_completed_contact"


def test_a_crisis_teams_first_response_is_not_stopped_by_an_attended_phone_call(act, referral, north_team, frozen):
    north_team.mhsds_team_type = "A02"  # crisis resolution / home treatment
    north_team.save()
    frozen.shift(timedelta(hours=3))

    called = act(referral.pk, "contacts", occurred_at=at(hours=1), consultation_mechanism="02", attendance="5")
    visited = act(referral.pk, "contacts", occurred_at=at(hours=2), consultation_mechanism="01", attendance="6")

    assert running(called.json(), "first_response")
    assert instant(clock(visited.json(), "first_response")["stopped_at"]) == T0 + timedelta(hours=2)


# --- triage -----------------------------------------------------------------------------------


def test_triage_raising_the_urgency_is_kept_with_its_time(act, api, referral, frozen):
    frozen.shift(timedelta(hours=2))

    response = act(referral.pk, "triage", urgency="very_urgent", at=at(minutes=30))

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["urgency"] == "very_urgent"
    assert body["urgency_history"][-1] == {"urgency": "very_urgent", "at": "2025-03-10T09:30:00Z"}
    assert instant(body["status_changed_at"]) == T0 + timedelta(minutes=30)
    # The running deadline is not moved silently: the clock keeps the target it started with.
    assert instant(clock(body, "first_response")["due_at"]) == T0 + timedelta(hours=24)
    assert api.get(referral_url(referral.pk)).json()["urgency"] == "very_urgent"


def test_triage_without_a_time_happens_now(act, referral, frozen):
    frozen.shift(timedelta(hours=2))

    body = act(referral.pk, "triage", urgency="urgent").json()

    assert instant(body["urgency_history"][-1]["at"]) == T0 + timedelta(hours=2)


def test_a_triage_time_without_an_offset_is_uk_time(act, referral, frozen):
    frozen.move_to(datetime(2025, 7, 1, 12, 0, tzinfo=UTC))  # British Summer Time: UTC+1

    body = act(referral.pk, "triage", urgency="urgent", at="2025-07-01T10:00:00").json()

    assert instant(body["urgency_history"][-1]["at"]) == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def test_triage_keeps_the_urgency_history_unchanged_when_the_urgency_stays(act, referral):
    body = act(referral.pk, "triage", thrive_grouping="getting_advice").json()

    assert [change["urgency"] for change in body["urgency_history"]] == ["routine"]
    assert body["thrive_grouping"] == "getting_advice"


# --- the referral-spell treatment clock -------------------------------------------------------


def _contact_assessment_and_plan(act, referral_id: int) -> dict:
    act(referral_id, "contacts", occurred_at=at(days=1), consultation_mechanism="02", attendance="5")
    act(referral_id, "assessments", completed_at=at(days=2), code=NEURODEVELOPMENTAL_ASSESSMENT, summary="Assessed.")
    return act(referral_id, "care-plans", agreed_at=at(days=3), summary="Agreed with Sam.").json()


def test_a_care_plan_without_an_intervention_does_not_stop_the_treatment_clock_on_its_own(act, spell_referral, frozen):
    frozen.shift(timedelta(days=10))

    body = act(spell_referral.pk, "care-plans", agreed_at=at(days=1), plan_type="12", summary="Crisis plan.").json()

    assert body["plan_type"] == "12"
    assert running(body, "treatment")
    # Nor with a contact and an assessment: the spell still waits for a baseline outcome measure.
    assert running(_contact_assessment_and_plan(act, spell_referral.pk), "treatment")


def test_with_the_other_three_events_a_care_plan_stands_in_for_an_intervention(act, spell_referral, frozen):
    """docs/measures.md: "an agreed care plan **or** a coded intervention" (4w_waits_prep.py L286-L343)."""
    frozen.shift(timedelta(days=10))
    _contact_assessment_and_plan(act, spell_referral.pk)

    body = act(
        spell_referral.pk, "outcome-measures", recorded_at=at(days=4), tool_code=PHQ_9, score=9, stage="baseline"
    ).json()

    assert instant(clock(body, "treatment")["stopped_at"]) == T0 + timedelta(days=4)


def test_an_uncoded_assessment_is_kept_but_does_not_count(act, spell_referral, frozen):
    frozen.shift(timedelta(days=10))
    act(spell_referral.pk, "contacts", occurred_at=at(days=1), consultation_mechanism="01", attendance="5")
    act(spell_referral.pk, "care-plans", agreed_at=at(days=1), summary="Agreed.")
    act(spell_referral.pk, "outcome-measures", recorded_at=at(days=1), tool_code=PHQ_9, score=9, stage="baseline")

    body = act(spell_referral.pk, "assessments", completed_at=at(days=2), summary="Talked it through.").json()

    assert body["code"] == ""
    assert running(body, "treatment")


@pytest.mark.parametrize("code", sorted(EXCLUDED_FROM_CLOCK_STOP))
def test_an_activity_that_never_stops_a_clock_is_refused_as_an_assessment_and_counts_for_nothing(
    act, api, spell_referral, frozen, code
):
    """Consultation, signposting and "discussion with a care professional" (4w_waits_prep.py
    L339-L340): with everything else in place, the spell still waits for a real assessment."""
    frozen.shift(timedelta(days=10))
    act(spell_referral.pk, "contacts", occurred_at=at(days=1), consultation_mechanism="01", attendance="5")
    act(spell_referral.pk, "care-plans", agreed_at=at(days=1), summary="Agreed.")
    act(spell_referral.pk, "outcome-measures", recorded_at=at(days=1), tool_code=PHQ_9, score=9, stage="baseline")

    assessment = act(spell_referral.pk, "assessments", completed_at=at(days=2), code=code, summary="Consulted.")
    intervention = act(spell_referral.pk, "interventions", started_at=at(days=2), code=code, description="Signposted")

    assert assessment.status_code == 400
    assert list(assessment.json()) == ["code"]
    assert "assessment procedures (1853441000000109)" in assessment.json()["code"][0]
    assert intervention.status_code == 400
    assert list(intervention.json()) == ["code"]
    assert running(api.get(referral_url(spell_referral.pk)).json(), "treatment")


# --- hospital stays, redirect, discharge and closure ------------------------------------------


def test_a_hospital_stay_is_recorded_with_its_admission_and_discharge(act, referral, frozen):
    frozen.shift(timedelta(days=5))

    response = act(referral.pk, "hospital-stays", admitted_at=at(days=1), discharged_at=at(days=4))

    assert response.status_code == 201, response.data
    body = response.json()
    assert instant(body["admitted_at"]) == T0 + timedelta(days=1)
    assert instant(body["discharged_at"]) == T0 + timedelta(days=4)
    assert instant(body["recorded_at"]) == T0 + timedelta(days=5)


def test_a_hospital_stay_still_going_has_no_discharge(act, referral, frozen):
    frozen.shift(timedelta(days=2))

    body = act(referral.pk, "hospital-stays", admitted_at=at(days=1)).json()

    assert body["discharged_at"] is None


def test_a_redirect_hands_the_same_referral_to_another_team_with_its_clocks_running(
    act, api, referral, south_team, north_team
):
    response = act(referral.pk, "redirect", to_team=south_team.pk, note="Lives in the south now.", person_informed=True)

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["from_team"], body["to_team"], body["person_informed"]) == (north_team.pk, south_team.pk, True)
    assert body["referral"]["id"] == referral.pk
    assert body["referral"]["status"] == "redirected"
    assert body["referral"]["team"] == south_team.pk
    assert all(c["stopped_at"] is None for c in body["referral"]["clocks"])
    # North handed over and holds nothing else of this person: the referral is no longer theirs to open.
    assert api.get(referral_url(referral.pk)).status_code == 404


def test_closing_a_referral_stops_its_clocks_at_the_time_given(act, referral, frozen):
    frozen.shift(timedelta(days=3))

    response = act(referral.pk, "close", closed_at=at(days=2), reason="no_contact", note="Three attempts.")

    assert response.status_code == 200, response.data
    body = response.json()
    assert (body["status"], body["closure_reason"]) == ("closed", "no_contact")
    assert instant(body["ended_at"]) == T0 + timedelta(days=2)
    for kind in ("first_response", "treatment"):
        assert instant(clock(body, kind)["stopped_at"]) == T0 + timedelta(days=2)
        assert clock(body, kind)["stop_reason"] == "referral_ended"


def test_closing_twice_is_a_409(act, referral):
    first = act(referral.pk, "close", reason="declined")
    second = act(referral.pk, "close", reason="declined")

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json() == {"detail": "A referral that is closed cannot become closed."}


def test_a_referral_in_treatment_is_discharged_not_closed(act, referral, frozen):
    frozen.shift(timedelta(hours=1))
    act(
        referral.pk,
        "contacts",
        occurred_at=at(minutes=30),
        consultation_mechanism="01",
        attendance="5",
        starts_treatment=True,
    )

    closed = act(referral.pk, "close", reason="declined")
    discharged = act(referral.pk, "discharge", reason="person_chose", note="Chose to stop; can come back via GP.")

    assert closed.status_code == 409
    assert "in treatment cannot become closed" in closed.json()["detail"]
    assert discharged.status_code == 200
    assert instant(discharged.json()["ended_at"]) == T0 + timedelta(hours=1)  # now, when no time is given
