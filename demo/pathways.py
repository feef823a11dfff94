"""The demo's pathways, tiers and journeys along them; the roll-out of a service by locality (issue 14, items 1, 2, 6).

The complex emotional needs service gets a three-tier pathway (as LLR describes one), goes live
locality by locality as the Sequoia Tree Service did (North Somerset, then South Gloucestershire,
then Bristol, still to come), and the people it holds are entered on tiers, some stepping up or
down and some back to self-care, all through ``pathways.services`` as its staff would."""

import random
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError

from accounts.models import Role, TeamMembership
from common.london import london_date
from localities.models import Team
from pathways.models import Pathway, Placement, Tier
from pathways.selectors import eligibility_for
from pathways.services import pathway_enter, pathway_leave, pathway_step_down, pathway_step_up, rollout_set
from referrals.models import Referral

from . import catalogue as c
from .reference import Cast

YOUNG_PEOPLE_TEAM = "Severnside Children and Young People's Mental Health Service"

TIERS = (
    (
        "1+",
        "Understanding and managing emotions",
        "Brief, high-volume group and one-to-one work, then back to self-care to consolidate what was learned.",
        "Emotional coping skills group\nPsychoeducation about complex emotional needs\nPeer support",
    ),
    (
        "2",
        "Structured clinical management",
        "Regular structured sessions with a named clinician, and a crisis plan.",
        "Structured clinical management (SCM)\nCrisis and safety planning\nCarer support sessions",
    ),
    (
        "3",
        "Specialist hub",
        "For the highest risk: specialist therapy from the hub, with the locality team alongside (hub and spoke).",
        "Mentalisation-based therapy (MBT)\nDialectical behaviour therapy (DBT)",
    ),
)

# Days from the load time each locality goes live: North Somerset first, then South
# Gloucestershire, then Bristol (not yet).
GO_LIVE = {
    "woodspring": -240,
    "weston-worle-villages": -240,
    "south-gloucestershire": -100,
    "north-west-bristol": 60,
    "inner-city-east-bristol": 60,
    "south-bristol": 60,
}

REASONS = {
    "enter": "Agreed with the person at the service's first appointment: brief intervention fits their needs now.",
    "enter2": "Self-harm and crises over the last months: structured clinical management agreed with them.",
    "up": "Risk has increased since the last review; the MDT agreed more intensive support.",
    "down": "Goals of the more intensive work met; the person chose to continue with lighter support.",
    "leave": "Goals met: back to self-care with a plan to consolidate what they learned, and how to return.",
}


def build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    pathway, tiers = pathway_configure(cast=cast, now=now)
    _journeys(cast=cast, rng=rng, now=now, pathway=pathway, tiers=tiers)


def pathway_configure(*, cast: Cast, now: datetime) -> tuple[Pathway, list[Tier]]:
    """The configuration alone, as an administrator sets it up: the young people's service (the
    alternative route), the three-tier pathway and the service's go-live date in each locality.
    ``demo.bulk`` uses it too, then writes the journeys itself."""
    young_people = Team.objects.create(
        name=YOUNG_PEOPLE_TEAM,
        kind=Team.Kind.SYSTEM_SERVICE,
        organisation=cast.trust,
        email=f"cyp@teams.{c.EMAIL_DOMAIN}",
    )
    # Staffed from the first locality team (a manager and a link worker there also work here), so
    # the warm handover lands with people who can pick it up.
    home = cast.localities[0].team
    for user in [*cast.team_staff(home, Role.TEAM_MANAGER)[:1], *cast.team_staff(home, Role.LINK_WORKER)[:1]]:
        TeamMembership.objects.get_or_create(user=user, team=young_people)
    pathway = Pathway.objects.create(
        team=cast.cen,
        name="Complex emotional needs",
        description="Support for people with difficulties associated with personality disorder or complex "
        "emotional needs, diagnosed or not. One team of NHS and VCSE staff with peer workers.",
        minimum_age=16,
        alternative_team=young_people,
        alternative_description="support for people under 16 with complex emotional needs",
    )
    tiers = [
        Tier.objects.create(
            pathway=pathway, position=i, label=label, name=name, description=description, interventions=offers
        )
        for i, (label, name, description, offers) in enumerate(TIERS, start=1)
    ]
    for lc in cast.localities:
        days = GO_LIVE.get(lc.locality.code)
        if days is not None:
            live_from = london_date(now + timedelta(days=days))
            rollout_set(team=cast.cen, locality=lc.locality, live_from=live_from, by=cast.admin, now=now)
    return pathway, tiers


def _journeys(*, cast: Cast, rng: random.Random, now: datetime, pathway: Pathway, tiers: list[Tier]) -> None:
    staff = cast.team_staff(cast.cen, Role.CLINICIAN, Role.TEAM_MANAGER)
    if not staff:
        return
    held = (
        Referral.objects.filter(team=cast.cen, ended_at__isnull=True)
        .select_related("person")
        .prefetch_related("handoffs")
        .order_by("received_at", "pk")
    )
    for referral in held:
        arrived = max([referral.received_at, *[h.at for h in referral.handoffs.all()]])
        if now - arrived < timedelta(days=2):
            continue
        if not eligibility_for(referral.person, pathway, on=london_date(now)).eligible:
            continue
        by = rng.choice(staff)
        entered = arrived + (now - arrived) * rng.uniform(0.05, 0.3)
        start = 0 if rng.random() < 0.65 else 1
        try:
            placement = pathway_enter(
                referral=referral,
                pathway=pathway,
                tier=tiers[start],
                by=by,
                now=entered,
                at=entered,
                reason=REASONS["enter" if start == 0 else "enter2"],
            )
        except ValidationError:
            continue  # under age on the day they came: the alternative is theirs, not a demo step
        _moves(placement, tiers=tiers, start=start, staff=staff, rng=rng, since=entered, now=now)


def _moves(placement: Placement, *, tiers: list[Tier], start: int, staff: list, rng: random.Random, since, now) -> None:
    """Up to two moves after entering: a step up (and perhaps down again), or back to self-care."""
    at = since
    level = start
    for _ in range(rng.choice((0, 1, 1, 2))):
        at = at + (now - at) * rng.uniform(0.2, 0.6)
        by = rng.choice(staff)
        roll = rng.random()
        if level < len(tiers) - 1 and roll < 0.5:
            level += 1
            pathway_step_up(placement=placement, to_tier=tiers[level], by=by, now=at, at=at, reason=REASONS["up"])
        elif level > 0 and roll < 0.8:
            level -= 1
            pathway_step_down(placement=placement, to_tier=tiers[level], by=by, now=at, at=at, reason=REASONS["down"])
        else:
            pathway_leave(placement=placement, by=by, now=at, at=at, reason=REASONS["leave"])
            return
