"""manage.py mhsds_extract --period 2026-11 [--out path]: build a month's MHSDS v6 extract now,
in this process (the pages queue the same work on Celery). Audited as a run with no user."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from interchange.mhsds.period import BadPeriod
from interchange.models import ExtractRun
from interchange.selectors import NoProviderCode, provider_org_code
from interchange.services import extract_run_build, extract_run_claim, extract_run_request


class Command(BaseCommand):
    help = "Build the MHSDS v6 extract (one CSV per table in a zip, and its validation report) for a month."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The reporting month, YYYY-MM.")
        parser.add_argument("--out", help="Where to write the zip (default: VAR_DIR/extracts/<run>/).")
        parser.add_argument("--org-code", help="The provider's ODS code (default: the NHS trust's).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            org_code = options["org_code"] or provider_org_code()
            run = extract_run_request(period=options["period"], org_code=org_code, by=None, now=timezone.now())
        except (BadPeriod, NoProviderCode) as exc:
            raise CommandError(str(exc)) from exc
        extract_run_claim(run_id=run.pk, now=timezone.now())
        out = Path(options["out"]) if options["out"] else None
        run = extract_run_build(run_id=run.pk, now=timezone.now(), out=out)
        if run.status != ExtractRun.Status.DONE:
            raise CommandError(f"The extract failed: {run.error}")
        self.stdout.write(f"Wrote {run.file_path} ({run.file_size:,} bytes)")
        for table, count in run.counts.items():
            self.stdout.write(f"  {table}: {count:,} rows")
        failures = sum(run.issues.values())
        self.stdout.write(
            f"Validation: {failures:,} failures" + (" (see validation.csv in the zip)" if failures else "")
        )
