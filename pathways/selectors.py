"""Reads of pathways, people's places on them and the roll-out of services by locality.

Who may see a person is decided by ``access.selectors`` alone: the lists here start from
``people_visible_to``. Who may move someone along a pathway: the staff of the pathway's service
(``pathways_managed_by``). The roll-out check (``rollout_check``) is called by the pages that send
a referral to a service (the redirect page); the referral domain below knows nothing of it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Prefetch, QuerySet
from django.http import Http404

from access.selectors import people_visible_to
from accounts.models import User
from localities.models import Locality, Team
from referrals.models import Person

from .models import Pathway, Placement, Rollout, Step, Tier


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- pathways --------------------------------------------------------------------------------


def pathways_all() -> QuerySet[Pathway]:
    """Every pathway with its service, alternative and tiers (configuration: any member of staff
    may read it)."""
    return Pathway.objects.select_related("team", "alternative_team").prefetch_related("tiers")


def pathway_get(pathway_id: int) -> Pathway:
    pathway = pathways_all().filter(pk=pathway_id).first()
    if pathway is None:
        raise Http404("No such pathway.")
    return pathway


def pathways_managed_by(user: User) -> QuerySet[Pathway]:
    """Pathways whose service the user works in: they may move people along them."""
    if not user.is_authenticated or not user.is_active:
        return Pathway.objects.none()
    return pathways_all().filter(team__memberships__user_id=user.pk).distinct()


def pathway_managed_get(user: User, pathway_id: int) -> Pathway:
    """A pathway the user may move people along, else 404."""
    pathway = pathways_managed_by(user).filter(pk=pathway_id).first()
    if pathway is None:
        raise Http404("No such pathway.")
    return pathway


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    alternative: Team


def eligibility_for(person: Person, pathway: Pathway, *, on: date) -> Eligibility:
    """Whether the person may enter the pathway on ``on`` (the minimum age); never a refusal on its
    own: the pathway's alternative team is always named with it."""
    age = age_on(person.birth_date, on)
    if age is None:
        return Eligibility(
            False,
            f"{person}'s date of birth is not recorded, so the minimum age ({pathway.minimum_age}) cannot be "
            "checked: record it on their details first.",
            pathway.alternative_team,
        )
    if age < pathway.minimum_age:
        return Eligibility(
            False,
            f"{pathway.name} is for people aged {pathway.minimum_age} and over; {person} is {age}.",
            pathway.alternative_team,
        )
    return Eligibility(True, "", pathway.alternative_team)


# --- people on pathways ----------------------------------------------------------------------


def _journey_steps() -> Prefetch:
    return Prefetch("steps", queryset=Step.objects.select_related("from_tier", "to_tier", "by").order_by("at", "pk"))


def person_journeys(person: Person) -> list[Placement]:
    """The person's places on pathways, the current first, each with its steps in order: two
    queries whatever their number. Each names its referral by reference (``referral_reference``):
    the referral's own fifty columns, joined for that, were the costliest query of the person page
    for the ORM to write (issue 17)."""
    return list(
        Placement.objects.filter(person=person)
        .select_related("pathway__team", "tier")
        .annotate(referral_reference=F("referral__reference"))
        .prefetch_related(_journey_steps())
        .order_by(F("left_at").desc(nulls_first=True), "-entered_at", "-pk")  # the current one first
    )


def placement_managed_get(user: User, placement_id: int) -> Placement:
    """An open place on a pathway the user manages, of a person they may see; else 404."""
    placement = (
        Placement.objects.select_related("pathway__team", "pathway__alternative_team", "tier", "person", "referral")
        .filter(
            pk=placement_id,
            left_at__isnull=True,
            pathway__in=pathways_managed_by(user).values("pk"),
            person__in=people_visible_to(user).values("pk"),
        )
        .first()
    )
    if placement is None:
        raise Http404("No such place on a pathway.")
    return placement


def tier_counts(pathways: list[Pathway]) -> dict[int, int]:
    """People on each tier now, by tier id: one query."""
    rows = (
        Placement.objects.filter(pathway__in=pathways, left_at__isnull=True)
        .order_by()
        .values("tier_id")
        .annotate(n=Count("pk"))
        .values_list("tier_id", "n")
    )
    return dict(rows)


@dataclass(frozen=True)
class TierSummary:
    tier: Tier
    people: int


@dataclass(frozen=True)
class TeamPathways:
    pathway: Pathway
    tiers: list[TierSummary]


