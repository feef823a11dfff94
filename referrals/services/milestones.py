"""Keeping each referral's earliest clock-stop events (``ReferralMilestones``) as they are recorded.

``referral_milestones_refresh`` recomputes one referral's row from its records; every service
that records a contact, an assessment, a care plan, an intervention or an outcome measure calls
it in its own transaction, before the clocks are evaluated (the referral's lock first: the one
lock order, docs/adr/0003). ``referral_milestones_rebuild`` computes every row at once, set-based
(migration 0013, the bulk generator, after a change to the code lists). Both run the same SQL,
on PostgreSQL and SQLite alike, so a stored row is by construction what a computation from
scratch gives (tests/referrals/services/test_milestones.py checks it).

Under READ COMMITTED a statement sees what was committed before it started: the referral is
locked first, so two events recorded at once for one referral are both seen by the second
refresh to run.
"""

from datetime import datetime

from django.db import connection
from django.db.models import QuerySet, Subquery

from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
from codes.snomed import OUTCOME_TOOL_BY_CODE
from common.london import london_date
from referrals.models import (
    Assessment,
    CarePlan,
    Contact,
    Intervention,
    OutcomeMeasure,
    Referral,
    ReferralMilestones,
)
from referrals.selectors import (
    MEANINGFUL_ASSESSMENT_FROM,
    clock_stop_assessment,
    clock_stop_assessment_sql,
    clock_stop_intervention,
    clock_stop_intervention_sql,
)

# (column, table, time, condition on the event aliased e): the four components of the clock
# stop, the care plan and the coded intervention apart (4w_waits_prep.py L257-L456).
COLUMNS = (
    "first_counting_contact_at",
    "first_coded_outcome_at",
    "first_coded_assessment_at",
    "first_care_plan_at",
    "first_coded_intervention_at",
)


_NO_TIME = "CAST(NULL AS timestamp with time zone)"  # typed, for the union (PostgreSQL and SQLite)


def _in(values: frozenset[str] | set[str] | list[str]) -> str:
    """Constant codes from our own lists as SQL literals, in a fixed order."""
    for value in values:
        if not value.isalnum():
            raise ValueError(f"not a code: {value!r}")
    return ", ".join(f"'{value}'" for value in sorted(values))


def _counting_contact_sql(alias: str) -> str:
    """SQL: the contact aliased ``alias`` counts (attended, by a direct mechanism; L257-L281)."""
    return f"{alias}.attendance IN ({_in(ATTENDED)}) AND {alias}.consultation_mechanism IN ({_in(DIRECT_MECHANISMS)})"


def _counting_contacts() -> QuerySet[Contact]:
    """The contacts that count, as ``_counting_contact_sql`` says."""
    return Contact.objects.filter(attendance__in=ATTENDED, consultation_mechanism__in=DIRECT_MECHANISMS)


def _events_sql(where: str) -> str:
    """Each referral's earliest event per component, as (referral_id, the five columns), for the
    referrals the condition ``where`` (on ``e.referral_id``) picks."""
    sources = (
        (Contact, "occurred_at", _counting_contact_sql("e")),
        (OutcomeMeasure, "recorded_at", f"e.tool_code IN ({_in(set(OUTCOME_TOOL_BY_CODE))})"),
        # Coded from the reference sets as shipped or loaded from the trust's release (a member
        # since inactivated still counts), less the activities that never stop a clock.
        (Assessment, "completed_at", clock_stop_assessment_sql("e.code")),
        (CarePlan, "agreed_at", ""),
        (Intervention, "started_at", clock_stop_intervention_sql("e.code")),
    )
    parts = []
    for i, (model, at, condition) in enumerate(sources):
        columns = ", ".join(f"{f'e.{at}' if j == i else _NO_TIME} AS c{j}" for j in range(len(sources)))
        # min() in each branch: a referral's events collapse before the union.
        conditions = " AND ".join(c for c in (where, condition) if c)
        parts.append(
            f"SELECT e.referral_id AS referral_id, {columns.replace(f'e.{at}', f'min(e.{at})')}"
            f" FROM {model._meta.db_table} e WHERE {conditions} GROUP BY e.referral_id"
        )
    union = "\n UNION ALL ".join(parts)
    aggregates = ", ".join(f"min(u.c{i}) AS {column}" for i, column in enumerate(COLUMNS))
    return f"SELECT u.referral_id, {aggregates} FROM ({union}) AS u GROUP BY u.referral_id"


