"""Writes for the information governance lead: reviewing break-glass openings, and recording
that the audit log was downloaded. Each change is audited in its own transaction."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from access.models import BreakGlassReview
from accounts.models import AuditEvent, Role, User
from accounts.services import audit_record
from common.london import london

from .selectors import AuditFilters


def break_glass_review(
    *,
    review: BreakGlassReview,
    by: User,
    now: datetime,
    outcome: str,
    note: str,
    source_ip: str | None = None,
) -> BreakGlassReview:
    """Record an IG lead's judgement of one break-glass opening. Each opening is reviewed once.

    "Not appropriate" needs a note saying what follow-up is needed. Someone who opened a record
    may not judge their own opening, even when they are an IG lead too.
    """
    if review.reviewed_at is not None:
        raise _already_reviewed(review)
    if by.role != Role.IG_LEAD or not by.is_active:
        raise ValidationError("Only an information governance lead can review a break-glass opening.")
    if by.pk == review.opened_by_id:
        raise ValidationError(
            "You cannot review your own break-glass opening: ask another information governance lead."
        )
    if outcome not in BreakGlassReview.Outcome.values:
        raise ValidationError({"outcome": "Choose whether the opening was appropriate."})
    note = note.strip()
    if outcome == BreakGlassReview.Outcome.INAPPROPRIATE and not note:
        raise ValidationError({"note": "Say why the opening was not appropriate and what follow-up is needed."})

    with transaction.atomic():
        # Compare and swap: when two IG leads review the same opening at once, the first wins
        # and the second is told, rather than quietly overwriting the first judgement.
        claimed = BreakGlassReview.objects.filter(pk=review.pk, reviewed_at__isnull=True).update(
            reviewed_at=now, reviewed_by=by, outcome=outcome, review_note=note
        )
        if not claimed:
            raise _already_reviewed(BreakGlassReview.objects.select_related("reviewed_by").get(pk=review.pk))
        audit_record(
            by=by,
            action="access.break_glass_reviewed",
            obj=review,
            now=now,
            person_id=review.person_id,
            detail={"outcome": outcome, "opened_by": review.opened_by_id, "opened_at": review.opened_at.isoformat()},
            source_ip=source_ip,
        )
    review.refresh_from_db()
    return review


def _already_reviewed(review: BreakGlassReview) -> ValidationError:
    return ValidationError(
        f"This break-glass opening has already been reviewed, by {review.reviewed_by} on "
        f"{london(review.reviewed_at)}. A review cannot be changed.",
        code="already_reviewed",
    )


def audit_export_record(
    *, by: User, now: datetime, filters: AuditFilters, rows: int, capped: bool, source_ip: str | None
) -> AuditEvent:
    """The audit log's own downloads are audited: who took which rows, and when."""
    return audit_record(
        by=by,
        action="audit.export",
        obj=None,
        object_type="accounts.auditevent",
        now=now,
        person_id=filters.person.pk if filters.person is not None else None,
        detail={"filters": filters.as_detail(), "rows": rows, "capped": capped},
        source_ip=source_ip,
    )


def audit_search_record(*, by: User, now: datetime, filters: AuditFilters, source_ip: str | None) -> AuditEvent:
    """Looking up one person's audit trail is itself a look at that person: it is recorded too."""
    return audit_record(
        by=by,
        action="audit.search",
        obj=None,
        object_type="accounts.auditevent",
        now=now,
        person_id=filters.person.pk if filters.person is not None else None,
        detail={"filters": filters.as_detail()},
        source_ip=source_ip,
    )
