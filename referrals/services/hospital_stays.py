"""Recording an inpatient stay linked to a referral (MHSDS MHS501). A referral with any linked
stay leaves the community waiting-time measures (4w_waits_prep.py L166-L174, docs/measures.md)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from referrals.models import HospitalStay, Referral


@transaction.atomic
def hospital_stay_record(
    *, referral: Referral, by: User, now: datetime, admitted_at: datetime, discharged_at: datetime | None = None
) -> HospitalStay:
    """An admission (and, when known, the discharge from hospital) linked to this referral."""
    errors: dict[str, list[str]] = {}
    if admitted_at > now:
        errors["admitted_at"] = ["An admission cannot be recorded in the future."]
    if discharged_at is not None:
        if discharged_at > now:
            errors["discharged_at"] = ["A discharge cannot be recorded in the future."]
        elif discharged_at < admitted_at:
            errors["discharged_at"] = ["A discharge cannot be before the admission."]
    if errors:
        raise ValidationError(errors)
    row = HospitalStay.objects.create(
        referral=referral, admitted_at=admitted_at, discharged_at=discharged_at, recorded_at=now, recorded_by=by
    )
    audit_record(
        by=by,
        action="hospital_stay.record",
        obj=row,
        now=now,
        person_id=referral.person_id,
        detail={"admitted_at": admitted_at.isoformat(), "discharged_at": discharged_at and discharged_at.isoformat()},
    )
    return row
