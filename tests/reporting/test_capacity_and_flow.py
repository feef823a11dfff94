"""Demand and capacity, and flow and outcomes, on hand-made services with known answers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from accounts.models import User
from referrals.models import OutcomeMeasure, Referral
from referrals.services import outcome_measure_record, referral_discharge, referral_redirect
from tests.factories import make_referral
from tests.reporting.conftest import NOW, PERIOD, T0, allocate, contact, csv_table, page_tables, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_north(alice, bob, tina, north_team, north_practice):
    """North IPCT at NOW (Monday 16 March 2026):

    * 16 referrals received 30 days ago started treatment 20 days ago (week of 23 February):
      16 in the last 4 whole weeks, 4 a week. 9 of them are held by a link worker.
    * 8 have waited 35 days (past their 28); 8 have waited 27 days (due tomorrow); 8 came in an
      hour ago (due in 28 days less an hour): 24 waiting.
    * At 4 a week, oldest first, the 27-day ones start 1.75, 3.5 ... 14 days from now: all 8
      breach. The new ones are 9th to 16th: 15.75 ... 28 days, due in 27 days 23 hours; only the
      16th breaches. Forecast: 9. Weeks to clear 24 waiting at 4 a week: 6.0.
    * Capacity: alice 20, bob 15, tina 0 = 35; open caseload 9: 26%.
    """
    User.objects.filter(pk=alice.pk).update(caseload_capacity=20)
    User.objects.filter(pk=bob.pk).update(caseload_capacity=15)
    User.objects.filter(pk=tina.pk).update(caseload_capacity=0)
    started = []
    for _ in range(16):
        received = NOW - timedelta(days=30)
        referral = make_referral(by=alice, received_at=received, now=received, practice=north_practice)
        contact(referral, alice, received + timedelta(hours=1))
        contact(referral, alice, NOW - timedelta(days=20))
        started.append(referral)
    for referral in started[:9]:
        allocate(referral, alice, bob, NOW - timedelta(days=19))
    for days_ago, count in ((35, 8), (27, 8)):
        for _ in range(count):
            received = NOW - timedelta(days=days_ago)
            make_referral(by=alice, received_at=received, now=received, practice=north_practice)
    for _ in range(8):
        make_referral(
            by=alice, received_at=NOW - timedelta(hours=1), now=NOW - timedelta(hours=1), practice=north_practice
        )


def test_capacity_table_has_demand_caseload_waiting_list_and_forecast(client, sam, busy_north, south_team, at_now):
    client.force_login(sam)

    tables = page_tables(client.get("/dashboard/capacity/", {"period": "4w"}))

    north = row(tables["teams"], "North IPCT")
    assert north == {
        "Team": "North IPCT",
        "Referrals in per week": "2.0",  # 8 came in in the week of 16 February; 4 whole weeks
        "Treatments started per week": "4.0",
        "Open caseload": "9",
        "Caseload capacity": "35",
        "Caseload as % of capacity": "26%",
        "Waiting for treatment now": "24",
        "Started per week, last 4 weeks": "4.0",
        "Weeks to clear the waiting list": "6.0",
        "Already past 4 weeks": "8",
        "Forecast to breach 4 weeks": "9",
    }
    assert row(tables["teams"], "South IPCT")["Waiting for treatment now"] == "0"


def test_capacity_downloads_match_the_page(client, tina, busy_north, at_now):
    client.force_login(tina)
    params = {"period": "4w"}
    tables = page_tables(client.get("/dashboard/capacity/", params))

    for key in ("teams", "weekly", "weekly-by-team"):
        assert csv_table(client, "/dashboard/capacity/", params, key) == tables[key], key
    weekly = tables["weekly"]
    assert row(weekly, "23 Feb 2026") == {
        "Week beginning": "23 Feb 2026",
        "Referrals in": "0",
        "Treatments started": "16",
    }


@pytest.fixture
def handed_off(alice, bob, charlie, north_team, south_team, north_practice):
    """From North to South at T0 + 2 days: 8 seen within 28 days (then discharged, each with
    ReQoL-10 at 10 then 20), 8 never seen again (lost), and 1 a week ago (too recent)."""
    kept = []
    for i in range(17):
        received = T0 if i < 16 else NOW - timedelta(days=10)
        referral = make_referral(by=alice, received_at=received, now=received, practice=north_practice)
        at = received + timedelta(days=2)
        referral_redirect(
            referral=referral, by=alice, now=at, to_team=south_team, note="Warm handover.", person_informed=True
        )
        if i < 8:
            seen = at + timedelta(days=10)
            contact(referral, charlie, seen)
            referral = allocate(Referral.objects.get(pk=referral.pk), charlie, charlie, seen)
            for stage, score, when in (("baseline", 10, seen), ("discharge", 20, seen + timedelta(days=20))):
                outcome_measure_record(
                    referral=referral,
                    by=charlie,
                    now=when,
                    recorded_at=when,
                    instrument="ReQoL-10",
                    score=Decimal(score),
                    stage=stage,
                )
            referral_discharge(referral=referral, by=charlie, now=seen + timedelta(days=21), note="Goals met.")
            kept.append(referral)
    return kept


def test_redirects_people_lost_and_outcomes(client, tina, handed_off, at_now):
    client.force_login(tina)

    tables = page_tables(client.get("/dashboard/flow/", PERIOD))

    by_team = tables["redirects-by-team"]
    assert row(by_team, "North IPCT") == {
        "From team": "North IPCT",
        "To team": "South IPCT",
        "Redirects": "17",
        "Lost (no completed contact within 28 days)": "8",
        "Lost (%)": "50.0%",
        "Too recent to tell": "*",
    }
    assert row(tables["redirects-by-service"], "Locality team")["Redirects"] == "17"
    outcomes = row(tables["outcomes"], "South IPCT")
    assert outcomes == {
        "Team": "South IPCT",
        "Measure": "ReQoL-10",
        "Discharged": "8",
        "With start and discharge scores": "8",
        "Mean score at start": "10.0",
        "Mean score at discharge": "20.0",
        "Mean change": "10.0",
        "Improved (%)": "100.0%",
    }
    assert OutcomeMeasure.objects.count() == 16
    re_referrals = tables["re-referrals"]
    assert row(re_referrals, "All")["Re-referrals within 12 months"] == "0"


def test_flow_downloads_match_the_page(client, tina, handed_off, at_now):
    client.force_login(tina)
    tables = page_tables(client.get("/dashboard/flow/", PERIOD))

    for key in ("redirects-by-team", "redirects-by-service", "re-referrals", "outcomes", "chart-improved"):
        assert csv_table(client, "/dashboard/flow/", PERIOD, key) == tables[key], key


def test_the_waiting_list_forecast_in_one_query_follows_the_rule_one_clock_at_a_time(busy_north, north_team):
    """PostgreSQL counts the waiting list in one query; SQLite (the demo) walks it clock by clock.
    Both give the same counts, at every recent rate: none, a whole number and a fraction a week."""
    from reporting import capacity
    from reporting.filters import Filters
    from reporting.models import ClockFact
    from reporting.rebuild import facts_rebuild

    facts_rebuild(now=NOW)
    waiting = ClockFact.objects.filter(kind="treatment", is_current=True, stopped_at__isnull=True).order_by()
    for recent_started in (0, 16, 3, 7):  # 0, 4, 0.75 and 1.75 a week over the last 4 weeks
        in_sql = {north_team.pk: capacity.TeamRow(north_team.pk, "North", recent_started=recent_started)}
        in_python = {north_team.pk: capacity.TeamRow(north_team.pk, "North", recent_started=recent_started)}
        capacity._waiting_lists_in_sql(waiting.filter(team_id__in=in_sql), teams=in_sql, now=NOW)
        capacity._waiting_lists_in_python(waiting.filter(team_id__in=in_python), teams=in_python, now=NOW)
        assert in_sql == in_python
        assert in_sql[north_team.pk].waiting == 24
    # And through the page's own entry point, with the hand-worked answer (4 a week: 9 forecast).
    teams = {north_team.pk: capacity.TeamRow(north_team.pk, "North", recent_started=16)}
    capacity._waiting_lists(filters=Filters(), teams=teams, now=NOW)
    assert (teams[north_team.pk].already_breached, teams[north_team.pk].forecast_breaches) == (8, 9)


# --- re-referrals from the daily rollup ------------------------------------------------------


@pytest.fixture
def re_referred(alice, bob, north_team, south_team, north_practice):
    """People discharged and referred again, as NOW's reporting rows count them:

    * Ann: discharged at T0 + 20 days, referred again at T0 + 40 days (North): a re-referral.
    * Ben: discharged 366 days before his second referral at T0 + 1 day (North): not one.
    * Cas: discharged at T0 + 5 days, referred again at T0 + 6 days, redirected to South and
      urgent: a re-referral, in South.
    * Dee: one referral at T0 + 3 days (North), never discharged: not one.
    """
    made = {}
    for name, first_at, discharged_at, again_at in (
        ("Ann", T0, T0 + timedelta(days=20), T0 + timedelta(days=40)),
        ("Ben", T0 - timedelta(days=400), T0 + timedelta(days=1) - timedelta(days=366), T0 + timedelta(days=1)),
        ("Cas", T0 - timedelta(days=30), T0 + timedelta(days=5), T0 + timedelta(days=6)),
    ):
        first = make_referral(by=alice, received_at=first_at, now=first_at, practice=north_practice, given_name=name)
        contact(first, alice, first_at + timedelta(hours=2))
        first = allocate(first, alice, bob, first_at + timedelta(days=1))
        referral_discharge(referral=first, by=alice, now=discharged_at, note="Goals met.")
        made[name] = make_referral(
            by=alice,
            received_at=again_at,
            now=again_at,
            practice=north_practice,
            nhs_number=first.person.nhs_number,
            urgency=Referral.Urgency.URGENT if name == "Cas" else Referral.Urgency.ROUTINE,
        )
    referral_redirect(
        referral=made["Cas"],
        by=alice,
        now=T0 + timedelta(days=7),
        to_team=south_team,
        note="Warm handover.",
        person_informed=True,
    )
    dee_at = T0 + timedelta(days=3)
    made["Dee"] = make_referral(by=alice, received_at=dee_at, now=dee_at, practice=north_practice)
    return made


def _re_referrals(counts: list[dict]) -> dict[int, tuple[int, int]]:
    return {r["team_id"]: (r["received"], r["re_referred"]) for r in counts}


def test_re_referrals_by_team_come_from_the_rollup_and_equal_the_reporting_rows(
    re_referred, alice, north_team, south_team, north_practice
):
    from reporting.facts import facts_catch_up
    from reporting.filters import Filters
    from reporting.flow import re_referral_counts, re_referral_counts_live
    from reporting.periods import Period
    from reporting.rebuild import facts_rebuild, facts_verify

    facts_rebuild(now=NOW)
    whole = Period(first_day=(T0 - timedelta(days=1)).date(), last_day=NOW.date())
    ann_day = Period(first_day=(T0 + timedelta(days=40)).date(), last_day=(T0 + timedelta(days=40)).date())
    nothing = Period(first_day=(T0 - timedelta(days=200)).date(), last_day=(T0 - timedelta(days=190)).date())
    every = (Filters(), Filters(team_id=north_team.pk), Filters(team_id=south_team.pk))

    def assert_rollup_equals_reporting_rows():
        for period in (whole, ann_day, nothing):
            for filters in every:
                from_rollup = _re_referrals(re_referral_counts(period=period, filters=filters))
                assert from_rollup == _re_referrals(re_referral_counts_live(period=period, filters=filters))

    # Known answers: North received Ann twice, Ben again and Dee in the period (one re-referral),
    # and South received Cas again (one). Ann's day alone holds her re-referral; the empty period
    # nothing.
    assert _re_referrals(re_referral_counts(period=whole, filters=Filters())) == {
        north_team.pk: (4, 1),
        south_team.pk: (1, 1),
    }
    assert _re_referrals(re_referral_counts(period=ann_day, filters=Filters())) == {north_team.pk: (1, 1)}
    assert re_referral_counts(period=nothing, filters=Filters()) == []
    assert_rollup_equals_reporting_rows()

    # Caught up from the audit log: Dee is discharged, then referred again the next day.
    later = NOW + timedelta(hours=1)
    dee = allocate(re_referred["Dee"], alice, alice, T0 + timedelta(days=4))
    referral_discharge(referral=dee, by=alice, now=later - timedelta(minutes=30), note="Goals met.")
    make_referral(by=alice, received_at=later, now=later, practice=north_practice, nhs_number=dee.person.nhs_number)
    assert facts_catch_up(now=later + timedelta(minutes=5)) > 0

    assert facts_verify() == []
    whole = Period(first_day=whole.first_day, last_day=later.date())
    assert _re_referrals(re_referral_counts(period=whole, filters=Filters()))[north_team.pk] == (5, 2)
    assert_rollup_equals_reporting_rows()


def test_the_flow_page_shows_the_rollups_re_referrals_unless_another_filter_is_set(
    client, tina, re_referred, north_team, at_now
):
    """A changed stored cell moves the page's figure with no filter and for North, so they are the
    rollup's; with an urgency filter the page counts from the reporting rows."""
    from reporting.models import DailyEqualityRollup
    from reporting.rebuild import facts_rebuild

    facts_rebuild(now=NOW)
    client.force_login(tina)

    def north(**filters) -> dict:
        return row(page_tables(client.get("/dashboard/flow/", {**PERIOD, **filters}))["re-referrals"], "North IPCT")

    assert north()["Referrals received"] == "*"  # 4: a small number, withheld
    ann_day = (T0 + timedelta(days=40)).date()
    changed = DailyEqualityRollup.objects.filter(
        dimension="team_id", value=str(north_team.pk), kind="referral", day=ann_day
    ).update(received=F("received") + 20, re_referred=F("re_referred") + 10)
    assert changed == 1
    assert north() == {
        "Team": "North IPCT",
        "Referrals received": "24",
        "Re-referrals within 12 months": "11",
        "Re-referrals (%)": "45.8%",
    }
    assert north(team=north_team.pk)["Re-referrals within 12 months"] == "11"
    assert north(urgency=Referral.Urgency.ROUTINE)["Referrals received"] == "*"


