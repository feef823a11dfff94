"""Every CSV download opens as text in a spreadsheet: a name someone typed as a formula is never run.

People's names, team names and usernames are typed by people. Each download below is given
values a spreadsheet would run (``=HYPERLINK("x")``, ``+cmd|x``, ``-1+1``, ``@SUM(1)``, a
leading tab or carriage return) and must write each with a leading single quote.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import audit_read
from referrals.models import Person
from tests.factories import PersonFactory, TeamFactory, UserFactory, make_referral
from tests.referrals.web.conftest import allocate, login

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("x")', "+cmd|x", "-1+1", "@SUM(1)", "\tTab", "\rReturn"]
RUNNABLE_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cells(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_guarded(cells: list[str], values: list[str]) -> None:
    """Each value is in the file, as text; no cell would run as a formula."""
    for value in values:
        assert f"'{value}" in cells, f"{value!r} is not in the file as text"
    runnable = [cell for cell in cells if cell.startswith(RUNNABLE_STARTS)]
    assert runnable == []


@pytest.fixture
def held_by_bob(alice, bob, north_practice):
    """One referral per formula, its person named with it, held by bob in North IPCT."""
    referrals = [make_referral(by=alice, practice=north_practice) for _ in FORMULAS]
    for referral, value in zip(referrals, FORMULAS, strict=True):
        allocate(referral, by=alice, link_worker=bob)
        # Set as stored: intake trims names, but a record loaded from elsewhere need not be.
        Person.objects.filter(pk=referral.person_id).update(given_name=value, family_name=value)
    return referrals


def test_my_caseload_download(client, bob, held_by_bob):
    cells = _cells(login(client, bob).get(reverse("caseload:mine_csv")))
    assert_guarded(cells, FORMULAS)


def test_the_team_caseload_download(client, alice, north_team, held_by_bob):
    cells = _cells(login(client, alice).get(reverse("caseload:team_csv"), {"team": north_team.pk}))
    assert_guarded(cells, FORMULAS)


def test_a_dashboard_table_download(client, tina, trust, north):
    for i, value in enumerate(FORMULAS):
        TeamFactory(name=value, organisation=trust, locality=north, email=f"formula-{i}@teams.invalid")
    cells = _cells(login(client, tina).get(reverse("dashboard:capacity"), {"csv": "teams"}))
    assert_guarded(cells, FORMULAS)


def test_the_audit_log_download(client, trust, alice):
    ig = UserFactory(username="iris", role=Role.IG_LEAD, organisation=trust)
    now = timezone.now()
    people = [PersonFactory(given_name=value, family_name=value) for value in FORMULAS]
    audit_read(by=alice, action="record.view", now=now, people=[p.pk for p in people], object_type="referrals.person")
    today = timezone.localdate(now)
    dates = {"date_from_day": today.day, "date_from_month": today.month, "date_from_year": today.year}

    cells = _cells(login(client, ig).get(reverse("ig:export"), dates))

    # The log shows a person's name with its ends trimmed, so a leading tab or return never
    # reaches the start of a cell; the others would, and are written as text.
    assert_guarded(cells, [f"{value} {value}" for value in FORMULAS if not value[0].isspace()])
    for value in FORMULAS:
        assert any(value.strip() in cell for cell in cells)
