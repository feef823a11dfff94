"""The demo's reference data and staff: localities, partners, teams, practices, postcodes, logins.

Reference data has no services of its own (it is configuration, edited in the
admin), so it is created directly here, in one transaction with the staff.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from accounts.models import Role, TeamMembership, User
from localities.models import Locality, Organisation, PostcodeDistrict, Practice, Team

from . import catalogue as c


@dataclass
class LocalityCast:
    locality: Locality
    team: Team
    weight: float
    outward_codes: tuple[str, ...]
    practices: list[Practice]


@dataclass
class Cast:
    """Everything a referral journey needs to pick places, teams and people from."""

    trust: Organisation
    council: Organisation
    vcse: list[Organisation]
    localities: list[LocalityCast]
    cen: Team
    crisis: Team
    access_hub: User
    line_handler: User
    admin: User
    staff: dict[int, dict[str, list[User]]] = field(default_factory=dict)  # team id -> role -> users
    liaison: Team | None = None  # the demo's hospital liaison team (national_coding_build)

    def team_staff(self, team: Team | None, *roles: str) -> list[User]:
        if team is None:
            return []
        by_role = self.staff.get(team.pk, {})
        return [user for role in roles for user in by_role.get(role, [])]

    @property
    def teams(self) -> list[Team]:
        return [lc.team for lc in self.localities] + [self.cen, self.crisis] + ([self.liaison] if self.liaison else [])


class _Names:
    """Unique first.last usernames from the invented name lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = {"admin"}

    def next(self) -> tuple[str, str, str]:
        while True:
            given, family = self.rng.choice(c.GIVEN_NAMES), self.rng.choice(c.FAMILY_NAMES)
            username = f"{given}.{family}".lower()
            if username not in self.taken:
                self.taken.add(username)
                return given, family, username


def reference_build(*, rng: random.Random, now: datetime) -> Cast:
    """Create the demo service's places, partners, teams and staff. Call inside a transaction."""
    org = Organisation.objects.create
    trust = org(name=c.TRUST, kind=Organisation.Kind.NHS_TRUST, ods_code=c.TRUST_ODS)
    council = org(name=c.LOCAL_AUTHORITY, kind=Organisation.Kind.LOCAL_AUTHORITY)
    org(name=c.TALKING_THERAPIES, kind=Organisation.Kind.TALKING_THERAPIES)
    vcse = [org(name=name, kind=Organisation.Kind.VCSE) for name in c.VCSE_PARTNERS]

    localities: list[LocalityCast] = []
    ods_serial = 901
    for spec in c.LOCALITIES:
        locality = Locality.objects.create(name=spec.name, code=spec.code)
        team = Team.objects.create(
            name=f"{spec.name} Integrated and Personalised Care Team",
            kind=Team.Kind.LOCALITY,
            organisation=trust,
            locality=locality,
            email=f"ipct.{spec.short}@teams.{c.EMAIL_DOMAIN}",
        )
        locality.intake_team = team
        locality.save(update_fields=["intake_team"])
        PostcodeDistrict.objects.bulk_create(
            [PostcodeDistrict(outward_code=code, locality=locality) for code in spec.outward_codes]
        )
        practices = []
        for name in spec.practices:
            ods = f"L81{ods_serial:03d}"
            ods_serial += 1
            surgery = org(name=name, kind=Organisation.Kind.GP_PRACTICE, ods_code=ods)
            practices.append(Practice.objects.create(ods_code=ods, name=name, locality=locality, organisation=surgery))
        localities.append(LocalityCast(locality, team, spec.weight, spec.outward_codes, practices))

    cen = Team.objects.create(
        name=c.CEN_SERVICE, kind=Team.Kind.SYSTEM_SERVICE, organisation=trust, email=f"cen@teams.{c.EMAIL_DOMAIN}"
    )
    crisis = Team.objects.create(
        name=c.CRISIS_TEAM, kind=Team.Kind.CRISIS, organisation=trust, email=f"crisis@teams.{c.EMAIL_DOMAIN}"
    )

    validate_password(c.DEMO_PASSWORD)
    # One hash for everyone: hashing sixty passwords one by one costs seconds for nothing.
    password = make_password(c.DEMO_PASSWORD)
    names = _Names(rng)
    staff: dict[int, dict[str, list[User]]] = {}

    def person(
        role: str,
        organisation: Organisation,
        job_title: str,
        teams: list[Team],
        *,
        username: str = "",
        given: str = "",
        family: str = "",
        **extra,
    ) -> User:
        if not username:
            given, family, username = names.next()
        user = User.objects.create(
            username=username,
            first_name=given,
            last_name=family,
            email=f"{username}@{c.EMAIL_DOMAIN}",
            password=password,
            role=role,
            organisation=organisation,
            job_title=job_title,
            caseload_capacity=c.CASELOAD_CAPACITY.get(job_title, 0),
            date_joined=now,
            **extra,
        )
        TeamMembership.objects.bulk_create([TeamMembership(user=user, team=team) for team in teams])
        for team in teams:
            staff.setdefault(team.pk, {}).setdefault(role, []).append(user)
        return user

    for i, lc in enumerate(localities):
        locality_team = [lc.team]
        person(Role.TEAM_MANAGER, trust, "Team manager", locality_team)
        person(Role.CLINICIAN, trust, "Community psychiatric nurse", locality_team)
        person(Role.CLINICIAN, trust, "Clinical psychologist" if i % 2 else "Occupational therapist", locality_team)
        person(Role.CLINICIAN, council, "Mental health social worker", locality_team)
        person(Role.LINK_WORKER, trust, "Primary care mental health worker", locality_team)
        person(Role.LINK_WORKER, vcse[i % len(vcse)], "VCSE link worker", locality_team)
        person(Role.LINK_WORKER, vcse[(i + 1) % len(vcse)], "Peer support worker", locality_team)
        person(Role.ADMINISTRATOR, trust, "Team administrator", locality_team)

    person(Role.TEAM_MANAGER, trust, "Team manager", [cen])
    person(Role.CLINICIAN, trust, "Clinical psychologist", [cen])
    person(Role.CLINICIAN, trust, "DBT therapist", [cen])
    person(Role.LINK_WORKER, trust, "Specialist practitioner", [cen])
    person(Role.LINK_WORKER, vcse[0], "Peer support worker", [cen])

    person(Role.TEAM_MANAGER, trust, "Team manager", [crisis])
    person(Role.CLINICIAN, trust, "Community psychiatric nurse", [crisis])
    person(Role.CLINICIAN, trust, "Consultant psychiatrist", [crisis])
    person(Role.LINK_WORKER, trust, "Crisis support worker", [crisis])

    bristol = [lc.team for lc in localities if "Bristol" in lc.locality.name]
    elsewhere = [lc.team for lc in localities if "Bristol" not in lc.locality.name]
    person(Role.SERVICE_MANAGER, trust, "Service manager, Bristol and system services", [*bristol, cen, crisis])
    person(Role.SERVICE_MANAGER, trust, "Service manager, North Somerset and South Gloucestershire", elsewhere)
    person(Role.IG_LEAD, trust, "Information governance lead", [])
    access_hub = person(Role.ADMINISTRATOR, trust, "Access hub coordinator", [])
    # Intake, not administration: finds people, takes and routes referrals, sees the localities'
    # triage queues, never their records (issue 10).
    line_handler = person(Role.INTAKE, trust, "24/7 mental health line call handler", [lc.team for lc in localities])
    admin = person(
        Role.ADMINISTRATOR,
        trust,
        "System administrator",
        [],
        username="admin",
        given="Demo",
        family="Administrator",
        is_staff=True,
        is_superuser=True,
    )
    return Cast(
        trust=trust,
        council=council,
        vcse=vcse,
        localities=localities,
        cen=cen,
        crisis=crisis,
        access_hub=access_hub,
        line_handler=line_handler,
        admin=admin,
        staff=staff,
    )


