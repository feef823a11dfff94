"""The bulk service's places and people: the demo's reference data, then more teams and staff.

``demo.reference.reference_build`` makes the six localities with their intake teams, the
complex emotional needs service, the crisis team, partners, practices and some sixty named
staff. A bigger service needs more locality teams and more people holding caseloads; they
are added here with ``bulk_create``, named from the same catalogue.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime

from accounts.models import Role, TeamMembership, User
from demo import catalogue as c
from demo.reference import Cast, LocalityCast, reference_build
from localities.models import Team

from .shape import BulkShape

# The jobs of the staff added to hold caseloads, in turn: (role, employer, job title).
HOLDER_JOBS = (
    (Role.LINK_WORKER, "trust", "Primary care mental health worker"),
    (Role.CLINICIAN, "trust", "Community psychiatric nurse"),
    (Role.LINK_WORKER, "vcse", "VCSE link worker"),
    (Role.LINK_WORKER, "vcse", "Peer support worker"),
    (Role.CLINICIAN, "trust", "Occupational therapist"),
    (Role.CLINICIAN, "council", "Mental health social worker"),
)


@dataclass
class BulkTeam:
    team: Team
    locality: int | None  # index into BulkCast.localities; None for the CEN service and the crisis team
    manager: User  # triages, records contacts before allocation, hands over, closes
    holders: list[int] = field(default_factory=list)  # user ids, taking allocations in turn


@dataclass
class BulkLocality:
    cast: LocalityCast
    teams: list[int]  # indexes into BulkCast.teams


@dataclass
class BulkCast:
    cast: Cast
    localities: list[BulkLocality]  # the localities that receive referrals
    teams: list[BulkTeam]  # the teams that hold referrals: locality teams, then CEN and crisis
    cen: int | None
    crisis: int | None


def _team_counts(shape: BulkShape, localities: list[LocalityCast]) -> list[int]:
    """Locality teams per locality: one each for the first ``locality_teams`` localities, or more
    in proportion to their weight (largest remainder, at least one each) for a bigger service."""
    wanted = shape.locality_team_count
    if wanted <= len(localities):
        return [1] * wanted
    total = sum(lc.weight for lc in localities)
    shares = [wanted * lc.weight / total for lc in localities]
    counts = [max(1, math.floor(share)) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True)
    for i in by_remainder[: max(0, wanted - sum(counts))]:
        counts[i] += 1
    return counts


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> tuple[str, str]:
        return self.rng.choice(c.GIVEN_NAMES), self.rng.choice(c.FAMILY_NAMES)


def staff_build(*, shape: BulkShape, rng: random.Random, now: datetime) -> BulkCast:
    """The demo's reference data, plus the extra locality teams and their managers. Call in a transaction."""
    cast = reference_build(rng=rng, now=now)
    names = _Names(rng)
    counts = _team_counts(shape, cast.localities)
    localities: list[BulkLocality] = []
    teams: list[BulkTeam] = []

    def manager_of(team: Team) -> User:
        return cast.team_staff(team, Role.TEAM_MANAGER)[0]

    for lc, count in zip(cast.localities, counts, strict=False):
        indexes = []
        for k in range(count):
            if k == 0:
                team, manager = lc.team, manager_of(lc.team)
            else:
                team = Team.objects.create(
                    name=f"{lc.team.name} {k + 1}",
                    kind=Team.Kind.LOCALITY,
                    organisation=cast.trust,
                    locality=lc.locality,
                )
                given, family = names()
                username = f"manager-{lc.locality.code}-{k + 1}"
                manager = User.objects.create(
                    username=username,
                    first_name=given,
                    last_name=family,
                    email=f"{username}@{c.EMAIL_DOMAIN}",
                    password=cast.admin.password,
                    role=Role.TEAM_MANAGER,
                    organisation=cast.trust,
                    job_title="Team manager",
                    caseload_capacity=0,
                    date_joined=now,
                )
                TeamMembership.objects.create(user=manager, team=team)
            indexes.append(len(teams))
            teams.append(BulkTeam(team=team, locality=len(localities), manager=manager))
        localities.append(BulkLocality(cast=lc, teams=indexes))
    cen = crisis = None
    if shape.history:  # hand-offs reach the CEN service and the crisis team
        cen, crisis = len(teams), len(teams) + 1
        teams += [BulkTeam(team=t, locality=None, manager=manager_of(t)) for t in (cast.cen, cast.crisis)]
    return BulkCast(cast=cast, localities=localities, teams=teams, cen=cen, crisis=crisis)


def holders_build(*, bulk: BulkCast, wanted: list[int], rng: random.Random, now: datetime) -> None:
    """Give team ``t`` ``wanted[t]`` people who hold its referrals: its own clinicians and link
    workers from the demo first, then new ones. Call in a transaction."""
    cast = bulk.cast
    names = _Names(rng)
    employers = {"trust": [cast.trust], "council": [cast.council], "vcse": cast.vcse}
    new: list[tuple[int, User]] = []
    for t, (bulk_team, count) in enumerate(zip(bulk.teams, wanted, strict=True)):
        own = sorted(cast.team_staff(bulk_team.team, Role.CLINICIAN, Role.LINK_WORKER), key=lambda u: u.pk)
        bulk_team.holders = [u.pk for u in own[:count]]
        for w in range(count - len(bulk_team.holders)):
            role, employer, job = HOLDER_JOBS[w % len(HOLDER_JOBS)]
            organisations = employers[employer]
            given, family = names()
            username = f"holder-{t}-{w}"
            user = User(
                username=username,
                first_name=given,
                last_name=family,
                email=f"{username}@{c.EMAIL_DOMAIN}",
                password=cast.admin.password,
                role=role,
                organisation=organisations[(t + w) % len(organisations)],
                job_title=job,
                caseload_capacity=c.CASELOAD_CAPACITY[job],
                date_joined=now,
            )
            new.append((t, user))
    created = User.objects.bulk_create([user for _, user in new], batch_size=2000)
    TeamMembership.objects.bulk_create(
        [TeamMembership(user=user, team=bulk.teams[t].team) for (t, _), user in zip(new, created, strict=True)],
        batch_size=2000,
    )
    for (t, _), user in zip(new, created, strict=True):
        bulk.teams[t].holders.append(user.pk)
