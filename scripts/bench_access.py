"""Benchmark access-controlled listing on a million synthetic referrals in PostgreSQL. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_access.py --referrals 1000000

The issue's requirement: listing a link worker's or a team's people with 1,000,000 referrals in
the database costs a constant number of queries and well under 100 ms of database time.

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_access_bench``), which it creates and migrates, and never touches the
development, test or other benchmark databases. The first run fills it with ``demo.bulk``: the
demo's service with as many locality teams as it takes for each to hold about 2,000 open
referrals, and link workers and clinicians enough for each to hold about 25 (with their
Allocation rows), the newest referrals still in the triage queue, and explicit grants (cover
and expired break-glass PersonGrant rows, consent-based PersonShare rows). Later runs reuse the
data when the counts match (``--rebuild`` starts again; scripts/bench_support.py).

Then, through Django's test client (middleware, session, selectors, serializers, templates, the
read audit's INSERT), it times each listing ``--runs`` times after a warm-up and prints for each:
the number of queries, the database time (the sum of every query's time, measured with
``connection.execute_wrapper``), the wall time, medians; then EXPLAIN (ANALYZE, BUFFERS) of the
slowest query seen.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from datetime import timedelta

from bench_support import HELD_PER_TEAM, HELD_PER_WORKER, QueryTimer, bench_open, explain, fmt_seconds

COVER_GRANTS_PER_CLINICIAN = 5  # people a clinician covers for now (unexpired)
EXPIRED_BREAK_GLASS = 50_000  # old break-glass grants the beat task has not deleted yet
SHARES = 20_000  # people shared with the VCSE partner under their consent


# --- measuring ------------------------------------------------------------------------------


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection

    response = client.get(url)  # warm-up: connection, caches, templates
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}")
    walls, dbs, counts, slowest, slowest_access = [], [], set(), (0.0, "", []), (0.0, "", [])
    for _ in range(runs):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url)
            walls.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        dbs.append(timer.db_seconds)
        counts.add(len(timer.queries))
        last_run = timer.queries
        top = max(timer.queries, key=lambda q: q[0])
        if top[0] > slowest[0]:
            slowest = top
        access = [q for q in timer.queries if " UNION " in q[1]]
        if access and max(access, key=lambda q: q[0])[0] > slowest_access[0]:
            slowest_access = max(access, key=lambda q: q[0])
    return {
        "wall": statistics.median(walls),
        "db": statistics.median(dbs),
        "db_max": max(dbs),
        "queries": counts,
        "slowest": slowest,
        "slowest_access": slowest_access,
        "last_run": last_run,
        "bytes": len(response.content),
    }


def set_jit(value: str) -> None:
    """SET jit for this connection and any the test client opens after it."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    def on_connect(sender, connection, **kwargs):
        with connection.cursor() as cur:
            cur.execute(f"SET jit = {value}")

    connection_created.connect(on_connect, weak=False)
    connection.ensure_connection()
    on_connect(None, connection)


def _main_table(sql: str) -> str:
    """The table after the outermost FROM (subqueries in the select list have their own)."""
    depth = 0
    for i, char in enumerate(sql):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sql.startswith(" FROM ", i):
            return sql[i + 6 :].split()[0].strip('"')
    return "?"


def _summary(sql: str) -> str:
    """Which query this is, in a line: what it selects from, and whether it carries the access UNION."""
    kind = "COUNT" if sql.startswith("SELECT COUNT") else sql.split()[0]
    access = ", filtered by referrals_visible_to (UNION)" if " UNION " in sql else ""
    return f"{kind} ... FROM {_main_table(sql)}{access} [{len(sql):,} chars]"


