"""Keeping the referrer informed: who referred, the short messages they are owed, and their delivery.

A referral records who referred (``referrer_set``). When it is triaged, redirected, first seen
(its first attended contact) and discharged, the service that made the change calls
``referrer_update_record`` inside its own transaction: one ``ReferrerUpdate`` row, whose text
is fixed there and then from a short template per event (the reference, the team, the date and,
where the source's rule allows, the outcome: never the presenting need, risks, notes, an
assessment or the person's name). Writing it can never break the clinical action: it runs in a
savepoint, and a failure is logged and dropped (the action matters more than the message).

Delivery is at-least-once, as for alerts: ``referrer_updates_deliver`` (a Celery beat task)
claims the oldest unsent row with a lease (``SKIP LOCKED``, then the lease on the row), sends it
through Django's email backend, and marks it sent only afterwards; a failure is recorded on the
row and retried after a backoff, so one bad mailbox never holds up the others.
"""

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet

from accounts.models import User
from accounts.services import audit_record
from codes.mhsds import ATTENDED
from common.london import london, london_date
from localities.models import Team
from referrals.models import Contact, Referral, ReferrerUpdate, ReferrerUpdateRule

logger = logging.getLogger(__name__)

Event = ReferrerUpdate.Event

# A source without a rule: every message, outcome included.
DEFAULT_RULE = ReferrerUpdateRule()
# A sender holds a message this long; one send takes at most EMAIL_TIMEOUT.
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,12}$")

FOOTER = (
    "This is an automatic update for the person or organisation who made the referral. It holds no "
    "clinical detail: contact the team if you need to know more.\n"
)


# --- who referred ---------------------------------------------------------------------------------


def referrer_set(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    ods_code: str = "",
    email: str = "",
    organisation: str = "",
    police_reference: str = "",
) -> Referral:
    """Record who referred: their ODS code and contact mailbox, organisation, police reference.

    Called by the intake page and the API in the referral's own transaction."""
    ods_code, email = ods_code.strip().upper(), email.strip()
    organisation, police_reference = organisation.strip(), police_reference.strip()
    errors: dict[str, list[str]] = {}
    if ods_code and not _ODS_CODE.match(ods_code):
        errors["referrer_ods_code"] = ["An ODS code is 3 to 12 letters and digits, for example L81001."]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["referrer_email"] = ["Enter a mailbox like name@nhs.net."]
    if len(organisation) > 200:
        errors["referrer_organisation"] = ["Use 200 characters or fewer."]
    if len(police_reference) > 40:
        errors["referrer_police_reference"] = ["Use 40 characters or fewer."]
    if errors:
        raise ValidationError(errors)
    referral.referrer_ods_code = ods_code
    referral.referrer_email = email
    referral.referrer_organisation = organisation
    referral.referrer_police_reference = police_reference
    referral.save(
        update_fields=["referrer_ods_code", "referrer_email", "referrer_organisation", "referrer_police_reference"]
    )
    audit_record(
        by=by,
        action="referral.referrer",
        obj=referral,
        now=now,
        person_id=referral.person_id,
        detail={"ods_code": ods_code, "organisation": organisation, "has_mailbox": bool(email)},
    )
    return referral


REFERRER_FIELDS = ("referrer_ods_code", "referrer_email", "referrer_organisation", "referrer_police_reference")


def referrer_set_from_form(*, referral: Referral, by: User, now: datetime, data: Mapping[str, Any]) -> Referral:
    """``referrer_set`` from a form's or serializer's fields named as the referral's, if any is given."""
    given = {name: str(data.get(name) or "") for name in REFERRER_FIELDS}
    if not any(value.strip() for value in given.values()):
        return referral
    return referrer_set(
        referral=referral,
        by=by,
        now=now,
        ods_code=given["referrer_ods_code"],
        email=given["referrer_email"],
        organisation=given["referrer_organisation"],
        police_reference=given["referrer_police_reference"],
    )


def rule_for(source: str) -> ReferrerUpdateRule:
    return ReferrerUpdateRule.objects.filter(source=source).first() or DEFAULT_RULE


# --- the messages ---------------------------------------------------------------------------------


def _why_redirected(from_team: Team | None, to_team: Team) -> str:
    """Why, in words that carry no clinical detail: from the kind and place of the receiving team."""
    if to_team.kind == Team.Kind.SYSTEM_SERVICE:
        return "a service for the whole area is better placed to help"
    if to_team.kind == Team.Kind.CRISIS:
        return "the crisis team is better placed to respond"
    if from_team is not None and from_team.locality_id != to_team.locality_id:
        return "the person's GP practice or home is in that team's area"
    return "that team is better placed to help"


