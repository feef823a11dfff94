"""Benchmark the dashboards on a million synthetic referrals in PostgreSQL. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_dashboard.py --referrals 1000000

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_dash_bench``), which it creates, migrates and fills on the first run with
``demo.bulk`` (the demo's service with 24 people holding each team's caseload; people with
equality answers, referrals over two years, clocks, contacts, hand-offs, outcome measures,
allocations and alerts, written with COPY), then builds the reporting tables with
``facts_rebuild``. Later runs reuse both when the count matches (``--rebuild`` starts again,
``--rebuild-facts`` rebuilds only the reporting tables; scripts/bench_support.py).

``demo.bulk`` leaves its teams without an MHSDS team type (it plans clocks by the second-contact
rule, not the referral-spell stop of community team types), so before the first timing the
script codes the service for the measures exactly as scripts/bench_measures.py does
(``code_for_measures``: team types, liaison teams for the emergency departments' referrals, SNOMED
CT codes, hospital stays), then builds the reporting tables again. Without it the national
measures page would count nobody and time nothing real.

It prints:
  (a) each dashboard page for the last 52 weeks across all localities, rendered through
      Django's test client as a superuser, as a service manager and as a locality team's
      manager (who may open records, so the data-quality page lists some): server-side time (median
      of ``--runs``, after a warm-up) and the number of queries; the same with filters set;
      the national page for older months too with ``--national-months 2026-06 2025-12 ...``;
  (b) EXPLAIN (ANALYZE, BUFFERS) of the heaviest query of each page (superuser, 52 weeks);
  (c) the reporting tables staying exact: a few hundred contacts and redirects recorded
      through the services, the catch-up from the audit log timed, and the refreshed rows,
      the weekly counters, the weekly centiles and the equality rollup's days checked
      against the records, and the equality page's figures against a direct computation
      over the clocks; all of it in a transaction that is rolled back, so the next run finds
      the same data.
      ``--verify`` also recomputes every reporting row of the million (minutes).
"""

import argparse
import os
import random
import statistics
import time
from dataclasses import asdict
from datetime import timedelta
from itertools import product

from bench_measures import CODING as MEASURES_CODING
from bench_measures import code_for_measures
from bench_support import bench_open, explain, fmt_seconds, meta, set_meta, vacuum

WORKERS_PER_TEAM = 24  # clinicians and link workers holding each team's caseload

PAGES = [
    ("waits", "/dashboard/", {}),
    ("breaches", "/dashboard/breaches/", {}),
    ("capacity", "/dashboard/capacity/", {}),
    ("equality", "/dashboard/equality/", {}),  # by ethnicity
    ("equality-age", "/dashboard/equality/", {"by": "age_band"}),
    ("flow", "/dashboard/flow/", {}),
    ("internal", "/dashboard/internal-waits/", {}),
    ("rollout", "/dashboard/rollout/", {}),
    ("demand", "/dashboard/demand/", {}),
    ("national", "/dashboard/national/", {}),
    ("quality", "/dashboard/data-quality/", {}),
]


