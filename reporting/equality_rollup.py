"""The daily rollup: counts and the completed waits themselves, per London day, clock kind
and group (``DailyEqualityRollup``). A group is one value of one column: an equality page
breakdown (``BREAKDOWNS``), a dashboard filter (``FILTER_DIMENSIONS``), or a breakdown within one
value of a filter (``WITHIN_FILTER``: within a locality, a kind of team, a source or an urgency).
Every referral and clock is in exactly one group of each dimension, so a dimension's groups
together count each once.

Grouped centiles over a year of clocks cost a sort of a million rows on every page view;
centiles do not add up, so they cannot be summed from smaller ones either. The rollup keeps
each day's completed waits of each group, sorted. A period's waits are its days' (periods
are whole London days), one sorted run per day, and ``Runs`` picks the ranks it needs out
of them without sorting them all. The figures are the ones ``percentile_cont`` gives over
the clocks: the same values, interpolated the same way.

A row is a pure function of the reporting rows of its day: ``daily_rows`` computes it in
Python (SQLite, verify), ``rebuild_in_postgresql`` set-based. ``facts_refresh`` moves
exactly the cells its changed rows count in, in its transaction (``apply_changes``);
``facts_verify`` compares every stored row with a fresh computation.
"""

import binascii
import math
import sys
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from itertools import chain
from operator import itemgetter

from django.db import connection
from django.db.models import Aggregate, Count, F, Func, Lookup, Q, QuerySet, TextField, Value

from common.london import london_date, london_midnight
from reporting.models import ClockFact, DailyEqualityRollup, ReferralFact

from .filters import Filters
from .percentiles import interpolate, on_postgresql
from .periods import Period, month_start

REFERRAL = "referral"  # rows that count referrals received
# A re-referral (the flow page): received within this long after the person's latest discharge
# from another referral (``ReferralFact.previous_discharge_at``).
RE_REFERRAL_WITHIN = timedelta(days=365)
# The equality page's breakdowns (reporting.equality.dimensions), as reporting columns.
BREAKDOWNS = (
    "ethnicity",
    "age_band",
    "gender",
    "sexual_orientation",
    "disability",
    "locality_id",
    "deprivation_decile",
)
# The dashboards' other filters (reporting.filters.Filters; locality is a breakdown already): with
# their cells, the waits page reads a period for any one filter from the rollup, and the breaches
# page its counts by team and by source (issue 17).
FILTER_DIMENSIONS = ("team_id", "service", "source", "urgency")
COLUMNS = BREAKDOWNS + FILTER_DIMENSIONS  # the reporting columns the groups are read from
# Each other breakdown within each value of these filters, named "<filter>|<breakdown>" and valued
# "<filter's value>|<breakdown's value>" (no value of theirs holds a "|"): the equality page with
# one of these filters set reads them, as it reads the plain breakdowns with none. The filter a
# locality's managers set first; then a kind of team, a source and an urgency (issue 17: with those
# the page computed from a year of clocks, 0.5 to 1 s). There are no groups within a team: the page
# for one team reads the indexes that lead with the team (``ClockFact``); with two or more filters
# set it reads the reporting rows.
WITHIN_FILTER = ("locality_id", "service", "source", "urgency")
WITHIN = tuple((within, name) for within in WITHIN_FILTER for name in BREAKDOWNS if name != within)
DAILY = COLUMNS + tuple(f"{within}|{name}" for within, name in WITHIN)
# Each breakdown within every combination of those four filters, by London month (``day`` is the
# month's first day), named "monthly|<breakdown>" and valued "<locality>|<kind of team>|<source>|
# <urgency>|<breakdown's value>": the equality page with two or more of them set sums the cells
# of the combinations it asks for over the period's whole months, and counts the days outside
# them from the reporting rows (issue 17: from a year of clocks the page took 0.4-0.9 s). By day
# the combinations would hold about one wait a cell, so as many rows as clocks; by month a year
# is a few thousand rows a breakdown. Each wait is stored once more per breakdown.
MONTHLY = "monthly"
MONTHLY_DIMENSIONS = tuple(f"{MONTHLY}|{name}" for name in BREAKDOWNS)
DIMENSIONS = DAILY + MONTHLY_DIMENSIONS


