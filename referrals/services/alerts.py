"""The clock sweep and alert delivery.

The sweep is built from small claimable steps, each returning how much it did:

* ``clocks_sweep_step`` claims up to ``batch`` clocks whose next threshold has
  passed (``SELECT ... FOR UPDATE SKIP LOCKED`` over the partial index on
  ``next_check_at``), stores the alerts they have earned, and moves each clock's
  ``next_check_at`` on to its next threshold, all in one transaction. Two sweeps
  running at once take different rows; the unique constraint on
  (clock, level, tier) is the backstop that makes a twin alert impossible.
* ``alert_deliver_next`` claims the oldest deliverable alert with a short lease
  (``SKIP LOCKED``, then a conditional UPDATE), writes its in-app notifications,
  emails each address not yet reached (recording each one as it goes), and marks
  it sent only afterwards. A sender killed mid-send strands one alert for one
  lease. The broker carries only "there is work" hints: ``clocks_sweep`` wakes the
  senders whenever deliverable alerts exist, so an alert whose hint was lost (broker
  restarted, publish refused) is picked up by the next sweep, all of them at once.
"""

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q

from accounts.models import Role, User
from localities.models import Team
from referrals.models import Alert, AlertEmail, Clock, InterventionOffer, Notification, Referral, SweepStatus
from referrals.selectors import alerts_deliverable
from referrals.services import metrics

logger = logging.getLogger(__name__)

# One delivery hint per this many deliverable alerts, up to ALERT_DELIVERY_PARALLELISM
# hints per sweep: a burst is spread over the workers there are.
ALERTS_PER_HINT = 50
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


def clocks_sweep_step(*, now: datetime, batch: int = 500) -> int:
    """Claim up to ``batch`` due clocks and raise their alerts. Returns the number of clocks handled."""
    return _sweep_step(now, batch)[0]


def _sweep_step(now: datetime, batch: int) -> tuple[int, int]:
    """``clocks_sweep_step``, also returning how many alerts it earned (a twin another sweep stored counts too)."""
    with transaction.atomic():
        due = _claim_due(now, batch)
        if not due:
            return 0, 0
        alerts: list[Alert] = []
        for clock in due:
            alerts.extend(_alerts_for(clock, now))
        _save_ladder_positions(due)
        # ignore_conflicts: should another sweep ever have stored one, the constraint keeps one row.
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)
        levels = [alert.level for alert in alerts]
        transaction.on_commit(lambda: _count_raised(levels))
    return len(due), len(alerts)


def _claim_due(now: datetime, batch: int) -> list[Clock]:
    """Lock up to ``batch`` due clocks, oldest threshold first, skipping any another transaction holds.

    The lock order is the referral, then its clocks (docs/adr/0003): on PostgreSQL the claim also
    takes each clock's referral FOR KEY SHARE (what the alerts' foreign-key check needs at commit),
    and SKIP LOCKED on both, so a sweep never waits for a lock and cannot be half of a deadlock.
    FOR KEY SHARE does not conflict with the FOR NO KEY UPDATE every service takes on a referral.
    """
    if connection.vendor != "postgresql":
        return list(
            Clock.all_kinds.select_for_update(skip_locked=True)
            .filter(next_check_at__isnull=False, next_check_at__lte=now)
            .order_by("next_check_at")[:batch]
        )
    return list(
        Clock.objects.raw(
            "SELECT c.* FROM referrals_referral AS r JOIN referrals_clock AS c ON c.referral_id = r.id "
            "WHERE c.next_check_at IS NOT NULL AND c.next_check_at <= %s ORDER BY c.next_check_at LIMIT %s "
            "FOR KEY SHARE OF r SKIP LOCKED FOR UPDATE OF c SKIP LOCKED",
            [now, batch],
        )
    )


def _count_raised(levels: list[str]) -> None:
    for level in levels:
        metrics.ALERTS_RAISED.labels(level=level).inc()


