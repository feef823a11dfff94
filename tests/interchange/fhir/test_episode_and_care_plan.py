"""GET /fhir/EpisodeOfCare and /fhir/CarePlan: the referral as an episode of care, and the care
plan agreed with the person with its goals."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.services.care import care_plan_goal_add, care_plan_record
from tests.factories import make_allocated_referral, make_discharged_referral

from .conftest import T0, UK_CORE, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")

MHSDS = "https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-sets/mental-health-services-data-set"


@pytest.fixture
def held(alice, bob, north_practice, frozen):
    referral = make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    frozen.shift(timedelta(days=1))
    return referral


def test_a_new_referral_is_an_episode_on_the_waiting_list_managed_by_the_trust(client_for, alice, referral, trust):
    trust.ods_code = "RXX"  # an invented ODS code
    trust.save(update_fields=["ods_code"])

    body = fhir(client_for(alice).get(f"/fhir/EpisodeOfCare/{referral.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-EpisodeOfCare"]
    assert body["status"] == "waitlist"
    assert body["patient"]["reference"] == f"Patient/{referral.person_id}"
    assert body["period"] == {"start": "2025-03-10T09:00:00Z"}
    assert body["referralRequest"] == [{"reference": f"ServiceRequest/{referral.pk}", "display": referral.reference}]
    assert body["managingOrganization"] == {
        "reference": f"Organization/{referral.team.organisation_id}",
        "type": "Organization",
        "display": "Synthetic Partnership NHS Trust",
        "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXX"},
    }
    assert "careManager" not in body


def test_an_allocated_episode_is_active_with_the_link_worker_as_care_manager(client_for, bob, held):
    body = fhir(client_for(bob).get(f"/fhir/EpisodeOfCare/{held.pk}"))

    assert body["status"] == "active"
    assert body["careManager"]["reference"] == f"Practitioner/{bob.pk}"


def test_a_discharged_episode_is_finished_with_its_end(client_for, alice, bob, north_practice):
    done = make_discharged_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)

    body = fhir(client_for(alice).get(f"/fhir/EpisodeOfCare/{done.pk}"))

    assert body["status"] == "finished"
    assert body["period"] == {"start": "2025-03-10T09:00:00Z", "end": "2025-03-10T09:00:00Z"}


def test_episodes_search_by_status_and_incoming_referral(client_for, alice, referral, held):
    client = client_for(alice)

    waiting = fhir(client.get("/fhir/EpisodeOfCare", {"status": "waitlist"}))
    by_referral = fhir(client.get("/fhir/EpisodeOfCare", {"incoming-referral": f"ServiceRequest/{held.pk}"}))

    assert ids(waiting) == [str(referral.pk)]
    assert ids(by_referral) == [str(held.pk)]


def test_a_care_plan_carries_its_type_summary_and_goals(client_for, bob, held):
    now = timezone.now()
    plan = care_plan_record(
        referral=held, by=bob, now=now, agreed_at=now, summary="Weekly peer support; sleep routine.", plan_type="10"
    )
    goal = care_plan_goal_add(
        care_plan=plan, by=bob, now=now, description="Sleep through most nights", review_date=date(2025, 4, 11)
    )

    body = fhir(client_for(bob).get(f"/fhir/CarePlan/{plan.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-CarePlan"]
    assert (body["status"], body["intent"]) == ("active", "plan")
    assert body["category"][0]["coding"] == [
        {"system": f"{MHSDS}#CarePlanTypeMH", "code": "10", "display": "Mental health care plan"}
    ]
    assert body["description"] == "Weekly peer support; sleep routine."
    assert body["supportingInfo"][0]["reference"] == f"ServiceRequest/{held.pk}"
    assert body["goal"] == [{"reference": f"#goal-{goal.pk}"}]
    [contained] = body["contained"]
    assert contained["description"] == {"text": "Sleep through most nights"}
    assert contained["target"] == [{"dueDate": "2025-04-11"}]
    assert AuditEvent.objects.filter(actor=bob, action="record.view", object_type="fhir.CarePlan").count() == 1


def test_care_plans_search_by_patient(client_for, bob, charlie, held):
    now = timezone.now()
    plan = care_plan_record(referral=held, by=bob, now=now, agreed_at=now, summary="Plan.")

    mine = fhir(client_for(bob).get("/fhir/CarePlan", {"patient": f"Patient/{held.person_id}"}))
    theirs = fhir(client_for(charlie).get("/fhir/CarePlan", {"patient": f"Patient/{held.person_id}"}))

    assert ids(mine) == [str(plan.pk)]
    assert ids(theirs) == []
