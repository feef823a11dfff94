"""Every dashboard page: who may see it, and a fixed number of queries however much data there is."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_referral
from tests.reporting.conftest import NOW, PERIOD, T0, contact, page_tables

pytestmark = pytest.mark.django_db

PAGES = ["/dashboard/", "/dashboard/breaches/", "/dashboard/capacity/", "/dashboard/equality/", "/dashboard/flow/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_needs_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["alice", "bob", "tina", "sam", "charlie"])
def test_everyone_who_can_log_in_sees_the_aggregates(client, request, service, url, who, at_now):
    client.force_login(request.getfixturevalue(who))

    response = client.get(url, PERIOD)

    assert response.status_code == 200
    body = response.content.decode()
    assert "How these figures are worked out" in body
    assert "<svg" in body or url == "/dashboard/flow/"  # charts (the flow page's needs outcome scores)...
    assert "Figures in this chart" in body or url == "/dashboard/flow/"  # ...each with its figures as a table
    for referral in service.referrals:
        assert referral.person.family_name not in body or referral.person.family_name == "Example"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, PERIOD).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", PAGES)
def test_the_number_of_queries_does_not_grow_with_the_data(client, tina, alice, service, north_practice, url, at_now):
    client.force_login(tina)
    client.get(url, PERIOD)  # the first view builds the reporting tables
    small = _queries(client, url)
    for hours in range(1, 41):
        referral = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice)
        contact(referral, alice, T0 + timedelta(hours=hours))
    client.get(url, PERIOD)  # catches up with the 40 new referrals
    assert _queries(client, url) == small


def test_pages_keep_the_period_and_filters_in_their_links(client, tina, north_team, at_now):
    client.force_login(tina)

    body = client.get("/dashboard/", {**PERIOD, "team": north_team.pk}).content.decode()

    assert 'href="/dashboard/breaches/?from-day=20&amp;from-month=1&amp;from-year=2026' in body
    assert f"team={north_team.pk}" in body
    assert "csv=headline" in body


def test_the_csv_file_is_named_after_the_page_table_and_period(client, tina, at_now):
    client.force_login(tina)

    response = client.get("/dashboard/breaches/", {**PERIOD, "csv": "summary"})

    assert response["Content-Disposition"] == 'attachment; filename="breaches-summary-2026-01-20-to-2026-03-16.csv"'


def test_a_filter_value_that_does_not_exist_is_reported_not_guessed(client, tina, service, at_now):
    client.force_login(tina)

    response = client.get("/dashboard/", {**PERIOD, "locality": "999999", "urgency": "whenever"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    # The bad filters are dropped, the good period kept: the whole service's figures.
    assert page_tables(response)["received"][1][1] == "13"


def test_a_page_of_a_quiet_period_says_there_is_nothing_to_show(client, tina, at_now):
    client.force_login(tina)

    response = client.get("/dashboard/", {"period": "4w"})

    assert response.status_code == 200
    assert "No running clocks on referrals you can open." in response.content.decode()


def test_the_freshness_line_says_up_to_when(client, tina, service, at_now):
    client.force_login(tina)

    body = client.get("/dashboard/", PERIOD).content.decode()

    assert f"Figures include every change recorded up to {NOW:%-d %b %Y}" in body


def _scope(body: str) -> str:
    scope = body[body.index('id="dashboard-scope"') :]
    return " ".join(scope[scope.index(">") + 1 : scope.index("</p>")].split())


def test_a_preset_chosen_after_typing_dates_wins_and_the_menu_shows_it(client, tina, service, at_now):
    client.force_login(tina)
    # The page was drawn with the dates in force ("Dates I choose"); the user then picks 52 weeks.
    response = client.get("/dashboard/", {**PERIOD, "shown": "dates", "period": "52w"})

    body = response.content.decode()
    assert "Showing Last 52 weeks: 18 Mar 2025 to 16 Mar 2026" in _scope(body)
    assert '<option value="52w" selected>Last 52 weeks</option>' in body
    assert 'name="from-day" value="20"' not in body  # the boxes no longer hold the old dates
    assert 'name="shown" value="52w"' in body


def test_dates_typed_while_the_menu_is_unchanged_win_and_the_menu_says_so(client, tina, service, at_now):
    client.force_login(tina)

    body = client.get("/dashboard/", {**PERIOD, "shown": "13w", "period": "13w"}).content.decode()

    assert "Showing 20 Jan 2026 to 16 Mar 2026 (dates chosen)" in _scope(body)
    assert '<option value="dates" selected>Dates I choose</option>' in body


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"from-day": "31", "from-month": "2", "from-year": "2026"}, "Enter a real date."),
        ({"from-day": "1", "from-month": "4", "from-year": "2026"}, "The start date cannot be in the future."),
        (
            {**PERIOD, "to-day": "1", "to-month": "4", "to-year": "2026"},
            "The end date cannot be in the future: the figures go up to today.",
        ),
    ],
)
@pytest.mark.parametrize("url", PAGES)
def test_an_invalid_or_future_period_is_refused_and_no_figures_drawn(
    client, tina, service, at_now, url, dates, message
):
    client.force_login(tina)

    response = client.get(url, {**dates, "shown": "13w", "period": "13w"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert "No figures shown: correct the period" in _scope(body)
    assert "<svg" not in body.split('id="maincontent"')[1] and "<table" not in body
    assert client.get(url, {**dates, "csv": "headline"}).status_code == 400


def test_a_csv_download_records_the_period_and_filters_it_was_made_with(client, tina, north_team, at_now):
    client.force_login(tina)

    response = client.get("/dashboard/", {**PERIOD, "team": north_team.pk, "csv": "headline"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Period", "20 Jan 2026 to 16 Mar 2026 (dates chosen)"]
    assert rows[1] == ["Team", north_team.name]
    assert rows[2] == [] and rows[3][0] == "Measure"  # then the table, its header first
