"""Europe/London time, the one home for it: UTC instants as staff read them, and London days
and wall-clock times as the UTC instants we store and query.

On the nights the clocks change a London day is 23 or 25 hours long, so every instant here
comes from the time zone, never from adding 24 hours.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")

# Fixed English names, whatever the locale the process runs in.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def london_midnight(day: date) -> datetime:
    """The instant (in UTC) a London day begins: 00:00 GMT in winter, 23:00 UTC the evening before in summer."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def london_instant(day: date, at: time) -> datetime:
    """A wall-clock date and time typed in London, as the instant (in UTC) it names.

    A time the clocks skip (01:30 on the last Sunday of March) reads as GMT, so it lands at
    02:30 BST; a time that happens twice (01:30 on the last Sunday of October) is the first,
    in BST. In UTC, so it compares equal to the same instant from anywhere else.
    """
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def earliest_record_time() -> datetime:
    """The first instant anything recorded may have happened: London midnight starting
    ``settings.EARLIEST_RECORD_DATE``. Earlier times are refused, not stored."""
    from django.conf import settings

    return london_midnight(settings.EARLIEST_RECORD_DATE)


def london_date(instant: datetime) -> date:
    """The London date an instant falls on."""
    return instant.astimezone(LONDON).date()


def london(value: datetime | date | None) -> str:
    """An instant as UK staff read it: "Sat 14 Mar 2026, 02:00" (GMT or BST as the date has it);
    a date alone gives "Sat 14 Mar 2026", nothing gives "". Naive datetimes are refused: we store UTC."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError(f"london needs an aware datetime (stored in UTC), not naive {value!r}.")
        local = value.astimezone(LONDON)
        return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    if isinstance(value, date):
        return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"
    raise TypeError(f"london needs a datetime or a date, not {type(value).__name__}.")
