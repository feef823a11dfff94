"""The national measures page: each NHS England measure for a month beside the local promise,
the engine's figures with small numbers suppressed, for everyone signed in.

The known set, in March 2026 (UK time), North team counted as a community mental health team
(A06) and a crisis team (A02):

* ten adults referred to North on Monday 2 March at 10:00, each first seen on 3 March; eight
  seen a second time on 9 March (day 7: within 4 weeks), two on 31 March (day 29: not within).
  Community wait to a second contact: 8 of 10, 80.0%, nobody still waiting.
* three very urgent referrals to the crisis team on 10 March, two seen face to face within
  4 hours: 2 of 3, both small numbers, so the page shows * for both and for the rate.
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from localities.models import Team
from referrals.models import Referral
from reporting.local_promise import LOCAL_PROMISE, local_response_24h
from reporting.measures import cmh_second_contact, crisis_very_urgent_4h, parse_period
from reporting.suppression import count, rate
from tests.factories import TeamFactory
from tests.reporting.conftest import page_tables, row
from tests.reporting.measures.cases import FACE_TO_FACE, contact, refer, uk

pytestmark = pytest.mark.django_db

URL = "/dashboard/national/"
MARCH = {"month": "2026-03"}
VIEWED_AT = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
CMH = "Community referrals with a second contact within 4 weeks"
VERY_URGENT = "Very urgent crisis referrals seen face to face within 4 hours"


@pytest.fixture
def community_team(north_team):
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


@pytest.fixture
def crisis_team(trust):
    return TeamFactory(name="Crisis team", organisation=trust, kind=Team.Kind.CRISIS, mhsds_team_type="A02")


def build_march(alice, community_team, crisis_team) -> list[Referral]:
    referrals = []
    for i in range(10):
        referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
        contact(referral, alice, uk(2026, 3, 3, 10))
        contact(referral, alice, uk(2026, 3, 9, 10) if i < 8 else uk(2026, 3, 31, 10))
        referrals.append(referral)
    for hours in (1, 3, 9):
        referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 10, 8), urgency=Referral.Urgency.VERY_URGENT)
        contact(referral, alice, uk(2026, 3, 10, 8) + timedelta(hours=hours), mechanism=FACE_TO_FACE)
        referrals.append(referral)
    return referrals


@pytest.fixture
def march(alice, community_team, crisis_team):
    return build_march(alice, community_team, crisis_team)


@pytest.fixture
def viewing():
    with time_machine.travel(VIEWED_AT, tick=False):
        yield VIEWED_AT


def test_the_page_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "bob", "tina", "sam", "charlie", "intake"])
def test_everyone_who_can_log_in_sees_the_national_figures_as_they_see_every_dashboard(
    client, request, who, march, viewing
):
    client.force_login(request.getfixturevalue(who))

    response = client.get(URL, MARCH)

    assert response.status_code == 200
    body = response.content.decode()
    assert "National measures" in body and "Our local promise" in body
    assert "Example" not in body  # aggregates only: nobody's name


def test_a_manager_sees_the_engines_figures_for_the_month(client, tina, march, viewing):
    client.force_login(tina)

    tables = page_tables(client.get(URL, MARCH))

    cmh = row(tables["national"], CMH)
    assert (cmh["Met"], cmh["Counted"], cmh["Rate"], cmh["Still waiting"]) == ("8", "10", "80.0%", "0")
    assert cmh["Period"] == "Mar 2026"
    # The same figures the engine gives, through the same suppression.
    result = cmh_second_contact(parse_period("2026-03", quarterly=False))
    assert cmh["Met"] == count(result.numerator).text
    assert cmh["Counted"] == count(result.denominator).text
    assert cmh["Rate"] == rate(result.numerator, result.denominator).text


def test_small_numbers_are_suppressed_on_the_page(client, tina, march, viewing):
    client.force_login(tina)

    tables = page_tables(client.get(URL, MARCH))

    crisis = row(tables["national"], VERY_URGENT)
    assert (crisis["Met"], crisis["Counted"], crisis["Rate"]) == ("*", "*", "*")
    result = crisis_very_urgent_4h(parse_period("2026-03", quarterly=False))
    assert (result.numerator, result.denominator) == (2, 3)  # the engine's, withheld on the page


def test_each_measure_says_how_it_is_counted_and_which_nhs_england_file_it_follows(client, tina, viewing):
    client.force_login(tina)

    body = client.get(URL, MARCH).content.decode()

    for code in ("cmh_second_contact", "referral_spell", "crisis_very_urgent_4h", "crisis_urgent_24h", "liaison_1h"):
        assert f'id="measure-{code}"' in body
    assert "4w_waits_prep.py" in body and "uec_prep.py" in body and "CMH Dashboard" in body
    assert "CCR117, CCR119" in body and "MRS01, MRS01a, MRS01b, MRS02" in body
    assert "joined per person when the next is received no more than 5 days" in body
    # The spell measure counts the quarter ending with the month.
    assert "Jan to Mar 2026 (quarter)" in body


def test_the_local_promise_sits_beside_them_marked_as_local(client, tina, march, viewing):
    client.force_login(tina)

    response = client.get(URL, MARCH)

    body = response.content.decode()
    assert 'id="measure-local_response_24h"' in body
    assert "Local measure" in body
    local = page_tables(response)["local"]
    assert local[1][0].startswith("Local promise")
    assert not [r for r in page_tables(response)["national"] if r[0].startswith("Local promise")]
    result = local_response_24h(parse_period("2026-03", quarterly=False))
    assert local[1][2:5] == [
        count(result.numerator).text,
        count(result.denominator).text,
        rate(result.numerator, result.denominator).text,
    ]


def test_the_local_promise_counts_first_responses_stopped_in_the_month_by_their_due_time(alice, march, viewing):
    result = local_response_24h(parse_period("2026-03", quarterly=False))

    # Ten routine referrals first seen exactly 24 hours later (due then: met), three very urgent
    # seen after 1, 3 and 9 hours (4-hour target: two met).
    assert (result.numerator, result.denominator, result.still_waiting) == (12, 13, 0)


@pytest.mark.parametrize("month", ["2026-02", "2026-03", "2026-04"])
def test_the_local_promise_figures_counted_in_the_database_are_those_of_its_rows(
    alice, community_team, march, viewing, month
):
    """The page and the figures API count the local promise in the database (issue 17); they
    count what its rows count: met, stopped in the month, and running at its end."""
    late = refer(by=alice, team=community_team, at=uk(2026, 3, 30, 10))  # seen in April, 2 days on
    contact(late, alice, uk(2026, 4, 1, 10))
    refer(by=alice, team=community_team, at=uk(2026, 3, 31, 9))  # never seen: waiting from March
    period = parse_period(month, quarterly=False)
    rows = local_response_24h(period)

    with CaptureQueriesContext(connection) as captured:
        figures = LOCAL_PROMISE.figures(period)

    assert len(captured.captured_queries) == 1
    assert figures.rows == []
    assert (figures.numerator, figures.denominator, figures.still_waiting) == (
        rows.numerator,
        rows.denominator,
        rows.still_waiting,
    )
    if month != "2026-02":
        assert rows.denominator and rows.still_waiting  # the cases are there to count


def test_the_last_whole_month_is_shown_unless_another_is_chosen(client, tina, viewing):
    client.force_login(tina)

    response = client.get(URL)

    assert response.status_code == 200
    assert '<option value="2026-03" selected>March 2026</option>' in response.content.decode()


def test_a_month_not_on_the_list_is_reported_not_guessed(client, tina, viewing):
    client.force_login(tina)

    response = client.get(URL, {"month": "1999-01"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "Choose a month from the list." in body
    assert '<option value="2026-03" selected>' in body


def test_the_table_downloads_as_the_page_shows_it(client, tina, march, viewing):
    client.force_login(tina)

    response = client.get(URL, {**MARCH, "csv": "national"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="national-national-2026-03.csv"'
    assert "80.0%" in response.content.decode("utf-8-sig")


def test_a_downloaded_table_says_which_month_it_counted(client, tina, march, viewing):
    client.force_login(tina)

    rows = list(csv.reader(io.StringIO(client.get(URL, {**MARCH, "csv": "national"}).content.decode("utf-8-sig"))))

    assert rows[0][0] == "Month" and "March 2026" in rows[0][1]
    assert rows[1] == ["Referral-spell measures count", "the quarter ending with this month"]
    assert rows[2][0] == "Made"
    assert rows[3] == []  # then the table, as the page shows it


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, MARCH).status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_data(client, tina, alice, community_team, crisis_team):
    with time_machine.travel(VIEWED_AT, tick=False):
        client.force_login(tina)
        small = _queries(client)
    build_march(alice, community_team, crisis_team)
    with time_machine.travel(VIEWED_AT, tick=False):
        assert _queries(client) == small


def test_a_quarter_across_the_new_year_names_both_years(client, tina, viewing):
    client.force_login(tina)

    body = client.get(URL, {"month": "2026-02"}).content.decode()

    assert "Dec 2025 to Feb 2026 (quarter)" in body


def test_each_measure_links_to_its_records_download_for_the_referrals_the_user_may_open(
    client, tina, charlie, march, viewing
):
    client.force_login(tina)
    body = client.get(URL, MARCH).content.decode()
    link = "/api/v1/measures/cmh_second_contact/records/?period=2026-03&amp;format=csv"
    assert link in body

    mine = client.get(link.replace("&amp;", "&"))
    client.force_login(charlie)
    theirs = client.get(link.replace("&amp;", "&"))

    assert mine.status_code == theirs.status_code == 200
    assert len(mine.content.decode("utf-8-sig").splitlines()) == 1 + 10  # North's ten referrals
    assert len(theirs.content.decode("utf-8-sig").splitlines()) == 1  # none of South's


def test_the_two_crisis_measures_read_the_months_crisis_referrals_once_on_the_page(alice, march, crisis_team):
    """Inside ``shared_month_reads`` (the national page) the very urgent and the urgent measure
    share one read of March's crisis referrals, and count exactly what each counts alone."""
    from reporting.measures import crisis_urgent_24h, shared_month_reads

    urgent = refer(by=alice, team=crisis_team, at=uk(2026, 3, 11, 8), urgency=Referral.Urgency.URGENT)
    contact(urgent, alice, uk(2026, 3, 11, 20), mechanism=FACE_TO_FACE)
    period = parse_period("2026-03", quarterly=False)
    alone = [crisis_very_urgent_4h(period), crisis_urgent_24h(period)]

    with shared_month_reads(), CaptureQueriesContext(connection) as captured:
        shared = [crisis_very_urgent_4h(period), crisis_urgent_24h(period)]

    assert len(captured.captured_queries) == 1
    assert shared == alone
    assert [(r.numerator, r.denominator) for r in shared] == [(2, 3), (1, 1)]


