"""Benchmark the clock sweep on a large synthetic caseload in PostgreSQL. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_sweep.py --referrals 1000000

DATABASE_URL names the server; the script works in its own database on it
(``--database``, default ``caseload_bench``), which it creates and migrates, and
never touches the development or test databases. The first run bulk-loads the
referrals, people and clocks with ``INSERT ... SELECT generate_series`` (minutes);
later runs reuse them when the count matches (``--rebuild`` starts again).

It prints:
  (a) one whole sweep (``clocks_sweep``) when no clock is due: median of several runs;
  (b) EXPLAIN (ANALYZE, BUFFERS) of the sweep's claim query (the SELECT ... FOR UPDATE
      SKIP LOCKED over next_check_at), captured from a real sweep;
  (c) one whole sweep when 1% of the clocks are due: those clocks are rewound as if the
      sweep had not run since they crossed their thresholds (next_alert_step 0,
      next_check_at = warn_at, in the past), the sweep raises their alerts, and the
      clocks and alerts are put back afterwards so the next run finds the same data.

The data are consistent with the model's constraints and with a sweep that has kept
up: every running clock's next_check_at is its next threshold after the benchmark's
"now" (stored in the bench database so later runs use the same instant), or NULL
once its ladder is done; stopped clocks are never checked. Synthetic only: NHS
numbers come from the 999 range with a valid check digit (NULL past a million).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

SPAN_DAYS = 730  # referrals received over two years
OPEN_DAYS = 120  # referrals younger than this are still open


def u(salt: int) -> str:
    """SQL for a uniform draw in [0, 1) fixed by the row number g and a salt: reproducible, no random()."""
    return f"((hashint8(g::bigint * 64 + {salt}) & 2147483647)::float8 / 2147483648)"


PLAN_SQL = f"""
CREATE UNLOGGED TABLE bench_plan AS
WITH a AS (
    SELECT g,
           %(now)s::timestamptz - make_interval(secs => (g - 1)::float8 * %(span)s / %(n)s + {u(1)} * 3600) AS received_at,
           CASE WHEN {u(2)} < 0.02 THEN 'emergency' WHEN {u(2)} < 0.07 THEN 'very_urgent'
                WHEN {u(2)} < 0.22 THEN 'urgent' ELSE 'routine' END AS urgency,
           (ARRAY['gp', 'gp', 'gp', 'gp', 'gp', 'self', 'self', 'mental_health_line', 'vcse', 'emergency_department',
                  'social_care', 'talking_therapies', 'police', 'other'])[1 + floor({u(3)} * 14)::int] AS source,
           {u(4)} AS u_fr, {u(5)} AS u_fr2, {u(6)} AS u_tr, {u(7)} AS u_wait, {u(8)} AS u_closed, {u(9)} AS u_alloc
    FROM generate_series(1, %(n)s) AS g
), b AS (
    SELECT a.*, %(now)s::timestamptz - a.received_at AS age,
           rt.target AS fr_target, rt.escalation_after AS fr_esc1, rt.second_escalation_after AS fr_esc2,
           CASE WHEN u_fr < 0.9 THEN rt.target * (0.2 + 0.75 * u_fr2) ELSE rt.target * (1.05 + 2 * u_fr2) END
               AS fr_delay,
           make_interval(secs => 86400 * (10 + 35 * u_tr * u_tr)) AS tr_delay
    FROM a JOIN referrals_responsetarget rt ON rt.urgency = a.urgency AND rt.policy_id = %(policy)s
), c AS (
    SELECT b.*, age >= %(open)s AS ended, age >= %(open)s AND u_closed < 0.15 AS closed FROM b
), d AS (
    SELECT c.*,
           CASE WHEN closed THEN received_at + make_interval(secs => 86400 * (14 + 7 * u_fr2))
                WHEN ended THEN LEAST(received_at + tr_delay + make_interval(secs => 86400 * (30 + 60 * u_alloc)),
                                      %(now)s::timestamptz - interval '1 hour')
           END AS ended_at
    FROM c
), e AS (
    SELECT d.*,
           CASE WHEN closed THEN ended_at
                WHEN received_at + fr_delay <= %(now)s::timestamptz THEN received_at + fr_delay END AS fr_stop,
           CASE WHEN closed THEN ended_at
                WHEN ended THEN received_at + tr_delay
                WHEN u_wait < 0.3 THEN NULL
                WHEN received_at + tr_delay <= %(now)s::timestamptz THEN received_at + tr_delay END AS tr_stop
    FROM d
)
SELECT e.*,
       CASE WHEN closed THEN 'closed' WHEN ended THEN 'discharged' WHEN tr_stop IS NOT NULL THEN 'in_treatment'
            WHEN fr_stop IS NOT NULL AND u_alloc < 0.6 THEN 'allocated'
            WHEN fr_stop IS NOT NULL THEN 'assessed' ELSE 'triaged' END AS status
