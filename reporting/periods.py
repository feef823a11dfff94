"""Reporting periods and weeks, in Europe/London dates, turned into UTC instants for queries.

A period is whole London days, first to last inclusive: it starts at midnight London time
on its first day and ends at midnight after its last. Weeks run Monday to Sunday. On the
nights the clocks change a day is 23 or 25 hours long; the instants come from the time
zone, never from adding 24 hours.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from common.london import london_date, london_midnight

# Presets offered in the filter form: key -> (label, days). Each ends today.
PRESETS: dict[str, tuple[str, int]] = {
    "4w": ("Last 4 weeks", 28),
    "13w": ("Last 13 weeks", 91),
    "52w": ("Last 52 weeks", 364),
}
DEFAULT_PRESET = "13w"
LONGEST_PERIOD_DAYS = 366 * 3


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    preset: str = ""  # the preset key it came from; "" for dates chosen by hand

    @property
    def start(self) -> datetime:
        return london_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return london_midnight(self.last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def label(self) -> str:
        return f"{_day(self.first_day)} to {_day(self.last_day)}"

    def description(self) -> str:
        """What the page and its downloads say they show: "Last 13 weeks: 9 Sep 2026 to 8 Dec 2026"."""
        if self.preset in PRESETS:
            return f"{PRESETS[self.preset][0]}: {self.label()}"
        return f"{self.label()} (dates chosen)"

    def whole_weeks(self) -> "tuple[date, date, list[Period]] | None":
        """The Mondays of the first and last whole weeks (Monday to Sunday, London) the period
        holds, and the periods of its days outside them (none, one or two); None if it holds no
        whole week. Counts kept by week (``WeeklyRollup``) add up over the first, and the days
        outside them are counted from the rows."""
        first = monday_of(self.first_day + timedelta(days=6))  # the first Monday on or after it
        last = monday_of(self.last_day + timedelta(days=1)) - timedelta(days=7)  # the last week it holds whole
        if first > last:
            return None
        outside = []
        if first > self.first_day:
            outside.append(Period(first_day=self.first_day, last_day=first - timedelta(days=1)))
        if last + timedelta(days=6) < self.last_day:
            outside.append(Period(first_day=last + timedelta(days=7), last_day=self.last_day))
        return first, last, outside

    def whole_months(self, today: date) -> "tuple[date, date, list[Period]] | None":
        """The first days of the first and last whole London months the period holds that ended
        before ``today``, and the periods of its days outside them (none, one or two); None if it
        holds no such month. Cells kept by month (the equality rollup's combinations) add up over
        the first, and the days outside them are counted from the rows. A month that holds today
        is never whole: its clocks due later today are not due yet."""
        first = month_start(self.first_day)
        if first < self.first_day:
            first = next_month(first)
        stop = month_start(min(self.last_day, today - timedelta(days=1)) + timedelta(days=1))  # the first not whole
        if first >= stop:
            return None
        outside = []
        if first > self.first_day:
            outside.append(Period(first_day=self.first_day, last_day=first - timedelta(days=1)))
        if stop <= self.last_day:
            outside.append(Period(first_day=stop, last_day=self.last_day))
        return first, month_start(stop - timedelta(days=1)), outside

    def each_day(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    def trend_weeks(self, now: datetime) -> list[date]:
        """Mondays of the whole weeks that overlap the period and have ended by ``now``."""
        weeks = []
        monday = monday_of(self.first_day)
        while monday <= self.last_day:
            if london_midnight(monday + timedelta(days=7)) <= now:
                weeks.append(monday)
            monday += timedelta(days=7)
        return weeks


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def period_for_preset(key: str, *, today: date) -> Period:
    _, days = PRESETS[key]
    return Period(first_day=today - timedelta(days=days - 1), last_day=today, preset=key)


def week_start(monday: date) -> datetime:
    return london_midnight(monday)


def week_end(monday: date) -> datetime:
    """The instant a week ends: midnight London time at the start of the next Monday."""
    return london_midnight(monday + timedelta(days=7))


class WeekFinder:
    """Monday (London) of the week an instant falls in, fast enough for millions of instants.

    It keeps the instants at which weeks start, in UTC, and bisects; this avoids a time
    zone conversion per instant when the whole reporting store is rebuilt.
    """

    def __init__(self) -> None:
        self._mondays: list[date] = []
        self._starts: list[datetime] = []

    def _cover(self, instant: datetime) -> None:
        """Know the start of the instant's week and of the week after it."""
        wanted = monday_of(london_date(instant))
        if not self._mondays:
            self._mondays, self._starts = [wanted], [london_midnight(wanted)]
        while wanted < self._mondays[0]:
            self._mondays.insert(0, self._mondays[0] - timedelta(days=7))
            self._starts.insert(0, london_midnight(self._mondays[0]))
        while self._mondays[-1] <= wanted:
            self._mondays.append(self._mondays[-1] + timedelta(days=7))
            self._starts.append(london_midnight(self._mondays[-1]))

    def __call__(self, instant: datetime) -> date:
        index = bisect_right(self._starts, instant) - 1
        if index < 0 or index >= len(self._starts) - 1:
            self._cover(instant)
            index = bisect_right(self._starts, instant) - 1
        return self._mondays[index]
