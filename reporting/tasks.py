"""Celery tasks for the reporting tables: one-line wrappers around reporting.rebuild and facts.

The dashboards catch up by themselves when drawn; running ``refresh_reporting`` as each worker
starts and then every minute from beat keeps that catch-up small, and builds the tables if they
were never built, so no first visit after a start waits for it. ``rebuild_reporting`` starts
again from the records (after changing teams or localities in the admin, say).
"""

from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from .rebuild import facts_rebuild, facts_warm


# Task names from before the move out of the referrals app, so queued tasks still run.
@shared_task(name="referrals.reporting.tasks.refresh_reporting", ignore_result=True)
def refresh_reporting() -> int:
    return facts_warm(now=timezone.now())


@worker_ready.connect(dispatch_uid="reporting.warm_on_start")
def _warm_on_start(**kwargs: Any) -> None:
    """A worker has started: warm the reporting tables now, not a minute from now at beat's first tick."""
    refresh_reporting.delay()


@shared_task(name="referrals.reporting.tasks.rebuild_reporting", ignore_result=True)
def rebuild_reporting() -> None:
    facts_rebuild(now=timezone.now())