FROM e
"""

PERSON_SQL = f"""
INSERT INTO referrals_person (id, nhs_number, given_name, family_name, birth_date, postcode, gp_practice_id,
                              ethnicity, gender, sexual_orientation, disability, created_at)
SELECT g,
       CASE WHEN g > 1000000 OR 11 - tot %% 11 = 10 THEN NULL
            WHEN 11 - tot %% 11 = 11 THEN stem || '0' ELSE stem || (11 - tot %% 11)::text END,
       'Synthetic', 'Person ' || g, date '1940-01-01' + floor({u(10)} * 25000)::int,
       'BS' || (1 + g %% 49) || ' 9ZZ', NULL,
       (ARRAY['A', 'A', 'A', 'A', 'A', 'A', 'B', 'C', 'D', 'H', 'J', 'M', 'N', 'S', 'Z', 'Z'])[1 + floor({u(11)} * 16)::int],
       (ARRAY['female', 'female', 'female', 'male', 'male', 'non_binary', 'not_stated'])[1 + floor({u(12)} * 7)::int],
       (ARRAY['heterosexual', 'heterosexual', 'heterosexual', 'bisexual', 'gay_lesbian', 'not_stated'])
           [1 + floor({u(13)} * 6)::int],
       (ARRAY['yes', 'no', 'no', 'not_stated'])[1 + floor({u(14)} * 4)::int],
       received_at
FROM (
    SELECT p.g, p.received_at, s.stem,
           (SELECT sum(substr(s.stem, i, 1)::int * (11 - i)) FROM generate_series(1, 9) AS i) AS tot
    FROM bench_plan p CROSS JOIN LATERAL (SELECT (999000000 + least(p.g, 1000000) - 1)::text AS stem) s
) numbered
"""

REFERRAL_SQL = """
INSERT INTO referrals_referral (id, reference, person_id, source, received_at, urgency, presenting_need, locality_id,
                                team_id, routing_reason, thrive_grouping, triage_next_step, status, status_changed_at,
                                allocated_to_id, treatment_started_at, ended_at, closure_reason, discharge_note,
                                discharge_reason, return_route, created_at, created_by_id, idempotency_key,
                                idempotency_fingerprint)
SELECT g, 'RF-' || lpad((g / 100000)::text, 5, '0') || '-' || lpad((g %% 100000)::text, 5, '0'), g, source,
       received_at, urgency, 'Synthetic benchmark referral.', %(locality)s, %(team)s, 'benchmark',
       CASE WHEN urgency IN ('emergency', 'very_urgent') THEN 'getting_risk_support' ELSE 'getting_help' END,
       'Brief intervention with a link worker.', status, COALESCE(ended_at, tr_stop, fr_stop, received_at),
       CASE WHEN status IN ('allocated', 'in_treatment', 'discharged') THEN %(user)s END,
       CASE WHEN status IN ('in_treatment', 'discharged') THEN tr_stop END,
       ended_at, CASE WHEN closed THEN 'no_contact' ELSE '' END,
       CASE WHEN ended AND NOT closed THEN 'Back to self-care.' ELSE '' END,
       CASE WHEN ended AND NOT closed THEN 'goals_met' ELSE '' END,
       CASE WHEN ended AND NOT closed THEN 'Through the GP or the 24/7 line.' ELSE '' END,
       received_at, %(user)s, NULL, ''
