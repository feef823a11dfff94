"""Starting, stopping, pausing and restarting clocks, and the rules that stop them.

A clock starts once. Nothing here deletes or rewrites a stopped clock: a restart
stops the old clock with reason 'restarted' and starts a new current one, and
every change leaves a ClockEvent (and an audit row when a person made it).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from codes.mhsds import ATTENDED, COMMUNITY_TEAM_TYPES, DIRECT_MECHANISMS, FACE_TO_FACE, VIDEO
from common.inserts import insert
from referrals.errors import InvalidTransition
from referrals.models import (
    Allocation,
    Clock,
    ClockEvent,
    ClockPolicy,
    Contact,
    Intervention,
    InterventionOffer,
    Person,
    Referral,
    ResponseTarget,
)
from referrals.selectors import (
    policy_and_response_target,
    policy_for_team,
    referral_spell_clock_stop,
    responds_face_to_face,
)

Rule = ClockPolicy.TreatmentStopRule


def _new_clock(
    *,
    referral: Referral,
    kind: str,
    started_at: datetime,
    policy: ClockPolicy,
    response_target: ResponseTarget,
) -> Clock:
    """A clock under ``policy``; ``response_target`` is the first-response target for the
    referral's urgency (``_policy_for``)."""
    # Deadlines are elapsed time. Adding hours to a Europe/London datetime would
    # add wall-clock hours (one too many or too few on the nights the clocks
    # change), so all arithmetic happens in UTC.
    started_at = started_at.astimezone(UTC)
    if kind == Clock.Kind.FIRST_RESPONSE:
        target = response_target.target
        esc1, esc2 = response_target.escalation_after, response_target.second_escalation_after
        stop_rule = ""
    else:
        target = policy.treatment_target
        esc1, esc2 = policy.treatment_escalation_after, policy.treatment_second_escalation_after
        stop_rule = _concrete_rule(policy.treatment_stop_rule, referral)
    return clock_build(
        referral=referral,
        kind=kind,
        started_at=started_at,
        target=target,
        escalation_after=esc1,
        second_escalation_after=esc2,
        warning_fraction=policy.warning_fraction,
        stop_rule=stop_rule,
    )


def clock_build(
    *,
    referral: Referral,
    kind: str,
    started_at: datetime,
    target: timedelta,
    escalation_after: timedelta,
    second_escalation_after: timedelta,
    warning_fraction: Decimal,
    stop_rule: str = "",
) -> Clock:
    """An unsaved clock with its thresholds, in UTC (also the intervention waits' clocks)."""
    started_at = started_at.astimezone(UTC)
    due_at = started_at + target
    clock = Clock(
        referral=referral,
        kind=kind,
        stop_rule=stop_rule,
        started_at=started_at,
        target=target,
        warn_at=started_at + target * float(warning_fraction),
        due_at=due_at,
        escalation_at=due_at + escalation_after,
        second_escalation_at=due_at + second_escalation_after,
        next_alert_step=0,
    )
    clock.next_check_at = clock.warn_at
    return clock


def _concrete_rule(rule: str, referral: Referral) -> str:
    """The rule a clock keeps: "national" becomes the referral-spell clock stop for community
    team types (4w_waits_prep.py L170) and the second attended contact otherwise."""
    if rule != Rule.NATIONAL:
        return rule
    team_type = referral.team.mhsds_team_type if referral.team is not None else ""
    return Rule.REFERRAL_SPELL if team_type in COMMUNITY_TEAM_TYPES else Rule.SECOND_CONTACT


def _policy_for(referral: Referral) -> tuple[ClockPolicy, ResponseTarget]:
    """The clock policy a referral's new clocks follow, with its first-response target for the
    referral's urgency (the default policy's when the team's has none): one query."""
    policy, response_target = policy_and_response_target(referral.team, referral.urgency)
    if response_target is None:
        raise ImproperlyConfigured(
            f"No first-response target for urgency {referral.urgency!r}: add one to the default clock policy."
        )
    return policy, response_target


