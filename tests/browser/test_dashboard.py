"""The dashboard in Chromium: charts drawn, filters applied, a table downloaded as CSV, accessible.

Set DASHBOARD_SCREENSHOTS=1 to (re)write docs/screenshots/dashboard-*.png from these tests.
"""

import csv
import io
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.reporting.conftest import build_service, csv_without_made_with

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _screenshot(page, name: str) -> None:
    if os.environ.get("DASHBOARD_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def service(alice, north_team, south_team, north_practice):
    return build_service(by=alice, practice=north_practice, now=timezone.now())


def _table(page, key: str) -> list[list[str]]:
    rows = page.locator(f"#table-{key} table tr")
    return [
        [" ".join(cell.split()) for cell in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_the_dashboard_draws_its_charts_filters_and_downloads(page, login, tina, service, axe_check):
    login(page, tina)
    page.goto("/dashboard/?period=13w")

    expect(page.get_by_role("heading", level=1)).to_have_text("Waits")
    expect(page.locator("svg.app-chart")).to_have_count(6)
    expect(page.get_by_role("img", name="Referrals received each week")).to_be_visible()
    expect(page.locator(".nhsuk-card").first).to_contain_text("Referrals received")
    headline = _table(page, "headline")
    assert headline[1] == ["Completed waits", "10", "10"]
    _screenshot(page, "dashboard-desktop")
    axe_check(page)

    # The figures behind a chart are a click away, as a table.
    page.get_by_text("Figures in this chart: Referrals received each week").click()
    expect(page.locator("#table-trend-received table")).to_be_visible()

    # The CSV is the table on the page.
    with page.expect_download() as download:
        page.locator("#table-headline").get_by_text("Download this table as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Period" and rows[0][1].startswith("Last 13 weeks: ")  # what it was made with
    assert csv_without_made_with(rows) == headline

    # Filter to South's team: nothing there.
    page.get_by_label("Team").select_option(label="South IPCT")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"team=\d+"))
    assert _table(page, "headline")[1] == ["Completed waits", "0", "0"]
    expect(page.locator("#dashboard-scope")).to_contain_text("Team: South IPCT")


def test_dates_typed_in_set_the_period(page, login, tina, service):
    today = timezone.localdate()
    login(page, tina)
    page.goto("/dashboard/")

    start = today.replace(day=1)
    page.locator("#from-day").fill(str(start.day))
    page.locator("#from-month").fill(str(start.month))
    page.locator("#from-year").fill(str(start.year))
    page.get_by_role("button", name="Apply").click()

    expect(page.locator("#dashboard-scope")).to_contain_text(f"{start.day} {start:%b %Y} to")
    expect(page.locator("#from-day")).to_have_value(str(start.day))


def test_equality_breakdown_shows_not_stated(page, login, sam, service, axe_check):
    login(page, sam)
    page.goto("/dashboard/?period=13w")
    page.get_by_role("link", name="Equality of access").click()
    page.get_by_role("link", name="Age band").click()

    table = _table(page, "by-age_band")
    labels = [row[0] for row in table[1:]]
    assert labels[-1] == "Not stated"
    assert table[labels.index("36-45") + 1][1] == "9"
    assert table[-1][1] == "*"
    expect(page.get_by_role("img", name="Treatment within 4 weeks (%) by age band")).to_be_visible()
    _screenshot(page, "dashboard-equality-desktop")
    axe_check(page)


@pytest.mark.parametrize("path", ["/dashboard/breaches/", "/dashboard/capacity/", "/dashboard/flow/"])
def test_the_other_pages_are_accessible(page, login, tina, service, axe_check, path):
    login(page, tina)
    page.goto(path + "?period=13w")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)


def test_the_dashboard_on_a_phone(phone, login, tina, service, axe_check):
    login(phone, tina)
    phone.goto("/dashboard/?period=13w")

    expect(phone.locator("svg.app-chart").first).to_be_visible()
    _screenshot(phone, "dashboard-phone")
    axe_check(phone)


@pytest.mark.parametrize("path", ["/dashboard/capacity/", "/dashboard/equality/"])
def test_every_column_of_the_tables_shows_at_1280_px_without_a_sideways_scroll(page, login, tina, service, path):
    login(page, tina)
    page.goto(path + "?period=13w")
    expect(page.locator(".nhsuk-table-container").first).to_be_visible()

    clipped = page.evaluate(
        """[...document.querySelectorAll('.nhsuk-table-container')]
             .filter((box) => box.scrollWidth > box.clientWidth + 1)
             .map((box) => box.getAttribute('aria-label'))"""
    )

    assert clipped == []
