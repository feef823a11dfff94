"""The trusted assessment and contact notes cross an organisation boundary only under consent.

bob (VCSE link worker) holds a person whose assessment alice (NHS trust) wrote. He sees who
they are, their clocks and plan; the assessment and alice's notes only while consent covers
the VCSE, and not from the moment it is withdrawn. The record itself is kept.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.consent import consent_record, consent_withdraw
from referrals.models import AssessmentAddition, TrustedAssessment
from referrals.services import contact_record, trusted_assessment_write

pytestmark = pytest.mark.django_db
STORY = "Lost their job in March; sleeping two hours a night."
ALICE_NOTE = "Discussed medication side effects at length."


@pytest.fixture
def written(held_by_bob, alice):
    person = held_by_bob.person
    trusted_assessment_write(person=person, by=alice, now=timezone.now(), presenting_needs=STORY)
    contact_record(
        referral=held_by_bob,
        by=alice,
        now=timezone.now(),
        occurred_at=timezone.now() - timedelta(hours=1),
        mode="telephone",
        outcome="completed",
        note=ALICE_NOTE,
    )
    return person


def assessment_page(client, person) -> str:
    response = client.get(reverse("referrals:assessment", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def timeline(client, person) -> str:
    response = client.get(reverse("referrals:timeline", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_without_consent_bob_sees_the_record_but_not_the_trusts_assessment_or_notes(client, bob, written):
    client.force_login(bob)
    assert client.get(reverse("referrals:person", args=[written.pk])).status_code == 200
    page = assessment_page(client, written)
    assert STORY not in page
    assert "has not agreed to share it" in page
    notes = timeline(client, written)
    assert ALICE_NOTE not in notes
    assert "Note withheld" in notes


def test_alice_always_reads_her_own_organisations_assessment(client, alice, written):
    client.force_login(alice)
    assert STORY in assessment_page(client, written)
    assert ALICE_NOTE in timeline(client, written)


def test_consent_for_the_care_team_shows_bob_everything(client, bob, alice, written):
    consent_record(person=written, by=alice, now=timezone.now(), decision="given", scope="care_team")
    client.force_login(bob)
    assert STORY in assessment_page(client, written)
    assert ALICE_NOTE in timeline(client, written)


def test_consent_naming_other_organisations_only_still_withholds_from_bob(client, bob, alice, trust, written):
    consent_record(
        person=written,
        by=alice,
        now=timezone.now(),
        decision="given",
        scope="named_organisations",
        organisations=[trust],
    )
    client.force_login(bob)
    page = assessment_page(client, written)
    assert STORY not in page
    assert "only with the organisations named" in page


def test_withdrawal_takes_effect_on_the_very_next_request_and_keeps_the_record(client, bob, alice, written):
    consent = consent_record(person=written, by=alice, now=timezone.now(), decision="given", scope="care_team")
    client.force_login(bob)
    assert STORY in assessment_page(client, written)

    consent_withdraw(consent=consent, by=alice, now=timezone.now())

    page = assessment_page(client, written)
    assert STORY not in page
    assert "withdrew their consent to share it" in page
    assert ALICE_NOTE not in timeline(client, written)
    assert TrustedAssessment.objects.get(person=written).presenting_needs == STORY  # kept


def test_a_refusal_withholds_too(client, bob, alice, written):
    consent_record(person=written, by=alice, now=timezone.now(), decision="refused")
    client.force_login(bob)
    assert STORY not in assessment_page(client, written)


def test_bob_cannot_add_to_an_assessment_he_may_not_read(client, bob, written):
    client.force_login(bob)
    response = client.post(
        reverse("referrals:assessment_add", args=[written.pk]), {"section": "housing", "housing-text": "Sofa surfing."}
    )
    assert response.status_code == 302
    assert not AssessmentAddition.objects.exists()


def test_bobs_own_notes_are_his_organisations_and_alice_needs_consent_to_read_them(client, bob, alice, held_by_bob):
    contact_record(
        referral=held_by_bob,
        by=bob,
        now=timezone.now(),
        occurred_at=timezone.now() - timedelta(minutes=5),
        mode="face_to_face",
        outcome="completed",
        note="Walked to the allotment together.",
    )
    client.force_login(bob)
    assert "Walked to the allotment together." in timeline(client, held_by_bob.person)
    client.force_login(alice)
    assert "Walked to the allotment together." not in timeline(client, held_by_bob.person)
