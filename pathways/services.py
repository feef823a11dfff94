"""Every change to a person's place on a pathway, and to a service's roll-out.

Keyword-only, ``by=`` (who decided) and ``now=``; each runs in one transaction with its audit row.
A step may be recorded after the decision: ``at`` is when it took effect (never in the future, never
before the previous step). Someone outside a pathway's eligibility is not turned away: the pages offer
``pathway_alternative_handover``, a warm handover of their referral (``referral_redirect``) to the
pathway's alternative team.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import TeamMembership, User
from accounts.services import audit_record
from common.london import london_date
from localities.models import Locality, Team
from referrals.models import Handoff, Referral
from referrals.services import referral_redirect

from .models import Pathway, Placement, Rollout, Step, Tier
from .selectors import eligibility_for


class Ineligible(ValidationError):
    """Outside the pathway's eligibility: the page offers the alternative instead."""

    def __init__(self, message: str, *, pathway: Pathway) -> None:
        super().__init__({"tier": [message]})
        self.pathway = pathway
        self.reason = message


def _refuse_unless_staff(pathway: Pathway, by: User) -> None:
    if not TeamMembership.objects.filter(team_id=pathway.team_id, user_id=by.pk).exists():
        raise ValidationError(f"Only the staff of {pathway.team} move people along its pathways.")


def _effective(at: datetime | None, *, now: datetime, after: datetime | None, what: str) -> datetime:
    at = at or now
    if at > now:
        raise ValidationError({"at": [f"The date of the {what} cannot be in the future."]})
    if after is not None and at < after:
        raise ValidationError({"at": [f"The date of the {what} cannot be before {london_date(after):%-d %B %Y}."]})
    return at


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": ["Write the reason for the decision."]})
    return reason.strip()


def _locked(placement: Placement) -> Placement:
    locked = Placement.objects.select_for_update(of=("self",)).select_related("tier", "pathway").get(pk=placement.pk)
    if locked.left_at is not None:
        raise ValidationError("The person has already left this pathway.")
    return locked


@transaction.atomic
def pathway_enter(
    *,
    referral: Referral,
    pathway: Pathway,
    tier: Tier,
    by: User,
    now: datetime,
    reason: str,
    at: datetime | None = None,
) -> Placement:
    """The person on ``referral`` enters ``pathway`` at ``tier``. Refused with ``Ineligible`` when
    they are outside its eligibility on the day (the page then offers the alternative)."""
    _refuse_unless_staff(pathway, by)
    reason = _reason(reason)
    if tier.pathway_id != pathway.pk:
        raise ValidationError({"tier": [f"Choose a tier of {pathway.name}."]})
    if referral.ended_at is not None:
        raise ValidationError({"referral": ["The referral has ended: take a new referral first."]})
    at = _effective(at, now=now, after=referral.received_at, what="decision")
    person = referral.person
    eligibility = eligibility_for(person, pathway, on=london_date(at))
    if not eligibility.eligible:
        raise Ineligible(eligibility.reason, pathway=pathway)
    if Placement.objects.filter(person=person, pathway=pathway, left_at__isnull=True).exists():
        raise ValidationError(f"{person} is already on {pathway.name}: step them up or down instead.")
    try:
        with transaction.atomic():
            placement = Placement.objects.create(
                person=person, pathway=pathway, referral=referral, tier=tier, entered_at=at
            )
    except IntegrityError as exc:  # someone else entered them at the same moment
        raise ValidationError(f"{person} is already on {pathway.name}.") from exc
    Step.objects.create(
        placement=placement, kind=Step.Kind.ENTER, to_tier=tier, at=at, by=by, reason=reason, recorded_at=now
    )
    audit_record(
        by=by,
        action="pathway.enter",
        obj=placement,
        now=now,
        person_id=person.pk,
        detail={"pathway": pathway.pk, "tier": tier.label, "referral": referral.pk},
    )
    return placement


