"""The clock sweep and alert delivery.

The sweep is built from small claimable steps, each returning how much it did:

* ``clocks_sweep_step`` claims up to ``batch`` clocks whose next threshold has
  passed (``SELECT ... FOR UPDATE SKIP LOCKED`` over the partial index on
  ``next_check_at``), stores the alerts they have earned, and moves each clock's
  ``next_check_at`` on to its next threshold, all in one transaction. Two sweeps
  running at once take different rows; the unique constraint on
  (clock, level, tier) is the backstop that makes a twin alert impossible.
* ``alert_deliver`` claims one alert with a lease (a conditional UPDATE), sends
  it, and marks it sent only afterwards. A sender killed mid-send leaves a lease
  that runs out; ``alerts_redeliverable`` hands such alerts out again.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q

from accounts.models import Role, User
from referrals.models import Alert, Clock, Notification, Referral

logger = logging.getLogger(__name__)

# An unsent, unclaimed alert older than this lost its delivery task (broker down,
# worker gone before it started): the sweep queues it again.
UNCLAIMED_GRACE = timedelta(minutes=1)
# Pushed forward after a failed send, so a bad row never crash-loops the sweep.
MAX_BACKOFF = timedelta(hours=1)


def _alerts_for(clock: Clock, now: datetime) -> list[Alert]:
    """The alerts this clock has earned by now, advancing its place on the ladder."""
    earned: list[Alert] = []
    while clock.next_alert_step < len(Clock.LADDER) and clock.threshold(clock.next_alert_step) <= now:
        level, tier = Clock.LADDER[clock.next_alert_step]
        earned.append(
            Alert(
                clock=clock,
                referral_id=clock.referral_id,
                clock_kind=clock.kind,
                level=level,
                tier=tier,
                threshold_at=clock.threshold(clock.next_alert_step),
                created_at=now,
            )
        )
        clock.next_alert_step += 1
    # A warning that would arrive together with (or after) the breach adds nothing.
    if len(earned) > 1 and earned[0].level == Alert.Level.WARNING:
        earned = earned[1:]
    has_next = clock.next_alert_step < len(Clock.LADDER)
    clock.next_check_at = clock.threshold(clock.next_alert_step) if has_next else None
    return earned


def clocks_sweep_step(*, now: datetime, batch: int = 500, on_alert: Callable[[int], object] | None = None) -> int:
    """Claim up to ``batch`` due clocks and raise their alerts. Returns the number of clocks handled."""
    with transaction.atomic():
        due = list(
            Clock.objects.select_for_update(skip_locked=True)
            .filter(next_check_at__isnull=False, next_check_at__lte=now)
            .order_by("next_check_at")[:batch]
        )
        if not due:
            return 0
        alerts: list[Alert] = []
        for clock in due:
            alerts.extend(_alerts_for(clock, now))
        _save_ladder_positions(due)
        # ignore_conflicts: should another sweep ever have stored one, the constraint keeps one row.
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)
        new_ids = list(
            Alert.objects.filter(clock_id__in=[c.pk for c in due], created_at=now, sent_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if on_alert is not None:
            transaction.on_commit(lambda: [on_alert(pk) for pk in new_ids])
    return len(due)


def _save_ladder_positions(clocks: list[Clock]) -> None:
    """Write each clock's new place on the alert ladder in one statement.

    On PostgreSQL one UPDATE ... FROM unnest() (Django's bulk_update builds a CASE
    per row, which costs more in Python than the sweep's SQL); elsewhere bulk_update.
    """
    if connection.vendor != "postgresql":
        Clock.objects.bulk_update(clocks, ["next_alert_step", "next_check_at"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_clock AS c SET next_alert_step = v.step, next_check_at = v.next_check "
            "FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[]) AS v(id, step, next_check) "
            "WHERE c.id = v.id",
            [[c.pk for c in clocks], [c.next_alert_step for c in clocks], [c.next_check_at for c in clocks]],
        )


def alerts_redeliverable(*, now: datetime, limit: int = 500) -> list[int]:
    """Unsent alerts whose lease ran out, or that were never picked up."""
    return list(
        Alert.objects.filter(sent_at__isnull=True)
        .filter(Q(claimed_until__lt=now) | Q(claimed_until__isnull=True, created_at__lte=now - UNCLAIMED_GRACE))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def clocks_sweep(*, now: datetime, on_alert: Callable[[int], object] | None = None, batch: int = 500) -> dict[str, int]:
    """One whole sweep: every due clock, then a re-queue of alerts whose delivery was lost."""
    clocks = 0
    while handled := clocks_sweep_step(now=now, batch=batch, on_alert=on_alert):
        clocks += handled
        if handled < batch:
            break
    requeued = alerts_redeliverable(now=now)
    if on_alert is not None:
        for pk in requeued:
            on_alert(pk)
    return {"clocks": clocks, "requeued": len(requeued)}


def sweep_lock_acquired() -> bool:
    """A non-blocking PostgreSQL advisory lock so only one sweep runs at a time.

    Correctness does not depend on it (SKIP LOCKED and the unique constraint do
    that); it only saves a second beat from doing the same work. Held for the
    session, released by ``sweep_lock_release``. SQLite serialises writers itself.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_SWEEP_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def sweep_lock_release() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_SWEEP_LOCK_KEY])


