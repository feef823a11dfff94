"""POST /api/v1/referrals/{id}/contacts/: a contact, and the clocks it stops."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import Contact, Referral
from referrals.services import referral_close, referral_triage

from .conftest import T0, clock, contacts_url, instant

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def referral_urgency():
    """The standing referral (tests/conftest.py), received at T0, is very urgent: first response
    due within 4 hours."""
    return Referral.Urgency.VERY_URGENT


@pytest.fixture
def api(client_for, alice):
    return client_for(alice)


def contact(at, **fields) -> dict:
    return {"occurred_at": at.isoformat(), "mode": "telephone", "outcome": "completed", **fields}


def test_a_completed_contact_stops_the_first_response_clock(api, referral, frozen):
    frozen.shift(timedelta(hours=2))
    spoke_at = T0 + timedelta(hours=1, minutes=30)

    response = api.post(contacts_url(referral.pk), contact(spoke_at, note="Safety plan agreed."), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    saved = Contact.objects.get()
    assert body["id"] == saved.pk
    assert body["referral"] == referral.pk
    assert instant(body["occurred_at"]) == spoke_at
    assert instant(body["recorded_at"]) == T0 + timedelta(hours=2)
    # The words used before MHSDS coding are mapped (accepted for one release).
    assert (body["consultation_mechanism"], body["attendance"], body["note"]) == ("02", "5", "Safety plan agreed.")
    first = clock(body, "first_response")
    assert instant(first["stopped_at"]) == spoke_at
    assert first["stop_reason"] == "first_completed_contact"
    assert first["breached"] is False
    treatment = clock(body, "treatment")
    assert treatment["stopped_at"] is None
    assert treatment["stop_reason"] == ""


def test_an_attempted_contact_stops_nothing(api, referral, frozen):
    frozen.shift(timedelta(hours=1))

    body = api.post(
        contacts_url(referral.pk), contact(T0 + timedelta(minutes=30), outcome="attempted"), format="json"
    ).json()

    assert body["attendance"] == "3"  # did not attend
    assert all(c["stopped_at"] is None for c in body["clocks"])


def test_the_second_completed_contact_stops_the_treatment_clock(api, referral, frozen):
    frozen.shift(timedelta(days=10))
    api.post(contacts_url(referral.pk), contact(T0 + timedelta(hours=1)), format="json")
    api.post(contacts_url(referral.pk), contact(T0 + timedelta(days=2), outcome="attempted"), format="json")

    body = api.post(
        contacts_url(referral.pk), contact(T0 + timedelta(days=9), mode="face_to_face"), format="json"
    ).json()

    treatment = clock(body, "treatment")
    assert instant(treatment["stopped_at"]) == T0 + timedelta(days=9)
    assert treatment["stop_reason"] == "second_completed_contact"
    assert treatment["breached"] is False
    assert instant(clock(body, "first_response")["stopped_at"]) == T0 + timedelta(hours=1)


def test_a_first_contact_after_the_target_stops_the_clock_as_breached(api, referral, frozen):
    frozen.shift(timedelta(hours=6))

    body = api.post(contacts_url(referral.pk), contact(T0 + timedelta(hours=5)), format="json").json()

    first = clock(body, "first_response")
    assert first["stopped_at"] is not None
    assert first["breached"] is True


def test_a_contact_that_starts_treatment_moves_a_triaged_referral_into_treatment(api, alice, referral, frozen):
    referral_triage(referral=referral, by=alice, now=timezone.now())
    frozen.shift(timedelta(hours=1))

    body = api.post(contacts_url(referral.pk), contact(timezone.now(), starts_treatment=True), format="json").json()

    assert body["starts_treatment"] is True
    assert body["referral_status"] == "in_treatment"


def test_a_contact_in_the_future_is_a_400(api, referral):
    response = api.post(contacts_url(referral.pk), contact(T0 + timedelta(minutes=5)), format="json")

    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["A contact cannot be recorded in the future."]}
    assert not Contact.objects.exists()


def test_a_contact_before_the_referral_arrived_is_a_400(api, referral):
    response = api.post(contacts_url(referral.pk), contact(T0 - timedelta(days=1)), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["occurred_at"]


def test_only_a_completed_contact_can_start_treatment(api, referral):
    response = api.post(
        contacts_url(referral.pk), contact(T0, outcome="attempted", starts_treatment=True), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["starts_treatment"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"mode": "telephone", "outcome": "completed"}, "occurred_at", id="no occurred_at"),
        pytest.param(contact(T0, occurred_at="last Tuesday"), "occurred_at", id="occurred_at not a date"),
        pytest.param(contact(T0, occurred_at="2025-03-10"), "occurred_at", id="occurred_at a date only"),
        pytest.param(contact(T0, mode="carrier_pigeon"), "mode", id="unknown mode"),
        pytest.param(contact(T0, outcome="maybe"), "outcome", id="unknown outcome"),
        pytest.param({"occurred_at": T0.isoformat(), "mode": "video"}, "outcome", id="no outcome"),
        pytest.param(contact(T0, starts_treatment="perhaps"), "starts_treatment", id="starts_treatment not a boolean"),
    ],
)
def test_bad_contact_input_is_a_400_naming_the_field(api, referral, body, field):
    response = api.post(contacts_url(referral.pk), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_a_malformed_json_body_is_a_400(api, referral):
    response = api.post(contacts_url(referral.pk), '{"mode": ', content_type="application/json")

    assert response.status_code == 400


def test_a_contact_on_a_referral_the_caller_cannot_see_is_a_404(client_for, charlie, referral):
    response = client_for(charlie).post(contacts_url(referral.pk), contact(T0), format="json")

    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_a_hidden_referral_is_a_404_even_when_the_body_is_bad(client_for, charlie, referral):
    response = client_for(charlie).post(contacts_url(referral.pk), {"mode": "nonsense"}, format="json")

    assert response.status_code == 404


def test_a_contact_after_the_referral_ended_is_a_409(api, alice, referral, frozen):
    frozen.shift(timedelta(hours=1))
    referral_close(referral=referral, by=alice, now=timezone.now(), reason="declined")
    frozen.shift(timedelta(hours=1))

    response = api.post(contacts_url(referral.pk), contact(timezone.now()), format="json")

    assert response.status_code == 409
    assert "ended" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_a_text_message_recorded_through_the_api_stops_no_clock(api, referral, frozen):
    body = {"occurred_at": T0.isoformat(), "consultation_mechanism": "09", "attendance": "5"}
    response = api.post(contacts_url(referral.pk), body, format="json")

    assert response.status_code == 201
    assert all(clock["stopped_at"] is None for clock in response.json()["clocks"])


def test_attendance_is_required_and_named_when_missing(api, referral, frozen):
    body = {"occurred_at": T0.isoformat(), "consultation_mechanism": "01"}
    response = api.post(contacts_url(referral.pk), body, format="json")

    assert response.status_code == 400
    assert "attendance" in response.json()