def _move(
    *, placement: Placement, to_tier: Tier, by: User, now: datetime, reason: str, at: datetime | None, up: bool
) -> Step:
    placement = _locked(placement)
    _refuse_unless_staff(placement.pathway, by)
    reason = _reason(reason)
    current = placement.tier
    assert current is not None  # an open placement is on a tier (placement_tier_iff_not_left)
    if to_tier.pathway_id != placement.pathway_id:
        raise ValidationError({"to_tier": [f"Choose a tier of {placement.pathway.name}."]})
    if up and to_tier.position <= current.position:
        raise ValidationError({"to_tier": [f"Stepping up goes to a tier above {current.label}."]})
    if not up and to_tier.position >= current.position:
        raise ValidationError({"to_tier": [f"Stepping down goes to a tier below {current.label}."]})
    last = placement.steps.order_by("-at").values_list("at", flat=True).first()
    at = _effective(at, now=now, after=last, what="step")
    placement.tier = to_tier
    placement.save(update_fields=["tier"])
    kind = Step.Kind.STEP_UP if up else Step.Kind.STEP_DOWN
    step = Step.objects.create(
        placement=placement, kind=kind, from_tier=current, to_tier=to_tier, at=at, by=by, reason=reason, recorded_at=now
    )
    audit_record(
        by=by,
        action=f"pathway.{kind}",
        obj=placement,
        now=now,
        person_id=placement.person_id,
        detail={"from": current.label, "to": to_tier.label},
    )
    return step


@transaction.atomic
def pathway_step_up(
    *, placement: Placement, to_tier: Tier, by: User, now: datetime, reason: str, at: datetime | None = None
) -> Step:
    """Needs have grown: a more intensive tier."""
    return _move(placement=placement, to_tier=to_tier, by=by, now=now, reason=reason, at=at, up=True)


@transaction.atomic
def pathway_step_down(
    *, placement: Placement, to_tier: Tier, by: User, now: datetime, reason: str, at: datetime | None = None
) -> Step:
    """Needs have eased: a less intensive tier."""
    return _move(placement=placement, to_tier=to_tier, by=by, now=now, reason=reason, at=at, up=False)


@transaction.atomic
def pathway_leave(*, placement: Placement, by: User, now: datetime, reason: str, at: datetime | None = None) -> Step:
    """Back to self-care to consolidate what was learned: the placement ends; the referral is the
    service's to discharge as usual."""
    placement = _locked(placement)
    _refuse_unless_staff(placement.pathway, by)
    reason = _reason(reason)
    last = placement.steps.order_by("-at").values_list("at", flat=True).first()
    at = _effective(at, now=now, after=last, what="leaving")
    current = placement.tier
    placement.tier = None
    placement.left_at = at
    placement.save(update_fields=["tier", "left_at"])
    step = Step.objects.create(
        placement=placement, kind=Step.Kind.LEAVE, from_tier=current, at=at, by=by, reason=reason, recorded_at=now
    )
    audit_record(
        by=by,
        action="pathway.leave",
        obj=placement,
        now=now,
        person_id=placement.person_id,
        detail={"from": current.label if current else ""},
    )
    return step


def pathway_alternative_handover(
    *, referral: Referral, pathway: Pathway, by: User, now: datetime, note: str, person_informed: bool
) -> Handoff:
    """No wrong door: the referral of someone outside the pathway goes to its alternative team with a
    warm handover (``referral_redirect``: the same referral, its clocks running, the person told)."""
    return referral_redirect(
        referral=referral,
        by=by,
        now=now,
        to_team=pathway.alternative_team,
        note=note,
        person_informed=person_informed,
    )


@transaction.atomic
def rollout_set(
    *, team: Team, locality: Locality, live_from: date, by: User, now: datetime, existing_route: Team | None = None
) -> Rollout:
    """The service goes live in the locality from ``live_from`` (set, or moved)."""
    if team.kind != Team.Kind.SYSTEM_SERVICE:
        raise ValidationError({"team": ["Only a system-level service is rolled out locality by locality."]})
    if existing_route is not None and existing_route.pk == team.pk:
        raise ValidationError({"existing_route": ["The existing route is another team."]})
    rollout, _ = Rollout.objects.update_or_create(
        team=team, locality=locality, defaults={"live_from": live_from, "existing_route": existing_route}
    )
    audit_record(
        by=by,
        action="pathway.rollout_set",
        obj=rollout,
        now=now,
        detail={"team": team.pk, "locality": locality.pk, "live_from": live_from.isoformat()},
    )
    return rollout
