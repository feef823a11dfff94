"""Bulk-load a synthetic service for the dashboard benchmark (used by scripts/bench_dashboard.py).

Everything is made with ``INSERT ... SELECT generate_series`` from one plan table, so a
million referrals take minutes, not hours. Draws are reproducible: each is a hash of the
row number and a salt (``u(salt)``, from scripts/bench_sweep.py), never random().

The data are consistent with the models' constraints and with the clock rules: the
first-response clock stops at the first completed contact, the treatment clock at the
second (the default rule), a closed referral's open clocks stop with 'referral_ended',
1% of treatment clocks were restarted (the superseded clock stays, stopped
'restarted'), a few were stopped by hand or are paused. Hand-offs move the referral to
the receiving team; outcome measures pair a baseline with a discharge score; open
allocations hold the referrals in treatment; breach and escalation alerts exist for the
clocks that earned them. Equality answers include "not stated", and waits differ a
little by locality and ethnic group so the equality page has something to show.
"""

import time
from datetime import datetime, timedelta

from bench_sweep import fmt_seconds, u

SPAN_DAYS = 730  # referrals received over two years
OPEN_DAYS = 120  # referrals younger than this are still open

LOCALITIES = [
    # name, code, share of referrals (roughly by population)
    ("South Gloucestershire", "south-glos", 0.27),
    ("North and West Bristol", "north-west-bristol", 0.16),
    ("Inner City and East Bristol", "inner-city-east-bristol", 0.17),
    ("South Bristol", "south-bristol", 0.14),
    ("Woodspring", "woodspring", 0.13),
    ("Weston, Worle and Villages", "weston-worle-villages", 0.13),
]
WORKERS_PER_TEAM = 24

