"""Journey 7: discharge with a reason, a self-care plan and a way back in, after a confirmation."""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from referrals.models import Allocation, Clock, Referral
from referrals.services import (
    referral_close,
)

from .conftest import DISCHARGE, text, url

# --- Discharge ---------------------------------------------------------------------------------


def test_a_referral_not_yet_allocated_cannot_be_discharged(client, alice, received):
    client.force_login(alice)

    body = text(client.get(url(received, "discharge")))

    assert "This referral cannot be discharged yet" in body
    assert 'name="reason"' not in body


def test_continuing_shows_what_will_happen_and_saves_nothing(client, alice, bob, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), DISCHARGE)

    assert response.status_code == 200
    body = text(response)
    assert "Check and confirm the discharge" in body
    assert "Goals met: back to self-care" in body
    assert "treatment (4-week wait) clock" in body
    assert f"{escape(str(bob))} (Synthetic Mind) stops holding" in body  # a name may hold an apostrophe
    assert "North IPCT’s caseload" in body
    assert 'name="confirm" value="yes"' in body
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_confirming_discharges_stops_the_clocks_and_ends_the_allocation(client, alice, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), {**DISCHARGE, "confirm": "yes"})

    assert response.status_code == 302
    assert response["Location"] == url(allocated, "discharge")
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.DISCHARGED
    assert (allocated.discharge_reason, allocated.discharge_note, allocated.return_route) == (
        DISCHARGE["reason"],
        DISCHARGE["note"],
        DISCHARGE["return_route"],
    )
    assert not Clock.objects.filter(referral=allocated, is_current=True, stopped_at__isnull=True).exists()
    assert not Allocation.objects.filter(referral=allocated, ended_at__isnull=True).exists()
    page = text(client.get(url(allocated, "discharge")))
    assert "Discharged" in page and DISCHARGE["return_route"] in page


def test_a_link_worker_who_discharges_goes_back_to_their_caseload_as_the_record_closes_to_them(client, bob, allocated):
    client.force_login(bob)

    response = client.post(url(allocated, "discharge"), {**DISCHARGE, "confirm": "yes"}, follow=True)

    assert response.redirect_chain == [(reverse("caseload:mine"), 302)]
    assert "was discharged" in text(response)
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.DISCHARGED
    # Link workers see only the open referrals they hold.
    assert client.get(url(allocated, "discharge")).status_code == 404


def test_missing_answers_show_the_error_summary_before_any_confirmation(client, alice, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), {"reason": "goals_met"})

    body = text(response)
    assert "<title>Error: Discharge" in body
    assert '<a href="#id_note">Write the return-to-self-care plan.</a>' in body
    assert '<a href="#id_return_route">Say how the person can get back in touch.</a>' in body
    assert "Check and confirm" not in body


def test_change_answers_goes_back_to_the_form_filled_in(client, alice, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), {**DISCHARGE, "confirm": "yes", "change": "yes"})

    body = text(response)
    assert "Check and confirm" not in body
    assert "Keeps going to the allotment group" in body
    assert 'value="goals_met" checked' in body
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_confirming_a_referral_that_cannot_be_discharged_shows_why(client, alice, received):
    client.force_login(alice)

    response = client.post(url(received, "discharge"), {**DISCHARGE, "confirm": "yes"})

    assert response.status_code == 200
    assert "A referral that is received cannot become discharged." in text(response)
    received.refresh_from_db()
    assert received.status == Referral.Status.RECEIVED


def test_a_closed_referral_has_nothing_to_discharge(client, alice, received):
    referral_close(referral=received, by=alice, now=timezone.now(), reason="declined")
    client.force_login(alice)

    body = text(client.get(url(received, "discharge")))

    assert "This referral has ended" in body
