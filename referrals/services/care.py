"""Recording the events the 'referral spell' treatment rule waits for."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from localities.models import Organisation
from referrals.models import Assessment, CarePlan, CarePlanGoal, Intervention, OutcomeMeasure, Referral

from .clocks import clocks_evaluate


def _check_time(referral: Referral, at: datetime, now: datetime, field: str) -> None:
    if at > now:
        raise ValidationError({field: ["This cannot be in the future."]})
    if at < referral.received_at:
        raise ValidationError({field: ["This cannot be before the referral was received."]})


@transaction.atomic
def assessment_record(
    *, referral: Referral, by: User, now: datetime, completed_at: datetime, summary: str
) -> Assessment:
    _check_time(referral, completed_at, now, "completed_at")
    row = Assessment.objects.create(referral=referral, completed_at=completed_at, summary=summary, recorded_by=by)
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="assessment.record", obj=row, now=now, person_id=referral.person_id)
    return row


@transaction.atomic
def care_plan_record(*, referral: Referral, by: User, now: datetime, agreed_at: datetime, summary: str) -> CarePlan:
    _check_time(referral, agreed_at, now, "agreed_at")
    row = CarePlan.objects.create(referral=referral, agreed_at=agreed_at, summary=summary, recorded_by=by)
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
) -> Intervention:
    _check_time(referral, started_at, now, "started_at")
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
    )
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="intervention.record", obj=row, now=now, person_id=referral.person_id)
    return row


@transaction.atomic
def outcome_measure_record(
    *, referral: Referral, by: User, now: datetime, recorded_at: datetime, instrument: str, score: Decimal, stage: str
) -> OutcomeMeasure:
    _check_time(referral, recorded_at, now, "recorded_at")
    if stage not in OutcomeMeasure.Stage.values:
        raise ValidationError({"stage": [f"Choose one of: {', '.join(OutcomeMeasure.Stage.values)}."]})
    row = OutcomeMeasure.objects.create(
        referral=referral, recorded_at=recorded_at, instrument=instrument, score=score, stage=stage, recorded_by=by
    )
    clocks_evaluate(referral=referral, by=by)
    audit_record(by=by, action="outcome_measure.record", obj=row, now=now, person_id=referral.person_id)
    return row
