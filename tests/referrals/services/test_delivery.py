"""Alert delivery: in-app and email, at least once, never twice in the inbox."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from referrals.models import Alert, AlertEmail, Notification
from referrals.selectors import alerts_deliverable, sweep_health
from referrals.services.alerts import (
    alert_deliver,
    alert_deliver_next,
    alert_recipients,
    clocks_sweep,
    sweep_stale_warn,
)
from tests.factories import make_referral

pytestmark = pytest.mark.django_db
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)


def _deliverable(*, now):
    return list(alerts_deliverable(now=now).values_list("pk", flat=True))


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
    assert breached.pk not in _deliverable(now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=6)
    assert breached.pk in _deliverable(now=later)
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
    assert breached.pk not in _deliverable(now=now + timedelta(minutes=1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = now + timedelta(minutes=3)
    assert breached.pk in _deliverable(now=retry)
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


def test_a_retry_emails_only_the_recipients_not_yet_reached(breached, settings):
    settings.EMAIL_BACKEND = "tests.referrals.services.failing_email.RefusesBob"
    now = START + timedelta(hours=25)
    assert not alert_deliver(alert_id=breached.pk, now=now)
    breached.refresh_from_db()
    assert breached.sent_at is None and "bob@staff.invalid: SMTPRecipientsRefused" in breached.last_error
    # In-app reached everyone at once; email reached all but bob.
    assert Notification.objects.filter(alert=breached).count() == 3
    first = sorted(m.to[0] for m in mail.outbox)
    assert first == ["alice@staff.invalid", "north.ipct@teams.invalid", "tina@staff.invalid"]
    assert set(AlertEmail.objects.filter(alert=breached).values_list("address", flat=True)) == set(first)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    assert alert_deliver(alert_id=breached.pk, now=now + timedelta(minutes=3))
    assert [m.to for m in mail.outbox] == [["bob@staff.invalid"]]  # nobody else twice
    breached.refresh_from_db()
    assert breached.sent_at is not None and breached.last_error == "" and breached.attempts == 2


def test_a_mail_server_refusing_everyone_still_delivers_in_app_at_once(breached, settings):
    settings.EMAIL_BACKEND = "tests.referrals.services.failing_email.Backend"
    now = START + timedelta(hours=24, minutes=1)
    assert not alert_deliver(alert_id=breached.pk, now=now)
    assert Notification.objects.filter(alert=breached, created_at=now).count() == 3
    assert not AlertEmail.objects.filter(alert=breached).exists()
    breached.refresh_from_db()
    assert breached.last_error.count("SMTP server unreachable") == 4  # each address tried, each recorded


def test_the_next_sender_takes_the_oldest_deliverable_alert_and_stops_when_none_is_left(alice, bob, north_practice):
    older = make_referral(by=alice, practice=north_practice, now=START, received_at=START)
    later = START + timedelta(hours=2)
    newer = make_referral(by=alice, practice=north_practice, now=later, received_at=later)
    clocks_sweep(now=START + timedelta(hours=25))
    clocks_sweep(now=START + timedelta(hours=27))
    now = START + timedelta(hours=27, seconds=5)
    order = []
    while (pk := alert_deliver_next(now=now)) is not None:
        order.append(Alert.objects.get(pk=pk))
    assert order[0].referral == older and order[0].level == "breach"  # raised first, at the 25-hour sweep
    assert [a.created_at for a in order] == sorted(a.created_at for a in order)
    assert newer in [a.referral for a in order]
    assert not Alert.objects.filter(sent_at__isnull=True).exists()


def test_a_sender_skips_an_alert_another_sender_holds(alice, bob, north_practice):
    make_referral(by=alice, practice=north_practice, now=START, received_at=START)
    make_referral(by=alice, practice=north_practice, now=START, received_at=START)
    now = START + timedelta(hours=25)
    clocks_sweep(now=now)
    held = Alert.objects.order_by("created_at", "pk").first()
    Alert.objects.filter(pk=held.pk).update(claimed_until=now + timedelta(seconds=30))  # a live lease
    delivered = alert_deliver_next(now=now)
    assert delivered is not None and delivered != held.pk
    assert alert_deliver_next(now=now) is None
    # The holder died: once its lease has run out the alert is anyone's.
    assert alert_deliver_next(now=now + timedelta(seconds=31)) == held.pk


def test_the_lease_is_sized_to_one_delivery_not_minutes(settings):
    assert settings.ALERT_DELIVERY_LEASE == timedelta(seconds=30)
    assert settings.EMAIL_TIMEOUT * 2 < settings.ALERT_DELIVERY_LEASE.total_seconds()


def test_administrators_are_emailed_once_when_sweeps_stop_and_again_after_they_resume_and_stop(
    alice, north_practice, settings
):
    from accounts.models import Role
    from tests.factories import UserFactory

    UserFactory(username="ada", role=Role.ADMINISTRATOR, email="ada@staff.invalid")
    clocks_sweep(now=START)
    assert not sweep_stale_warn(now=START + timedelta(minutes=2))  # within CLOCK_SWEEP_STALE_AFTER (3 minutes)
    assert not sweep_health(now=START + timedelta(minutes=2)).stale
    later = START + timedelta(minutes=5)
    assert sweep_health(now=later).stale
    assert sweep_stale_warn(now=later)
    assert not sweep_stale_warn(now=later + timedelta(minutes=1))  # once per stop
    assert [m.to for m in mail.outbox] == [["ada@staff.invalid"]]
    assert "No clock sweep since" in mail.outbox[0].subject
    clocks_sweep(now=later + timedelta(minutes=2))  # beat is back
    assert not sweep_health(now=later + timedelta(minutes=3)).stale
    assert sweep_stale_warn(now=later + timedelta(minutes=10))  # a new stop warns again
    assert len(mail.outbox) == 2


def test_a_sender_whose_lease_runs_short_hands_the_rest_to_the_next_sender_at_once(breached, settings):
    settings.EMAIL_TIMEOUT = 29  # the lease is 30 s: no time left to start a send under it
    now = START + timedelta(hours=25)
    assert not alert_deliver(alert_id=breached.pk, now=now)
    breached.refresh_from_db()
    assert breached.claimed_until is None and breached.last_error == "" and breached.sent_at is None
    assert Notification.objects.filter(alert=breached).count() == 3 and mail.outbox == []
    settings.EMAIL_TIMEOUT = 10
    assert alert_deliver(alert_id=breached.pk, now=now + timedelta(seconds=1))
    assert len(mail.outbox) == 4
