"""Bundle.total on a search: counted exactly for an ordinary search, left out past
TOTAL_COUNTED_UP_TO matches unless ``_total=accurate`` asks, never counted with ``_total=none``;
the next link is there whenever another page is (FHIR's _total, ADR 11 "Performance")."""

import pytest

from interchange.fhir import search
from tests.factories import make_referral

from .conftest import T0, fhir, link

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def three_referrals(alice, north_practice, north_team):
    """Three referrals with North team: six clocks owned by the team."""
    return [make_referral(by=alice, now=T0, practice=north_practice) for _ in range(3)]


def _team_tasks(client, team, **params):
    return fhir(client.get("/fhir/Task", {"owner": f"HealthcareService/{team.pk}", "_count": 4, **params}))


def test_a_teams_tasks_say_how_many_there_are_and_link_to_the_next_page(client_for, alice, north_team, three_referrals):
    body = _team_tasks(client_for(alice), north_team)

    assert body["total"] == 6
    assert len(body["entry"]) == 4
    assert link(body, "next") is not None


def test_with_total_none_the_total_is_left_out_but_paging_still_works(client_for, alice, north_team, three_referrals):
    client = client_for(alice)

    first = _team_tasks(client, north_team, _total="none")
    second = _team_tasks(client, north_team, _total="none", page=2)

    assert "total" not in first and "total" not in second
    assert link(first, "next") is not None
    assert (len(second["entry"]), link(second, "next")) == (2, None)


def test_past_the_counting_bound_the_total_is_left_out_unless_asked_for_accurately(
    client_for, alice, north_team, three_referrals, monkeypatch
):
    monkeypatch.setattr(search, "TOTAL_COUNTED_UP_TO", 5)
    client = client_for(alice)

    assert "total" not in _team_tasks(client, north_team)
    assert _team_tasks(client, north_team, _total="accurate")["total"] == 6


def test_an_unknown_total_mode_is_a_400(client_for, alice, north_team, three_referrals):
    response = client_for(alice).get("/fhir/Task", {"owner": f"HealthcareService/{north_team.pk}", "_total": "all"})

    assert fhir(response, 400)["issue"][0]["diagnostics"].startswith("_total must be one of")