def is_re_referral(received_at: datetime, previous_discharge_at: datetime | None) -> bool:
    return previous_discharge_at is not None and previous_discharge_at >= received_at - RE_REFERRAL_WITHIN


def groups(values: dict) -> list[tuple[str, str]]:
    """(dimension, value as stored) of every group a row with these column values is in: one per
    dimension. A value is written as Python's ``str`` writes it (a NULL decile is 'None')."""
    found = [(name, str(values[name])) for name in COLUMNS]
    found += [(f"{within}|{name}", f"{values[within]}|{values[name]}") for within, name in WITHIN]
    return found


def monthly_groups(values: dict) -> list[tuple[str, str]]:
    """(dimension, value as stored) of every monthly group (``MONTHLY_DIMENSIONS``) a row with
    these column values is in: one per breakdown, within the row's combination of the filters."""
    combination = "|".join(str(values[name]) for name in WITHIN_FILTER)
    return [(f"{MONTHLY}|{name}", f"{combination}|{values[name]}") for name in BREAKDOWNS]


def cells_of(day: date, values: dict, *, monthly: bool = True) -> list[tuple[date, str, str]]:
    """(the cell's day, dimension, value) of every cell an event of this London day counts in:
    the day's own groups, and (``monthly``) its month's combinations, whose day is the month's first."""
    found = [(day, dimension, value) for dimension, value in groups(values)]
    if monthly:
        month = month_start(day)
        found += [(month, dimension, value) for dimension, value in monthly_groups(values)]
    return found


# --- packing waits ---------------------------------------------------------------------------

# A day's waits are packed 4 bytes each (PostgreSQL's int4send) when every one of them fits, 8
# bytes (int8send) otherwise: a wait of more than 68 years, a referral received in 1950 by mistake,
# still counts exactly. A row says which by its length: ``completed`` waits in ``len(waits)``
# bytes. The waits take half the bytes they took at 8 each (issue 17: the rollup 908 -> 806 MB at
# a million referrals), and the equality and waits pages read half as much (docs/performance.md,
# "Waits packed in 4 bytes").
NARROW, WIDE = "i", "q"  # array typecodes: 4 and 8 bytes
_INT4 = (-(2**31), 2**31 - 1)


def fits_in_4_bytes(low: int, high: int) -> bool:
    return _INT4[0] <= low and high <= _INT4[1]


def pack(sorted_waits: list[int]) -> bytes:
    """Big-endian integers, as int4send or int8send give them, so SQL and Python agree: 4 bytes
    each when they all fit (``fits_in_4_bytes``), else 8."""
    narrow = not sorted_waits or fits_in_4_bytes(sorted_waits[0], sorted_waits[-1])
    packed = array(NARROW if narrow else WIDE, sorted_waits)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def width(packed: bytes | memoryview, count: int) -> int:
    """The bytes each of ``count`` packed waits takes (4 or 8)."""
    found = len(packed) // count if count else 4
    if found not in (4, 8) or found * count != len(packed):
        raise ValueError(f"{len(packed)} bytes do not hold {count} packed waits")
    return found


def unpack(packed: bytes | memoryview, count: int) -> list[int]:
    values = array(NARROW if width(packed, count) == 4 else WIDE)
    values.frombytes(packed)
    if sys.byteorder == "little":
        values.byteswap()
    return values.tolist()


def packed_waits(column: str = "waits") -> "Func | F":
    """A query's packed waits, read compactly: on PostgreSQL as base64 text (``encode``), which
    is a third longer than the bytes where bytea's hexadecimal is twice as long, so a year's
    waits cross to Python in about half the time; elsewhere the bytes. ``from_text`` reads
    either back."""
    if on_postgresql():
        return Func(F(column), Value("base64"), function="encode", output_field=TextField())
    return F(column)


