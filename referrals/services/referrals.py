"""The referral lifecycle: one service per transition, refusing the ones that make no sense.

received → triaged → assessed → allocated → in treatment → discharged, with
'redirected' (a warm handover to another team) possible from any open state and
'closed' (with a reason) from any state before treatment. Nobody is simply rejected.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import AuditEntry, audit_record, audit_record_many
from common.inserts import insert
from common.london import earliest_record_time, london
from localities.models import Practice, Team
from localities.selectors import Route, route_for
from referrals.errors import InvalidTransition, atomic_refusing_races
from referrals.models import Allocation, ClockPolicy, Handoff, Person, Referral, UrgencyChange
from referrals.selectors import policy_for_team

from .clocks import clocks_restart_for_redirect, clocks_start, clocks_stop_for_ended_referral
from .measure_scope import referral_scope_set_on_create, referral_scope_set_on_redirect
from .people import person_match_or_create
from .referrer import referrer_update_record

S = Referral.Status

ALLOWED: dict[str, set[str]] = {
    S.RECEIVED: {S.TRIAGED, S.ASSESSED, S.IN_TREATMENT, S.REDIRECTED, S.CLOSED},
    S.TRIAGED: {S.ASSESSED, S.ALLOCATED, S.IN_TREATMENT, S.REDIRECTED, S.CLOSED},
    S.ASSESSED: {S.ALLOCATED, S.IN_TREATMENT, S.REDIRECTED, S.CLOSED},
    S.ALLOCATED: {S.IN_TREATMENT, S.REDIRECTED, S.DISCHARGED, S.CLOSED},
    S.IN_TREATMENT: {S.REDIRECTED, S.DISCHARGED},
    S.REDIRECTED: {S.TRIAGED, S.ASSESSED, S.ALLOCATED, S.IN_TREATMENT, S.REDIRECTED, S.CLOSED},
    S.DISCHARGED: set(),
    S.CLOSED: set(),
}


def referral_can_become(referral: Referral, status: str) -> bool:
    """Whether the lifecycle allows this move now (pages use it to offer only what will work)."""
    return status in ALLOWED[referral.status]


def _refuse_unless_can_become(referral: Referral, to: str) -> None:
    if to not in ALLOWED[referral.status]:
        raise InvalidTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot become {S(to).label.lower()}."
        )


def _transition(referral: Referral, to: str, *, now: datetime) -> None:
    _refuse_unless_can_become(referral, to)
    referral.status = to
    referral.status_changed_at = now


def _when(referral: Referral, at: datetime | None, *, now: datetime) -> datetime:
    """When a transition happened: now, or ``at`` for one recorded afterwards (through the API),
    which may be neither in the future nor before the referral was received."""
    if at is None:
        return now
    if at > now:
        raise ValidationError({"at": ["This cannot be in the future."]})
    if at < referral.received_at:
        raise ValidationError({"at": ["This cannot be before the referral was received."]})
    return at


def _locked(referral: Referral) -> Referral:
    """Re-read the referral under a row lock: two people acting at once queue up."""
    # FOR NO KEY UPDATE: does not block the foreign-key checks of a sweep committing alerts on this
    # referral, so the lock order referral-then-clocks cannot deadlock with it (docs/adr/0003).
    return Referral.objects.select_for_update(no_key=True).get(pk=referral.pk)


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before for a different request."""


