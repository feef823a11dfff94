"""Through the API, once a trust has loaded its SNOMED CT reference sets (manage.py
load_snomed_refsets): a psychosocial intervention coded from the loaded set is recorded and
stops the referral-spell clock with the other events; a code in no set is still a 400 naming
``code``; GET /api/v1/code-lists/ lists the loaded members. The release is synthetic."""

from datetime import timedelta

import pytest
from django.utils import timezone

from codes.snomed import MEDICATION_REFSET, PSYCHOSOCIAL_REFSET
from referrals.services.codes import snomed_refsets_load
from tests.codes.release import (
    SYNTHETIC_MEDICATION,
    SYNTHETIC_PSYCHOSOCIAL,
    SYNTHETIC_PSYCHOSOCIAL_OTHER,
    member,
    term,
    write_release,
)

from .conftest import CODE_LISTS, T0, action_url, clock, instant

pytestmark = pytest.mark.usefixtures("frozen")

NEURODEVELOPMENTAL_ASSESSMENT = "1914891000000100"  # shipped
PHQ_9 = "720433000"


def at(**since_t0: float) -> str:
    return (T0 + timedelta(**since_t0)).isoformat()


@pytest.fixture
def api(client_for, alice):
    return client_for(alice)


@pytest.fixture
def act(api):
    def post(referral_id: int, action: str, **body):
        return api.post(action_url(referral_id, action), body, format="json")

    return post


@pytest.fixture
def spell_referral(north_team, request):
    """North team counted as a community mental health team: its treatment clock stops on the
    referral-spell clock stop."""
    north_team.mhsds_team_type = "A06"
    north_team.save()
    return request.getfixturevalue("referral")


@pytest.fixture
def loaded(tmp_path, db):
    release = write_release(
        tmp_path,
        members=[
            member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL),
            member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL_OTHER, active=False),
            member(MEDICATION_REFSET, SYNTHETIC_MEDICATION),
        ],
        terms=[
            term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending intervention (test only)"),
            term(SYNTHETIC_PSYCHOSOCIAL_OTHER, "Synthetic retired housing support (test only)"),
            term(SYNTHETIC_MEDICATION, "Synthetic medication review (test only)"),
        ],
    )
    snomed_refsets_load(paths=[release], by=None, now=timezone.now())


def test_a_psychosocial_intervention_from_the_loaded_set_is_recorded_and_stops_the_spell_clock(
    act, spell_referral, loaded, frozen
):
    frozen.shift(timedelta(days=10))
    act(spell_referral.pk, "contacts", occurred_at=at(days=1), consultation_mechanism="01", attendance="5")
    act(spell_referral.pk, "assessments", completed_at=at(days=2), code=NEURODEVELOPMENTAL_ASSESSMENT, summary="Done")
    waiting = act(
        spell_referral.pk, "outcome-measures", recorded_at=at(days=3), tool_code=PHQ_9, score=11, stage="baseline"
    )
    assert clock(waiting.json(), "treatment")["stopped_at"] is None  # no care plan or intervention yet

    response = act(
        spell_referral.pk,
        "interventions",
        started_at=at(days=4),
        code=SYNTHETIC_PSYCHOSOCIAL,
        description="Befriending",
    )

    assert response.status_code == 201, response.data
    assert response.json()["code"] == SYNTHETIC_PSYCHOSOCIAL
    treatment = clock(response.json(), "treatment")
    assert instant(treatment["stopped_at"]) == T0 + timedelta(days=4)
    assert treatment["stop_reason"] == "referral_spell_complete"


def test_a_code_in_no_set_is_still_refused_with_a_400_naming_code(act, spell_referral, loaded, frozen):
    frozen.shift(timedelta(days=10))

    response = act(
        spell_referral.pk, "interventions", started_at=at(days=4), code="9990000000008001", description="Unlisted"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["code"]


def test_an_inactive_loaded_member_is_refused_for_a_new_intervention(act, spell_referral, loaded, frozen):
    frozen.shift(timedelta(days=10))

    response = act(
        spell_referral.pk,
        "interventions",
        started_at=at(days=4),
        code=SYNTHETIC_PSYCHOSOCIAL_OTHER,
        description="Housing support",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["code"]


def test_the_code_lists_show_the_loaded_active_members_and_when_they_were_loaded(api, loaded):
    lists = {code_list["name"]: code_list for code_list in api.get(CODE_LISTS).json()}

    psychosocial = lists["psychosocial_intervention"]
    assert [(c["code"], c["display"], c["origin"]) for c in psychosocial["codes"]] == [
        (SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending intervention (test only)", "loaded")
    ]
    assert psychosocial["loaded"]["active"] == 1
    assert psychosocial["loaded"]["inactive"] == 1
    assert psychosocial["loaded"]["release"] == "2026-04-01"
    assert instant(psychosocial["loaded"]["loaded_at"]) == T0
    assert [c["code"] for c in lists["medication_intervention"]["codes"]] == [SYNTHETIC_MEDICATION]
    # The shipped members are listed as shipped; a set with nothing loaded says so.
    assert {c["origin"] for c in lists["psychological_therapy"]["codes"]} == {"shipped"}
    assert lists["psychological_therapy"]["loaded"] is None
    assert lists["consultation_mechanism"]["loaded"] is None