_SWEEP_LOCK_KEY = 0x5EED_C10C


# --- delivery ---------------------------------------------------------------


def alert_recipients(alert: Alert) -> list[User]:
    """Who an alert goes to: the link worker and team, then the team manager, then the service manager."""
    referral: Referral = alert.referral
    active = User.objects.filter(is_active=True)
    team_members = active.filter(memberships__team_id=referral.team_id) if referral.team_id else active.none()
    if alert.level in (Alert.Level.WARNING, Alert.Level.BREACH):
        people = team_members.exclude(role__in=[Role.SERVICE_MANAGER, Role.ADMINISTRATOR, Role.IG_LEAD])
    elif alert.tier == 1:
        people = team_members.filter(role=Role.TEAM_MANAGER)
    else:
        people = active.filter(role=Role.SERVICE_MANAGER)
        if referral.team is not None:
            same_org = people.filter(organisation_id=referral.team.organisation_id)
            people = same_org if same_org.exists() else people
    recipients = {u.pk: u for u in people}
    allocated_to = referral.allocated_to
    if allocated_to is not None and allocated_to.is_active:
        recipients[allocated_to.pk] = allocated_to
    if not recipients:
        # Nobody on the team to tell (e.g. an unrouted referral): tell the service managers.
        recipients = {u.pk: u for u in active.filter(role=Role.SERVICE_MANAGER)}
    return sorted(recipients.values(), key=lambda u: u.pk)


def _claim(alert_id: int, now: datetime) -> datetime | None:
    """Compare-and-swap: take the alert if nobody holds a live lease on it."""
    lease = now + settings.ALERT_DELIVERY_LEASE
    claimed = (
        Alert.objects.filter(pk=alert_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=lease, attempts=F("attempts") + 1)
    )
    return lease if claimed else None


def _email(alert: Alert, recipients: list[User]) -> list[EmailMessage]:
    referral = alert.referral
    what = {
        "warning": "is close to breaching",
        "breach": "has breached",
        "escalation": "breached and is escalated to you",
    }
    subject = f"[{alert.level.upper()}] {alert.get_level_display()}: referral {referral.reference}"
    # Emails name no person and no clinical detail: the link opens the record behind a login.
    # Service managers see aggregates, not records: their link is the alert itself.
    if alert.level == Alert.Level.ESCALATION and alert.tier == 2:
        link = f"{settings.SITE_URL}/api/v1/alerts/?referral={referral.pk}"
    else:
        link = f"{settings.SITE_URL}/api/v1/referrals/{referral.pk}/"
    body = (
        f"The {alert.clock_kind.replace('_', ' ')} clock on referral {referral.reference} "
        f"{what[alert.level]}.\n\nDue: {alert.clock.due_at:%Y-%m-%d %H:%M} UTC\n"
        f"Team: {referral.team or 'not yet routed'}\n\n"
        f"Open it: {link}\n"
    )
    addresses = sorted({u.email for u in recipients if u.email})
    if referral.team and referral.team.email and alert.level != Alert.Level.ESCALATION:
        addresses.append(referral.team.email)
    return [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]


def alert_deliver(*, alert_id: int, now: datetime) -> bool:
    """Deliver one alert in-app and by email. Returns False if someone else holds it or it was sent."""
    lease = _claim(alert_id, now)
    if lease is None:
        return False
    alert = Alert.objects.select_related("referral__team", "referral__allocated_to", "clock").get(pk=alert_id)
    recipients = alert_recipients(alert)
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(
                [Notification(alert=alert, recipient=user, created_at=now) for user in recipients],
                ignore_conflicts=True,  # a retried delivery finds the in-app rows already there
            )
        messages = _email(alert, recipients)
        if messages:
            get_connection().send_messages(messages)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried later
        backoff = min(timedelta(minutes=2 ** min(alert.attempts, 10)), MAX_BACKOFF)
        Alert.objects.filter(pk=alert_id, claimed_until=lease).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], claimed_until=now + backoff
        )
        logger.warning("alert %s delivery failed (attempt %s): %s", alert_id, alert.attempts, exc)
        return False
    # Only the holder of this lease marks it sent; if the lease ran out and another
    # sender took over, that sender finishes (at-least-once, never at-most-once).
    Alert.objects.filter(pk=alert_id, claimed_until=lease).update(sent_at=now, claimed_until=None, last_error="")
    return True
