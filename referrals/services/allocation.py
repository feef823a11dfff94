"""Writes for allocation: who holds a person's referral (the caseload pages call these).

Allocation belongs to the referral domain because access is derived from it and a referral's
end closes it; the ``caseload`` app holds the pages built on it (docs/architecture.md)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from accounts.models import Role, User
from accounts.services import AuditEntry, audit_record, audit_record_many
from localities.models import Team
from referrals.errors import ConflictError, InvalidTransition, atomic_refusing_races
from referrals.models import Allocation, Assessment, Clock, ClockPolicy, Referral

from .clocks import clocks_evaluate
from .referrals import referral_can_become, referral_mark_allocated


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
    # A care coordinator allocated is half of what stops an early intervention in psychosis clock
    # (the other half, an attended contact, may already be there): docs/internal-waits.md.
    clocks_evaluate(referral=referral, by=by)
    return allocation


@atomic_refusing_races
def caseload_unallocate(
    *, referral: Referral, by: User, now: datetime, note: str = "", held_by: User | None = None
) -> Referral:
    """Put the person back on their team's unallocated list: nobody holds them from ``now``.

    ``note`` (the handover for whoever picks them up) is kept on the allocation that ends. A
    referral waiting for a link worker goes back to where it waited: assessed if an assessment
    is recorded, else triaged; one in treatment stays in treatment, unallocated. ``held_by``: who
    the caller saw holding it; if that changed meanwhile, ConflictError and nothing is saved.
    """
    referral = Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)
    if referral.allocated_to_id is None or (held_by is not None and referral.allocated_to_id != held_by.pk):
        raise ConflictError(f"{referral.reference} has moved since you looked: someone changed who holds it.")
    previous = Allocation.objects.select_for_update().filter(referral=referral, ended_at__isnull=True).first()
    if previous is not None:
        previous.ended_at = max(now, previous.started_at)
        previous.release_note = note.strip()
        previous.save(update_fields=["ended_at", "release_note"])
    was_held_by = referral.allocated_to_id
    referral.allocated_to = None
    if referral.status == Referral.Status.ALLOCATED:
        assessed = referral.assessments.exists()
        referral.status = Referral.Status.ASSESSED if assessed else Referral.Status.TRIAGED
        referral.status_changed_at = now
    referral.save(update_fields=["allocated_to", "status", "status_changed_at"])
    audit_record(
        by=by,
        action="caseload.unallocate",
        obj=referral,
        now=now,
        person_id=referral.person_id,
        detail={"previous": was_held_by},
    )
    return referral


@dataclass(frozen=True)
class Move:
    """One person of a caseload being moved: to a new worker, or (``to`` None) back to the team's
    unallocated list, with the handover note for them."""

    referral: Referral
    to: User | None
    note: str


@atomic_refusing_races
def caseload_reassign(*, by: User, now: datetime, worker: User, team: Team, moves: Sequence[Move]) -> int:
    """Move a worker's caseload in one go (a worker leaving or away): all of it or none of it.

    A team manager of ``team`` does it. Each referral must still be held by ``worker`` (else
    ConflictError: someone moved it meanwhile, and nothing is saved); each goes to its new
    worker in ``team`` with its handover note, or back to the team's unallocated list. Returns
    how many people moved. Capacity is the page's warning to give, before this is called.

    Set-based: the same few queries for 5 people or 500 (issue 15). Each person's rows end up as
    ``caseload_allocate`` / ``caseload_unallocate`` would leave them, audit rows included.
    """
    if by.role != Role.TEAM_MANAGER or not by.memberships.filter(team=team).exists():
        raise ValidationError("Only a manager of this team can move a worker's caseload.")
    _refuse_bad_moves(worker, moves)
    plan = {move.referral.pk: move for move in moves}
    # The referrals first, in id order (the one lock order across concurrent batches, docs/adr/0003),
    # re-read under the lock: who holds each one now, not when the page was drawn.
    referrals = list(
        Referral.objects.select_for_update(no_key=True)
        .filter(pk__in=plan)
        .order_by("pk")
        .only("pk", "reference", "person_id", "status", "status_changed_at", "allocated_to")
    )
    moved_meanwhile = [r.reference for r in referrals if r.allocated_to_id != worker.pk]
    if moved_meanwhile or len(referrals) != len(plan):
        gone = ", ".join(moved_meanwhile) or "Someone on the list"
        raise ConflictError(
            f"{gone} is no longer held by {worker}: someone moved it a moment ago. "
            "Nothing was saved; look at the caseload again."
        )
    held = {
        a.referral_id: a
        for a in Allocation.objects.select_for_update().filter(referral__in=plan, ended_at__isnull=True)
    }
    released = [pk for pk, move in plan.items() if move.to is None]
    assessed = set(Assessment.objects.filter(referral__in=released).values_list("referral_id", flat=True))
    started: list[Allocation] = []
    entries: list[AuditEntry] = []
    for referral in referrals:
        move = plan[referral.pk]
        note = move.note.strip()
        previous = held.get(referral.pk)
        at = max(now, previous.started_at) if previous else now  # the history only moves forward
        if previous is not None:
            previous.ended_at = at
        if move.to is None:
            if previous is not None:
                previous.release_note = note
            referral.allocated_to = None
            if referral.status == Referral.Status.ALLOCATED:  # back to where it waited for a worker
                referral.status = Referral.Status.ASSESSED if referral.pk in assessed else Referral.Status.TRIAGED
                referral.status_changed_at = now
            entries.append(AuditEntry("caseload.unallocate", referral, referral.person_id, {"previous": worker.pk}))
            continue
        if referral.status not in (Referral.Status.ALLOCATED, Referral.Status.IN_TREATMENT):
            if not referral_can_become(referral, Referral.Status.ALLOCATED):
                raise InvalidTransition(
                    f"{referral.reference} is {referral.get_status_display().lower()}: it cannot be allocated."
                )
            referral.status, referral.status_changed_at = Referral.Status.ALLOCATED, now
        referral.allocated_to = move.to
        started.append(
            Allocation(
                referral=referral, link_worker=move.to, team=team, started_at=at, started_by=by, handover_note=note
            )
        )
    Referral.objects.bulk_update(referrals, ["allocated_to", "status", "status_changed_at"])
    Allocation.objects.bulk_update(list(held.values()), ["ended_at", "release_note"])
    Allocation.objects.bulk_create(started)
    entries += [
        AuditEntry(
            "caseload.allocate",
            allocation,
            allocation.referral.person_id,
            {"link_worker": allocation.link_worker_id, "previous": worker.pk},
        )
        for allocation in started
    ]
    audit_record_many(by=by, now=now, entries=entries)
    audit_record(
        by=by,
        action="caseload.reassign",
        obj=worker,
        now=now,
        detail={"team": team.pk, "moved": len(moves), "unallocated": len(released)},
    )
    _evaluate_early_intervention_clocks([a.referral for a in started], by=by)
    return len(moves)


def _refuse_bad_moves(worker: User, moves: Sequence[Move]) -> None:
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for move in moves:
        reference = move.referral.reference
        if move.referral.pk in seen:
            errors.setdefault("to", []).append(f"{reference} is on the list twice.")
        seen.add(move.referral.pk)
        if move.to is not None and move.to.pk == worker.pk:
            errors.setdefault("to", []).append(f"{reference}: choose someone other than {worker}.")
        if move.to is not None and not move.to.is_active:
            errors.setdefault("to", []).append(f"{reference}: {move.to} is not active.")
        if not move.note.strip():
            errors.setdefault("note", []).append(f"{reference}: write a handover note.")
    if errors:
        raise ValidationError(errors)


def _evaluate_early_intervention_clocks(referrals: list[Referral], *, by: User) -> None:
    """A new care coordinator is half of what stops an early intervention in psychosis clock, so
    the moved referrals with one still running are evaluated (one query finds them; usually none).
    Every other clock stops on contacts, assessments or interventions, which a move does not add."""
    running = set(
        Clock.objects.filter(
            referral__in=referrals, stopped_at__isnull=True, stop_rule=ClockPolicy.TreatmentStopRule.EIP
        ).values_list("referral_id", flat=True)
    )
    for referral in referrals:
        if referral.pk in running:
            clocks_evaluate(referral=referral, by=by)
