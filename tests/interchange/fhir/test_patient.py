"""GET /fhir/Patient/<id> and /fhir/Patient?identifier=…: UK Core Patient for people the caller may see."""

import pytest

from accounts.models import AuditEvent
from referrals.models import Person
from tests.conftest import STANDING_NHS_NUMBER
from tests.factories import make_referral

from .conftest import BASE, NHS_NUMBER, UK_CORE, entries, extension, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")


def test_a_clinician_reads_the_patient_as_uk_core_with_nhs_number_gp_and_ethnic_category(
    client_for, alice, referral, north_practice
):
    person = referral.person
    Person.objects.filter(pk=person.pk).update(
        ethnicity=Person.Ethnicity.BLACK_CARIBBEAN, gender=Person.Gender.FEMALE, birth_date="1990-05-17"
    )

    body = fhir(client_for(alice).get(f"/fhir/Patient/{person.pk}"))

    assert body["resourceType"] == "Patient"
    assert body["id"] == str(person.pk)
    assert body["meta"]["profile"] == [UK_CORE + "UKCore-Patient"]
    assert body["identifier"] == [{"system": NHS_NUMBER, "value": STANDING_NHS_NUMBER}]
    assert body["name"] == [{"use": "official", "family": "Example", "given": ["Alex"]}]
    assert body["birthDate"] == "1990-05-17"
    assert body["gender"] == "female"
    assert body["address"] == [{"use": "home", "postalCode": "BS1 4XX"}]
    assert body["generalPractitioner"] == [
        {
            "type": "Organization",
            "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "L81001"},
            "display": "Harbourside Surgery",
        }
    ]
    ethnic = extension(body, UK_CORE + "Extension-UKCore-EthnicCategory")
    assert ethnic["valueCodeableConcept"]["coding"] == [
        {
            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland",
            "code": "M",
            "display": "Black or Black British - Caribbean",
        }
    ]


def test_a_person_without_nhs_number_or_birth_date_has_neither_element(client_for, alice, north_practice):
    referral = make_referral(by=alice, nhs_number=None, practice=north_practice)

    body = fhir(client_for(alice).get(f"/fhir/Patient/{referral.person_id}"))

    assert "identifier" not in body and "birthDate" not in body
    assert body["gender"] == "unknown"


def test_reading_a_patient_writes_one_audit_row_naming_the_person(client_for, alice, referral):
    before = AuditEvent.objects.filter(action="record.view").count()

    fhir(client_for(alice).get(f"/fhir/Patient/{referral.person_id}"))

    row = AuditEvent.objects.filter(action="record.view").latest("pk")
    assert AuditEvent.objects.filter(action="record.view").count() == before + 1
    assert (row.actor, row.person_id, row.object_type, row.object_id) == (
        alice,
        referral.person_id,
        "fhir.Patient",
        str(referral.person_id),
    )
    assert row.detail["path"] == f"/fhir/Patient/{referral.person_id}"


def test_search_by_nhs_number_finds_the_person_as_a_searchset_bundle(client_for, alice, referral, north_practice):
    make_referral(by=alice, practice=north_practice)  # someone else alice can see

    bundle = fhir(client_for(alice).get("/fhir/Patient", {"identifier": f"{NHS_NUMBER}|{STANDING_NHS_NUMBER}"}))

    assert ids(bundle) == [str(referral.person_id)]
    assert bundle["total"] == 1
    assert bundle["meta"]["profile"] == [UK_CORE + "UKCore-Bundle"]
    assert bundle["entry"][0]["fullUrl"] == f"{BASE}Patient/{referral.person_id}"
    audit = AuditEvent.objects.filter(action="record.search", object_type="fhir.Patient")
    assert [row.person_id for row in audit] == [referral.person_id]


def test_search_by_nhs_number_of_someone_the_caller_cannot_see_finds_nobody(client_for, charlie, referral):
    bundle = fhir(client_for(charlie).get("/fhir/Patient", {"identifier": f"{NHS_NUMBER}|{STANDING_NHS_NUMBER}"}))

    assert entries(bundle) == [] and bundle["total"] == 0


def test_search_by_another_identifier_system_is_refused_with_an_operation_outcome(client_for, alice, referral):
    body = fhir(client_for(alice).get("/fhir/Patient", {"identifier": "https://example.org/mrn|123"}), 400)

    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "invalid"
    assert "NHS numbers" in body["issue"][0]["diagnostics"]


def test_an_unknown_search_parameter_is_refused_not_ignored(client_for, alice, referral):
    body = fhir(client_for(alice).get("/fhir/Patient", {"name": "Example"}), 400)

    assert "name" in body["issue"][0]["diagnostics"]
