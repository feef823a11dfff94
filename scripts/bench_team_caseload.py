"""Benchmark the team caseload page for a team holding 2,000 people. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_team_caseload.py

DATABASE_URL names the PostgreSQL server; the script works in its own database on it
(``--database``, default ``caseload_team_bench``), which it creates and migrates, and never
touches the development or test databases. The first run builds one locality team ("Bench
IPCT") holding ``--people`` open referrals (default 2,000) with bulk inserts that respect the
model's constraints: two current clocks per referral with thresholds in order (some stopped,
some breached, some at risk), an open Allocation for every allocated referral (one per
referral), a few contacts each, care-plan goals with review dates for some, 40 link workers
and clinicians from the trust and two VCSE partners (some over capacity), a share left
unallocated. Later runs reuse the data (``--rebuild`` starts again).

Then, as the team manager, it renders /team/ through the Django test client (the whole
server side: middleware, session, selectors, templates) for page 1 and a later page of each
list (everyone held, the waiting list, the unallocated) and prints the median of 5 timings and
the number of SQL queries for each.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

TEAM_NAME = "Bench IPCT"
RUNS = 5


def _database_url(server_url: str, database: str) -> str:
    parts = urlparse(server_url)
    return urlunparse(parts._replace(path=f"/{database}"))


def ensure_database(server_url: str, database: str) -> None:
    parts = urlparse(server_url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database}"')
            print(f"Created database {database}.")
    conn.close()


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def build(people: int, *, rebuild: bool) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Role, TeamMembership, User
    from localities.models import Locality, Organisation, Team
    from referrals.defaults import ensure_default_policy
    from referrals.models import (
        Allocation,
        CarePlan,
        CarePlanGoal,
        Clock,
        ClockPolicy,
        Contact,
        Person,
        Referral,
        ResponseTarget,
    )

    existing = Team.objects.filter(name=TEAM_NAME).first()
    if existing is not None and not rebuild:
        held = Referral.objects.filter(team=existing, ended_at__isnull=True).count()
        if held == people:
            print(f"Reusing {held} people held by {TEAM_NAME}.")
            return
    print(f"Building a team holding {people} people...")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        tables = [
            m._meta.db_table
            for m in (
                Allocation,
                CarePlanGoal,
                CarePlan,
                Contact,
                Clock,
                Referral,
                Person,
                TeamMembership,
            )
        ]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    User.objects.filter(username__startswith="bench-").delete()

    rng = random.Random(20260907)
    now = timezone.now().replace(microsecond=0)
    policy = ensure_default_policy(ClockPolicy, ResponseTarget)
    routine = policy.response_targets.get(urgency="routine")
    with transaction.atomic():
        trust, _ = Organisation.objects.get_or_create(
            name="Bench Partnership NHS Trust", defaults={"kind": Organisation.Kind.NHS_TRUST}
        )
        vcse = [
            Organisation.objects.get_or_create(name=name, defaults={"kind": Organisation.Kind.VCSE})[0]
            for name in ("Bench Mind", "Bench Recovery College")
        ]
        locality, _ = Locality.objects.get_or_create(name="Bench locality", defaults={"code": "bench"})
        team, _ = Team.objects.get_or_create(
            name=TEAM_NAME, defaults={"organisation": trust, "locality": locality, "kind": Team.Kind.LOCALITY}
        )
        manager = User.objects.create(
            username="bench-manager",
            first_name="Morgan",
            last_name="Manager",
            role=Role.TEAM_MANAGER,
            organisation=trust,
        )
        workers = User.objects.bulk_create(
            [
                User(
                    username=f"bench-worker-{i:02d}",
                    first_name=f"Worker{i:02d}",
                    last_name="Bench",
                    role=Role.LINK_WORKER if i % 3 else Role.CLINICIAN,
                    organisation=vcse[i % 2] if i % 4 == 0 else trust,
                    job_title="Peer support worker" if i % 4 == 0 else "Mental health practitioner",
                    caseload_capacity=45,
                )
                for i in range(40)
            ]
        )
        TeamMembership.objects.bulk_create([TeamMembership(user=u, team=team) for u in [manager, *workers]])

        persons = Person.objects.bulk_create(
            [
                Person(
                    given_name=rng.choice(["Alex", "Sam", "Jo", "Priya", "Kai", "Ola", "Remi", "Tam", "Noor", "Ellis"]),
                    family_name=f"Bench{i:05d}",
                    birth_date=date(1960 + i % 45, 1 + i % 12, 1 + i % 28),
                    postcode="BS5 6XX",
                    created_at=now,
                )
                for i in range(people)
            ],
            batch_size=1000,
        )
        referrals = []
        for i, person in enumerate(persons):
            received = now - timedelta(hours=rng.uniform(1, 24 * 40))
            unallocated = i % 7 == 0
            holder = None if unallocated else workers[i % len(workers) if i % 5 else 0]  # worker 0 over capacity
            referrals.append(
                Referral(
                    person=person,
                    source="gp",
                    received_at=received,
                    urgency="routine",
                    presenting_need="Low mood and anxiety; synthetic benchmark referral.",
                    locality=locality,
                    team=team,
                    routing_reason="bench",
                    status=Referral.Status.TRIAGED if unallocated else Referral.Status.ALLOCATED,
                    triage_next_step="Offer a first appointment" if i % 3 == 0 else "",
                    status_changed_at=received + timedelta(minutes=30),
                    allocated_to=holder,
                    created_at=received,
                    created_by=manager,
                )
            )
        referrals = Referral.objects.bulk_create(referrals, batch_size=1000)

        clocks, allocations, contacts, plans = [], [], [], []
        for i, referral in enumerate(referrals):
            start = referral.received_at
            for kind, target, esc1, esc2 in (
                ("first_response", routine.target, routine.escalation_after, routine.second_escalation_after),
                (
                    "treatment",
                    policy.treatment_target,
                    policy.treatment_escalation_after,
                    policy.treatment_second_escalation_after,
                ),
            ):
                due = start + target
                clock = Clock(
                    referral=referral,
                    kind=kind,
                    stop_rule="" if kind == "first_response" else policy.treatment_stop_rule,
                    started_at=start,
                    target=target,
                    warn_at=start + target * 0.75,
                    due_at=due,
                    escalation_at=due + esc1,
                    second_escalation_at=due + esc2,
                    next_alert_step=0,
                    next_check_at=start + target * 0.75,
                )
                # Most first responses were made in time; some treatment clocks have stopped.
                stop_at = start + target * rng.uniform(0.2, 1.3)
                if (kind == "first_response" and stop_at < now and i % 4) or (
                    kind == "treatment" and i % 6 == 1 and stop_at < now
                ):
                    clock.stopped_at, clock.stop_reason, clock.next_check_at = (
                        stop_at,
                        "first_completed_contact" if kind == "first_response" else "second_completed_contact",
                        None,
                    )
                clocks.append(clock)
            if referral.allocated_to_id:
                allocations.append(
                    Allocation(
                        referral=referral,
                        link_worker_id=referral.allocated_to_id,
                        team=team,
                        started_at=referral.status_changed_at,
                        started_by=manager,
                    )
                )
            for n in range(i % 4):
                at = min(now, start + timedelta(hours=2 + 30 * n))
                contacts.append(
                    Contact(
                        referral=referral,
                        occurred_at=at,
                        mode="telephone",
                        outcome="completed" if n % 2 == 0 else "attempted",
                        recorded_at=at,
                        recorded_by=manager,
                    )
                )
            if i % 5 == 2:
                plans.append(CarePlan(referral=referral, agreed_at=start, summary="Bench plan", recorded_by=manager))
        Clock.objects.bulk_create(clocks, batch_size=2000)
        Allocation.objects.bulk_create(allocations, batch_size=2000)
        Contact.objects.bulk_create(contacts, batch_size=2000)
        plans = CarePlan.objects.bulk_create(plans, batch_size=2000)
        CarePlanGoal.objects.bulk_create(
            [
                CarePlanGoal(care_plan=plan, description="Bench goal", review_date=(now + timedelta(days=k * 7)).date())
                for plan in plans
                for k in range(2)
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  {len(referrals)} referrals, {len(clocks)} clocks, {len(allocations)} allocations, {len(contacts)} contacts,"
        f" {len(plans)} care plans in {time.perf_counter() - started:.1f}s"
    )


class QueryCounter:
    """A database execute wrapper that counts the statements one request runs."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure() -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from localities.models import Team

    manager = User.objects.get(username="bench-manager")
    team = Team.objects.get(name=TEAM_NAME)
    client = Client()
    client.force_login(manager)
    client.get("/team/")  # warm up: connection, templates, URL resolver

    print(
        f"\nTeam caseload of {TEAM_NAME} as {manager.username} ({RUNS} runs each, median; server side via the test client):"
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
            queries = QueryCounter()
            with connection.execute_wrapper(queries):
                response = client.get(url)
            rows = response.content.decode().count('id="referral-')
            print(
                f"  {url:<42} {statistics.median(times):>10.1f} {min(times):>8.1f} {max(times):>8.1f}"
                f" {queries.count:>8} {rows:>5}"
            )
    held = Team.objects.get(pk=team.pk).referrals.filter(ended_at__isnull=True).count()
    print(f"\nThe team holds {held} people; 25 rows a page.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="caseload_team_bench")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server.")
    ensure_database(server_url, args.database)
    setup_django(_database_url(server_url, args.database))
    build(args.people, rebuild=args.rebuild)
    measure()


if __name__ == "__main__":
    main()
