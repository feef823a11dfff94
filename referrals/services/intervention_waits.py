"""Offering an intervention, and the wait until it starts (issue 14, item 4; docs/internal-waits.md).

The decision to offer starts a wait clock (``Clock.Kind.INTERVENTION``) with the target for the
team and kind of intervention, so the sweep raises its warning, breach and escalations as for
any clock. Recording the intervention stops it (``clocks_evaluate``, called by
``intervention_record``); withdrawing the offer stops it with a reason. Nothing is deleted.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from codes.snomed import INTERVENTION_LISTS
from localities.models import Organisation, Team
from referrals.errors import InvalidTransition
from referrals.models import Clock, ClockEvent, Intervention, InterventionOffer, Referral
from referrals.selectors import intervention_wait_target_for, policy_for_team

from .care import _check_code, intervention_record
from .clocks import clock_build


def _locked_referral(referral: Referral) -> Referral:
    # The referral first, then its clocks: the one lock order (docs/adr/0003).
    return Referral.objects.select_for_update(no_key=True, of=("self",)).select_related("team").get(pk=referral.pk)


@transaction.atomic
def intervention_offer_create(
    *,
    referral: Referral,
    team: Team,
    kind: str,
    description: str,
    by: User,
    now: datetime,
    code: str = "",
    decided_at: datetime | None = None,
) -> InterventionOffer:
    """Record the decision to offer an intervention; its wait starts at the decision."""
    referral = _locked_referral(referral)
    decided_at = decided_at or now
    if referral.ended_at is not None:
        raise InvalidTransition(f"Referral {referral.reference} has ended: nothing more can be offered on it.")
    if kind not in Intervention.Kind.values:
        raise ValidationError({"kind": ["Choose the kind of intervention."]})
    description = description.strip()
    if not description:
        raise ValidationError({"description": ["Say what is offered, for example 'CBT for psychosis'."]})
    if decided_at > now:
        raise ValidationError({"decided_at": ["The decision cannot be in the future."]})
    if decided_at < referral.received_at:
        raise ValidationError({"decided_at": ["The decision cannot be before the referral was received."]})
    _check_code(code, *INTERVENTION_LISTS)
    target = intervention_wait_target_for(team, kind)
    clock = clock_build(
        referral=referral,
        kind=Clock.Kind.INTERVENTION,
        started_at=decided_at,
        target=target.target,
        escalation_after=target.escalation_after,
        second_escalation_after=target.second_escalation_after,
        warning_fraction=policy_for_team(team).warning_fraction,
    )
    clock.save()
    offer = InterventionOffer.objects.create(
        referral=referral,
        team=team,
        kind=kind,
        code=code,
        description=description,
        decided_at=decided_at,
        decided_by=by,
        clock=clock,
    )
    ClockEvent.objects.create(
        clock=clock,
        kind=ClockEvent.Kind.STARTED,
        at=clock.started_at,
        by=by,
        reason=f"{offer.get_kind_display()} offered by {team.name}: target {target.target.days} days",
    )
    audit_record(
        by=by,
        action="intervention_offer.create",
        obj=offer,
        now=now,
        person_id=referral.person_id,
        detail={"kind": kind, "team": team.pk, "target_days": target.target.days},
    )
    return offer


def _locked_offer(offer: InterventionOffer) -> InterventionOffer:
    _locked_referral(offer.referral)
    locked = InterventionOffer.objects.select_for_update(of=("self",)).select_related("team").get(pk=offer.pk)
    locked.clock = Clock.all_kinds.select_for_update().get(pk=locked.clock_id)
    return locked


@transaction.atomic
def intervention_offer_withdraw(*, offer: InterventionOffer, by: User, now: datetime, reason: str) -> InterventionOffer:
    """The intervention is no longer offered (the person declined it, or chose another). Its
    wait stops now; a breach already reached still stands."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason: withdrawing an offer is audited."]})
    offer = _locked_offer(offer)
    if offer.clock.stopped_at is not None:
        raise InvalidTransition("This wait has already ended.")
    offer.withdrawn_at, offer.withdrawn_by, offer.withdrawn_reason = now, by, reason
    offer.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    clock = offer.clock
    clock.stopped_at, clock.stop_reason, clock.stopped_by = now, Clock.StopReason.OFFER_WITHDRAWN, by
    clock.paused_at = clock.next_check_at = None
    clock.save(update_fields=["stopped_at", "stop_reason", "stopped_by", "paused_at", "next_check_at"])
    ClockEvent.objects.create(clock=clock, kind=ClockEvent.Kind.STOPPED, at=now, by=by, reason=reason)
    audit_record(
        by=by,
        action="intervention_offer.withdraw",
        obj=offer,
        now=now,
        person_id=offer.referral.person_id,
        detail={"reason": reason},
    )
    return offer


@transaction.atomic
def intervention_offer_start(
    *,
    offer: InterventionOffer,
    by: User,
    now: datetime,
    started_at: datetime,
    provider: Organisation | None = None,
) -> Intervention:
    """Record the offered intervention as started (on the care plan); its wait stops then.

    The same person's earliest waiting offer of the same intervention is the one that starts
    (``clocks_evaluate``): two offers of one kind on one referral are one wait, answered once."""
    offer = _locked_offer(offer)
    if offer.clock.stopped_at is not None:
        raise InvalidTransition("This wait has already ended.")
    if started_at < offer.decided_at:
        raise ValidationError({"started_at": ["It cannot start before it was offered."]})
    intervention = intervention_record(
        referral=offer.referral,
        by=by,
        now=now,
        started_at=started_at,
        description=offer.description,
        kind=offer.kind,
        code=offer.code,
        care_plan=offer.referral.care_plans.order_by("-agreed_at", "-id").first(),
        provider=provider,
    )
    return intervention