def from_text(read: str | bytes | memoryview) -> bytes | memoryview:
    """What ``packed_waits`` read (the column is never NULL), as bytes."""
    return binascii.a2b_base64(read) if isinstance(read, str) else read


class Runs:
    """A period's waits for one group: each day's sorted waits, one after another.

    ``centiles`` gives exactly what ``percentile_cont`` over all the waits gives, without
    sorting them all: a sample brackets each rank, a binary search in every day's run counts
    the waits below the bracket, and only the waits inside it are sorted. Days packed 4 bytes a
    wait and days packed 8 are held in an array of each width, so neither is ever converted.
    """

    STRIDE = 32  # one wait in this many makes the sample
    MARGIN = 24  # sample places either side of the guess, at first
    SORT_UP_TO = 5_000  # this many waits or fewer: just sort them

    def __init__(self) -> None:
        # Each width's waits as stored (big-endian) until ``centiles`` puts them in this machine's order.
        self.arrays = {NARROW: array(NARROW), WIDE: array(WIDE)}
        self.bounds: list[tuple[array, int, int]] = []  # each day's run: its array, [start, end)
        self.native = False  # byte order swapped from the stored one yet

    def add(self, packed: bytes | memoryview, count: int) -> None:
        """One day's ``count`` waits, sorted and packed (``pack``)."""
        if not count:
            return
        values = self.arrays[NARROW if width(packed, count) == 4 else WIDE]
        start = len(values)
        if self.native and sys.byteorder == "little":  # added after ``centiles``: swap this day alone
            day = array(values.typecode)
            day.frombytes(packed)
            day.byteswap()
            values.extend(day)
        else:
            values.frombytes(packed)
        self.bounds.append((values, start, len(values)))

    def __len__(self) -> int:
        return sum(len(values) for values in self.arrays.values())

    def _every(self) -> list[int]:
        return sorted(chain.from_iterable(self.arrays.values()))

    def centiles(self, fractions: Iterable[float]) -> list[float | None]:
        if sys.byteorder == "little" and not self.native:
            for values in self.arrays.values():
                values.byteswap()  # stored big-endian (int4send, int8send); now in this machine's order
        self.native = True
        n = len(self)
        if n <= self.SORT_UP_TO:
            ordered = self._every()
            return [interpolate(ordered, f) for f in fractions]
        sample = sorted(chain.from_iterable(values[:: self.STRIDE] for values in self.arrays.values()))
        found: list[float | None] = []
        for fraction in fractions:
            position = fraction * (n - 1)
            rank = math.floor(position)
            low, high = self._ranks(rank, min(rank + 1, n - 1), sample)
            found.append(low + (high - low) * (position - rank))
        return found

    def _ranks(self, first: int, second: int, sample: list[int]) -> tuple[float, float]:
        """The waits at two neighbouring ranks (0-based) of the sorted whole."""
        # A narrow bracket nearly always holds the ranks; each run (and each width's array) can
        # put the sample at most one stride out, so one more per run always does (unless many
        # waits are equal).
        for margin in (self.MARGIN, len(self.bounds) + 3):
            found = self._bracketed(first, second, sample, margin)
            if found is not None:
                return found
        ordered = self._every()  # still exact, just slower
        return float(ordered[first]), float(ordered[second])

    def _bracketed(self, first: int, second: int, sample: list[int], margin: int) -> tuple[float, float] | None:
        guess = first // self.STRIDE
        floor_value = sample[max(guess - margin, 0)]
        ceiling_value = sample[min(guess + margin, len(sample) - 1)]
        below = inside = 0
        slices = []
        for values, start, end in self.bounds:
            left = bisect_left(values, floor_value, start, end)
            right = bisect_right(values, ceiling_value, start, end)
            below += left - start
            inside += right - left
            if right > left:
                slices.append(values[left:right])
        if not (below <= first and second < below + inside):
            return None  # the ranks are outside the bracket
        band = sorted(chain.from_iterable(slices))
        return float(band[first - below]), float(band[second - below])


# --- reading rows ----------------------------------------------------------------------------


