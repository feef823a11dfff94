"""A BaRS cancellation sent to POST /fhir/$process-message closes the referral the same sender
sent earlier (through referral_close: ended, clocks stopped, audited), once per MessageHeader.id;
an unknown referral and another sender's referral are both a 404."""

import json

import pytest

from accounts.models import AuditEvent
from interchange.models import ProcessedMessage
from referrals.models import Clock, Referral
from tests.factories import UserFactory

from .conftest import fhir
from .messages import PROCESS_MESSAGE, cancellation_message, referral_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def send(client_for, intake, north_team, north_practice):
    def post(message, user=None):
        client = client_for(user or intake)
        return client.post(PROCESS_MESSAGE, json.dumps(message), content_type="application/fhir+json")

    return post


@pytest.fixture
def sent(send):
    """A referral the intake account sent, and the message it came in."""
    message = referral_message()
    answer = fhir(send(message))
    [focus] = answer["entry"][0]["resource"]["focus"]
    return message, Referral.objects.get(reference=focus["identifier"]["value"])


def test_the_sender_cancels_its_referral_and_it_is_closed_with_its_clocks_stopped(send, sent):
    message, referral = sent

    answer = fhir(send(cancellation_message(message, referral.reference)))

    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    assert referral.closure_reason == Referral.ClosureReason.OTHER
    assert "Cancelled by the referrer" in referral.discharge_note
    assert "own counsellor" in referral.discharge_note
    assert not Clock.objects.filter(referral=referral, stopped_at__isnull=True).exists()
    header = answer["entry"][0]["resource"]
    assert header["response"]["code"] == "ok"
    assert {e["resource"]["status"] for e in answer["entry"][1:]} == {"cancelled"}
    assert AuditEvent.objects.filter(action="referral.close", person_id=referral.person_id).exists()
    assert AuditEvent.objects.filter(action="fhir.message.cancel").count() == 1


def test_a_resent_cancellation_gets_the_same_answer_and_closes_nothing_twice(send, sent):
    message, referral = sent
    cancellation = cancellation_message(message, referral.reference)
    first = fhir(send(cancellation))

    again = send(cancellation)

    assert fhir(again) == first
    assert again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="referral.close").count() == 1


def test_cancelling_a_referral_we_never_received_is_a_404_operation_outcome(send, sent):
    message, _ = sent

    response = send(cancellation_message(message, "RF-NOSUCH1"))

    outcome = fhir(response, 404)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"


def test_another_sender_cannot_cancel_a_referral_it_did_not_send_nor_learn_that_it_exists(send, sent, trust):
    message, referral = sent
    other_system = UserFactory(username="other-intake", role="intake", organisation=trust)

    response = send(cancellation_message(message, referral.reference), user=other_system)

    unknown = send(cancellation_message(message, "RF-NOSUCH1"), user=other_system)
    assert fhir(response, 404)["issue"][0]["code"] == "not-found"
    assert fhir(unknown, 404)["issue"][0]["code"] == "not-found"
    referral.refresh_from_db()
    assert referral.ended_at is None
    assert ProcessedMessage.objects.filter(sender=other_system).count() == 0


def test_a_cancellation_that_does_not_name_the_referral_is_refused_at_the_service_request(send, sent):
    message, referral = sent
    cancellation = cancellation_message(message, referral.reference)
    cancellation["entry"][1]["resource"].pop("identifier")

    outcome = fhir(send(cancellation), 422)

    assert outcome["issue"][0]["expression"] == ["Bundle.entry[1].resource.identifier"]
    referral.refresh_from_db()
    assert referral.ended_at is None


def test_cancelling_a_referral_already_closed_is_refused_as_a_business_rule(send, sent):
    message, referral = sent
    fhir(send(cancellation_message(message, referral.reference)))

    outcome = fhir(send(cancellation_message(message, referral.reference)), 422)

    assert outcome["issue"][0]["code"] == "business-rule"