PLAN_SQL = f"""
CREATE UNLOGGED TABLE dash_plan AS
WITH a AS (
    SELECT g,
           %(now)s::timestamptz - make_interval(secs => (g - 1)::float8 * %(span)s / %(n)s + {u(1)} * 3600) AS received_at,
           CASE WHEN {u(2)} < 0.02 THEN 'emergency' WHEN {u(2)} < 0.07 THEN 'very_urgent'
                WHEN {u(2)} < 0.22 THEN 'urgent' ELSE 'routine' END AS urgency,
           (ARRAY['gp', 'gp', 'gp', 'gp', 'gp', 'self', 'self', 'mental_health_line', 'vcse', 'emergency_department',
                  'social_care', 'talking_therapies', 'police', 'ambulance', 'other'])[1 + floor({u(3)} * 15)::int]
               AS source,
           CASE WHEN {u(20)} < 0.27 THEN 1 WHEN {u(20)} < 0.43 THEN 2 WHEN {u(20)} < 0.60 THEN 3
                WHEN {u(20)} < 0.74 THEN 4 WHEN {u(20)} < 0.87 THEN 5 ELSE 6 END AS loc,
           CASE WHEN {u(21)} < 0.06 THEN 7 WHEN {u(21)} < 0.09 THEN 8 ELSE 0 END AS special_team,
           (ARRAY['A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'B', 'C', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K',
                  'L', 'M', 'N', 'N', 'P', 'R', 'S', 'Z', 'Z', 'Z'])[1 + floor({u(11)} * 30)::int] AS ethnicity,
           {u(4)} AS u_fr, {u(5)} AS u_fr2, {u(6)} AS u_tr, {u(7)} AS u_wait, {u(8)} AS u_closed, {u(9)} AS u_alloc,
           {u(22)} AS u_handoff, {u(23)} AS u_restart, {u(24)} AS u_manual, {u(25)} AS u_outcome,
           {u(26)} AS u_reref, {u(27)} AS u_attempt
    FROM generate_series(1, %(n)s) AS g
), b AS (
    SELECT a.*,
           CASE WHEN g > 60000 AND u_reref < 0.08 THEN g - 30000 - floor({u(28)} * 30000)::int ELSE g END AS person_id,
           %(now)s::timestamptz - a.received_at AS age,
           rt.target AS fr_target, rt.escalation_after AS fr_esc1, rt.second_escalation_after AS fr_esc2,
           CASE WHEN u_fr < 0.9 THEN rt.target * (0.2 + 0.75 * u_fr2) ELSE rt.target * (1.05 + 2 * u_fr2) END
               AS fr_delay,
           make_interval(secs => 86400 * (8 + 34 * u_tr * u_tr + CASE WHEN loc = 3 THEN 4 ELSE 0 END
                                              + CASE WHEN ethnicity IN ('M', 'N', 'P') THEN 3 ELSE 0 END)) AS tr_delay,
           CASE WHEN special_team > 0 THEN special_team ELSE loc END AS first_team_idx
    FROM a JOIN referrals_responsetarget rt ON rt.urgency = a.urgency AND rt.policy_id = %(policy)s
), c AS (
    SELECT b.*, age >= %(open)s AS ended, age >= %(open)s AND u_closed < 0.15 AS closed,
           u_handoff < 0.06 AS handed_off,
           received_at + make_interval(secs => 86400 * (1 + 9 * {u(29)})) AS handoff_at,
           CASE WHEN first_team_idx <= 6 THEN
                    CASE WHEN {u(30)} < 0.5 THEN 7 WHEN {u(30)} < 0.8 THEN 8 ELSE 1 + (first_team_idx %% 6) END
                ELSE loc END AS handoff_to_idx
    FROM b
), d AS (
    SELECT c.*,
           CASE WHEN closed THEN received_at + make_interval(secs => 86400 * (14 + 7 * u_fr2))
                WHEN ended THEN LEAST(received_at + tr_delay + make_interval(secs => 86400 * (30 + 60 * u_alloc)),
                                      %(now)s::timestamptz - interval '1 hour')
           END AS ended_at,
           u_restart < 0.01 AND age > interval '6 days' AS restarted,
           received_at + interval '5 days' AS restart_at
    FROM c
), e AS (
    SELECT d.*,
           handed_off AND handoff_at < COALESCE(ended_at, %(now)s::timestamptz) AS has_handoff,
           CASE WHEN closed AND received_at + fr_delay >= ended_at THEN ended_at
                WHEN received_at + fr_delay <= %(now)s::timestamptz THEN received_at + fr_delay END AS fr_stop,
           CASE WHEN closed AND received_at + fr_delay >= ended_at THEN 'referral_ended'
                WHEN received_at + fr_delay <= %(now)s::timestamptz THEN 'first_completed_contact' ELSE '' END
               AS fr_reason,
           CASE WHEN closed THEN ended_at
                WHEN ended THEN received_at + tr_delay
                WHEN u_wait < 0.3 THEN NULL
                WHEN received_at + tr_delay <= %(now)s::timestamptz THEN received_at + tr_delay END AS tr_stop
    FROM d
), f AS (
    SELECT e.*,
           CASE WHEN tr_stop IS NULL THEN ''
                WHEN closed THEN 'referral_ended'
                WHEN u_manual < 0.005 THEN 'manual'
                ELSE 'second_completed_contact' END AS tr_reason,
           CASE WHEN has_handoff THEN handoff_to_idx ELSE first_team_idx END AS team_idx
    FROM e
)
SELECT f.*,
       CASE WHEN closed THEN 'closed' WHEN ended THEN 'discharged'
            WHEN tr_stop IS NOT NULL THEN 'in_treatment'
            WHEN fr_stop IS NOT NULL AND u_alloc < 0.6 THEN 'allocated'
            WHEN has_handoff THEN 'redirected'
            WHEN fr_stop IS NOT NULL THEN 'assessed' ELSE 'triaged' END AS status,
       CASE WHEN team_idx <= 6 THEN team_idx ELSE loc END AS final_loc
FROM f
"""

