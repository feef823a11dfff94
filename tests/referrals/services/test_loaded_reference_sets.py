"""Assessments and interventions coded from the reference sets a trust loaded from its SNOMED CT
UK release (docs/measures.md, "Code lists"): accepted at entry while active, and counted toward
the referral-spell clock stop like the shipped members. The releases are synthetic."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codes.models import SnomedRefsetMember
from codes.snomed import ASSESSMENT_REFSET, MEDICATION_REFSET, PSYCHOSOCIAL_REFSET
from referrals.models import Clock, ClockPolicy, Intervention, ReferralMilestones
from referrals.selectors import clock_stop_intervention, clock_stop_intervention_sql, referral_spell_clock_stop
from referrals.services import assessment_record, contact_record, intervention_record, outcome_measure_record
from referrals.services.codes import snomed_refsets_load
from reporting.measures import referral_spell
from reporting.measures.periods import parse_period
from tests.codes.release import (
    SYNTHETIC_ASSESSMENT,
    SYNTHETIC_MEDICATION,
    SYNTHETIC_PSYCHOSOCIAL,
    member,
    term,
    write_release,
)
from tests.factories import make_referral
from tests.factories.policies import make_team_policy

pytestmark = pytest.mark.django_db

START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)  # a Monday in winter: UK time is UTC
NOW = START + timedelta(days=20)
NEURODEVELOPMENTAL_ASSESSMENT = "1914891000000100"  # shipped
DIALECTICAL_BEHAVIOUR_THERAPY = "405780009"  # shipped
PHQ_9 = "720433000"


@pytest.fixture
def spell_referral(alice, north_team, north_practice):
    """A community team's referral whose treatment clock stops on the referral-spell rule."""
    north_team.mhsds_team_type = "A06"
    north_team.save()
    make_team_policy(north_team, treatment_stop_rule=ClockPolicy.TreatmentStopRule.REFERRAL_SPELL)
    with time_machine.travel(START, tick=False):
        return make_referral(by=alice, practice=north_practice)


def load(folder, *rows, version="20260401"):
    release = write_release(
        folder / version,
        members=list(rows),
        terms=[
            term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending intervention (test only)"),
            term(SYNTHETIC_MEDICATION, "Synthetic medication review (test only)"),
        ],
        version=version,
    )
    return snomed_refsets_load(paths=[release], by=None, now=START)


@pytest.fixture
def loaded(tmp_path):
    load(
        tmp_path,
        member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL),
        member(MEDICATION_REFSET, SYNTHETIC_MEDICATION),
        member(ASSESSMENT_REFSET, SYNTHETIC_ASSESSMENT),
    )


def intervene(referral, by, code, *, days=5):
    return intervention_record(
        referral=referral, by=by, now=NOW, started_at=START + timedelta(days=days), description="Support", code=code
    )


def the_other_three_events(referral, by):
    """An attended face-to-face contact (day 1), a coded assessment (day 2) and a baseline
    outcome (day 3): with a care plan or a coded intervention the spell's clock stops."""
    contact_record(
        referral=referral,
        by=by,
        now=NOW,
        occurred_at=START + timedelta(days=1),
        consultation_mechanism="01",
        attendance="5",
    )
    assessment_record(
        referral=referral,
        by=by,
        now=NOW,
        completed_at=START + timedelta(days=2),
        summary="Assessed",
        code=NEURODEVELOPMENTAL_ASSESSMENT,
    )
    outcome_measure_record(
        referral=referral,
        by=by,
        now=NOW,
        recorded_at=START + timedelta(days=3),
        tool_code=PHQ_9,
        score=12,
        stage="baseline",
    )


def treatment(referral) -> Clock:
    return referral.clocks.get(kind=Clock.Kind.TREATMENT, is_current=True)


def test_before_the_psychosocial_set_is_loaded_a_psychosocial_code_is_refused_naming_code(spell_referral, alice):
    with pytest.raises(ValidationError) as refused:
        intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL)

    assert list(refused.value.message_dict) == ["code"]
    assert "psychosocial interventions (1853481000000101)" in refused.value.message_dict["code"][0]


def test_a_psychosocial_intervention_coded_from_the_loaded_set_is_recorded(spell_referral, alice, loaded):
    row = intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL)

    assert row.code == SYNTHETIC_PSYCHOSOCIAL


def test_a_loaded_psychosocial_intervention_stops_the_spell_clock_once_the_other_events_are_there(
    spell_referral, alice, loaded
):
    the_other_three_events(spell_referral, alice)
    assert treatment(spell_referral).stopped_at is None  # no care plan, no intervention yet

    intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL, days=5)

    stopped = treatment(spell_referral)
    assert stopped.stopped_at == START + timedelta(days=5)
    assert stopped.stop_reason == Clock.StopReason.REFERRAL_SPELL_COMPLETE