def clocks_start(*, referral: Referral, by: User | None, now: datetime) -> list[Clock]:
    """Start the first-response and treatment clocks from the initial point of contact."""
    policy, response_target = _policy_for(referral)
    clocks = [
        _new_clock(
            referral=referral,
            kind=kind,
            started_at=referral.received_at,
            policy=policy,
            response_target=response_target,
        )
        for kind in (Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT)
    ]
    # One INSERT for both clocks and one for their events, each INSERT's text built once: intake
    # makes thousands an hour (common.inserts, issue 17).
    insert(clocks)
    insert(
        [
            ClockEvent(
                clock=clock, kind=ClockEvent.Kind.STARTED, at=clock.started_at, by=by, reason=f"policy: {policy.name}"
            )
            for clock in clocks
        ]
    )
    _clocks_known(referral, clocks)
    return clocks


def _clocks_known(referral: Referral, clocks: list[Clock]) -> None:
    """A new referral's clocks are the ones just written: ``referral.clocks.all()`` (and a
    prefetch of it, as the intake receipt's) reads them from memory, not the database (issue 17).
    This is how Django's own prefetch keeps what it fetched (``prefetch_one_level`` in
    django/db/models/query.py): a queryset with its results filled in, under the relation's name."""
    known = referral.clocks.all()
    known._result_cache = sorted(clocks, key=lambda clock: (clock.kind, clock.started_at))
    known._prefetch_done = True  # type: ignore[attr-defined]  # Django's own, not in its stubs
    cache = getattr(referral, "_prefetched_objects_cache", {})
    referral._prefetched_objects_cache = {**cache, "clocks": known}  # type: ignore[attr-defined]


def _stop(clock: Clock, *, at: datetime, reason: str, by: User | None, note: str = "") -> None:
    clock.stopped_at = at
    clock.stop_reason = reason
    clock.stopped_by = by
    clock.paused_at = None
    clock.next_check_at = None
    clock.save(update_fields=["stopped_at", "stop_reason", "stopped_by", "paused_at", "next_check_at"])
    ClockEvent.objects.create(clock=clock, kind=ClockEvent.Kind.STOPPED, at=at, by=by, reason=note or reason)


def _current_open(referral: Referral) -> list[Clock]:
    return list(Clock.objects.select_for_update().filter(referral=referral, is_current=True, stopped_at__isnull=True))


def first_response_mechanisms(referral: Referral) -> frozenset[str]:
    """The consultation mechanisms a first response may be made by: face to face for crisis and
    liaison team types (uec_prep.py L55; video too when the policy says so), else any direct
    mechanism (4w_waits_prep.py L276)."""
    if responds_face_to_face(referral.team):
        policy = policy_for_team(referral.team)
        return frozenset({FACE_TO_FACE, VIDEO}) if policy.crisis_video_counts else frozenset({FACE_TO_FACE})
    return DIRECT_MECHANISMS


def _contacts_that_count(referral: Referral, since: datetime, mechanisms: frozenset[str]) -> list[Contact]:
    """Attended contacts by the given mechanisms, in order: a DNA, a cancellation, a text or a
    letter is never among them."""
    return list(
        referral.contacts.filter(
            attendance__in=ATTENDED, consultation_mechanism__in=mechanisms, occurred_at__gte=since
        ).order_by("occurred_at", "id")
    )


def _treatment_stop(clock: Clock, referral: Referral) -> tuple[datetime, str] | None:
    """When, and why, the treatment clock's rule is met; None if not yet."""
    if clock.stop_rule == Rule.REFERRAL_SPELL:
        stop = referral_spell_clock_stop(referral)
        if stop is None:
            return None
        # A referral joining a spell whose clock already stopped stops at once.
        return max(stop, clock.started_at), Clock.StopReason.REFERRAL_SPELL_COMPLETE
    contacts = _contacts_that_count(referral, clock.started_at, DIRECT_MECHANISMS)
    if clock.stop_rule == Rule.SECOND_CONTACT:
        if len(contacts) >= 2:
            return contacts[1].occurred_at, Clock.StopReason.SECOND_COMPLETED_CONTACT
        return None
    if clock.stop_rule == Rule.TREATMENT_STARTED:
        starting = [c for c in contacts if c.starts_treatment]
        return (starting[0].occurred_at, Clock.StopReason.TREATMENT_STARTED) if starting else None
    if clock.stop_rule == Rule.EIP:
        return _eip_stop(clock, referral, contacts)
    raise ValueError(f"Unknown treatment stop rule {clock.stop_rule!r}")