def _write(where: str, params: list[int]) -> None:
    table = ReferralMilestones._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where.replace('e.', '')}", params)
        cursor.execute(
            f"INSERT INTO {table} (referral_id, {', '.join(COLUMNS)}) {_events_sql(where)}",
            params * len(COLUMNS),
        )


def own_spell_stop(
    *,
    received_at: datetime,
    contact: datetime | None,
    outcome: datetime | None,
    assessment: datetime | None,
    care_plan: datetime | None,
    intervention: datetime | None,
) -> datetime | None:
    """The referral-spell clock stop of a spell of this referral alone (4w_waits_prep.py L495-L511,
    docs/measures.md): the latest of its first counting contact, baseline outcome, coded assessment
    (for spells from April 2024, or with a first contact from then) and care plan or else coded
    intervention, whichever came first; None while one is missing. ``reporting.measures.referral_spell``
    reads it for people with no other referral, whose spell this is."""
    if contact is None or outcome is None:
        return None
    needs_assessment = (
        london_date(received_at) >= MEANINGFUL_ASSESSMENT_FROM or london_date(contact) >= MEANINGFUL_ASSESSMENT_FROM
    )
    if needs_assessment and assessment is None:
        return None
    plan_or_intervention = (
        care_plan if care_plan is not None and (intervention is None or care_plan <= intervention) else intervention
    )
    if plan_or_intervention is None:
        return None
    return max(at for at in (contact, outcome, assessment if needs_assessment else None, plan_or_intervention) if at)


def referral_milestones_refresh(*, referral: Referral) -> None:
    """Recompute this referral's milestones from its records, and the clock stop of a spell of it
    alone (``Referral.own_spell_stop_at``), in the caller's transaction."""
    # The referral's lock (a no-op where it is already held, as in contact_record).
    received_at = (
        Referral.objects.select_for_update(no_key=True)
        .filter(pk=referral.pk)
        .values_list("received_at", flat=True)
        .get()
    )
    _write("e.referral_id = %s", [referral.pk])
    row = ReferralMilestones.objects.filter(referral_id=referral.pk).values_list(*COLUMNS).first()
    stop = own_spell_stop(received_at=received_at, **dict(zip(_OWN, row, strict=True))) if row else None
    # Its second contact that counts, in date, time and id order (CMH Dashboard L233).
    second = _counting_contacts().filter(referral_id=referral.pk).order_by("occurred_at", "id").values("occurred_at")
    Referral.objects.filter(pk=referral.pk).update(
        own_spell_stop_at=stop, second_counting_contact_at=Subquery(second[1:2])
    )


def referral_second_contacts_rebuild() -> None:
    """Every referral's second counting contact (``Referral.second_counting_contact_at``) from the
    contacts, set-based on PostgreSQL (migration 0027, the bulk generator); row by row elsewhere.
    Only the rows whose value changes are written."""
    if connection.vendor == "postgresql":
        _second_contacts_postgresql()
    else:
        _second_contacts_portable()


