"""Breaches: every clock past its due time in the period, how far over, where, and escalated or not."""

from dataclasses import asdict
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from referrals.models import Clock, Referral
from referrals.services import clock_pause, referral_redirect
from referrals.services.alerts import clocks_sweep
from reporting import breaches
from reporting.facts import facts_catch_up
from reporting.filters import Filters
from reporting.models import DailyEqualityRollup, WeeklyRollup
from reporting.percentiles import reporting_reads
from reporting.periods import Period
from reporting.rebuild import facts_rebuild
from tests.factories import make_referral
from tests.reporting.conftest import NOW, PERIOD, T0, contact, csv_table, page_tables, row

pytestmark = pytest.mark.django_db

URL = "/dashboard/breaches/"
FR = Clock.Kind.FIRST_RESPONSE
BREAKDOWNS = ("by_kind", "by_team", "by_source")


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


# --- counts from the daily rollup across the service (issue 17) --------------------------------


def _as_dicts(totals) -> dict:
    return {name: {key: asdict(c) for key, c in getattr(totals, name).items()} for name in BREAKDOWNS}


def _counts_both_ways(period: Period, now, filters: Filters | None = None) -> tuple[dict, dict]:
    """The page's counts (from the daily rollup with no filter set, the weekly cells with filters)
    and the same counted over the clocks."""
    filters = filters or Filters()
    with reporting_reads():
        page = breaches.breach_counts(period=period, filters=filters, now=now)
        direct = breaches.BreachTotals()
        clocks = breaches.due_in_period(period=period, filters=filters, now=now)
        breaches._count_from_clocks(direct, clocks, now=now, due=True)
    return _as_dicts(page), _as_dicts(direct)


def _mixed_service(service, alice, tina, south_team, south_practice):
    """The hand-made service, plus: one referral redirected to South; an urgent self-referral
    to South ten days ago, never seen (a breach still running); another whose treatment clock
    was paused before it fell due; and one received 30 hours before NOW, so its first response
    fell due at 06:00 today and is running late."""
    referral_redirect(
        referral=service.referrals[4], by=alice, now=NOW - timedelta(days=2), to_team=south_team, note="South.",
        person_informed=True,
    )  # fmt: skip
    never_seen = make_referral(
        by=alice, received_at=NOW - timedelta(days=10), now=NOW - timedelta(days=10), practice=south_practice,
        source=Referral.Source.SELF, urgency=Referral.Urgency.URGENT,
    )  # fmt: skip
    paused = make_referral(
        by=alice, received_at=NOW - timedelta(days=20), now=NOW - timedelta(days=20), practice=south_practice,
        source=Referral.Source.VCSE,
    )  # fmt: skip
    contact(paused, alice, NOW - timedelta(days=20) + timedelta(hours=3))
    treatment = Clock.objects.get(referral=paused, kind=Clock.Kind.TREATMENT, is_current=True)
    clock_pause(clock=treatment, by=tina, now=NOW - timedelta(days=5), reason="Person in hospital")
    make_referral(
        by=alice, received_at=NOW - timedelta(hours=30), now=NOW - timedelta(hours=30), practice=south_practice
    )
    return never_seen


PERIODS = [
    Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16)),  # up to today
    Period(first_day=date(2026, 1, 25), last_day=date(2026, 3, 11)),  # mid-week to mid-week, all past
    Period(first_day=date(2026, 3, 16), last_day=date(2026, 3, 16)),  # today alone
    Period(first_day=date(2026, 2, 23), last_day=date(2026, 3, 10)),  # North's late treatments, none due
    Period(first_day=date(2025, 6, 1), last_day=date(2025, 6, 30)),  # nothing due
]


def test_breach_counts_across_the_service_read_from_the_rollup_equal_the_clocks_own(
    service, alice, tina, south_team, south_practice
):
    _mixed_service(service, alice, tina, south_team, south_practice)
    facts_rebuild(now=NOW)

    for now in (NOW, NOW + timedelta(hours=5)):  # at 17:00, referral 13's first response is due too
        for period in PERIODS:
            page, direct = _counts_both_ways(period, now)
            assert page == direct, (period, now)
    page, _ = _counts_both_ways(PERIODS[0], NOW)
    # Not a comparison of empties: both teams, four sources, breaches stopped late and running.
    assert {team for team, _ in page["by_team"]} == {service.referrals[0].team_id, south_team.pk}
    assert {source for source, _ in page["by_source"]} == {"gp", "self", "vcse"}
    assert page["by_kind"][FR]["breached"] >= 4 and page["by_kind"][FR]["still_open"] == 2


# Periods that cut the weeks in which clocks fell due (T0's first responses on Monday 26 January; the
# paused referral came in on Tuesday 24 February), or hold them whole.
CUTTING_WEEKS = [
    Period(first_day=date(2026, 1, 27), last_day=date(2026, 3, 16)),  # from the day after, to today
    Period(first_day=date(2026, 1, 21), last_day=date(2026, 2, 1)),  # Wednesday to the Sunday after next
    Period(first_day=date(2026, 1, 26), last_day=date(2026, 1, 28)),  # no whole week
    Period(first_day=date(2026, 3, 4), last_day=date(2026, 3, 10)),  # Wednesday to Tuesday
    Period(first_day=date(2026, 2, 16), last_day=date(2026, 2, 24)),  # to the Tuesday the paused one came in
]


def _filters(service, south_team) -> list[Filters]:
    """One source, one urgency, one team, one locality, two filters, and a source none holds."""
    north = service.referrals[0]
    return [
        Filters(source="self"),
        Filters(urgency="routine"),
        Filters(team_id=south_team.pk),
        Filters(locality_id=north.locality_id),
        Filters(source="gp", urgency="routine"),
        Filters(team_id=south_team.pk, source="self"),
        Filters(source="police"),
    ]


