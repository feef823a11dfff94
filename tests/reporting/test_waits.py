"""The waits dashboard computes each measure right, on the page and in the CSV alike.

The service (conftest.py) is small enough to work out by hand; the expected figures are
written out there.
"""

from urllib.parse import urlencode

import pytest

from tests.reporting.conftest import PERIOD, csv_table, page_tables, row

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def test_dashboard_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_headline_figures_are_the_hand_worked_ones(client, alice, service, at_now):
    client.force_login(alice)

    response = client.get(URL, PERIOD)

    assert response.status_code == 200
    tables = page_tables(response)
    headline = tables["headline"]
    assert row(headline, "Completed waits") == {
        "Measure": "Completed waits",
        "First response": "10",
        "Treatment (4-week wait)": "10",
    }
    assert row(headline, "Within target (%)")["First response"] == "90.0%"
    assert row(headline, "Within target (%)")["Treatment (4-week wait)"] == "80.0%"
    assert row(headline, "Median wait")["First response"] == "5.5 hours"
    assert row(headline, "90th centile wait")["First response"] == "11.1 hours"
    assert row(headline, "Median wait")["Treatment (4-week wait)"] == "19.0 days"
    assert row(headline, "90th centile wait")["Treatment (4-week wait)"] == "31.0 days"
    assert row(tables["received"], "20 Jan 2026 to 16 Mar 2026")["Referrals"] == "13"


def test_small_counts_are_suppressed_and_zero_is_shown(client, alice, service, at_now):
    client.force_login(alice)

    headline = page_tables(client.get(URL, PERIOD))["headline"]

    # Two referrals closed before any contact: 2 is a small number.
    assert row(headline, "Ended without a wait: referral ended first")["First response"] == "*"
    assert row(headline, "Ended without a wait: restarted")["First response"] == "0"
    # Referral 13 is 20 hours into its 24: open and at risk, one of each.
    assert row(headline, "Open now")["First response"] == "*"
    assert row(headline, "At risk now (past 75% of target)")["First response"] == "*"
    assert row(headline, "Breached now")["Treatment (4-week wait)"] == "0"


def test_a_rate_from_a_small_count_is_withheld(client, alice, service, at_now):
    """In the last 4 weeks (from 17 February) three treatment clocks stopped, at 24, 30 and 40
    days: 1 of 3 within 4 weeks is withheld, as both are small numbers. No first response
    completed: nothing to measure, shown as a dash."""
    client.force_login(alice)

    tables = page_tables(client.get(URL, {"period": "4w"}))

    headline = tables["headline"]
    assert row(headline, "Completed waits")["Treatment (4-week wait)"] == "*"
    assert row(headline, "Within target")["Treatment (4-week wait)"] == "*"
    assert row(headline, "Within target (%)")["Treatment (4-week wait)"] == "*"
    assert row(headline, "Median wait")["Treatment (4-week wait)"] == "*"
    assert row(headline, "Completed waits")["First response"] == "0"
    assert row(headline, "Within target (%)")["First response"] == "–"
    assert row(tables["received"], tables["received"][1][0])["Referrals"] == "*"  # referral 13 alone


def test_the_csv_is_exactly_the_table_on_the_page(client, alice, service, at_now):
    client.force_login(alice)
    tables = page_tables(client.get(URL, PERIOD))

    for key in ("received", "headline", "longest", "trend-wait-first-response", "trend-received"):
        assert csv_table(client, URL, PERIOD, key) == tables[key], key


def test_weekly_trend_has_the_centiles_of_each_week(client, alice, service, at_now):
    """Nine first responses (1 to 9 hours) stopped in the week of 19 January: median 5.0 hours,
    90th centile 8 + 0.2 x 1 = 8.2 hours. The tenth (30 hours) stopped the week after: alone, withheld."""
    client.force_login(alice)

    tables = page_tables(client.get(URL, PERIOD))

    trend = tables["trend-wait-first-response"]
    assert row(trend, "19 Jan 2026") == {"Week beginning": "19 Jan 2026", "Median": "5.0", "90th centile": "8.2"}
    assert row(trend, "26 Jan 2026") == {"Week beginning": "26 Jan 2026", "Median": "*", "90th centile": "*"}
    received = tables["trend-received"]
    assert row(received, "19 Jan 2026")["Referrals received"] == "12"
    assert row(received, "2 Mar 2026")["Referrals received"] == "0"


