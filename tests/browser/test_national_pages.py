"""The national measures and data-quality pages in Chromium: a month chosen, the figures read,
a record opened from the data-quality list, accessible on a desktop and a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.reporting.test_data_quality import build_known_set
from tests.reporting.test_national_page import build_march


@pytest.fixture
def community_team(north_team):
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


@pytest.fixture
def crisis_team(trust):
    from localities.models import Team
    from tests.factories import TeamFactory

    return TeamFactory(name="Crisis team", organisation=trust, kind=Team.Kind.CRISIS, mhsds_team_type="A02")


def test_a_manager_chooses_a_month_and_reads_each_national_measure(
    page, login, tina, alice, community_team, crisis_team, axe_check
):
    build_march(alice, community_team, crisis_team)
    login(page, tina)
    page.goto("/dashboard/national/")

    expect(page.get_by_role("heading", level=1)).to_have_text("National measures")
    page.get_by_label("Month").select_option("2026-03")
    page.get_by_role("button", name="Show this month").click()
    expect(page).to_have_url(re.compile(r"month=2026-03"))

    community = page.locator("#measure-cmh_second_contact")
    expect(community).to_contain_text("8 met the measure, of 10 counted")
    expect(community).to_contain_text("80.0%")
    expect(page.locator("#measure-crisis_very_urgent_4h")).to_contain_text("* met the measure, of * counted")
    community.get_by_text("How it is counted").click()
    expect(community).to_contain_text("CMH Dashboard")
    expect(page.locator("#measure-local_response_24h")).to_contain_text("Local measure")
    axe_check(page)


def test_a_manager_opens_a_record_from_the_data_quality_list_on_a_phone(
    phone, login, tina, alice, charlie, community_team, south_team, axe_check
):
    known = build_known_set(alice, charlie, community_team, south_team)
    login(phone, tina)
    phone.goto("/dashboard/data-quality/?month=2026-03")

    expect(phone.get_by_role("heading", level=1)).to_have_text("Data quality")
    expect(phone.locator("#untyped-teams")).to_contain_text("South IPCT")
    axe_check(phone)
    section = phone.locator("#issue-referrals")
    section.locator("summary").click()
    section.get_by_role("link", name=known["other"].reference).click()
    # The referral opens on its person's page.
    expect(phone).not_to_have_url(re.compile(r"/dashboard/"))
    expect(phone.locator("main")).to_contain_text(known["other"].reference)
