"""Breaches: every clock past its due time in the period, how far over, where, and escalated or not."""

from datetime import timedelta

import pytest

from referrals.services.alerts import clocks_sweep
from tests.factories import make_referral
from tests.reporting.conftest import NOW, PERIOD, T0, contact, csv_table, page_tables, row

pytestmark = pytest.mark.django_db

URL = "/dashboard/breaches/"


def test_breach_counts_by_clock_team_and_source(client, tina, service, at_now):
    """Due and passed in the period: referrals 1 to 12 on both clocks. Breached: first response of
    10 (30 hours) and of 11 and 12 (closed after 3 days, never seen); treatment of 9 and 10."""
    client.force_login(tina)

    tables = page_tables(client.get(URL, PERIOD))

    assert row(tables["summary"], "First response") == {
        "Clock": "First response",
        "Clocks due": "12",
        "Breached": "*",
        "Breached (%)": "*",
        "Still running": "0",
    }
    assert row(tables["summary"], "Treatment (4-week wait)")["Breached"] == "*"
    by_team = tables["by-team"]
    assert by_team[1][:3] == ["North IPCT", "First response", "12"]
    assert row(tables["by-source"], "GP or primary care")["Clocks due"] == "12"


def test_the_list_says_how_long_over_and_where(client, tina, service, at_now):
    client.force_login(tina)

    listed = page_tables(client.get(URL, PERIOD))["list"]

    header, rows = listed[0], listed[1:]
    assert header == ["Referral", "Clock", "Urgency", "Source", "Team", "Due", "Stopped", "Over by", "Escalated"]
    over = {(r[0], r[1]): r[7] for r in rows}
    refs = [r.reference for r in service.referrals]
    assert over == {
        (refs[8], "Treatment (4-week wait)"): "2.0 days",
        (refs[9], "Treatment (4-week wait)"): "12.0 days",
        (refs[9], "First response"): "6.0 hours",
        (refs[10], "First response"): "48.0 hours",
        (refs[11], "First response"): "48.0 hours",
    }
    assert {r[4] for r in rows} == {"North IPCT"}
    assert {r[8] for r in rows} == {"No"}


def test_an_escalated_breach_says_to_whom(client, tina, alice, north_team, north_practice, at_now):
    """A routine referral seen after 30 hours: the sweep at 29 hours had raised the breach and,
    4 hours after it, the escalation to the team manager."""
    referral = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice)
    clocks_sweep(now=T0 + timedelta(hours=29))
    contact(referral, alice, T0 + timedelta(hours=30))
    client.force_login(tina)

    listed = page_tables(client.get(URL, PERIOD))["list"]

    first_response = [r for r in listed if r[0] == referral.reference and r[1] == "First response"][0]
    treatment = [r for r in listed if r[0] == referral.reference and r[1] == "Treatment (4-week wait)"][0]
    assert (first_response[7], first_response[8]) == ("6.0 hours", "To the team manager")
    assert treatment[8] == "No"  # never seen again: breached at 28 days, but no sweep ran after that


def test_the_breach_list_csv_has_every_row_shown(client, tina, service, at_now):
    client.force_login(tina)
    tables = page_tables(client.get(URL, PERIOD))

    for key in ("summary", "by-team", "by-source", "list", "chart-by-team"):
        assert csv_table(client, URL, PERIOD, key) == tables[key], key


def test_the_list_is_paged_and_the_download_has_every_page(client, tina, alice, north_team, north_practice, at_now):
    for _ in range(55):  # 55 referrals never seen: 110 breaches, both clocks each
        make_referral(by=alice, received_at=T0, now=T0, practice=north_practice)
    client.force_login(tina)

    first = page_tables(client.get(URL, PERIOD))["list"]
    last = page_tables(client.get(URL, {**PERIOD, "page": "3"}))["list"]
    download = csv_table(client, URL, {**PERIOD, "page": "3"}, "list")

    assert len(first) - 1 == 50 and len(last) - 1 == 10
    assert len(download) - 1 == 110


def test_other_teams_see_counts_but_no_one_elses_breaches(client, charlie, sam, service, at_now):
    client.force_login(charlie)
    tables = page_tables(client.get(URL, PERIOD))
    assert row(tables["summary"], "First response")["Clocks due"] == "12"
    assert len(tables["list"]) == 0

    client.force_login(sam)
    response = client.get(URL, PERIOD)
    assert "list" not in page_tables(response)
    assert all(r.reference not in response.content.decode() for r in service.referrals)


def test_breaches_due_after_now_are_not_breaches_yet(client, tina, service):
    """Referral 13's first response is due at NOW + 4 hours: not a breach at NOW..."""
    import time_machine

    client.force_login(tina)
    with time_machine.travel(NOW, tick=False):
        before = row(page_tables(client.get(URL, {"period": "4w"}))["summary"], "First response")
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        after = row(page_tables(client.get(URL, {"period": "4w"}))["summary"], "First response")

    assert (before["Clocks due"], before["Breached"], before["Still running"]) == ("0", "0", "0")
    # ...and at NOW + 5 hours it is due, breached and still running (one of each: small numbers).
    assert (after["Clocks due"], after["Breached"], after["Still running"]) == ("*", "*", "*")