def test_weekly_open_at_risk_and_breached_are_counted_at_each_weeks_end(client, alice, service, at_now):
    """At the end of the week of 19 January (midnight, Sunday 25 January) all twelve referrals of T0
    were twelve hours old: none had a second contact, so twelve treatment clocks were open, none at
    risk. By the end of 16 February's week, ten clocks had stopped (or closed); the two closed
    referrals' clocks stopped at T0 + 3 days."""
    client.force_login(alice)

    trend = page_tables(client.get(URL, PERIOD))["trend-open-treatment"]

    assert row(trend, "19 Jan 2026") == {"Week beginning": "19 Jan 2026", "Open": "12", "At risk": "0", "Breached": "0"}
    # Week of 16 February ends 23 February = T0 + 29 days: the 30- and 40-day ones are open and breached.
    assert row(trend, "16 Feb 2026") == {"Week beginning": "16 Feb 2026", "Open": "*", "At risk": "0", "Breached": "*"}
    assert row(trend, "9 Mar 2026")["Open"] == "*"  # referral 13, received Sunday 15 March


def test_filters_narrow_the_figures(client, alice, service, at_now, south_team):
    client.force_login(alice)

    tables = page_tables(client.get(URL, {**PERIOD, "team": south_team.pk}))

    assert row(tables["headline"], "Completed waits")["First response"] == "0"
    assert row(tables["received"], "20 Jan 2026 to 16 Mar 2026")["Referrals"] == "0"


def test_the_longest_waits_link_to_referrals_the_user_can_open(client, alice, service, at_now):
    client.force_login(alice)

    response = client.get(URL, PERIOD)

    longest = page_tables(response)["longest"]
    assert longest[1][0] == service.referrals[12].reference  # the only running clocks are referral 13's
    assert f'href="/referrals/{service.referrals[12].pk}/"' in response.content.decode()


def test_someone_in_another_team_sees_the_aggregates_but_none_of_the_referrals(client, charlie, service, at_now):
    client.force_login(charlie)

    response = client.get(URL, PERIOD)

    tables = page_tables(response)
    assert row(tables["headline"], "Completed waits")["First response"] == "10"
    assert len(tables["longest"]) == 0  # the table is replaced by "No running clocks..."
    assert service.referrals[12].reference not in response.content.decode()


def test_a_service_manager_sees_aggregates_only(client, sam, service, at_now):
    client.force_login(sam)

    response = client.get(URL, PERIOD)

    tables = page_tables(response)
    assert "longest" not in tables
    assert "Lists of individual referrals are for the teams who hold them." in response.content.decode()
    assert all(r.reference not in response.content.decode() for r in service.referrals)


def test_the_page_says_what_starts_and_stops_each_clock(client, alice, at_now):
    client.force_login(alice)

    body = client.get(URL).content.decode()

    assert "Stops at the first completed contact" in body
    assert "second completed contact" in body
    assert "percentile_cont" in body
    assert "shown as <strong>*</strong>" in body