FROM bench_plan
"""

CLOCK_SQL = """
INSERT INTO referrals_clock (id, referral_id, kind, is_current, stop_rule, started_at, target, warn_at, due_at,
                             escalation_at, second_escalation_at, paused_at, stopped_at, stopped_by_id, stop_reason,
                             next_alert_step, next_check_at)
SELECT id, g, kind, true, rule, started_at, target, warn_at, due_at, escalation_at, second_escalation_at, NULL, stop,
       NULL, reason, step,
       CASE WHEN stop IS NOT NULL THEN NULL WHEN step = 0 THEN warn_at WHEN step = 1 THEN due_at
            WHEN step = 2 THEN escalation_at WHEN step = 3 THEN second_escalation_at END
FROM (
    SELECT t.*,
           (warn_at <= ref)::int + (due_at <= ref)::int + (escalation_at <= ref)::int
               + (second_escalation_at <= ref)::int AS step
    FROM (
        SELECT k.*, p.g, p.received_at AS started_at,
               p.received_at + k.target * %(warn)s::float8 AS warn_at,
               p.received_at + k.target AS due_at,
               p.received_at + k.target + k.esc1 AS escalation_at,
               p.received_at + k.target + k.esc2 AS second_escalation_at,
               COALESCE(k.stop, %(now)s::timestamptz) AS ref
        FROM bench_plan p CROSS JOIN LATERAL (VALUES
            (2 * p.g - 1, 'first_response', '', p.fr_target, p.fr_esc1, p.fr_esc2, p.fr_stop,
             CASE WHEN p.fr_stop IS NULL THEN '' WHEN p.closed THEN 'referral_ended'
                  ELSE 'first_completed_contact' END),
            (2 * p.g, 'treatment', %(rule)s, %(tr_target)s::interval, %(tr_esc1)s::interval, %(tr_esc2)s::interval,
             p.tr_stop,
             CASE WHEN p.tr_stop IS NULL THEN '' WHEN p.closed THEN 'referral_ended'
                  ELSE 'second_completed_contact' END)
        ) AS k(id, kind, rule, target, esc1, esc2, stop, reason)
    ) t
) s
"""

# Insert column lists above, per table: a new NOT NULL column in a migration must be added here too.
KNOWN_COLUMNS = {
    "referrals_person": PERSON_SQL,
    "referrals_referral": REFERRAL_SQL,
    "referrals_clock": CLOCK_SQL,
}


# --- database plumbing ---------------------------------------------------------------


def server_and_bench_url(database: str) -> tuple[dict, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"bench_sweep.py needs PostgreSQL: DATABASE_URL is {parsed.scheme}://...")
    server = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": parsed.password,
        "dbname": "postgres",
    }
    return server, parsed._replace(path=f"/{database}").geturl()


def ensure_database(server: dict, database: str, *, rebuild: bool) -> bool:
    """Create the bench database (dropping it first on rebuild). Returns True if it was created."""
    if "bench" not in database:
        sys.exit(f"Refusing to use {database!r}: the benchmark database's name must contain 'bench'.")
    conn = psycopg2.connect(**server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        exists = cur.fetchone() is not None
        if exists and rebuild:
            cur.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{database}"')
    conn.close()
    return not exists


def fmt_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


# --- building the data -------------------------------------------------------------------


def bench_meta() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute("SELECT key, value FROM bench_meta")
        return dict(cur.fetchall())


def check_columns() -> None:
    """Fail clearly if a migration added a column the raw INSERTs do not fill."""
    from referrals.models import Clock, Person, Referral

    for model in (Person, Referral, Clock):
        sql = KNOWN_COLUMNS[model._meta.db_table]
        insert_list = sql.split("(", 1)[1].split(")", 1)[0]
        known = {name.strip() for name in insert_list.split(",")}
        missing = {f.column for f in model._meta.concrete_fields} - known
        if missing:
            sys.exit(
                f"scripts/bench_sweep.py: {model._meta.db_table} has new columns {sorted(missing)}; add them to its INSERT."
            )


def build(n: int, now: datetime) -> float:
    from django.db import connection, transaction

    from accounts.models import Role, User
    from localities.models import Locality, Organisation, Team
    from referrals.models import ClockPolicy

    check_columns()
    started = time.monotonic()
    with transaction.atomic():
        trust = Organisation.objects.create(name="Benchmark Partnership NHS Trust", kind=Organisation.Kind.NHS_TRUST)
        locality = Locality.objects.create(name="Benchmark locality", code="bench")
        team = Team.objects.create(name="Benchmark IPCT", organisation=trust, locality=locality)
        locality.intake_team = team
        locality.save(update_fields=["intake_team"])
        user = User.objects.create(
            username="bench", role=Role.LINK_WORKER, organisation=trust, email="bench@bench.invalid", date_joined=now
        )
        user.memberships.create(team=team)
    policy = ClockPolicy.objects.get(is_default=True)
    params = {
        "now": now,
        "n": n,
        "span": SPAN_DAYS * 86400.0,
        "open": f"{OPEN_DAYS} days",
        "policy": policy.pk,
        "locality": locality.pk,
        "team": team.pk,
        "user": user.pk,
        "warn": float(policy.warning_fraction),
        "rule": policy.treatment_stop_rule,
        "tr_target": policy.treatment_target,
        "tr_esc1": policy.treatment_escalation_after,
        "tr_esc2": policy.treatment_second_escalation_after,
    }
    steps = [
        ("plan", "DROP TABLE IF EXISTS bench_plan"),
        ("plan", PLAN_SQL),
        ("people", PERSON_SQL),
        ("referrals", REFERRAL_SQL),
        ("clocks", CLOCK_SQL),
        ("plan", "DROP TABLE bench_plan"),
    ]
    with connection.cursor() as cur:
        for label, sql in steps:
            step_started = time.monotonic()
            with transaction.atomic():
                cur.execute(sql, params)
            if cur.rowcount and cur.rowcount > 0:
                print(
                    f"  {label:<10} {cur.rowcount:>10,} rows  {fmt_seconds(time.monotonic() - step_started)}",
                    flush=True,
                )
        for table in ("referrals_person", "referrals_referral", "referrals_clock"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        step_started = time.monotonic()
        cur.execute("VACUUM (ANALYZE) referrals_person, referrals_referral, referrals_clock")
        print(f"  {'vacuum':<10} {'':>10}       {fmt_seconds(time.monotonic() - step_started)}", flush=True)
        cur.execute("DELETE FROM bench_meta")
        cur.execute(
            "INSERT INTO bench_meta (key, value) VALUES ('referrals', %s), ('now', %s)", [str(n), now.isoformat()]
        )
    return time.monotonic() - started


# --- measuring ------------------------------------------------------------------------------


def restore_rewound() -> None:
    """Put back clocks rewound by an earlier (c), even one that crashed, and remove its alerts.

    Then vacuum, as autovacuum would soon after a busy sweep: the dead index entries
    the updates leave behind would otherwise slow the next idle sweep's index scan.
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_rewound') IS NOT NULL")
        if cur.fetchone()[0]:
            cur.execute("DELETE FROM referrals_alert WHERE clock_id IN (SELECT id FROM bench_rewound)")
            cur.execute(
                "UPDATE referrals_clock c SET next_alert_step = r.next_alert_step, next_check_at = r.next_check_at "
                "FROM bench_rewound r WHERE c.id = r.id"
            )
            cur.execute("DROP TABLE bench_rewound")
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) referrals_clock, referrals_alert")