def referral_create(
    *,
    by: User,
    now: datetime,
    source: str,
    urgency: str,
    presenting_need: str,
    received_at: datetime | None = None,
    nhs_number: str | None = None,
    given_name: str,
    family_name: str,
    birth_date: date | None = None,
    postcode: str = "",
    gp_practice: Practice | None = None,
    person: Person | None = None,
    team_override: Team | None = None,
    override_reason: str = "",
    idempotency_key: str | None = None,
    source_of_referral: str = "",
    primary_reason: str = "",
    on_created: Callable[[Referral], object] | None = None,
) -> tuple[Referral, bool]:
    """Record a referral from any access point and start both clocks.

    ``person``: someone already found (e.g. by name and date of birth); without
    it the person is matched by NHS number or created. ``team_override`` sends
    the referral to another team than the routing rules would, with a reason
    that is kept on the referral and in the audit log.

    Returns (referral, created). With an idempotency key, a retry of the same
    request returns the referral made the first time.

    ``on_created`` is called with the new referral inside the transaction that makes it (never
    for a replay): for writes that must stand or fall with the referral, such as
    ``access.intake.intake_receipt_record``. A caller that needs nothing more in that transaction
    then opens none of its own: outside one, this transaction is the outermost, and takes no
    savepoint (two statements fewer an intake, issue 17).
    """
    given_received_at = received_at  # a retry that leaves it out a moment later is the same request
    received_at = (received_at or now).astimezone(UTC)  # stored and computed in UTC
    if received_at > now:
        raise ValidationError({"received_at": ["The time a referral was received cannot be in the future."]})
    if received_at < earliest_record_time():
        raise ValidationError(
            {"received_at": [f"A referral received before {london(earliest_record_time())} cannot be recorded here."]}
        )
    fingerprint = ""
    if idempotency_key:
        fingerprint = _fingerprint(
            dict(
                source=source,
                urgency=urgency,
                presenting_need=presenting_need,
                received_at=given_received_at,
                nhs_number=nhs_number,
                given_name=given_name,
                family_name=family_name,
                birth_date=birth_date,
                postcode=postcode,
                gp_practice=gp_practice.pk if gp_practice else None,
                person=person.pk if person else None,
                team_override=team_override.pk if team_override else None,
            )
        )
    # No look for an earlier use of the key first: the referral's unique (created_by,
    # idempotency_key) finds it, and a retry is rare while every intake would pay for the look
    # (issue 17). The savepoint undoes whatever the retry wrote before its referral was refused.
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                referral = _create(
                    by=by,
                    now=now,
                    source=source,
                    urgency=urgency,
                    presenting_need=presenting_need,
                    received_at=received_at,
                    nhs_number=nhs_number,
                    given_name=given_name,
                    family_name=family_name,
                    birth_date=birth_date,
                    postcode=postcode,
                    gp_practice=gp_practice,
                    person=person,
                    team_override=team_override,
                    override_reason=override_reason,
                    idempotency_key=idempotency_key or None,
                    fingerprint=fingerprint,
                    source_of_referral=source_of_referral,
                    primary_reason=primary_reason,
                )
                if on_created is not None:
                    on_created(referral)
            return referral, True
        except (IntegrityError, ValidationError) as exc:
            # The key was used before (a retry, or another request with it that won the race):
            # return what that request made. A retry is answered so even if what it names has
            # changed since and would now be refused; the same key for another referral is a conflict.
            if idempotency_key:
                earlier = _replay(by=by, key=idempotency_key, fingerprint=fingerprint)
                if earlier is not None:
                    return earlier, False
            if attempt == 2 or not isinstance(exc, IntegrityError):
                raise
            # Another first referral for the same new NHS number made the person a moment ago (the
            # unique NHS number refused ours): once more, and the match finds them.
    raise AssertionError("unreachable")  # the loop returns or raises


def _replay(*, by: User, key: str, fingerprint: str) -> Referral | None:
    earlier = Referral.objects.filter(created_by=by, idempotency_key=key).first()
    if earlier is not None and earlier.idempotency_fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different referral; use a new key for a new referral."
        )
    return earlier


