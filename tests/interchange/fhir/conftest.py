"""The FHIR API tests: frozen time, clients for the standing cast (tests/conftest.py), and a
check that every answer is the FHIR resource it claims to be."""

from datetime import UTC, datetime

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.messageheader import MessageHeader
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from rest_framework.test import APIClient

# A Monday morning in winter, so UK time is UTC.
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
BASE = "http://testserver/fhir/"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"

_MODELS = {
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "CarePlan": CarePlan,
    "Consent": Consent,
    "Encounter": Encounter,
    "EpisodeOfCare": EpisodeOfCare,
    "MessageHeader": MessageHeader,
    "Observation": Observation,
    "OperationOutcome": OperationOutcome,
    "Patient": Patient,
    "ServiceRequest": ServiceRequest,
    "Task": Task,
    "Practitioner": Practitioner,
    "HealthcareService": HealthcareService,
    "Organization": Organization,
}


def fhir(response, status: int = 200) -> dict:
    """The body, after checking the status, the media type, and that fhir.resources accepts it
    as the resource it names (each entry of a Bundle too)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    _MODELS[body["resourceType"]].model_validate(body)
    for entry in body.get("entry", []):
        _MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])
    return body


def entries(bundle: dict) -> list[dict]:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return [e["resource"] for e in bundle.get("entry", [])]


def ids(bundle: dict) -> list[str]:
    return [r["id"] for r in entries(bundle)]


def link(bundle: dict, relation: str) -> str | None:
    return next((li["url"] for li in bundle["link"] if li["relation"] == relation), None)


def extension(resource: dict, url: str) -> dict:
    [found] = [e for e in resource.get("extension", []) if e["url"] == url]
    return found


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
