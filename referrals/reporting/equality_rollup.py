"""The equality page's daily rollup: counts and the completed waits themselves, per London
day, clock kind and equality group (``DailyEqualityRollup``).

Grouped centiles over a year of clocks cost a sort of a million rows on every page view;
centiles do not add up, so they cannot be summed from smaller ones either. The rollup keeps
each day's completed waits of each group, sorted. A period's waits are the concatenation of
its days' (periods are whole London days), already in sorted runs, which Python's sort
merges in a fraction of the time a sort from scratch takes. The figures are the ones
``percentile_cont`` gives over the clocks: the same values, interpolated the same way.

A row is a pure function of the reporting rows of its day: ``daily_rows`` computes it in
Python (refresh, SQLite, verify), ``rebuild_in_postgresql`` set-based. ``facts_refresh``
recomputes the days whose rows changed, in its transaction; ``facts_verify`` compares every
stored row with a fresh computation.
"""

import sys
from array import array
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q

from referrals.models import ClockFact, ReferralFact
from referrals.models.rollups import DailyEqualityRollup

from .periods import LONDON, london_midnight

REFERRAL = "referral"  # rows that count referrals received
# The equality page's breakdowns (referrals.reporting.equality.dimensions), as reporting columns.
DIMENSIONS = (
    "ethnicity",
    "age_band",
    "gender",
    "sexual_orientation",
    "disability",
    "locality_id",
    "deprivation_decile",
)
Day = tuple[date, str]  # (London date, kind)


