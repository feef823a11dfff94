"""A refusal to share is lifted only by whoever answers for it (issue 10, item 4).

The attack as reproduced: the trust recorded the person's refusal; a VCSE link worker who holds
the person replaced it with "given, all partners" and read the trust's assessment at once. Now
only the organisation that recorded the refusal, or the person's care coordinator (the clinician
holding one of their open referrals), records a new decision to share, with a reason; the IG
leads are told.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from access.consent import consent_record, consent_withdraw
from access.tasks import notify_ig_of_consent_lift
from accounts.models import AuditEvent, Role
from referrals.models import SharingConsent
from referrals.selectors import consent_in_force
from referrals.services import trusted_assessment_write
from tests.factories import UserFactory, make_allocated_referral

pytestmark = pytest.mark.django_db
SECRET = "Voices telling them to run; the trust's own assessment."
REASON = "Met the person today; they now agree to share with all partners."


@pytest.fixture
def refused(held_by_bob, alice):
    """bob (VCSE) holds the person; alice (trust) wrote the assessment and recorded the refusal."""
    person = held_by_bob.person
    trusted_assessment_write(person=person, by=alice, now=timezone.now(), presenting_needs=SECRET)
    consent_record(
        person=person, by=alice, now=timezone.now(), decision="refused", note="Does not want the charity told."
    )
    return person


def consent_url(person) -> str:
    return reverse("referrals:assessment_consent", args=[person.pk])


def give(scope: str = "care_team", note: str = REASON) -> dict[str, str]:
    return {"decision": "given", "scope": scope, "note": note}


def test_a_link_worker_cannot_replace_the_trusts_refusal_and_read_the_assessment(client, bob, refused):
    client.force_login(bob)

    response = client.post(consent_url(refused), give())

    assert response.status_code == 200  # the form again, with the refusal explained: never a 500
    body = response.content.decode()
    assert "Only that organisation or the person" in body and "Synthetic Partnership NHS Trust" in body
    assert consent_in_force(refused).decision == "refused"
    assert SECRET not in client.get(reverse("referrals:assessment", args=[refused.pk])).content.decode()
    attempt = AuditEvent.objects.get(action="consent.refusal_lift_refused")
    assert (attempt.actor, attempt.person_id) == (bob, refused.pk)


def test_recording_a_refusal_of_ones_own_first_does_not_open_the_way(bob, refused):
    consent_record(person=refused, by=bob, now=timezone.now(), decision="refused")

    with pytest.raises(ValidationError, match="Only that organisation"):
        consent_record(person=refused, by=bob, now=timezone.now(), decision="given", scope="care_team", note=REASON)

    assert consent_in_force(refused).decision == "refused"


def test_a_withdrawal_is_lifted_only_by_whoever_answers_for_it_too(bob, alice, held_by_bob):
    person = held_by_bob.person
    given = consent_record(
        person=person,
        by=alice,
        now=timezone.now(),
        decision="given",
        scope="named_organisations",
        organisations=[alice.organisation],
    )
    consent_withdraw(consent=given, by=alice, now=timezone.now())

    with pytest.raises(ValidationError, match="Only that organisation"):
        consent_record(person=person, by=bob, now=timezone.now(), decision="given", scope="care_team", note=REASON)


def test_the_organisation_that_recorded_the_refusal_lifts_it_with_a_reason_kept_in_the_history(
    client, tina, alice, refused, ig, django_capture_on_commit_callbacks
):
    client.force_login(tina)  # the trust's team manager: the same organisation as alice

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(consent_url(refused), give())

    assert response.status_code == 302
    latest, earlier = SharingConsent.objects.filter(person=refused)[:2]
    assert (latest.decision, latest.recorded_by, latest.note) == ("given", tina, REASON)
    assert (earlier.decision, earlier.recorded_by) == ("refused", alice)  # kept
    lift = AuditEvent.objects.get(action="consent.refusal_lifted")
    assert (lift.actor, lift.person_id, lift.detail["reason"], lift.detail["as"]) == (
        tina,
        refused.pk,
        REASON,
        "organisation",
    )
    assert len(callbacks) == 1  # the IG leads' email, once the decision commits


@pytest.mark.parametrize("note", ["", "ok now"])
def test_lifting_a_refusal_needs_a_reason_in_a_sentence(client, tina, refused, note):
    client.force_login(tina)

    response = client.post(consent_url(refused), give(note=note))

    assert response.status_code == 200
    assert "Give the reason in a sentence" in response.content.decode()
    assert consent_in_force(refused).decision == "refused"


def test_the_persons_care_coordinator_may_lift_another_organisations_refusal(alice, vcse, north_team, refused):
    """A VCSE clinician allocated one of the person's open referrals coordinates their care."""
    vera = UserFactory(username="vera", role=Role.CLINICIAN, organisation=vcse, teams=[north_team])
    make_allocated_referral(
        by=alice, now=timezone.now(), link_worker=vera, practice=refused.gp_practice, nhs_number=refused.nhs_number
    )

    consent_record(person=refused, by=vera, now=timezone.now(), decision="given", scope="care_team", note=REASON)

    assert consent_in_force(refused).decision == "given"
    assert AuditEvent.objects.get(action="consent.refusal_lifted").detail["as"] == "care_coordinator"


def test_anyone_may_record_a_refusal_over_consent_given(bob, alice, held_by_bob):
    person = held_by_bob.person
    consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")

    consent_record(person=person, by=bob, now=timezone.now(), decision="refused")

    assert consent_in_force(person).decision == "refused"


def test_the_ig_leads_are_told_and_see_the_lift_on_their_page(client, tina, refused, ig, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    consent = consent_record(
        person=refused, by=tina, now=timezone.now(), decision="given", scope="care_team", note=REASON
    )

    assert notify_ig_of_consent_lift(consent.pk) == 1
    (message,) = mail.outbox
    assert message.to == ["ig@trust.invalid"] and str(tina) in message.subject
    assert refused.family_name not in message.subject + message.body
    assert "/audit/consent-lifted/" in message.body
    client.force_login(ig)
    page = client.get(reverse("ig:consent_lifts")).content.decode()
    assert REASON in page and refused.family_name in page
    client.force_login(tina)
    assert client.get(reverse("ig:consent_lifts")).status_code == 404
