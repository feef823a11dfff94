"""Load the demo service once: reference data and staff, then referrals in batches."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q

from accounts.models import Role, User
from localities.models import Organisation
from referrals.models import Clock, Referral
from referrals.selectors import policy_for_team

from . import catalogue as c
from . import groups, pathways, waits
from .access import access_examples
from .journeys import Journey, Planner
from .reference import national_coding_build, reference_build
from .runner import JourneyRunner
from .showcase import showcase_journeys

ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


def demo_is_loaded() -> bool:
    """The demo trust is the marker: it is created first, with the rest of the reference data."""
    return Organisation.objects.filter(name=c.TRUST).exists()


def demo_load(
    *, referrals: int, seed: int, now: datetime, batch: int = 100, progress: Callable[[int, int], None] | None = None
) -> int:
    """Build the demo service and ``referrals`` referral journeys up to ``now``. Returns the referrals made."""
    rng = random.Random(seed)
    with transaction.atomic():
        cast = reference_build(rng=rng, now=now)
        national_coding_build(cast=cast, rng=rng, now=now)
    policy = policy_for_team(None)
    planner = Planner(
        rng=rng,
        now=now,
        cast=cast,
        treatment_target=policy.treatment_target,
        response_targets={row.urgency: row.target for row in policy.response_targets.all()},
    )
    journeys = journeys_plan(planner, referrals)
    runner = JourneyRunner(cast=cast, rng=rng, now=now)
    for start in range(0, len(journeys), batch):
        chunk = journeys[start : start + batch]
        with transaction.atomic():
            for journey in chunk:
                runner.run(journey)
        if progress is not None:
            progress(start + len(chunk), len(journeys))
    with transaction.atomic():
        access_examples(cast=cast, rng=rng, now=now)
    # The services the source documents describe (issue 14), on top of the referrals above.
    for part in (pathways, groups, waits):
        with transaction.atomic():
            part.build(cast=cast, rng=rng, now=now)
    return len(journeys)


def journeys_plan(planner: Planner, count: int) -> list[Journey]:
    """The showcase first (as many as fit), then random journeys, in the order they were received."""
    journeys = showcase_journeys(planner)[:count]
    while len(journeys) < count:
        journeys.append(planner.random_journey())
    journeys.sort(key=lambda j: j.received_at)
    return journeys


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    job_title: str
    where: str


def demo_logins() -> list[Login]:
    """Everyone who can log in to the demo, grouped by team."""
    users = (
        User.objects.filter(email__endswith=f"@{c.EMAIL_DOMAIN}", is_active=True)
        .select_related("organisation")
        .prefetch_related("memberships__team")
    )
    rows = []
    for user in users:
        teams = sorted(m.team.name for m in user.memberships.all())
        role = user.get_role_display() + (" (superuser)" if user.is_superuser else "")
        if len(teams) > 1:
            where = f"{teams[0]} +{len(teams) - 1} more"
        else:
            where = teams[0] if teams else f"({user.organisation or 'no team'})"
        key = (0 if user.is_superuser else 1, teams[0] if teams else "~", ROLE_ORDER[user.role], user.username)
        rows.append((key, Login(user.username, role, user.job_title, where)))
    return [login for _, login in sorted(rows, key=lambda row: row[0])]


def referral_status_counts() -> dict[str, int]:
    counts = dict(Referral.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Referral.Status.values}


def clock_states(now: datetime) -> dict[str, dict[str, int]]:
    """Current clocks per kind: running (before the warning), near breach (past the warning,
    not yet due), breached and still running, stopped on time (met) or late."""
    running = Q(stopped_at__isnull=True, paused_at__isnull=True)
    rows = (
        Clock.objects.filter(is_current=True)
        .values("kind")
        .annotate(
            near_breach=Count("id", filter=running & Q(warn_at__lte=now, due_at__gte=now)),
            breached=Count("id", filter=running & Q(due_at__lt=now)),
            running=Count("id", filter=running & Q(warn_at__gt=now)),
            met=Count("id", filter=Q(stopped_at__isnull=False, stopped_at__lte=F("due_at"))),
            stopped_late=Count("id", filter=Q(stopped_at__isnull=False, stopped_at__gt=F("due_at"))),
        )
    )
    return {
        row["kind"]: {
            "near_breach": row["near_breach"],
            "breached": row["breached"],
            "running": row["running"],
            "met": row["met"],
            "stopped_late": row["stopped_late"],
        }
        for row in rows
    }