def _eip_stop(clock: Clock, referral: Referral, contacts: list[Contact]) -> tuple[datetime, str] | None:
    """Early intervention in psychosis: the person enters treatment once they have both had an
    attended direct contact and been allocated a care coordinator (here, a link worker), each
    on or after the referral was received; the clock stops at the later of the two (NHS England,
    EIP23a: 01_EIP_prep.py L541-L545, the earliest contact L233-L262 and the earliest care
    coordinator assignment L267-L285; docs/internal-waits.md)."""
    if not contacts:
        return None
    allocated = (
        Allocation.objects.filter(referral=referral, started_at__gte=clock.started_at)
        .order_by("started_at", "id")
        .values_list("started_at", flat=True)
        .first()
    )
    if allocated is None:
        return None
    return max(contacts[0].occurred_at, allocated), Clock.StopReason.TREATMENT_STARTED


def _stop_due(clock: Clock, referral: Referral) -> tuple[datetime, str] | None:
    if clock.kind == Clock.Kind.FIRST_RESPONSE:
        contacts = _contacts_that_count(referral, clock.started_at, first_response_mechanisms(referral))
        return (contacts[0].occurred_at, Clock.StopReason.FIRST_COMPLETED_CONTACT) if contacts else None
    return _treatment_stop(clock, referral)


def clocks_evaluate(*, referral: Referral, by: User | None) -> list[Clock]:
    """Apply the stop rules to the referral's open clocks; returns the clocks stopped.

    A referral-spell clock can also stop because of an event on another referral of the same
    spell, so the open spell clocks of the person's other referrals are looked at too.
    """
    # Evaluations for one person run one at a time: the person's row, then this referral's clocks,
    # then its spell partners' (docs/adr/0003). Without it, contacts recorded at the same moment on
    # two referrals of one spell each held their own referral's clocks and waited for the other's.
    Person.objects.select_for_update(no_key=True).only("pk").get(pk=referral.person_id)
    stopped = []
    for clock in _current_open(referral):
        outcome = _stop_due(clock, referral)
        if outcome is not None:
            _stop(clock, at=outcome[0], reason=outcome[1], by=by)
            stopped.append(clock)
    for other in _spell_partners_with_open_clocks(referral):
        for clock in _current_open(other):
            if clock.kind == Clock.Kind.TREATMENT and clock.stop_rule == Rule.REFERRAL_SPELL:
                outcome = _treatment_stop(clock, other)
                if outcome is not None:
                    _stop(clock, at=outcome[0], reason=outcome[1], by=by)
    stopped.extend(_intervention_waits_evaluate(referral, by=by))
    return stopped


def _open_waits(referral: Referral) -> list[Clock]:
    """The referral's open intervention waits, locked (after the referral: the one lock order)."""
    return list(
        Clock.all_kinds.select_for_update(of=("self",))
        .filter(referral=referral, kind=Clock.Kind.INTERVENTION, stopped_at__isnull=True)
        .select_related("intervention_offer")
        .order_by("started_at", "id")
    )


def _intervention_waits_evaluate(referral: Referral, *, by: User | None) -> list[Clock]:
    """An intervention recorded on the referral starts the earliest offer it answers: the same
    kind (and SNOMED CT code, when the offer named one), started no earlier than the decision and
    not already the start of another offer. Its wait clock stops when the intervention started."""
    stopped = []
    for clock in _open_waits(referral):
        offer: InterventionOffer = clock.intervention_offer
        candidates = Intervention.objects.filter(
            referral=referral, kind=offer.kind, started_at__gte=offer.decided_at, offer__isnull=True
        )
        if offer.code:
            candidates = candidates.filter(code=offer.code)
        started = candidates.order_by("started_at", "id").first()
        if started is None:
            continue
        offer.intervention = started
        offer.save(update_fields=["intervention"])
        _stop(clock, at=started.started_at, reason=Clock.StopReason.INTERVENTION_STARTED, by=by)
        stopped.append(clock)
    return stopped


