"""Lower bound for the main pages: the application's time for a request against the same SQL
replayed straight through psycopg2, and where the rest goes (cProfile). Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_pages.py --referrals 1000000 --runs 21

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_load_bench``, the load test's: scripts/bench_load/run.py), built by
``demo.bulk`` and reused while it holds the same data (scripts/bench_support.py).

For each page (My caseload, the person page, triage, team caseload, the API list), signed in as
a real user of that database with DEBUG off, through Django's test client (the whole middleware
stack, session, two-factor check, context processors, templates): a warm-up, then ``--runs``
requests, reporting the median wall time. Every query of the last run is captured with its
parameters (``connection.execute_wrapper``) and replayed ``--runs`` times on a separate psycopg2
connection, in a transaction rolled back after each replay (the read audit's INSERT leaves
nothing behind); the median of those replays is the SQL's own time, fetching every row as the
app does. The ratio app / SQL is what the issue's target (at most 2) is about. "SQL built" is the
median time the ORM spends writing a request's SQL (``SQLCompiler.as_sql``), timed in ``--runs``
more requests. "CPU" is the process's CPU time per timed request (PostgreSQL's work is not in it)
and "GC" the part of the wall time spent in Python's cyclic garbage collector (``gc.callbacks``).
The process starts as a web worker does (``import config.wsgi``: pages' code imported, templates
compiled, start-up's objects frozen out of the collector's way); ``--no-freeze`` undoes the
freeze, to compare. Then one request under cProfile, and its top costs by own time and by cumulative
time in project code.
See docs/performance.md.
"""

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import sys
import time

from bench_support import PROJECT_ROOT, QueryTimer, as_a_web_worker, fmt_seconds, load_test_open


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument(
        "--database", default="caseload_load_bench", help="Its own database; the name must contain 'bench'."
    )
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and load it again.")
    parser.add_argument(
        "--runs", type=int, default=21, help="Timed requests (and SQL replays) per page; medians reported."
    )
    parser.add_argument("--top", type=int, default=8, help="Lines of the profile shown per page.")
    parser.add_argument(
        "--no-freeze", action="store_true", help="Unfreeze start-up's objects (as before config.wsgi froze them)."
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1.")
    return args


def replay(dsn: dict, queries: list[tuple[float, str, list]], runs: int) -> float:
    """Median seconds to run the queries in order, fetching all rows, on a plain psycopg2 connection."""
    import psycopg2
    import psycopg2.extras

    psycopg2.extras.register_uuid()
    conn = psycopg2.connect(**dsn)
    times = []
    try:
        for _ in range(runs + 1):  # the first is a warm-up
            started = time.perf_counter()
            with conn.cursor() as cur:
                for _, sql, params in queries:
                    cur.execute(sql, params or None)
                    if cur.description is not None:
                        cur.fetchall()
            times.append(time.perf_counter() - started)
            conn.rollback()
    finally:
        conn.close()
    return statistics.median(times[1:])


def planning_share(dsn: dict, queries: list[tuple[float, str, list]], tries: int = 3) -> tuple[float, float]:
    """PostgreSQL's own planning and execution time for the request's SELECTs, in seconds
    (EXPLAIN ANALYZE's summary, the quickest of ``tries`` for each). The ORM sends each statement
    afresh, so PostgreSQL plans it on every request: for a page whose queries are small lookups,
    planning is most of the database's work."""
    import psycopg2

    conn = psycopg2.connect(**dsn)
    planned = executed = 0.0
    try:
        with conn.cursor() as cur:
            for _, sql, params in queries:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                best: tuple[float, float] | None = None
                for _ in range(tries):
                    cur.execute("EXPLAIN (ANALYZE, SUMMARY, TIMING OFF, FORMAT JSON) " + sql, params or None)
                    summary = cur.fetchone()[0][0]
                    pair = (summary["Planning Time"], summary["Execution Time"])
                    best = pair if best is None or sum(pair) < sum(best) else best
                assert best is not None
                planned += best[0] / 1000
                executed += best[1] / 1000
        conn.rollback()
    finally:
        conn.close()
    return planned, executed


def sql_building(client, url: str, headers: dict, runs: int) -> float:
    """Median seconds a request spends in the ORM writing its SQL (the outermost
    ``SQLCompiler.as_sql`` calls, subqueries included), not running it."""
    from django.db.models.sql.compiler import SQLCompiler

    original = SQLCompiler.as_sql
    depth, spent = [0], [0.0]

    def timed(self, *args, **kwargs):
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                spent[0] += time.perf_counter() - started

    per_request = []
    SQLCompiler.as_sql = timed  # type: ignore[method-assign]
    try:
        for _ in range(runs):
            spent[0] = 0.0
            client.get(url, **headers)
            per_request.append(spent[0])
    finally:
        SQLCompiler.as_sql = original  # type: ignore[method-assign]
    return statistics.median(per_request)


def profile_top(client, url: str, headers: dict, top: int) -> tuple[list[str], int]:
    """The profile's top lines, and how many Python function calls the request made (a count that
    does not move with the machine's speed, unlike the times: compare it before and after)."""
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url, **headers)
    profiler.disable()
    lines = []
    for sort, title in (("tottime", "own time"), ("cumulative", "cumulative, project code")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(sort)
        rows = []
        for func in stats.fcn_list:  # type: ignore[attr-defined]
            filename, line, name = func
            if sort == "cumulative" and (
                not filename.startswith(str(PROJECT_ROOT)) or "/.venv/" in filename or name == "__call__"
            ):
                continue  # project code only, without the middleware chain that wraps everything
            _, ncalls, tottime, cumtime, _ = stats.stats[func]  # type: ignore[attr-defined]
            where = filename.replace(str(PROJECT_ROOT) + "/", "").replace(".venv/lib/python3.11/site-packages/", "")
            rows.append(
                f"      {tottime if sort == 'tottime' else cumtime:8.4f} s {ncalls:>7} calls  {where}:{line}({name})"
            )
            if len(rows) >= top:
                break
        lines.append(f"    top by {title}:")
        lines.extend(rows)
    lines.append("    own time by kind: " + ", ".join(f"{kind} {share:.0%}" for kind, share in split_by_kind(profiler)))
    return lines, pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]  # not in the stubs


