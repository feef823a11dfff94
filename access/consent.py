"""The person's decision about sharing their record, and what follows from it at once.

A decision is recorded or withdrawn here, and the consent-based shares it no longer covers end
in the same transaction; ``access.selectors.notes_access_for`` reads the decision in force on
every request, so a withdrawal takes effect on the next page.

A refusal (or a withdrawal) is lifted only by whoever answers for it (issue 10, item 4): the
organisation that recorded it, or the person's care coordinator. Otherwise the reader who wants
the notes could replace the refusal with "given, all partners" and read them at once. Each lift
needs a reason, is kept in the history and the audit log, and is sent to the IG leads.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuditEvent, RecordScope, User
from accounts.services import audit_record
from localities.models import Organisation
from referrals.errors import InvalidTransition
from referrals.models import Person, Referral, SharingConsent

from .grants import reason_in_a_sentence, shares_end_beyond_consent

LIFT_ACTION = "consent.refusal_lifted"
LIFT_REFUSED_ACTION = "consent.refusal_lift_refused"


def consent_refusals_standing(person: Person) -> list[SharingConsent]:
    """The refusals and withdrawals a decision to give consent would now replace, newest first.

    Every refusal since consent was last given counts, so a reader cannot record a refusal of
    their own on top of another organisation's and then lift "their" refusal. Empty when no
    decision is in force or the one in force is consent given.
    """
    standing = []
    for consent in (
        SharingConsent.objects.filter(person=person)
        .select_related("recorded_by__organisation", "withdrawn_by__organisation")
        .order_by("-recorded_at", "-id")
    ):
        if consent.decision == SharingConsent.Decision.REFUSED:
            standing.append(consent)
            continue
        if consent.withdrawn_at is not None:
            standing.append(consent)  # the person took back what they had given
        break
    return standing


def _refused_by(consent: SharingConsent) -> User | None:
    """Who recorded this refusal, or the withdrawal of consent given."""
    return consent.recorded_by if consent.decision == SharingConsent.Decision.REFUSED else consent.withdrawn_by


def _answers_for(consent: SharingConsent) -> int | None:
    """The organisation that recorded this refusal (or withdrawal)."""
    user = _refused_by(consent)
    return user.organisation_id if user is not None else None


def is_care_coordinator(user: User, person: Person) -> bool:
    """The clinician allocated one of the person's open referrals (a link worker is not)."""
    return (
        user.is_active
        and user.record_scope == RecordScope.TEAM
        and Referral.objects.filter(person=person, allocated_to=user, ended_at__isnull=True).exists()
    )


def consent_lift_allowed(*, user: User, person: Person, standing: list[SharingConsent] | None = None) -> bool:
    """May ``user`` replace the refusals standing for this person with consent given?"""
    standing = consent_refusals_standing(person) if standing is None else standing
    if not standing:
        return True
    if is_care_coordinator(user, person):
        return True
    organisations = {_answers_for(consent) for consent in standing}
    return user.organisation_id is not None and organisations == {user.organisation_id}


def _lift_refused(*, person: Person, by: User, now: datetime, standing: list[SharingConsent]) -> AuditEvent:
    """Recorded in its own transaction: the attempt is kept even though nothing changes."""
    with transaction.atomic():
        return audit_record(
            by=by,
            action=LIFT_REFUSED_ACTION,
            obj=standing[0],
            now=now,
            person_id=person.pk,
            detail={"refusals": [c.pk for c in standing]},
        )


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
    """Record the person's decision about sharing. It replaces the previous one from now on.

    Consent given over a standing refusal is refused unless ``by`` may lift it
    (``consent_lift_allowed``), and needs the reason in ``note``.
    """
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
    with transaction.atomic():
        # Decisions about one person are made one at a time: a refusal recorded while this one
        # is being checked cannot slip under it.
        list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
        standing = consent_refusals_standing(person) if decision == SharingConsent.Decision.GIVEN else []
        if consent_lift_allowed(user=by, person=person, standing=standing):
            if standing:
                note = reason_in_a_sentence(note, field="note")
            return _consent_create(
                person=person,
                by=by,
                now=now,
                decision=decision,
                scope=scope,
                organisations=organisations,
                note=note,
                standing=standing,
            )
    # Refused: nothing was written; the attempt is audited on its own, and the form says why.
    _lift_refused(person=person, by=by, now=now, standing=standing)
    refuser = _refused_by(standing[-1])
    organisation = refuser.organisation if refuser is not None else None
    raise ValidationError(
        f"The person refused consent to share, as recorded by {organisation or 'another organisation'}. "
        "Only that organisation or the person's care coordinator can record a new decision to share: "
        "ask them to.",
        code="consent_lift_refused",
    )


def _consent_create(
    *,
    person: Person,
    by: User,
    now: datetime,
    decision: str,
    scope: str,
    organisations: list[Organisation] | None,
    note: str,
    standing: list[SharingConsent],
) -> SharingConsent:
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
    if standing:
        audit_record(
            by=by,
            action=LIFT_ACTION,
            obj=consent,
            now=now,
            person_id=person.pk,
            detail={
                "reason": consent.note,
                "refusals": [c.pk for c in standing],
                "refused_by_organisations": sorted({o for o in map(_answers_for, standing) if o is not None}),
                "as": "care_coordinator" if is_care_coordinator(by, person) else "organisation",
            },
        )
        from .tasks import notify_ig_of_consent_lift

        transaction.on_commit(lambda: notify_ig_of_consent_lift.delay(consent.pk))
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
