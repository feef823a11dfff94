"""Roll-out by locality: each locality compared before and after the service went live in it.

NOW is Monday 16 March 2026 (tests/reporting/conftest.py); the last 4 weeks' whole weeks begin
16 Feb, 23 Feb, 2 Mar and 9 Mar. The CEN service goes live in North on Monday 2 March (phase 1:
two whole weeks before, two after) and in South on 1 June (phase 2, not live yet).

* Before: 10 North referrals received on Wednesday 18 February; none go to the service.
* After: 12 North referrals received on Wednesday 4 March; 8 are redirected to the service the
  next day (they keep North as their locality).
"""

from datetime import date, timedelta

import pytest

from localities.models import Team
from pathways.services import rollout_set
from referrals.services import referral_redirect
from reporting.rollout import side_of
from tests.factories import TeamFactory, make_referral
from tests.reporting.conftest import NOW, contact, csv_table, page_tables, row

pytestmark = pytest.mark.django_db

FEB_18 = NOW - timedelta(days=26)
MAR_4 = NOW - timedelta(days=12)


@pytest.fixture
def cen_team(trust):
    return TeamFactory(name="CEN Service", kind=Team.Kind.SYSTEM_SERVICE, organisation=trust, locality=None)


@pytest.fixture
def rolled_out(alice, sam, north, south, south_team, north_practice, cen_team):
    rollout_set(team=cen_team, locality=north, live_from=date(2026, 3, 2), by=sam, now=FEB_18)
    rollout_set(team=cen_team, locality=south, live_from=date(2026, 6, 1), by=sam, now=FEB_18)
    for _ in range(10):
        make_referral(by=alice, received_at=FEB_18, now=FEB_18, practice=north_practice)
    after = [make_referral(by=alice, received_at=MAR_4, now=MAR_4, practice=north_practice) for _ in range(12)]
    for referral in after[:8]:
        referral_redirect(
            referral=referral,
            by=alice,
            now=MAR_4 + timedelta(days=1),
            to_team=cen_team,
            note="Complex emotional needs.",
            person_informed=True,
        )
    return cen_team


def test_the_go_live_week_is_neither_before_nor_after():
    assert side_of(date(2026, 2, 23), date(2026, 3, 2)) == "before"
    assert side_of(date(2026, 3, 2), date(2026, 3, 2)) == "after"
    assert side_of(date(2026, 2, 23), date(2026, 2, 25)) == ""


def test_each_locality_is_compared_before_and_after_its_go_live(client, sam, rolled_out, at_now):
    client.force_login(sam)

    tables = page_tables(client.get("/dashboard/rollout/", {"period": "4w"}))

    table = tables[f"rollout-{rolled_out.pk}"]
    assert row(table, "North and West") == {
        "Locality": "North and West",
        "Phase": "1",
        "Live from": "2 Mar 2026",
        "Whole weeks before": "2",
        "Whole weeks after": "2",
        "Referrals in the locality per week, before": "5.0",
        "Referrals in the locality per week, after": "6.0",
        "With the service per week, before": "0.0",
        "With the service per week, after": "4.0",
        "Share with the service, before": "0.0%",
        "Share with the service, after": "66.7%",
        "Treatment within 4 weeks, before": "–",
        "Treatment within 4 weeks, after": "–",
    }
    south = row(table, "South")
    assert (south["Phase"], south["Live from"], south["Whole weeks after"]) == ("2", "1 Jun 2026 (not live yet)", "0")


def test_the_weekly_table_says_whether_each_locality_was_live_and_suppresses_small_counts(
    client, sam, rolled_out, alice, north_practice, at_now
):
    client.force_login(sam)

    weekly = page_tables(client.get("/dashboard/rollout/", {"period": "4w"}))[f"rollout-weekly-{rolled_out.pk}"]

    rows = {(cells[0], cells[1]): cells[2:] for cells in weekly[1:]}
    assert rows[("16 Feb 2026", "North and West")] == ["Not live yet", "10", "0"]
    assert rows[("2 Mar 2026", "North and West")] == ["Live", "12", "8"]
    assert rows[("9 Mar 2026", "South")] == ["Not live yet", "0", "0"]


def test_the_rollout_downloads_match_the_page(client, tina, rolled_out, at_now):
    client.force_login(tina)
    params = {"period": "4w"}
    tables = page_tables(client.get("/dashboard/rollout/", params))

    for key in (f"rollout-{rolled_out.pk}", f"rollout-weekly-{rolled_out.pk}"):
        assert csv_table(client, "/dashboard/rollout/", params, key) == tables[key], key


def test_the_locality_filter_narrows_the_localities_shown(client, sam, rolled_out, south, at_now):
    client.force_login(sam)

    table = page_tables(client.get("/dashboard/rollout/", {"period": "4w", "locality": south.pk}))[
        f"rollout-{rolled_out.pk}"
    ]

    assert [cells[0] for cells in table[1:]] == ["South"]


def test_small_numbers_are_suppressed(client, sam, cen_team, north, north_practice, alice, at_now):
    rollout_set(team=cen_team, locality=north, live_from=date(2026, 3, 2), by=sam, now=FEB_18)
    for _ in range(3):
        make_referral(by=alice, received_at=FEB_18, now=FEB_18, practice=north_practice)
    client.force_login(sam)

    table = page_tables(client.get("/dashboard/rollout/", {"period": "4w"}))[f"rollout-{cen_team.pk}"]

    assert row(table, "North and West")["Referrals in the locality per week, before"] == "*"


def test_without_any_roll_out_the_page_says_so(client, sam, at_now):
    client.force_login(sam)

    response = client.get("/dashboard/rollout/", {"period": "4w"})

    assert "No service has go-live dates by locality" in response.content.decode()


JAN_26 = NOW - timedelta(days=49)  # Monday 26 January: due for treatment by 23 February
FEB_9 = NOW - timedelta(days=35)  # Monday 9 February: due by 9 March


def test_treatment_within_4_weeks_is_compared_by_the_week_each_wait_ended(
    client, sam, rolled_out, alice, north_practice, at_now
):
    # Known answer. Before go-live (weeks of 16 and 23 Feb): ten North referrals of 26 January seen
    # twice, eight by 18 February (within 4 weeks), two on 25 February (late): 80.0%. After (weeks
    # of 2 and 9 Mar): ten of 9 February, nine by 4 March, one on 11 March (late): 90.0%. They were
    # received before the period, so the referral figures per week are unchanged.
    for received, on_time, late, ended_on_time, ended_late in (
        (JAN_26, 8, 2, NOW - timedelta(days=26), NOW - timedelta(days=19)),
        (FEB_9, 9, 1, NOW - timedelta(days=12), NOW - timedelta(days=5)),
    ):
        for i in range(on_time + late):
            referral = make_referral(by=alice, received_at=received, now=received, practice=north_practice)
            contact(referral, alice, received + timedelta(hours=2))
            contact(referral, alice, ended_on_time if i < on_time else ended_late)
    client.force_login(sam)

    table = page_tables(client.get("/dashboard/rollout/", {"period": "4w"}))[f"rollout-{rolled_out.pk}"]

    north = row(table, "North and West")
    assert (north["Treatment within 4 weeks, before"], north["Treatment within 4 weeks, after"]) == ("80.0%", "90.0%")
    assert (north["Referrals in the locality per week, before"], north["Share with the service, after"]) == (
        "5.0",
        "66.7%",
    )
