"""Reads for the internal-waits pages. Who may see which person is decided by ``access.selectors``:
a waiting list shows only the people the user may open, and counts the rest without naming them.
Each function is a fixed number of queries, however long the list."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404

from access.selectors import referral_ids_visible_to
from accounts.models import TeamMembership, User
from localities.models import Team
from referrals.models import Intervention, InterventionOffer, Referral


def offers_for_referral(referral: Referral) -> list[InterventionOffer]:
    return list(
        InterventionOffer.objects.filter(referral=referral)
        .select_related("team", "clock", "intervention", "decided_by", "withdrawn_by")
        .order_by("-decided_at", "-id")
    )


def offer_on_referral(referral: Referral, offer_id: int) -> InterventionOffer:
    """One offer of a referral the user may already see; another referral's offer is a 404."""
    offer = (
        InterventionOffer.objects.select_related("team", "clock", "referral__person")
        .filter(referral=referral, pk=offer_id)
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    return offer


def teams_offering(user: User, referral: Referral) -> QuerySet[Team]:
    """Teams an intervention can be offered by: the user's, the referral's, and their organisation's."""
    where = Q(memberships__user_id=user.pk) | Q(pk=referral.team_id)
    if user.organisation_id is not None:
        where |= Q(organisation_id=user.organisation_id)
    return Team.objects.filter(pk__in=Team.objects.filter(where).values("pk")).order_by("name")


def waiting(team: Team) -> QuerySet[InterventionOffer]:
    """The team's offers still waiting (their clock open)."""
    return InterventionOffer.objects.filter(team=team, clock__stopped_at__isnull=True)


def my_team(user: User, team_id: int) -> Team:
    """A team the user belongs to; any other is a 404."""
    membership = TeamMembership.objects.select_related("team").filter(user_id=user.pk, team_id=team_id).first()
    if membership is None:
        raise Http404("No such team.")
    return membership.team


@dataclass(frozen=True)
class TeamWaits:
    team: Team
    waiting: int
    breached: int


def my_teams_waits(user: User, *, now: datetime) -> list[TeamWaits]:
    """Each of the user's teams with how many wait and how many are past their target (one query)."""
    rows = (
        Team.objects.filter(memberships__user_id=user.pk)
        .annotate(
            n_waiting=Count("intervention_offers", filter=Q(intervention_offers__clock__stopped_at__isnull=True)),
            n_breached=Count(
                "intervention_offers",
                filter=Q(
                    intervention_offers__clock__stopped_at__isnull=True, intervention_offers__clock__due_at__lt=now
                ),
            ),
        )
        .order_by("name")
    )
    return [TeamWaits(team, team.n_waiting, team.n_breached) for team in rows]


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    waiting: int
    breached: int
    longest: timedelta | None


def kinds_waiting(team: Team, *, now: datetime) -> list[KindCount]:
    """Per kind of intervention: how many wait, how many past target, the longest wait (one query)."""
    labels = dict(Intervention.Kind.choices)
    rows = (
        waiting(team)
        .values("kind")
        .annotate(n=Count("id"), late=Count("id", filter=Q(clock__due_at__lt=now)), first=Min("decided_at"))
        .order_by("kind")
    )
    return [
        KindCount(
            r["kind"], labels.get(r["kind"], r["kind"]), r["n"], r["late"], now - r["first"] if r["first"] else None
        )
        for r in rows
    ]


def waiting_list(user: User, team: Team, *, kind: str) -> tuple[QuerySet[InterventionOffer], int]:
    """The people waiting that the user may open, longest first, and how many others wait unnamed."""
    rows = waiting(team)
    if kind:
        rows = rows.filter(kind=kind)
    visible = rows.filter(referral_id__in=referral_ids_visible_to(user))
    hidden = rows.count() - visible.count()
    listed = visible.select_related("referral__person", "clock", "decided_by").order_by("decided_at", "id")
    return listed, hidden