def run_pass(title: str, listings: list, runs: int) -> None:
    from django.test import Client

    print()
    print(f"Each listing through the test client, {title}: median of {runs} requests after a warm-up")
    print(f"  {'listing':<36} {'queries':>8} {'DB time':>10} {'DB max':>10} {'wall':>10} {'slowest query':>14}")
    heaviest = (0.0, "", [], "")
    heaviest_access = (0.0, "", [], "")
    results = []
    for label, user, url in listings:
        client = Client()
        client.force_login(user)
        result = measure(client, url, runs)
        results.append((label, url, result))
        queries = "/".join(str(n) for n in sorted(result["queries"]))
        print(
            f"  {label:<36} {queries:>8} {fmt_seconds(result['db']):>10} {fmt_seconds(result['db_max']):>10} "
            f"{fmt_seconds(result['wall']):>10} {fmt_seconds(result['slowest'][0]):>14}",
            flush=True,
        )
        if result["slowest"][0] > heaviest[0]:
            heaviest = (*result["slowest"], label)
        if result["slowest_access"][0] > heaviest_access[0]:
            heaviest_access = (*result["slowest_access"], label)
    print()
    by_label = {label: r for label, _, r in results}
    constant = all(len(r["queries"]) == 1 for r in by_label.values())
    same_shape = [
        (a, b)
        for a, b in (
            ("team manager: team caseload", "team manager: team caseload (team 1)"),
            ("link worker: My caseload", "link worker: My caseload (team 1)"),
        )
        if by_label[a]["queries"] != by_label[b]["queries"]
    ]
    over = [label for label, r in by_label.items() if r["db"] >= 0.1]
    print(
        f"Same number of queries on every run, and for another team / worker: {'yes' if constant and not same_shape else 'NO'}"
    )
    print(f"Database time under 100 ms for every listing: {'yes' if not over else 'NO: ' + ', '.join(over)}")
    for label, r in by_label.items():
        if r["db"] >= 0.1:
            top = sorted(r["last_run"], key=lambda q: q[0], reverse=True)[:3]
            print(f"  {label}: the slowest queries of the last run")
            for seconds, sql, _ in top:
                print(f"    {fmt_seconds(seconds):>10}  {_summary(sql)}")
    explained = [("heaviest query", heaviest)]
    if heaviest_access[1] != heaviest[1]:
        explained.append(("heaviest access-controlled query (referrals_visible_to's UNION)", heaviest_access))
    for what, (seconds, sql, params, label) in explained:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the {what}: {label}, {fmt_seconds(seconds)}")
        print(f"    {sql % tuple(repr(str(p)) for p in params) if params else sql}")
        for line in explain(sql, params):
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument(
        "--database", default="caseload_access_bench", help="Bench database (name must contain 'bench')."
    )
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and load it again.")
    parser.add_argument("--runs", type=int, default=7, help="Timed requests per listing (median reported).")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1.")

    bench = bench_open(
        database=args.database,
        rebuild=args.rebuild,
        redis=False,
        referrals=args.referrals,
        team_holds=HELD_PER_TEAM,
        worker_holds=HELD_PER_WORKER,
        grants={
            "cover_per_clinician": COVER_GRANTS_PER_CLINICIAN,
            "expired_break_glass": EXPIRED_BREAK_GLASS,
            "shares": SHARES,
        },
    )
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")  # no collectstatic
    from django.conf import settings
    from django.db import connection

    from access.models import PersonGrant, PersonShare
    from accounts.models import AuditEvent, Role, User
    from localities.models import Team
    from referrals.models import Allocation, Referral

    settings.ALLOWED_HOSTS = ["*"]
    load_seconds = bench.load_seconds

    # Everyone, everywhere, at the same instant as the data: clocks due and grants unexpired as built.
    import time_machine

    traveller = time_machine.travel(bench.now + timedelta(minutes=1), tick=True)
    traveller.start()

    # The first two locality teams holding referrals, and who works in them.
    holding = Team.objects.filter(kind=Team.Kind.LOCALITY, referrals__ended_at__isnull=True)
    team, other_team = holding.distinct().order_by("pk")[:2]

    def member(team: Team, role: str, **where) -> User:
        return User.objects.filter(memberships__team=team, role=role, **where).order_by("pk").first()

    worker = member(team, Role.LINK_WORKER, allocations__ended_at__isnull=True)
    other_worker = member(other_team, Role.LINK_WORKER, allocations__ended_at__isnull=True)
    clinician = member(team, Role.CLINICIAN, organisation__kind="nhs_trust")
    manager, other_manager = member(team, Role.TEAM_MANAGER), member(other_team, Role.TEAM_MANAGER)
    held = Referral.objects.filter(allocated_to=worker, ended_at__isnull=True)
    person_id = held.order_by("pk").values_list("person_id", flat=True).first()
    team_open = Referral.objects.filter(team=team, ended_at__isnull=True).count()

    listings = [
        ("link worker: My caseload", worker, "/caseload/"),
        ("link worker: My caseload (team 1)", other_worker, "/caseload/"),
        ("link worker: API list", worker, "/api/v1/referrals/"),
        ("link worker: person page", worker, f"/people/{person_id}/"),
        ("link worker: CSV my caseload", worker, "/caseload/export.csv"),
        ("clinician: API list", clinician, "/api/v1/referrals/"),
        ("clinician: triage queue", clinician, "/triage/"),
        ("team manager: team caseload", manager, f"/team/?team={team.pk}"),
        ("team manager: team caseload (team 1)", other_manager, "/team/"),
        ("team manager: team waiting list", manager, f"/team/?team={team.pk}&view=waiting"),
        ("team manager: CSV team export", manager, f"/team/export.csv?team={team.pk}"),
    ]

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('referrals_referral'))")
        referral_size = cur.fetchone()[0]
    load = os.getloadavg()
    print()
    print(
        f"Access benchmark: {version}, {os.cpu_count()} CPU cores, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, database {args.database}"
    )
    print(f"  referrals                        {Referral.objects.count():>10,}  ({referral_size} with indexes)")
    print(f"  open allocations                 {Allocation.objects.filter(ended_at__isnull=True).count():>10,}")
    print(f"  teams                            {Team.objects.count():>10,}")
    print(f"  users                            {User.objects.count():>10,}")
    print(f"  person grants (cover, expired)   {PersonGrant.objects.count():>10,}")
    print(f"  consent-based shares             {PersonShare.objects.count():>10,}")
    print(f"  audit rows                       {AuditEvent.objects.count():>10,}")
    print(f"  team 0: referrals                {Referral.objects.filter(team=team).count():>10,}  ({team_open:,} open)")
    print(f"  {worker.username + ' holds (open)':<32} {held.count():>10,}")
    if load_seconds is not None:
        print(f"  bulk load                        {fmt_seconds(load_seconds):>10}")
    print()
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        server_jit = cur.fetchone()[0]
    passes = [(f"server settings (jit = {server_jit})", None)]
    if server_jit == "on":
        passes.append(("the same with jit = off for the session", "off"))
    for title, jit in passes:
        if jit is not None:
            set_jit(jit)
        run_pass(title, listings, args.runs)
    traveller.stop()


if __name__ == "__main__":
    main()
