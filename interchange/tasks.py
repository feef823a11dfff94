"""The Celery task that builds an MHSDS extract: a one-line wrapper around the service."""

from celery import shared_task
from django.utils import timezone

from .services import extract_run_build, extract_run_claim


@shared_task(ignore_result=True)
def build_mhsds_extract(run_id: int) -> None:
    if extract_run_claim(run_id=run_id, now=timezone.now()):  # else another worker has it
        extract_run_build(run_id=run_id, now=timezone.now())
