"""The reporting period of an MHSDS submission: one calendar month, UK time. MHSDS dates and
times are local (Europe/London), so the month starts at midnight London time."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from common.london import london_midnight

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BadPeriod(ValueError):
    """Not a month an extract can be made for; the message says what is wanted."""


@dataclass(frozen=True)
class ReportingPeriod:
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        return f"{self.first_day:%Y-%m}"

    @property
    def start(self) -> datetime:
        """Midnight London time on the first day, in UTC."""
        return london_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight London time after the last day, in UTC."""
        return london_midnight(self.last_day + timedelta(days=1))


def reporting_period(text: str) -> ReportingPeriod:
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise BadPeriod(f"{text!r} is not a month: give the reporting period as YYYY-MM, e.g. 2026-11.")
    first = date(int(match[1]), int(match[2]), 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return ReportingPeriod(first, after - timedelta(days=1))
