"""Celery tasks for the reporting tables: one-line wrappers around reporting.rebuild and facts.

The dashboards catch up by themselves when drawn; running ``refresh_reporting`` every
minute from beat keeps that catch-up small. ``rebuild_reporting`` starts again from the
records (after changing teams or localities in the admin, say).
"""

from celery import shared_task
from django.utils import timezone

from .facts import facts_catch_up
from .rebuild import facts_rebuild


# Task names from before the move out of the referrals app, so queued tasks still run.
@shared_task(name="referrals.reporting.tasks.refresh_reporting", ignore_result=True)
def refresh_reporting() -> int:
    events = 0
    while True:  # one batch of audit events at a time, until none are left
        batch = facts_catch_up(now=timezone.now())
        events += batch
        if not batch:
            return events


@shared_task(name="referrals.reporting.tasks.rebuild_reporting", ignore_result=True)
def rebuild_reporting() -> None:
    facts_rebuild(now=timezone.now())
