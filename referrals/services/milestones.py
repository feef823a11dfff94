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

from django.db import connection

from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
from codes.snomed import OUTCOME_TOOL_BY_CODE
from referrals.models import (
    Assessment,
    CarePlan,
    Contact,
    Intervention,
    OutcomeMeasure,
    Referral,
    ReferralMilestones,
)
from referrals.selectors import ASSESSMENT_CODES, INTERVENTION_CODES

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


def _events_sql(where: str) -> str:
    """Each referral's earliest event per component, as (referral_id, the five columns), for the
    referrals the condition ``where`` (on ``e.referral_id``) picks."""
    sources = (
        (
            Contact,
            "occurred_at",
            f"e.attendance IN ({_in(ATTENDED)}) AND e.consultation_mechanism IN ({_in(DIRECT_MECHANISMS)})",
        ),
        (OutcomeMeasure, "recorded_at", f"e.tool_code IN ({_in(set(OUTCOME_TOOL_BY_CODE))})"),
        (Assessment, "completed_at", f"e.code IN ({_in(ASSESSMENT_CODES)})"),
        (CarePlan, "agreed_at", ""),
        (Intervention, "started_at", f"e.code IN ({_in(INTERVENTION_CODES)})"),
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


def referral_milestones_refresh(*, referral: Referral) -> None:
    """Recompute this referral's milestones from its records, in the caller's transaction."""
    # The referral's lock (a no-op where it is already held, as in contact_record).
    Referral.objects.select_for_update(no_key=True).filter(pk=referral.pk).values_list("pk", flat=True).first()
    _write("e.referral_id = %s", [referral.pk])


def referral_milestones_rebuild() -> None:
    """Every referral's milestones from the records, set-based (a million referrals: seconds)."""
    _write("e.referral_id IS NOT NULL", [])


def referral_milestones_computed(referral_ids: list[int]) -> dict[int, dict[str, object]]:
    """The milestones computed from the records now, through the ORM (for the checks): per
    referral with any of the events, the five columns."""
    from django.db.models import Min

    found: dict[int, dict[str, object]] = {}
    sources = (
        (
            "first_counting_contact_at",
            Contact.objects.filter(attendance__in=ATTENDED, consultation_mechanism__in=DIRECT_MECHANISMS),
            "occurred_at",
        ),
        (
            "first_coded_outcome_at",
            OutcomeMeasure.objects.filter(tool_code__in=list(OUTCOME_TOOL_BY_CODE)),
            "recorded_at",
        ),
        ("first_coded_assessment_at", Assessment.objects.filter(code__in=ASSESSMENT_CODES), "completed_at"),
        ("first_care_plan_at", CarePlan.objects.all(), "agreed_at"),
        ("first_coded_intervention_at", Intervention.objects.filter(code__in=INTERVENTION_CODES), "started_at"),
    )
    for column, rows, at in sources:
        for referral_id, first in (
            rows.filter(referral_id__in=referral_ids).order_by().values("referral_id").annotate(first=Min(at))
        ).values_list("referral_id", "first"):
            found.setdefault(referral_id, dict.fromkeys(COLUMNS))[column] = first
    return found
