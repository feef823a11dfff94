"""The internal-waits dashboard: who waits for which intervention, per team, longest first; what
started in the period and how many within target; small numbers suppressed, on the page and in
the CSV alike."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from referrals.services.intervention_waits import intervention_offer_start
from reporting.filters import Filters
from reporting.internal_waits import internal_waits_page
from reporting.periods import Period
from tests.factories import make_offer, make_received_referral

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
PERIOD = Period(first_day=date(2026, 1, 1), last_day=NOW.date())


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def waiting_people(alice, practice, n, *, weeks_ago):
    offers = []
    for i in range(n):
        decided = NOW - timedelta(weeks=weeks_ago, days=i)
        referral = make_received_referral(by=alice, now=decided - timedelta(days=1), practice=practice)
        offers.append(make_offer(referral, by=alice, decided_at=decided, now=decided))
    return offers


def cells(table, row=0):
    return [cell.text for cell in table.rows[row].cells]


def test_eight_people_waiting_are_counted_with_those_past_their_18_weeks(at_now, alice, north_practice):
    waiting_people(alice, north_practice, 8, weeks_ago=20)  # every one past 18 weeks
    page = internal_waits_page(period=PERIOD, filters=Filters(), now=NOW)
    waiting = page.tables[0]
    assert cells(waiting)[:5] == ["North IPCT", "Talking therapy", "8", "8", "100.0%"]
    assert cells(waiting)[6] == "21.0"  # the longest: 20 weeks and 7 days


def test_fewer_than_eight_waiting_are_suppressed(at_now, alice, north_practice):
    waiting_people(alice, north_practice, 3, weeks_ago=2)
    waiting = internal_waits_page(period=PERIOD, filters=Filters(), now=NOW).tables[0]
    assert cells(waiting)[2:] == ["*", "0", "*", "*", "*"]


def test_started_in_the_period_counts_those_within_target(at_now, alice, north_practice):
    for offer in waiting_people(alice, north_practice, 8, weeks_ago=10):
        intervention_offer_start(offer=offer, by=alice, now=NOW, started_at=NOW - timedelta(days=1))
    page = internal_waits_page(period=PERIOD, filters=Filters(), now=NOW)
    assert page.tables[0].rows == []
    assert cells(page.tables[1])[:5] == ["North IPCT", "Talking therapy", "8", "8", "100.0%"]


def test_another_teams_filter_shows_nobody(at_now, alice, north_practice, south_team):
    waiting_people(alice, north_practice, 8, weeks_ago=2)
    page = internal_waits_page(period=PERIOD, filters=Filters(team_id=south_team.pk), now=NOW)
    assert page.tables[0].rows == []


def test_the_page_and_its_csv_show_the_same_suppressed_figures(client, at_now, alice, tina, north_practice):
    waiting_people(alice, north_practice, 3, weeks_ago=2)
    client.force_login(tina)
    query = {
        "from-day": "1",
        "from-month": "1",
        "from-year": "2026",
        "to-day": "16",
        "to-month": "3",
        "to-year": "2026",
    }
    page = client.get("/dashboard/internal-waits/", query)
    assert page.status_code == 200
    assert "Waiting now, by team and intervention" in page.content.decode()
    download = client.get("/dashboard/internal-waits/", {**query, "csv": "waiting"})
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["North IPCT", "Talking therapy", "*", "0", "*", "*", "*"] in rows


def test_the_dashboard_needs_a_login(client):
    assert client.get("/dashboard/internal-waits/").status_code == 302
