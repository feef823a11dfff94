"""GET /fhir/Encounter/<id> and /fhir/Encounter?…: care contacts as UK Core Encounters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.services import contact_record
from tests.factories import make_referral

from .conftest import UK_CORE, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")

MHSDS = "https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-sets/mental-health-services-data-set"


def _contact(referral, by, *, mechanism="02", attendance="5", minutes_ago=30, note=""):
    now = timezone.now()
    return contact_record(
        referral=referral,
        by=by,
        now=now,
        occurred_at=now - timedelta(minutes=minutes_ago),
        consultation_mechanism=mechanism,
        attendance=attendance,
        note=note,
    )


@pytest.fixture
def later(frozen):
    """An hour after the standing referral arrived, so contacts can be recorded after it."""
    frozen.shift(timedelta(hours=1))


def test_an_attended_telephone_contact_is_a_finished_virtual_encounter_with_its_mhsds_codes(
    client_for, alice, referral, later, trust
):
    trust.ods_code = "RXX"  # an invented ODS code
    trust.save(update_fields=["ods_code"])
    contact = _contact(referral, alice, mechanism="02", attendance="5", note="Talked about sleep.")

    body = fhir(client_for(alice).get(f"/fhir/Encounter/{contact.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-Encounter"]
    assert body["status"] == "finished"
    assert body["class"]["code"] == "VR"
    assert [t["coding"][0] for t in body["type"]] == [
        {"system": f"{MHSDS}#ConsMechanismMH", "code": "02", "display": "Telephone"},
        {
            "system": f"{MHSDS}#AttendStatus",
            "code": "5",
            "display": "Attended on time, or late but before the professional was ready",
        },
    ]
    assert body["period"] == {"start": "2025-03-10T09:30:00Z"}
    assert body["subject"]["reference"] == f"Patient/{referral.person_id}"
    assert body["basedOn"] == [{"reference": f"ServiceRequest/{referral.pk}", "display": referral.reference}]
    assert body["serviceProvider"] == {
        "type": "Organization",
        "display": "North IPCT",
        "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXX"},
    }
    assert "Talked about sleep." not in str(body)  # notes are consent-gated: never in this API


@pytest.mark.parametrize(
    ("attendance", "status"),
    [("5", "finished"), ("6", "finished"), ("2", "cancelled"), ("4", "cancelled"), ("3", "cancelled")],
)
def test_attendance_sets_the_encounter_status(client_for, alice, referral, later, attendance, status):
    contact = _contact(referral, alice, attendance=attendance)

    assert fhir(client_for(alice).get(f"/fhir/Encounter/{contact.pk}"))["status"] == status


def test_a_face_to_face_contact_is_ambulatory(client_for, alice, referral, later):
    contact = _contact(referral, alice, mechanism="01")

    assert fhir(client_for(alice).get(f"/fhir/Encounter/{contact.pk}"))["class"]["code"] == "AMB"


def test_search_by_based_on_and_by_patient_lists_the_referrals_contacts_newest_first(
    client_for, alice, referral, later, north_practice
):
    first = _contact(referral, alice, minutes_ago=50)
    second = _contact(referral, alice, minutes_ago=10)
    other = make_referral(by=alice, practice=north_practice)
    _contact(other, alice, minutes_ago=0)
    client = client_for(alice)

    by_referral = fhir(client.get("/fhir/Encounter", {"based-on": f"ServiceRequest/{referral.pk}"}))
    by_patient = fhir(client.get("/fhir/Encounter", {"patient": f"Patient/{referral.person_id}"}))

    assert ids(by_referral) == ids(by_patient) == [str(second.pk), str(first.pk)]
    assert AuditEvent.objects.filter(action="record.list", object_type="fhir.Encounter").count() == 2


def test_a_based_on_that_is_not_a_service_request_is_refused(client_for, alice, referral):
    body = fhir(client_for(alice).get("/fhir/Encounter", {"based-on": "CarePlan/3"}), 400)

    assert "ServiceRequest" in body["issue"][0]["diagnostics"]