def period_rows(*, period: Period, filters: Filters) -> "QuerySet[DailyEqualityRollup] | None":
    """The rollup's rows of the period's days that count what a page with these filters counts:
    with none set, every group of one column (``locality_id``), whose groups together count each
    referral and clock once; with one set, that filter's group. None with two or more set: the
    rollup keeps no cells for a combination, so the page computes from the reporting rows."""
    single = filters.single()
    if single is None:
        return None
    column, value = single
    rows = DailyEqualityRollup.objects.filter(
        dimension=column or "locality_id", day__gte=period.first_day, day__lte=period.last_day
    ).order_by()
    return rows.filter(value=value) if column else rows


def re_referral_rows(*, period: Period, filters: Filters) -> "QuerySet[DailyEqualityRollup] | None":
    """The referrals received over the period's days, by team (value: the team id, '0' for none):
    every team's group with no filter set, that team's with a team set. None with any other filter:
    the rollup keeps no team within it, so the flow page counts from the reporting rows."""
    single = filters.single()
    if single is None or single[0] not in ("", "team_id"):
        return None
    rows = DailyEqualityRollup.objects.filter(
        dimension="team_id", kind=REFERRAL, day__gte=period.first_day, day__lte=period.last_day
    ).order_by()
    return rows.filter(value=single[1]) if single[0] else rows


def breakdown_rows(
    *, column: str, period: Period, filters: Filters
) -> "tuple[QuerySet[DailyEqualityRollup], str] | None":
    """The rows of one equality breakdown over the period's days, across the service or within one
    value of one filter (``WITHIN_FILTER``), and the prefix to take off their values (``<the
    filter's value>|`` within one). None with a team or two or more filters set: the rollup keeps
    no breakdown within them."""
    single = filters.single()
    if single is None or single[0] not in ("", *WITHIN_FILTER):
        return None
    within, value = single
    rows = DailyEqualityRollup.objects.filter(day__gte=period.first_day, day__lte=period.last_day).order_by()
    if not within:
        return rows.filter(dimension=column), ""
    if column == within:  # by locality, within one: that locality's own group
        return rows.filter(dimension=column, value=value), ""
    prefix = f"{value}|"
    return rows.filter(dimension=f"{within}|{column}", value__startswith=prefix), prefix


def combination_rows(
    *, column: str, period: Period, filters: Filters, today: date
) -> "tuple[QuerySet[DailyEqualityRollup], list[Period]] | None":
    """With two or more filters set, none of them a team: the monthly rows of one breakdown
    within every combination those filters match, over the period's whole months that ended
    before today, and the periods of the days outside those months (``Period.whole_months``),
    which the page counts from the reporting rows. A row's value after its fourth "|" is the
    breakdown's value. None otherwise (no filter or one: the daily groups; a team, or a period
    holding no whole month: the reporting rows)."""
    active = dict(filters.active())
    if len(active) < 2 or not active.keys() <= set(WITHIN_FILTER):
        return None
    months = period.whole_months(today)
    if months is None:
        return None
    first, last, outside = months
    # The filters' own values where set, anything where not: "%|%|gp|routine|%". No value holds a
    # "|", so each of the pattern's four matches one of the value's four, in order. (LIKE, not a
    # regular expression: at a million referrals 23 ms against 80 for a year's 114,740 rows.)
    pattern = "|".join(_like_escaped(active[name]) if name in active else "%" for name in WITHIN_FILTER) + "|%"
    rows = DailyEqualityRollup.objects.filter(
        _Like(F("value"), Value(pattern)), dimension=f"{MONTHLY}|{column}", day__gte=first, day__lte=last
    ).order_by()
    return rows, outside


class _PackedWaits(Aggregate):
    """A group's waits sorted and packed 8 bytes each (int8send, as ``pack`` writes a wide day),
    read as base64 (``packed_waits``)."""

    template = "encode(string_agg(int8send(%(expressions)s), ''::bytea ORDER BY %(expressions)s), 'base64')"
    output_field = TextField()


