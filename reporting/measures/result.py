"""What every national measure returns: its figures and one row per record it looked at.

A row is a referral (or, for the referral-spell measure, a spell of referrals): in scope or
not, and why not; when its clock started and stopped, and what stopped it; the wait in days or
minutes; whether it met the measure; whether it was still waiting at the end of the period.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .periods import MeasurePeriod


@dataclass(frozen=True)
class MeasureRow:
    referral_ids: tuple[int, ...]
    person_id: int  # for the read audit; never shown
    in_scope: bool
    excluded_because: str = ""
    clock_start: datetime | date | None = None
    clock_stop: datetime | date | None = None
    stopped_by: str = ""
    days: int | None = None
    minutes: int | None = None
    met: bool | None = None  # None: not counted (out of scope, or no clock stop in the period)
    still_waiting: bool = False
    waiting_band: str = ""

    def __init__(  # noqa: PLR0913 - one argument per field, as the dataclass's own would be
        self,
        referral_ids: tuple[int, ...],
        person_id: int,
        in_scope: bool,
        excluded_because: str = "",
        clock_start: datetime | date | None = None,
        clock_stop: datetime | date | None = None,
        stopped_by: str = "",
        days: int | None = None,
        minutes: int | None = None,
        met: bool | None = None,
        still_waiting: bool = False,
        waiting_band: str = "",
    ) -> None:
        """The dataclass's own ``__init__``, written out: a frozen dataclass sets each field with
        its own ``object.__setattr__``, this sets them in one go, a third of the time, and a
        measure makes one row per referral or spell (150,000 at a million referrals). The fields
        are checked to match (tests/reporting/measures/test_query_counts.py)."""
        object.__setattr__(
            self,
            "__dict__",
            {
                "referral_ids": referral_ids,
                "person_id": person_id,
                "in_scope": in_scope,
                "excluded_because": excluded_because,
                "clock_start": clock_start,
                "clock_stop": clock_stop,
                "stopped_by": stopped_by,
                "days": days,
                "minutes": minutes,
                "met": met,
                "still_waiting": still_waiting,
                "waiting_band": waiting_band,
            },
        )


@dataclass(frozen=True)
class MeasureResult:
    code: str
    period: MeasurePeriod
    numerator: int
    denominator: int
    still_waiting: int
    still_waiting_bands: dict[str, int] = field(default_factory=dict)
    rows: list[MeasureRow] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        """Numerator over denominator as a percentage to one place; None when nothing was counted."""
        if not self.denominator:
            return None
        return (Decimal(100 * self.numerator) / self.denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on ``day`` (a birthday counts on the day itself)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def whole_minutes(start: datetime, stop: datetime) -> int:
    """Elapsed minutes between two instants, in UTC (so a clock-change night is 23 or 25 hours)."""
    return int((stop - start).total_seconds() // 60)
