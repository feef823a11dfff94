"""Benchmark the clock sweep on a large synthetic caseload in PostgreSQL. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_sweep.py --referrals 1000000

DATABASE_URL names the server; the script works in its own database on it
(``--database``, default ``caseload_bench``), which it creates and migrates, and
never touches the development or test databases. The first run fills it with
``demo.bulk`` (the demo's service, its referrals, people, clocks and contacts, written
with COPY: minutes for a million); later runs reuse them while the count matches
(``--rebuild`` starts again; scripts/bench_support.py).

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
once its ladder is done; stopped clocks are never checked. They are made without
alerts, so that (c) counts the alerts the sweep raises. Synthetic only.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime

from bench_support import bench_open, explain, fmt_seconds

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


def time_sweep(now: datetime) -> tuple[float, dict[str, int]]:
    from referrals.services.alerts import clocks_sweep

    started = time.perf_counter()
    result = clocks_sweep(now=now)
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

    # Without alerts: (c) counts the ones the sweep raises.
    bench = bench_open(database=args.database, rebuild=args.rebuild, referrals=args.referrals, alerts=False)
    from django.db import connection
    from django.db.models import Count

    from referrals.models import Alert, Clock, Referral

    now, build_seconds = bench.now, bench.load_seconds
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