# --- hand-offs from their reporting rows ------------------------------------------------------


def test_a_late_contact_within_28_days_of_a_hand_off_turns_lost_into_kept_once_caught_up(
    handed_off, alice, charlie, south_team
):
    """The first never-seen person (lost) is seen 28 days to the second after the hand-off,
    recorded today: the catch-up marks the hand-off kept. Another is seen 28 days and a second
    after: still lost. The stored rows equal a fresh computation throughout."""
    from reporting.facts import facts_catch_up
    from reporting.filters import Filters
    from reporting.flow import handoff_counts
    from reporting.models import HandoffFact
    from reporting.periods import Period
    from reporting.rebuild import facts_rebuild, facts_verify

    facts_rebuild(now=NOW)
    whole = Period(first_day=(T0 - timedelta(days=1)).date(), last_day=NOW.date())

    def north_to_south():
        counts = handoff_counts(period=whole, filters=Filters(), now=NOW)
        return counts.get((north_team_pk, south_team.pk))

    lost = [f for f in HandoffFact.objects.order_by("handoff_id") if not f.kept and f.at < NOW - timedelta(days=28)]
    north_team_pk = lost[0].from_team_id
    before = north_to_south()
    assert (before.redirects, before.lost, before.kept, before.too_recent) == (17, 8, 8, 1)
    assert facts_verify() == []

    now = NOW + timedelta(minutes=30)
    on_the_day = Referral.objects.get(pk=lost[0].referral_id)
    contact(on_the_day, charlie, lost[0].at + timedelta(days=28))
    a_second_late = Referral.objects.get(pk=lost[1].referral_id)
    contact(a_second_late, charlie, lost[1].at + timedelta(days=28, seconds=1))
    assert facts_catch_up(now=now) > 0

    after = north_to_south()
    assert (after.redirects, after.lost, after.kept, after.too_recent) == (17, 7, 9, 1)
    assert HandoffFact.objects.get(pk=lost[0].pk).kept
    assert not HandoffFact.objects.get(pk=lost[1].pk).kept
    assert facts_verify() == []
    # The same through the set-based rebuild: it agrees with the Python builder on both edges.
    facts_rebuild(now=now)
    assert facts_verify() == []
    assert HandoffFact.objects.get(pk=lost[0].pk).kept and not HandoffFact.objects.get(pk=lost[1].pk).kept