def _save_ladder_positions(clocks: list[Clock]) -> None:
    """Write each clock's new place on the alert ladder in one statement.

    On PostgreSQL one UPDATE ... FROM unnest() (Django's bulk_update builds a CASE
    per row, which costs more in Python than the sweep's SQL); elsewhere bulk_update.
    """
    if connection.vendor != "postgresql":
        Clock.all_kinds.bulk_update(clocks, ["next_alert_step", "next_check_at"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_clock AS c SET next_alert_step = v.step, next_check_at = v.next_check "
            "FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[]) AS v(id, step, next_check) "
            "WHERE c.id = v.id",
            [[c.pk for c in clocks], [c.next_alert_step for c in clocks], [c.next_check_at for c in clocks]],
        )


def _wake_senders(*, deliverable: int, publish: Callable[[], object]) -> int:
    """Publish delivery hints for ``deliverable`` alerts. Returns how many publishes failed.

    A failed publish (the broker is down or restarting) is caught, counted and logged, and
    the sweep goes on: the alerts are in the database, so the next sweep wakes the senders
    for all of them. The first failure ends this sweep's publishing rather than waiting on
    a dead broker once per hint.
    """
    hints = min(math.ceil(deliverable / ALERTS_PER_HINT), settings.ALERT_DELIVERY_PARALLELISM)
    for _ in range(hints):
        try:
            publish()
        except Exception as exc:  # noqa: BLE001 - any broker failure: the next sweep tries again
            metrics.PUBLISH_FAILURES.inc()
            logger.warning("could not queue alert delivery (%s alerts waiting): %s", deliverable, exc)
            return 1
    return 0


def clocks_sweep(*, now: datetime, wake: Callable[[], object] | None = None, batch: int = 500) -> dict[str, int]:
    """One whole sweep: every due clock, then a hint to the senders if any alert awaits delivery.

    ``wake`` publishes one delivery hint (a task that drains deliverable alerts); it is called
    once per ``ALERTS_PER_HINT`` deliverable alerts, up to ``ALERT_DELIVERY_PARALLELISM``.
    The sweep records itself in ``SweepStatus`` for /healthz, /metrics and the inbox warning.
    """
    started = time.monotonic()
    clocks = raised = 0
    while True:
        handled, earned = _sweep_step(now, batch)
        clocks += handled
        raised += earned
        if handled < batch:
            break
    # Deliverable alerts, capped only to keep the count cheap: one hint drains them all.
    deliverable = alerts_deliverable(now=now)[: ALERTS_PER_HINT * settings.ALERT_DELIVERY_PARALLELISM].count()
    failures = _wake_senders(deliverable=deliverable, publish=wake) if wake is not None and deliverable else 0
    duration = time.monotonic() - started
    metrics.SWEEP_DURATION.observe(duration)
    SweepStatus.objects.bulk_create(
        [
            SweepStatus(
                id=1,
                started_at=now,
                finished_at=now + timedelta(seconds=duration),
                duration_seconds=duration,
                clocks=clocks,
                alerts_raised=raised,
                publish_failures=failures,
                stale_warned_at=None,
            )
        ],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[
            "started_at",
            "finished_at",
            "duration_seconds",
            "clocks",
            "alerts_raised",
            "publish_failures",
            "stale_warned_at",
        ],
    )
    return {"clocks": clocks, "alerts": raised, "deliverable": deliverable, "publish_failures": failures}


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


def _alerted_team(alert: Alert) -> Team | None:
    """The team an alert is for: the referral's, or for an intervention wait the team that offered
    it (whose waiting list it is on)."""
    if alert.clock_kind == Clock.Kind.INTERVENTION:
        offer = InterventionOffer.objects.select_related("team").filter(clock_id=alert.clock_id).first()
        if offer is not None:
            return offer.team
    return alert.referral.team


def alert_recipients(alert: Alert) -> list[User]:
    """Who an alert goes to: the link worker and team, then the team manager, then the service manager."""
    referral: Referral = alert.referral
    team = _alerted_team(alert)
    active = User.objects.filter(is_active=True)
    team_members = active.filter(memberships__team_id=team.pk) if team is not None else active.none()
    if alert.level in (Alert.Level.WARNING, Alert.Level.BREACH):
        people = team_members.exclude(role__in=[Role.SERVICE_MANAGER, Role.ADMINISTRATOR, Role.IG_LEAD])
    elif alert.tier == 1:
        people = team_members.filter(role=Role.TEAM_MANAGER)
    else:
        people = active.filter(role=Role.SERVICE_MANAGER)
        if team is not None:
            same_org = people.filter(organisation_id=team.organisation_id)
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


def _claim_next(now: datetime) -> tuple[int, datetime] | None:
    """Take the oldest deliverable alert. Concurrent senders skip each other's row (SKIP LOCKED)."""
    with transaction.atomic():
        pk = (
            alerts_deliverable(now=now)
            .select_for_update(skip_locked=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        # Still conditional: on SQLite (the demo) FOR UPDATE is a no-op and the UPDATE decides.
        lease = _claim(pk, now)
    return (pk, lease) if lease is not None else None


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
    team = _alerted_team(alert)
    # An intervention wait names its kind (never the person): "talking therapy wait".
    offer = (
        InterventionOffer.objects.filter(clock_id=alert.clock_id).first()
        if alert.clock_kind == "intervention"
        else None
    )
    clock = f"{offer.get_kind_display().lower()} wait" if offer else f"{alert.clock_kind.replace('_', ' ')} clock"
    body = (
        f"The {clock} on referral {referral.reference} "
        f"{what[alert.level]}.\n\nDue: {alert.clock.due_at:%Y-%m-%d %H:%M} UTC\n"
        f"Team: {team or 'not yet routed'}\n\n"
        f"Open it: {link}\n"
    )
    addresses = sorted({u.email for u in recipients if u.email})
    if team and team.email and alert.level != Alert.Level.ESCALATION:
        addresses.append(team.email)
    return [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]


def alert_deliver(*, alert_id: int, now: datetime) -> bool:
    """Deliver one alert in-app and by email. Returns False if someone else holds it, it was sent, or sending failed."""
    lease = _claim(alert_id, now)
    if lease is None:
        return False
    return _deliver_claimed(alert_id, lease, now)


def alert_deliver_next(*, now: datetime) -> int | None:
    """Claim and deliver the oldest deliverable alert. Returns its id, or None when none is left."""
    claimed = _claim_next(now)
    if claimed is None:
        return None
    alert_id, lease = claimed
    _deliver_claimed(alert_id, lease, now)
    return alert_id


def _deliver_claimed(alert_id: int, lease: datetime, now: datetime) -> bool:
    # A lease must outlast the sends begun under it: stop starting new ones when less than one
    # mail server timeout (and a margin) is left, and leave the rest to the next attempt.
    send_deadline = time.monotonic() + (lease - now).total_seconds() - (settings.EMAIL_TIMEOUT or 0) - 2
    alert = Alert.objects.select_related("referral__team", "referral__allocated_to", "clock").get(pk=alert_id)
    recipients = alert_recipients(alert)
    try:
        already = set(Notification.objects.filter(alert=alert).values_list("recipient_id", flat=True))
        Notification.objects.bulk_create(
            [
                Notification(alert=alert, recipient=user, created_at=now)
                for user in recipients
                if user.pk not in already
            ],
            ignore_conflicts=True,  # a concurrent sender (after a lease ran out) may have written some
        )
        if not already:
            metrics.ALERT_LATENCY.observe(max((now - alert.threshold_at).total_seconds(), 0))
        errors, deferred = _send_emails(alert, recipients, now=now, deadline=send_deadline)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried later
        errors, deferred = [f"{type(exc).__name__}: {exc}"], 0
    if deferred and not errors:
        # Nothing failed; the lease ran short (a slow mail server). Hand it back for the next sender now.
        Alert.objects.filter(pk=alert_id, claimed_until=lease).update(claimed_until=None)
        return False
    if errors:
        backoff = min(timedelta(minutes=2 ** min(alert.attempts, 10)), MAX_BACKOFF)
        Alert.objects.filter(pk=alert_id, claimed_until=lease).update(
            last_error="; ".join(errors)[:2000], claimed_until=now + backoff
        )
        logger.warning("alert %s delivery failed (attempt %s): %s", alert_id, alert.attempts, errors)
        return False
    # Only the holder of this lease marks it sent; if the lease ran out and another
    # sender took over, that sender finishes (at-least-once, never at-most-once).
    if Alert.objects.filter(pk=alert_id, claimed_until=lease).update(sent_at=now, claimed_until=None, last_error=""):
        metrics.ALERTS_DELIVERED.labels(level=alert.level).inc()
    return True


def _send_emails(alert: Alert, recipients: list[User], *, now: datetime, deadline: float) -> tuple[list[str], int]:
    """Email each address this alert has not yet reached, recording each as the server takes it.

    One message per address over one connection. A refused recipient or a dropped
    connection fails that address only; the others are still tried. Returns the errors,
    and how many addresses were left for the next attempt because the lease was running out.
    """
    reached = set(AlertEmail.objects.filter(alert=alert).values_list("address", flat=True))
    pending = [message for message in _email(alert, recipients) if message.to[0] not in reached]
    errors: list[str] = []
    deferred = 0
    if not pending:
        return errors, deferred
    mailer = get_connection()
    try:
        for message in pending:
            address = message.to[0]
            if time.monotonic() > deadline:
                deferred += 1
                continue
            try:
                mailer.send_messages([message])
            except Exception as exc:  # noqa: BLE001 - this address is retried later; the others go on
                metrics.EMAIL_FAILURES.inc()
                errors.append(f"{address}: {type(exc).__name__}: {exc}")
                _close_quietly(mailer)  # a broken connection is reopened for the next address
                continue
            AlertEmail.objects.bulk_create(
                [AlertEmail(alert=alert, address=address, sent_at=now)], ignore_conflicts=True
            )
    finally:
        _close_quietly(mailer)
    return errors, deferred


def _close_quietly(mailer: object) -> None:
    try:
        mailer.close()  # type: ignore[attr-defined]  # every Django email backend has close()
    except Exception:  # noqa: BLE001, S110 - closing a connection that already failed
        pass


# --- has the sweep stopped? (what /healthz and the inbox read: referrals.selectors) -----------


def sweep_stale_warn(*, now: datetime) -> bool:
    """Email the administrators, once per stop, that clock sweeps have stopped. Returns True if sent now.

    Called by /healthz (polled by the monitor) and the alerts inbox: beat being down means no
    periodic task runs to notice it. The conditional UPDATE lets one caller win the race.
    """
    stale_before = now - settings.CLOCK_SWEEP_STALE_AFTER
    won = SweepStatus.objects.filter(pk=1, finished_at__lt=stale_before, stale_warned_at__isnull=True).update(
        stale_warned_at=now
    )
    if not won:
        return False
    status = SweepStatus.objects.get(pk=1)
    addresses = sorted(
        User.objects.filter(is_active=True, role=Role.ADMINISTRATOR).exclude(email="").values_list("email", flat=True)
    )
    logger.error("clock sweeps stopped: the last finished at %s", status.finished_at.isoformat())
    if addresses:
        EmailMessage(
            "[ALERTS STOPPED] No clock sweep since " + f"{status.finished_at:%Y-%m-%d %H:%M} UTC",
            "Warnings, breaches and escalations are not being raised: no clock sweep has run since "
            f"{status.finished_at:%Y-%m-%d %H:%M:%S} UTC.\n\nCheck that Celery beat and a worker are running "
            f"(see {settings.SITE_URL}/healthz).\n",
            settings.DEFAULT_FROM_EMAIL,
            addresses,
        ).send(fail_silently=True)  # the inbox warning and /healthz still show it
    return True