def referrer_message(
    *, referral: Referral, event: str, at: datetime, team: Team | None, from_team: Team | None, outcome: bool
) -> tuple[str, str]:
    """The subject and body of one message: a fixed template per event."""
    when = london(london_date(at))  # the London day, e.g. "Tue 1 Dec 2026"
    team_name = team.name if team is not None else "the mental health service"
    if event == Event.TRIAGED:
        line = f"Triaged by {team_name} on {when}. The team will contact the person about what happens next."
    elif event == Event.REDIRECTED:
        came_from = f" from {from_team.name}" if from_team is not None else ""
        line = f"Passed on {when} to {team_name}, with a warm handover{came_from}."
        if outcome and team is not None:
            line += f" Why: {_why_redirected(from_team, team)}."
    elif event == Event.FIRST_SEEN:
        line = f"First seen by {team_name} on {when}."
    elif event == Event.DISCHARGED:
        line = f"Discharged by {team_name} on {when}."
        if outcome and referral.discharge_reason and referral.discharge_reason != Referral.DischargeReason.OTHER:
            line += f" Outcome: {referral.get_discharge_reason_display()}."
    else:
        raise ValueError(f"No referrer message for {event!r}.")
    yours = []
    if referral.referrer_police_reference:
        yours.append(f"Your reference: {referral.referrer_police_reference}")
    if referral.referrer_ods_code:
        yours.append(f"Referred by: {referral.referrer_ods_code}")
    received = london(london_date(referral.received_at))
    body = f"Referral {referral.reference}, received {received}.\n\n{line}\n\n"
    if yours:
        body += "\n".join(yours) + "\n\n"
    subject = f"Referral {referral.reference}: {Event(event).label.lower()}"
    return subject, body + FOOTER


def referrer_update_record(
    *, referral: Referral, event: str, at: datetime, now: datetime, from_team: Team | None = None
) -> ReferrerUpdate | None:
    """Record that ``event`` happened to ``referral`` at ``at`` and the message owed to its referrer.

    Call it inside the clinical action's transaction, after the referral has changed. Never
    raises: a failure is logged and the action goes on without its message. Returns the row,
    or None when it was not written (a once-only event recorded before, or a failure)."""
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the clinical action whole
            rule = rule_for(referral.source)
            team = referral.team
            subject, body = referrer_message(
                referral=referral, event=event, at=at, team=team, from_team=from_team, outcome=rule.include_outcome
            )
            address = referral.referrer_email
            update = ReferrerUpdate(
                referral=referral,
                event=event,
                at=at,
                team=team,
                to_send=bool(address) and rule.sends(event),
                address=address,
                subject=subject,
                body=body,
                created_at=now,
            )
            update.save()
        return update
    except IntegrityError:
        # The unique constraint: a once-only event (first seen, discharged) was recorded before.
        logger.info("referrer's %s message for referral %s was recorded before", event, referral.pk)
        return None
    except Exception:  # noqa: BLE001 - the clinical action must not fail for the referrer's message
        logger.exception("could not record the referrer's %s message for referral %s", event, referral.pk)
        return None


def referrer_first_seen(*, referral: Referral, contact: Contact, now: datetime) -> ReferrerUpdate | None:
    """A recorded contact: the first one the person attended tells the referrer they were seen."""
    if contact.attendance not in ATTENDED:
        return None
    if ReferrerUpdate.objects.filter(referral=referral, event=Event.FIRST_SEEN).exists():
        return None
    return referrer_update_record(referral=referral, event=Event.FIRST_SEEN, at=contact.occurred_at, now=now)


# --- delivery ---------------------------------------------------------------------------------------


def _deliverable(now: datetime) -> QuerySet[ReferrerUpdate]:
    return ReferrerUpdate.objects.filter(to_send=True, sent_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _claim_next(now: datetime) -> tuple[int, datetime] | None:
    """Take the oldest unsent message; concurrent senders skip each other's row (SKIP LOCKED)."""
    with transaction.atomic():
        pk = (
            _deliverable(now)
            .select_for_update(skip_locked=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        lease = now + LEASE
        # Still conditional: on SQLite (the demo) FOR UPDATE is a no-op and the UPDATE decides.
        claimed = _deliverable(now).filter(pk=pk).update(claimed_until=lease, attempts=F("attempts") + 1)
    return (pk, lease) if claimed else None


def referrer_update_deliver_next(*, now: datetime) -> tuple[int, bool] | None:
    """Claim and send the oldest unsent message. Returns (its id, whether it was sent), or None
    when none is waiting."""
    claimed = _claim_next(now)
    if claimed is None:
        return None
    pk, lease = claimed
    update = ReferrerUpdate.objects.get(pk=pk)
    try:
        EmailMessage(update.subject, update.body, settings.DEFAULT_FROM_EMAIL, [update.address]).send()
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried after a backoff
        backoff = min(timedelta(minutes=2 ** min(update.attempts, 10)), MAX_BACKOFF)
        ReferrerUpdate.objects.filter(pk=pk, claimed_until=lease).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], claimed_until=now + backoff
        )
        logger.warning("referrer message %s not sent (attempt %s): %s", pk, update.attempts, exc)
        return pk, False
    # Only the holder of this lease marks it sent (at-least-once, never at-most-once).
    ReferrerUpdate.objects.filter(pk=pk, claimed_until=lease).update(sent_at=now, claimed_until=None, last_error="")
    return pk, True


def referrer_updates_deliver(*, now: datetime, limit: int = 200) -> int:
    """Send up to ``limit`` waiting messages, oldest first. Returns how many were sent."""
    sent = 0
    for _ in range(limit):
        outcome = referrer_update_deliver_next(now=now)
        if outcome is None:
            break
        sent += outcome[1]
    return sent


# --- what an API account may read of the referrals it sent -------------------------------------


def referrals_sent_by(user: User) -> QuerySet[Referral]:
    """The referrals this account sent in (through the API, BaRS or the intake page), for their
    status: never a way into the record (the API serializes status, team and dates only)."""
    return Referral.objects.filter(created_by_id=user.pk)
