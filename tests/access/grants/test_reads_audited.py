"""Every page and fragment that shows someone's record writes a read to the audit log (issue 10,
the low finding): the outcomes fragment (clinical scores) and the page asking to withdraw
consent. (The referral form opened with ``?person=`` already recorded its read.)"""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.consent import consent_record
from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def reads(user, person_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=user, person_id=person_id, action="record.view"))


def test_opening_the_outcomes_fragment_is_a_recorded_read(client, bob, held_by_bob):
    client.force_login(bob)

    response = client.get(reverse("referrals:outcomes", args=[held_by_bob.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    (read,) = reads(bob, held_by_bob.person_id)
    assert (read.object_type, read.object_id) == ("referrals.referral", str(held_by_bob.pk))


def test_the_page_asking_to_withdraw_consent_is_a_recorded_read(client, alice, person):
    consent = consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    client.force_login(alice)

    response = client.get(reverse("referrals:assessment_consent_withdraw", args=[person.pk, consent.pk]))

    assert response.status_code == 200
    (read,) = reads(alice, person.pk)
    assert (read.object_type, read.object_id) == ("referrals.sharingconsent", str(consent.pk))
