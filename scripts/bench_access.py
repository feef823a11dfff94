"""Benchmark access-controlled listing on a million synthetic referrals in PostgreSQL. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_access.py --referrals 1000000

The issue's requirement: listing a link worker's or a team's people with 1,000,000 referrals in
the database costs a constant number of queries and well under 100 ms of database time.

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_access_bench``), which it creates and migrates, and never touches the
development, test or other benchmark databases. The first run bulk-loads people, referrals and
clocks with scripts/bench_sweep.py's loader (``INSERT ... SELECT generate_series``), then spreads
them over ``--teams`` locality teams so that each team holds about 2,000 open referrals, gives
every allocated referral a link worker of its team holding about 25 open referrals and an
Allocation row, puts the newest untriaged referrals back in the triage queue, and adds explicit
grants (cover and expired break-glass PersonGrant rows, consent-based PersonShare rows). Later
runs reuse the data when the counts match (``--rebuild`` starts again).

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
from datetime import datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "scripts"))

from bench_sweep import ensure_database, fmt_seconds, server_and_bench_url  # noqa: E402

HELD_PER_WORKER = 25  # open referrals a link worker holds
HELD_PER_TEAM = 2_000  # open referrals a team holds
TEAMS_PER_LOCALITY = 4
COVER_GRANTS_PER_CLINICIAN = 5  # people a clinician covers for now (unexpired)
EXPIRED_BREAK_GLASS = 50_000  # old break-glass grants the beat task has not deleted yet
SHARES = 20_000  # people shared with the VCSE partner under their consent


def meta() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS access_bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute("SELECT key, value FROM access_bench_meta")
        return dict(cur.fetchall())


def set_meta(**values: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for key, value in values.items():
            cur.execute(
                "INSERT INTO access_bench_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                [key, value, value],
            )


def step(label: str, cur, sql: str, params: dict | list | None = None) -> None:
    started = time.monotonic()
    cur.execute(sql, params)
    rows = f"{cur.rowcount:>10,} rows" if cur.rowcount and cur.rowcount > 0 else " " * 15
    print(f"  {label:<22} {rows}  {fmt_seconds(time.monotonic() - started)}", flush=True)


def vacuum() -> None:
    from django.db import connection

    old = connection.autocommit
    connection.set_autocommit(True)
    with connection.cursor() as cur:
        started = time.monotonic()
        cur.execute("VACUUM (ANALYZE)")
        print(f"  {'vacuum':<22} {'':>15}  {fmt_seconds(time.monotonic() - started)}", flush=True)
    connection.set_autocommit(old)


def build_access(now: datetime) -> None:
    """Teams, link workers, clinicians, allocations and grants over bench_sweep's referrals."""
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction

    from access.grants import organisation_staff_group
    from accounts.models import Role, TeamMembership, User
    from localities.models import Locality, Organisation, Team
    from referrals.models import Referral

    bench = User.objects.get(username="bench")  # bench_sweep's user: the referrals' creator
    trust = bench.organisation
    open_count = Referral.objects.filter(ended_at__isnull=True).count()
    teams_n = max(1, round(open_count / HELD_PER_TEAM))
    allocated_open = Referral.objects.filter(ended_at__isnull=True, allocated_to__isnull=False).count()
    workers_per_team = max(1, round(allocated_open / teams_n / HELD_PER_WORKER))
    localities_n = max(1, teams_n // TEAMS_PER_LOCALITY)
    print(
        f"  {teams_n} teams in {localities_n} localities, {workers_per_team} link workers per team "
        f"({open_count:,} open referrals, {allocated_open:,} of them allocated)",
        flush=True,
    )
    with transaction.atomic():
        vcse = Organisation.objects.create(name="Benchmark Mind", kind=Organisation.Kind.VCSE)
        localities = Locality.objects.bulk_create(
            [Locality(name=f"Bench locality {i}", code=f"bench-{i}") for i in range(localities_n)]
        )
        teams = Team.objects.bulk_create(
            [
                Team(name=f"Bench team {i}", organisation=trust, locality=localities[i % localities_n])
                for i in range(teams_n)
            ]
        )
        for i, locality in enumerate(localities):
            locality.intake_team = teams[i]
        Locality.objects.bulk_update(localities, ["intake_team"])
        # Worker w of team t is index t + teams_n * w: referral g's worker is (g - 1) % (teams_n * W),
        # whose team is (g - 1) % teams_n, the referral's own team.
        workers = User.objects.bulk_create(
            [
                User(
                    username=f"lw-{t}-{w}",
                    first_name="Link",
                    last_name=f"Worker {t}-{w}",
                    email=f"lw-{t}-{w}@bench.invalid",
                    role=Role.LINK_WORKER,
                    organisation=vcse if w % 2 else trust,
                    date_joined=now,
                    password="!",
                )
                for w in range(workers_per_team)
                for t in range(teams_n)
            ]
        )
        staff = User.objects.bulk_create(
            [
                User(
                    username=f"{kind}-{t}",
                    first_name=kind.title(),
                    last_name=f"Team {t}",
                    email=f"{kind}-{t}@bench.invalid",
                    role=Role.CLINICIAN if kind == "clinician" else Role.TEAM_MANAGER,
                    organisation=trust,
                    date_joined=now,
                    password="!",
                )
                for t in range(teams_n)
                for kind in ("clinician", "manager")
            ]
        )
        # A VCSE clinician per team: reaches people shared with their organisation.
        vcse_clinicians = User.objects.bulk_create(
            [
                User(
                    username=f"vcse-clinician-{t}",
                    last_name=f"VCSE clinician {t}",
                    role=Role.CLINICIAN,
                    organisation=vcse,
                    date_joined=now,
                    password="!",
                )
                for t in range(teams_n)
            ]
        )
        TeamMembership.objects.bulk_create(
            [TeamMembership(user=u, team=teams[i % teams_n]) for i, u in enumerate(workers)]
            + [TeamMembership(user=u, team=teams[i // 2]) for i, u in enumerate(staff)]
            + [TeamMembership(user=u, team=teams[i]) for i, u in enumerate(vcse_clinicians)]
        )
        group = organisation_staff_group(vcse)
        view_person = Permission.objects.get(content_type__app_label="referrals", codename="view_person")

    params = {
        "teams": teams_n,
        "n": Referral.objects.count(),
        "workers": teams_n * workers_per_team,
        "first_team": teams[0].pk,
        "first_worker": workers[0].pk,
        "bench": bench.pk,
        "now": now,
        "view_person": view_person.pk,
        "first_staff": staff[0].pk,
        "staff": len(staff),
        "covers": COVER_GRANTS_PER_CLINICIAN,
        "expired": EXPIRED_BREAK_GLASS,
        "shares": SHARES,
        "vcse": vcse.pk,
        "group": group.pk,
    }
    # The ids were handed out in one bulk insert each: consecutive. Check rather than assume.
    assert [t.pk for t in teams] == list(range(teams[0].pk, teams[0].pk + teams_n))
    assert [w.pk for w in workers] == list(range(workers[0].pk, workers[0].pk + len(workers)))
    assert [s.pk for s in staff] == list(range(staff[0].pk, staff[0].pk + len(staff)))
    with connection.cursor() as cur:
        with transaction.atomic():
            step(
                "referrals to teams",
                cur,
                """
                UPDATE referrals_referral r
                SET team_id = %(first_team)s + (r.id - 1) %% %(teams)s,
                    locality_id = t.locality_id,
                    allocated_to_id = CASE WHEN r.allocated_to_id IS NOT NULL
                                           THEN %(first_worker)s + (r.id - 1) %% %(workers)s END
                FROM localities_team t
                WHERE t.id = %(first_team)s + (r.id - 1) %% %(teams)s
                """,
                params,
            )
            step(
                "back to triage queue",
                cur,
                "UPDATE referrals_referral SET status = 'received' "
                "WHERE status = 'triaged' AND received_at > %(now)s::timestamptz - interval '3 days'",
                params,
            )
            step(
                "allocations",
                cur,
                """
                INSERT INTO caseload_allocation (referral_id, link_worker_id, team_id, started_at, started_by_id,
                                                 handover_note, ended_at)
                SELECT id, allocated_to_id, team_id, received_at, %(bench)s, '', ended_at
                FROM referrals_referral WHERE allocated_to_id IS NOT NULL
                """,
                params,
            )
            step(
                "cover grants",
                cur,
                """
                INSERT INTO accounts_persongrant (permission_id, user_id, content_object_id, kind, reason, granted_at,
                                                  granted_by_id, expires_at)
                SELECT %(view_person)s, %(first_staff)s + s, 1 + (hashint8(s * 100 + k) & 2147483647) %% %(n)s,
                       'cover', 'Covering for a colleague on leave.', %(now)s::timestamptz - interval '1 day',
                       %(bench)s, %(now)s::timestamptz + interval '7 days'
                FROM generate_series(0, %(staff)s - 1) AS s, generate_series(1, %(covers)s) AS k
                ON CONFLICT DO NOTHING
                """,
                params,
            )
            step(
                "expired break-glass",
                cur,
                """
                INSERT INTO accounts_persongrant (permission_id, user_id, content_object_id, kind, reason, granted_at,
                                                  granted_by_id, expires_at)
                SELECT %(view_person)s, %(first_staff)s + g %% %(staff)s, 1 + (g - 1) %% %(n)s,
                       'break_glass', 'Seen in crisis at A&E out of hours.',
                       %(now)s::timestamptz - interval '30 days', %(bench)s, %(now)s::timestamptz - interval '29 days'
                FROM generate_series(1, %(expired)s) AS g
                ON CONFLICT DO NOTHING
                """,
                params,
            )
            step(
                "consents",
                cur,
                """
                INSERT INTO referrals_sharingconsent (person_id, decision, scope, note, recorded_at, recorded_by_id)
                SELECT 1 + (g * 37 - 1) %% %(n)s, 'given', 'care_team', '', %(now)s::timestamptz - interval '10 days', %(bench)s
                FROM generate_series(1, %(shares)s) AS g
                """,
                params,
            )
            step(
                "shares",
                cur,
                """
                INSERT INTO accounts_personshare (permission_id, group_id, content_object_id, organisation_id,
                                                  consent_id, reason, granted_at, granted_by_id)
                SELECT %(view_person)s, %(group)s, c.person_id, %(vcse)s, c.id, 'Shared with the wellbeing hub.',
                       c.recorded_at, %(bench)s
                FROM referrals_sharingconsent c
                ON CONFLICT DO NOTHING
                """,
                params,
            )
    set_meta(teams=str(teams_n), workers_per_team=str(workers_per_team))


# --- measuring ------------------------------------------------------------------------------


class QueryTimer:
    """Every query's SQL, parameters and time, through connection.execute_wrapper."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, list]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, list(params or [])))

    @property
    def db_seconds(self) -> float:
        return sum(q[0] for q in self.queries)


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


def explain(sql: str, params: list) -> list[str]:
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    lines: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cur:  # an INSERT would really insert: roll back
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cur.fetchall()]
            raise Rollback
    except Rollback:
        pass
    return lines


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
            ("link worker: My caseload", "link worker: My caseload (lw-1-1)"),
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

    server, bench_url = server_and_bench_url(args.database)
    created = ensure_database(server, args.database, rebuild=args.rebuild)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.pop("REDIS_URL", None)  # sessions in the bench database, cache in memory: no other service
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")  # no collectstatic
    import bench_sweep
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from access.models import PersonGrant, PersonShare
    from accounts.models import AuditEvent, User
    from localities.models import Team
    from referrals.models import Allocation, Referral

    settings.ALLOWED_HOSTS = ["*"]
    print(f"Benchmark database: {args.database}{' (new)' if created else ''}", flush=True)
    call_command("migrate", verbosity=0)
    if meta().get("referrals") != str(args.referrals) and not created:
        print(
            f"It holds {meta().get('referrals', 'no')} access-benchmark referrals, not {args.referrals:,}: rebuilding."
        )
        connection.close()
        ensure_database(server, args.database, rebuild=True)
        call_command("migrate", verbosity=0)
    load_seconds = None
    if meta().get("referrals") != str(args.referrals):
        print(f"Loading {args.referrals:,} referrals (scripts/bench_sweep.py's loader)...", flush=True)
        started = time.monotonic()
        now = timezone.now()
        bench_sweep.bench_meta()
        bench_sweep.build(args.referrals, now)
        print("Teams, link workers, allocations and grants...", flush=True)
        build_access(now)
        vacuum()
        load_seconds = time.monotonic() - started
        set_meta(referrals=str(args.referrals), now=now.isoformat())

    # Everyone, everywhere, at the same instant as the data: clocks due and grants unexpired as built.
    import time_machine

    now = datetime.fromisoformat(meta()["now"])
    traveller = time_machine.travel(now + timedelta(minutes=1), tick=True)
    traveller.start()

    team = Team.objects.get(name="Bench team 0")
    worker = User.objects.get(username="lw-0-0")
    clinician = User.objects.get(username="clinician-0")
    manager = User.objects.get(username="manager-0")
    held = Referral.objects.filter(allocated_to=worker, ended_at__isnull=True)
    person_id = held.order_by("pk").values_list("person_id", flat=True).first()
    team_open = Referral.objects.filter(team=team, ended_at__isnull=True).count()

    listings = [
        ("link worker: My caseload", worker, "/caseload/"),
        ("link worker: My caseload (lw-1-1)", User.objects.get(username="lw-1-1"), "/caseload/"),
        ("link worker: API list", worker, "/api/v1/referrals/"),
        ("link worker: person page", worker, f"/people/{person_id}/"),
        ("link worker: CSV my caseload", worker, "/caseload/export.csv"),
        ("clinician: API list", clinician, "/api/v1/referrals/"),
        ("clinician: triage queue", clinician, "/triage/"),
        ("team manager: team caseload", manager, f"/team/?team={team.pk}"),
        ("team manager: team caseload (team 1)", User.objects.get(username="manager-1"), "/team/"),
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
    print(f"  Bench team 0: referrals          {Referral.objects.filter(team=team).count():>10,}  ({team_open:,} open)")
    print(f"  lw-0-0 holds (open)              {held.count():>10,}")
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
