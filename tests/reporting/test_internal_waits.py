"""The internal-waits dashboard: who waits for which intervention, per team, longest first; what
started in the period and how many within target; small numbers suppressed, on the page and in
the CSV alike."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from referrals.models import Intervention
from referrals.services.intervention_waits import intervention_offer_start
from reporting import internal_waits
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


def waiting_people(alice, practice, n, *, weeks_ago, kind=Intervention.Kind.TALKING_THERAPY, hours=0, team=None):
    offers = []
    for i in range(n):
        decided = NOW - timedelta(weeks=weeks_ago, days=i, hours=hours * i)
        referral = make_received_referral(by=alice, now=decided - timedelta(days=1), practice=practice)
        offers.append(make_offer(referral, by=alice, team=team, kind=kind, decided_at=decided, now=decided))
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


def test_postgresql_counts_each_table_as_python_counts_its_rows(
    at_now, alice, north_practice, south_practice, south_team, monkeypatch
):
    """On PostgreSQL each table is one statement with the groups and the total (GROUPING SETS);
    the demo's SQLite reads the offers and counts in Python. The same cells, every one: counts,
    rates, medians of odd and even groups, longest waits, the order, the total row."""
    waiting_people(alice, north_practice, 9, weeks_ago=20, hours=5)  # past 18 weeks
    waiting_people(alice, north_practice, 10, weeks_ago=3, hours=7)  # an even group
    waiting_people(alice, north_practice, 8, weeks_ago=19, kind=Intervention.Kind.DBT_SKILLS, hours=3)
    waiting_people(
        alice, south_practice, 11, weeks_ago=2, kind=Intervention.Kind.PEER_SUPPORT, hours=11, team=south_team
    )
    for i, offer in enumerate(
        waiting_people(alice, north_practice, 10, weeks_ago=25, kind=Intervention.Kind.DBT_SKILLS)
    ):
        # Started 15 or 21 weeks after the offer (in the period), at uneven hours: within 18 weeks or not.
        started = offer.decided_at + timedelta(weeks=15 if i % 3 else 21, hours=i * 13)
        intervention_offer_start(offer=offer, by=alice, now=NOW, started_at=started)
    for offer in waiting_people(alice, south_practice, 9, weeks_ago=12, hours=17, team=south_team):
        intervention_offer_start(offer=offer, by=alice, now=NOW, started_at=NOW - timedelta(days=2))

    in_sql = internal_waits_page(period=PERIOD, filters=Filters(), now=NOW)
    monkeypatch.setattr(internal_waits, "_summaries_in_sql", internal_waits._summaries_from_rows)
    in_python = internal_waits_page(period=PERIOD, filters=Filters(), now=NOW)

    def shown(page):
        return [[cells(table, n) for n in range(len(table.rows))] for table in page.tables]

    assert shown(in_sql) == shown(in_python)
    waiting, started = shown(in_sql)
    assert len(waiting) == 3 + 1 and len(started) == 2 + 1  # the groups and the total
    assert waiting[-1][:3] == ["All teams", "Every intervention", "38"]
    assert started[-1][:3] == ["All teams", "Every intervention", "19"]
    assert started[0][:3] == ["North IPCT", "DBT skills group", "10"] and started[0][3] not in ("0", "10")
    assert [row[6] for row in waiting[:-1]] == sorted((row[6] for row in waiting[:-1]), key=float, reverse=True)