def stopped_runs(
    parts: "list[QuerySet[ClockFact]]", *, column: str, kinds: Iterable[str]
) -> list[tuple[str, str, int, int, bytes | memoryview]]:
    """(group value as text, kind, completed, met, their waits sorted and packed) of these clocks'
    completed waits of these kinds, per part, group and kind, for a period's ``Runs`` beside the
    rollup's days (a group may come once per part). On PostgreSQL the database sorts and packs
    each group's waits, one UNION ALL branch per part and kind, so each reads its own range of the
    stopped index (which leads with the kind); elsewhere Python does."""
    kinds = list(kinds)
    parts = [
        part.filter(wait_seconds__isnull=False, stopped_at__isnull=False, kind__in=kinds).order_by() for part in parts
    ]
    if not parts:
        return []
    if on_postgresql():
        grouped = [
            part.filter(kind=kind)
            .values(column, "kind")
            .annotate(
                completed=Count("kind"),  # not "pk": the stopped index holds what this needs
                met=Count("kind", filter=Q(met=True)),
                packed=_PackedWaits("wait_seconds"),
            )
            .values_list(column, "kind", "completed", "met", "packed")
            for part in parts
            for kind in kinds
        ]
        return [
            (str(value), kind, completed, met, from_text(packed))
            for value, kind, completed, met, packed in union_all(grouped)
        ]
    found: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for value, kind, met, wait in chain.from_iterable(
        part.values_list(column, "kind", "met", "wait_seconds") for part in parts
    ):
        waits, met_count = found.setdefault((str(value), kind), ([], [0]))
        waits.append(wait)
        met_count[0] += bool(met)
    return [
        (value, kind, len(waits), met_count[0], pack(sorted(waits)))
        for (value, kind), (waits, met_count) in found.items()
    ]


class _Like(Lookup):
    """``value LIKE pattern``, with backslash escaping on every database (SQLite has none unless asked)."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def combination_matcher(filters: Filters) -> "Callable[[str], bool]":
    """Whether a monthly row's value (``combination_rows``) is exactly of the filters' combination
    (LIKE's matching is the database's: SQLite's ignores case)."""
    placed = [""] * len(WITHIN_FILTER)
    for name, value in filters.active():
        placed[WITHIN_FILTER.index(name)] = value
    pick = itemgetter(*(WITHIN_FILTER.index(name) for name, _ in filters.active()))  # C, not a loop a row
    expected = pick(placed)

    def matches(combination_value: str) -> bool:
        return pick(combination_value.split("|", len(WITHIN_FILTER))) == expected

    return matches


def union_all(parts: list[QuerySet]) -> QuerySet:
    """The parts' rows, one UNION ALL branch each (a part alone as it is)."""
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)


def breakdown_value(combination_value: str) -> str:
    """The breakdown's value of a monthly row's (``combination_rows``)."""
    return combination_value.split("|", len(WITHIN_FILTER))[-1]


# --- computing rows --------------------------------------------------------------------------


# ``is_breached`` in SQL, over a clock's reporting row.
BREACHED_SQL = (
    "CASE WHEN stopped_at IS NOT NULL THEN stopped_at > due_at ELSE paused_at IS NULL OR paused_at > due_at END"
)


def is_breached(clock: ClockFact) -> bool:
    """``breaches.breached_q`` for a clock whose due time has passed: stopped late, still
    running, or paused after its due time (``BREACHED_SQL`` in SQL)."""
    if clock.stopped_at is not None:
        return clock.stopped_at > clock.due_at
    return clock.paused_at is None or clock.paused_at > clock.due_at


