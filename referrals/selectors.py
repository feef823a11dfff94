"""Reads for referrals and clocks that do not depend on who is asking.

Who may see which record is decided in ``access.selectors``; the functions here are the
referral domain's own queries (the clock policy for a team, which clocks are breached, the
person's consent decision in force), used by services, pages and the access rules alike.
"""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from localities.models import Team
from referrals.models import Clock, ClockPolicy, Person, Referral, SharingConsent


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


def consent_in_force(person: Person) -> SharingConsent | None:
    """The person's latest decision about sharing (a new one supersedes the last; 2 queries)."""
    return (
        SharingConsent.objects.select_related("recorded_by__organisation", "withdrawn_by")
        .prefetch_related("organisations")
        .filter(person=person)
        .order_by("-recorded_at", "-id")
        .first()
    )
