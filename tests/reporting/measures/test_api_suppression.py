"""/api/v1/measures/ with small numbers suppressed as the dashboard suppresses them, and the local
promise served beside the national measures, marked local."""

import pytest
from rest_framework.test import APIClient

from reporting.local_promise import local_response_24h
from reporting.measures import cmh_second_contact, parse_period

from .cases import contact, refer, uk

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ten_seen(alice, community_team):
    """Ten referrals on 2 March 2026 at 10:00, first seen 24 hours later; eight seen a second time
    on day 7, two on day 29 (not within 4 weeks); three more still waiting at the month's end."""
    for i in range(10):
        referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
        contact(referral, alice, uk(2026, 3, 3, 10))
        contact(referral, alice, uk(2026, 3, 9, 10) if i < 8 else uk(2026, 3, 31, 10))
    for _ in range(3):
        refer(by=alice, team=community_team, at=uk(2026, 3, 20, 10))


def test_figures_of_eight_or_more_are_shown_and_small_ones_withheld(sam, ten_seen):
    body = client_for(sam).get("/api/v1/measures/cmh_second_contact/", {"period": "2026-03"}).json()

    assert (body["numerator"], body["denominator"], body["rate"]) == (8, 10, "80.0")
    assert body["still_waiting"] is None  # three: withheld
    assert body["still_waiting_bands"]["7-13 days"] is None
    assert body["still_waiting_bands"]["over 84 days"] == 0
    assert body["suppressed"] == ["still_waiting", "still_waiting_bands.7-13 days"]
    result = cmh_second_contact(parse_period("2026-03", quarterly=False))
    assert (result.numerator, result.denominator, result.still_waiting) == (8, 10, 3)  # the engine's own


def test_nothing_counted_is_zero_and_no_rate_not_a_suppressed_one(sam):
    body = client_for(sam).get("/api/v1/measures/liaison_1h/", {"period": "2026-03"}).json()

    assert (body["numerator"], body["denominator"], body["rate"], body["still_waiting"]) == (0, 0, None, 0)
    assert body["suppressed"] == []


def test_the_local_promise_is_a_measure_of_its_own_marked_local(sam, ten_seen):
    listed = {m["code"]: m for m in client_for(sam).get("/api/v1/measures/").json()}
    figures = client_for(sam).get("/api/v1/measures/local_response_24h/", {"period": "2026-03"}).json()

    local = listed["local_response_24h"]
    assert local["scope"] == "local"
    assert local["nhs_england_ids"] == []
    assert local["citation"].startswith("Local:")
    # Ten first responses exactly at 24 hours (met); three referrals still waiting for one.
    assert (figures["numerator"], figures["denominator"], figures["rate"]) == (10, 10, "100.0")
    assert figures["still_waiting"] is None
    result = local_response_24h(parse_period("2026-03", quarterly=False))
    assert (result.numerator, result.denominator, result.still_waiting) == (10, 10, 3)


def test_the_local_promise_is_monthly(sam):
    response = client_for(sam).get("/api/v1/measures/local_response_24h/", {"period": "2026-Q1"})

    assert response.status_code == 400


def test_the_local_promises_records_show_only_referrals_the_user_may_open(alice, charlie, ten_seen):
    mine = client_for(alice).get("/api/v1/measures/local_response_24h/records/", {"period": "2026-03"}).json()
    theirs = client_for(charlie).get("/api/v1/measures/local_response_24h/records/", {"period": "2026-03"}).json()

    assert len(mine) == 13
    assert sum(1 for row in mine if row["met"]) == 10
    assert sum(1 for row in mine if row["still_waiting"]) == 3
    assert theirs == []
