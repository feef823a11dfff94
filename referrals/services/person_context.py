"""Risk flags and carers: they follow the person across referrals.

Consent to share is recorded by ``access.consent``: it decides who may read what."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from referrals.errors import InvalidTransition
from referrals.models import Carer, Person, RiskFlag


@transaction.atomic
def risk_flag_raise(*, person: Person, by: User, now: datetime, kind: str, note: str) -> RiskFlag:
    errors = {}
    if kind not in RiskFlag.Kind.values:
        errors["kind"] = ["Choose the kind of risk."]
    if not note.strip():
        errors["note"] = ["Describe the risk and what to do about it."]
    if errors:
        raise ValidationError(errors)
    flag = RiskFlag.objects.create(person=person, kind=kind, note=note.strip(), raised_at=now, raised_by=by)
    audit_record(by=by, action="risk_flag.raise", obj=flag, now=now, person_id=person.pk, detail={"kind": kind})
    return flag


@transaction.atomic
def risk_flag_resolve(*, flag: RiskFlag, by: User, now: datetime, note: str) -> RiskFlag:
    if not note.strip():
        raise ValidationError({"note": ["Say why this risk no longer applies."]})
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise InvalidTransition("This risk flag was already resolved.")
    flag.resolved_at, flag.resolved_by, flag.resolution_note = now, by, note.strip()
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    audit_record(by=by, action="risk_flag.resolve", obj=flag, now=now, person_id=flag.person_id)
    return flag


@transaction.atomic
def carer_add(
    *,
    person: Person,
    by: User,
    now: datetime,
    name: str,
    relationship: str,
    phone: str = "",
    involved_with_consent: bool = False,
    carers_assessment: str = Carer.CarersAssessment.NOT_OFFERED,
) -> Carer:
    errors = {}
    if not name.strip():
        errors["name"] = ["Enter the carer's name."]
    if not relationship.strip():
        errors["relationship"] = ["Say how they are related to the person, e.g. mother, partner, friend."]
    if carers_assessment not in Carer.CarersAssessment.values:
        errors["carers_assessment"] = ["Choose whether a carer's assessment was offered."]
    if errors:
        raise ValidationError(errors)
    carer = Carer.objects.create(
        person=person,
        name=name.strip(),
        relationship=relationship.strip(),
        phone=phone.strip(),
        involved_with_consent=involved_with_consent,
        carers_assessment=carers_assessment,
        carers_assessment_updated_at=now if carers_assessment != Carer.CarersAssessment.NOT_OFFERED else None,
        recorded_at=now,
        recorded_by=by,
    )
    audit_record(by=by, action="carer.add", obj=carer, now=now, person_id=person.pk)
    return carer


@transaction.atomic
def carer_assessment_update(*, carer: Carer, by: User, now: datetime, status: str) -> Carer:
    if status not in Carer.CarersAssessment.values:
        raise ValidationError({"carers_assessment": ["Choose a carer's assessment status."]})
    carer.carers_assessment, carer.carers_assessment_updated_at = status, now
    carer.save(update_fields=["carers_assessment", "carers_assessment_updated_at"])
    audit_record(
        by=by, action="carer.assessment", obj=carer, now=now, person_id=carer.person_id, detail={"status": status}
    )
    return carer
