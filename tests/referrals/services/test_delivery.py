"""Alert delivery: in-app and email, at least once, never twice in the inbox."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from referrals.models import Alert, Notification
from referrals.services.alerts import alert_deliver, alert_recipients, alerts_redeliverable, clocks_sweep
from tests.factories import make_referral

pytestmark = pytest.mark.django_db
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def breached(alice, bob, tina, sam, charlie, north_practice):
    referral = make_referral(by=alice, practice=north_practice, now=START, received_at=START)
    clocks_sweep(now=START + timedelta(hours=24, minutes=1))
    return Alert.objects.get(referral=referral, level="breach")


def test_a_breach_goes_to_the_team_in_app_and_by_email(breached, alice, bob, tina, charlie, sam):
    assert alert_deliver(alert_id=breached.pk, now=START + timedelta(hours=24, minutes=2))
    breached.refresh_from_db()
    assert breached.sent_at is not None and breached.claimed_until is None and breached.attempts == 1
    inbox = set(Notification.objects.filter(alert=breached).values_list("recipient__username", flat=True))
    assert inbox == {"alice", "bob", "tina"}  # North team; not charlie (South), not sam (not yet escalated)
    sent_to = sorted(address for message in mail.outbox for address in message.to)
    assert sent_to == sorted(
        ["alice@staff.invalid", "bob@staff.invalid", "tina@staff.invalid", "north.ipct@teams.invalid"]
    )
    assert breached.referral.reference in mail.outbox[0].subject
    # No name and no clinical detail travel by email.
    person = breached.referral.person
    assert person.family_name not in mail.outbox[0].body and "Low mood" not in mail.outbox[0].body


def test_delivering_twice_sends_once(breached):
    now = START + timedelta(hours=25)
    assert alert_deliver(alert_id=breached.pk, now=now)
    assert not alert_deliver(alert_id=breached.pk, now=now + timedelta(minutes=1))
    assert Notification.objects.filter(alert=breached).count() == 3
    assert len(mail.outbox) == 4


def test_a_sender_holding_a_live_lease_keeps_others_out(breached):
    now = START + timedelta(hours=25)
    Alert.objects.filter(pk=breached.pk).update(claimed_until=now + timedelta(minutes=3))
    assert not alert_deliver(alert_id=breached.pk, now=now)
    assert Notification.objects.count() == 0


def test_a_sender_killed_mid_send_loses_nothing(breached, alice):
    now = START + timedelta(hours=25)
    # The dead sender claimed it and wrote one in-app row before it died.
    Alert.objects.filter(pk=breached.pk).update(claimed_until=now + timedelta(minutes=5), attempts=1)
    Notification.objects.create(alert=breached, recipient=alice, created_at=now)
    assert breached.pk not in alerts_redeliverable(now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=6)
    assert breached.pk in alerts_redeliverable(now=later)
    assert alert_deliver(alert_id=breached.pk, now=later)
    breached.refresh_from_db()
    assert breached.sent_at == later and breached.attempts == 2
    assert Notification.objects.filter(alert=breached).count() == 3  # alice's row is not doubled


def test_a_failed_send_is_recorded_and_pushed_forward(breached, settings):
    settings.EMAIL_BACKEND = "tests.referrals.services.failing_email.Backend"
    now = START + timedelta(hours=25)
    assert not alert_deliver(alert_id=breached.pk, now=now)
    breached.refresh_from_db()
    assert breached.sent_at is None
    assert "SMTP server unreachable" in breached.last_error
    assert breached.claimed_until == now + timedelta(minutes=2)  # backoff after the first attempt
    assert breached.pk not in alerts_redeliverable(now=now + timedelta(minutes=1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = now + timedelta(minutes=3)
    assert breached.pk in alerts_redeliverable(now=retry)
    assert alert_deliver(alert_id=breached.pk, now=retry)


def test_escalations_reach_the_team_manager_then_the_service_manager(alice, bob, tina, sam, north_practice):
    referral = make_referral(by=alice, practice=north_practice, now=START, received_at=START)
    clocks_sweep(now=START + timedelta(days=3))
    first = Alert.objects.get(referral=referral, level="escalation", tier=1)
    second = Alert.objects.get(referral=referral, level="escalation", tier=2)
    assert [u.username for u in alert_recipients(first)] == ["tina"]
    assert [u.username for u in alert_recipients(second)] == ["sam"]


def test_an_unrouted_referral_still_reaches_someone(alice, sam):
    referral = make_referral(by=alice, postcode="ZZ9 9ZZ", now=START, received_at=START)
    assert referral.team is None
    clocks_sweep(now=START + timedelta(hours=25))
    breach = Alert.objects.get(referral=referral, level="breach")
    assert [u.username for u in alert_recipients(breach)] == ["sam"]


def test_the_allocated_link_worker_is_always_told(alice, bob, north_practice, trust):
    from accounts.models import Role
    from referrals.services import caseload_allocate, referral_triage
    from tests.factories import UserFactory

    outside = UserFactory(username="dana", role=Role.LINK_WORKER, organisation=trust)  # not in North team
    referral = make_referral(by=alice, practice=north_practice, now=START, received_at=START)
    referral_triage(referral=referral, by=alice, now=START + timedelta(hours=1))
    caseload_allocate(referral=referral, by=alice, now=START + timedelta(hours=2), link_worker=outside)
    clocks_sweep(now=START + timedelta(days=30))
    treatment_breach = Alert.objects.get(referral=referral, clock_kind="treatment", level="breach")
    assert "dana" in [u.username for u in alert_recipients(treatment_breach)]
