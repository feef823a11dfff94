"""Reads for referrals, clocks and alerts, with access control in one place.

Every page, API view and export lists through ``*_visible_to(user)`` and looks
up one object through ``*_get_for_user(user, id)``, which raises Http404 when the
user may not see it (so existence is not leaked).
"""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import TeamMembership, User
from caseload.models import Allocation
from localities.models import Team
from referrals.models import Alert, Clock, ClockPolicy, Notification, Person, Referral


def policy_for_team(team: Team | None) -> ClockPolicy:
    """The team's own clock policy, else the default one."""
    if team is not None:
        own = ClockPolicy.objects.filter(team=team).first()
        if own is not None:
            return own
    default = ClockPolicy.objects.filter(is_default=True).first()
    if default is None:
        raise ClockPolicy.DoesNotExist("No default clock policy is configured: add one in the admin.")
    return default


def _sees_everything(user: User) -> bool:
    return user.is_superuser


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Referrals held by the user's teams, allocated to them, or that they referred.

    The full cross-organisation rules (consent, break-glass) build on this one
    function; nothing else decides which referrals a person can see.
    """
    qs = Referral.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if _sees_everything(user):
        return qs
    in_my_team = TeamMembership.objects.filter(user_id=user.pk, team_id=OuterRef("team_id"))
    # A partner team can hold someone by allocation while the referral sits with another team.
    held_by_my_team = Allocation.objects.filter(
        referral_id=OuterRef("pk"), ended_at__isnull=True, team__memberships__user_id=user.pk
    )
    return qs.filter(
        Exists(in_my_team) | Exists(held_by_my_team) | Q(allocated_to_id=user.pk) | Q(created_by_id=user.pk)
    )


def referral_get_for_user(user: User, referral_id: int) -> Referral:
    referral = (
        referrals_visible_to(user)
        .select_related("person__gp_practice", "locality", "team")
        .prefetch_related(Prefetch("clocks", queryset=Clock.objects.order_by("kind", "started_at")))
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404("No such referral.")
    return referral


def people_visible_to(user: User) -> QuerySet[Person]:
    """People with at least one referral the user can see."""
    visible = referrals_visible_to(user).filter(person_id=OuterRef("pk"))
    return Person.objects.filter(Exists(visible))


def person_get_for_user(user: User, person_id: int) -> Person:
    person = people_visible_to(user).select_related("gp_practice__locality").filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    return person


def breached_clocks(now: datetime) -> Q:
    """Clocks that stopped late, or are open (running or paused) past their due time."""
    return (
        Q(stopped_at__isnull=False, stopped_at__gt=F("due_at"))
        | Q(stopped_at__isnull=True, paused_at__isnull=True, due_at__lt=now)
        | Q(stopped_at__isnull=True, paused_at__isnull=False, paused_at__gt=F("due_at"))
    )


def referrals_with_breach(qs: QuerySet[Referral], *, now: datetime, breached: bool) -> QuerySet[Referral]:
    breach = Exists(Clock.objects.filter(breached_clocks(now), referral_id=OuterRef("pk")))
    return qs.filter(breach) if breached else qs.exclude(breach)


def alerts_visible_to(user: User) -> QuerySet[Alert]:
    """Alerts on referrals the user can see, or addressed to them."""
    qs = Alert.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if _sees_everything(user):
        return qs
    visible = referrals_visible_to(user).filter(pk=OuterRef("referral_id"))
    # Escalations reach team and service managers who may not hold the referral.
    addressed_to_me = Notification.objects.filter(alert_id=OuterRef("pk"), recipient_id=user.pk)
    return qs.filter(Exists(visible) | Exists(addressed_to_me))
