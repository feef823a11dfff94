"""Making an MHSDS extract: asking for one (audited, queued), building it (claimed once, its
progress on the row), and downloading it (audited). Keyword-only, ``by=`` and ``now=``."""

import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record

from .mhsds.period import reporting_period
from .mhsds.writer import extract_write, zip_name
from .models import ExtractRun

log = logging.getLogger(__name__)
S = ExtractRun.Status


def extracts_dir() -> Path:
    return Path(settings.VAR_DIR) / "extracts"


def extract_run_request(*, period: str, org_code: str, by: User | None, now: datetime) -> ExtractRun:
    """Queue a month's extract (the Celery task builds it once this commits)."""
    chosen = reporting_period(period)
    with transaction.atomic():
        run = ExtractRun.objects.create(period=chosen.label, org_code=org_code, requested_by=by, created_at=now)
        audit_record(by=by, action="mhsds.extract.request", obj=run, now=now, detail={"period": run.period})
    return run


def extract_run_claim(*, run_id: int, now: datetime) -> bool:
    """Queued to running, once: a second worker given the same run finds it taken."""
    return bool(ExtractRun.objects.filter(pk=run_id, status=S.QUEUED).update(status=S.RUNNING, started_at=now))


def extract_run_build(*, run_id: int, now: datetime, out: Path | None = None) -> ExtractRun:
    """Build a claimed run's zip (at ``out``, else under VAR_DIR/extracts/), recording progress,
    counts and validation failures on the row; a failure is recorded, not raised."""
    run = ExtractRun.objects.get(pk=run_id)
    period = reporting_period(run.period)
    name = zip_name(org_code=run.org_code, period=period)
    path = out if out is not None else extracts_dir() / str(run.pk) / name
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(percent: int, step: str) -> None:
        ExtractRun.objects.filter(pk=run.pk).update(progress=percent, step=step[:64])

    try:
        written = extract_write(path=path, period=period, org_code=run.org_code, now=now, progress=progress)
    except Exception as exc:  # recorded on the row for the page; the log has the traceback
        log.exception("MHSDS extract %s for %s failed", run.pk, run.period)
        if path.is_file():
            path.unlink()  # half a month's records is no extract
        with transaction.atomic():
            ExtractRun.objects.filter(pk=run.pk).update(
                status=S.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000] or "failed", finished_at=timezone.now()
            )
            run.refresh_from_db()
            audit_record(
                by=None, action="mhsds.extract.fail", obj=run, now=timezone.now(), detail={"period": run.period}
            )
        return run
    finished = timezone.now()
    with transaction.atomic():
        ExtractRun.objects.filter(pk=run.pk).update(
            status=S.DONE,
            progress=100,
            step="",
            file_path=str(path),
            file_name=name,
            file_size=path.stat().st_size,
            counts=written.counts,
            issues=written.issues,
            sample=written.sample,
            finished_at=finished,
        )
        run.refresh_from_db()
        audit_record(
            by=None,
            action="mhsds.extract.build",
            obj=run,
            now=finished,
            detail={"period": run.period, "counts": written.counts, "issues": written.issues},
        )
    return run


def extract_run_download(*, run: ExtractRun, by: User, now: datetime, what: str = "zip") -> None:
    """Record that ``by`` took the extract (or its validation report) away."""
    audit_record(by=by, action=f"mhsds.extract.download.{what}", obj=run, now=now, detail={"period": run.period})
