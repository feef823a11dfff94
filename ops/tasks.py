"""Housekeeping tasks: thin wrappers."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="ops.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> int:
    """Sessions live in the database (cached_db): delete those past their expiry."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
