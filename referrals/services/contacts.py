"""Recording care contacts and indirect activity, coded as MHSDS codes them (docs/measures.md)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from codes.mhsds import ATTENDANCE, ATTENDED, CONSULTATION_MECHANISM
from referrals.errors import InvalidTransition, atomic_refusing_races
from referrals.models import Contact, IndirectActivity, Referral
from referrals.models.contact import LEGACY_ATTENDANCE, LEGACY_MECHANISM

from .clocks import clocks_evaluate
from .milestones import referral_milestones_refresh
from .referrals import referral_mark_treatment_started
from .referrer import referrer_first_seen


def _coded(*, consultation_mechanism: str, attendance: str, mode: str, outcome: str) -> tuple[str, str]:
    """The MHSDS codes, from the codes given or (for one release) the words used before coding."""
    errors: dict[str, list[str]] = {}
    if not consultation_mechanism and mode:
        if mode == Contact.Mode.LETTER:
            errors["mode"] = ["A letter is not a care contact: record it as indirect activity."]
        elif mode not in LEGACY_MECHANISM:
            errors["mode"] = [f"Choose one of: {', '.join(LEGACY_MECHANISM)}."]
        consultation_mechanism = LEGACY_MECHANISM.get(mode, "")
    if not attendance and outcome:
        if outcome not in LEGACY_ATTENDANCE:
            errors["outcome"] = [f"Choose one of: {', '.join(LEGACY_ATTENDANCE)}."]
        attendance = LEGACY_ATTENDANCE.get(outcome, "")
    if not errors:
        if consultation_mechanism not in CONSULTATION_MECHANISM:
            errors["consultation_mechanism"] = [
                "Say how the contact happened: "
                + ", ".join(f"{c.code} {c.display}" for c in CONSULTATION_MECHANISM.codes)
            ]
        # No default: one careless click must never stop a clock.
        if attendance not in ATTENDANCE:
            errors["outcome" if mode and not outcome else "attendance"] = [
                "Say whether the person attended: " + ", ".join(f"{c.code} {c.display}" for c in ATTENDANCE.codes)
            ]
    if errors:
        raise ValidationError(errors)
    return consultation_mechanism, attendance


@atomic_refusing_races  # a concurrent change refused by the database: ConflictError, not a 500
def contact_record(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    occurred_at: datetime,
    consultation_mechanism: str = "",
    attendance: str = "",
    starts_treatment: bool = False,
    note: str = "",
    mode: str = "",
    outcome: str = "",
) -> Contact:
    """Record a care contact and let the clock rules see it.

    Only an attended contact by a direct mechanism counts (for crisis and liaison teams, face
    to face): a did-not-attend, a cancellation or a text message is recorded and stops nothing.
    ``mode`` and ``outcome`` are the words used before MHSDS coding, accepted for one release.
    """
    mechanism, attended = _coded(
        consultation_mechanism=consultation_mechanism, attendance=attendance, mode=mode, outcome=outcome
    )
    errors: dict[str, list[str]] = {}
    if occurred_at > now:
        errors["occurred_at"] = ["A contact cannot be recorded in the future."]
    elif occurred_at < referral.received_at:
        errors["occurred_at"] = ["A contact cannot be before the referral was received."]
    if starts_treatment and attended not in ATTENDED:
        errors["starts_treatment"] = ["Only a contact the person attended can start treatment."]
    if errors:
        raise ValidationError(errors)
    # The referral first, then its clocks (clocks_evaluate): the one lock order (docs/adr/0003).
    referral = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
    if referral.ended_at is not None and occurred_at > referral.ended_at:
        raise InvalidTransition("This referral has ended; a contact after its end belongs to a new referral.")

    contact = Contact.objects.create(
        referral=referral,
        occurred_at=occurred_at,
        consultation_mechanism=mechanism,
        attendance=attended,
        starts_treatment=starts_treatment,
        note=note,
        recorded_at=now,
        recorded_by=by,
    )
    if starts_treatment:
        referral_mark_treatment_started(referral=referral, at=occurred_at, now=now)
    referral_milestones_refresh(referral=referral)
    referrer_first_seen(referral=referral, contact=contact, now=now)
    stopped = clocks_evaluate(referral=referral, by=by)
    audit_record(
        by=by,
        action="contact.record",
        obj=contact,
        now=now,
        person_id=referral.person_id,
        detail={
            "consultation_mechanism": mechanism,
            "attendance": attended,
            "clocks_stopped": [c.kind for c in stopped],
        },
    )
    return contact


@transaction.atomic
def indirect_activity_record(
    *, referral: Referral, by: User, now: datetime, occurred_at: datetime, kind: str, note: str = ""
) -> IndirectActivity:
    """A letter, an email or other work without the person present: recorded, never a contact."""
    errors: dict[str, list[str]] = {}
    if kind not in IndirectActivity.Kind.values:
        errors["kind"] = [f"Choose one of: {', '.join(IndirectActivity.Kind.values)}."]
    if occurred_at > now:
        errors["occurred_at"] = ["Activity cannot be recorded in the future."]
    if errors:
        raise ValidationError(errors)
    activity = IndirectActivity.objects.create(
        referral=referral, occurred_at=occurred_at, kind=kind, note=note, recorded_at=now, recorded_by=by
    )
    audit_record(
        by=by,
        action="indirect_activity.record",
        obj=activity,
        now=now,
        person_id=referral.person_id,
        detail={"kind": kind},
    )
    return activity