def test_a_bad_date_is_reported_and_no_figures_are_drawn(client, alice, at_now):
    client.force_login(alice)

    response = client.get(URL, {"from-day": "31", "from-month": "2", "from-year": "2026"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter a real date." in body
    # Not the last 13 weeks instead: figures for a period nobody asked for would mislead.
    assert "16 Dec 2025 to 16 Mar 2026" not in body and "No figures shown: correct the period" in body


def test_an_unknown_table_cannot_be_downloaded(client, alice, at_now):
    client.force_login(alice)

    assert client.get(URL + "?" + urlencode({"csv": "nope"})).status_code == 404


# --- the period's completed waits from the daily rollup (issue 17) ----------------------------


def _urgent_self_referrals_seen(by, practice, seen: list[tuple[int, int]]) -> None:
    """Urgent self-referrals from ``practice``, one per (days ago received, hours until first seen)."""
    from datetime import timedelta

    from referrals.models import Referral
    from tests.factories import make_referral
    from tests.reporting.conftest import NOW, contact

    for days_ago, hours in seen:
        received = NOW - timedelta(days=days_ago)
        referral = make_referral(
            by=by, received_at=received, now=received, practice=practice, source=Referral.Source.SELF,
            urgency=Referral.Urgency.URGENT,
        )  # fmt: skip
        contact(referral, by, received + timedelta(hours=hours))


def _completed_both_ways(period, filters):
    """The page's figures (from the rollup where it can), and the same computed over the clocks."""
    from dataclasses import asdict

    from reporting import percentiles, waits
    from reporting.models import ClockFact, ReferralFact

    with percentiles.reporting_reads():
        page = {
            kind: asdict(stats) for kind, stats in waits.completed_in_period(period=period, filters=filters).items()
        }
        received = waits.received_in_period(period=period, filters=filters)
        stopped = ClockFact.objects.filter(filters.q(), stopped_at__gte=period.start, stopped_at__lt=period.end)
        direct = percentiles.split(stopped, column="kind", groups=waits.KINDS, value="wait_seconds")
        direct_received = ReferralFact.objects.filter(
            filters.q(), received_at__gte=period.start, received_at__lt=period.end
        ).count()
    return page, direct, received, direct_received


def test_a_periods_completed_waits_read_from_the_daily_rollup_equal_the_clocks_own(
    service, north, alice, north_team, south_team, south_practice
):
    """With no filter or any one filter set (a locality, a team, a service, a source, an urgency)."""
    from datetime import date, timedelta

    from referrals.models import Referral
    from referrals.services import referral_redirect
    from reporting.filters import Filters
    from reporting.periods import Period
    from reporting.rebuild import facts_rebuild
    from tests.reporting.conftest import NOW

    referral_redirect(
        referral=service.referrals[3], by=alice, now=NOW - timedelta(days=1), to_team=south_team, note="South.",
        person_informed=True,
    )  # fmt: skip
    # Urgent self-referrals to South, received 12 days ago and seen after 2, 7 and 40 hours.
    _urgent_self_referrals_seen(alice, south_practice, [(12, 2), (12, 7), (12, 40)])
    facts_rebuild(now=NOW)
    periods = [Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16)), Period(
        first_day=date(2026, 1, 25), last_day=date(2026, 2, 18))]  # fmt: skip
    single_filters = [
        Filters(),
        Filters(locality_id=north.pk),
        Filters(team_id=north_team.pk),
        Filters(team_id=south_team.pk),
        Filters(service=north_team.kind),
        Filters(source=Referral.Source.SELF),
        Filters(urgency=Referral.Urgency.ROUTINE),
    ]
    for period in periods:
        for filters in single_filters:
            page, direct, received, direct_received = _completed_both_ways(period, filters)
            assert received == direct_received, filters
            for kind, group in direct.items():
                assert page[kind]["counted"] == group.n, filters
                assert [page[kind]["p50"], page[kind]["p90"]] == group.centiles, filters
    # A filter narrows: South's self-referrals are three first responses of the whole period's.
    page, _, _, _ = _completed_both_ways(periods[0], Filters(source=Referral.Source.SELF))
    assert page["first_response"]["counted"] == 3 and page["first_response"]["p50"] == 7 * 3600
    # Both kinds have waits to compare in the whole period, so the comparison is not of empties.
    page, direct, _, _ = _completed_both_ways(periods[0], Filters())
    assert all(group.n > 3 for group in direct.values())


def test_the_waits_page_for_one_team_counts_received_from_the_daily_rollup(client, alice, north_team, service, at_now):
    """Shown by changing the stored cells: with one filter set (here a team) the figure moves with
    them; with two set it is counted from the reporting rows and does not."""
    from django.db.models import F

    from reporting.models import DailyEqualityRollup
    from reporting.rebuild import facts_rebuild
    from tests.reporting.conftest import NOW, PERIOD, page_tables, row

    facts_rebuild(now=NOW)
    client.force_login(alice)
    changed = DailyEqualityRollup.objects.filter(dimension="team_id", value=str(north_team.pk), kind="referral").update(
        received=F("received") + 50
    )

    one = page_tables(client.get(URL, {**PERIOD, "team": north_team.pk}))
    two = page_tables(client.get(URL, {**PERIOD, "team": north_team.pk, "urgency": "routine"}))

    assert changed == 2  # the days of T0 and of referral 13
    assert row(one["received"], "20 Jan 2026 to 16 Mar 2026")["Referrals"] == "113"
    assert row(two["received"], "20 Jan 2026 to 16 Mar 2026")["Referrals"] == "13"


