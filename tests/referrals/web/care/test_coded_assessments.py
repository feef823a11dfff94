"""Clinicians code what stops the 4-week treatment clock from the browser: a coded assessment on
its own page, and an intervention coded from the psychological therapy, psychosocial or
medication lists on the care plan (docs/measures.md: the referral-spell clock stop)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from codes.models import SnomedRefsetMember
from codes.snomed import ASSESSMENT, ASSESSMENT_REFSET, EXCLUDED_FROM_CLOCK_STOP, PSYCHOLOGICAL_THERAPY
from referrals.models import Assessment, Clock, ClockPolicy, Intervention, ReferralMilestones
from referrals.services import care_plan_record, contact_record, outcome_measure_record, referral_close
from tests.factories import make_referral
from tests.factories.policies import make_team_policy

from .conftest import date_fields, text, today, url

CODED = ASSESSMENT.codes[0].code
THERAPY = PSYCHOLOGICAL_THERAPY.codes[0].code
LOADED_ASSESSMENT = "999000011000000103"  # synthetic, loaded by the test as a trust's release would be


def record(client, referral, **fields):
    return client.post(
        url(referral, "assessments"),
        {
            "assessment-code": CODED,
            "assessment-summary": "Full mental health assessment; low mood, no immediate risk.",
            **date_fields("assessment-completed_on", today()),
            **fields,
        },
    )


def test_a_clinician_records_a_coded_assessment_and_it_is_listed_and_audited(client, alice, received):
    client.force_login(alice)

    response = record(client, received)

    assert response.status_code == 302
    assessment = Assessment.objects.get(referral=received)
    assert (assessment.code, assessment.recorded_by) == (CODED, alice)
    assert ReferralMilestones.objects.get(referral=received).first_coded_assessment_at == assessment.completed_at
    assert AuditEvent.objects.filter(action="assessment.record", person_id=received.person_id).exists()
    page = text(client.get(url(received, "assessments")))
    assert f"SNOMED CT {CODED}" in page
    assert ASSESSMENT.codes[0].display in page  # named, not only numbered
    assert "low mood, no immediate risk" in page


def test_the_assessment_list_offers_shipped_and_loaded_codes_but_never_an_activity_that_stops_no_clock(
    client, alice, received
):
    SnomedRefsetMember.objects.create(
        refset_id=ASSESSMENT_REFSET,
        concept_id=LOADED_ASSESSMENT,
        term="Synthetic structured assessment (test only)",
        active=True,
        effective_time=today(),
        loaded_at=timezone.now(),
    )
    client.force_login(alice)

    page = text(client.get(url(received, "assessments")))

    assert f'value="{CODED}"' in page
    assert "Synthetic structured assessment (test only)" in page
    for code in EXCLUDED_FROM_CLOCK_STOP:
        assert f'value="{code}"' not in page


def test_an_assessment_without_a_code_or_with_a_made_up_one_is_refused_and_nothing_is_written(client, alice, received):
    client.force_login(alice)

    missing = record(client, received, **{"assessment-code": ""})
    made_up = record(client, received, **{"assessment-code": "123456"})

    assert missing.status_code == made_up.status_code == 200
    assert "Choose the assessment." in text(missing)
    assert "Choose an assessment from the list." in text(made_up)
    assert not Assessment.objects.exists()


def test_an_assessment_is_refused_on_an_ended_referral(client, alice, received):
    referral_close(referral=received, by=alice, now=timezone.now(), reason="no_contact")
    client.force_login(alice)

    response = record(client, received)

    assert response.status_code == 302
    assert not Assessment.objects.exists()
    assert "can no longer" not in text(client.get(url(received, "assessments")))  # no form, a sentence instead
    assert "No assessment can be added to it." in text(client.get(url(received, "assessments")))


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_outside_the_referrals_team_gets_404_for_assessments(client, charlie, received, method):
    client.force_login(charlie)

    response = getattr(client, method)(url(received, "assessments"), {})

    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_an_intervention_coded_on_the_care_plan_is_kept_with_its_code(client, alice, received):
    client.force_login(alice)

    client.post(
        url(received, "care_plan_intervention_add"),
        {
            "intervention-kind": "talking_therapy",
            "intervention-description": "CBT, 12 sessions",
            "intervention-code": THERAPY,
            **date_fields("intervention-started_on", today()),
        },
    )
    client.post(
        url(received, "care_plan_intervention_add"),
        {
            "intervention-kind": "debt_advice",
            "intervention-description": "Debt advice",
            "intervention-code": "",
            **date_fields("intervention-started_on", today()),
        },
    )

    assert dict(Intervention.objects.values_list("description", "code")) == {
        "CBT, 12 sessions": THERAPY,
        "Debt advice": "",
    }
    assert f"SNOMED CT {THERAPY}" in text(client.get(url(received, "care_plan")))


def test_from_the_browser_alone_the_treatment_clock_stops_on_the_referral_spell_rule(
    client, alice, intake, north_practice, north_team
):
    """A contact, a baseline outcome and a care plan are not enough since April 2024: the coded
    assessment recorded on its page is the last event, and it stops the clock."""
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    make_team_policy(north_team, treatment_stop_rule=ClockPolicy.TreatmentStopRule.REFERRAL_SPELL)
    received = make_referral(by=intake, practice=north_practice, now=timezone.now() - timedelta(days=3))
    now = timezone.now()
    contact_record(referral=received, by=alice, now=now, occurred_at=now, consultation_mechanism="01", attendance="5")
    outcome_measure_record(
        referral=received,
        by=alice,
        now=now,
        recorded_at=now,
        score=Decimal(20),
        stage="baseline",
        instrument="ReQoL-10",
    )
    care_plan_record(referral=received, by=alice, now=now, agreed_at=now, summary="Agreed.")
    treatment = received.clocks.get(kind=Clock.Kind.TREATMENT, is_current=True)
    assert treatment.stopped_at is None
    client.force_login(alice)

    record(client, received)

    treatment.refresh_from_db()
    assert treatment.stopped_at is not None
