"""Who may read what through /fhir/: exactly who may open the record on the pages and /api/v1/
(access.selectors, docs/adr/0006). A hidden id and an unknown one get the same 404 with an
OperationOutcome; no credentials, a 401."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.consent import consent_record
from accounts.models import AuditEvent
from referrals.models import Clock, SharingConsent
from referrals.services import contact_record
from referrals.services.care import care_plan_record, outcome_measure_record

from .conftest import fhir

pytestmark = pytest.mark.usefixtures("frozen")

RESOURCES = (
    "Patient",
    "ServiceRequest",
    "Encounter",
    "Task",
    "Observation",
    "EpisodeOfCare",
    "CarePlan",
    "Consent",
)


@pytest.fixture
def record(referral, alice, frozen):
    """The standing referral (North, received) with one contact: its id as each resource."""
    frozen.shift(timedelta(hours=1))
    now = timezone.now()
    contact = contact_record(
        referral=referral, by=alice, now=now, occurred_at=now, consultation_mechanism="02", attendance="5"
    )
    clock = Clock.objects.filter(referral=referral).earliest("pk")
    score = outcome_measure_record(
        referral=referral,
        by=alice,
        now=now,
        recorded_at=now,
        score=Decimal(12),
        stage="baseline",
        tool_code="720433000",
    )
    plan = care_plan_record(referral=referral, by=alice, now=now, agreed_at=now, summary="Weekly check-in.")
    decision = consent_record(person=referral.person, by=alice, now=now, decision=SharingConsent.Decision.REFUSED)
    return {
        "Patient": referral.person_id,
        "ServiceRequest": referral.pk,
        "Encounter": contact.pk,
        "Task": clock.pk,
        "Observation": score.pk,
        "EpisodeOfCare": referral.pk,
        "CarePlan": plan.pk,
        "Consent": decision.pk,
    }


# Each reader of tests/conftest.py, and whether the standing North referral is theirs to open.
READERS = [
    ("alice", 200),  # clinician in North: her team's referral
    ("tina", 200),  # North's team manager
    ("bob", 404),  # VCSE link worker in North: not allocated to him
    ("charlie", 404),  # clinician in South
    ("sam", 404),  # service manager: aggregates only
    ("intake", 404),  # intake with no team: no locality queue
]


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("reader", "status"), READERS)
def test_each_resource_is_read_by_exactly_those_who_may_open_the_record(
    request, client_for, record, resource, reader, status
):
    user = request.getfixturevalue(reader)

    body = fhir(client_for(user).get(f"/fhir/{resource}/{record[resource]}"), status)

    if status == 404:
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "not-found"
        assert not AuditEvent.objects.filter(actor=user, action="record.view").exists()
    else:
        assert body["resourceType"] == resource
        assert AuditEvent.objects.filter(actor=user, action="record.view", object_type=f"fhir.{resource}").count() == 1


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("reader", "status"), READERS)
def test_searches_list_only_what_the_reader_may_open(request, client_for, record, resource, reader, status):
    user = request.getfixturevalue(reader)

    bundle = fhir(client_for(user).get(f"/fhir/{resource}"))

    found = [e["resource"]["id"] for e in bundle.get("entry", [])]
    assert (str(record[resource]) in found) == (status == 200)


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_unknown_or_malformed_id_is_the_same_404_as_a_hidden_one(client_for, alice, record, resource):
    unknown = fhir(client_for(alice).get(f"/fhir/{resource}/999999999"), 404)
    malformed = fhir(client_for(alice).get(f"/fhir/{resource}/abc"), 404)

    assert unknown["issue"][0]["code"] == malformed["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize("resource", RESOURCES)
def test_without_credentials_every_read_and_search_is_401_with_an_operation_outcome(record, resource):
    client = APIClient()

    read = fhir(client.get(f"/fhir/{resource}/{record[resource]}"), 401)
    searched = fhir(client.get(f"/fhir/{resource}"), 401)

    assert read["issue"][0]["code"] == searched["issue"][0]["code"] == "login"
    assert not AuditEvent.objects.filter(action__startswith="record.").exists()


def test_an_api_token_reads_as_its_user(alice, record):
    token = Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    body = fhir(client.get(f"/fhir/Patient/{record['Patient']}"))

    assert body["id"] == str(record["Patient"])
    assert AuditEvent.objects.filter(actor=alice, action="record.view", object_type="fhir.Patient").exists()


def test_a_json_accept_header_still_gets_fhir_json_but_xml_is_not_served(client_for, alice, record):
    client = client_for(alice)

    as_json = client.get(f"/fhir/Patient/{record['Patient']}", HTTP_ACCEPT="application/json")
    as_xml = client.get(f"/fhir/Patient/{record['Patient']}", {"_format": "xml"})

    assert fhir(as_json)["resourceType"] == "Patient"
    assert fhir(as_xml, 406)["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize("bad", ["²", "9" * 25, "-1"])
def test_an_id_no_record_could_have_is_a_404_not_an_error(client_for, alice, record, bad):
    assert fhir(client_for(alice).get(f"/fhir/Patient/{bad}"), 404)["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize("bad", ["0", "²", "9" * 25])
def test_a_page_no_search_could_have_is_refused(client_for, alice, record, bad):
    assert fhir(client_for(alice).get("/fhir/Task", {"page": bad}), 400)["issue"][0]["code"] == "invalid"


def test_a_signed_in_session_reads_as_its_user(client, alice, record):
    client.force_login(alice)

    assert fhir(client.get(f"/fhir/Patient/{record['Patient']}"))["id"] == str(record["Patient"])


def test_a_session_still_owing_its_second_factor_reads_nothing(client, alice, record, settings):
    settings.REQUIRE_TWO_FACTOR = True
    client.force_login(alice)

    response = client.get(f"/fhir/Patient/{record['Patient']}")

    # As on /api/: refused by the API's authentication, with an OperationOutcome, not redirected.
    assert response.status_code in (401, 403)
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not AuditEvent.objects.filter(action__startswith="record.").exists()