def test_hand_offs_count_under_every_filter_by_the_teams_they_left_and_went_to(
    handed_off, north_team, south_team, north, south
):
    from reporting.filters import Filters
    from reporting.flow import handoff_counts
    from reporting.periods import Period
    from reporting.rebuild import facts_rebuild

    facts_rebuild(now=NOW)
    whole = Period(first_day=(T0 - timedelta(days=1)).date(), last_day=NOW.date())

    def redirects(**filters) -> int:
        return sum(c.redirects for c in handoff_counts(period=whole, filters=Filters(**filters), now=NOW).values())

    assert redirects() == 17
    assert redirects(team_id=north_team.pk) == redirects(team_id=south_team.pk) == 17  # left one, went to the other
    assert redirects(service=north_team.kind) == 17
    # The referrals are South's now: a locality filter reads the referral as it is.
    assert (redirects(locality_id=south.pk), redirects(locality_id=north.pk)) == (17, 0)
    assert (redirects(urgency=Referral.Urgency.ROUTINE), redirects(urgency=Referral.Urgency.URGENT)) == (17, 0)
    assert redirects(source=Referral.Source.GP, urgency=Referral.Urgency.ROUTINE) == 17
    assert redirects(source=Referral.Source.SELF) == 0


def test_verify_finds_a_hand_off_row_that_differs_from_the_records(handed_off):
    from reporting.models import HandoffFact
    from reporting.rebuild import facts_rebuild, facts_verify

    facts_rebuild(now=NOW)
    assert facts_verify() == []
    tampered = HandoffFact.objects.filter(kept=True).first()
    HandoffFact.objects.filter(pk=tampered.pk).update(kept=False)

    assert facts_verify() == [f"hand-off {tampered.pk}: kept is False, should be True"]