PERSON_SELECT = f"""
SELECT g AS id,
       CASE WHEN g > 1000000 OR 11 - tot %% 11 = 10 THEN NULL
            WHEN 11 - tot %% 11 = 11 THEN stem || '0' ELSE stem || (11 - tot %% 11)::text END AS nhs_number,
       'Synthetic' AS given_name, 'Person ' || g AS family_name,
       CASE WHEN {u(10)} < 0.04 THEN NULL
            ELSE (received_at AT TIME ZONE 'Europe/London')::date
                 - make_interval(years => 16 + floor({u(12)} * {u(12)} * 70)::int, days => floor({u(13)} * 365)::int)
       END::date AS birth_date,
       'BS' || (1 + g %% 49) || ' 9ZZ' AS postcode, NULL::bigint AS gp_practice_id,
       ethnicity,
       (ARRAY['female', 'female', 'female', 'female', 'male', 'male', 'male', 'non_binary', 'other', 'not_stated'])
           [1 + floor({u(14)} * 10)::int] AS gender,
       (ARRAY['heterosexual', 'heterosexual', 'heterosexual', 'heterosexual', 'heterosexual', 'heterosexual',
              'bisexual', 'gay_lesbian', 'other', 'not_stated', 'not_stated'])[1 + floor({u(15)} * 11)::int]
           AS sexual_orientation,
       (ARRAY['yes', 'no', 'no', 'no', 'not_stated'])[1 + floor({u(16)} * 5)::int] AS disability,
       received_at AS created_at
FROM (
    SELECT p.*, s.stem,
           (SELECT sum(substr(s.stem, i, 1)::int * (11 - i)) FROM generate_series(1, 9) AS i) AS tot
    FROM dash_plan p CROSS JOIN LATERAL (SELECT (999000000 + least(p.g, 1000000) - 1)::text AS stem) s
) numbered
"""

REFERRAL_SELECT = """
SELECT g AS id, 'RF-' || lpad((g / 100000)::text, 5, '0') || '-' || lpad((g %% 100000)::text, 5, '0') AS reference,
       person_id, source, received_at, urgency, 'Synthetic benchmark referral.' AS presenting_need,
       (%(localities)s::bigint[])[final_loc] AS locality_id, (%(teams)s::bigint[])[team_idx] AS team_id,
       'benchmark' AS routing_reason, status,
       COALESCE(ended_at, tr_stop, fr_stop, received_at) AS status_changed_at,
       CASE WHEN status IN ('allocated', 'in_treatment') OR (status = 'discharged' AND u_alloc < 0.9)
            THEN (%(team_first_user)s::bigint[])[team_idx] + floor(u_alloc * 1000)::int %% %(workers)s END
           AS allocated_to_id,
       CASE WHEN status IN ('in_treatment', 'discharged') THEN tr_stop END AS treatment_started_at,
       ended_at, CASE WHEN closed THEN 'no_contact' ELSE '' END AS closure_reason,
       CASE WHEN ended AND NOT closed THEN 'Back to self-care.' ELSE '' END AS discharge_note,
       CASE WHEN ended AND NOT closed THEN 'goals_met' ELSE '' END AS discharge_reason,
       received_at AS created_at, %(intake_user)s AS created_by_id, NULL AS idempotency_key,
       '' AS idempotency_fingerprint
FROM dash_plan
"""

