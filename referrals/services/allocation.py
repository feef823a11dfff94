"""Writes for allocation: who holds a person's referral (the caseload pages call these).

Allocation belongs to the referral domain because access is derived from it and a referral's
end closes it; the ``caseload`` app holds the pages built on it (docs/architecture.md)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from localities.models import Team
from referrals.models import Allocation, Referral

from .referrals import referral_mark_allocated


@transaction.atomic
def caseload_allocate(
    *, referral: Referral, by: User, now: datetime, link_worker: User, team: Team | None = None, handover_note: str = ""
) -> Allocation:
    """Allocate (or reassign) a named link worker. A reassignment needs a handover note."""
    team = team or referral.team
    if team is None:
        raise ValidationError({"team": ["Route the referral to a team before allocating a link worker."]})
    if not link_worker.is_active:
        raise ValidationError({"link_worker": ["This member of staff is not active."]})
    referral = referral_mark_allocated(referral=referral, link_worker=link_worker, now=now)
    previous = Allocation.objects.select_for_update().filter(referral=referral, ended_at__isnull=True).first()
    if previous is not None:
        if previous.link_worker_id == link_worker.pk:
            raise ValidationError({"link_worker": ["This person already holds the referral."]})
        if not handover_note.strip():
            raise ValidationError({"handover_note": ["Write a handover note for the new link worker."]})
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    allocation = Allocation.objects.create(
        referral=referral,
        link_worker=link_worker,
        team=team,
        started_at=now,
        started_by=by,
        handover_note=handover_note.strip(),
    )
    audit_record(
        by=by,
        action="caseload.allocate",
        obj=allocation,
        now=now,
        person_id=referral.person_id,
        detail={"link_worker": link_worker.pk, "previous": previous.link_worker_id if previous else None},
    )
    return allocation
