"""Practitioner, HealthcareService and Organization: the staff, teams and organisations the
referrals' references name, read by id and searched, each validated and naming its UK Core
profile; what Task.owner, ServiceRequest.performer and EpisodeOfCare point to resolves."""

import pytest

from accounts.models import AuditEvent
from tests.factories import make_allocated_referral

from .conftest import T0, UK_CORE, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")


def test_a_tasks_team_owner_resolves_to_the_team_as_a_healthcare_service(client_for, alice, referral, north_team):
    client = client_for(alice)
    task = fhir(client.get("/fhir/Task", {"focus": f"ServiceRequest/{referral.pk}"}))["entry"][0]["resource"]

    team = fhir(client.get(f"/fhir/{task['owner']['reference']}"))

    assert team["resourceType"] == "HealthcareService"
    assert team["meta"]["profile"] == [UK_CORE + "UKCore-HealthcareService"]
    assert team["name"] == "North IPCT"
    assert team["providedBy"]["reference"] == f"Organization/{north_team.organisation_id}"


def test_the_teams_organisation_resolves_with_its_ods_code(client_for, alice, north_team):
    organisation = north_team.organisation
    organisation.ods_code = "RXX"
    organisation.save()

    body = fhir(client_for(alice).get(f"/fhir/Organization/{organisation.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-Organization"]
    assert body["identifier"] == [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXX"}]
    found = fhir(client_for(alice).get("/fhir/Organization", {"identifier": "RXX"}))
    assert ids(found) == [str(organisation.pk)]


def test_the_link_worker_holding_a_referral_resolves_as_a_practitioner_without_contact_details(
    client_for, alice, bob, north_practice
):
    held = make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    client = client_for(alice)
    episode = fhir(client.get(f"/fhir/EpisodeOfCare/{held.pk}"))

    worker = fhir(client.get(f"/fhir/{episode['careManager']['reference']}"))

    assert worker["resourceType"] == "Practitioner"
    assert worker["meta"]["profile"] == [UK_CORE + "UKCore-Practitioner"]
    assert worker["name"][0]["text"] == str(bob)
    assert "telecom" not in worker
    assert fhir(client.get(f"/fhir/Organization/{held.team.organisation_id}"))["resourceType"] == "Organization"
    assert episode["managingOrganization"]["reference"] == f"Organization/{held.team.organisation_id}"


def test_teams_are_searched_by_name_and_organisation(client_for, alice, north_team, south_team):
    client = client_for(alice)

    assert ids(fhir(client.get("/fhir/HealthcareService", {"name": "north"}))) == [str(north_team.pk)]
    by_organisation = fhir(
        client.get("/fhir/HealthcareService", {"organization": f"Organization/{north_team.organisation_id}"})
    )
    assert set(ids(by_organisation)) == {str(north_team.pk), str(south_team.pk)}


def test_staff_are_searched_by_name_and_reading_them_names_no_person_in_the_audit(client_for, alice, bob):
    before = AuditEvent.objects.count()

    found = fhir(client_for(alice).get("/fhir/Practitioner", {"name": bob.first_name or bob.username}))

    assert str(bob.pk) in ids(found)
    assert AuditEvent.objects.count() == before


def test_an_unknown_team_is_a_404_operation_outcome(client_for, alice):
    body = fhir(client_for(alice).get("/fhir/HealthcareService/999999"), 404)

    assert body["resourceType"] == "OperationOutcome"


def test_without_credentials_the_directory_is_a_401(client):
    assert client.get("/fhir/Practitioner").status_code == 401


def test_the_capability_statement_lists_them(client):
    statement = client.get("/fhir/metadata").json()

    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Practitioner", "HealthcareService", "Organization"} <= types
