"""Benchmark the national measures (reporting.measures) on a million synthetic referrals. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_measures.py --referrals 1000000

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_measures_bench``), which it creates, migrates and fills on the first run with
``demo.bulk`` (scripts/bench_support.py; care plans on), then codes for the measures, once:

* team types (MHS902): the locality teams are community mental health teams (A06), the
  complex emotional needs service a personality disorder service (A16), the crisis team A02;
  two psychiatric liaison teams (A11) are added, one per emergency department;
* emergency-department referrals (source ``emergency_department``, SourceOfReferralMH H1) that
  no one handed on go to a liaison team, and police and ambulance referrals to the crisis
  team (with their open allocations), so each measure has referrals in scope;
* outcome measures get their tool's SNOMED CT code; each referral's first attended direct
  contact is also a coded assessment (one in ten left uncoded); treatment started with a
  coded psychological therapy; one community referral in about a hundred has a hospital stay.

The people's ages are the generator's (4% are 16 or 17 when referred), the contacts already
carry their MHSDS mechanism and attendance, and the urgency history its one row per referral.
The clocks were planned by the generator for teams without a type; the measures do not read
them. Later runs reuse the data (``--rebuild`` starts again).

For one month (``--month``, default the last whole month before the data's end; the quarter
ending with it for ``referral_spell``) each measure's figures (``Measure.figures``, what the
figures API and the national page run) and then its records (``Measure.compute``, what the
records API runs, one row per referral or spell) are each run once to warm up, then
``--runs`` times (default 7), each inside CaptureQueriesContext. It prints per measure: the
median wall time of the runs and their spread (min, max, standard deviation), the number of
queries (checked to be the same every run), the figures (numerator, denominator, still waiting
and its bands, rows), so each run is visibly the same work, and EXPLAIN (ANALYZE, BUFFERS) of the
heaviest query of the last run (``--no-explain`` leaves it out). The load average is printed
first: the machine's other work shows in the times.
"""

import argparse
import os
import statistics
import time
from datetime import timedelta

import psycopg2  # type: ignore[import-untyped]  # no stub package installed (types-psycopg2)
from bench_support import bench_open, explain, fmt_seconds, meta, server_and_bench_url, set_meta, vacuum

CODING = "1"  # bump when code_for_measures changes: the next run codes a fresh load
HOSPITAL_STAY_ONE_IN = 97  # community referrals in treatment with a hospital stay: one in this many
LIAISON_TEAMS = ("Psychiatric liaison, Bristol Royal Infirmary", "Psychiatric liaison, Southmead Hospital")


