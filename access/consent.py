"""The person's decision about sharing their record, and what follows from it at once.

A decision is recorded or withdrawn here, and the consent-based shares it no longer covers end
in the same transaction; ``access.selectors.notes_access_for`` reads the decision in force on
every request, so a withdrawal takes effect on the next page.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from localities.models import Organisation
from referrals.errors import InvalidTransition
from referrals.models import Person, SharingConsent

from .grants import shares_end_beyond_consent


@transaction.atomic
def consent_record(
    *,
    person: Person,
    by: User,
    now: datetime,
    decision: str,
    scope: str = "",
    organisations: list[Organisation] | None = None,
    note: str = "",
) -> SharingConsent:
    """Record the person's decision about sharing. It replaces the previous one from now on."""
    errors = {}
    if decision not in SharingConsent.Decision.values:
        errors["decision"] = ["Choose whether the person gave or refused consent."]
    elif decision == SharingConsent.Decision.GIVEN:
        if scope not in SharingConsent.Scope.values:
            errors["scope"] = ["Choose who the person agreed to share with."]
        elif scope == SharingConsent.Scope.NAMED_ORGANISATIONS and not organisations:
            errors["organisations"] = ["Name at least one organisation."]
    if errors:
        raise ValidationError(errors)
    consent = SharingConsent.objects.create(
        person=person,
        decision=decision,
        scope=scope if decision == SharingConsent.Decision.GIVEN else "",
        note=note.strip(),
        recorded_at=now,
        recorded_by=by,
    )
    if decision == SharingConsent.Decision.GIVEN and scope == SharingConsent.Scope.NAMED_ORGANISATIONS:
        consent.organisations.set(organisations or [])
    audit_record(
        by=by,
        action="consent.record",
        obj=consent,
        now=now,
        person_id=person.pk,
        detail={"decision": decision, "scope": scope, "organisations": [o.pk for o in organisations or []]},
    )
    # A narrower decision ends the shares it no longer covers, in this same transaction.
    shares_end_beyond_consent(person=person, by=by, now=now)
    return consent


@transaction.atomic
def consent_withdraw(*, consent: SharingConsent, by: User, now: datetime) -> SharingConsent:
    """Withdrawal takes effect at once; the record of what was agreed is kept."""
    consent = SharingConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise InvalidTransition("This consent was already withdrawn.")
    if consent.decision != SharingConsent.Decision.GIVEN:
        raise InvalidTransition("Only consent that was given can be withdrawn.")
    consent.withdrawn_at, consent.withdrawn_by = now, by
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(by=by, action="consent.withdraw", obj=consent, now=now, person_id=consent.person_id)
    # At once: the shares made under it end now; the selectors read the withdrawal on every request.
    shares_end_beyond_consent(person=consent.person, by=by, now=now)
    return consent
