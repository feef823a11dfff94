"""Recording a contact in two clicks: htmx swaps the badges; without JavaScript, POST then redirect."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Clock, Contact
from referrals.services import contact_record

from .conftest import login

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def contact_url(referral):
    return reverse("referrals:contact_new", args=[referral.pk])


def field(referral, name):
    return f"contact-{referral.pk}-{name}"


def defaults(referral, **extra):
    """What the form sends for an attended telephone call, now."""
    return {field(referral, "attendance"): "5", field(referral, "consultation_mechanism"): "02", **extra}


def first_response(referral):
    return Clock.objects.get(referral=referral, kind=Clock.Kind.FIRST_RESPONSE, is_current=True)


def test_the_form_asks_whether_the_person_attended_with_no_answer_chosen(client, alice, north_referral):
    html = login(client, alice).get(contact_url(north_referral)).content.decode()

    assert "Did the person attend?" in html
    assert f'name="{field(north_referral, "attendance")}" type="radio" value="5" checked' not in html
    assert "checked" not in html.split("Did the person attend?")[1].split("</fieldset>")[0]
    assert f'name="{field(north_referral, "consultation_mechanism")}" type="radio" value="02" checked' in html
    assert "Leave blank if it was just now" in html


def test_without_javascript_it_posts_then_redirects_back(client, alice, north_referral):
    response = login(client, alice).post(contact_url(north_referral), defaults(north_referral, next="/triage/"))

    assert response.status_code == 302 and response["Location"] == "/triage/"
    contact = Contact.objects.get()
    assert (contact.attendance, contact.consultation_mechanism, contact.recorded_by) == ("5", "02", alice)
    assert first_response(north_referral).stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT
    assert "Telephone contact: attended" in client.get("/triage/").content.decode()  # the message


def test_by_default_it_goes_back_to_the_person_page(client, alice, north_referral):
    response = login(client, alice).post(contact_url(north_referral), defaults(north_referral))

    person_url = reverse("referrals:person", args=[north_referral.person_id])
    assert response["Location"] == f"{person_url}#referral-{north_referral.pk}"


def test_next_cannot_send_people_to_another_site(client, alice, north_referral):
    response = login(client, alice).post(
        contact_url(north_referral), defaults(north_referral, next="https://evil.example/")
    )

    assert response["Location"].startswith(reverse("referrals:person", args=[north_referral.person_id]))


def test_with_htmx_the_form_loads_as_a_fragment(client, alice, north_referral):
    response = login(client, alice).get(contact_url(north_referral), **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert f'hx-target="#clocks-{north_referral.pk}"' in html


def test_with_htmx_it_answers_with_the_rows_new_badges(client, alice, north_referral):
    response = login(client, alice).post(contact_url(north_referral), defaults(north_referral), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'<ul id="clocks-{north_referral.pk}"' in html
    assert "Met" in html  # the first-response clock stopped in time
    assert f'id="contact-slot-{north_referral.pk}" hx-swap-oob="innerHTML"' in html
    assert "Telephone contact: attended" in html
    assert Contact.objects.count() == 1


def test_with_htmx_errors_go_back_into_the_form_slot(client, alice, north_referral):
    future = timezone.localtime() + timedelta(days=2)
    data = defaults(
        north_referral,
        **{
            field(north_referral, "occurred_date_day"): future.day,
            field(north_referral, "occurred_date_month"): future.month,
            field(north_referral, "occurred_date_year"): future.year,
            field(north_referral, "occurred_time"): "10:00",
        },
    )

    response = login(client, alice).post(contact_url(north_referral), data, **HTMX)

    assert response["HX-Retarget"] == f"#contact-slot-{north_referral.pk}"
    assert "A contact cannot be recorded in the future." in response.content.decode()
    assert not Contact.objects.exists()


def test_a_did_not_attend_leaves_the_clock_running(client, alice, north_referral):
    login(client, alice).post(
        contact_url(north_referral), defaults(north_referral, **{field(north_referral, "attendance"): "3"})
    )

    assert first_response(north_referral).stopped_at is None


def test_missing_choices_show_the_error_summary(client, alice, north_referral):
    response = login(client, alice).post(contact_url(north_referral), {field(north_referral, "note"): "x"})

    html = response.content.decode()
    assert "There is a problem" in html
    assert "Say whether the person attended" in html
    assert f'href="#id_contact-{north_referral.pk}-attendance_0"' in html


def test_a_time_without_a_date_means_today_and_a_date_needs_a_time(client, alice, north_referral):
    login(client, alice)
    today = timezone.localdate()
    response = client.post(
        contact_url(north_referral),
        defaults(
            north_referral,
            **{
                field(north_referral, "occurred_date_day"): today.day,
                field(north_referral, "occurred_date_month"): today.month,
                field(north_referral, "occurred_date_year"): today.year,
            },
        ),
    )

    assert "Enter the time of the contact as well as the date" in response.content.decode()


def test_someone_outside_the_team_gets_404(client, charlie, north_referral):
    login(client, charlie)

    assert client.get(contact_url(north_referral)).status_code == 404
    assert client.post(contact_url(north_referral), defaults(north_referral)).status_code == 404
    assert not Contact.objects.exists()


def test_the_audit_row_of_a_change_records_the_address_it_came_from(client, alice, north_referral):
    login(client, alice).post(contact_url(north_referral), defaults(north_referral), REMOTE_ADDR="203.0.113.9")

    row = AuditEvent.objects.get(action="contact.record")
    assert row.source_ip == "203.0.113.9"


def test_a_change_made_outside_any_request_records_no_address(alice, north_referral):
    now = timezone.now()
    contact_record(
        referral=north_referral,
        by=alice,
        now=now,
        occurred_at=now,
        mode="telephone",
        outcome="completed",
    )  # as a task or a management command would

    assert AuditEvent.objects.get(action="contact.record").source_ip is None
