"""Break-glass: a clinician opens a record outside their access, in an emergency, for a reason."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from access.grants import break_glass_open
from access.models import BreakGlassReview, PersonGrant
from access.selectors import notes_access_for, people_visible_to, referrals_visible_to
from access.tasks import expire_grants, notify_ig_of_break_glass
from accounts.models import AuditEvent
from referrals.services import trusted_assessment_write

pytestmark = pytest.mark.django_db
URL = reverse("referrals:break_glass")
REASON = "Police have brought them to A&E; I need their risk history now."


def test_before_break_glass_a_clinician_in_another_team_gets_a_plain_404(client, charlie, person):
    client.force_login(charlie)
    assert client.get(reverse("referrals:person", args=[person.pk])).status_code == 404
    assert client.get(reverse("referrals:person", args=[999_999])).status_code == 404


def test_break_glass_opens_the_whole_record_and_records_why(client, charlie, person, alice, ig, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    trusted_assessment_write(
        person=person, by=alice, now=timezone.now(), presenting_needs="Voices telling them to run."
    )
    client.force_login(charlie)

    response = client.post(URL, {"nhs_number": "943 476 5919", "reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:person", args=[person.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "You opened this record with break-glass" in page.content.decode()
    assessment = client.get(reverse("referrals:assessment", args=[person.pk])).content.decode()
    assert "Voices telling them to run." in assessment  # break-glass shows the notes too
    grant = PersonGrant.objects.get(user=charlie, content_object=person)
    assert grant.kind == "break_glass" and grant.reason == REASON
    assert grant.expires_at - grant.granted_at == settings.BREAK_GLASS_DURATION
    review = BreakGlassReview.objects.get(person=person)
    assert (review.opened_by, review.reason, review.reviewed_at) == (charlie, REASON, None)
    event = AuditEvent.objects.get(action="access.break_glass")
    assert (event.actor, event.person_id, event.detail["reason"]) == (charlie, person.pk, REASON)
    assert event.source_ip == "127.0.0.1"


def test_the_ig_leads_are_emailed_without_the_persons_name(charlie, person, ig, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    grant = break_glass_open(user=charlie, person=person, reason=REASON, now=timezone.now())
    review = BreakGlassReview.objects.get(person=person, opened_by=charlie)

    sent = notify_ig_of_break_glass(review.pk)

    assert sent == 1 and grant is not None
    (message,) = mail.outbox
    assert message.to == ["ig@trust.invalid"]
    assert str(charlie) in message.subject
    assert person.family_name not in message.subject + message.body
    assert person.nhs_number not in message.body
    assert "/audit/break-glass/" in message.body


def test_the_email_is_queued_when_the_opening_commits(charlie, person, ig, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        break_glass_open(user=charlie, person=person, reason=REASON, now=timezone.now())
    assert len(callbacks) == 1


@pytest.mark.parametrize("reason", ["", "   ", "urgent"])
def test_a_reason_is_required_in_a_sentence(client, charlie, person, reason):
    client.force_login(charlie)
    response = client.post(URL, {"nhs_number": "9434765919", "reason": reason})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert not PersonGrant.objects.exists()
    assert person not in people_visible_to(charlie)


def test_no_exact_match_opens_nothing_but_is_recorded(client, charlie, person):
    client.force_login(charlie)
    response = client.post(URL, {"nhs_number": "4010232137", "reason": REASON})
    assert response.status_code == 200
    assert "No one matches exactly" in response.content.decode()
    assert AuditEvent.objects.filter(action="access.break_glass_no_match", actor=charlie).count() == 1
    assert not PersonGrant.objects.exists()


@pytest.mark.parametrize("who", ["bob", "sam", "intake", "ig"])
def test_only_clinicians_may_break_the_glass(client, request, person, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"nhs_number": "9434765919", "reason": REASON}).status_code == 404
    assert not PersonGrant.objects.exists()


def test_access_ends_when_the_grant_expires_and_the_task_tidies_the_row(charlie, person):
    now = timezone.now()
    break_glass_open(user=charlie, person=person, reason=REASON, now=now)
    assert person.referrals.first() in referrals_visible_to(charlie)
    with time_machine.travel(now + settings.BREAK_GLASS_DURATION + timedelta(seconds=1)):
        assert not referrals_visible_to(charlie).exists()  # refused at once by the selector
        assert PersonGrant.objects.exists()
        assert expire_grants() == 1
        assert not PersonGrant.objects.exists()


def test_guardian_agrees_with_the_selector_while_the_grant_lasts(charlie, person):
    assert not charlie.has_perm("referrals.view_person", person)
    break_glass_open(user=charlie, person=person, reason=REASON, now=timezone.now())
    charlie = type(charlie).objects.get(pk=charlie.pk)  # guardian caches per user object
    assert charlie.has_perm("referrals.view_person", person)
    assert notes_access_for(charlie, person).why == "break_glass"
