"""Writing the extract: each table's rows go straight into a CSV member of the zip as they are
read, and the validation report into its own member, so memory stays flat at any size."""

import csv
import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .period import ReportingPeriod
from .tables import TABLES, Extract
from .validation import Issues

VALIDATION_MEMBER = "validation.csv"
PROGRESS_EVERY = 20_000  # rows between progress reports inside a table

# progress(percent, step): told when each table starts and every PROGRESS_EVERY rows.
Progress = Callable[[int, str], None]


@dataclass
class Written:
    counts: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)
    sample: list[dict[str, str]] = field(default_factory=list)


def zip_name(*, org_code: str, period: ReportingPeriod) -> str:
    return f"MHSDS_{org_code}_{period.label}.zip"


def extract_write(
    *, path: Path, period: ReportingPeriod, org_code: str, now: datetime, progress: Progress | None = None
) -> Written:
    """Write the month's extract to ``path`` (a zip): one CSV per table, then validation.csv."""
    written = Written()
    with _spooled() as report, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        issues = Issues(report)
        extract = Extract(period=period, org_code=org_code, created_at=now, issues=issues)
        for number, table in enumerate(TABLES):
            percent = number * 100 // (len(TABLES) + 1)
            if progress:
                progress(percent, table.name)
            count = 0
            with archive.open(f"{table.name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(table.columns)
                for row in table.rows(extract):
                    writer.writerow(row)
                    count += 1
                    if progress and count % PROGRESS_EVERY == 0:
                        progress(percent, f"{table.name} ({count:,} rows)")
                text.flush()
                text.detach()
            written.counts[table.name] = count
        if progress:
            progress(len(TABLES) * 100 // (len(TABLES) + 1), "validation report")
        report.seek(0)
        with archive.open(VALIDATION_MEMBER, "w") as member:
            while chunk := report.read(1 << 20):
                member.write(chunk.encode("utf-8"))
    written.issues = dict(issues.counts)
    written.sample = issues.sample
    return written


def _spooled() -> "tempfile.SpooledTemporaryFile[str]":
    """The validation rows as they are found: in memory while small, on disk when not."""
    return tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8", newline="")