def split_by_kind(profiler: cProfile.Profile) -> list[tuple[str, float]]:
    """Own time summed by where it is spent: templates, ORM, the driver, DRF, project code, the rest."""
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "psycopg2" in name or "psycopg2" in filename:
            kind = "SQL (driver)"
        elif "/django/template/" in filename or "/templatetags/" in filename:
            kind = "templates"
        elif "/django/db/" in filename:
            kind = "ORM"
        elif "/rest_framework/" in filename:
            kind = "DRF"
        elif filename.startswith(str(PROJECT_ROOT)) and "/.venv/" not in filename:
            kind = "project code"
        else:
            kind = "other"
        totals[kind] = totals.get(kind, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    return sorted(((kind, t / whole) for kind, t in totals.items()), key=lambda kv: kv[1], reverse=True)


class CollectorTimer:
    """Wall time spent in the cyclic garbage collector while installed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> "CollectorTimer":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    bench = load_test_open(database=args.database, rebuild=args.rebuild, referrals=args.referrals)
    as_a_web_worker()  # start as a gunicorn worker does (imports, templates, gc.freeze)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, User
    from accounts.two_factor import SSO_TWO_FACTOR_SESSION_KEY
    from referrals.models import Referral

    if args.no_freeze:
        gc.unfreeze()

    def someone(role: str, **where) -> User:
        user = User.objects.filter(role=role, is_active=True, memberships__isnull=False, **where).order_by("pk").first()
        if user is None:
            sys.exit(f"No {role} in {bench.database}")
        return user

    worker = someone(Role.LINK_WORKER, allocations__ended_at__isnull=True)
    clinician = someone(Role.CLINICIAN, allocations__ended_at__isnull=True)
    # A locality team's manager: the team caseload of a busy team (not a new service with none yet).
    manager = someone(Role.TEAM_MANAGER, memberships__team__kind="locality")
    # Named: a manager may be in more than one team (the demo's also helps the young people's service).
    home_team = (
        manager.memberships.filter(team__kind="locality").order_by("team_id").values_list("team_id", flat=True)[0]
    )
    person_id = (
        Referral.objects.filter(allocated_to=worker, ended_at__isnull=True)
        .order_by("pk")
        .values_list("person_id", flat=True)
        .first()
    )
    token = Token.objects.get_or_create(user=clinician)[0].key
    # Issue 14's service: its team page shows who is on which tier; a group's register of the
    # last session held (demo.bulk.service_models).
    from groupwork.models import GroupSession
    from localities.models import Team

    service = Team.objects.filter(pathways__isnull=False).order_by("pk").first()
    service_manager = (
        User.objects.filter(role=Role.TEAM_MANAGER, is_active=True, memberships__team=service).order_by("pk").first()
    )
    session = (
        GroupSession.objects.filter(register_recorded_at__isnull=False, cohort__group__team=service)
        .order_by("-starts_at", "-pk")
        .first()
    )
    pages = [
        # The floor: a signed-in page with the header and three small queries (user, teams, unread).
        ("home (floor)", worker, "/", {}),
        ("My caseload", worker, "/caseload/", {}),
        ("person page", worker, f"/people/{person_id}/", {}),
        ("triage queue", clinician, "/triage/", {}),
        ("team caseload", manager, f"/team/?team={home_team}", {}),
        ("API list", None, "/api/v1/referrals/", {"HTTP_AUTHORIZATION": f"Token {token}"}),
    ]
    if service is not None and service_manager is not None and session is not None:
        pages += [
            ("service team", service_manager, f"/team/?team={service.pk}", {}),
            ("group register", service_manager, f"/groups/sessions/{session.pk}/register/", {}),
        ]
    # The replay's connection is set up as the app's are (settings: no JIT compilation), so the SQL
    # replayed is what the app's connection would run, not that plus compiling it.
    dsn = {**bench.server, "dbname": bench.database, "options": settings.DATABASES["default"]["OPTIONS"]["options"]}
    print()
    print(
        f"Each page: median of {args.runs} requests through the test client (DEBUG off) against the same SQL replayed"
    )
    print(
        f"  {'page':<16} {'queries':>8} {'app':>10} {'SQL replayed':>13} {'SQL in app':>11} {'SQL built':>10}"
        f" {'app / SQL':>10} {'CPU':>9} {'GC':>8} {'calls':>8} {'PG plans':>9} {'PG runs':>9}"
    )
    profiles = []
    for label, user, url, headers in pages:
        client = Client()
        if user is not None:
            client.force_login(user)
            session = client.session
            session[SSO_TWO_FACTOR_SESSION_KEY] = True
            session.save()
        response = client.get(url, **headers)  # warm-up
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}")
        walls, in_app = [], []
        timer = QueryTimer()
        cpu_started = time.process_time()
        with CollectorTimer() as collector:
            for _ in range(args.runs):
                timer = QueryTimer()
                with connection.execute_wrapper(timer):
                    started = time.perf_counter()
                    client.get(url, **headers)
                    walls.append(time.perf_counter() - started)
                in_app.append(timer.db_seconds)
        cpu = (time.process_time() - cpu_started) / args.runs
        in_collector = collector.seconds / args.runs
        app = statistics.median(walls)
        sql = replay(dsn, timer.queries, args.runs)
        built = sql_building(client, url, headers, args.runs)
        profile, calls = profile_top(client, url, headers, args.top)
        planned, executed = planning_share(dsn, timer.queries)
        print(
            f"  {label:<16} {len(timer.queries):>8} {fmt_seconds(app):>10} {fmt_seconds(sql):>13} "
            f"{fmt_seconds(statistics.median(in_app)):>11} {fmt_seconds(built):>10} {app / sql if sql else 0:>9.1f}x"
            f" {fmt_seconds(cpu):>9} {fmt_seconds(in_collector):>8} {calls:>8,}"
            f" {fmt_seconds(planned):>9} {fmt_seconds(executed):>9}",
            flush=True,
        )
        profiles.append((label, profile))
    print()
    print("Where the time goes: one request of each page under cProfile (times inflated by the profiler)")
    for label, lines in profiles:
        print(f"  {label}")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