def rewind(count: int, now: datetime) -> int:
    """Make ``count`` running clocks due again, as if the sweep had not run since they passed their warning."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            CREATE TABLE bench_rewound AS
            SELECT id, next_alert_step, next_check_at FROM referrals_clock
            WHERE stopped_at IS NULL AND paused_at IS NULL AND is_current AND warn_at <= %s
            ORDER BY hashint8(id) LIMIT %s
            """,
            [now, count],
        )
        cur.execute(
            "UPDATE referrals_clock c SET next_alert_step = 0, next_check_at = c.warn_at "
            "FROM bench_rewound r WHERE c.id = r.id"
        )
        return cur.rowcount


def claim_query(now: datetime) -> tuple[str, list]:
    """The SQL of the sweep's claim, captured from a real sweep step (then rolled back)."""
    from django.db import connection, transaction

    from referrals.services.alerts import clocks_sweep_step

    captured: list[tuple[str, list]] = []

    def capture(execute, sql, params, many, context):
        if "SKIP LOCKED" in sql and not captured:
            captured.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.execute_wrapper(capture):
            clocks_sweep_step(now=now)
            raise Rollback
    except Rollback:
        pass
    if not captured:
        sys.exit("Could not capture the sweep's claim query (no SELECT ... SKIP LOCKED was run).")
    return captured[0]