def team_pathways(team: Team) -> list[TeamPathways]:
    """For the team caseload page: the team's pathways and how many people are on each tier now
    (two or three queries, whatever the numbers)."""
    pathways = list(Pathway.objects.filter(team=team).prefetch_related("tiers").order_by("name"))
    if not pathways:
        return []
    counts = tier_counts(pathways)
    return [TeamPathways(p, [TierSummary(tier, counts.get(tier.pk, 0)) for tier in p.tiers.all()]) for p in pathways]


def tier_people(user: User, tier: Tier) -> QuerySet[Placement]:
    """Who is on the tier now, among the people the user may see, longest there first."""
    return (
        Placement.objects.filter(tier=tier, left_at__isnull=True, person__in=people_visible_to(user).values("pk"))
        .select_related("person", "referral__allocated_to")
        .annotate(steps_taken=Count("steps"))
        .order_by("entered_at", "pk")
    )


def tier_get(pathway: Pathway, tier_id: int) -> Tier:
    tier = Tier.objects.filter(pathway=pathway, pk=tier_id).first()
    if tier is None:
        raise Http404("No such tier.")
    return tier


# --- roll-out by locality --------------------------------------------------------------------


@dataclass(frozen=True)
class RolloutCheck:
    """Whether a service takes referrals from a locality on a day, and if not, why and where to."""

    live: bool
    reason: str = ""
    existing_route: Team | None = None
    live_from: date | None = None


def _existing_route(rollout: Rollout) -> Team | None:
    return rollout.existing_route or rollout.locality.intake_team


def rollout_check(*, team: Team, locality: Locality | None, on: date) -> RolloutCheck:
    """Is ``team`` live in ``locality`` on ``on``?

    * a service with no roll-out rows is live everywhere;
    * a referral with no locality is not held back (nothing says where it comes from);
    * otherwise it is live from the locality's ``live_from``; not listed, not live yet.
    """
    rollouts = list(Rollout.objects.filter(team=team).select_related("locality__intake_team", "existing_route"))
    if not rollouts or locality is None:
        return RolloutCheck(live=True)
    mine = next((r for r in rollouts if r.locality_id == locality.pk), None)
    if mine is None:
        return RolloutCheck(
            live=False,
            reason=f"{team.name} is not live in {locality.name} yet: no go-live date is set for it.",
            existing_route=locality.intake_team,
        )
    if mine.live_from > on:
        return RolloutCheck(
            live=False,
            reason=f"{team.name} goes live in {locality.name} on {mine.live_from:%-d %B %Y}.",
            existing_route=_existing_route(mine),
            live_from=mine.live_from,
        )
    return RolloutCheck(live=True, live_from=mine.live_from)


def rollouts_not_live(*, locality: Locality | None, on: date) -> list[tuple[Team, RolloutCheck]]:
    """Every rolled-out service not live in ``locality`` on ``on``, with why and the existing
    route: what the redirect page says before anyone chooses (two queries)."""
    if locality is None:
        return []
    rollouts = list(Rollout.objects.select_related("team", "locality__intake_team", "existing_route"))
    by_team: dict[int, list[Rollout]] = defaultdict(list)
    for rollout in rollouts:
        by_team[rollout.team_id].append(rollout)
    teams = {r.team_id: r.team for r in rollouts}
    out = []
    for team_id, rows in sorted(by_team.items(), key=lambda item: teams[item[0]].name):
        team = teams[team_id]
        mine = next((r for r in rows if r.locality_id == locality.pk), None)
        if mine is None:
            out.append((team, RolloutCheck(False, f"Not live in {locality.name} yet.", locality.intake_team)))
        elif mine.live_from > on:
            out.append(
                (
                    team,
                    RolloutCheck(
                        False,
                        f"Goes live in {locality.name} on {mine.live_from:%-d %B %Y}.",
                        _existing_route(mine),
                        mine.live_from,
                    ),
                )
            )
    return out


def rollouts_for(team: Team) -> list[Rollout]:
    """The service's roll-out, in go-live order."""
    return list(Rollout.objects.filter(team=team).select_related("locality", "existing_route").order_by("live_from"))


def rolled_out_services() -> list[Team]:
    """Services with a roll-out by locality, by name."""
    return list(Team.objects.filter(rollouts__isnull=False).distinct().order_by("name"))


def rollout_phases(rollouts: list[Rollout]) -> dict[int, int]:
    """Phase number of each locality (by id): the localities going live on the first date are
    phase 1, the next date phase 2..."""
    dates = sorted({r.live_from for r in rollouts})
    return {r.locality_id: dates.index(r.live_from) + 1 for r in rollouts}
