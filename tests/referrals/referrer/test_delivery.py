"""Delivering the referrer's messages: through Django's email backend, each once, a failing
mailbox retried later without holding up the others (a leased outbox, as alerts are)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from referrals.models import ReferrerUpdate
from referrals.services import referral_triage
from referrals.services.referrer import LEASE, _claim_next, referrer_update_deliver_next, referrer_updates_deliver
from referrals.tasks import deliver_referrer_updates
from tests.factories import REFERRER_MAILBOX, make_referral_from_referrer

from .failing_email import REFUSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _triaged(by, practice, email=REFERRER_MAILBOX):
    referral = make_referral_from_referrer(by=by, practice=practice, email=email)
    referral_triage(referral=referral, by=by, now=timezone.now())
    return referral


def test_the_task_sends_each_waiting_message_once_through_the_email_backend(locmem, alice, north_practice):
    referral = _triaged(alice, north_practice)

    assert deliver_referrer_updates() == 1
    assert deliver_referrer_updates() == 0

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [REFERRER_MAILBOX] and sent.subject == f"Referral {referral.reference}: triaged"
    update = ReferrerUpdate.objects.get(referral=referral)
    assert update.sent_at is not None and update.attempts == 1 and update.claimed_until is None


def test_a_refused_mailbox_is_retried_later_and_does_not_hold_up_the_others(settings, alice, north_practice):
    settings.EMAIL_BACKEND = "tests.referrals.referrer.failing_email.RefusesOneMailbox"
    refused = _triaged(alice, north_practice, email=REFUSED)
    fine = _triaged(alice, north_practice)
    now = timezone.now()

    assert referrer_updates_deliver(now=now) == 1

    assert [m.to for m in mail.outbox] == [[REFERRER_MAILBOX]]
    failed = ReferrerUpdate.objects.get(referral=refused)
    assert failed.sent_at is None and "SMTPRecipientsRefused" in failed.last_error
    assert failed.claimed_until is not None and failed.claimed_until > now  # backs off
    assert ReferrerUpdate.objects.get(referral=fine).sent_at is not None
    # Not again until its backoff has passed; then it is tried again.
    assert referrer_update_deliver_next(now=now + timedelta(seconds=1)) is None
    assert referrer_update_deliver_next(now=now + timedelta(hours=2)) == (failed.pk, False)
    failed.refresh_from_db()
    assert failed.attempts == 2


def test_a_message_held_by_another_sender_is_not_sent_twice(locmem, alice, north_practice):
    referral = _triaged(alice, north_practice)
    now = timezone.now()
    held = _claim_next(now)  # another sender holds it, mid-send
    assert held is not None

    assert referrer_update_deliver_next(now=now) is None
    assert mail.outbox == []
    # A sender that died: its lease runs out and the message goes once.
    assert referrer_update_deliver_next(now=now + LEASE + timedelta(seconds=1)) == (held[0], True)
    assert len(mail.outbox) == 1 and ReferrerUpdate.objects.get(referral=referral).attempts == 2


def test_a_message_not_to_send_is_never_sent(locmem, alice, north_practice):
    _triaged(alice, north_practice, email="")

    assert referrer_updates_deliver(now=timezone.now()) == 0
    assert mail.outbox == []