def _create(
    *,
    by: User,
    now: datetime,
    source: str,
    urgency: str,
    presenting_need: str,
    received_at: datetime,
    nhs_number: str | None,
    given_name: str,
    family_name: str,
    birth_date: date | None,
    postcode: str,
    gp_practice: Practice | None,
    person: Person | None,
    team_override: Team | None,
    override_reason: str,
    idempotency_key: str | None,
    fingerprint: str,
    source_of_referral: str = "",
    primary_reason: str = "",
) -> Referral:
    if not presenting_need.strip():
        raise ValidationError({"presenting_need": ["Say what the person needs help with."]})
    if team_override is not None and not override_reason.strip():
        raise ValidationError(
            {"override_reason": ["Say why the referral should go somewhere other than the routed team."]}
        )
    # Matched by NHS number (under the person's lock) or created here, when not given.
    new_person, person_locked = False, person is None
    if person is None:
        person, new_person = person_match_or_create(
            now=now,
            nhs_number=nhs_number,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            postcode=postcode,
            gp_practice=gp_practice,
        )
    routed = route_for(practice=person.gp_practice, postcode=person.postcode)
    route = routed
    if team_override is not None and team_override != routed.team:
        route = Route(
            team_override.locality or routed.locality,
            team_override,
            f"override at intake: {override_reason.strip()} (rules gave {routed.team or 'no team'})",
        )
    referral = Referral(
        person=person,
        source=source,
        received_at=received_at,
        urgency=urgency,
        presenting_need=presenting_need.strip(),
        locality=route.locality,
        team=route.team,
        routing_reason=route.reason,
        status=S.RECEIVED,
        status_changed_at=now,
        created_at=now,
        created_by=by,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint,
        source_of_referral=source_of_referral,
        primary_reason=primary_reason,
    )
    # Field checks give per-field messages; uniqueness and constraints are the database's job (and
    # cost queries; with the unique fields excluded, the unique check would only list none).
    referral.full_clean(
        exclude=["person", "created_by", "locality", "team", "reference"],
        validate_unique=False,
        validate_constraints=False,
    )
    referral_scope_set_on_create(referral=referral, new_person=new_person, person_locked=person_locked)
    # Each INSERT's text built once, not for every intake (common.inserts, issue 17).
    insert([referral])
    insert([UrgencyChange(referral=referral, urgency=urgency, at=received_at, by=by)])
    clocks_start(referral=referral, by=by, now=now)
    created = AuditEntry(
        action="referral.create",
        obj=referral,
        person_id=person.pk,
        detail={
            "source": source,
            "urgency": urgency,
            "route": route.reason,
            "routed_team": routed.team.pk if routed.team else None,
        },
    )
    # A new person's row first, as it was made first; both in one INSERT (issue 17).
    entries = (
        [AuditEntry(action="person.create", obj=person, person_id=person.pk), created] if new_person else [created]
    )
    audit_record_many(by=by, now=now, entries=entries)
    return referral


