"""The triage queue's SQL with and without an unworked backlog in another locality. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_triage_backlog.py --runs 7

Works in the load test's database (``caseload_load_bench``: scripts/bench_pages.py builds it and
this reuses it). For three clinicians (bench_pages's, one in the team holding the most open
referrals, one in the backlog's locality), the two statements the triage page runs for its
first page (the count and the rows) are run under EXPLAIN ANALYZE ``--runs`` times: the median
of PostgreSQL's planning plus execution time, and the rows the plan read from the clock table
(every node, every loop: it does not move with the machine). Then ``--backlog`` referrals (default
150,000) awaiting a first response are added to one locality, the statistics brought up to date,
and the same measured again, all in a transaction rolled back at the end, then the two tables
vacuumed: nothing stays.

Before issue 17's change (common.ids) the queue joined the clinician's visible referrals with
every open first-response clock in the trust, so another locality's backlog slowed every queue.
See docs/performance.md.
"""

import argparse
import json
import statistics

from bench_support import load_test_open


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="caseload_load_bench")
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backlog", type=int, default=150_000)
    return parser.parse_args(argv)


def _clock_rows(plan: dict) -> int:
    own = plan["Actual Rows"] * plan["Actual Loops"] if plan.get("Relation Name") == "referrals_clock" else 0
    return own + sum(_clock_rows(child) for child in plan.get("Plans", []))


def measure(user, runs: int) -> tuple[float, int, int]:
    """Median milliseconds of the page's count and rows together, clock rows read, queue length."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.web.triage.queries import triage_queue

    queue = triage_queue(user)
    with CaptureQueriesContext(connection) as captured:
        waiting = queue.count()
        list(queue[:25])
    statements = [q["sql"] for q in captured.captured_queries]
    times, rows = [], 0
    with connection.cursor() as cursor:
        for _ in range(runs):
            total, rows = 0.0, 0
            for sql in statements:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                raw = cursor.fetchone()[0]
                result = (json.loads(raw) if isinstance(raw, str) else raw)[0]
                total += result["Planning Time"] + result["Execution Time"]
                rows += _clock_rows(result["Plan"])
            times.append(total)
    return statistics.median(times), rows, waiting


def add_backlog(locality_id: int, team_id: int, count: int) -> None:
    """``count`` referrals received three days ago, in the locality's team, each with an open
    first-response clock: copied from ended referrals (their people and sources), in SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO referrals_referral (reference, source, received_at, urgency, presenting_need,
                 routing_reason, status, status_changed_at, closure_reason, discharge_note, created_at,
                 idempotency_fingerprint, created_by_id, locality_id, person_id, team_id, discharge_reason,
                 return_route, thrive_grouping, triage_next_step, primary_reason, source_of_referral,
                 received_on, adult_when_received, person_has_other_referrals, referrer_email,
                 referrer_ods_code, referrer_organisation, referrer_police_reference)
               SELECT 'BACKLOG' || n, source, now() - interval '3 days', 'routine', '', '', 'received', now(),
                 '', '', now(), '', created_by_id, %s, person_id, %s, '', '', '', '', primary_reason,
                 source_of_referral, current_date, adult_when_received, person_has_other_referrals, '', '', '', ''
               FROM (SELECT row_number() OVER () AS n, * FROM referrals_referral
                     WHERE ended_at IS NOT NULL LIMIT %s) AS ended""",
            [locality_id, team_id, count],
        )
        cursor.execute(
            """INSERT INTO referrals_clock (kind, is_current, stop_rule, started_at, target, warn_at, due_at,
                 escalation_at, second_escalation_at, stop_reason, next_alert_step, referral_id)
               SELECT 'first_response', true, 'any_contact', received_at, interval '28 days',
                 now() + interval '1 day', now() + interval '2 days', now() + interval '3 days',
                 now() + interval '4 days', '', 0, id
               FROM referrals_referral WHERE reference LIKE 'BACKLOG%%'"""
        )
        cursor.execute("ANALYZE referrals_referral, referrals_clock")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_test_open(database=args.database, rebuild=False, referrals=args.referrals)
    from django.db import transaction
    from django.db.models import Count, Q

    from accounts.models import Role, User
    from localities.models import Team

    def clinician(**where) -> User:
        found = User.objects.filter(role=Role.CLINICIAN, is_active=True, **where).order_by("pk").first()
        assert found is not None, where
        return found

    first = clinician(memberships__isnull=False, allocations__ended_at__isnull=True)  # bench_pages's
    busiest = (
        Team.objects.annotate(open=Count("referrals", filter=Q(referrals__ended_at__isnull=True)))
        .order_by("-open", "pk")
        .first()
    )
    assert busiest is not None
    theirs = set(first.memberships.values_list("team__locality_id", flat=True))
    # Another locality's team with clinicians in it (not the load test's own, which has none).
    backlog_team = (
        Team.objects.filter(kind=Team.Kind.LOCALITY, memberships__user__role=Role.CLINICIAN)
        .exclude(locality_id__in=theirs)
        .order_by("-pk")
        .first()
    )
    assert backlog_team is not None
    readers = [
        ("bench_pages's clinician", first),
        (f"busiest team's ({busiest.name})", clinician(memberships__team=busiest)),
        ("in the backlog's locality", clinician(memberships__team__locality_id=backlog_team.locality_id)),
    ]
    print(f"\nTriage queue, the page's count and rows: median of {args.runs} EXPLAIN ANALYZE (planning + execution)")
    print(f"Backlog: {args.backlog:,} referrals awaiting a first response in {backlog_team.name}\n")
    print(f"  {'clinician':<48} {'waiting':>8} {'SQL':>9} {'clock rows':>11}   with the backlog")
    with transaction.atomic():
        before = [(label, user, *measure(user, args.runs)) for label, user in readers]
        add_backlog(backlog_team.locality_id, backlog_team.pk, args.backlog)
        for label, user, ms, rows, waiting in before:
            ms_after, rows_after, waiting_after = measure(user, args.runs)
            print(
                f"  {label:<48} {waiting:>8,} {ms:>6.2f} ms {rows:>11,}   "
                f"{waiting_after:>8,} {ms_after:>6.2f} ms {rows_after:>11,}"
            )
        transaction.set_rollback(True)
    # The rolled-back rows are dead entries in the indexes the queue reads until vacuumed: gone now,
    # so the next run (and bench_pages) read the database as built.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) referrals_referral, referrals_clock")


if __name__ == "__main__":
    main()
