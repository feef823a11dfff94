"""Error pages in the service's layout: header, a main landmark, a heading, a way back (not Django's
plain text), and nothing that says whether a record someone may not see exists."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, server_error

from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def _in_the_layout(body: str) -> None:
    assert '<header class="nhsuk-header"' in body
    assert '<main class="nhsuk-main-wrapper" id="maincontent">' in body
    assert 'href="#maincontent"' in body  # the skip link
    assert '<a class="nhsuk-link" href="/">Go to the home page</a>' in body
    assert "nhsuk-footer" in body


def test_a_missing_page_signed_out_is_the_services_404(client):
    response = client.get("/no-such-page/")

    body = response.content.decode()
    assert response.status_code == 404
    _in_the_layout(body)
    assert "<title>Page not found – Community mental health referrals</title>" in body
    assert "<h1>Page not found</h1>" in body


def test_a_record_the_reader_may_not_see_is_the_same_404_with_their_menu(client, charlie, intake, north_practice):
    north_referral = make_referral(by=intake, practice=north_practice, family_name="Harbour")
    client.force_login(charlie)  # South: may not see the North referral

    response = client.get(reverse("referrals:person", args=[north_referral.person_id]))

    body = response.content.decode()
    assert response.status_code == 404
    _in_the_layout(body)
    assert 'aria-label="Menu"' in body  # the signed-in header, so every page is one click away
    assert north_referral.person.family_name not in body
    assert 'href="/triage/">the triage queue</a>' in body


def test_a_page_the_role_does_not_include_is_the_services_403(client, bob):
    client.force_login(bob)  # a link worker does not take referrals

    response = client.get(reverse("referrals:intake"))

    body = response.content.decode()
    assert response.status_code == 403
    _in_the_layout(body)
    assert "<h1>You cannot use this page</h1>" in body
    assert "Taking referrals is for intake and clinical staff." in body


def test_the_500_page_needs_no_database_or_user_and_keeps_the_layout(django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = server_error(request)

    body = response.content.decode()
    assert response.status_code == 500
    _in_the_layout(body)
    assert "Sorry, there is a problem with the service" in body
    assert 'aria-label="Menu"' not in body


def test_the_400_page_keeps_the_layout(rf):
    response = bad_request(rf.get("/"), exception=None)

    assert response.status_code == 400
    _in_the_layout(response.content.decode())