def test_a_loaded_medication_intervention_counts_too(spell_referral, alice, loaded):
    the_other_three_events(spell_referral, alice)

    intervene(spell_referral, alice, SYNTHETIC_MEDICATION, days=4)

    assert treatment(spell_referral).stopped_at == START + timedelta(days=4)


def test_a_loaded_assessment_is_accepted_but_an_intervention_code_is_not_an_assessment(spell_referral, alice, loaded):
    assessed = assessment_record(
        referral=spell_referral, by=alice, now=NOW, completed_at=START, summary="Assessed", code=SYNTHETIC_ASSESSMENT
    )
    assert assessed.code == SYNTHETIC_ASSESSMENT

    with pytest.raises(ValidationError) as refused:
        assessment_record(
            referral=spell_referral,
            by=alice,
            now=NOW,
            completed_at=START,
            summary="Befriending",
            code=SYNTHETIC_PSYCHOSOCIAL,
        )
    assert list(refused.value.message_dict) == ["code"]


def test_a_member_inactivated_by_a_later_release_is_refused_for_new_records_but_old_ones_still_count(
    spell_referral, alice, tmp_path, loaded
):
    the_other_three_events(spell_referral, alice)
    intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL, days=5)

    load(
        tmp_path,
        member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL, active=False, effective="20261001"),
        version="20261001",
    )

    with pytest.raises(ValidationError) as refused:
        intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL, days=6)
    assert list(refused.value.message_dict) == ["code"]
    assert referral_spell_clock_stop(spell_referral) == START + timedelta(days=5)


def test_an_activity_that_never_stops_a_clock_is_refused_even_where_a_loaded_set_holds_it(spell_referral, alice):
    """4w_waits_prep.py L339-L340 leaves Consultation out of the sets it reads; a trust's
    release may list it, so it is refused by name, not by absence."""
    SnomedRefsetMember.objects.create(
        refset_id=PSYCHOSOCIAL_REFSET, concept_id="11429006", active=True, effective_time=START.date(), loaded_at=START
    )

    with pytest.raises(ValidationError) as refused:
        intervene(spell_referral, alice, "11429006")

    assert "never stops a clock" in refused.value.message_dict["code"][0]


def test_the_clock_stop_reads_the_loaded_sets_in_the_same_queries_however_many_records(spell_referral, alice, loaded):
    intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL, days=5)
    with CaptureQueriesContext(connection) as one:
        referral_spell_clock_stop(spell_referral)

    for days in (6, 7, 8):
        intervene(spell_referral, alice, SYNTHETIC_MEDICATION, days=days)
    with CaptureQueriesContext(connection) as four:
        referral_spell_clock_stop(spell_referral)

    assert len(four) == len(one)


def test_the_sql_for_raw_queries_finds_the_same_coded_records_as_the_filter(spell_referral, alice, loaded):
    """For the measures' raw SQL: the shipped and loaded members, never an uncoded record."""
    coded = {
        intervene(spell_referral, alice, SYNTHETIC_PSYCHOSOCIAL, days=4).pk,
        intervene(spell_referral, alice, DIALECTICAL_BEHAVIOUR_THERAPY, days=5).pk,
    }
    intervene(spell_referral, alice, "", days=6)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id FROM {Intervention._meta.db_table} e WHERE {clock_stop_intervention_sql('e.code')}"
        )
        found = {pk for (pk,) in cursor.fetchall()}

    assert found == coded == set(Intervention.objects.filter(clock_stop_intervention()).values_list("pk", flat=True))


def test_a_loaded_intervention_counts_in_the_national_spell_measure_as_in_the_live_clock(
    spell_referral, alice, north_practice, loaded
):
    """The measure reads each referral's stored milestones: a member the trust loaded is kept there
    as the shipped ones are, so the national figure and the live clock agree."""
    with time_machine.travel(START, tick=False):
        adult = make_referral(by=alice, practice=north_practice, birth_date=date(1980, 1, 1))
    the_other_three_events(adult, alice)
    intervene(adult, alice, SYNTHETIC_PSYCHOSOCIAL, days=5)

    assert ReferralMilestones.objects.get(referral=adult).first_coded_intervention_at == START + timedelta(days=5)
    assert treatment(adult).stopped_at == START + timedelta(days=5)
    [row] = [
        row for row in referral_spell(parse_period("2026-Q1", quarterly=True)).rows if adult.pk in row.referral_ids
    ]
    assert (row.in_scope, row.stopped_by, row.days, row.met) == (True, "coded intervention", 5, True)
