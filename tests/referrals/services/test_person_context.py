"""Risk, carers, consent and the trusted assessment follow the person, and every change is audited."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from access.consent import consent_record, consent_withdraw
from accounts.models import AuditEvent
from referrals.errors import InvalidTransition
from referrals.models import Clock, SharingConsent
from referrals.services import (
    assessment_record,
    care_plan_goal_add,
    care_plan_record,
    carer_add,
    contact_record,
    intervention_record,
    outcome_measure_record,
    referral_discharge,
    referral_triage,
    risk_flag_raise,
    risk_flag_resolve,
    trusted_assessment_add,
    trusted_assessment_write,
)
from tests.factories import make_referral
from tests.factories.policies import make_team_policy

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def referral_received_at():
    """The standing referral (tests/conftest.py) arrives at T0."""
    return T0


def test_triage_records_thrive_grouping_and_next_step(referral, alice):
    referral_triage(
        referral=referral,
        by=alice,
        now=T0 + timedelta(hours=1),
        thrive_grouping="getting_help",
        next_step="Offer a core assessment this week",
    )
    referral.refresh_from_db()
    assert referral.thrive_grouping == "getting_help"
    assert referral.triage_next_step == "Offer a core assessment this week"
    with pytest.raises(ValidationError) as info:
        referral_triage(referral=referral, by=alice, now=T0, thrive_grouping="tier_3")
    assert "thrive_grouping" in info.value.message_dict


def test_a_risk_flag_stays_until_resolved_with_a_reason(referral, alice):
    flag = risk_flag_raise(
        person=referral.person, by=alice, now=T0, kind="self_harm", note="Cutting; safety plan agreed"
    )
    with pytest.raises(ValidationError):
        risk_flag_resolve(flag=flag, by=alice, now=T0 + timedelta(days=30), note="")
    risk_flag_resolve(flag=flag, by=alice, now=T0 + timedelta(days=30), note="No self-harm for 3 months")
    with pytest.raises(InvalidTransition):
        risk_flag_resolve(flag=flag, by=alice, now=T0 + timedelta(days=31), note="again")


def test_a_carer_is_recorded_with_their_own_assessment_offer(referral, alice):
    carer = carer_add(
        person=referral.person,
        by=alice,
        now=T0,
        name="Pat Example",
        relationship="mother",
        involved_with_consent=True,
        carers_assessment="offered",
    )
    assert carer.carers_assessment_updated_at == T0
    with pytest.raises(ValidationError) as info:
        carer_add(person=referral.person, by=alice, now=T0, name="", relationship="")
    assert set(info.value.message_dict) == {"name", "relationship"}


def test_consent_to_named_organisations_needs_names_and_withdrawal_keeps_the_record(referral, alice, vcse):
    with pytest.raises(ValidationError) as info:
        consent_record(person=referral.person, by=alice, now=T0, decision="given", scope="named_organisations")
    assert "organisations" in info.value.message_dict
    consent = consent_record(
        person=referral.person, by=alice, now=T0, decision="given", scope="named_organisations", organisations=[vcse]
    )
    consent_withdraw(consent=consent, by=alice, now=T0 + timedelta(days=2))
    consent.refresh_from_db()
    assert consent.withdrawn_at == T0 + timedelta(days=2) and list(consent.organisations.all()) == [vcse]
    refused = consent_record(person=referral.person, by=alice, now=T0, decision="refused")
    with pytest.raises(InvalidTransition):
        consent_withdraw(consent=refused, by=alice, now=T0)
    assert SharingConsent.objects.filter(person=referral.person).count() == 2


def test_the_trusted_assessment_is_written_once_and_then_built_on(referral, alice, bob):
    assessment = trusted_assessment_write(
        person=referral.person,
        by=alice,
        now=T0 + timedelta(hours=3),
        referral=referral,
        presenting_needs="Low mood since losing job",
        money="Rent arrears",
        strengths="Close to sister",
    )
    assert referral.assessments.count() == 1  # it counts as the referral's assessment
    with pytest.raises(InvalidTransition, match="add to it"):
        trusted_assessment_write(
            person=referral.person, by=bob, now=T0 + timedelta(days=1), presenting_needs="Starting again"
        )
    addition = trusted_assessment_add(
        assessment=assessment,
        by=bob,
        now=T0 + timedelta(days=2),
        section="money",
        text="Debt advice appointment booked with the CAB",
    )
    assert addition.organisation == bob.organisation
    assessment.refresh_from_db()
    assert assessment.money == "Rent arrears"  # the original words stay as written
    assert AuditEvent.objects.filter(action="trusted_assessment.add", person_id=referral.person_id).exists()


def test_care_plan_goals_interventions_and_outcomes_complete_the_referral_spell(referral, alice, north_team):
    make_team_policy(north_team, treatment_stop_rule="referral_spell")
    spell = make_referral(by=alice, practice=referral.person.gp_practice, now=T0, received_at=T0)
    now = T0 + timedelta(days=10)
    trusted_assessment_write(
        person=spell.person, by=alice, now=T0 + timedelta(days=1), referral=spell, presenting_needs="Panic attacks"
    )
    contact_record(
        referral=spell,
        by=alice,
        now=now,
        occurred_at=T0 + timedelta(days=1),
        consultation_mechanism="01",
        attendance="5",
    )
    assessment_record(
        referral=spell,
        by=alice,
        now=now,
        completed_at=T0 + timedelta(days=1),
        summary="Assessment",
        code="1085671000000109",
    )
    plan = care_plan_record(referral=spell, by=alice, now=now, agreed_at=T0 + timedelta(days=3), summary="Plan")
    goal = care_plan_goal_add(
        care_plan=plan, by=alice, now=now, description="Go back to the gym", review_date=date(2026, 6, 1)
    )
    assert goal.review_date == date(2026, 6, 1)
    with pytest.raises(ValidationError):
        care_plan_goal_add(care_plan=plan, by=alice, now=now, description="x", review_date=date(2026, 1, 1))
    outcome_measure_record(
        referral=spell,
        by=alice,
        now=now,
        recorded_at=T0 + timedelta(days=3),
        instrument="GAD-7",
        score=15,
        stage="baseline",
    )
    intervention_record(
        referral=spell,
        by=alice,
        now=now,
        started_at=T0 + timedelta(days=7),
        kind="peer_support",
        description="Peer support group",
        care_plan=plan,
    )
    treatment = spell.clocks.get(kind=Clock.Kind.TREATMENT)
    # The care plan (day 3) meets the "care plan or intervention" part before the intervention
    # does; the latest part, the plan and the baseline measure, is day 3.
    assert treatment.stopped_at == T0 + timedelta(days=3)


def test_discharge_needs_a_known_reason_and_a_self_care_plan(referral, alice, bob):
    from referrals.services import caseload_allocate

    referral_triage(referral=referral, by=alice, now=T0 + timedelta(hours=1))
    caseload_allocate(referral=referral, by=alice, now=T0 + timedelta(hours=2), link_worker=bob)
    with pytest.raises(ValidationError) as info:
        referral_discharge(referral=referral, by=bob, now=T0 + timedelta(days=40), note="", reason="fired")
    assert set(info.value.message_dict) == {"note", "reason"}
    referral_discharge(
        referral=referral,
        by=bob,
        now=T0 + timedelta(days=40),
        note="Keep up the walking group",
        reason="goals_met",
        return_route="Self-refer via the 24/7 line within 12 months",
    )
    referral.refresh_from_db()
    assert referral.discharge_reason == "goals_met" and "24/7" in referral.return_route


def test_equality_answers_are_recorded_and_audited_without_their_values(referral, alice):
    from referrals.services import person_equality_record

    person_equality_record(person=referral.person, by=alice, now=T0, ethnicity="N", disability="yes")
    referral.person.refresh_from_db()
    assert (referral.person.ethnicity, referral.person.gender, referral.person.disability) == ("N", "not_stated", "yes")
    event = AuditEvent.objects.get(action="person.equality_record")
    assert event.detail == {}
    with pytest.raises(ValidationError) as info:
        person_equality_record(person=referral.person, by=alice, now=T0, gender="robot")
    assert set(info.value.message_dict) == {"gender"}