def _spell_partners_with_open_clocks(referral: Referral) -> list[Referral]:
    return list(
        Referral.objects.filter(
            person_id=referral.person_id,
            clocks__is_current=True,
            clocks__stopped_at__isnull=True,
            clocks__stop_rule=Rule.REFERRAL_SPELL,
        )
        .exclude(pk=referral.pk)
        .select_related("team")
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def clocks_reevaluate(*, referral: Referral, now: datetime, reason: str) -> list[Clock]:
    """Look again at clocks stopped by a contact, under today's rules (after a team's MHSDS type
    is set, say): a stop that no longer holds moves to the event that counts, or the clock runs
    again so its alerts go out. Each change is a clock event with its reason; breaches stand."""
    referral = Referral.objects.select_for_update(no_key=True, of=("self",)).select_related("team").get(pk=referral.pk)
    by_contact = {
        Clock.StopReason.FIRST_COMPLETED_CONTACT,
        Clock.StopReason.SECOND_COMPLETED_CONTACT,
        Clock.StopReason.TREATMENT_STARTED,
    }
    changed = []
    clocks = Clock.objects.select_for_update().filter(referral=referral, is_current=True, stop_reason__in=by_contact)
    for clock in clocks.order_by("pk"):
        outcome = _stop_due(clock, referral)
        if outcome is not None and outcome[0] == clock.stopped_at:
            continue
        was = clock.stopped_at
        if referral.ended_at is not None and (outcome is None or outcome[0] > referral.ended_at):
            outcome = (referral.ended_at, Clock.StopReason.REFERRAL_ENDED)
        if outcome is None:
            clock.stopped_at, clock.stop_reason, clock.stopped_by = None, "", None
            steps = len(Clock.LADDER)
            clock.next_check_at = clock.threshold(clock.next_alert_step) if clock.next_alert_step < steps else None
            note = f"{reason}: the stop at {was:%Y-%m-%d %H:%M} UTC does not count; the clock runs again"
        else:
            clock.stopped_at, clock.stop_reason = outcome
            note = f"{reason}: the stop at {was:%Y-%m-%d %H:%M} UTC moves to {outcome[0]:%Y-%m-%d %H:%M} UTC"
        clock.save(update_fields=["stopped_at", "stop_reason", "stopped_by", "next_check_at"])
        ClockEvent.objects.create(clock=clock, kind=ClockEvent.Kind.REEVALUATED, at=now, by=None, reason=note)
        changed.append(clock)
    return changed


def clocks_stop_for_ended_referral(*, referral: Referral, by: User, now: datetime) -> None:
    """Every open clock stops, the intervention waits too: nobody waits on an ended referral."""
    for clock in [*_current_open(referral), *_open_waits(referral)]:
        _stop(clock, at=now, reason=Clock.StopReason.REFERRAL_ENDED, by=by, note=f"referral {referral.status}")


def _clock_for_update(clock: Clock) -> Clock:
    """Lock the clock's referral, then the clock: the one lock order (docs/adr/0003).

    Locking the clock with its referral joined (``select_related`` under FOR UPDATE) took the
    clock first and the referral second, and FOR UPDATE on the referral: a contact holding the
    referral and waiting for this clock deadlocked with it, and so did a sweep's foreign-key check.
    """
    referral = Referral.objects.select_for_update(no_key=True).get(pk=clock.referral_id)
    locked = Clock.objects.select_for_update(of=("self",)).get(pk=clock.pk)
    locked.referral = referral
    return locked


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidTransition("Give a reason: pausing, resuming, restarting or stopping a clock is audited.")
    return reason


@transaction.atomic
def clock_pause(*, clock: Clock, by: User, now: datetime, reason: str) -> Clock:
    reason = _require_reason(reason)
    clock = _clock_for_update(clock)
    if not clock.is_running:
        raise InvalidTransition("Only a running clock can be paused.")
    clock.paused_at = now
    clock.next_check_at = None
    clock.save(update_fields=["paused_at", "next_check_at"])
    ClockEvent.objects.create(clock=clock, kind=ClockEvent.Kind.PAUSED, at=now, by=by, reason=reason)
    audit_record(
        by=by, action="clock.pause", obj=clock, now=now, person_id=clock.referral.person_id, detail={"reason": reason}
    )
    return clock


@transaction.atomic
def clock_resume(*, clock: Clock, by: User, now: datetime, reason: str) -> Clock:
    """Resume a paused clock; its deadlines move on by the time it was paused."""
    reason = _require_reason(reason)
    clock = _clock_for_update(clock)
    if clock.paused_at is None or clock.stopped_at is not None:
        raise InvalidTransition("Only a paused clock can be resumed.")
    paused_for = now - clock.paused_at
    clock.warn_at += paused_for
    clock.due_at += paused_for
    clock.escalation_at += paused_for
    clock.second_escalation_at += paused_for
    clock.paused_at = None
    clock.next_check_at = clock.threshold(clock.next_alert_step) if clock.next_alert_step < len(Clock.LADDER) else None
    clock.save()
    ClockEvent.objects.create(
        clock=clock, kind=ClockEvent.Kind.RESUMED, at=now, by=by, reason=f"{reason} (paused for {paused_for})"
    )
    audit_record(
        by=by, action="clock.resume", obj=clock, now=now, person_id=clock.referral.person_id, detail={"reason": reason}
    )
    return clock


@transaction.atomic
def clock_stop(*, clock: Clock, by: User, now: datetime, reason: str) -> Clock:
    """Stop a clock by hand. Its breach, if any, still stands."""
    reason = _require_reason(reason)
    clock = _clock_for_update(clock)
    if clock.stopped_at is not None:
        raise InvalidTransition("This clock has already stopped.")
    _stop(clock, at=now, reason=Clock.StopReason.MANUAL, by=by, note=reason)
    audit_record(
        by=by, action="clock.stop", obj=clock, now=now, person_id=clock.referral.person_id, detail={"reason": reason}
    )
    return clock


@transaction.atomic
def clock_restart(*, clock: Clock, by: User, now: datetime, reason: str) -> Clock:
    """Supersede a clock with a new one starting now. The old clock and its alerts stay."""
    reason = _require_reason(reason)
    clock = _clock_for_update(clock)
    if not clock.is_current:
        raise InvalidTransition("Only the current clock can be restarted.")
    return _restart(clock, by=by, now=now, reason=reason)


def _restart(clock: Clock, *, by: User, now: datetime, reason: str) -> Clock:
    referral = clock.referral
    if clock.stopped_at is None:
        _stop(clock, at=now, reason=Clock.StopReason.RESTARTED, by=by, note=reason)
    clock.is_current = False
    clock.save(update_fields=["is_current"])
    policy, response_target = _policy_for(referral)
    fresh = _new_clock(
        referral=referral, kind=clock.kind, started_at=now, policy=policy, response_target=response_target
    )
    fresh.save()
    ClockEvent.objects.create(clock=fresh, kind=ClockEvent.Kind.RESTARTED, at=now, by=by, reason=reason)
    audit_record(
        by=by,
        action="clock.restart",
        obj=fresh,
        now=now,
        person_id=referral.person_id,
        detail={"reason": reason, "previous_clock": clock.pk},
    )
    return fresh


def clocks_restart_for_redirect(*, referral: Referral, by: User, now: datetime, reason: str) -> list[Clock]:
    """Called by referral_redirect, which holds the referral: lock only the clocks (``of=self``).

    Without ``of`` the joined referral was locked FOR UPDATE between two clocks, blocking the
    foreign-key check of a sweep that held the second clock: a deadlock (docs/adr/0003)."""
    return [
        _restart(clock, by=by, now=now, reason=reason)
        for clock in Clock.objects.select_for_update(of=("self",))
        .select_related("referral")
        .filter(referral=referral, is_current=True, stopped_at__isnull=True)
    ]
