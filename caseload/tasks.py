"""Celery tasks for caseloads: thin wrappers that pass the current time to services."""

from celery import shared_task
from django.utils import timezone

from access.grants import covers_start_due


@shared_task(name="caseload.tasks.start_due_covers", ignore_result=True)
def start_due_covers() -> int:
    """Grant the covers whose date range has begun (beat, every five minutes)."""
    return covers_start_due(now=timezone.now())
