"""The internal-waits pages: offer an intervention from the referral's care pages, start it or
withdraw it, and each team's waiting list, longest first; someone without access gets a 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import InterventionOffer
from tests.factories import make_offer, make_received_referral


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def referral_received_at():
    return timezone.now() - timedelta(weeks=30)


def test_a_clinician_offers_a_therapy_and_the_person_joins_the_waiting_list(client, alice, referral, north_team):
    today = timezone.localdate()
    response = login(client, alice).post(
        reverse("referrals:intervention_offers", args=[referral.pk]),
        {
            "offer-kind": "talking_therapy",
            "offer-description": "CBT for psychosis",
            "offer-code": "",
            "offer-team": north_team.pk,
            "offer-decided_on_day": today.day,
            "offer-decided_on_month": today.month,
            "offer-decided_on_year": today.year,
        },
    )
    assert response.status_code == 302
    offer = InterventionOffer.objects.get(referral=referral)
    assert offer.clock.target == timedelta(weeks=18)
    assert AuditEvent.objects.filter(action="intervention_offer.create").exists()
    page = client.get(reverse("referrals:waiting_list", args=[north_team.pk])).content.decode()
    assert "CBT for psychosis" in page


def test_an_offer_without_a_description_is_refused_on_the_form(client, alice, referral, north_team):
    response = login(client, alice).post(
        reverse("referrals:intervention_offers", args=[referral.pk]),
        {"offer-kind": "talking_therapy", "offer-description": "", "offer-team": north_team.pk},
    )
    assert response.status_code == 200
    assert "Say what is offered" in response.content.decode()
    assert not InterventionOffer.objects.exists()


def test_the_waiting_list_shows_the_longest_wait_first(client, alice, referral, north_practice):
    later = make_received_referral(
        by=alice,
        now=timezone.now() - timedelta(weeks=2),
        practice=north_practice,
        given_name="Sam",
        family_name="Later",
    )
    make_offer(later, by=alice, decided_at=timezone.now() - timedelta(weeks=1), description="Therapy for Sam")
    make_offer(referral, by=alice, decided_at=timezone.now() - timedelta(weeks=25), description="Therapy for Alex")
    page = login(client, alice).get(reverse("referrals:waiting_list", args=[referral.team_id])).content.decode()
    assert page.index("Therapy for Alex") < page.index("Therapy for Sam")
    assert "1 past target" in page


def test_the_waiting_list_costs_the_same_for_many_people(
    client, alice, referral, north_practice, django_assert_max_num_queries
):
    for n in range(6):
        other = make_received_referral(by=alice, now=timezone.now() - timedelta(days=9), practice=north_practice)
        make_offer(other, by=alice, decided_at=timezone.now() - timedelta(days=n))
    login(client, alice)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("referrals:waiting_list", args=[referral.team_id]))
    assert response.status_code == 200


def test_another_teams_waiting_list_is_a_404(client, charlie, referral):
    response = login(client, charlie).get(reverse("referrals:waiting_list", args=[referral.team_id]))
    assert response.status_code == 404


def test_someone_who_cannot_see_the_referral_cannot_see_or_offer(client, charlie, referral, alice):
    offer = make_offer(referral, by=alice)
    login(client, charlie)
    assert client.get(reverse("referrals:intervention_offers", args=[referral.pk])).status_code == 404
    withdraw = reverse("referrals:intervention_offer_withdraw", args=[referral.pk, offer.pk])
    assert client.post(withdraw, {"reason": "x"}).status_code == 404
    offer.clock.refresh_from_db()
    assert offer.clock.stopped_at is None


def test_withdrawing_asks_for_confirmation_and_a_reason(client, alice, referral):
    offer = make_offer(referral, by=alice)
    url = reverse("referrals:intervention_offer_withdraw", args=[referral.pk, offer.pk])
    login(client, alice)
    assert "What happens when you confirm" in client.get(url).content.decode()
    assert "Give a reason" in client.post(url, {"reason": ""}).content.decode()
    assert client.post(url, {"reason": "Chose peer support"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == "withdrawn"


def test_starting_it_from_the_page_stops_the_wait(client, alice, referral):
    offer = make_offer(referral, by=alice, decided_at=timezone.now() - timedelta(weeks=3))
    today = timezone.localdate()
    prefix = f"start-{offer.pk}-started_on"
    response = login(client, alice).post(
        reverse("referrals:intervention_offer_start", args=[referral.pk, offer.pk]),
        {f"{prefix}_day": today.day, f"{prefix}_month": today.month, f"{prefix}_year": today.year},
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == "started"
