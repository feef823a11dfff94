"""Building an extract in a test and reading it back as NHS England would: table by table."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from interchange.mhsds.period import reporting_period
from interchange.mhsds.writer import Written, extract_write

MADE_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def read_zip(path: Path) -> dict[str, list[dict[str, str]]]:
    """Every CSV member, by table name, as rows keyed by column."""
    with zipfile.ZipFile(path) as archive:
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
            for name in archive.namelist()
        }


def build(tmp_path: Path, period: str, *, org_code: str = "RXX") -> tuple[dict[str, list[dict[str, str]]], Written]:
    path = tmp_path / f"{period}.zip"
    written = extract_write(path=path, period=reporting_period(period), org_code=org_code, now=MADE_AT)
    return read_zip(path), written
