"""A referral in each state of its lifecycle, made through the services as people would make it.

Nothing here sets ``status`` (or any field a transition owns) by hand: each factory calls the
service for its transition, so the clocks, allocations, hand-offs and audit rows are the real ones
and a state the services cannot reach cannot be built.

State by state (each step one service call; the keywords each adds):

    make_received_referral      referral_create
    make_triaged_referral       received, then referral_triage (thrive_grouping=, next_step=)
    make_allocated_referral     triaged, then caseload_allocate (link_worker=, team=)
    make_in_treatment_referral  allocated, then contact_record: a completed contact that starts
                                treatment, so referral_mark_treatment_started (link_worker=)
    make_discharged_referral    in treatment, then referral_discharge (link_worker=, reason=, note=)
    make_redirected_referral    triaged, then referral_redirect (to_team=, note=)
    make_closed_referral        triaged, then referral_close (reason=, note=)

Every factory is keyword-only and takes:

* ``by``: the acting user, who takes every step (intake, triage, allocation, contact, ending);
* ``now``: the instant every step happens. The referral is received at ``now`` too, unless you
  pass ``received_at=`` (earlier) among the intake fields;
* ``referral``: optional, a referral already in the state before (as listed above) to move on,
  instead of making a new one. Use it to have different people take different steps::

      received = make_received_referral(by=intake, now=week_ago, practice=north_practice)
      triaged = make_triaged_referral(referral=received, by=alice, now=week_ago)
      held = make_allocated_referral(referral=triaged, by=tina, now=week_ago, link_worker=bob)

Any other keyword is an intake field for ``make_referral`` (``practice``, ``urgency``,
``nhs_number``, ``given_name``...), accepted only when a new referral is made.

Each returns the referral, re-read from the database after its last step (the object you passed
as ``referral`` is refreshed in place and returned).
"""

from datetime import datetime
from typing import Any

from accounts.models import User
from localities.models import Team
from referrals.models import Contact, Referral
from referrals.services import (
    caseload_allocate,
    contact_record,
    referral_close,
    referral_discharge,
    referral_redirect,
    referral_triage,
)

from .referrals import make_referral


def make_received_referral(*, by: User, now: datetime, **intake: Any) -> Referral:
    """Received: recorded by ``by`` at ``now``; both clocks running."""
    return make_referral(by=by, now=now, **intake)


def make_triaged_referral(
    *,
    by: User,
    now: datetime,
    referral: Referral | None = None,
    thrive_grouping: str = "",
    next_step: str = "",
    **intake: Any,
) -> Referral:
    """Triaged, with nobody holding it yet. An ``urgency`` keyword is the urgency it arrived with
    (an intake field); to change it at triage, call referral_triage yourself."""
    referral = _or_new(referral, make_received_referral, by=by, now=now, intake=intake)
    referral_triage(referral=referral, by=by, now=now, thrive_grouping=thrive_grouping, next_step=next_step)
    return _reread(referral)


def make_allocated_referral(
    *,
    by: User,
    now: datetime,
    link_worker: User,
    team: Team | None = None,
    referral: Referral | None = None,
    **intake: Any,
) -> Referral:
    """Allocated: ``link_worker`` holds it for ``team`` (by default the team it was routed to)."""
    referral = _or_new(referral, make_triaged_referral, by=by, now=now, intake=intake)
    caseload_allocate(referral=referral, by=by, now=now, link_worker=link_worker, team=team)
    return _reread(referral)


def make_in_treatment_referral(
    *, by: User, now: datetime, link_worker: User, referral: Referral | None = None, **intake: Any
) -> Referral:
    """In treatment: held by ``link_worker``, with a completed contact at ``now`` that started
    treatment (it also stops the first-response clock)."""
    if referral is None:
        referral = make_allocated_referral(by=by, now=now, link_worker=link_worker, **intake)
    else:
        _no_intake_for_existing(intake)
    contact_record(
        referral=referral,
        by=by,
        now=now,
        occurred_at=now,
        mode=Contact.Mode.FACE_TO_FACE,
        outcome=Contact.Outcome.COMPLETED,
        starts_treatment=True,
        note="First session: agreed what to work on.",
    )
    return _reread(referral)


def make_discharged_referral(
    *,
    by: User,
    now: datetime,
    link_worker: User,
    referral: Referral | None = None,
    reason: str = Referral.DischargeReason.GOALS_MET,
    note: str = "Back to self-care; call the 24/7 line or your GP to come back.",
    **intake: Any,
) -> Referral:
    """Discharged after treatment, with a reason and a return-to-self-care plan; clocks stopped."""
    if referral is None:
        referral = make_in_treatment_referral(by=by, now=now, link_worker=link_worker, **intake)
    else:
        _no_intake_for_existing(intake)
    referral_discharge(referral=referral, by=by, now=now, note=note, reason=reason)
    return _reread(referral)


def make_redirected_referral(
    *,
    by: User,
    now: datetime,
    to_team: Team,
    referral: Referral | None = None,
    note: str = "Needs the specialist team; we have told them what the person told us.",
    person_informed: bool = True,
    **intake: Any,
) -> Referral:
    """Redirected at triage: a warm handover to ``to_team`` (the same referral, its clocks running)."""
    referral = _or_new(referral, make_triaged_referral, by=by, now=now, intake=intake)
    referral_redirect(referral=referral, by=by, now=now, to_team=to_team, note=note, person_informed=person_informed)
    return _reread(referral)


def make_closed_referral(
    *,
    by: User,
    now: datetime,
    referral: Referral | None = None,
    reason: str = Referral.ClosureReason.NO_CONTACT,
    note: str = "",
    **intake: Any,
) -> Referral:
    """Closed after triage without treatment, with a reason; clocks stopped."""
    referral = _or_new(referral, make_triaged_referral, by=by, now=now, intake=intake)
    referral_close(referral=referral, by=by, now=now, reason=reason, note=note)
    return _reread(referral)


def _or_new(referral: Referral | None, make, *, by: User, now: datetime, intake: dict[str, Any]) -> Referral:
    if referral is None:
        return make(by=by, now=now, **intake)
    _no_intake_for_existing(intake)
    return referral


def _no_intake_for_existing(intake: dict[str, Any]) -> None:
    if intake:
        raise TypeError(f"Intake fields ({', '.join(sorted(intake))}) make a new referral; not with referral=.")


def _reread(referral: Referral) -> Referral:
    """The services re-read the row under a lock and change that copy: bring the caller's up to date."""
    referral.refresh_from_db()
    return referral
