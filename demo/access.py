"""Access-control examples in the demo: break-glass openings for the IG lead to review, a
consent-based share with another organisation, and cover for a link worker on leave.

All through the same services as the pages (``access.grants``), at times before ``now``.
"""

import random
from datetime import datetime, timedelta

from access.grants import break_glass_open, cover_arrange, share_with_organisation
from accounts.models import Role
from referrals.models import Person, Referral, SharingConsent

from .reference import Cast

REASONS = [
    "Brought to the emergency department by police overnight; need their risk history and crisis plan.",
    "Caller to the crisis line says they have taken an overdose; need their safety plan and contacts.",
    "Found by paramedics in distress; need to know current medication and who their care coordinator is.",
]


def access_examples(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    crisis_clinicians = cast.team_staff(cast.crisis, Role.CLINICIAN)
    outside = list(Person.objects.exclude(referrals__team=cast.crisis).order_by("pk")[:200])
    for i, reason in enumerate(REASONS):
        if not outside or not crisis_clinicians:
            break
        person = outside[rng.randrange(len(outside))]
        break_glass_open(
            user=crisis_clinicians[i % len(crisis_clinicians)],
            person=person,
            reason=reason,
            now=now - timedelta(hours=3 * (len(REASONS) - i)),
            source_ip="10.20.30.40",
        )

    consented = (
        SharingConsent.objects.filter(decision="given", scope="care_team", withdrawn_at__isnull=True)
        # A share is with another organisation: the council's own staff see their people already.
        .exclude(recorded_by__organisation=cast.council)
        .select_related("person", "recorded_by")
        .order_by("pk")
        .first()
    )
    if consented is not None and consented.recorded_by.record_scope == "team":
        share_with_organisation(
            person=consented.person,
            organisation=cast.council,
            by=consented.recorded_by,
            now=now - timedelta(days=1),
            reason="Council housing officer to join the care planning meeting about their tenancy.",
        )

    for lc in cast.localities[:1]:
        manager = next(iter(cast.team_staff(lc.team, Role.TEAM_MANAGER)), None)
        workers = [
            u
            for u in cast.team_staff(lc.team, Role.LINK_WORKER)
            if Referral.objects.filter(allocated_to=u, ended_at__isnull=True).exists()
        ]
        if manager is not None and len(workers) >= 2:
            cover_arrange(
                by=manager,
                absent=workers[0],
                covering=workers[1],
                until=now + timedelta(days=10),
                now=now - timedelta(days=1),
                reason=f"{workers[0]} is on annual leave; {workers[1]} covers their caseload.",
            )
