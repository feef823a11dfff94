"""GET /fhir/metadata: the CapabilityStatement, what the server reads and searches."""

import pytest
from rest_framework.test import APIClient

from .conftest import UK_CORE, fhir


@pytest.mark.django_db
def test_the_capability_statement_lists_each_resource_its_uk_core_profile_and_search_parameters():
    body = fhir(APIClient().get("/fhir/metadata"))

    assert body["resourceType"] == "CapabilityStatement"
    assert (body["status"], body["kind"], body["fhirVersion"]) == ("active", "instance", "4.0.1")
    assert "application/fhir+json" in body["format"]
    [rest] = body["rest"]
    assert rest["mode"] == "server"
    served = {r["type"]: r for r in rest["resource"]}
    assert set(served) == {
        "Patient",
        "ServiceRequest",
        "Encounter",
        "Task",
        "Observation",
        "EpisodeOfCare",
        "CarePlan",
        "Consent",
        "Practitioner",
        "HealthcareService",
        "Organization",
    }
    assert served["Patient"]["profile"] == UK_CORE + "UKCore-Patient"
    params = {t: {p["name"] for p in r["searchParam"]} for t, r in served.items()}
    assert params["Patient"] == {"_id", "identifier"}
    assert params["ServiceRequest"] == {"_id", "patient", "subject", "status", "_lastUpdated"}
    assert params["Encounter"] == {"_id", "patient", "subject", "based-on"}
    assert params["Task"] == {"_id", "owner", "status", "patient", "focus", "based-on"}
    assert params["Observation"] == {"_id", "patient", "subject", "based-on", "code"}
    assert params["EpisodeOfCare"] == {"_id", "patient", "status", "incoming-referral"}
    assert params["CarePlan"] == {"_id", "patient", "subject"}
    assert params["Consent"] == {"_id", "patient"}
    assert params["Practitioner"] == {"_id", "name"}
    assert params["HealthcareService"] == {"_id", "name", "organization"}
    assert params["Organization"] == {"_id", "identifier", "name"}
    assert all({i["code"] for i in r["interaction"]} == {"read", "search-type"} for r in served.values())


@pytest.mark.django_db
def test_metadata_is_open_without_credentials_as_fhir_clients_read_it_first():
    assert APIClient().get("/fhir/metadata").status_code == 200