def test_outside_the_page_each_crisis_measure_reads_the_records_afresh(alice, march, crisis_team):
    period = parse_period("2026-03", quarterly=False)
    before = crisis_very_urgent_4h(period)
    refer(by=alice, team=crisis_team, at=uk(2026, 3, 12, 8), urgency=Referral.Urgency.VERY_URGENT)

    after = crisis_very_urgent_4h(period)

    assert (before.denominator, after.denominator) == (3, 4)


def test_every_measure_is_read_in_exactly_one_piece_of_the_pages_work():
    from reporting.national import ALL_MEASURES, PIECES

    codes = [code for piece in PIECES for code in piece]
    assert sorted(codes) == sorted(ALL_MEASURES)


@pytest.mark.django_db(transaction=True)
def test_the_page_shares_its_reads_between_two_connections_and_shows_what_one_would(alice, community_team, crisis_team):
    """Committed records (another connection cannot see a test's own): the page reads its
    measures on two connections side by side (common.snapshot), with the same figures as one
    connection reading them one after the other (as it does inside a transaction)."""
    from django.db import transaction

    from reporting.national import national_page

    build_march(alice, community_team, crisis_team)

    with CaptureQueriesContext(connection) as on_this_connection:
        shared = national_page(month="2026-03")
    with transaction.atomic(), CaptureQueriesContext(connection) as one_after_the_other:
        alone = national_page(month="2026-03")

    assert [(m.measure.code, m.figures) for m in shared.measures] == [
        (m.measure.code, m.figures) for m in alone.measures
    ]
    cmh = next(m.figures for m in shared.measures if m.measure.code == "cmh_second_contact")
    assert (cmh.numerator.text, cmh.denominator.text) == ("8", "10")
    # The page offered its snapshot to the helper's connection; inside a transaction it did not.
    assert any("pg_export_snapshot" in q["sql"] for q in on_this_connection.captured_queries)
    assert not any("pg_export_snapshot" in q["sql"] for q in one_after_the_other.captured_queries)