def _day_ranges(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Consecutive days merged into [start, end) instants."""
    ranges: list[list[date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(london_midnight(first), london_midnight(last + timedelta(days=1))) for first, last in ranges]


def within_days(field: str, days: Iterable[date]) -> Q:
    """The rows whose ``field`` (an instant) falls on one of these London days."""
    q = Q(pk__in=[])
    for start, end in _day_ranges(days):
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def daily_rows(wanted: set[tuple[date, str]] | None) -> list[DailyEqualityRollup]:
    """The rollup rows of these (day, kind) pairs (every day, with None), from the reporting rows.
    The monthly cells only with None: a month's need every day of it."""
    referrals = ReferralFact.objects.all()
    clocks = ClockFact.objects.all()
    if wanted is not None:
        by_kind: dict[str, set[date]] = {}
        for day, kind in wanted:
            by_kind.setdefault(kind, set()).add(day)
        referrals = referrals.filter(within_days("received_at", by_kind.pop(REFERRAL, ())))
        q = Q(pk__in=[])
        for kind, days in by_kind.items():
            q |= Q(kind=kind) & (within_days("due_at", days) | within_days("stopped_at", days))
        clocks = clocks.filter(q)
    cells: dict[tuple, list] = {}
    monthly = wanted is None

    def cell(day: date, kind: str, dimension: str, value: str) -> list:
        key = (day, kind, dimension, value)
        found = cells.get(key)
        if found is None:
            found = cells[key] = [0, 0, 0, 0, 0, 0, []]  # received, re_referred, due, breached, completed, met, waits
        return found

    for received_at, previous_discharge_at, *values in (
        referrals.order_by().values_list("received_at", "previous_discharge_at", *COLUMNS).iterator(chunk_size=5000)
    ):
        day = london_date(received_at)
        if wanted is None or (day, REFERRAL) in wanted:
            re_referred = is_re_referral(received_at, previous_discharge_at)
            for cell_day, dimension, value in cells_of(day, dict(zip(COLUMNS, values, strict=True)), monthly=monthly):
                row = cell(cell_day, REFERRAL, dimension, value)
                row[0] += 1
                row[1] += re_referred
    for clock in (
        clocks.order_by()
        .only("kind", "due_at", "stopped_at", "paused_at", "wait_seconds", "met", *COLUMNS)
        .iterator(chunk_size=5000)
    ):
        values = {name: getattr(clock, name) for name in COLUMNS}
        due_day = london_date(clock.due_at)
        if wanted is None or (due_day, clock.kind) in wanted:
            breached = is_breached(clock)
            for cell_day, dimension, value in cells_of(due_day, values, monthly=monthly):
                row = cell(cell_day, clock.kind, dimension, value)
                row[2] += 1
                row[3] += breached
        if clock.wait_seconds is not None and clock.stopped_at is not None:  # only a stopped clock has a wait
            stop_day = london_date(clock.stopped_at)
            if wanted is None or (stop_day, clock.kind) in wanted:
                for cell_day, dimension, value in cells_of(stop_day, values, monthly=monthly):
                    row = cell(cell_day, clock.kind, dimension, value)
                    row[4] += 1
                    row[5] += bool(clock.met)
                    row[6].append(clock.wait_seconds)
    return [
        DailyEqualityRollup(
            day=day,
            kind=kind,
            dimension=dimension,
            value=value,
            received=received,
            re_referred=re_referred,
            due=due,
            breached=breached,
            completed=completed,
            met=met,
            waits=pack(sorted(waits)),
        )
        for (day, kind, dimension, value), (
            received,
            re_referred,
            due,
            breached,
            completed,
            met,
            waits,
        ) in cells.items()
    ]


# --- keeping them exact -----------------------------------------------------------------------


Cell = tuple[date, str, str, str]  # (day, kind, dimension, value)
# What one reporting row adds to one cell: received, re_referred, due, breached, completed, met, its wait.
Contribution = tuple[Cell, int, int, int, int, int, int, int | None]


def contributions(
    referral_facts: Iterable[ReferralFact], clock_facts: Iterable[ClockFact]
) -> dict[tuple, list[Contribution]]:
    """{a row, as every field the rollup reads from it: what it adds to which cells}.

    Comparing the old rows' with the new rows' gives what a refresh must take away and add."""
    found: dict[tuple, list[Contribution]] = {}
    for r in referral_facts:
        values = [getattr(r, name) for name in COLUMNS]
        day, re_referred = london_date(r.received_at), int(is_re_referral(r.received_at, r.previous_discharge_at))
        found[(REFERRAL, r.referral_id, r.received_at, r.previous_discharge_at, *values)] = [
            ((cell_day, REFERRAL, name, value), 1, re_referred, 0, 0, 0, 0, None)
            for cell_day, name, value in cells_of(day, dict(zip(COLUMNS, values, strict=True)))
        ]
    for c in clock_facts:
        values = [getattr(c, name) for name in COLUMNS]
        named = dict(zip(COLUMNS, values, strict=True))
        key = (c.kind, c.clock_id, c.due_at, c.stopped_at, c.paused_at, c.wait_seconds, c.met, *values)
        due_day, breached = london_date(c.due_at), int(is_breached(c))
        cells: list[Contribution] = [
            ((cell_day, c.kind, name, value), 0, 0, 1, breached, 0, 0, None)
            for cell_day, name, value in cells_of(due_day, named)
        ]
        if c.wait_seconds is not None and c.stopped_at is not None:  # only a stopped clock has a wait
            stop_day, met = london_date(c.stopped_at), int(bool(c.met))
            cells += [
                ((cell_day, c.kind, name, value), 0, 0, 0, 0, 1, met, c.wait_seconds)
                for cell_day, name, value in cells_of(stop_day, named)
            ]
        found[key] = cells
    return found


def apply_changes(old: dict[tuple, list[Contribution]], new: dict[tuple, list[Contribution]]) -> None:
    """Take away what the rows no longer there contributed and add what the new ones do, in
    exactly the cells they count in: counts by difference, waits taken out and put in, one
    by one, keeping each cell's waits sorted. Rows in both (unchanged) are left alone."""
    changes: dict[Cell, list] = {}  # cell -> [received, re_referred, due, breached, completed, met, added, removed]
    for rows, sign in ((old.keys() - new.keys(), -1), (new.keys() - old.keys(), 1)):
        for fact_key in rows:
            for cell, *counts, wait in (old if sign < 0 else new)[fact_key]:
                change = changes.get(cell)
                if change is None:
                    change = changes[cell] = [0, 0, 0, 0, 0, 0, [], []]
                for i, n in enumerate(counts):
                    change[i] += sign * n
                if wait is not None:
                    change[6 if sign > 0 else 7].append(wait)
    for cell, (*counts, added, removed) in list(changes.items()):
        if not any(counts) and sorted(added) == sorted(removed):
            del changes[cell]  # what left came back (a redirect leaves every group but locality as it was)
    if not changes:
        return
    keys = list(changes)
    stored: dict[Cell, DailyEqualityRollup] = {}
    for start in range(0, len(keys), 500):
        q = Q(pk__in=[])
        for day, kind, dimension, value in keys[start : start + 500]:
            q |= Q(day=day, kind=kind, dimension=dimension, value=value)
        for row in DailyEqualityRollup.objects.filter(q):
            stored[(row.day, row.kind, row.dimension, row.value)] = row
    fresh = []
    for cell, (received, re_referred, due, breached, completed, met, added, removed) in changes.items():
        row = stored.get(cell) or DailyEqualityRollup(day=cell[0], kind=cell[1], dimension=cell[2], value=cell[3])
        waits = unpack(row.waits, row.completed)
        for wait in removed:
            del waits[bisect_left(waits, wait)]  # it is there: the old row put it there
        for wait in added:
            insort(waits, wait)
        row.received += received
        row.re_referred += re_referred
        row.due += due
        row.breached += breached
        row.completed += completed
        row.met += met
        row.waits = pack(waits)
        if row.received or row.due or row.completed:  # a cell that counts nothing is not kept
            fresh.append(row)
    DailyEqualityRollup.objects.filter(pk__in=[row.pk for row in stored.values()]).delete()
    for row in fresh:
        row.pk = None
    DailyEqualityRollup.objects.bulk_create(fresh, batch_size=2000)


def _value_sql(dimension: str) -> str:
    """A group's value in SQL, as ``groups`` writes it in Python (NULL is 'None', as ``str`` has it)."""
    within, _, name = dimension.rpartition("|")
    if within == MONTHLY:
        return " || '|' || ".join(_value_sql(column) for column in (*WITHIN_FILTER, name))
    if within:
        return f"{_value_sql(within)} || '|' || {_value_sql(name)}"
    return f"COALESCE({dimension}::text, 'None')"


def rebuild_in_postgresql() -> None:
    """Every row at once, set-based, by the same rules as ``daily_rows``: one statement per
    dimension, counts by hashing, waits sorted within each day and group only. The waits are
    packed 4 bytes each, or 8 in every row if any wait of the service does not fit in 4 (``pack``
    chooses row by row; a reader takes either)."""
    table = DailyEqualityRollup._meta.db_table
    referrals, clocks = ReferralFact._meta.db_table, ClockFact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(wait_seconds), max(wait_seconds) FROM {clocks}")
        low, high = cursor.fetchone()
    send = "int8send(wait_seconds)"
    if low is None or fits_in_4_bytes(low, high):
        send = "int4send(wait_seconds::int4)"

    with connection.cursor() as cursor:
        for name in DIMENSIONS:
            value = _value_sql(name)
            monthly = name.startswith(f"{MONTHLY}|")

            def day(column: str, monthly: bool = monthly) -> str:
                london = f"({column} AT TIME ZONE 'Europe/London')"
                return f"date_trunc('month', {london})::date" if monthly else f"{london}::date"

            cursor.execute(
                f"""
                INSERT INTO {table}
                    (day, kind, dimension, value, received, re_referred, due, breached, completed, met, waits)
                SELECT day, kind, %s, value, COALESCE(c.received, 0), COALESCE(c.re_referred, 0), COALESCE(c.due, 0),
                       COALESCE(c.breached, 0), COALESCE(w.completed, 0), COALESCE(w.met, 0),
                       COALESCE(w.waits, ''::bytea)
                FROM (
                    SELECT day, kind, value, sum(received) AS received, sum(re_referred) AS re_referred,
                           sum(due) AS due, sum(breached) AS breached
                    FROM (
                        -- A re-referral as is_re_referral has it: the interval in seconds, so
                        -- 24-hour days as Python's timedelta, whatever the session's time zone.
                        SELECT {day("received_at")} AS day, '{REFERRAL}' AS kind, {value} AS value,
                               1 AS received, COALESCE(previous_discharge_at >= received_at - make_interval(secs => %s), false)::int
                                   AS re_referred,
                               0 AS due, 0 AS breached
                        FROM {referrals}
                        UNION ALL
                        SELECT {day("due_at")}, kind, {value}, 0, 0, 1, ({BREACHED_SQL})::int
                        FROM {clocks}
                    ) events
                    GROUP BY day, kind, value
                ) c
                FULL JOIN (
                    SELECT {day("stopped_at")} AS day, kind, {value} AS value, count(*) AS completed,
                           sum(met::int) AS met, string_agg({send}, ''::bytea ORDER BY wait_seconds) AS waits
                    FROM {clocks}
                    WHERE wait_seconds IS NOT NULL
                    GROUP BY 1, 2, 3
                ) w USING (day, kind, value)
                """,
                [name, RE_REFERRAL_WITHIN.total_seconds()],
            )
        cursor.execute(f"ANALYZE {table}")


def verify(problem) -> None:
    """Report every stored row that differs from a fresh computation, and every missing one."""
    fresh = {(r.day, r.kind, r.dimension, r.value): r for r in daily_rows(None)}
    fields = ("received", "re_referred", "due", "breached", "completed", "met")
    for stored in DailyEqualityRollup.objects.all().iterator(chunk_size=2000):
        expected = fresh.pop((stored.day, stored.kind, stored.dimension, stored.value), None)
        if expected is None:
            problem(f"equality rollup {stored} should not exist")
            continue
        if any(getattr(stored, f) != getattr(expected, f) for f in fields) or unpack(
            stored.waits, stored.completed
        ) != unpack(expected.waits, expected.completed):  # the waits, packed 4 or 8 bytes each
            problem(f"equality rollup {stored} differs from the reporting rows")
    for key in fresh:
        problem(f"equality rollup {key} is missing")
