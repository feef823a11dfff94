"""The API referral list with each of its filters, for someone who sees a long history. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_api_filters.py --runs 7

Works in the load test's database (``caseload_load_bench``: scripts/bench_pages.py builds it and
this reuses it). For two clinicians, bench_pages's (a locality team's) and one in the team that has
held the most referrals (a whole service's history), each first page of ``/api/v1/referrals/``
(no filter, then each filter the list takes) is requested ``--runs`` times through the test client
(DEBUG off, the clinician's API token): the median of the whole request and of its SQL, how many
referrals the list holds and how many statements it ran. See docs/performance.md.
"""

import argparse
import statistics
import sys
import time

from bench_support import QueryTimer, as_a_web_worker, load_test_open


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="caseload_load_bench")
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_test_open(database=args.database, rebuild=False, referrals=args.referrals)
    as_a_web_worker()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, User
    from localities.models import Team

    def clinician(**where) -> User:
        found = User.objects.filter(role=Role.CLINICIAN, is_active=True, **where).order_by("pk").first()
        if found is None:
            sys.exit(f"No clinician {where} in {args.database}")
        return found

    longest = Team.objects.annotate(held=Count("referrals")).order_by("-held", "pk").first()
    assert longest is not None
    readers = [
        ("bench_pages's clinician", clinician(memberships__isnull=False, allocations__ended_at__isnull=True)),
        (f"in the team with the longest history ({longest.name})", clinician(memberships__team=longest)),
    ]
    client = Client()
    print(f"\nAPI list, first page: median of {args.runs} requests (whole request / its SQL), referrals listed")
    for label, user in readers:
        team = user.memberships.order_by("team_id").values_list("team_id", "team__locality_id").first()
        assert team is not None
        team_id, locality_id = team
        headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
        queries = ["", "urgency=urgent", "status=received", "breached=true", "breached=false", f"team={team_id}"]
        if locality_id is not None:
            queries.append(f"locality={locality_id}")
        print(f"\n  {label}: {user.username}")
        for query in queries:
            url = "/api/v1/referrals/" + (f"?{query}" if query else "")
            walls, sqls, count, statements = [], [], 0, 0
            for _ in range(args.runs + 1):  # the first warms the caches and is not counted
                timer = QueryTimer()
                started = time.perf_counter()
                with connection.execute_wrapper(timer):
                    response = client.get(url, **headers)
                walls.append(time.perf_counter() - started)
                sqls.append(timer.db_seconds)
                assert response.status_code == 200, (url, response.status_code)
                count, statements = response.json()["count"], len(timer.queries)
            wall, sql = statistics.median(walls[1:]) * 1000, statistics.median(sqls[1:]) * 1000
            print(
                f"    {query or '(no filter)':<22} {wall:8.1f} ms / {sql:8.1f} ms SQL  {count:>7,} listed  {statements} statements"
            )


if __name__ == "__main__":
    main()