def code_for_measures() -> dict[str, int]:
    """Give the bulk service the team types and codes the measures count by (see the docstring)."""
    from django.db import connection, transaction

    from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
    from codes.snomed import OUTCOME_TOOL_BY_NAME
    from localities.models import Team
    from referrals.models import (
        Allocation,
        Assessment,
        Contact,
        Handoff,
        HospitalStay,
        Intervention,
        OutcomeMeasure,
        Referral,
        ReferralMilestones,
    )
    from referrals.selectors import ASSESSMENT_CODES, INTERVENTION_CODES

    done: dict[str, int] = {}
    referral, contact = Referral._meta.db_table, Contact._meta.db_table
    allocation, handoff = Allocation._meta.db_table, Handoff._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        crisis = Team.objects.get(kind=Team.Kind.CRISIS)
        done["teams A06"] = Team.objects.filter(kind=Team.Kind.LOCALITY).update(mhsds_team_type="A06")
        done["teams A16"] = Team.objects.filter(kind=Team.Kind.SYSTEM_SERVICE).update(mhsds_team_type="A16")
        done["teams A02"] = Team.objects.filter(pk=crisis.pk).update(mhsds_team_type="A02")
        liaison = [
            Team.objects.create(
                name=name, kind=Team.Kind.SYSTEM_SERVICE, organisation_id=crisis.organisation_id, mhsds_team_type="A11"
            ).pk
            for name in LIAISON_TEAMS
        ]
        done["teams A11"] = len(liaison)
        locality_teams = list(Team.objects.filter(kind=Team.Kind.LOCALITY).values_list("pk", flat=True))

        def move(sources: list[str], to_team_sql: str, params: list) -> int:
            """Referrals from these sources still with their locality team go to another team."""
            cur.execute(
                f"""
                WITH moved AS (
                    UPDATE {referral} r SET team_id = {to_team_sql}
                    WHERE r.source = ANY(%s) AND r.team_id = ANY(%s)
                      AND NOT EXISTS (SELECT 1 FROM {handoff} h WHERE h.referral_id = r.id)
                    RETURNING r.id, r.team_id
                ), held AS (
                    UPDATE {allocation} a SET team_id = moved.team_id FROM moved WHERE a.referral_id = moved.id
                    RETURNING a.id
                )
                SELECT count(*) FROM moved
                """,
                [*params, sources, locality_teams],
            )
            return cur.fetchone()[0]

        done["referrals to liaison (ED)"] = move(
            [Referral.Source.EMERGENCY_DEPARTMENT], "(CASE WHEN r.id %% 2 = 0 THEN %s ELSE %s END)", liaison
        )
        done["referrals to crisis (police, ambulance)"] = move(
            [Referral.Source.POLICE, Referral.Source.AMBULANCE], "%s", [crisis.pk]
        )

        cur.execute(
            f"UPDATE {OutcomeMeasure._meta.db_table} SET tool_code = CASE instrument "
            + " ".join("WHEN %s THEN %s" for _ in OUTCOME_TOOL_BY_NAME)
            + " ELSE tool_code END WHERE tool_code = ''",
            [value for name, tool in OUTCOME_TOOL_BY_NAME.items() for value in (name, tool.code)],
        )
        done["outcome measures coded"] = cur.rowcount

        assessment_codes = sorted(ASSESSMENT_CODES)
        cur.execute(
            f"""
            INSERT INTO {Assessment._meta.db_table} (referral_id, completed_at, code, summary, recorded_by_id)
            SELECT DISTINCT ON (c.referral_id) c.referral_id, c.occurred_at,
                   CASE WHEN c.referral_id %% 10 = 0 THEN '' ELSE (%s::text[])[1 + c.referral_id %% %s] END,
                   'Assessment at the first contact (benchmark coding).', c.recorded_by_id
            FROM {contact} c
            WHERE c.attendance = ANY(%s) AND c.consultation_mechanism = ANY(%s)
            ORDER BY c.referral_id, c.occurred_at, c.id
            """,
            [assessment_codes, len(assessment_codes), sorted(ATTENDED), sorted(DIRECT_MECHANISMS)],
        )
        done["assessments"] = cur.rowcount

        therapy_codes = sorted(INTERVENTION_CODES)
        cur.execute(
            f"""
            INSERT INTO {Intervention._meta.db_table}
                (referral_id, kind, started_at, code, description, recorded_by_id)
            SELECT r.id, %s, r.treatment_started_at, (%s::text[])[1 + r.id %% %s],
                   'Psychological therapy (benchmark coding)', COALESCE(r.allocated_to_id, r.created_by_id)
            FROM {referral} r WHERE r.treatment_started_at IS NOT NULL
            """,
            [Intervention.Kind.TALKING_THERAPY, therapy_codes, len(therapy_codes)],
        )
        done["interventions"] = cur.rowcount

        cur.execute(
            f"""
            INSERT INTO {HospitalStay._meta.db_table} (referral_id, admitted_at, discharged_at, recorded_at, recorded_by_id)
            SELECT r.id, r.treatment_started_at + interval '3 days', r.treatment_started_at + interval '13 days',
                   r.treatment_started_at + interval '3 days', COALESCE(r.allocated_to_id, r.created_by_id)
            FROM {referral} r JOIN {Team._meta.db_table} t ON t.id = r.team_id
            WHERE t.mhsds_team_type = 'A06' AND r.treatment_started_at IS NOT NULL AND r.id %% %s = 0
            """,
            [HOSPITAL_STAY_ONE_IN],
        )
        done["hospital stays"] = cur.rowcount

        # The team types, assessments and interventions above bypassed the services: what the
        # services keep of them on each referral too.
        from referrals.services.measure_scope import referral_measure_scope_rebuild
        from referrals.services.milestones import referral_milestones_rebuild

        referral_milestones_rebuild()
        referral_measure_scope_rebuild()
        cur.execute(f"SELECT count(*) FROM {ReferralMilestones._meta.db_table}")
        done["referral milestones"] = cur.fetchone()[0]
    return done


