"""Benchmark the FHIR API's reads and searches (interchange.fhir) on a million referrals. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_fhir.py --runs 30

DATABASE_URL names the server. The script reuses the 1,000,000-referral database that
``scripts/bench_mhsds_extract.py --referrals 1000000 --database caseload_mhsds_bench_1m`` builds
(``demo.bulk`` with care plans; ``scripts/bench_support.py`` migrates it and reuses it while it
holds the same data). Loading a million referrals takes a long while, so a database that exists
with other data is refused rather than rebuilt, unless ``--rebuild`` says so.
``--as-is`` uses the database as it stands, without ``migrate`` (a migration of another change
may be pending; a failed one would make ``bench_open`` rebuild the database).

As a clinician of the locality team holding the most open referrals (a team-wide caseload: every
referral of the team is theirs to open), through Django's test client with an API token
(middleware, authentication, throttling, the access rules, the mapping, fhir.resources'
validation, the read audit's INSERT), each endpoint is asked ``--runs`` times after a warm-up,
each time for another record, and the script prints the median and 95th percentile of the
server's wall time, the median database time (every query's time, measured with
``connection.execute_wrapper``) and the number of queries (one figure when it never varies).
``--repeat N`` measures each endpoint N times over and prints the median of the N p50s, p95s
and database p50s (one run's figures move with whatever else the machine is doing).
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import timedelta

import psycopg2
from bench_support import BenchData, QueryTimer, bench_open, ensure_database, fmt_seconds, server_and_bench_url

SHAPE = {"referrals": 1_000_000, "care_plans": True}  # as bench_mhsds_extract.py --referrals 1000000 made it


def refuse_other_data(database: str) -> None:
    """Stop before bench_open would drop a database that holds other data (an hour's load)."""
    server, _ = server_and_bench_url(database)
    if ensure_database(server, database, rebuild=False):
        return  # new and empty: bench_open fills it
    with psycopg2.connect(**{**server, "dbname": database}) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        stored = {}
        if cur.fetchone()[0]:
            cur.execute("SELECT key, value FROM bench_meta")
            stored = dict(cur.fetchall())
    if stored.get("referrals") != str(SHAPE["referrals"]) or "care_plans=True" not in stored.get("shape", ""):
        sys.exit(
            f"{database} holds other data ({stored.get('referrals', 'no')} referrals, {stored.get('shape', '?')}): "
            "pass --rebuild to load a million referrals into it, or name another --database."
        )


def open_as_is(database: str) -> BenchData:
    """Django on the benchmark database as it stands: no ``migrate``. For a run while a migration
    of someone else's is pending: ``bench_open`` would apply it to the shared database, and
    rebuild it (an hour's load) if it failed. This benchmark only reads (and audits)."""
    from datetime import datetime

    server, bench_url = server_and_bench_url(database)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from bench_support import meta
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    print(f"Benchmark database: {database} on {server['host']}:{server['port']}, as it stands", flush=True)
    if pending:
        print(f"  (not migrated: {', '.join(f'{m.app_label}.{m.name}' for m, _ in pending)})", flush=True)
    return BenchData(database, server, False, datetime.fromisoformat(meta()["now"]), None)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, urls: list[str], token: str) -> dict:
    """Each URL once after a warm-up on the first: wall and database time, query counts."""
    from django.db import connection

    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    response = client.get(urls[0], **auth)
    if response.status_code != 200:
        sys.exit(f"GET {urls[0]} answered {response.status_code}: {response.content[:300]!r}")
    walls, dbs, counts, sizes = [], [], [], []
    for url in urls:
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url, **auth)
            walls.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        dbs.append(timer.db_seconds)
        counts.append(len(timer.queries))
        body = response.json()
        sizes.append(len(body.get("entry", [])) if body["resourceType"] == "Bundle" else 1)
    return {"walls": walls, "dbs": dbs, "counts": counts, "sizes": sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="caseload_mhsds_bench_1m", help="Name must contain 'bench'.")
    parser.add_argument("--runs", type=int, default=30, help="Requests per endpoint, each for another record.")
    parser.add_argument("--repeat", type=int, default=1, help="Measure each endpoint this many times: medians.")
    parser.add_argument("--rebuild", action="store_true", help="Drop the database and load a million referrals.")
    parser.add_argument("--as-is", action="store_true", help="Use the database as it stands: no migrate.")
    args = parser.parse_args()
    if args.as_is and args.rebuild:
        parser.error("--as-is and --rebuild contradict each other.")

    if not args.rebuild:
        refuse_other_data(args.database)
    # Throttling counts requests per user per minute: the benchmark would trip it, not measure it.
    os.environ["API_RATE"] = "1000000/minute"
    if args.as_is:
        bench = open_as_is(args.database)
    else:
        bench = bench_open(database=args.database, rebuild=args.rebuild, redis=False, **SHAPE)
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

    import time_machine
    from django.conf import settings
    from django.db.models import Count, Q
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from access.selectors import referrals_visible_to
    from accounts.models import Role, User
    from localities.models import Team
    from referrals.models import Clock, Contact, Referral

    settings.ALLOWED_HOSTS = ["*"]
    # At the data's instant, as the other benchmarks: clocks due and grants unexpired as built.
    time_machine.travel(bench.now + timedelta(minutes=1), tick=True).start()

    team = (
        Team.objects.filter(kind=Team.Kind.LOCALITY)
        .annotate(open=Count("referrals", filter=Q(referrals__ended_at__isnull=True)))
        .order_by("-open")
        .first()
    )
    if team is None:
        sys.exit("No locality team in the database.")
    clinician = User.objects.filter(memberships__team=team, role=Role.CLINICIAN).order_by("pk").first()
    if clinician is None:
        sys.exit(f"{team} has no clinician.")
    token, _ = Token.objects.get_or_create(user=clinician)
    visible = referrals_visible_to(clinician)
    rng = random.Random(2026)
    runs = args.runs

    def sample(queryset, field: str) -> list[int]:
        """``runs`` distinct ids, at random, of rows the clinician may read."""
        pool = sorted(set(queryset.values_list(field, flat=True).order_by()))
        if len(pool) < runs:
            sys.exit(f"Only {len(pool)} rows to sample for {field}.")
        return rng.sample(pool, runs)

    referral_ids = sample(visible.filter(team=team), "pk")
    people = sample(visible.filter(team=team), "person_id")
    with_contacts = sample(visible.filter(team=team, pk__in=Contact.objects.values("referral_id").order_by()), "pk")
    workers = list(
        Referral.objects.filter(team=team, ended_at__isnull=True, allocated_to__isnull=False)
        .values_list("allocated_to", flat=True)
        .order_by()
        .distinct()
    )
    print(
        f"{Referral.objects.count():,} referrals, {Clock.objects.count():,} clocks, {Contact.objects.count():,} "
        f"contacts in the database.\nAs {clinician} ({clinician.get_role_display()}, {team}): "
        f"{visible.count():,} referrals visible, {visible.filter(ended_at__isnull=True).count():,} open; "
        f"{len(workers)} workers hold the team's allocated referrals.\n",
        flush=True,
    )
    endpoints: list[tuple[str, Callable[[int], str]]] = [
        ("Patient read", lambda i: f"/fhir/Patient/{people[i]}"),
        ("ServiceRequest read", lambda i: f"/fhir/ServiceRequest/{referral_ids[i]}"),
        ("ServiceRequest?patient=", lambda i: f"/fhir/ServiceRequest?patient=Patient/{people[i]}"),
        ("Encounter?based-on=", lambda i: f"/fhir/Encounter?based-on=ServiceRequest/{with_contacts[i]}"),
        ("Encounter?patient=", lambda i: f"/fhir/Encounter?patient=Patient/{people[i]}"),
        ("EpisodeOfCare?patient=", lambda i: f"/fhir/EpisodeOfCare?patient=Patient/{people[i]}"),
        ("Task?owner=HealthcareService (team)", lambda i: f"/fhir/Task?owner=HealthcareService/{team.pk}&page={i + 1}"),
        (
            "  the same, _total=accurate",
            lambda i: f"/fhir/Task?owner=HealthcareService/{team.pk}&page={i + 1}&_total=accurate",
        ),
    ]
    if workers:
        endpoints.append(
            (
                "Task?owner=Practitioner (a worker)",
                lambda i: f"/fhir/Task?owner=Practitioner/{workers[i % len(workers)]}",
            )
        )
    client = APIClient()
    repeat = max(1, args.repeat)
    print(
        f"{'endpoint':<38} {'p50':>10} {'p95':>10} {'max':>10} {'db p50':>10} {'queries':>8} {'entries':>8}"
        f"  (n={runs}{f', median of {repeat} repeats' if repeat > 1 else ''})"
    )
    for name, url in endpoints:
        results = [measure(client, [url(i) for i in range(runs)], token.key) for _ in range(repeat)]
        counts = [c for result in results for c in result["counts"]]
        fewest, most = min(counts), max(counts)
        print(
            f"{name:<38} {fmt_seconds(statistics.median(statistics.median(r['walls']) for r in results)):>10}"
            f" {fmt_seconds(statistics.median(percentile(r['walls'], 0.95) for r in results)):>10}"
            f" {fmt_seconds(max(max(r['walls']) for r in results)):>10}"
            f" {fmt_seconds(statistics.median(statistics.median(r['dbs']) for r in results)):>10}"
            f" {str(fewest) if fewest == most else f'{fewest}-{most}':>8}"
            f" {statistics.median(results[0]['sizes']):>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