def explain(sql: str, params: list) -> list[str]:
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    lines: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cur:  # EXPLAIN ANALYZE really takes the row locks
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cur.fetchall()]
            raise Rollback
    except Rollback:
        pass
    return lines


def time_sweep(now: datetime) -> tuple[float, dict[str, int]]:
    from referrals.services.alerts import clocks_sweep

    started = time.perf_counter()
    result = clocks_sweep(now=now, on_alert=None)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--database", default="caseload_bench", help="Bench database name (must contain 'bench').")
    parser.add_argument("--rebuild", action="store_true", help="Drop and rebuild the bench database.")
    parser.add_argument("--runs", type=int, default=15, help="Sweeps to time when nothing is due (median).")
    parser.add_argument("--due-runs", type=int, default=3, help="Sweeps to time with 1%% of clocks due (median).")
    parser.add_argument("--due-fraction", type=float, default=0.01, help="Share of all clocks made due for (c).")
    args = parser.parse_args()
    if args.runs < 1 or args.due_runs < 1 or not 0 < args.due_fraction < 1:
        parser.error("--runs and --due-runs must be at least 1, and --due-fraction between 0 and 1.")

    server, bench_url = server_and_bench_url(args.database)
    created = ensure_database(server, args.database, rebuild=args.rebuild)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.models import Count
    from django.utils import timezone

    from referrals.models import Alert, Clock, Referral

    print(
        f"Benchmark database: {args.database} on {server['host']}:{server['port']}{' (new)' if created else ''}",
        flush=True,
    )
    reason, meta = "", {}
    try:
        call_command("migrate", verbosity=0)
        meta = bench_meta()
        if meta.get("referrals") != str(args.referrals):
            reason = f"it holds {meta.get('referrals', 'no')} benchmark referrals, not {args.referrals:,}"
    except DatabaseError as exc:
        # The data were made for an older schema (e.g. a new constraint they do not meet).
        reason = f"migrating it failed ({type(exc).__name__}: {str(exc).strip().splitlines()[0]})"
    if reason and not created:
        print(f"Rebuilding the benchmark database: {reason}.", flush=True)
        connection.close()
        ensure_database(server, args.database, rebuild=True)
        call_command("migrate", verbosity=0)
        meta = bench_meta()
    build_seconds = None
    if meta.get("referrals") != str(args.referrals):
        print(f"Loading {args.referrals:,} referrals, their people and {2 * args.referrals:,} clocks...", flush=True)
        build_seconds = build(args.referrals, timezone.now())
        meta = bench_meta()
    now = datetime.fromisoformat(meta["now"])
    restore_rewound()

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
        cur.execute("SELECT pg_size_pretty(pg_relation_size('clock_next_check_idx'))")
        index_size = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('referrals_clock'))")
        clock_table_size = cur.fetchone()[0]
    referrals = Referral.objects.count()
    clocks = Clock.objects.count()
    indexed = Clock.objects.filter(next_check_at__isnull=False).count()
    running = Clock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True).count()
    already_due = Clock.objects.filter(next_check_at__lte=now).count()
    if already_due:
        sys.exit(f"{already_due} clocks are already due at the benchmark's now; rebuild with --rebuild.")

    # (a) nothing due: one warm-up, then the median of --runs sweeps.
    time_sweep(now)
    idle = [time_sweep(now)[0] for _ in range(args.runs)]
    idle_sql, idle_params = claim_query(now)
    idle_plan = explain(idle_sql, idle_params)

    # (c) 1% due, rewound and restored around each timed sweep.
    due_target = int(clocks * args.due_fraction)
    due_runs = []
    due_plan: list[str] = []
    for run in range(args.due_runs):
        made_due = rewind(due_target, now)
        if run == 0:
            due_plan = explain(*claim_query(now))
        seconds, result = time_sweep(now)
        alerts = Alert.objects.filter(created_at=now).count()
        levels = dict(
            Alert.objects.filter(created_at=now).values_list("level").annotate(n=Count("id")).values_list("level", "n")
        )
        due_runs.append((seconds, made_due, result["clocks"], alerts, levels))
        restore_rewound()
    due_runs.sort(key=lambda row: row[0])
    seconds, made_due, handled, alerts, levels = due_runs[len(due_runs) // 2]

    cores = os.cpu_count()
    print()
    print(f"Clock sweep benchmark: {version}, {cores} CPU cores, database {args.database}")
    print(f"  benchmark 'now'                         {now:%Y-%m-%d %H:%M:%S %Z}")
    print(f"  referrals                               {referrals:>12,}")
    print(f"  clocks                                  {clocks:>12,}  ({clock_table_size} with indexes)")
    print(f"  clocks running                          {running:>12,}")
    print(f"  clocks in clock_next_check_idx          {indexed:>12,}  ({index_size}; next threshold still ahead)")
    if build_seconds is not None:
        print(f"  bulk load (people, referrals, clocks)   {fmt_seconds(build_seconds):>12}")
    print()
    print(
        f"(a) one sweep, no clock due               median {fmt_seconds(statistics.median(idle))} "
        f"(min {fmt_seconds(min(idle))}, max {fmt_seconds(max(idle))}, {len(idle)} runs)"
    )
    print(
        f"(c) one sweep, {made_due:,} clocks due ({args.due_fraction:.0%})  "
        f"median {fmt_seconds(seconds)} of {len(due_runs)} runs "
        f"(min {fmt_seconds(due_runs[0][0])}, max {fmt_seconds(due_runs[-1][0])})"
    )
    print(f"    clocks handled                        {handled:>12,}  ({handled / seconds:,.0f} clocks/s)")
    print(f"    alerts created                        {alerts:>12,}  ({alerts / seconds:,.0f} alerts/s)")
    print(f"    by level                              {', '.join(f'{k} {v:,}' for k, v in sorted(levels.items()))}")
    print()
    print("(b) EXPLAIN (ANALYZE, BUFFERS) of the sweep's claim query, nothing due:")
    print(f"    {idle_sql % tuple(repr(str(p)) for p in idle_params)}")
    for line in idle_plan:
        print(f"    {line}")
    print()
    print(f"(b) the same claim with {made_due:,} clocks due (first batch of the sweep):")
    for line in due_plan:
        print(f"    {line}")
    uses_index = all(
        any("Index Scan using clock_next_check_idx" in line for line in plan) for plan in (idle_plan, due_plan)
    )
    print()
    print("Index Scan on clock_next_check_idx: " + ("yes" if uses_index else "NO: the sweep is not using its index"))


if __name__ == "__main__":
    main()
