"""UKCore-Patient from our Person."""

from fhir.resources.R4B.patient import Patient

from interchange.fhir import profiles
from referrals.models import Person

from .common import Json, practice_reference

_GENDER: dict[str, str] = {
    Person.Gender.MALE: "male",
    Person.Gender.FEMALE: "female",
    # FHIR's administrative gender has no non-binary: "other" is its code for it.
    Person.Gender.NON_BINARY: "other",
    Person.Gender.OTHER: "other",
    Person.Gender.NOT_STATED: "unknown",
}


def patient(person: Person) -> Patient:
    """UKCore-Patient. Reads ``person.gp_practice`` (select_related)."""
    body: Json = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": {"profile": [profiles.PATIENT_PROFILE]},
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "gender": _GENDER.get(person.gender, "unknown"),
        "extension": [_ethnic_category(person)],
    }
    if person.nhs_number:
        body["identifier"] = [{"system": profiles.NHS_NUMBER_SYSTEM, "value": person.nhs_number}]
    if person.birth_date is not None:
        body["birthDate"] = person.birth_date
    if person.postcode:
        body["address"] = [{"use": "home", "postalCode": person.postcode}]
    if person.gp_practice is not None:
        body["generalPractitioner"] = [practice_reference(person.gp_practice)]
    return Patient.model_validate(body)


def _ethnic_category(person: Person) -> Json:
    display = _ETHNIC_DISPLAY.get(person.ethnicity, person.get_ethnicity_display())
    coding = {"system": profiles.ETHNIC_CATEGORY_SYSTEM, "code": person.ethnicity, "display": display}
    return {"url": profiles.ETHNIC_CATEGORY_EXTENSION, "valueCodeableConcept": {"coding": [coding]}}


# The code system's own displays (UK Core), where ours are worded for staff.
_ETHNIC_DISPLAY = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
}