def stored_referrals(database: str) -> str | None:
    """How many referrals the bench database says it holds (None: no database, or no record).

    A database holding another count is dropped up front (``rebuild``): bench_support's own
    rebuild of an existing database loads the data, then fails to record them (its table of
    what it holds is dropped with the old database and not made again).
    """
    server, _ = server_and_bench_url(database)
    try:
        conn = psycopg2.connect(**{**server, "dbname": database})
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
            if not cur.fetchone()[0]:
                return None
            cur.execute("SELECT value FROM bench_meta WHERE key = 'referrals'")
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def recent_month(now) -> str:
    from common.london import london_date

    first_of_this_month = london_date(now).replace(day=1)
    return f"{first_of_this_month - timedelta(days=1):%Y-%m}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument(
        "--database", default="caseload_measures_bench", help="Bench database (name must contain 'bench')."
    )
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and load it again.")
    parser.add_argument("--runs", type=int, default=7, help="Timed runs per measure (median and spread reported).")
    parser.add_argument("--no-explain", action="store_true", help="Leave out EXPLAIN of each heaviest query.")
    parser.add_argument("--month", help="YYYY-MM; default the last whole month before the data's end.")
    parser.add_argument("--measure", action="append", help="Only this measure (repeatable).")
    args = parser.parse_args()

    rebuild = args.rebuild or stored_referrals(args.database) != str(args.referrals)
    bench = bench_open(database=args.database, rebuild=rebuild, redis=False, referrals=args.referrals, care_plans=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from localities.models import Team
    from referrals.models import Referral
    from reporting.measures import MEASURES

    coding_seconds = None
    if meta().get("measures_coding") != CODING:
        print("Coding the bulk service for the measures (team types, routes, SNOMED CT codes)...", flush=True)
        started = time.monotonic()
        for what, rows in code_for_measures().items():
            print(f"  {what:<40} {rows:>10,}", flush=True)
        vacuum()
        coding_seconds = time.monotonic() - started
        set_meta(measures_coding=CODING)

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
    load = os.getloadavg()
    print()
    print(
        f"Measures benchmark: {version}, {os.cpu_count()} CPU cores, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(f"  referrals                  {Referral.objects.count():>12,}  (data up to {bench.now:%Y-%m-%d %H:%M} UTC)")
    by_type = Team.objects.exclude(mhsds_team_type="").order_by("mhsds_team_type").values_list("mhsds_team_type", "pk")
    for team_type in sorted({t for t, _ in by_type}):
        teams = [pk for t, pk in by_type if t == team_type]
        print(
            f"  team type {team_type}              {Referral.objects.filter(team_id__in=teams).count():>12,}"
            f"  referrals in {len(teams)} team{'s' if len(teams) > 1 else ''}"
        )
    if bench.load_seconds is not None:
        print(f"  bulk load                  {fmt_seconds(bench.load_seconds):>12}")
    if coding_seconds is not None:
        print(f"  coding for the measures    {fmt_seconds(coding_seconds):>12}")

    month = args.month or recent_month(bench.now)
    print()
    print(
        f"Each measure for {month}: one warm-up run, then {args.runs} timed runs (wall time of the function), of"
        " its figures (Measure.figures: what the figures API and the national page run) and of its records"
        " (Measure.compute: what the records API runs)"
    )
    heaviest = {}
    for code, measure in MEASURES.items():
        if args.measure and code not in args.measure:
            continue
        period = measure.period(month)
        figures = None
        for what, function in (("figures", measure.figures), ("records", measure.compute)):
            function(period)  # warm-up: connection, caches
            times, counts = [], []
            result, queries = None, []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    result = function(period)
                    times.append(time.perf_counter() - started)
                queries = captured.captured_queries
                counts.append(len(queries))
            assert result is not None
            shown = (result.numerator, result.denominator, result.still_waiting, result.still_waiting_bands)
            assert figures is None or shown == figures, f"{code}: the figures differ from the records' {shown}"
            figures = shown
            same = "same every run" if len(set(counts)) == 1 else f"DIFFERENT between runs: {counts}"
            in_scope = sum(1 for row in result.rows if row.in_scope)
            spread = statistics.stdev(times) if len(times) > 1 else 0.0
            print(
                f"  {code:<22} {what:<8} {period.label:<20} median {fmt_seconds(statistics.median(times)):>10} of "
                f"{len(times)} runs (min {fmt_seconds(min(times))}, max {fmt_seconds(max(times))}, "
                f"sd {fmt_seconds(spread)}); {counts[-1]} quer{'y' if counts[-1] == 1 else 'ies'} ({same})",
                flush=True,
            )
            bands = ", ".join(f"{band} {n:,}" for band, n in result.still_waiting_bands.items())
            print(
                f"  {'':<31} numerator {result.numerator:,} / denominator {result.denominator:,} "
                f"({'-' if result.rate is None else f'{result.rate}%'}); still waiting {result.still_waiting:,}; "
                f"rows {len(result.rows):,} ({in_scope:,} in scope)" + (f"; waiting: {bands}" if bands else ""),
                flush=True,
            )
            if queries:
                heaviest[f"{code} ({what})"] = max(queries, key=lambda q: float(q["time"]))

    load = os.getloadavg()
    print(f"  (load average after the runs {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
    if args.no_explain:
        return
    print()
    print("EXPLAIN (ANALYZE, BUFFERS) of each measure's heaviest query (last run):")
    for code, query in heaviest.items():
        print()
        print(f"  {code}: {float(query['time']) * 1000:.0f} ms when the measure ran it")
        print(f"    {query['sql'][:800]}{'...' if len(query['sql']) > 800 else ''}")
        for line in explain(query["sql"]):
            print(f"    {line}")


if __name__ == "__main__":
    main()
