"""The redirect page and the roll-out: a referral from a locality where a service is not live
yet is offered the existing route, with the reason shown; where it is live, it goes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pathways.services import rollout_set
from referrals.models import Handoff, Referral

pytestmark = pytest.mark.django_db


def _redirect(client, referral, team):
    return client.post(
        f"/referrals/{referral.pk}/redirect/",
        {"to_team": team.pk, "note": "Complex emotional needs.", "person_informed": "on"},
    )


def test_a_redirect_to_a_service_not_live_in_the_locality_is_refused_with_the_reason_and_the_existing_route(
    client, alice, sam, referral, cen, north, north_team
):
    live_from = timezone.localdate() + timedelta(days=30)
    rollout_set(team=cen.team, locality=north, live_from=live_from, by=sam, now=timezone.now())
    client.force_login(alice)

    page = client.get(f"/referrals/{referral.pk}/redirect/").content.decode()
    assert "Not live in North and West yet" in page
    assert f"Goes live in North and West on {live_from:%-d %B %Y}." in page

    response = _redirect(client, referral, cen.team)

    assert response.status_code == 200
    assert (
        f"CEN Service goes live in North and West on {live_from:%-d %B %Y}. Until then, hand over to North IPCT."
        in response.content.decode()
    )
    assert not Handoff.objects.filter(referral=referral).exists()
    assert Referral.objects.get(pk=referral.pk).team == north_team


def test_a_redirect_to_a_service_live_in_the_locality_goes_ahead(client, alice, sam, referral, cen, north):
    rollout_set(team=cen.team, locality=north, live_from=timezone.localdate(), by=sam, now=timezone.now())
    client.force_login(alice)

    response = _redirect(client, referral, cen.team)

    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).team == cen.team


def test_a_service_with_no_roll_out_takes_referrals_from_everywhere(client, alice, referral, cen):
    client.force_login(alice)

    page = client.get(f"/referrals/{referral.pk}/redirect/").content.decode()
    response = _redirect(client, referral, cen.team)

    assert "Not live in" not in page
    assert response.status_code == 302


def test_the_api_refuses_a_redirect_to_a_service_not_live_in_the_locality_naming_the_existing_route(
    client, alice, sam, referral, cen, north, north_team
):
    live_from = timezone.localdate() + timedelta(days=30)
    rollout_set(team=cen.team, locality=north, live_from=live_from, by=sam, now=timezone.now())
    client.force_login(alice)

    response = client.post(
        f"/api/v1/referrals/{referral.pk}/redirect/",
        {"to_team": cen.team.pk, "note": "Complex emotional needs.", "person_informed": True},
        content_type="application/json",
    )

    assert response.status_code == 400
    (message,) = response.json()["to_team"]
    assert f"goes live in North and West on {live_from:%-d %B %Y}" in message
    assert f"hand over to North IPCT (team {north_team.pk})" in message
    assert not Handoff.objects.filter(referral=referral).exists()
    assert Referral.objects.get(pk=referral.pk).team == north_team


def test_the_api_redirects_to_a_service_once_it_is_live_in_the_locality(client, alice, sam, referral, cen, north):
    rollout_set(team=cen.team, locality=north, live_from=timezone.localdate(), by=sam, now=timezone.now())
    client.force_login(alice)

    response = client.post(
        f"/api/v1/referrals/{referral.pk}/redirect/",
        {"to_team": cen.team.pk, "note": "Complex emotional needs."},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Referral.objects.get(pk=referral.pk).team == cen.team
