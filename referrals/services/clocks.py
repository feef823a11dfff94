"""Starting, stopping, pausing and restarting clocks, and the rules that stop them.

A clock starts once. Nothing here deletes or rewrites a stopped clock: a restart
stops the old clock with reason 'restarted' and starts a new current one, and
every change leaves a ClockEvent (and an audit row when a person made it).
"""

from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from referrals.errors import InvalidTransition
from referrals.models import (
    Assessment,
    CarePlan,
    Clock,
    ClockEvent,
    ClockPolicy,
    Contact,
    Intervention,
    OutcomeMeasure,
    Referral,
    ResponseTarget,
)
from referrals.selectors import policy_for_team

Rule = ClockPolicy.TreatmentStopRule


def _new_clock(*, referral: Referral, kind: str, started_at: datetime, policy: ClockPolicy) -> Clock:
    # Deadlines are elapsed time. Adding hours to a Europe/London datetime would
    # add wall-clock hours (one too many or too few on the nights the clocks
    # change), so all arithmetic happens in UTC.
    started_at = started_at.astimezone(UTC)
    if kind == Clock.Kind.FIRST_RESPONSE:
        target_row = _response_target(policy, referral.urgency)
        target, esc1, esc2 = target_row.target, target_row.escalation_after, target_row.second_escalation_after
        stop_rule = ""
    else:
        target = policy.treatment_target
        esc1, esc2 = policy.treatment_escalation_after, policy.treatment_second_escalation_after
        stop_rule = policy.treatment_stop_rule
    due_at = started_at + target
    clock = Clock(
        referral=referral,
        kind=kind,
        stop_rule=stop_rule,
        started_at=started_at,
        target=target,
        warn_at=started_at + target * float(policy.warning_fraction),
        due_at=due_at,
        escalation_at=due_at + esc1,
        second_escalation_at=due_at + esc2,
        next_alert_step=0,
    )
    clock.next_check_at = clock.warn_at
    return clock


def _response_target(policy: ClockPolicy, urgency: str) -> ResponseTarget:
    """The policy's target for this urgency; a team policy without one falls back to the default's."""
    row = policy.response_targets.filter(urgency=urgency).first()
    if row is None and not policy.is_default:
        row = ResponseTarget.objects.filter(policy__is_default=True, urgency=urgency).first()
    if row is None:
        raise ImproperlyConfigured(
            f"No first-response target for urgency {urgency!r}: add one to the default clock policy."
        )
    return row


def clocks_start(*, referral: Referral, by: User | None, now: datetime) -> list[Clock]:
    """Start the first-response and treatment clocks from the initial point of contact."""
    policy = policy_for_team(referral.team)
    clocks = [
        _new_clock(referral=referral, kind=kind, started_at=referral.received_at, policy=policy)
        for kind in (Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT)
    ]
    for clock in clocks:
        clock.save()
        ClockEvent.objects.create(
            clock=clock, kind=ClockEvent.Kind.STARTED, at=clock.started_at, by=by, reason=f"policy: {policy.name}"
        )
    return clocks


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


def _completed_contacts_since(referral: Referral, since: datetime) -> list[Contact]:
    return list(
        referral.contacts.filter(outcome=Contact.Outcome.COMPLETED, occurred_at__gte=since).order_by(
            "occurred_at", "id"
        )
    )


def _treatment_stop(clock: Clock, contacts: list[Contact]) -> tuple[datetime, Clock.StopReason] | None:
    """When, and why, the treatment clock's rule is met; None if not yet."""
    if clock.stop_rule == Rule.SECOND_CONTACT:
        if len(contacts) >= 2:
            return contacts[1].occurred_at, Clock.StopReason.SECOND_COMPLETED_CONTACT
        return None
    if clock.stop_rule == Rule.TREATMENT_STARTED:
        starting = [c for c in contacts if c.starts_treatment]
        return (starting[0].occurred_at, Clock.StopReason.TREATMENT_STARTED) if starting else None
    if clock.stop_rule == Rule.REFERRAL_SPELL:
        since = clock.started_at
        referral_id = clock.referral_id
        firsts = [
            Assessment.objects.filter(referral_id=referral_id, completed_at__gte=since)
            .order_by("completed_at")
            .values_list("completed_at", flat=True)
            .first(),
            CarePlan.objects.filter(referral_id=referral_id, agreed_at__gte=since)
            .order_by("agreed_at")
            .values_list("agreed_at", flat=True)
            .first(),
            Intervention.objects.filter(referral_id=referral_id, started_at__gte=since)
            .order_by("started_at")
            .values_list("started_at", flat=True)
            .first(),
            OutcomeMeasure.objects.filter(
                referral_id=referral_id, stage=OutcomeMeasure.Stage.BASELINE, recorded_at__gte=since
            )
            .order_by("recorded_at")
            .values_list("recorded_at", flat=True)
            .first(),
        ]
        found = [first for first in firsts if first is not None]
        if len(found) == len(firsts):
            return max(found), Clock.StopReason.REFERRAL_SPELL_COMPLETE
        return None
    raise ValueError(f"Unknown treatment stop rule {clock.stop_rule!r}")


def clocks_evaluate(*, referral: Referral, by: User | None) -> list[Clock]:
    """Apply the stop rules to the referral's open clocks; returns the clocks stopped."""
    stopped = []
    for clock in _current_open(referral):
        contacts = _completed_contacts_since(referral, clock.started_at)
        if clock.kind == Clock.Kind.FIRST_RESPONSE:
            outcome = (contacts[0].occurred_at, Clock.StopReason.FIRST_COMPLETED_CONTACT) if contacts else None
        else:
            outcome = _treatment_stop(clock, contacts)
        if outcome is not None:
            _stop(clock, at=outcome[0], reason=outcome[1], by=by)
            stopped.append(clock)
    return stopped


def clocks_stop_for_ended_referral(*, referral: Referral, by: User, now: datetime) -> None:
    for clock in _current_open(referral):
        _stop(clock, at=now, reason=Clock.StopReason.REFERRAL_ENDED, by=by, note=f"referral {referral.status}")


def _clock_for_update(clock: Clock) -> Clock:
    return Clock.objects.select_for_update().select_related("referral").get(pk=clock.pk)


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
    fresh = _new_clock(referral=referral, kind=clock.kind, started_at=now, policy=policy_for_team(referral.team))
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
    return [
        _restart(clock, by=by, now=now, reason=reason)
        for clock in Clock.objects.select_for_update()
        .select_related("referral")
        .filter(referral=referral, is_current=True, stopped_at__isnull=True)
    ]
