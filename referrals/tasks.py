"""Celery tasks: thin wrappers that pass the current time to services."""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from referrals.services.alerts import (
    alert_deliver,
    alert_deliver_next,
    clocks_sweep,
    sweep_lock_acquired,
    sweep_lock_release,
)

logger = logging.getLogger(__name__)


def _wake_senders() -> None:
    # A hint older than a sweep interval is stale: the next sweep sends a fresh one if work remains.
    deliver_alerts.apply_async(expires=float(settings.CLOCK_SWEEP_INTERVAL_SECONDS) * 2)


@shared_task(name="referrals.tasks.sweep_clocks", ignore_result=True)
def sweep_clocks() -> dict[str, int] | None:
    if not sweep_lock_acquired():
        return None  # another sweep is running; the next tick picks up anything it left
    try:
        return clocks_sweep(now=timezone.now(), wake=_wake_senders)
    finally:
        sweep_lock_release()


@shared_task(name="referrals.tasks.deliver_alerts", ignore_result=True, acks_late=True)
def deliver_alerts() -> int:
    """Deliver deliverable alerts, oldest first, for a short while; then make way for the sweep."""
    deadline = time.monotonic() + settings.ALERT_DELIVERY_TASK_SECONDS
    delivered = 0
    while alert_deliver_next(now=timezone.now()) is not None:
        delivered += 1
        if time.monotonic() > deadline:
            try:
                _wake_senders()  # more may be waiting: queue a successor behind the next sweep
            except Exception as exc:  # noqa: BLE001 - the next sweep wakes the senders again
                logger.warning("could not queue the next alert delivery: %s", exc)
            break
    return delivered


# Tasks queued by earlier versions (one per alert) still deliver after an upgrade.
@shared_task(name="referrals.tasks.deliver_alert", ignore_result=True, acks_late=True)
def deliver_alert(alert_id: int) -> bool:
    return alert_deliver(alert_id=alert_id, now=timezone.now())


@shared_task(name="referrals.tasks.deliver_referrer_updates", ignore_result=True, acks_late=True)
def deliver_referrer_updates() -> int:
    """Send the short messages owed to referrers (beat, every REFERRER_UPDATE_INTERVAL_SECONDS)."""
    from referrals.services.referrer import referrer_updates_deliver  # kept beside its task: appended

    return referrer_updates_deliver(now=timezone.now())
