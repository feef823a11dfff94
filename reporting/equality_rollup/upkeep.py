"""Computing the daily rollup's rows from the reporting rows (``daily_rows`` in Python,
``rebuild_in_postgresql`` set-based), keeping them exact as those rows change
(``contributions``, ``apply_changes``), and checking them (``verify``)."""

from bisect import bisect_left, insort
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Q

from common.london import london_date
from reporting.models import ClockFact, DailyEqualityRollup, ReferralFact

from .cells import COLUMNS, DIMENSIONS, MONTHLY, RE_REFERRAL_WITHIN, REFERRAL, WITHIN_FILTER, cells_of, is_re_referral
from .packing import fits_in_4_bytes, pack, unpack
from .reading import within_days

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
