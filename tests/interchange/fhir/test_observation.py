"""GET /fhir/Observation/<id> and /fhir/Observation?…: outcome scores as UK Core Observations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.services.care import outcome_measure_record
from tests.factories import make_allocated_referral

from .conftest import T0, UK_CORE, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")

SNOMED = "http://snomed.info/sct"


@pytest.fixture
def held(alice, bob, north_practice, frozen):
    referral = make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    frozen.shift(timedelta(days=1))
    return referral


def _score(referral, by, *, tool_code="720433000", score="14", stage="baseline", instrument=""):
    now = timezone.now()
    return outcome_measure_record(
        referral=referral,
        by=by,
        now=now,
        recorded_at=now,
        score=Decimal(score),
        stage=stage,
        tool_code=tool_code,
        instrument=instrument,
    )


def test_a_phq9_baseline_is_a_final_survey_observation_coded_in_snomed(client_for, bob, held):
    measure = _score(held, bob)

    body = fhir(client_for(bob).get(f"/fhir/Observation/{measure.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-Observation"]
    assert body["status"] == "final"
    assert body["category"][0]["coding"][0]["code"] == "survey"
    assert body["category"][1] == {"text": "Baseline (start)"}
    assert body["code"]["coding"] == [
        {"system": SNOMED, "code": "720433000", "display": "Patient health questionnaire 9 score"}
    ]
    assert body["valueQuantity"] == {"value": 14.0}
    assert body["effectiveDateTime"] == "2025-03-11T09:00:00Z"
    assert body["subject"]["reference"] == f"Patient/{held.person_id}"
    assert body["basedOn"][0]["reference"] == f"ServiceRequest/{held.pk}"
    row = AuditEvent.objects.get(action="record.view", object_type="fhir.Observation")
    assert (row.actor, row.person_id) == (bob, held.person_id)


def test_search_by_code_and_by_based_on(client_for, bob, held):
    phq9 = _score(held, bob, tool_code="720433000")
    gad7 = _score(held, bob, tool_code="445455005", score="9")
    client = client_for(bob)

    by_code = fhir(client.get("/fhir/Observation", {"code": f"{SNOMED}|445455005"}))
    by_referral = fhir(client.get("/fhir/Observation", {"based-on": f"ServiceRequest/{held.pk}"}))

    assert ids(by_code) == [str(gad7.pk)]
    assert set(ids(by_referral)) == {str(phq9.pk), str(gad7.pk)}


def test_someone_outside_the_record_finds_no_scores(client_for, charlie, bob, held):
    measure = _score(held, bob)

    assert fhir(client_for(charlie).get(f"/fhir/Observation/{measure.pk}"), 404)["resourceType"] == "OperationOutcome"
    assert ids(fhir(client_for(charlie).get("/fhir/Observation"))) == []