def national_coding_build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    """Code the demo's teams as NHS England counts them (MHSDS team types) and add the hospital
    liaison team that sees people from the emergency department, so the national measures page
    has every measure to show. Call inside a transaction, before any referral is made (a clock's
    treatment rule follows its team's type when it starts).

    The benchmarks' bulk generator builds on ``reference_build`` alone: its teams stay uncoded."""
    types = [(lc.team, c.LOCALITY_TEAM_TYPE) for lc in cast.localities]
    types += [(cast.cen, c.CEN_TEAM_TYPE), (cast.crisis, c.CRISIS_TEAM_TYPE)]
    for team, team_type in types:
        team.mhsds_team_type = team_type
        team.save(update_fields=["mhsds_team_type"])
    liaison = Team.objects.create(
        name=c.LIAISON_TEAM,
        kind=Team.Kind.SYSTEM_SERVICE,
        organisation=cast.trust,
        email=f"liaison@teams.{c.EMAIL_DOMAIN}",
        mhsds_team_type=c.LIAISON_TEAM_TYPE,
    )
    names = _Names(rng)
    names.taken |= set(User.objects.values_list("username", flat=True))
    staff = cast.staff.setdefault(liaison.pk, {})
    for role, job_title in (
        (Role.TEAM_MANAGER, "Team manager"),
        (Role.CLINICIAN, "Liaison psychiatric nurse"),
        (Role.CLINICIAN, "Consultant liaison psychiatrist"),
        (Role.LINK_WORKER, "Liaison support worker"),
    ):
        given, family, username = names.next()
        user = User.objects.create(
            username=username,
            first_name=given,
            last_name=family,
            email=f"{username}@{c.EMAIL_DOMAIN}",
            password=cast.admin.password,  # the one demo password's hash
            role=role,
            organisation=cast.trust,
            job_title=job_title,
            caseload_capacity=c.CASELOAD_CAPACITY.get(job_title, 0),
            date_joined=now,
        )
        TeamMembership.objects.create(user=user, team=liaison)
        staff.setdefault(role, []).append(user)
    # The Bristol service manager looks after the system-level services, liaison among them.
    manager = User.objects.filter(role=Role.SERVICE_MANAGER, memberships__team=cast.crisis).first()
    if manager is not None:
        TeamMembership.objects.create(user=manager, team=liaison)
        cast.staff.setdefault(liaison.pk, {}).setdefault(Role.SERVICE_MANAGER, []).append(manager)
    cast.liaison = liaison
