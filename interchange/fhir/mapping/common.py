"""What the mappings share: references between the resources, and codings of our code lists."""

from typing import Any

from codes.mhsds import CodeList
from interchange.fhir import profiles
from localities.models import Organisation, Practice, Team
from referrals.models import Person, Referral

Json = dict[str, Any]


def patient_reference(person: Person) -> Json:
    return {"reference": f"Patient/{person.pk}", "display": str(person)}


def service_request_reference(referral: Referral) -> Json:
    return {"reference": f"ServiceRequest/{referral.pk}", "display": referral.reference}


def team_reference(team: Team) -> Json:
    """A team as the HealthcareService served at that id (also what ``owner=`` searches by)."""
    return {"reference": f"HealthcareService/{team.pk}", "type": "HealthcareService", "display": team.name}


def organisation_reference(organisation: Organisation) -> Json:
    """An organisation as the Organization served at that id, with its ODS code when known."""
    body: Json = {"reference": f"Organization/{organisation.pk}", "type": "Organization", "display": organisation.name}
    if organisation.ods_code:
        body["identifier"] = {"system": profiles.ODS_ORGANISATION_SYSTEM, "value": organisation.ods_code}
    return body


def coded(codes: CodeList, field: str, code: str) -> Json:
    return {"coding": [{"system": profiles.mhsds_system(field), "code": code, "display": codes.display(code)}]}


def organisation_identifier(team: Team) -> Json:
    ods = team.organisation.ods_code
    return {"identifier": {"system": profiles.ODS_ORGANISATION_SYSTEM, "value": ods}} if ods else {}


def practice_reference(practice: Practice) -> Json:
    """A GP practice by its ODS code: a logical reference (we serve no Organization)."""
    return {
        "type": "Organization",
        "identifier": {"system": profiles.ODS_ORGANISATION_SYSTEM, "value": practice.ods_code},
        "display": practice.name,
    }