# One row per clock: first response (id 3g-2), treatment (3g-1) and, for the 1% restarted,
# the treatment clock that replaced it (3g). step = alert thresholds already passed.
CLOCK_SELECT = """
SELECT id, referral_id, kind, is_current, stop_rule, started_at, target, warn_at, due_at, escalation_at,
       second_escalation_at,
       CASE WHEN paused THEN %(now)s::timestamptz - interval '2 days' END AS paused_at,
       stop AS stopped_at, CASE WHEN stop IS NOT NULL AND reason <> 'first_completed_contact'
                                     AND reason <> 'second_completed_contact' THEN %(intake_user)s END AS stopped_by_id,
       reason AS stop_reason, step AS next_alert_step,
       CASE WHEN stop IS NOT NULL OR paused THEN NULL WHEN step = 0 THEN warn_at WHEN step = 1 THEN due_at
            WHEN step = 2 THEN escalation_at WHEN step = 3 THEN second_escalation_at END AS next_check_at
FROM (
    SELECT t.*,
           (warn_at <= ref)::int + (due_at <= ref)::int + (escalation_at <= ref)::int
               + (second_escalation_at <= ref)::int AS step
    FROM (
        SELECT k.*, k.started + k.target * %(warn)s::float8 AS warn_at,
               k.started + k.target AS due_at,
               k.started + k.target + k.esc1 AS escalation_at,
               k.started + k.target + k.esc2 AS second_escalation_at,
               k.started AS started_at,
               COALESCE(k.stop, CASE WHEN k.paused THEN %(now)s::timestamptz - interval '2 days' END,
                        %(now)s::timestamptz) AS ref
        FROM dash_plan p CROSS JOIN LATERAL (VALUES
            (3 * p.g - 2, p.g, 'first_response', true, '', p.received_at, p.fr_target, p.fr_esc1, p.fr_esc2,
             p.fr_stop, p.fr_reason, false),
            (3 * p.g - 1, p.g, 'treatment', NOT p.restarted, %(rule)s, p.received_at, %(tr_target)s::interval,
             %(tr_esc1)s::interval, %(tr_esc2)s::interval,
             CASE WHEN p.restarted THEN p.restart_at ELSE p.tr_stop END,
             CASE WHEN p.restarted THEN 'restarted' ELSE p.tr_reason END,
             NOT p.restarted AND p.tr_stop IS NULL AND p.u_manual > 0.998
                 AND p.received_at < %(now)s::timestamptz - interval '3 days'),
            (3 * p.g, p.g, 'treatment', true, %(rule)s, p.restart_at, %(tr_target)s::interval,
             %(tr_esc1)s::interval, %(tr_esc2)s::interval, p.tr_stop, p.tr_reason, false)
        ) AS k(id, referral_id, kind, is_current, stop_rule, started, target, esc1, esc2, stop, reason, paused)
        WHERE k.id %% 3 <> 0 OR p.restarted
    ) t
) s
"""

CONTACT_SELECT = """
SELECT occurred_at, mode, outcome, false AS starts_treatment, '' AS note, occurred_at AS recorded_at,
       (%(team_first_user)s::bigint[])[team_idx] AS recorded_by_id, referral_id
FROM (
    SELECT g AS referral_id, team_idx, c.*
    FROM dash_plan p CROSS JOIN LATERAL (VALUES
        (p.fr_stop, 'telephone', 'completed', p.fr_reason = 'first_completed_contact'),
        (p.tr_stop, 'face_to_face', 'completed', p.tr_reason = 'second_completed_contact'),
        (p.received_at + interval '30 minutes', 'telephone', 'attempted',
         p.u_attempt < 0.2 AND p.received_at + interval '30 minutes' < COALESCE(p.ended_at, %(now)s::timestamptz))
    ) AS c(occurred_at, mode, outcome, wanted)
    WHERE c.wanted
) s
"""

HANDOFF_SELECT = """
SELECT g AS referral_id, (%(teams)s::bigint[])[first_team_idx] AS from_team_id,
       (%(teams)s::bigint[])[handoff_to_idx] AS to_team_id, 'Warm handover (synthetic).' AS note,
       true AS person_informed, handoff_at AS at, %(intake_user)s AS by_id, false AS clocks_restarted
FROM dash_plan WHERE has_handoff AND first_team_idx <> handoff_to_idx
"""

