"""Recording a person's disability types on their page (NHS.UK checkboxes)."""

import pytest
from django.urls import reverse

from .conftest import login

pytestmark = pytest.mark.django_db


def _url(referral):
    return reverse("referrals:person_disabilities", args=[referral.person_id])


def test_a_clinician_ticks_the_persons_disabilities_and_goes_back_to_their_page(client, alice, north_referral):
    login(client, alice)

    page = client.get(_url(north_referral))
    assert page.status_code == 200
    assert b'type="checkbox"' in page.content and b"Manual dexterity" in page.content

    response = client.post(_url(north_referral), {"disabilities": ["01", "04"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:person", args=[north_referral.person_id])
    assert sorted(north_referral.person.disabilities.values_list("code", flat=True)) == ["01", "04"]
    assert client.get(_url(north_referral)).content.count(b" checked") == 2


def test_no_disability_with_a_disability_is_shown_as_an_error_on_the_page(client, alice, north_referral):
    login(client, alice)

    response = client.post(_url(north_referral), {"disabilities": ["NN", "02"]})

    assert response.status_code == 400
    assert b"answers on their own" in response.content
    assert not north_referral.person.disabilities.exists()


def test_someone_who_cannot_open_the_person_gets_a_404(client, charlie, north_referral):
    login(client, charlie)

    assert client.get(_url(north_referral)).status_code == 404
    assert client.post(_url(north_referral), {"disabilities": ["02"]}).status_code == 404


def test_unticking_everything_clears_the_recorded_types(client, alice, north_referral):
    login(client, alice)
    client.post(_url(north_referral), {"disabilities": ["02"]})

    response = client.post(_url(north_referral), {})

    assert response.status_code == 302
    assert not north_referral.person.disabilities.exists()
