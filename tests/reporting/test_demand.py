"""Demand and capacity for a new service, at NOW (Monday 16 March 2026, tests/reporting/conftest.py).

The CEN service goes live in North on 2 March (phase 1) and in South on 1 June (phase 2). Its one
clinician, cora, has a caseload limit of 20: its staffed capacity.

* 8 North referrals received Monday 16 February, redirected to the service the next day; cora's
  second completed contact on 24 February starts their treatment: 8 started in the last 4 whole
  weeks, 2 a week.
* 8 North referrals received Wednesday 4 March (12:00), redirected the next day, waiting: due
  1 April 12:00.

A referral made now waits behind the 8 still within their time: (8 + 1) / 2 = 4.5 weeks. Of the
8 waiting, the n-th starts n / 2 weeks from now: the 5th to the 8th (2.5 to 4 weeks, after
1 April) breach: 4, a small number, shown as *.
"""

from datetime import date, timedelta

import pytest

from accounts.models import Role
from localities.models import Team
from pathways.services import rollout_set
from referrals.services import referral_redirect
from reporting.capacity import TeamRow
from reporting.demand import predicted_wait_weeks
from tests.factories import TeamFactory, UserFactory, make_referral
from tests.reporting.conftest import NOW, contact, csv_table, page_tables, row

pytestmark = pytest.mark.django_db

FEB_16 = NOW - timedelta(days=28)
MAR_4 = NOW - timedelta(days=12)


@pytest.fixture
def new_service(alice, sam, trust, north, south, south_team, north_practice):
    team = TeamFactory(name="CEN Service", kind=Team.Kind.SYSTEM_SERVICE, organisation=trust, locality=None)
    cora = UserFactory(username="cora", role=Role.CLINICIAN, organisation=trust, teams=[team], caseload_capacity=20)
    rollout_set(team=team, locality=north, live_from=date(2026, 3, 2), by=sam, now=FEB_16)
    rollout_set(team=team, locality=south, live_from=date(2026, 6, 1), by=sam, now=FEB_16)
    for received, starts in ((FEB_16, True), (MAR_4, False)):
        for _ in range(8):
            referral = make_referral(by=alice, received_at=received, now=received, practice=north_practice)
            referral_redirect(
                referral=referral,
                by=alice,
                now=received + timedelta(days=1),
                to_team=team,
                note="Complex emotional needs.",
                person_informed=True,
            )
            if starts:
                contact(referral, cora, received + timedelta(days=2))
                contact(referral, cora, received + timedelta(days=8))
    return team


def test_predicted_wait_is_the_queue_ahead_plus_one_at_the_recent_rate():
    row = TeamRow(team_id=1, name="x", waiting=10, already_breached=2, recent_started=8)

    assert predicted_wait_weeks(row) == (8 + 1) / 2
    assert predicted_wait_weeks(TeamRow(team_id=1, name="x", waiting=3)) is None  # nobody started recently


def test_capacity_predicted_wait_and_breaches_of_the_new_service(client, sam, new_service, at_now):
    client.force_login(sam)

    tables = page_tables(client.get("/dashboard/demand/", {"period": "4w"}))

    (cells,) = tables[f"capacity-{new_service.pk}"][1:]
    assert dict(zip(tables[f"capacity-{new_service.pk}"][0], cells, strict=True)) == {
        "Staffed capacity (caseload limits)": "20",
        "Open caseload": "0",
        "Caseload as % of capacity": "0%",
        "Waiting for treatment now": "8",
        "Started per week, last 4 weeks": "2.0",
        "Predicted wait for a referral made today (weeks)": "4.5",
        "Already past 4 weeks": "0",
        "Forecast to breach 4 weeks": "*",
        "Current waiters who will breach at the recent rate": "*",
    }


def test_weekly_demand_by_locality_and_phase(client, sam, new_service, at_now):
    client.force_login(sam)

    weekly = page_tables(client.get("/dashboard/demand/", {"period": "4w"}))[f"demand-{new_service.pk}"]

    rows = {(cells[0], cells[2]): cells for cells in weekly[1:]}
    assert rows[("16 Feb 2026", "North and West")] == ["16 Feb 2026", "Phase 1", "North and West", "Not yet", "8"]
    assert rows[("2 Mar 2026", "North and West")] == ["2 Mar 2026", "Phase 1", "North and West", "Live", "8"]
    assert rows[("2 Mar 2026", "South")] == ["2 Mar 2026", "Phase 2", "South", "Not yet", "0"]
    assert row(weekly, "9 Mar 2026")["Referrals to the service"] == "0"


def test_the_demand_downloads_match_the_page(client, tina, new_service, at_now):
    client.force_login(tina)
    params = {"period": "4w"}
    tables = page_tables(client.get("/dashboard/demand/", params))

    for key in (f"capacity-{new_service.pk}", f"demand-{new_service.pk}"):
        assert csv_table(client, "/dashboard/demand/", params, key) == tables[key], key
    assert client.get("/dashboard/demand/", {**params, "csv": "nonsense"}).status_code == 404
