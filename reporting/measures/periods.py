"""The period a national measure is counted over: a calendar month (``2025-03``), or for the
referral-spell measure a rolling quarter, the three months ending with the chosen month
(``2025-03``, or ``2025-Q1`` for January to March). Months are UK months: they start at
midnight Europe/London time, so a referral at 23:30 on 31 March BST is in March."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from common.london import london_midnight

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class BadPeriod(ValueError):
    """The period given is not one this measure is counted over; the message says what is."""


@dataclass(frozen=True)
class MeasurePeriod:
    first_day: date
    last_day: date
    label: str

    @property
    def start(self) -> datetime:
        """The instant (UTC) the period starts: midnight London time on its first day."""
        return london_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight London time after its last day."""
        return london_midnight(self.last_day + timedelta(days=1))


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_period(year: int, month: int) -> MeasurePeriod:
    first = date(year, month, 1)
    return MeasurePeriod(first, _month_after(first) - timedelta(days=1), f"{year:04d}-{month:02d}")


def quarter_ending(year: int, month: int) -> MeasurePeriod:
    """The three months ending with this one (freq "Q" in measure_metadata.py)."""
    last = month_period(year, month)
    first_month = (year * 12 + month - 1) - 2
    first = date(first_month // 12, first_month % 12 + 1, 1)
    return MeasurePeriod(first, last.last_day, f"{first:%Y-%m} to {last.label}")


def parse_period(text: str, *, quarterly: bool) -> MeasurePeriod:
    """``YYYY-MM``; for a quarterly measure also ``YYYY-Qn`` (calendar quarters: Q1 is January
    to March). Raises BadPeriod with a message a caller can act on."""
    text = (text or "").strip()
    wanted = "YYYY-MM (e.g. 2025-03) or YYYY-Qn (e.g. 2025-Q1)" if quarterly else "YYYY-MM (e.g. 2025-03)"
    if not text:
        raise BadPeriod(f"Give a period as {wanted}.")
    month = _MONTH.match(text)
    if month:
        year, number = int(month[1]), int(month[2])
        if not 1 <= number <= 12 or year < 1900:
            raise BadPeriod(f"{text} is not a month: give a period as {wanted}.")
        return quarter_ending(year, number) if quarterly else month_period(year, number)
    quarter = _QUARTER.match(text)
    if quarter and quarterly:
        year, number = int(quarter[1]), int(quarter[2])
        period = quarter_ending(year, number * 3)
        return MeasurePeriod(period.first_day, period.last_day, text)
    if quarter:
        raise BadPeriod(f"This measure is monthly: give a period as {wanted}, not a quarter.")
    raise BadPeriod(f"{text!r} is not a period: give one as {wanted}.")