def test_breach_counts_with_filters_read_from_the_weekly_cells_equal_the_clocks_own(
    service, alice, tina, south_team, south_practice
):
    """Whole past weeks from the weekly cells, the days outside them and today from the clocks:
    periods from mid-week to mid-week, holding no whole week, up to today, and today alone."""
    _mixed_service(service, alice, tina, south_team, south_practice)
    facts_rebuild(now=NOW)

    for filters in _filters(service, south_team):
        for now in (NOW, NOW + timedelta(hours=5)):
            for period in [*PERIODS, *CUTTING_WEEKS]:
                page, direct = _counts_both_ways(period, now, filters)
                assert page == direct, (filters, period, now)
    page, _ = _counts_both_ways(PERIODS[0], NOW, Filters(source="self"))
    assert page["by_kind"][FR]["breached"] >= 1 and page["by_kind"][FR]["still_open"] >= 1  # not empties


def test_the_rollup_counts_stay_exact_as_a_running_breach_is_seen_late(
    service, alice, tina, south_team, south_practice
):
    never_seen = _mixed_service(service, alice, tina, south_team, south_practice)
    facts_rebuild(now=NOW)
    before, _ = _counts_both_ways(PERIODS[0], NOW + timedelta(hours=1))

    contact(never_seen, alice, NOW + timedelta(minutes=30))  # seen at last: late, but no longer running
    assert facts_catch_up(now=NOW + timedelta(hours=1)) > 0

    after, direct = _counts_both_ways(PERIODS[0], NOW + timedelta(hours=1))
    assert after == direct
    for filters in _filters(service, south_team):  # the weekly cells moved as the daily rollup did
        assert (
            _counts_both_ways(PERIODS[0], NOW + timedelta(hours=1), filters)[0]
            == _counts_both_ways(PERIODS[0], NOW + timedelta(hours=1), filters)[1]
        ), filters
    assert after["by_kind"][FR]["breached"] == before["by_kind"][FR]["breached"]  # a breach stays a breach
    assert after["by_kind"][FR]["still_open"] == before["by_kind"][FR]["still_open"] - 1


def test_the_breaches_page_with_a_filter_counts_whole_weeks_from_the_weekly_cells(client, tina, service, at_now):
    """Shown by changing a stored weekly cell: the page for GP referrals moves with it for a
    period that holds its week whole, and not for one that holds only part of it."""
    facts_rebuild(now=NOW)
    client.force_login(tina)
    week = date(2026, 1, 26)  # T0's first responses fell due on Monday 26 January
    changed = WeeklyRollup.objects.filter(week=week, kind=FR, source="gp", due__gt=0).update(due=F("due") + 100)
    assert changed == 1

    holding = page_tables(client.get(URL, {**PERIOD, "source": "gp"}))  # 20 January to 16 March
    part = page_tables(
        client.get(URL, {**PERIOD, "from-day": "28", "from-month": "1", "from-year": "2026", "source": "gp"})
    )

    assert row(holding["summary"], "First response")["Clocks due"] == "112"
    assert row(part["summary"], "First response")["Clocks due"] == "0"  # all fell due on the 26th, before it


def test_the_breaches_page_across_the_service_counts_from_the_daily_rollup(client, tina, service, at_now):
    """Shown by changing a stored rollup cell: the page's figure moves with it (no filter set),
    and does not with a filter set, which counts from the weekly cells."""
    facts_rebuild(now=NOW)
    client.force_login(tina)
    DailyEqualityRollup.objects.filter(dimension="source", value="gp", kind=FR, due__gt=0).update(due=F("due") + 100)

    whole = page_tables(client.get(URL, PERIOD))
    filtered = page_tables(client.get(URL, {**PERIOD, "source": "gp"}))

    assert row(whole["summary"], "First response")["Clocks due"] == "112"
    assert row(whole["by-source"], "GP or primary care")["Clocks due"] == "112"
    assert row(filtered["summary"], "First response")["Clocks due"] == "12"


def test_a_reader_who_may_not_open_records_has_no_breach_listed_nor_counted_and_no_query_run(sam, tina, service):
    """A service manager sees the breaches page's figures, not its records: the list is empty and
    its count 0 without asking the database, while a team's manager has breaches to count."""
    facts_catch_up(now=NOW)
    period = Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16))
    with CaptureQueriesContext(connection) as captured:
        count = breaches.visible_breach_count(user=sam, period=period, filters=Filters(), now=NOW)
        listed = list(breaches.visible_breaches(user=sam, period=period, filters=Filters(), now=NOW))
    assert (count, listed, captured.captured_queries) == (0, [], [])
    assert breaches.visible_breach_count(user=tina, period=period, filters=Filters(), now=NOW) > 0


def test_a_team_readers_breach_count_is_read_from_the_late_clocks_index_alone(tina, service):
    """The list's count meets every breach of the period with the reader's visible ids; the
    clocks' side is read from ``clockfact_late_due_idx`` (clocks not stopped, or stopped late, with
    their referral) alone, not from every clock row (263 -> 34 ms at a million referrals,
    docs/performance.md). PostgreSQL would scan a test's few rows, so scans of the table are priced
    out to show the index answers alone; the count is the list's."""
    facts_catch_up(now=NOW)
    period = Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16))
    with CaptureQueriesContext(connection) as captured:
        count = breaches.visible_breach_count(user=tina, period=period, filters=Filters(), now=NOW)
    listed = breaches.visible_breaches(user=tina, period=period, filters=Filters(), now=NOW).count()
    (statement,) = [q["sql"] for q in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Only Scan using clockfact_late_due_idx" in plan, plan
    assert count == listed > 0
