"""GET /fhir/Task/<id> and /fhir/Task?…: each waiting-time clock as a UK Core Task, owned by
whoever holds the referral, its deadline in restriction.period.end."""

from datetime import timedelta

import pytest

from accounts.models import AuditEvent
from referrals.models import Clock
from tests.factories import make_allocated_referral, make_closed_referral, make_in_treatment_referral

from .conftest import T0, UK_CORE, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")


def _clock(referral, kind: str) -> Clock:
    return Clock.objects.get(referral=referral, kind=kind, is_current=True)


def test_a_new_referrals_first_response_clock_is_a_task_owned_by_the_team_with_its_deadline(
    client_for, alice, referral, north_team
):
    clock = _clock(referral, Clock.Kind.FIRST_RESPONSE)

    body = fhir(client_for(alice).get(f"/fhir/Task/{clock.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-Task"]
    assert (body["status"], body["intent"]) == ("in-progress", "order")
    assert body["code"] == {"text": "First response"}
    assert body["restriction"]["period"] == {"start": "2025-03-10T09:00:00Z", "end": "2025-03-11T09:00:00Z"}
    assert body["owner"] == {
        "reference": f"HealthcareService/{north_team.pk}",
        "type": "HealthcareService",
        "display": "North IPCT",
    }
    assert body["focus"]["reference"] == f"ServiceRequest/{referral.pk}"
    assert body["for"]["reference"] == f"Patient/{referral.person_id}"
    assert body["businessStatus"] == {"text": "within target"}


def test_a_clock_past_its_deadline_is_breached(client_for, alice, referral, frozen):
    clock = _clock(referral, Clock.Kind.FIRST_RESPONSE)
    frozen.shift(timedelta(hours=25))

    assert fhir(client_for(alice).get(f"/fhir/Task/{clock.pk}"))["businessStatus"] == {"text": "breached"}


def test_an_allocated_referrals_clocks_are_owned_by_the_link_worker(client_for, alice, bob, north_practice):
    held = make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    clock = _clock(held, Clock.Kind.TREATMENT)

    body = fhir(client_for(bob).get(f"/fhir/Task/{clock.pk}"))

    assert body["owner"] == {"reference": f"Practitioner/{bob.pk}", "type": "Practitioner", "display": str(bob)}


def test_a_clock_stopped_by_a_contact_is_completed_and_one_stopped_by_closure_cancelled(
    client_for, alice, bob, north_practice
):
    treated = make_in_treatment_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    closed = make_closed_referral(by=alice, now=T0, practice=north_practice)
    client = client_for(alice)

    stopped = fhir(client.get(f"/fhir/Task/{_clock(treated, Clock.Kind.FIRST_RESPONSE).pk}"))
    ended = fhir(client.get(f"/fhir/Task/{_clock(closed, Clock.Kind.FIRST_RESPONSE).pk}"))

    assert stopped["status"] == "completed"
    assert stopped["executionPeriod"]["end"] == "2025-03-10T09:00:00Z"
    assert ended["status"] == "cancelled"


def test_search_by_owner_finds_a_link_workers_clocks_or_a_teams_unheld_ones(
    client_for, alice, bob, referral, north_practice, north_team
):
    held = make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    client = client_for(alice)

    bobs = fhir(client.get("/fhir/Task", {"owner": f"Practitioner/{bob.pk}"}))
    teams = fhir(client.get("/fhir/Task", {"owner": f"HealthcareService/{north_team.pk}"}))

    assert set(ids(bobs)) == {str(c.pk) for c in Clock.objects.filter(referral=held)}
    assert set(ids(teams)) == {str(c.pk) for c in Clock.objects.filter(referral=referral)}
    assert {row.person_id for row in AuditEvent.objects.filter(object_type="fhir.Task")} == {
        held.person_id,
        referral.person_id,
    }


def test_search_by_status_separates_running_from_stopped_clocks(client_for, alice, bob, north_practice):
    treated = make_in_treatment_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    client = client_for(alice)

    running = fhir(client.get("/fhir/Task", {"status": "in-progress"}))
    completed = fhir(client.get("/fhir/Task", {"status": "completed"}))

    stopped = Clock.objects.filter(referral=treated, stopped_at__isnull=False)
    assert set(ids(completed)) == {str(c.pk) for c in stopped}
    assert set(ids(running)) == {str(c.pk) for c in Clock.objects.filter(referral=treated, stopped_at__isnull=True)}


def test_an_owner_of_another_kind_is_refused(client_for, alice, referral):
    body = fhir(client_for(alice).get("/fhir/Task", {"owner": "Organization/1"}), 400)

    assert "owner" in body["issue"][0]["diagnostics"]
