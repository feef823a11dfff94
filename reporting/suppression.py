"""Small-number suppression: the one place that decides what an aggregate may show.

As NHS statistical publications do, a count from 1 to 7 is shown as ``*``; 0 is shown as
0 (nobody, which identifies nobody). A rate is withheld (``*``) when its numerator or its
denominator is from 1 to 7, and a statistic of a group (a median, a mean) is withheld when
the group has 1 to 7 members. Every table on every dashboard page, and every CSV download,
is made of cells built here, so the page and the CSV cannot disagree.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SUPPRESSED = "*"
NO_DATA = "–"  # en dash: nothing to measure (an empty group), not a hidden value
SMALLEST_SHOWN = 8


def is_small(count: int | None) -> bool:
    """A count that could identify someone: 1 to 7."""
    return count is not None and 0 < count < SMALLEST_SHOWN


@dataclass(frozen=True)
class Cell:
    """One value as shown: ``text`` is exactly what the page and the CSV print.

    ``value`` is the number behind it (None when withheld or absent), for charts and tests;
    it is never shown when ``suppressed``.
    """

    text: str
    value: float | int | None = None
    suppressed: bool = False
    numeric: bool = True

    def __str__(self) -> str:
        return self.text


def text(value: str) -> Cell:
    """A label (a team's name, a week): not a number, never suppressed."""
    return Cell(text=value, value=None, numeric=False)


def count(n: int) -> Cell:
    if is_small(n):
        return Cell(text=SUPPRESSED, suppressed=True)
    return Cell(text=f"{n:,}", value=n)


def rate(numerator: int, denominator: int, *, places: int = 1) -> Cell:
    """A percentage; withheld when either side is small, absent when nothing was measured."""
    if is_small(numerator) or is_small(denominator):
        return Cell(text=SUPPRESSED, suppressed=True)
    if not denominator:
        return Cell(text=NO_DATA)
    percent = _round(Decimal(numerator) * 100 / Decimal(denominator), places)
    return Cell(text=f"{percent}%", value=float(percent))


def statistic(value: float | Decimal | None, group_size: int, *, formatter=None) -> Cell:
    """A median, centile or mean of a group of ``group_size``: withheld for a small group."""
    if is_small(group_size):
        return Cell(text=SUPPRESSED, suppressed=True)
    if value is None or not group_size:
        return Cell(text=NO_DATA)
    shown = formatter(value) if formatter else str(value)
    return Cell(text=shown, value=float(value))


def derived(value: float | Decimal | None, *, inputs: tuple[int, ...] = (), places: int = 1) -> Cell:
    """A figure worked out from counts (weeks to clear a list, a mean change): withheld when
    any count it was worked out from is small, since it could be worked back to them."""
    if any(is_small(n) for n in inputs):
        return Cell(text=SUPPRESSED, suppressed=True)
    if value is None:
        return Cell(text=NO_DATA)
    rounded = _round(Decimal(str(value)), places)
    return Cell(text=f"{rounded:,}", value=float(rounded))


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