def test_with_two_filters_the_periods_and_each_weeks_centiles_are_the_clocks_own(
    service, north, alice, north_team, south_practice
):
    """The rollup keeps no cells for two filters together: the page then reads each day's sorted
    waits in one statement and works out the period's and every week's centiles from them. They are
    what percentile_cont over the matching clocks gives, week by week and over the period."""
    from datetime import date

    from django.db.models import Q

    from referrals.models import Referral
    from reporting import percentiles, waits
    from reporting.filters import Filters
    from reporting.models import ClockFact
    from reporting.periods import Period, week_end, week_start
    from reporting.rebuild import facts_rebuild
    from tests.reporting.conftest import NOW

    _urgent_self_referrals_seen(alice, south_practice, [(12, 2), (12, 7), (16, 40), (30, 3), (30, 11)])
    facts_rebuild(now=NOW)
    period = Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16))
    weeks = period.trend_weeks(NOW)
    checked = 0
    for filters in (
        Filters(source=Referral.Source.SELF, urgency=Referral.Urgency.URGENT),
        Filters(locality_id=north.pk, team_id=north_team.pk),
        Filters(locality_id=north.pk, urgency=Referral.Urgency.ROUTINE, service=north_team.kind),
    ):
        with percentiles.reporting_reads():
            live = waits.live_days_for(period=period, filters=filters, now=NOW)
            assert live is not None, "two or more filters are read day by day"
            page = waits.completed_in_period(period=period, filters=filters, live=live)
            trend = {row.week: row for row in waits.weekly(period=period, filters=filters, now=NOW, live=live)}
            stopped = ClockFact.objects.filter(filters.q(), stopped_at__gte=period.start, stopped_at__lt=period.end)
            direct = percentiles.split(
                stopped, column="kind", groups=waits.KINDS, value="wait_seconds", extra={"met": Q(met=True)}
            )
            by_week = percentiles.grouped(
                ClockFact.objects.filter(
                    filters.q(), stopped_at__gte=week_start(weeks[0]), stopped_at__lt=week_end(weeks[-1])
                ),
                by=["stopped_week", "kind"],
                value="wait_seconds",
            )
        for kind, group in direct.items():
            assert (page[kind].counted, page[kind].met) == (group.n, group.extra["met"]), (filters, kind)
            assert [page[kind].p50, page[kind].p90] == group.centiles, (filters, kind)
        for (week, kind), group in by_week.items():
            if group.n:
                assert trend[week].n[kind] == group.n, (filters, week, kind)
                assert [trend[week].p50[kind], trend[week].p90[kind]] == group.centiles, (filters, week, kind)
                checked += 1
        assert sum(trend[week].n.get(kind, 0) for week in trend for kind in waits.KINDS) == sum(
            group.n for group in by_week.values()
        ), filters
    # The comparisons are of real waits: the self-referrals' five first responses, in three weeks.
    first = waits.completed_in_period(
        period=period,
        filters=Filters(source=Referral.Source.SELF, urgency=Referral.Urgency.URGENT),
        live=waits.live_days_for(
            period=period, filters=Filters(source=Referral.Source.SELF, urgency=Referral.Urgency.URGENT), now=NOW
        ),
    )["first_response"]
    assert (first.counted, first.p50) == (5, 7 * 3600)
    assert checked >= 6


