"""Writes for allocation: who holds a person's referral (the caseload pages call these).

Allocation belongs to the referral domain because access is derived from it and a referral's
end closes it; the ``caseload`` app holds the pages built on it (docs/architecture.md)."""

from datetime import datetime

from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import audit_record
from localities.models import Team
from referrals.errors import ConflictError, atomic_refusing_races
from referrals.models import Allocation, Referral

from .referrals import referral_mark_allocated


@atomic_refusing_races
def caseload_allocate(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    link_worker: User,
    team: Team | None = None,
    handover_note: str = "",
    expect_unchanged: bool = False,
) -> Allocation:
    """Allocate (or reassign) a named link worker. A reassignment needs a handover note.

    ``expect_unchanged``: the caller chose on ``referral`` as it read it (a page's form). If
    someone else has allocated or reassigned it since, refuse with ConflictError rather than
    replace their choice unseen. Two people allocating at once queue on the referral's lock.
    """
    team = team or referral.team
    if team is None:
        raise ValidationError({"team": ["Route the referral to a team before allocating a link worker."]})
    if not link_worker.is_active:
        raise ValidationError({"link_worker": ["This member of staff is not active."]})
    if expect_unchanged:
        # The referral first (the one lock order, docs/adr/0003), then who holds it now.
        holder = Referral.objects.select_for_update(no_key=True).values_list("allocated_to", flat=True)
        if holder.get(pk=referral.pk) != referral.allocated_to_id:
            raise ConflictError(
                "Someone else allocated this referral a moment ago, so your choice was not saved. "
                "Check who holds it now, and reassign it if that is still needed."
            )
    referral = referral_mark_allocated(referral=referral, link_worker=link_worker, now=now)
    previous = Allocation.objects.select_for_update().filter(referral=referral, ended_at__isnull=True).first()
    if previous is not None:
        if previous.link_worker_id == link_worker.pk:
            raise ValidationError({"link_worker": ["This person already holds the referral."]})
        if not handover_note.strip():
            raise ValidationError({"handover_note": ["Write a handover note for the new link worker."]})
        # ``now`` was read before the referral's lock: a colleague whose allocation committed while
        # we waited may have started it a moment after it. The history only moves forward.
        now = max(now, previous.started_at)
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
