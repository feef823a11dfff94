"""The FHIR searches with no parameter (a reader's encounters, tasks, scores, referrals, episodes
and people, first page of 50), for readers of short and long histories. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_fhir_searches.py --runs 5

Works in the load test's database (``caseload_load_bench``: scripts/bench_pages.py builds it and
this reuses it). As five readers of it (bench_pages's clinician of a locality team, a clinician of
the team that has held the most referrals, a team manager, a link worker and an intake account),
each search is requested ``--runs`` times after a warm-up through the test client (DEBUG off, the
reader's API token): the median of the whole request and of its SQL, the statements it ran, the
entries on the page and the Bundle's total (None: more than 10,000). ``--walked N`` sets how many of
a table's first rows a team's reader's page is looked for among (``interchange.fhir.selectors.
WALKED``). See docs/performance.md, "FHIR searches with no parameter".
"""

import argparse
import statistics
import sys
import time

from bench_support import QueryTimer, as_a_web_worker, load_test_open

TYPES = ("Encounter", "Task", "Observation", "ServiceRequest", "EpisodeOfCare", "Patient")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="caseload_load_bench")
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--types", default=",".join(TYPES), help="Comma-separated resource types.")
    parser.add_argument("--walked", type=int, default=None, help="Override selectors.WALKED.")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1.")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_test_open(database=args.database, rebuild=False, referrals=args.referrals)
    as_a_web_worker()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, User
    from interchange.fhir import selectors
    from localities.models import Team

    if args.walked is not None:
        selectors.WALKED = args.walked

    def first(**where) -> User | None:
        return User.objects.filter(is_active=True, **where).order_by("pk").first()

    longest = Team.objects.annotate(held=Count("referrals")).order_by("-held", "pk").first()
    readers = [
        (
            "locality clinician",
            first(role=Role.CLINICIAN, memberships__isnull=False, allocations__ended_at__isnull=True),
        ),
        ("service's clinician", first(role=Role.CLINICIAN, memberships__team=longest)),
        ("team manager", first(role=Role.TEAM_MANAGER)),
        ("link worker", first(role=Role.LINK_WORKER)),
        ("intake", first(role=Role.INTAKE)),
    ]
    client = Client()
    print(f"\nFHIR searches with no parameter, first page: median of {args.runs} (whole request / its SQL)")
    for label, user in readers:
        if user is None:
            sys.exit(f"No {label} in {args.database}")
        headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
        print(f"\n  {label}: {user.username}")
        for resource in args.types.split(","):
            walls, sqls, statements, body = [], [], 0, {}
            for _ in range(args.runs + 1):  # the first warms the caches and is not counted
                timer = QueryTimer()
                started = time.perf_counter()
                with connection.execute_wrapper(timer):
                    response = client.get(f"/fhir/{resource}", secure=True, **headers)
                walls.append(time.perf_counter() - started)
                sqls.append(timer.db_seconds)
                assert response.status_code == 200, (resource, response.status_code, response.content[:300])
                statements, body = len(timer.queries), response.json()
            wall, sql = statistics.median(walls[1:]) * 1000, statistics.median(sqls[1:]) * 1000
            print(
                f"    {resource:<15} {wall:8.1f} ms / {sql:8.1f} ms SQL  {statements} statements"
                f"  {len(body.get('entry', []))} entries, total {body.get('total')}"
            )


if __name__ == "__main__":
    main()
