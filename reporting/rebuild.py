"""Building the reporting tables from nothing, and proving them exact.

``facts_rebuild`` empties the reporting tables and fills them again from the records. On
PostgreSQL it does so with a few set-based ``INSERT ... SELECT`` statements (a million
referrals in minutes, not hours); elsewhere (the SQLite demo) it uses the same Python
builder as the incremental refresh. ``facts_verify`` recomputes everything with the
Python builder and compares it with what is stored, field by field, counter by counter
and centile by centile: it is how the tests and the benchmark show that the SQL rebuild,
the incremental refresh and the records agree.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max

from accounts.models import AuditEvent
from codes.mhsds import ATTENDED
from referrals.models import Referral
from reporting.models import (
    ClockFact,
    DailyEqualityRollup,
    HandoffFact,
    ReferralFact,
    ReportingState,
    WeeklyPercentile,
    WeeklyRollup,
)

from . import deprivation, equality_rollup
from .facts import (
    AGE_BANDS,
    CATCH_UP_LIMIT,
    CELL,
    COUNTED_STOPS,
    COUNTERS,
    LOST_AFTER,
    NOT_STATED,
    REFERRAL_KIND,
    UNDER_16,
    Cells,
    _build,
    _chunks,
    _count_into,
    _percentile_rows,
    _state,
    facts_catch_up,
    newest_audit_id,
)
from .percentiles import on_postgresql
from .periods import WeekFinder

INLINE_REBUILD_LIMIT = 20_000  # a page may build an empty store itself up to this many referrals
REBUILD_CHUNK = 5000


@dataclass(frozen=True)
class Freshness:
    ready: bool  # False: never built, and too big to build while a page waits
    behind: bool  # True: more changes are waiting than one catch-up takes on
    refreshed_at: datetime | None


def facts_ensure_current(*, now: datetime) -> Freshness:
    """What a dashboard page calls first: build a small empty store, else catch up without waiting.

    When nothing has changed this costs two or three small queries.
    """
    state = _state()
    if state.rebuilt_at is None:
        if Referral.objects.count() > INLINE_REBUILD_LIMIT:
            return Freshness(ready=False, behind=True, refreshed_at=None)
        facts_rebuild(now=now, only_if_never_built=True)
        state.refresh_from_db()
    newest = newest_audit_id()
    if facts_catch_up(now=now, wait=False, known=(state, newest)):
        state.refresh_from_db()
    return Freshness(ready=True, behind=newest - state.last_audit_id > CATCH_UP_LIMIT, refreshed_at=state.refreshed_at)


def facts_warm(*, now: datetime) -> int:
    """Bring the reporting tables up to date before anyone asks for a dashboard: build them if
    they were never built (at any size: nobody is waiting on this), then catch up on everything
    changed since, batch by batch. Returns how many audit ids it moved past.

    The worker runs it as it starts and beat every minute; the demo loader runs it last. So the
    first dashboard visit after a start neither builds the store nor catches up a backlog while
    someone waits (issue 16: it took 3.1 s).
    """
    facts_rebuild(now=now, only_if_never_built=True)
    events = 0
    while batch := facts_catch_up(now=now):
        events += batch
    return events


def facts_rebuild(
    *, now: datetime, only_if_never_built: bool = False, progress: Callable[[str], None] | None = None
) -> bool:
    """Empty the reporting tables and build them again from the records. One transaction."""
    say = progress or (lambda message: None)
    with transaction.atomic():
        _state()
        state = ReportingState.objects.select_for_update().get(pk=1)
        if only_if_never_built and state.rebuilt_at is not None:
            return False
        # Changes after this audit id are caught up later; ids below it still in flight
        # now are remembered as pending, as a catch-up would.
        newest = AuditEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0
        recent = set(AuditEvent.objects.filter(pk__gt=newest - 1000, pk__lte=newest).values_list("pk", flat=True))
        for model in (DailyEqualityRollup, WeeklyPercentile, WeeklyRollup, HandoffFact, ClockFact, ReferralFact):
            _empty(model)
        if on_postgresql():
            _rebuild_in_postgresql(say)
        else:
            _rebuild_in_python(say)
        say("weekly centiles")
        WeeklyPercentile.objects.bulk_create(_percentile_rows(None), batch_size=5000)
        say("equality rollup")
        if on_postgresql():
            equality_rollup.rebuild_in_postgresql()
        else:
            DailyEqualityRollup.objects.bulk_create(equality_rollup.daily_rows(None), batch_size=2000)
        state.last_audit_id = newest
        state.pending_ids = {
            str(pk): now.isoformat() for pk in range(max(newest - 999, 1), newest + 1) if pk not in recent
        }
        state.refreshed_at = now
        state.rebuilt_at = now
        state.save()
    return True


def _empty(model) -> None:
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        model.objects.all().delete()


def _rebuild_in_python(say: Callable[[str], None]) -> None:
    ids = list(Referral.objects.order_by("pk").values_list("pk", flat=True))
    weeks = WeekFinder()
    cells: Cells = {}
    for chunk in _chunks(ids, REBUILD_CHUNK):
        referral_facts, clock_facts, handoff_facts = _build(chunk, weeks)
        ReferralFact.objects.bulk_create(referral_facts, batch_size=REBUILD_CHUNK)
        ClockFact.objects.bulk_create(clock_facts, batch_size=REBUILD_CHUNK)
        HandoffFact.objects.bulk_create(handoff_facts, batch_size=REBUILD_CHUNK)
        _count_into(cells, referral_facts, clock_facts, weeks)
        say(f"{len(referral_facts)} referrals")
    WeeklyRollup.objects.bulk_create(
        (WeeklyRollup(**dict(zip(CELL + COUNTERS, (*key, *row), strict=True))) for key, row in cells.items()),
        batch_size=REBUILD_CHUNK,
    )


# --- the PostgreSQL rebuild: the same rules as facts._build, set-based -------------------------


def _week(expression: str) -> str:
    """Monday (Europe/London) of the week an instant falls in: ISO weeks start on Monday."""
    return f"date_trunc('week', {expression} AT TIME ZONE 'Europe/London')::date"


def _age_band_sql() -> str:
    age = "extract(year FROM age((r.received_at AT TIME ZONE 'Europe/London')::date, p.birth_date))"
    uppers = (17, 25, 35, 45, 55, 65)
    branches = " ".join(f"WHEN {age} <= {upper} THEN '{band}'" for band, upper in zip(AGE_BANDS, uppers, strict=False))
    return (
        f"CASE WHEN p.birth_date IS NULL THEN '{NOT_STATED}' WHEN {age} < 16 THEN '{UNDER_16}' "
        f"{branches} ELSE '{AGE_BANDS[-1]}' END"
    )


def _rebuild_in_postgresql(say: Callable[[str], None]) -> None:
    counted = ", ".join(f"'{reason}'" for reason in sorted(COUNTED_STOPS))
    deprivation_join, deprivation_value = "", "NULL::smallint"
    with connection.cursor() as cursor:
        # Big sorts in memory; no JIT (it costs seconds compiling these statements).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        if deprivation.is_configured():
            table = deprivation._table(deprivation.lookup_path())
            cursor.execute(
                "CREATE TEMP TABLE reporting_deprivation (code text PRIMARY KEY, decile smallint) ON COMMIT DROP"
            )
            cursor.executemany("INSERT INTO reporting_deprivation VALUES (%s, %s)", list(table.items()))
            compact = "upper(replace(p.postcode, ' ', ''))"
            outward = f"CASE WHEN length({compact}) > 3 THEN left({compact}, length({compact}) - 3) ELSE {compact} END"
            deprivation_join = (
                f"LEFT JOIN reporting_deprivation dfull ON dfull.code = {compact} "
                f"LEFT JOIN reporting_deprivation dout ON dout.code = {outward}"
            )
            deprivation_value = "CASE WHEN p.postcode = '' THEN NULL ELSE COALESCE(dfull.decile, dout.decile) END"
        say("referrals")
        cursor.execute(
            f"""
            INSERT INTO {ReferralFact._meta.db_table} (
                referral_id, person_id, received_at, received_week, locality_id, team_id, service, source, urgency,
                ethnicity, gender, sexual_orientation, disability, age_band, deprivation_decile, status, ended_at,
                previous_discharge_at, outcome_instrument, outcome_start, outcome_end)
            SELECT r.id, r.person_id, r.received_at, {_week("r.received_at")}, COALESCE(r.locality_id, 0),
                   COALESCE(r.team_id, 0), COALESCE(t.kind, ''), r.source, r.urgency, p.ethnicity, p.gender,
                   p.sexual_orientation, p.disability, {_age_band_sql()}, {deprivation_value}, r.status, r.ended_at,
                   (SELECT max(o.ended_at) FILTER (WHERE o.id <> r.id AND o.status = 'discharged'
                                                     AND o.ended_at <= r.received_at)
                     FROM referrals_referral o WHERE o.person_id = r.person_id),
                   COALESCE(pair.instrument, ''), pair.start_score, pair.end_score
            FROM referrals_referral r
            JOIN referrals_person p ON p.id = r.person_id
            LEFT JOIN localities_team t ON t.id = r.team_id
            {deprivation_join}
            LEFT JOIN LATERAL (
                SELECT b.instrument, b.score AS start_score,
                       (SELECT d.score FROM referrals_outcomemeasure d
                         WHERE d.referral_id = r.id AND d.stage = 'discharge' AND d.instrument = b.instrument
                         ORDER BY d.recorded_at DESC, d.id DESC LIMIT 1) AS end_score
                FROM referrals_outcomemeasure b
                WHERE b.referral_id = r.id AND b.stage = 'baseline'
                ORDER BY b.recorded_at, b.id LIMIT 1
            ) pair ON true
            """
        )
        # Fresh statistics, or the planner joins clocks to an "empty" table by nested loop.
        cursor.execute(f"ANALYZE {ReferralFact._meta.db_table}")
        say("clocks")
        cursor.execute(
            f"""
            INSERT INTO {ClockFact._meta.db_table} (
                clock_id, referral_id, kind, is_current, started_at, warn_at, due_at, paused_at, stopped_at,
                stop_reason, stopped_week, stopped_on, wait_seconds, met, locality_id, team_id, service, source, urgency,
                ethnicity, gender, sexual_orientation, disability, age_band, deprivation_decile)
            SELECT c.id, c.referral_id, c.kind, c.is_current, c.started_at, c.warn_at, c.due_at, c.paused_at,
                   c.stopped_at, c.stop_reason,
                   CASE WHEN c.stopped_at IS NOT NULL THEN {_week("c.stopped_at")} END,
                   (c.stopped_at AT TIME ZONE 'Europe/London')::date,
                   CASE WHEN c.stopped_at IS NOT NULL AND c.stop_reason IN ({counted})
                        THEN floor(extract(epoch FROM c.stopped_at - c.started_at))::bigint END,
                   CASE WHEN c.stopped_at IS NOT NULL AND c.stop_reason IN ({counted})
                        THEN c.stopped_at <= c.due_at END,
                   f.locality_id, f.team_id, f.service, f.source, f.urgency, f.ethnicity, f.gender,
                   f.sexual_orientation, f.disability, f.age_band, f.deprivation_decile
            FROM referrals_clock c JOIN {ReferralFact._meta.db_table} f ON f.referral_id = c.referral_id
            WHERE c.kind <> 'intervention'  -- the referral's clocks only, as Clock.objects (internal waits apart)
            """
        )
        say("hand-offs")
        cursor.execute(
            f"""
            INSERT INTO {HandoffFact._meta.db_table} (
                handoff_id, referral_id, at, from_team_id, to_team_id, from_service, to_service, locality_id,
                source, urgency, kept)
            SELECT h.id, h.referral_id, h.at, COALESCE(h.from_team_id, 0), h.to_team_id, COALESCE(ft.kind, ''),
                   tt.kind, f.locality_id, f.source, f.urgency,
                   EXISTS (SELECT 1 FROM referrals_contact c
                           WHERE c.referral_id = h.referral_id AND c.attendance = ANY(%s)
                             AND c.occurred_at >= h.at AND c.occurred_at <= h.at + make_interval(secs => %s))
            FROM referrals_handoff h
            JOIN {ReferralFact._meta.db_table} f ON f.referral_id = h.referral_id
            LEFT JOIN localities_team ft ON ft.id = h.from_team_id
            JOIN localities_team tt ON tt.id = h.to_team_id
            """,
            [sorted(ATTENDED), LOST_AFTER.total_seconds()],
        )
        cursor.execute(f"ANALYZE {HandoffFact._meta.db_table}")
        say("weekly counters")
        dims = "locality_id, team_id, service, source, urgency"
        sums = ", ".join(f"sum({name})" for name in COUNTERS)
        first_counters = ", ".join(f"{int(name == 'received')} AS {name}" for name in COUNTERS)

        def event(at: str, **ones: str) -> str:
            values = ", ".join(ones.get(name, "0") for name in COUNTERS)
            return f"({at}, {values})"

        events = ", ".join(
            [
                event("c.started_at", started="1"),
                event("c.warn_at", warned="1"),
                # Unqualified columns are the clock's (c): the daily rollup's rule, as in Python.
                event("c.due_at", due="1", breached=f"({equality_rollup.BREACHED_SQL})::int"),
                event(
                    "c.stopped_at",
                    stopped="1",
                    counted="(c.wait_seconds IS NOT NULL)::int",
                    met="COALESCE(c.met, false)::int",
                ),
                event(
                    "CASE WHEN c.stopped_at IS NOT NULL THEN GREATEST(c.warn_at, c.stopped_at) END",
                    warned_or_stopped="1",
                ),
                event(
                    "CASE WHEN c.stopped_at IS NOT NULL THEN GREATEST(c.due_at, c.stopped_at) END", due_or_stopped="1"
                ),
            ]
        )
        cursor.execute(
            f"""
            INSERT INTO {WeeklyRollup._meta.db_table} ({", ".join(CELL)}, {", ".join(COUNTERS)})
            SELECT week, kind, {dims}, {sums} FROM (
                SELECT received_week AS week, '{REFERRAL_KIND}' AS kind, {dims}, {first_counters}
                FROM {ReferralFact._meta.db_table}
                UNION ALL
                SELECT {_week("e.at")}, c.kind, c.locality_id, c.team_id, c.service, c.source, c.urgency,
                       e.{", e.".join(COUNTERS)}
                FROM {ClockFact._meta.db_table} c
                CROSS JOIN LATERAL (VALUES {events}) AS e(at, {", ".join(COUNTERS)})
                WHERE e.at IS NOT NULL
            ) contributions
            GROUP BY week, kind, {dims}
            """
        )
        cursor.execute(f"ANALYZE {ClockFact._meta.db_table}, {WeeklyRollup._meta.db_table}")


# --- verifying ----------------------------------------------------------------------------------

_REFERRAL_FIELDS = [f.attname for f in ReferralFact._meta.concrete_fields]
_CLOCK_FIELDS = [f.attname for f in ClockFact._meta.concrete_fields]
_HANDOFF_FIELDS = [f.attname for f in HandoffFact._meta.concrete_fields]


def facts_verify(
    *, limit: int = 20, referral_ids: list[int] | None = None, progress: Callable[[str], None] | None = None
) -> list[str]:
    """Recompute every reporting row, counter and centile with the Python builder and compare
    with what is stored. Returns up to ``limit`` differences in words; [] means exact.

    With ``referral_ids``, only those referrals' rows are checked (not the counters and
    centiles, which need every row)."""
    problems: list[str] = []

    def problem(message: str) -> None:
        if len(problems) < limit:
            problems.append(message)

    weeks = WeekFinder()
    cells: Cells = {}
    ids = (
        sorted(referral_ids)
        if referral_ids is not None
        else list(Referral.objects.order_by("pk").values_list("pk", flat=True))
    )
    for chunk in _chunks(ids, REBUILD_CHUNK):
        referral_facts, clock_facts, handoff_facts = _build(chunk, weeks)
        _count_into(cells, referral_facts, clock_facts, weeks)
        stored_r = {
            row["referral_id"]: row for row in ReferralFact.objects.filter(pk__in=chunk).values(*_REFERRAL_FIELDS)
        }
        stored_c = {
            row["clock_id"]: row for row in ClockFact.objects.filter(referral_id__in=chunk).values(*_CLOCK_FIELDS)
        }
        stored_h = {
            row["handoff_id"]: row for row in HandoffFact.objects.filter(referral_id__in=chunk).values(*_HANDOFF_FIELDS)
        }
        for referral_fact in referral_facts:
            _compare(
                problem,
                "referral",
                referral_fact.referral_id,
                referral_fact,
                stored_r.pop(referral_fact.referral_id, None),
                _REFERRAL_FIELDS,
            )
        for clock_fact in clock_facts:
            _compare(
                problem,
                "clock",
                clock_fact.clock_id,
                clock_fact,
                stored_c.pop(clock_fact.clock_id, None),
                _CLOCK_FIELDS,
            )
        for handoff_fact in handoff_facts:
            _compare(
                problem,
                "hand-off",
                handoff_fact.handoff_id,
                handoff_fact,
                stored_h.pop(handoff_fact.handoff_id, None),
                _HANDOFF_FIELDS,
            )
        for pk in [*stored_r, *stored_c, *stored_h]:
            problem(f"reporting row {pk} has no record behind it")
        if progress:
            progress(f"{chunk[-1]} of {ids[-1]}")
    if referral_ids is not None:
        return problems
    stored_cells = {
        tuple(row[: len(CELL)]): list(row[len(CELL) :]) for row in WeeklyRollup.objects.values_list(*CELL, *COUNTERS)
    }
    for key, row in cells.items():
        if any(row) and stored_cells.pop(key, None) != row:
            problem(f"weekly counters for {key} should be {dict(zip(COUNTERS, row, strict=True))}")
    for key in stored_cells:
        problem(f"weekly counters for {key} should not exist")
    fresh = {(p.week, p.kind, p.dimension, p.value): (p.n, p.p50, p.p90) for p in _percentile_rows(None)}
    for p in WeeklyPercentile.objects.all():
        expected = fresh.pop((p.week, p.kind, p.dimension, p.value), None)
        if expected is None or expected[0] != p.n or not _close(expected[1], p.p50) or not _close(expected[2], p.p90):
            problem(f"weekly centiles for {p} should be {expected}")
    for key in fresh:
        problem(f"weekly centiles for {key} are missing")
    equality_rollup.verify(problem)
    return problems


def _compare(problem, label: str, pk: int, fact, stored: dict | None, fields: list[str]) -> None:
    if stored is None:
        problem(f"{label} {pk} has no reporting row")
        return
    for name in fields:
        expected, found = getattr(fact, name), stored[name]
        if isinstance(expected, Decimal) and found is not None:
            found = Decimal(found)
        if expected != found:
            problem(f"{label} {pk}: {name} is {found!r}, should be {expected!r}")


def _close(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(a)))