@transaction.atomic
def referral_triage(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    urgency: str | None = None,
    thrive_grouping: str = "",
    next_step: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Referral:
    """Record triage: urgency, THRIVE grouping and the next step; ``at`` when it happened, if
    not now (the urgency's history keeps that time).

    Changing urgency does not silently move a running deadline: the clock keeps
    the target it started with (see clock_restart to start again, with a reason).
    """
    errors = {}
    if urgency and urgency not in Referral.Urgency.values:
        errors["urgency"] = [f"Choose one of: {', '.join(Referral.Urgency.values)}."]
    if thrive_grouping and thrive_grouping not in Referral.Thrive.values:
        errors["thrive_grouping"] = [f"Choose one of: {', '.join(Referral.Thrive.values)}."]
    if errors:
        raise ValidationError(errors)
    referral = _locked(referral)
    _refuse_unless_can_become(referral, S.TRIAGED)  # before the time: a conflict, not bad input
    at = _when(referral, at, now=now)
    _transition(referral, S.TRIAGED, now=at)
    detail: dict[str, Any] = {"note": note, "next_step": next_step}
    if urgency and urgency != referral.urgency:
        detail["urgency"] = {"from": referral.urgency, "to": urgency}
        referral.urgency = urgency
        # Kept with its time: the crisis measures read the urgency in force at a month's end.
        UrgencyChange.objects.create(referral=referral, urgency=urgency, at=at, by=by)
    if thrive_grouping and thrive_grouping != referral.thrive_grouping:
        detail["thrive_grouping"] = {"from": referral.thrive_grouping, "to": thrive_grouping}
        referral.thrive_grouping = thrive_grouping
    referral.triage_next_step = next_step.strip()
    referral.save(update_fields=["status", "status_changed_at", "urgency", "thrive_grouping", "triage_next_step"])
    audit_record(by=by, action="referral.triage", obj=referral, now=now, person_id=referral.person_id, detail=detail)
    referrer_update_record(referral=referral, event="triaged", at=at, now=now)
    return referral


@transaction.atomic
def referral_assess(*, referral: Referral, by: User, now: datetime) -> Referral:
    referral = _locked(referral)
    _transition(referral, S.ASSESSED, now=now)
    referral.save(update_fields=["status", "status_changed_at"])
    audit_record(by=by, action="referral.assess", obj=referral, now=now, person_id=referral.person_id)
    return referral


def referral_mark_allocated(*, referral: Referral, link_worker: User, now: datetime) -> Referral:
    """Called by caseload allocation inside its own transaction; not for views."""
    referral = _locked(referral)
    if referral.status not in (S.ALLOCATED, S.IN_TREATMENT):
        _transition(referral, S.ALLOCATED, now=now)
    referral.allocated_to = link_worker
    referral.save(update_fields=["status", "status_changed_at", "allocated_to"])
    return referral


def referral_mark_treatment_started(*, referral: Referral, at: datetime, now: datetime) -> Referral:
    """A completed contact recorded as starting treatment moves the referral into treatment."""
    referral = _locked(referral)
    if referral.treatment_started_at is None:
        referral.treatment_started_at = at
    if referral.status != S.IN_TREATMENT and S.IN_TREATMENT in ALLOWED[referral.status]:
        _transition(referral, S.IN_TREATMENT, now=now)
    referral.save(update_fields=["status", "status_changed_at", "treatment_started_at"])
    return referral


@atomic_refusing_races  # a concurrent change refused by the database: ConflictError, not a 500
def referral_redirect(
    *, referral: Referral, by: User, now: datetime, to_team: Team, note: str, person_informed: bool
) -> Handoff:
    """A warm handover to another team or service. The same referral moves; its clocks keep running
    unless the receiving pathway's policy says a redirect restarts them (and then the history shows it)."""
    referral = _locked(referral)
    if not note.strip():
        raise ValidationError({"note": ["Write a handover note for the receiving team."]})
    if referral.team_id == to_team.pk:
        raise ValidationError({"to_team": ["The referral is already with this team."]})
    _transition(referral, S.REDIRECTED, now=now)
    handoff = Handoff.objects.create(
        referral=referral,
        from_team_id=referral.team_id,
        to_team=to_team,
        note=note.strip(),
        person_informed=person_informed,
        at=now,
        by=by,
    )
    scope_changed = referral_scope_set_on_redirect(referral=referral, from_team=referral.team, to_team=to_team, at=now)
    referral.team = to_team
    if to_team.locality_id:
        referral.locality_id = to_team.locality_id
    referral.allocated_to = None
    referral.save(update_fields=["status", "status_changed_at", "team", "locality", "allocated_to", *scope_changed])
    _allocation_end_open(referral=referral, now=now)
    policy: ClockPolicy = policy_for_team(to_team)
    if policy.restart_clocks_on_redirect:
        clocks_restart_for_redirect(
            referral=referral, by=by, now=now, reason=f"redirected to {to_team.name}: {policy.name} restarts clocks"
        )
        handoff.clocks_restarted = True
        handoff.save(update_fields=["clocks_restarted"])
    audit_record(
        by=by,
        action="referral.redirect",
        obj=referral,
        now=now,
        person_id=referral.person_id,
        detail={"from_team": handoff.from_team_id, "to_team": to_team.pk, "clocks_restarted": handoff.clocks_restarted},
    )
    referrer_update_record(referral=referral, event="redirected", at=now, now=now, from_team=handoff.from_team)
    return handoff


@atomic_refusing_races  # a concurrent change refused by the database: ConflictError, not a 500
def referral_close(
    *, referral: Referral, by: User, now: datetime, reason: str, note: str = "", at: datetime | None = None
) -> Referral:
    """Close without treatment (declined, no contact...), now or ``at``. Open clocks stop; any
    breach stands."""
    if reason not in Referral.ClosureReason.values:
        raise ValidationError({"reason": [f"Choose one of: {', '.join(Referral.ClosureReason.values)}."]})
    referral = _locked(referral)
    _refuse_unless_can_become(referral, S.CLOSED)
    ended_at = _ended_at(referral, at, now=now)
    _transition(referral, S.CLOSED, now=ended_at)
    referral.closure_reason = reason
    referral.discharge_note = note
    return _end(referral, by=by, now=now, ended_at=ended_at, action="referral.close")


@atomic_refusing_races  # a concurrent change refused by the database: ConflictError, not a 500
def referral_discharge(
    *,
    referral: Referral,
    by: User,
    now: datetime,
    note: str,
    reason: str = Referral.DischargeReason.GOALS_MET,
    return_route: str = "",
    at: datetime | None = None,
) -> Referral:
    """Discharge with a reason, a return-to-self-care plan (``note``) and how to get back in
    touch; now, or ``at``."""
    errors = {}
    if not note.strip():
        errors["note"] = ["Write the return-to-self-care plan."]
    if reason not in Referral.DischargeReason.values:
        errors["reason"] = [f"Choose one of: {', '.join(Referral.DischargeReason.values)}."]
    if errors:
        raise ValidationError(errors)
    referral = _locked(referral)
    _refuse_unless_can_become(referral, S.DISCHARGED)
    ended_at = _ended_at(referral, at, now=now)
    _transition(referral, S.DISCHARGED, now=ended_at)
    referral.discharge_note = note.strip()
    referral.discharge_reason = reason
    referral.return_route = return_route.strip()
    referral = _end(referral, by=by, now=now, ended_at=ended_at, action="referral.discharge")
    referrer_update_record(referral=referral, event="discharged", at=ended_at, now=now)
    return referral


def _ended_at(referral: Referral, at: datetime | None, *, now: datetime) -> datetime:
    """When the referral ends: now, or ``at``, which no recorded contact may follow (as a contact
    after the end is refused)."""
    ended_at = _when(referral, at, now=now)
    if at is not None and referral.contacts.filter(occurred_at__gt=ended_at).exists():
        raise ValidationError({"at": ["A contact is recorded after this time: the referral ends after it."]})
    if at is not None and Allocation.objects.filter(referral=referral, started_at__gt=ended_at).exists():
        raise ValidationError({"at": ["The referral was allocated after this time: it ends after the allocation."]})
    return ended_at


def _end(referral: Referral, *, by: User, now: datetime, ended_at: datetime, action: str) -> Referral:
    referral.ended_at = ended_at
    referral.save()
    clocks_stop_for_ended_referral(referral=referral, by=by, now=ended_at)
    _allocation_end_open(referral=referral, now=ended_at)
    audit_record(
        by=by,
        action=action,
        obj=referral,
        now=now,
        person_id=referral.person_id,
        detail={"reason": referral.closure_reason or referral.discharge_reason},
    )
    return referral


def _allocation_end_open(*, referral: Referral, now: datetime) -> None:
    """A referral that ends (discharge, closure, redirect) is held by nobody from that moment."""
    Allocation.objects.filter(referral=referral, ended_at__isnull=True).update(ended_at=now)