OUTCOME_SELECT = f"""
SELECT g AS referral_id, instrument, score, stage, recorded_at, %(intake_user)s AS recorded_by_id
FROM (
    SELECT p.g, m.*
    FROM dash_plan p CROSS JOIN LATERAL (
        SELECT CASE WHEN {u(31)} < 0.6 THEN 'ReQoL-10' ELSE 'CORE-10' END AS instrument,
               round((10 + 15 * {u(32)})::numeric, 0) AS base, round((-4 + 14 * {u(33)})::numeric, 0) AS change
    ) i CROSS JOIN LATERAL (VALUES
        (i.instrument, i.base, 'baseline', p.tr_stop),
        (i.instrument, GREATEST(0, i.base + CASE WHEN i.instrument = 'ReQoL-10' THEN i.change ELSE -i.change END),
         'discharge', p.ended_at - interval '1 hour')
    ) AS m(instrument, score, stage, recorded_at)
    WHERE p.status = 'discharged' AND p.tr_stop IS NOT NULL AND p.u_outcome < 0.6
          AND (m.stage = 'baseline' OR p.u_outcome < 0.45)
) s
"""

ALLOCATION_SELECT = """
SELECT id AS referral_id, allocated_to_id AS link_worker_id, team_id, status_changed_at AS started_at,
       allocated_to_id AS started_by_id, '' AS handover_note, NULL::timestamptz AS ended_at
FROM referrals_referral WHERE status IN ('allocated', 'in_treatment')
"""

ALERT_SELECT = """
SELECT id AS clock_id, referral_id, kind AS clock_kind, a.level, a.tier, a.threshold_at, a.threshold_at AS created_at,
       NULL::timestamptz AS claimed_until, 1 AS attempts, a.threshold_at + interval '1 minute' AS sent_at,
       '' AS last_error
FROM referrals_clock c CROSS JOIN LATERAL (VALUES
    ('warning', 0, c.warn_at, c.next_alert_step >= 1),
    ('breach', 0, c.due_at, c.next_alert_step >= 2),
    ('escalation', 1, c.escalation_at, c.next_alert_step >= 3),
    ('escalation', 2, c.second_escalation_at, c.next_alert_step >= 4)
) AS a(level, tier, threshold_at, reached)
WHERE a.reached
"""


def _insert(cur, model, select_sql: str, params: dict) -> None:
    """INSERT INTO the model's table from a SELECT; columns the SELECT lacks get NULL or their default.

    Other engineers add columns as the project grows: a nullable one, or one with a
    constant default, is filled here without editing this file; anything else stops the
    load with a clear message.
    """
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    cur.execute(f"SELECT * FROM ({select_sql}) s LIMIT 0", params)
    selected = [col.name for col in cur.description]
    columns, values = list(selected), [f"s.{name}" for name in selected]
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.column in selected or field.primary_key or field.null:
            continue
        # A constant default, or Django's "" for a blank CharField; never a per-row callable.
        default = None if callable(field.default) and field.default is not NOT_PROVIDED else field.get_default()
        if default is None:
            raise SystemExit(f"{model._meta.db_table}.{field.column} has no value in the benchmark's INSERT: add it.")
        key = f"default_{field.column}"
        defaults[key] = field.get_db_prep_save(default, connection)
        columns.append(field.column)
        values.append(f"%({key})s")
    cur.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM ({select_sql}) s",
        {**params, **defaults},
    )


