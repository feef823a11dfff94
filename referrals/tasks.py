"""Celery tasks: thin wrappers that pass the current time to services."""

from celery import shared_task
from django.utils import timezone

from referrals.services.alerts import alert_deliver, clocks_sweep, sweep_lock_acquired, sweep_lock_release


@shared_task(name="referrals.tasks.sweep_clocks", ignore_result=True)
def sweep_clocks() -> dict[str, int] | None:
    if not sweep_lock_acquired():
        return None  # another sweep is running; the next tick picks up anything it left
    try:
        return clocks_sweep(now=timezone.now(), on_alert=lambda pk: deliver_alert.delay(pk))
    finally:
        sweep_lock_release()


@shared_task(name="referrals.tasks.deliver_alert", ignore_result=True, acks_late=True)
def deliver_alert(alert_id: int) -> bool:
    return alert_deliver(alert_id=alert_id, now=timezone.now())
