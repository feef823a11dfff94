"""Explicit access on top of the relationships: cover for now, old break-glass openings, and
records shared with a VCSE partner under the person's consent (``access.models``)."""

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import Permission

from access.grants import organisation_staff_group
from access.models import PersonGrant, PersonShare
from accounts.models import Role, User
from demo.access import REASONS as BREAK_GLASS_REASONS
from referrals.models import SharingConsent

from .pgcopy import CopyTable
from .shape import AccessGrants
from .staff import BulkCast

GRANT_COLUMNS = (
    "permission_id",
    "user_id",
    "content_object_id",
    "kind",
    "reason",
    "granted_at",
    "granted_by_id",
    "expires_at",
)
CONSENT_COLUMNS = ("person_id", "decision", "scope", "recorded_at", "recorded_by_id")
SHARE_COLUMNS = (
    "permission_id",
    "group_id",
    "content_object_id",
    "organisation_id",
    "consent_id",
    "reason",
    "granted_at",
    "granted_by_id",
)
COVER_REASON = "Covering for a colleague on annual leave."
SHARE_REASON = "Shared with the wellbeing hub: the person agreed."


def grants_build(
    cursor, *, bulk: BulkCast, grants: AccessGrants, people: range, rng: random.Random, now: datetime
) -> dict[str, int]:
    """Rows for every kind of explicit grant over ``people`` (person ids). Returns the rows per table."""
    if not people:
        return {}
    view_person = Permission.objects.get(content_type__app_label="referrals", codename="view_person").pk
    # Clinicians and team managers of the teams holding referrals, each with their team's manager.
    staff: list[tuple[int, int]] = []
    for team in bulk.teams:
        clinicians = User.objects.filter(memberships__team=team.team, role__in=[Role.CLINICIAN, Role.TEAM_MANAGER])
        staff += [(pk, team.manager.pk) for pk in clinicians.order_by("pk").values_list("pk", flat=True)]
    given = set()
    person_grants = CopyTable(cursor, PersonGrant, GRANT_COLUMNS)
    for user, manager in staff:
        for _ in range(grants.cover_per_clinician):
            person = people[rng.randrange(len(people))]
            if (user, person) not in given:
                given.add((user, person))
                person_grants.add(
                    view_person,
                    user,
                    person,
                    "cover",
                    COVER_REASON,
                    now - timedelta(days=1),
                    manager,
                    now + timedelta(days=7),
                )
    for g in range(grants.expired_break_glass):
        user, _ = staff[g % len(staff)]
        person = people[(g * 7919) % len(people)]
        if (user, person) not in given:
            given.add((user, person))
            reason = BREAK_GLASS_REASONS[g % len(BREAK_GLASS_REASONS)]
            person_grants.add(
                view_person,
                user,
                person,
                "break_glass",
                reason,
                now - timedelta(days=30),
                user,
                now - timedelta(days=29),
            )
    person_grants.close()

    vcse = bulk.cast.vcse[0]
    group = organisation_staff_group(vcse).pk
    consents = CopyTable(cursor, SharingConsent, CONSENT_COLUMNS)
    shares = CopyTable(cursor, PersonShare, SHARE_COLUMNS)
    shared = sorted({people[(g * 37) % len(people)] for g in range(min(grants.shares, len(people)))})
    recorded_at = now - timedelta(days=10)
    for k, person in enumerate(shared):
        by, _ = staff[k % len(staff)]
        consent = consents.add(person, SharingConsent.Decision.GIVEN, SharingConsent.Scope.CARE_TEAM, recorded_at, by)
        shares.add(view_person, group, person, vcse.pk, consent, SHARE_REASON, recorded_at, by)
    consents.close()  # before the shares: they point at the consents
    shares.close()
    return {table.table: table.count for table in (person_grants, consents, shares)}
