"""Who does the work: staff as UKCore-Practitioner, teams as UKCore-HealthcareService and
organisations as UKCore-Organization: the resources the referrals' references point to
(``Task.owner``, ``ServiceRequest.performer``, ``EpisodeOfCare.careManager`` and
``.managingOrganization``). No contact details: the pages do not show them either."""

from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner

from accounts.models import User
from codes.mhsds import TEAM_TYPE
from interchange.fhir import profiles
from localities.models import Organisation, Team

from .common import Json, coded, organisation_reference


def practitioner(user: User) -> Practitioner:
    """UKCore-Practitioner: a member of staff by name (no SDS user id is held: ADR 11)."""
    name: Json = {"text": str(user)}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    body: Json = {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "meta": {"profile": [profiles.PRACTITIONER_PROFILE]},
        "active": user.is_active,
        "name": [name],
    }
    return Practitioner.model_validate(body)


def healthcare_service(team: Team) -> HealthcareService:
    """UKCore-HealthcareService: a team. Reads ``team.organisation`` (select_related)."""
    body: Json = {
        "resourceType": "HealthcareService",
        "id": str(team.pk),
        "meta": {"profile": [profiles.HEALTHCARE_SERVICE_PROFILE]},
        "active": True,
        "name": team.name,
        "providedBy": organisation_reference(team.organisation),
    }
    if team.mhsds_team_type:
        body["type"] = [coded(TEAM_TYPE, "ServTeamTypeRefToMH", team.mhsds_team_type)]
    return HealthcareService.model_validate(body)


def organization(organisation: Organisation) -> Organization:
    """UKCore-Organization: an NHS trust, a VCSE partner or another provider, with its ODS code
    when we have one."""
    body: Json = {
        "resourceType": "Organization",
        "id": str(organisation.pk),
        "meta": {"profile": [profiles.ORGANIZATION_PROFILE]},
        "active": True,
        "name": organisation.name,
    }
    if organisation.ods_code:
        body["identifier"] = [{"system": profiles.ODS_ORGANISATION_SYSTEM, "value": organisation.ods_code}]
    return Organization.model_validate(body)
