from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from referrals.errors import InvalidTransition
from referrals.models import Contact, Referral

from .clocks import clocks_evaluate
from .referrals import referral_mark_treatment_started


@transaction.atomic
def contact_record(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    occurred_at: datetime,
    mode: str,
    outcome: str,
    starts_treatment: bool = False,
    note: str = "",
) -> Contact:
    """Record a contact and let the clock rules see it.

    A completed contact stops the first-response clock; the treatment clock
    stops by its own rule. An attempted contact stops nothing.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    errors: dict[str, list[str]] = {}
    if occurred_at > now:
        errors["occurred_at"] = ["A contact cannot be recorded in the future."]
    elif occurred_at < referral.received_at:
        errors["occurred_at"] = ["A contact cannot be before the referral was received."]
    if mode not in Contact.Mode.values:
        errors["mode"] = [f"Choose one of: {', '.join(Contact.Mode.values)}."]
    if outcome not in Contact.Outcome.values:
        errors["outcome"] = [f"Choose one of: {', '.join(Contact.Outcome.values)}."]
    if starts_treatment and outcome != Contact.Outcome.COMPLETED:
        errors["starts_treatment"] = ["Only a completed contact can start treatment."]
    if errors:
        raise ValidationError(errors)
    if referral.ended_at is not None and occurred_at > referral.ended_at:
        raise InvalidTransition("This referral has ended; a contact after its end belongs to a new referral.")

    contact = Contact.objects.create(
        referral=referral,
        occurred_at=occurred_at,
        mode=mode,
        outcome=outcome,
        starts_treatment=starts_treatment,
        note=note,
        recorded_at=now,
        recorded_by=by,
    )
    if starts_treatment:
        referral_mark_treatment_started(referral=referral, at=occurred_at, now=now)
    stopped = clocks_evaluate(referral=referral, by=by)
    audit_record(
        by=by,
        action="contact.record",
        obj=contact,
        now=now,
        person_id=referral.person_id,
        detail={"outcome": outcome, "mode": mode, "clocks_stopped": [c.kind for c in stopped]},
    )
    return contact