def render(client, url: str, params: dict, runs: int) -> tuple[list[float], int, list[dict], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm-up: connection, caches, the catch-up check
    times, queries, status = [], [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
        status = response.status_code
        queries = captured.captured_queries
    return times, len(queries), queries, status


def stays_exact(changes: int) -> None:
    """Record contacts and redirects through the services, catch up, check, roll back."""
    from django.db import connection, transaction
    from django.db.models import Count, Sum
    from django.utils import timezone

    from accounts.models import User
    from codes.mhsds import FACE_TO_FACE
    from localities.models import Team
    from referrals.models import Clock, Referral
    from referrals.services import contact_record, referral_redirect
    from reporting import equality, equality_rollup
    from reporting.facts import COUNTERS, _percentile_rows, facts_catch_up
    from reporting.filters import Filters
    from reporting.models import ClockFact, DailyEqualityRollup, ReferralFact, WeeklyPercentile, WeeklyRollup
    from reporting.periods import period_for_preset
    from reporting.rebuild import facts_verify

    class Rollback(Exception):
        pass

    rng = random.Random(2026)
    now = timezone.now()
    try:
        with transaction.atomic():
            open_ids = list(
                Clock.objects.filter(is_current=True, stopped_at__isnull=True, kind=Clock.Kind.TREATMENT)
                .order_by("?")
                .values_list("referral_id", flat=True)[: changes + changes // 4]
            )
            by = User.objects.get(username="admin")
            teams = list(Team.objects.all())
            started = time.perf_counter()
            touched = []
            for referral in Referral.objects.filter(pk__in=open_ids[:changes]):
                contact_record(
                    referral=referral,
                    by=by,
                    now=now,
                    occurred_at=max(referral.received_at, now - timedelta(minutes=rng.randint(1, 600))),
                    consultation_mechanism=FACE_TO_FACE,
                    attendance="5",  # attended (MHSDS AttendStatus)
                )
                touched.append(referral.pk)
            for referral in Referral.objects.filter(pk__in=open_ids[changes:]):
                to_team = rng.choice([t for t in teams if t.pk != referral.team_id])
                referral_redirect(
                    referral=referral, by=by, now=now, to_team=to_team, note="Benchmark handover.", person_informed=True
                )
                touched.append(referral.pk)
            recorded = time.perf_counter() - started
            started = time.perf_counter()
            events = facts_catch_up(now=now)
            caught_up = time.perf_counter() - started
            started = time.perf_counter()
            problems = facts_verify(referral_ids=touched)
            # Weekly counters against the rows they count, summed over all of time.
            sums = WeeklyRollup.objects.aggregate(**{name: Sum(name) for name in COUNTERS})
            clocks = ClockFact.objects.aggregate(
                started=Count("pk"),
                stopped=Count("stopped_at"),
                counted=Count("wait_seconds"),
            )
            clocks["met"] = ClockFact.objects.filter(met=True).count()
            clocks["received"] = ReferralFact.objects.count()
            # Every clock has a warning and a due time; every stopped one a later-of-each.
            clocks |= {"warned": clocks["started"], "due": clocks["started"]}
            clocks |= {"warned_or_stopped": clocks["stopped"], "due_or_stopped": clocks["stopped"]}
            for name, value in clocks.items():
                if sums[name] != value:
                    problems.append(f"weekly {name} add up to {sums[name]}, the rows say {value}")
            # Weekly centiles of the weeks touched, against a fresh computation.
            weeks = set(
                ClockFact.objects.filter(referral_id__in=touched, wait_seconds__isnull=False).values_list(
                    "stopped_week", "kind"
                )
            )
            fresh = {(p.week, p.kind, p.dimension, p.value): (p.n, p.p50, p.p90) for p in _percentile_rows(weeks)}
            stored = {
                (p.week, p.kind, p.dimension, p.value): (p.n, p.p50, p.p90)
                for p in WeeklyPercentile.objects.filter(week__in={w for w, _ in weeks})
                if (p.week, p.kind) in weeks
            }
            if fresh != stored:
                problems.append(f"weekly centiles differ in {len(set(fresh.items()) ^ set(stored.items()))} cells")
            # The equality rollup's days these referrals count in, against a fresh computation.
            days = {
                (cell[0], cell[1])
                for cells in equality_rollup.contributions(
                    ReferralFact.objects.filter(pk__in=touched), ClockFact.objects.filter(referral_id__in=touched)
                ).values()
                for cell, *_ in cells
            }
            fresh_days = {(r.day, r.kind, r.dimension, r.value): r for r in equality_rollup.daily_rows(days)}
            # (The monthly combinations are checked below, through the page with two filters.)
            daily = DailyEqualityRollup.objects.exclude(dimension__in=equality_rollup.MONTHLY_DIMENSIONS)
            for r in daily.filter(day__in={d for d, _ in days}):
                if (r.day, r.kind) not in days:
                    continue
                expected = fresh_days.pop((r.day, r.kind, r.dimension, r.value), None)
                # The waits as values: a row written before 4-byte packing holds 8 bytes a wait.
                waits = equality_rollup.unpack(r.waits, r.completed)
                stored = (r.received, r.re_referred, r.due, r.breached, r.completed, r.met, waits)
                if expected is None or stored != (
                    expected.received,
                    expected.re_referred,
                    expected.due,
                    expected.breached,
                    expected.completed,
                    expected.met,
                    equality_rollup.unpack(expected.waits, expected.completed),
                ):
                    problems.append(f"equality rollup {r} differs from the reporting rows")
            problems += [f"equality rollup {key} is missing" for key in fresh_days]
            # The equality page's figures (from the rollup) against a direct computation.
            period = period_for_preset("52w", today=timezone.localdate(now))
            one_locality = Filters(locality_id=Team.objects.exclude(locality=None).first().locality_id)
            two = Filters(source="gp", urgency="routine")
            for by, filters in product(
                ("ethnicity", "locality_id"), (Filters(), one_locality, Filters(source="gp"), two)
            ):
                found = []
                for source in (equality._from_months if filters == two else equality._from_rollup, equality._live):
                    rows = {}

                    def row_for(value, rows=rows):
                        return rows.setdefault(str(value), equality.GroupRow(value=str(value), label=""))

                    source(row_for=row_for, column=by, period=period, filters=filters, now=now)
                    found.append({key: asdict(r) for key, r in rows.items()})
                if found[0] != found[1]:
                    problems.append(f"the equality page by {by} ({filters}) differs from a direct computation")
            checked = time.perf_counter() - started
            print(f"  changes recorded through the services   {len(touched):>8,}  in {fmt_seconds(recorded)}")
            print(f"  facts_catch_up (audit events read)      {events:>8,}  in {fmt_seconds(caught_up)}")
            print(
                f"  refreshed rows, counters, centiles      {'exact' if not problems else 'DIFFERENT':>8}  "
                f"(checked in {fmt_seconds(checked)}; {len(weeks)} week-and-clock centile sets, "
                f"{len(days)} equality rollup days; equality page by ethnicity and locality, across the service, for one locality, for one source and for "
                f"routine referrals from GPs = direct computation)"
            )
            for problem in problems[:10]:
                print(f"    {problem}")
            raise Rollback
    except Rollback:
        pass
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--database", default="caseload_dash_bench", help="Bench database (name must contain 'bench').")
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and load it again.")
    parser.add_argument("--rebuild-facts", action="store_true", help="Rebuild the reporting tables only.")
    parser.add_argument("--runs", type=int, default=5, help="Timed renders per page (median reported).")
    parser.add_argument(
        "--changes", type=int, default=400, help="Contacts recorded for (c); a quarter as many redirects."
    )
    parser.add_argument("--verify", action="store_true", help="Also recompute every reporting row (slow).")
    parser.add_argument("--pages", nargs="*", help=f"Only these pages (of {', '.join(p[0] for p in PAGES)}).")
    parser.add_argument("--skip-exact", action="store_true", help="Skip (c), the reporting tables staying exact.")
    parser.add_argument(
        "--national-months", nargs="*", default=[], help="Also render the national page for these months (YYYY-MM)."
    )
    args = parser.parse_args()

    bench = bench_open(
        database=args.database,
        rebuild=args.rebuild,
        referrals=args.referrals,
        holders_per_team=WORKERS_PER_TEAM,
        care_plans=True,  # as scripts/bench_measures.py loads them: care plans stop spells' clocks
    )
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Role, User
    from localities.models import Locality, Team
    from referrals.models import Referral
    from reporting.models import (
        ClockFact,
        DailyEqualityRollup,
        HandoffFact,
        ReportingState,
        WeeklyPercentile,
        WeeklyRollup,
    )
    from reporting.rebuild import facts_rebuild, facts_verify

    settings.ALLOWED_HOSTS = ["*"]
    load_seconds, facts_seconds = bench.load_seconds, None
    coded = False
    if meta().get("measures_coding") != MEASURES_CODING:
        print("Coding the bulk service for the measures (scripts/bench_measures.py)...", flush=True)
        for what, rows in code_for_measures().items():
            print(f"  {what:<40} {rows:>10,}", flush=True)
        set_meta(measures_coding=MEASURES_CODING)
        coded = True
    state = ReportingState.objects.filter(pk=1).first()
    if coded or args.rebuild_facts or state is None or state.rebuilt_at is None:
        print("Building the reporting tables (facts_rebuild)...", flush=True)
        started = time.monotonic()
        facts_rebuild(now=timezone.now(), progress=lambda step: print(f"  {step}...", flush=True))
        facts_seconds = time.monotonic() - started
        vacuum()

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
        sizes = {}
        for model in (ClockFact, HandoffFact, WeeklyRollup, WeeklyPercentile, DailyEqualityRollup):
            cur.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [model._meta.db_table])
            sizes[model.__name__] = cur.fetchone()[0]
    load = os.getloadavg()
    print()
    print(
        f"Dashboard benchmark: {version}, {os.cpu_count()} CPU cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(f"  referrals                  {Referral.objects.count():>12,}")
    print(f"  clocks (ClockFact rows)    {ClockFact.objects.count():>12,}  ({sizes['ClockFact']} with indexes)")
    print(f"  hand-offs (HandoffFact)    {HandoffFact.objects.count():>12,}  ({sizes['HandoffFact']} with indexes)")
    print(f"  weekly counter cells       {WeeklyRollup.objects.count():>12,}  ({sizes['WeeklyRollup']})")
    print(f"  weekly centile cells       {WeeklyPercentile.objects.count():>12,}  ({sizes['WeeklyPercentile']})")
    print(f"  equality rollup rows       {DailyEqualityRollup.objects.count():>12,}  ({sizes['DailyEqualityRollup']})")
    if load_seconds is not None:
        print(f"  bulk load                  {fmt_seconds(load_seconds):>12}")
    if facts_seconds is not None:
        print(f"  facts_rebuild              {fmt_seconds(facts_seconds):>12}")

    print()
    print(f"(a) Each page for the last 52 weeks, all localities: median of {args.runs} renders (min-max), queries")
    locality = Locality.objects.order_by("name").first()
    team = Team.objects.filter(locality=locality).order_by("name").first()
    manager = (
        User.objects.filter(role=Role.TEAM_MANAGER, is_active=True, memberships__team__kind="locality")
        .order_by("pk")
        .first()
    )
    views = [
        ("superuser", User.objects.get(username="admin"), {"period": "52w"}),
        ("service manager", User.objects.filter(role=Role.SERVICE_MANAGER).order_by("pk").first(), {"period": "52w"}),
        # Someone who may open records: the pages that list them (data quality's) list this manager's.
        ("team manager", manager, {"period": "52w"}),
        ("superuser, 1 locality", User.objects.get(username="admin"), {"period": "52w", "locality": locality.pk}),
        ("superuser, 1 team", User.objects.get(username="admin"), {"period": "52w", "team": team.pk}),
        # One of the filters a page reads from the rollup's groups within it (the most referrals of any value).
        ("superuser, 1 source", User.objects.get(username="admin"), {"period": "52w", "source": "gp"}),
        ("superuser, 1 urgency", User.objects.get(username="admin"), {"period": "52w", "urgency": "routine"}),
        ("superuser, 1 service", User.objects.get(username="admin"), {"period": "52w", "service": "locality"}),
        (
            "superuser, 2 filters",
            User.objects.get(username="admin"),
            {"period": "52w", "urgency": "routine", "source": "gp"},
        ),
    ]
    heaviest = {}
    for label, user, params in views:
        client = Client()
        client.force_login(user)
        for name, url, extra in PAGES:
            if args.pages and name not in args.pages:
                continue
            if label.startswith("superuser, ") and name not in ("waits", "breaches", "equality"):
                continue
            times, count, queries, status = render(client, url, {**params, **extra}, args.runs)
            print(
                f"    {name:<12} {label:<22} {fmt_seconds(statistics.median(times)):>10} "
                f"({fmt_seconds(min(times))}-{fmt_seconds(max(times))})  {count:>3} queries  HTTP {status}",
                flush=True,
            )
            if label == "superuser":
                heaviest[name] = max(queries, key=lambda q: float(q["time"]))
    if args.national_months:
        # Older months read further back: every community referral open in them, however long ago.
        client = Client()
        client.force_login(User.objects.get(username="admin"))
        for month in args.national_months:
            times, count, _, status = render(client, "/dashboard/national/", {"month": month}, args.runs)
            print(
                f"    {'national':<12} {'superuser, ' + month:<22} {fmt_seconds(statistics.median(times)):>10} "
                f"({fmt_seconds(min(times))}-{fmt_seconds(max(times))})  {count:>3} queries  HTTP {status}",
                flush=True,
            )
    print()
    print("(b) EXPLAIN (ANALYZE, BUFFERS) of each page's heaviest query (superuser, 52 weeks):")
    for name, query in heaviest.items():
        print()
        print(f"  {name}: {float(query['time']) * 1000:.0f} ms when the page ran it")
        print(f"    {query['sql'][:600]}{'...' if len(query['sql']) > 600 else ''}")
        for line in explain(query["sql"], settings=("jit = off", "work_mem = '128MB'")):
            print(f"    {line}")

    print()
    if args.skip_exact:
        return
    print("(c) The reporting tables stay exact while the records change (then rolled back):")
    stays_exact(args.changes)
    if args.verify:
        started = time.monotonic()
        problems = facts_verify()
        verdict = "exact" if not problems else f"{len(problems)} differences"
        print(f"  facts_verify over every referral         {verdict:>8}  in {fmt_seconds(time.monotonic() - started)}")
        for problem in problems:
            print(f"    {problem}")


if __name__ == "__main__":
    main()