def london_day(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


# --- packing waits ---------------------------------------------------------------------------


def pack(sorted_waits: list[int]) -> bytes:
    """8-byte big-endian integers: what PostgreSQL's int8send gives, so SQL and Python agree."""
    packed = array("q", sorted_waits)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def unpack_into(target: array, packed: bytes | memoryview) -> None:
    """Append packed waits to ``target`` (an array('q') kept in big-endian until ``finish``)."""
    target.frombytes(packed)


def finish(values: array) -> array:
    if sys.byteorder == "little":
        values.byteswap()
    return values


# --- computing rows --------------------------------------------------------------------------


def is_breached(clock: ClockFact) -> bool:
    """``breaches.breached_q`` for a clock whose due time has passed: stopped late, still
    running, or paused after its due time."""
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


def _within(field: str, days: Iterable[date]) -> Q:
    q = Q(pk__in=[])
    for start, end in _day_ranges(days):
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def daily_rows(wanted: set[Day] | None) -> list[DailyEqualityRollup]:
    """The rollup rows of these (day, kind) pairs (every day, with None), from the reporting rows."""
    referrals = ReferralFact.objects.all()
    clocks = ClockFact.objects.all()
    if wanted is not None:
        by_kind: dict[str, set[date]] = {}
        for day, kind in wanted:
            by_kind.setdefault(kind, set()).add(day)
        referrals = referrals.filter(_within("received_at", by_kind.pop(REFERRAL, ())))
        q = Q(pk__in=[])
        for kind, days in by_kind.items():
            q |= Q(kind=kind) & (_within("due_at", days) | _within("stopped_at", days))
        clocks = clocks.filter(q)
    cells: dict[tuple, list] = {}

    def cell(day: date, kind: str, dimension: str, value) -> list:
        key = (day, kind, dimension, str(value))
        found = cells.get(key)
        if found is None:
            found = cells[key] = [0, 0, 0, 0, 0, []]  # received, due, breached, completed, met, waits
        return found

    for received_at, *values in referrals.order_by().values_list("received_at", *DIMENSIONS).iterator(chunk_size=5000):
        day = london_day(received_at)
        if wanted is None or (day, REFERRAL) in wanted:
            for dimension, value in zip(DIMENSIONS, values, strict=True):
                cell(day, REFERRAL, dimension, value)[0] += 1
    for clock in (
        clocks.order_by()
        .only("kind", "due_at", "stopped_at", "paused_at", "wait_seconds", "met", *DIMENSIONS)
        .iterator(chunk_size=5000)
    ):
        values = [getattr(clock, name) for name in DIMENSIONS]
        due_day = london_day(clock.due_at)
        if wanted is None or (due_day, clock.kind) in wanted:
            breached = is_breached(clock)
            for dimension, value in zip(DIMENSIONS, values, strict=True):
                row = cell(due_day, clock.kind, dimension, value)
                row[1] += 1
                row[2] += breached
        if clock.wait_seconds is not None:
            stop_day = london_day(clock.stopped_at)
            if wanted is None or (stop_day, clock.kind) in wanted:
                for dimension, value in zip(DIMENSIONS, values, strict=True):
                    row = cell(stop_day, clock.kind, dimension, value)
                    row[3] += 1
                    row[4] += bool(clock.met)
                    row[5].append(clock.wait_seconds)
    return [
        DailyEqualityRollup(
            day=day,
            kind=kind,
            dimension=dimension,
            value=value,
            received=received,
            due=due,
            breached=breached,
            completed=completed,
            met=met,
            waits=pack(sorted(waits)),
        )
        for (day, kind, dimension, value), (received, due, breached, completed, met, waits) in cells.items()
    ]


# --- keeping them exact -----------------------------------------------------------------------


def days_of(referral_facts: Iterable[ReferralFact], clock_facts: Iterable[ClockFact]) -> dict[tuple, set[Day]]:
    """{what a row contributes: the (day, kind) pairs it is counted in}, for comparing old rows with new."""
    found: dict[tuple, set[Day]] = {}
    for r in referral_facts:
        key = (REFERRAL, r.referral_id, r.received_at, *(getattr(r, name) for name in DIMENSIONS))
        found[key] = {(london_day(r.received_at), REFERRAL)}
    for c in clock_facts:
        key = (
            c.kind,
            c.clock_id,
            c.due_at,
            c.stopped_at,
            c.paused_at,
            c.wait_seconds,
            c.met,
            *(getattr(c, name) for name in DIMENSIONS),
        )
        days = {(london_day(c.due_at), c.kind)}
        if c.wait_seconds is not None:
            days.add((london_day(c.stopped_at), c.kind))
        found[key] = days
    return found


def changed_days(old: dict[tuple, set[Day]], new: dict[tuple, set[Day]]) -> set[Day]:
    """The days of every row that is not in both: what a refresh must recompute."""
    touched: set[Day] = set()
    for key in old.keys() ^ new.keys():
        touched |= old.get(key) or new[key]
    return touched


def refresh_days(touched: set[Day]) -> None:
    """Recompute the rollup rows of these (day, kind) pairs: delete, then insert the fresh ones."""
    if not touched:
        return
    by_kind: dict[str, list[date]] = {}
    for day, kind in touched:
        by_kind.setdefault(kind, []).append(day)
    stale = Q(pk__in=[])
    for kind, days in by_kind.items():
        stale |= Q(kind=kind, day__in=days)
    fresh = daily_rows(touched)
    DailyEqualityRollup.objects.filter(stale).delete()
    DailyEqualityRollup.objects.bulk_create(fresh, batch_size=2000)


def rebuild_in_postgresql() -> None:
    """Every row at once, set-based, by the same rules as ``daily_rows``."""
    table = DailyEqualityRollup._meta.db_table

    def day(column: str) -> str:
        return f"({column} AT TIME ZONE 'Europe/London')::date"

    dims = ", ".join(DIMENSIONS)
    # One row per dimension, its value as text as Python's str() writes it (NULL is 'None').
    unpivot = ", ".join(f"('{name}', COALESCE(e.{name}::text, 'None'))" for name in DIMENSIONS)
    breached = (
        "CASE WHEN c.stopped_at IS NOT NULL THEN c.stopped_at > c.due_at "
        "ELSE c.paused_at IS NULL OR c.paused_at > c.due_at END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (day, kind, dimension, value, received, due, breached, completed, met, waits)
            SELECT e.day, e.kind, d.dimension, d.value, sum(e.received), sum(e.due), sum(e.breached),
                   count(e.wait), sum(e.met),
                   COALESCE(string_agg(int8send(e.wait), ''::bytea ORDER BY e.wait), ''::bytea)
            FROM (
                SELECT {day("r.received_at")} AS day, '{REFERRAL}' AS kind, 1 AS received, 0 AS due, 0 AS breached,
                       NULL::bigint AS wait, 0 AS met, {dims}
                FROM {ReferralFact._meta.db_table} r
                UNION ALL
                SELECT {day("c.due_at")}, c.kind, 0, 1, ({breached})::int, NULL::bigint, 0, {dims}
                FROM {ClockFact._meta.db_table} c
                UNION ALL
                SELECT {day("c.stopped_at")}, c.kind, 0, 0, 0, c.wait_seconds, COALESCE(c.met, false)::int, {dims}
                FROM {ClockFact._meta.db_table} c
                WHERE c.wait_seconds IS NOT NULL
            ) e
            CROSS JOIN LATERAL (VALUES {unpivot}) AS d(dimension, value)
            GROUP BY e.day, e.kind, d.dimension, d.value
            """
        )
        cursor.execute(f"ANALYZE {table}")


def verify(problem) -> None:
    """Report every stored row that differs from a fresh computation, and every missing one."""
    fresh = {(r.day, r.kind, r.dimension, r.value): r for r in daily_rows(None)}
    fields = ("received", "due", "breached", "completed", "met")
    for stored in DailyEqualityRollup.objects.all().iterator(chunk_size=2000):
        expected = fresh.pop((stored.day, stored.kind, stored.dimension, stored.value), None)
        if expected is None:
            problem(f"equality rollup {stored} should not exist")
            continue
        if any(getattr(stored, f) != getattr(expected, f) for f in fields) or bytes(stored.waits) != expected.waits:
            problem(f"equality rollup {stored} differs from the reporting rows")
    for key in fresh:
        problem(f"equality rollup {key} is missing")
