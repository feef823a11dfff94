"""Acting on a FHIR message: a referral sent to ``POST /fhir/$process-message``.

The referral is made by ``referrals.services.referral_create``, exactly as ``POST
/api/v1/referrals/`` and the intake page make one (the same person matching, routing, clocks and
audit), with ``access.intake.intake_receipt_record`` so that sending a referral never opens the
person's record, and ``risk_flag_raise`` for each Flag, as the intake page raises them. All of
it, and the record of the message, in one transaction.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from access.intake import intake_receipt_record
from accounts.models import User
from accounts.services import audit_record
from interchange.models import ProcessedMessage
from localities.models import Practice
from referrals.errors import InvalidTransition
from referrals.models import Clock, Referral
from referrals.services import referral_create, risk_flag_raise
from referrals.services.referrals import referral_close

from . import mapping
from .inbound import CancellationMessage, Issue, MessageRefused, ReferralMessage


class MessageConflict(Exception):
    """This sender already sent a different message with this MessageHeader.id."""


class UnknownReferral(Exception):
    """A cancellation names a referral this sender did not send us (a 404 OperationOutcome, as for
    one that does not exist)."""


@dataclass(frozen=True)
class Processed:
    response: dict[str, Any]  # the response message Bundle, as JSON
    replayed: bool  # a resend: the response the first copy got, and nothing done


def referral_message_process(
    *, by: User, now: datetime, message: ReferralMessage | CancellationMessage, base: str
) -> Processed:
    """Make the referral ``message`` asks for, once per (sender, MessageHeader.id).

    ``base`` is this server's FHIR address, for the references in the response. A resend gets
    the first copy's response; a different message under an id already used is a
    ``MessageConflict``; content the services refuse is a ``MessageRefused`` naming where it was
    in the message, and leaves nothing behind.
    """
    earlier = _earlier(by, message)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            if isinstance(message, CancellationMessage):
                return _cancel(by=by, now=now, message=message, base=base)
            return _process(by=by, now=now, message=message, base=base)
    except IntegrityError:
        # Two copies at once: the other one's record of the message won (and our referral,
        # made in the same transaction, went with the rollback).
        earlier = _earlier(by, message)
        if earlier is None:
            raise
        return earlier


def _earlier(by: User, message: ReferralMessage | CancellationMessage) -> Processed | None:
    found = ProcessedMessage.objects.filter(sender=by, message_id=message.message_id).first()
    if found is None:
        return None
    if found.fingerprint != message.fingerprint:
        raise MessageConflict(
            f"Message {message.message_id} was already received with different content: "
            "give a new message a new MessageHeader.id."
        )
    return Processed(response=found.response, replayed=True)


def _process(*, by: User, now: datetime, message: ReferralMessage, base: str) -> Processed:
    practice = _practice(message)
    try:
        referral, _ = referral_create(
            by=by,
            now=now,
            source=message.source or _source_of_sender(message),
            source_of_referral=message.source_of_referral,
            urgency=message.urgency,
            presenting_need=message.presenting_need,
            nhs_number=message.nhs_number,
            given_name=message.given_name,
            family_name=message.family_name,
            birth_date=message.birth_date,
            postcode=message.postcode,
            gp_practice=practice,
        )
        # Taking a referral is never a way into the person's record (issue 10).
        intake_receipt_record(by=by, referral=referral, now=now)
        for risk in message.risks:
            risk_flag_raise(person=referral.person, by=by, now=now, kind="other", note=risk.note)
    except ValidationError as exc:
        raise MessageRefused(_issues_of(exc, message.paths)) from exc
    processed = _answered(by=by, now=now, message=message, referral=referral, base=base)
    audit_record(
        by=by,
        action="fhir.message.process",
        obj=processed,
        now=now,
        person_id=referral.person_id,
        detail={"message_id": message.message_id, "referral": referral.reference, "risks": len(message.risks)},
    )
    return Processed(response=processed.response, replayed=False)


def _cancel(*, by: User, now: datetime, message: CancellationMessage, base: str) -> Processed:
    """Close the referral this sender sent, through ``referral_close`` (the referral's end, its
    clocks stopped, audited), as the intake page's closure would; answered like a new referral,
    its Tasks now cancelled."""
    # Only the sender's own referrals: another's answers as an unknown one (404), never confirming
    # that a reference exists.
    sent_by_them = ProcessedMessage.objects.filter(sender=by, referral_id=OuterRef("pk"))
    referral = Referral.objects.filter(Exists(sent_by_them), reference=message.reference).first()
    if referral is None:
        raise UnknownReferral(f"No referral {message.reference} was received here from you.")
    note = "Cancelled by the referrer (BaRS message " + message.message_id + ")"
    try:
        referral_close(
            referral=referral,
            by=by,
            now=now,
            reason=Referral.ClosureReason.OTHER,
            note=f"{note}: {message.reason}" if message.reason else f"{note}.",
        )
    except InvalidTransition as exc:
        raise MessageRefused([Issue(str(exc), message.paths.get("reference"), "business-rule")]) from exc
    referral.refresh_from_db()
    processed = _answered(by=by, now=now, message=message, referral=referral, base=base)
    audit_record(
        by=by,
        action="fhir.message.cancel",
        obj=processed,
        now=now,
        person_id=referral.person_id,
        detail={"message_id": message.message_id, "referral": referral.reference},
    )
    return Processed(response=processed.response, replayed=False)


def _answered(
    *, by: User, now: datetime, message: ReferralMessage | CancellationMessage, referral: Referral, base: str
) -> ProcessedMessage:
    """The response message (the referral and its current clocks as Tasks), kept with the
    message id it answers so a resend gets the same answer."""
    clocks = Clock.objects.filter(referral=referral, is_current=True).select_related("referral__team")
    response = mapping.message_response(
        request_id=message.message_id,
        response_id=str(uuid.uuid4()),
        reply_to=message.reply_to,
        referral=referral,
        clocks=list(clocks.order_by("due_at", "pk")),
        base=base,
        now=now,
    ).model_dump(mode="json")
    return ProcessedMessage.objects.create(
        sender=by,
        message_id=message.message_id,
        fingerprint=message.fingerprint,
        referral=referral,
        response=response,
        processed_at=now,
    )


def _practice(message: ReferralMessage) -> Practice | None:
    if message.practice_ods_code is None:
        return None
    practice = Practice.objects.filter(ods_code=message.practice_ods_code).first()
    if practice is None:
        raise MessageRefused(
            [
                Issue(
                    f"No GP practice we know has the ODS code {message.practice_ods_code}.",
                    message.paths.get("gp_practice"),
                    "code-invalid",
                )
            ]
        )
    return practice


def _source_of_sender(message: ReferralMessage) -> str:
    """A sender that is a GP practice we know makes it a GP referral; anyone else "other" (a
    111 or crisis line service says so with the UK Core source extension: ADR 11)."""
    if message.sender_ods_code and Practice.objects.filter(ods_code=message.sender_ods_code).exists():
        return Referral.Source.GP
    return Referral.Source.OTHER


def _issues_of(exc: ValidationError, paths: dict[str, str]) -> list[Issue]:
    """The services name our fields; the sender needs the place in their message."""
    if not hasattr(exc, "error_dict"):
        return [Issue(message) for message in exc.messages]
    return [
        Issue(message, paths.get(name), "business-rule" if name == "birth_date" else "invalid")
        for name, errors in exc.message_dict.items()
        for message in errors
    ]
