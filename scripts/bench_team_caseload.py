"""Benchmark the team caseload page for a team holding 2,000 people. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_team_caseload.py

DATABASE_URL names the PostgreSQL server; the script works in its own database on it
(``--database``, default ``caseload_team_bench``), which it creates and migrates, and never
touches the development or test databases. The first run fills it with ``demo.bulk``: the
demo's service with its first locality team holding ``--people`` open referrals (default
2,000), all received in the last 40 days: two current clocks each (some stopped, some
breached, some at risk), an open Allocation for every allocated referral, a few contacts
each, care plans with goal review dates for some, 40 clinicians and link workers from the
trust, the council and the VCSE partners (at 2,000 people most are over capacity), a share
not yet allocated. Later runs reuse the data (``--rebuild`` starts again;
scripts/bench_support.py).

Then, as the team manager, it renders /team/ through the Django test client (the whole
server side: middleware, session, selectors, templates) for page 1 and a later page of each
list (everyone held, the waiting list, the unallocated) and prints the median of 5 timings and
the number of SQL queries for each.
"""

import argparse
import statistics
import time
from datetime import timedelta

from bench_support import QueryTimer, bench_open

RUNS = 5
HOLDERS = 40  # clinicians and link workers in the team
WINDOW = timedelta(days=40)  # every referral received in the last 40 days, all still open


def measure() -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import Role, User
    from localities.models import Team

    team = Team.objects.filter(kind=Team.Kind.LOCALITY, referrals__isnull=False).distinct().order_by("pk").first()
    manager = User.objects.filter(memberships__team=team, role=Role.TEAM_MANAGER).order_by("pk").first()
    client = Client()
    client.force_login(manager)
    client.get("/team/")  # warm up: connection, templates, URL resolver

    print(
        f"\nTeam caseload of {team.name} as {manager.username} ({RUNS} runs each, median; server side via the test client):"
    )
    print(f"  {'page':<42} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'queries':>8} {'rows':>5}")
    for view, pages in (("held", (1, 60)), ("waiting", (1, 50)), ("unallocated", (1, 10))):
        for page in pages:
            url = f"/team/?team={team.pk}&view={view}&page={page}"
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            queries = QueryTimer()
            with connection.execute_wrapper(queries):
                response = client.get(url)
            rows = response.content.decode().count('id="referral-')
            print(
                f"  {url:<42} {statistics.median(times):>10.1f} {min(times):>8.1f} {max(times):>8.1f}"
                f" {len(queries.queries):>8} {rows:>5}"
            )
    held = Team.objects.get(pk=team.pk).referrals.filter(ended_at__isnull=True).count()
    print(f"\nThe team holds {held} people; 25 rows a page.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="caseload_team_bench")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    bench_open(
        database=args.database,
        rebuild=args.rebuild,
        referrals=args.people,
        span=WINDOW,
        open_for=WINDOW,
        locality_teams=1,
        holders_per_team=HOLDERS,
        history=False,
        care_plans=True,
    )
    measure()


if __name__ == "__main__":
    main()
