"""Recording the events the referral-spell clock stop waits for, coded as MHSDS codes them:
assessments and interventions with SNOMED CT codes from the reference sets (the shipped members
and those loaded from the trust's release, active), outcome measures
with their tool and a score inside its range, care plans with their type (docs/measures.md)."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from codes.mhsds import CARE_PLAN_AGREED_BY, CARE_PLAN_TYPE, CodeList
from codes.selectors import code_accepted
from codes.snomed import (
    ASSESSMENT,
    EXCLUDED,
    EXCLUDED_FROM_CLOCK_STOP,
    INTERVENTION_LISTS,
    OUTCOME_TOOL_BY_CODE,
    OUTCOME_TOOL_BY_NAME,
)
from localities.models import Organisation
from referrals.models import Assessment, CarePlan, CarePlanGoal, Intervention, OutcomeMeasure, Referral

from .clocks import clocks_evaluate
from .milestones import referral_milestones_refresh


def _check_time(referral: Referral, at: datetime, now: datetime, field: str) -> None:
    if at > now:
        raise ValidationError({field: ["This cannot be in the future."]})
    if at < referral.received_at:
        raise ValidationError({field: ["This cannot be before the referral was received."]})


def _check_code(code: str, *lists: CodeList, field: str = "code") -> None:
    """An active member of one of the reference sets, shipped or loaded; never an activity that
    does not stop a clock, even where a loaded reference set holds it (L339-L340)."""
    if not code:
        return
    names = " or ".join(f"{codes.title.lower()} ({codes.national_set})" for codes in lists)
    if code in EXCLUDED_FROM_CLOCK_STOP:
        refused = (
            f"{code} ({EXCLUDED.display(code)}) never stops a clock: it is not taken from the {names} reference set."
        )
        raise ValidationError({field: [refused]})
    if not code_accepted(code, *lists):
        raise ValidationError({field: [f"{code} is not an active member of the {names} reference set."]})


@transaction.atomic
def assessment_record(
    *, referral: Referral, by: User, now: datetime, completed_at: datetime, summary: str, code: str = ""
) -> Assessment:
    """``code``: a SNOMED CT assessment procedure; only a coded assessment counts nationally."""
    _check_time(referral, completed_at, now, "completed_at")
    _check_code(code, ASSESSMENT)
    row = Assessment.objects.create(
        referral=referral, completed_at=completed_at, summary=summary, recorded_by=by, code=code
    )
    referral_milestones_refresh(referral=referral)
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="assessment.record", obj=row, now=now, person_id=referral.person_id)
    return row


@transaction.atomic
def care_plan_record(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    agreed_at: datetime,
    summary: str,
    plan_type: str = "10",
    agreed_by: str = "",
) -> CarePlan:
    """``agreed_by``: who agreed its content (MHSDS CarePlanContentAgreedBy), or blank when not
    recorded (the extract's validation report names those)."""
    _check_time(referral, agreed_at, now, "agreed_at")
    if plan_type not in CARE_PLAN_TYPE:
        raise ValidationError({"plan_type": [f"Choose one of: {', '.join(c.code for c in CARE_PLAN_TYPE.codes)}."]})
    if agreed_by and agreed_by not in CARE_PLAN_AGREED_BY:
        raise ValidationError(
            {
                "agreed_by": [
                    f"Choose one of: {', '.join(c.code for c in CARE_PLAN_AGREED_BY.codes)}, or leave it blank."
                ]
            }
        )
    row = CarePlan.objects.create(
        referral=referral,
        agreed_at=agreed_at,
        summary=summary,
        recorded_by=by,
        plan_type=plan_type,
        agreed_by=agreed_by,
    )
    referral_milestones_refresh(referral=referral)
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="care_plan.record", obj=row, now=now, person_id=referral.person_id)
    return row


@transaction.atomic
def care_plan_goal_add(
    *, care_plan: CarePlan, by: User, now: datetime, description: str, review_date: date
) -> CarePlanGoal:
    if not description.strip():
        raise ValidationError({"description": ["Write the goal in the person's words."]})
    if review_date < timezone.localdate(now):
        raise ValidationError({"review_date": ["A review date cannot be in the past."]})
    goal = CarePlanGoal.objects.create(care_plan=care_plan, description=description.strip(), review_date=review_date)
    audit_record(by=by, action="care_plan.goal_add", obj=goal, now=now, person_id=care_plan.referral.person_id)
    return goal


@transaction.atomic
def intervention_record(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    started_at: datetime,
    description: str,
    kind: str = Intervention.Kind.OTHER,
    care_plan: CarePlan | None = None,
    provider: Organisation | None = None,
    review_date: date | None = None,
    code: str = "",
) -> Intervention:
    """``code``: a SNOMED CT intervention from the psychological therapy, psychosocial or
    medication lists; only a coded intervention counts nationally (a care plan also does)."""
    _check_time(referral, started_at, now, "started_at")
    _check_code(code, *INTERVENTION_LISTS)
    if kind not in Intervention.Kind.values:
        raise ValidationError({"kind": ["Choose the kind of intervention."]})
    row = Intervention.objects.create(
        referral=referral,
        started_at=started_at,
        description=description,
        kind=kind,
        care_plan=care_plan,
        provider=provider,
        review_date=review_date,
        recorded_by=by,
        code=code,
    )
    referral_milestones_refresh(referral=referral)
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="intervention.record", obj=row, now=now, person_id=referral.person_id)
    return row


@transaction.atomic
def outcome_measure_record(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    recorded_at: datetime,
    score: Decimal,
    stage: str,
    instrument: str = "",
    tool_code: str = "",
) -> OutcomeMeasure:
    """A score on a named tool (``tool_code``, or ``instrument`` by its name: ReQoL-10, CORE-10,
    PHQ-9, GAD-7, DIALOG), refused outside the tool's range. A free-text instrument with no
    known tool is kept but does not count nationally."""
    _check_time(referral, recorded_at, now, "recorded_at")
    if stage not in OutcomeMeasure.Stage.values:
        raise ValidationError({"stage": [f"Choose one of: {', '.join(OutcomeMeasure.Stage.values)}."]})
    tool = OUTCOME_TOOL_BY_CODE.get(tool_code) if tool_code else OUTCOME_TOOL_BY_NAME.get(instrument)
    if tool_code and tool is None:
        raise ValidationError({"tool_code": [f"{tool_code} is not a shipped outcome tool."]})
    if tool is not None:
        refused = tool.refuses(Decimal(score))
        if refused:
            raise ValidationError({"score": [refused]})
    if not instrument and tool is None:
        raise ValidationError({"instrument": ["Name the outcome tool."]})
    row = OutcomeMeasure.objects.create(
        referral=referral,
        recorded_at=recorded_at,
        instrument=instrument or (tool.name if tool else ""),
        tool_code=tool.code if tool else "",
        score=score,
        stage=stage,
        recorded_by=by,
    )
    referral_milestones_refresh(referral=referral)
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="outcome_measure.record", obj=row, now=now, person_id=referral.person_id)
    return row