def build(n: int, now: datetime) -> None:
    from django.db import connection, transaction

    from accounts.models import Role, User
    from localities.models import Locality, Organisation, Team
    from referrals.models import (
        Alert,
        Allocation,
        Clock,
        ClockPolicy,
        Contact,
        Handoff,
        OutcomeMeasure,
        Person,
        Referral,
    )

    with transaction.atomic():
        trust = Organisation.objects.create(name="Benchmark Partnership NHS Trust", kind=Organisation.Kind.NHS_TRUST)
        vcse = Organisation.objects.create(name="Benchmark Mind", kind=Organisation.Kind.VCSE)
        localities = [Locality.objects.create(name=name, code=code) for name, code, _ in LOCALITIES]
        teams = [
            Team.objects.create(name=f"{loc.name} IPCT", organisation=trust, locality=loc, kind=Team.Kind.LOCALITY)
            for loc in localities
        ]
        teams.append(
            Team.objects.create(name="Sequoia Tree Service", organisation=trust, kind=Team.Kind.SYSTEM_SERVICE)
        )
        teams.append(Team.objects.create(name="Crisis and Home Treatment", organisation=trust, kind=Team.Kind.CRISIS))
        for loc, team in zip(localities, teams, strict=False):
            loc.intake_team = team
            loc.save(update_fields=["intake_team"])
        first_users = []
        for t, team in enumerate(teams):
            members = []
            for w in range(WORKERS_PER_TEAM):
                vcse_worker = w % 4 == 3
                members.append(
                    User(
                        username=f"worker-{t}-{w}",
                        role=Role.LINK_WORKER if w % 2 else Role.CLINICIAN,
                        organisation=vcse if vcse_worker else trust,
                        job_title="Peer support worker" if vcse_worker else "Community mental health nurse",
                        caseload_capacity=15 if vcse_worker else 25 + (w % 3) * 5,
                        email=f"worker-{t}-{w}@bench.invalid",
                        date_joined=now,
                    )
                )
            created = User.objects.bulk_create(members)
            first_users.append(created[0].pk)
            manager = User.objects.create(
                username=f"manager-{t}",
                role=Role.TEAM_MANAGER,
                organisation=trust,
                caseload_capacity=0,
                email=f"manager-{t}@bench.invalid",
                date_joined=now,
            )
            for user in [*created, manager]:
                user.memberships.create(team=team)
        # Users are created in order, so each team's workers have consecutive ids.
        assert all(
            User.objects.filter(username=f"worker-{t}-{WORKERS_PER_TEAM - 1}").get().pk == first + WORKERS_PER_TEAM - 1
            for t, first in enumerate(first_users)
        )
        intake = User.objects.create(
            username="intake",
            role=Role.ADMINISTRATOR,
            organisation=trust,
            email="intake@bench.invalid",
            date_joined=now,
        )
        User.objects.create(
            username="service-manager",
            role=Role.SERVICE_MANAGER,
            organisation=trust,
            caseload_capacity=0,
            email="sm@bench.invalid",
            date_joined=now,
        )
        User.objects.create(
            username="admin",
            role=Role.ADMINISTRATOR,
            is_superuser=True,
            is_staff=True,
            email="admin@bench.invalid",
            date_joined=now,
        )
    policy = ClockPolicy.objects.get(is_default=True)
    params = {
        "now": now,
        "n": n,
        "span": SPAN_DAYS * 86400.0,
        "open": timedelta(days=OPEN_DAYS),
        "policy": policy.pk,
        "localities": [loc.pk for loc in localities],
        "teams": [team.pk for team in teams],
        "team_first_user": first_users,
        "workers": WORKERS_PER_TEAM,
        "intake_user": intake.pk,
        "warn": float(policy.warning_fraction),
        "rule": policy.treatment_stop_rule,
        "tr_target": policy.treatment_target,
        "tr_esc1": policy.treatment_escalation_after,
        "tr_esc2": policy.treatment_second_escalation_after,
    }
    steps = [
        ("plan", None, "DROP TABLE IF EXISTS dash_plan"),
        ("plan", None, PLAN_SQL),
        ("people", Person, PERSON_SELECT),
        ("referrals", Referral, REFERRAL_SELECT),
        ("clocks", Clock, CLOCK_SELECT),
        ("contacts", Contact, CONTACT_SELECT),
        ("handoffs", Handoff, HANDOFF_SELECT),
        ("outcomes", OutcomeMeasure, OUTCOME_SELECT),
        ("allocations", Allocation, ALLOCATION_SELECT),
        ("alerts", Alert, ALERT_SELECT),
        ("plan", None, "DROP TABLE dash_plan"),
    ]
    with connection.cursor() as cur:
        for label, model, sql in steps:
            started = time.monotonic()
            with transaction.atomic():
                if model is None:
                    cur.execute(sql, params)
                else:
                    _insert(cur, model, sql, params)
            if cur.rowcount and cur.rowcount > 0:
                print(f"  {label:<12} {cur.rowcount:>10,} rows  {fmt_seconds(time.monotonic() - started)}", flush=True)
        for model in (Person, Referral, Clock):
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