def test_with_two_filters_a_wait_counts_on_the_london_day_its_clock_stopped(service, alice, south_practice):
    """A first response at 23:30 GMT on 10 October 2025 was at 00:30 on the 11th in London (summer
    time): the page with two filters counts it on the 11th, not the 10th, as the period's instants
    do; the rebuild's SQL and the catch-up's Python give its row the same day."""
    from datetime import UTC, date, datetime

    from referrals.models import Referral
    from reporting import percentiles, waits
    from reporting.filters import Filters
    from reporting.models import ClockFact
    from reporting.periods import Period
    from reporting.rebuild import facts_rebuild, facts_verify
    from tests.factories import make_referral
    from tests.reporting.conftest import NOW, contact

    received = datetime(2025, 10, 10, 9, 0, tzinfo=UTC)
    referral = make_referral(
        by=alice, received_at=received, now=received, practice=south_practice, source=Referral.Source.SELF,
        urgency=Referral.Urgency.URGENT,
    )  # fmt: skip
    contact(referral, alice, datetime(2025, 10, 10, 23, 30, tzinfo=UTC))
    facts_rebuild(now=NOW)

    assert ClockFact.objects.get(referral_id=referral.pk, kind="first_response").stopped_on == date(2025, 10, 11)
    filters = Filters(source=Referral.Source.SELF, urgency=Referral.Urgency.URGENT)
    counted = {}
    for day in (date(2025, 10, 10), date(2025, 10, 11)):
        period = Period(first_day=day, last_day=day)
        with percentiles.reporting_reads():
            live = waits.live_days_for(period=period, filters=filters, now=NOW)
            assert live is not None
            counted[day] = waits.completed_in_period(period=period, filters=filters, live=live)["first_response"]
    assert (counted[date(2025, 10, 10)].counted, counted[date(2025, 10, 11)].counted) == (0, 1)
    assert counted[date(2025, 10, 11)].p50 == 14 * 3600 + 30 * 60
    assert facts_verify(referral_ids=[referral.pk]) == []


def test_with_two_filters_referrals_received_are_the_weekly_cells_whole_weeks_and_the_days_either_side(
    service, north, alice, north_team, south_practice
):
    """Counts add up, so with two or more filters the period's whole weeks are summed from the
    weekly cells and only the days before its first Monday and after its last whole week are
    counted from the referral rows: the same figure as counting them all, for periods that start
    and end mid-week, on a Monday or a Sunday, or hold no whole week. A changed stored cell moves
    the figure for a period holding its week, and not for one that holds it only in part."""
    from datetime import date, timedelta

    from django.db.models import F

    from referrals.models import Referral
    from reporting import waits
    from reporting.facts import REFERRAL_KIND
    from reporting.filters import Filters
    from reporting.models import ReferralFact, WeeklyRollup
    from reporting.periods import Period
    from reporting.rebuild import facts_rebuild
    from tests.reporting.conftest import NOW

    _urgent_self_referrals_seen(alice, south_practice, [(12, 2), (13, 7), (19, 40), (30, 3), (44, 11)])
    facts_rebuild(now=NOW)
    periods = [
        Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16)),  # Tuesday to Monday
        Period(first_day=date(2026, 1, 26), last_day=date(2026, 3, 15)),  # Monday to Sunday: whole weeks
        Period(first_day=date(2026, 1, 25), last_day=date(2026, 2, 18)),  # Sunday to Wednesday
        Period(first_day=date(2026, 2, 3), last_day=date(2026, 2, 7)),  # Tuesday to Saturday: no whole week
    ]
    combinations = [
        Filters(source=Referral.Source.SELF, urgency=Referral.Urgency.URGENT),
        Filters(locality_id=north.pk, team_id=north_team.pk),
        Filters(locality_id=north.pk, urgency=Referral.Urgency.ROUTINE, service=north_team.kind),
    ]
    found = 0
    for period in periods:
        for filters in combinations:
            direct = ReferralFact.objects.filter(
                filters.q(), received_at__gte=period.start, received_at__lt=period.end
            ).count()
            assert waits.received_in_period(period=period, filters=filters) == direct, (period, filters)
            found += direct
    assert found > 20  # real referrals counted, not empty periods

    # The stored cells are what the whole weeks are read from: the week of 9 February holds the
    # self-referral of Saturday 14 February (30 days before NOW).
    filters = combinations[0]
    week = date(2026, 2, 9)
    holding, partial = periods[1], Period(first_day=week + timedelta(days=1), last_day=week + timedelta(days=14))
    before = [waits.received_in_period(period=p, filters=filters) for p in (holding, partial)]
    changed = WeeklyRollup.objects.filter(filters.q(), kind=REFERRAL_KIND, week=week).update(received=F("received") + 5)
    after = [waits.received_in_period(period=p, filters=filters) for p in (holding, partial)]
    assert changed == 1
    assert before[1] >= 1  # the partial period counts the 14th from the referral rows
    assert after == [before[0] + 5, before[1]]
