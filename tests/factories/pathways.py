"""A service with a three-tier pathway, its alternative team and its staff; places on it made
through ``pathways.services``."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Role, User
from localities.models import Organisation, Team
from pathways.models import Pathway, Placement, Tier
from pathways.services import pathway_enter
from referrals.models import Referral

from .localities import TeamFactory
from .people import UserFactory

CEN_TIERS = (
    ("1+", "Understanding and managing emotions", "Emotional coping skills group\nPeer support"),
    ("2", "Structured clinical management", "Structured clinical management (SCM)"),
    ("3", "Specialist hub", "Mentalisation-based therapy (MBT)\nDialectical behaviour therapy (DBT)"),
)


@dataclass
class CenService:
    team: Team
    young_people: Team
    pathway: Pathway
    tiers: list[Tier]
    clinician: User


def make_cen_service(*, organisation: Organisation, minimum_age: int = 16) -> CenService:
    """A system-level complex emotional needs service, its "Complex emotional needs" pathway (tiers
    1+, 2 and 3), a young people's service as its alternative, and one clinician (cora)."""
    team = TeamFactory(name="CEN Service", kind=Team.Kind.SYSTEM_SERVICE, organisation=organisation, locality=None)
    young_people = TeamFactory(
        name="Young People's Service", kind=Team.Kind.SYSTEM_SERVICE, organisation=organisation, locality=None
    )
    pathway = Pathway.objects.create(
        team=team,
        name="Complex emotional needs",
        minimum_age=minimum_age,
        alternative_team=young_people,
        alternative_description="for people under 16",
    )
    tiers = [
        Tier.objects.create(pathway=pathway, position=i, label=label, name=name, interventions=offers)
        for i, (label, name, offers) in enumerate(CEN_TIERS, start=1)
    ]
    clinician = UserFactory(username="cora", role=Role.CLINICIAN, organisation=organisation, teams=[team])
    return CenService(team=team, young_people=young_people, pathway=pathway, tiers=tiers, clinician=clinician)


def make_placement(
    *, service: CenService, referral: Referral, tier: int = 0, now: datetime, reason: str = "Agreed with them."
) -> Placement:
    """The referral's person entered on the service's pathway at ``tiers[tier]``, by its clinician."""
    return pathway_enter(
        referral=referral,
        pathway=service.pathway,
        tier=service.tiers[tier],
        by=service.clinician,
        now=now,
        reason=reason,
    )
