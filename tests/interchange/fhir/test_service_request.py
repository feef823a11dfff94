"""GET /fhir/ServiceRequest/<id> and /fhir/ServiceRequest?…: each referral as a UK Core ServiceRequest."""

from datetime import timedelta

import pytest

from accounts.models import AuditEvent
from referrals.models import Referral
from tests.factories import make_closed_referral, make_discharged_referral, make_referral

from .conftest import BASE, T0, UK_CORE, extension, fhir, ids, link

pytestmark = pytest.mark.usefixtures("frozen")

MHSDS = "https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-sets/mental-health-services-data-set"


@pytest.fixture
def community_north(north_team):
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


def test_a_referral_reads_as_an_active_routine_order_for_the_person_with_its_mhsds_codes(
    client_for, alice, north_practice, community_north
):
    referral = make_referral(
        by=alice, practice=north_practice, source_of_referral="E1", primary_reason="04", source=Referral.Source.POLICE
    )

    body = fhir(client_for(alice).get(f"/fhir/ServiceRequest/{referral.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-ServiceRequest"]
    assert body["meta"]["lastUpdated"] == "2025-03-10T09:00:00Z"
    assert body["identifier"] == [{"system": f"{BASE}Id/referral-reference", "value": referral.reference}]
    assert (body["status"], body["intent"], body["priority"]) == ("active", "order", "routine")
    assert body["subject"] == {"reference": f"Patient/{referral.person_id}", "display": "Alex Example"}
    assert body["authoredOn"] == "2025-03-10T09:00:00Z"
    assert body["performer"] == [
        {"reference": f"HealthcareService/{community_north.pk}", "type": "HealthcareService", "display": "North IPCT"}
    ]
    assert body["category"][0]["coding"] == [
        {
            "system": f"{MHSDS}#ServTeamTypeRefToMH",
            "code": "A06",
            "display": "Community mental health team - functional",
        }
    ]
    source = extension(body, UK_CORE + "Extension-UKCore-SourceOfServiceRequest")
    assert source["valueCodeableConcept"]["coding"] == [
        {"system": f"{MHSDS}#SourceOfReferralMH", "code": "E1", "display": "Police"}
    ]
    assert body["reasonCode"][0]["coding"][0]["code"] == "04"


@pytest.mark.parametrize(
    ("urgency", "priority"),
    [("emergency", "stat"), ("very_urgent", "asap"), ("urgent", "urgent"), ("routine", "routine")],
)
def test_urgency_maps_to_fhir_priority(client_for, alice, north_practice, urgency, priority):
    referral = make_referral(by=alice, practice=north_practice, urgency=urgency)

    assert fhir(client_for(alice).get(f"/fhir/ServiceRequest/{referral.pk}"))["priority"] == priority


def test_a_referral_without_an_exact_source_code_gives_the_one_its_source_maps_to(client_for, alice, north_practice):
    referral = make_referral(by=alice, practice=north_practice, source=Referral.Source.SELF)

    body = fhir(client_for(alice).get(f"/fhir/ServiceRequest/{referral.pk}"))

    source = extension(body, UK_CORE + "Extension-UKCore-SourceOfServiceRequest")
    assert source["valueCodeableConcept"]["coding"][0]["code"] == "B1"


def test_a_discharged_referral_is_completed_and_a_closed_one_revoked(client_for, alice, bob, north_practice):
    discharged = make_discharged_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    closed = make_closed_referral(by=alice, now=T0, practice=north_practice)

    assert fhir(client_for(alice).get(f"/fhir/ServiceRequest/{discharged.pk}"))["status"] == "completed"
    assert fhir(client_for(alice).get(f"/fhir/ServiceRequest/{closed.pk}"))["status"] == "revoked"


def test_reading_a_service_request_is_audited_against_its_person(client_for, alice, referral):
    fhir(client_for(alice).get(f"/fhir/ServiceRequest/{referral.pk}"))

    row = AuditEvent.objects.filter(action="record.view", object_type="fhir.ServiceRequest").get()
    assert (row.actor, row.person_id, row.object_id) == (alice, referral.person_id, str(referral.pk))


# --- search ----------------------------------------------------------------------------------


def test_search_by_patient_or_subject_lists_that_persons_referrals_newest_first(
    client_for, alice, north_practice, referral, frozen
):
    frozen.shift(timedelta(hours=1))
    second = make_referral(by=alice, practice=north_practice, nhs_number=referral.person.nhs_number)
    make_referral(by=alice, practice=north_practice)  # someone else

    by_patient = fhir(client_for(alice).get("/fhir/ServiceRequest", {"patient": f"Patient/{referral.person_id}"}))
    by_subject = fhir(client_for(alice).get("/fhir/ServiceRequest", {"subject": str(referral.person_id)}))

    assert ids(by_patient) == ids(by_subject) == [str(second.pk), str(referral.pk)]
    listed = AuditEvent.objects.filter(action="record.list", object_type="fhir.ServiceRequest")
    assert {row.person_id for row in listed} == {referral.person_id}


def test_search_by_status_uses_fhir_statuses(client_for, alice, bob, north_practice, referral):
    closed = make_closed_referral(by=alice, now=T0, practice=north_practice)

    active = fhir(client_for(alice).get("/fhir/ServiceRequest", {"status": "active"}))
    revoked = fhir(client_for(alice).get("/fhir/ServiceRequest", {"status": "revoked"}))
    either = fhir(client_for(alice).get("/fhir/ServiceRequest", {"status": "active,revoked"}))

    assert ids(active) == [str(referral.pk)]
    assert ids(revoked) == [str(closed.pk)]
    assert set(ids(either)) == {str(referral.pk), str(closed.pk)}


def test_an_unknown_status_is_refused(client_for, alice, referral):
    body = fhir(client_for(alice).get("/fhir/ServiceRequest", {"status": "received"}), 400)

    assert body["issue"][0]["code"] == "invalid"


def test_last_updated_bounds_select_referrals_by_when_their_status_last_changed(
    client_for, alice, north_practice, frozen
):
    early = make_referral(by=alice, practice=north_practice)
    frozen.shift(timedelta(days=2))
    late = make_referral(by=alice, practice=north_practice)
    client = client_for(alice)

    since = fhir(client.get("/fhir/ServiceRequest", {"_lastUpdated": "ge2025-03-11"}))
    until = fhir(client.get("/fhir/ServiceRequest", {"_lastUpdated": "le2025-03-11"}))
    between = fhir(
        client.get(
            "/fhir/ServiceRequest?_lastUpdated=ge2025-03-10T08:00:00Z&_lastUpdated=lt2025-03-10T10:00:00%2B00:00"
        )
    )

    assert ids(since) == [str(late.pk)]
    assert ids(until) == [str(early.pk)]
    assert ids(between) == [str(early.pk)]


def test_a_last_updated_without_an_offset_is_refused(client_for, alice, referral):
    body = fhir(client_for(alice).get("/fhir/ServiceRequest", {"_lastUpdated": "ge2025-03-10T08:00:00"}), 400)

    assert "_lastUpdated" in body["issue"][0]["diagnostics"]


def test_pages_follow_count_with_self_next_and_previous_links(client_for, alice, north_practice, frozen):
    made = []
    for _ in range(5):
        made.append(make_referral(by=alice, practice=north_practice))
        frozen.shift(timedelta(minutes=1))
    newest_first = [str(r.pk) for r in reversed(made)]
    client = client_for(alice)

    first = fhir(client.get("/fhir/ServiceRequest", {"_count": 2}))
    second = fhir(client.get(link(first, "next")))
    last = fhir(client.get(link(second, "next")))

    assert first["total"] == second["total"] == last["total"] == 5
    assert ids(first) + ids(second) + ids(last) == newest_first
    assert link(first, "previous") is None and link(last, "next") is None
    assert link(second, "self") == f"{BASE}ServiceRequest?_count=2&page=2"
    assert link(second, "previous") == f"{BASE}ServiceRequest?_count=2&page=1"


def test_a_count_beyond_the_limit_is_refused(client_for, alice, referral):
    assert fhir(client_for(alice).get("/fhir/ServiceRequest", {"_count": 500}), 400)["resourceType"] == (
        "OperationOutcome"
    )