def _second_contacts_postgresql() -> None:
    referral, contact = Referral._meta.db_table, Contact._meta.db_table
    counting = _counting_contact_sql("c")
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH seconds AS (
                SELECT c.referral_id, c.occurred_at FROM (
                    SELECT c.referral_id, c.occurred_at,
                           row_number() OVER (PARTITION BY c.referral_id ORDER BY c.occurred_at, c.id) AS n
                    FROM {contact} c WHERE {counting}
                ) c WHERE c.n = 2
            ), wanted AS (
                SELECT r.id, s.occurred_at FROM {referral} r LEFT JOIN seconds s ON s.referral_id = r.id
            )
            UPDATE {referral} r SET second_counting_contact_at = w.occurred_at
            FROM wanted w WHERE w.id = r.id AND r.second_counting_contact_at IS DISTINCT FROM w.occurred_at
        """)


def _second_contacts_portable() -> None:
    seconds: dict[int, datetime] = {}
    seen: dict[int, int] = {}
    for referral_id, occurred_at in (
        _counting_contacts().order_by("occurred_at", "id").values_list("referral_id", "occurred_at")
    ):
        seen[referral_id] = seen.get(referral_id, 0) + 1
        if seen[referral_id] == 2:
            seconds[referral_id] = occurred_at
    changed = []
    for row in Referral.objects.only("pk", "second_counting_contact_at"):
        if row.second_counting_contact_at != seconds.get(row.pk):
            row.second_counting_contact_at = seconds.get(row.pk)
            changed.append(row)
    Referral.objects.bulk_update(changed, ["second_counting_contact_at"], batch_size=1000)


def referral_milestones_rebuild(*, own_spell_stops: bool = True) -> None:
    """Every referral's milestones from the records, set-based (a million referrals: seconds),
    then each referral's ``own_spell_stop_at`` from them (``own_spell_stops=False``: migration
    0013, which runs before that column exists)."""
    _write("e.referral_id IS NOT NULL", [])
    if not own_spell_stops:
        return
    if connection.vendor == "postgresql":
        _own_spell_stops_postgresql()
    else:
        changed = []
        rows: dict[int, list[datetime | None]] = {}
        for referral_id, *columns in ReferralMilestones.objects.values_list("referral_id", *COLUMNS):
            rows[referral_id] = columns
        for referral in Referral.objects.only("pk", "received_at", "own_spell_stop_at"):
            columns = rows.get(referral.pk)
            stop = (
                own_spell_stop(received_at=referral.received_at, **dict(zip(_OWN, columns, strict=True)))
                if columns
                else None
            )
            if stop != referral.own_spell_stop_at:
                referral.own_spell_stop_at = stop
                changed.append(referral)
        Referral.objects.bulk_update(changed, ["own_spell_stop_at"], batch_size=1000)


# own_spell_stop's arguments, in the order of COLUMNS.
_OWN = ("contact", "outcome", "assessment", "care_plan", "intervention")


def _own_spell_stops_postgresql() -> None:
    """``own_spell_stop`` for every referral, set-based; only the rows whose value changes are written."""
    referral, milestones = Referral._meta.db_table, ReferralMilestones._meta.db_table
    uk = "AT TIME ZONE 'Europe/London'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH parts AS (
                SELECT r.id, m.first_counting_contact_at AS contact, m.first_coded_outcome_at AS outcome,
                       CASE WHEN (r.received_at {uk})::date >= %(from)s
                                 OR (m.first_counting_contact_at {uk})::date >= %(from)s
                            THEN m.first_coded_assessment_at END AS assessment,
                       (r.received_at {uk})::date >= %(from)s
                           OR (m.first_counting_contact_at {uk})::date >= %(from)s AS needs_assessment,
                       CASE WHEN m.first_care_plan_at IS NOT NULL
                                 AND (m.first_coded_intervention_at IS NULL
                                      OR m.first_care_plan_at <= m.first_coded_intervention_at)
                            THEN m.first_care_plan_at ELSE m.first_coded_intervention_at END AS plan_or_intervention
                FROM {referral} r JOIN {milestones} m ON m.referral_id = r.id
            ), stops AS (
                SELECT r.id, CASE WHEN p.contact IS NOT NULL AND p.outcome IS NOT NULL
                                       AND (p.assessment IS NOT NULL OR NOT p.needs_assessment)
                                       AND p.plan_or_intervention IS NOT NULL
                                  THEN GREATEST(p.contact, p.outcome, p.assessment, p.plan_or_intervention) END AS stop
                FROM {referral} r LEFT JOIN parts p ON p.id = r.id
            )
            UPDATE {referral} r SET own_spell_stop_at = s.stop
            FROM stops s WHERE s.id = r.id AND r.own_spell_stop_at IS DISTINCT FROM s.stop
            """,
            {"from": MEANINGFUL_ASSESSMENT_FROM},
        )


def referral_milestones_computed(referral_ids: list[int]) -> dict[int, dict[str, object]]:
    """The milestones computed from the records now, through the ORM (for the checks): per
    referral with any of the events, the five columns."""
    from django.db.models import Min

    found: dict[int, dict[str, object]] = {}
    sources = (
        (
            "first_counting_contact_at",
            _counting_contacts(),
            "occurred_at",
        ),
        (
            "first_coded_outcome_at",
            OutcomeMeasure.objects.filter(tool_code__in=list(OUTCOME_TOOL_BY_CODE)),
            "recorded_at",
        ),
        ("first_coded_assessment_at", Assessment.objects.filter(clock_stop_assessment()), "completed_at"),
        ("first_care_plan_at", CarePlan.objects.all(), "agreed_at"),
        ("first_coded_intervention_at", Intervention.objects.filter(clock_stop_intervention()), "started_at"),
    )
    for column, rows, at in sources:
        for referral_id, first in (
            rows.filter(referral_id__in=referral_ids).order_by().values("referral_id").annotate(first=Min(at))
        ).values_list("referral_id", "first"):
            found.setdefault(referral_id, dict.fromkeys(COLUMNS))[column] = first
    return found
