"""Journey 7 in Chromium: a link worker agrees a care plan with goals and interventions, records
outcome scores at the start and at review, then discharges through a confirmation step."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from referrals.models import Allocation, CarePlanGoal, Clock, Intervention, Referral
from referrals.services import care_plan_record, outcome_measure_record
from tests.factories import make_allocated_referral, make_received_referral, make_triaged_referral


@pytest.fixture
def robins_referral(intake, north_practice, north_team, alice, bob, tina):
    """Robin's referral, received a week ago, triaged and held by bob (a VCSE peer support worker)."""
    week_ago = timezone.now() - timedelta(days=7)
    received = make_received_referral(
        by=intake, now=week_ago, practice=north_practice, given_name="Robin", family_name="Ash"
    )
    triaged = make_triaged_referral(referral=received, by=alice, now=week_ago, thrive_grouping="getting_help")
    return make_allocated_referral(referral=triaged, by=tina, now=week_ago, link_worker=bob)


def url(robins_referral, name) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral_id": robins_referral.pk})


def fill_date(page: Page, field_id: str, day) -> None:
    for part in ("day", "month", "year"):
        page.locator(f"#{field_id}_{part}").fill(str(getattr(day, part)))


def test_a_link_worker_agrees_a_plan_then_adds_a_goal_and_an_intervention(
    page: Page, login, axe_check, bob, robins_referral, trust
):
    login(page, bob)
    page.goto(url(robins_referral, "care_plan"))
    expect(page.get_by_text("No care plan has been agreed with Robin yet.")).to_be_visible()
    axe_check(page)

    page.get_by_label("What the person and their worker agreed").fill("Peer support for eight weeks, then review.")
    page.get_by_role("button", name="Save the agreed plan").click()
    expect(page.get_by_text("Care plan agreed.")).to_be_visible()

    # A review date in the past: the service refuses, the page says so against the date.
    page.locator("summary", has_text="Add a goal").click()
    page.get_by_label("Goal", exact=True).fill("Get to the shops on my own")
    fill_date(page, "id_goal-review_date", timezone.localdate() - timedelta(days=1))
    page.get_by_role("button", name="Add goal").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="A review date cannot be in the past.")).to_be_visible()
    axe_check(page)

    fill_date(page, "id_goal-review_date", timezone.localdate() + timedelta(days=5))
    page.get_by_role("button", name="Add goal").click()
    goals = page.locator("#goals + table")
    expect(goals).to_contain_text("Get to the shops on my own")
    expect(goals.locator(".nhsuk-tag")).to_have_text("Review due")

    page.locator("summary", has_text="Add an intervention").click()
    page.get_by_label("Kind of support").select_option(label="DBT skills group")
    page.get_by_label("Description").fill("DBT skills group, 20 weeks, Tuesday evenings")
    page.get_by_label("Provided by").select_option(label=trust.name)
    fill_date(page, "id_intervention-review_date", timezone.localdate() + timedelta(days=70))
    page.get_by_role("button", name="Add intervention").click()

    interventions = page.locator("#interventions + table")
    expect(interventions).to_contain_text("DBT skills group, 20 weeks, Tuesday evenings")
    expect(interventions).to_contain_text(trust.name)
    assert CarePlanGoal.objects.get().description == "Get to the shops on my own"
    assert Intervention.objects.get().kind == "dbt_skills"
    axe_check(page)


def test_scores_at_baseline_and_review_show_the_change(page: Page, login, axe_check, bob, robins_referral):
    outcome_measure_record(
        referral=robins_referral,
        by=bob,
        now=timezone.now(),
        recorded_at=timezone.now() - timedelta(days=6),
        instrument="PHQ-9",
        score=Decimal(19),
        stage="baseline",
    )
    login(page, bob)
    page.goto(url(robins_referral, "outcomes"))
    page.evaluate("window.notReloaded = true")
    axe_check(page)

    page.locator("summary", has_text="Record a score").click()
    page.get_by_label("Measure").select_option("PHQ-9")
    page.get_by_label("Review", exact=True).check()
    page.get_by_label("Score").fill("40")
    page.get_by_role("button", name="Record score").click()
    expect(page.locator("#outcomes .nhsuk-error-summary")).to_contain_text("PHQ-9 scores run from 0 to 27.")
    axe_check(page)

    page.get_by_label("Score").fill("11")
    page.get_by_role("button", name="Record score").click()

    expect(page.get_by_text("PHQ-9 score of 11 recorded.")).to_be_visible()
    row = page.locator("#change + table tbody tr", has_text="PHQ-9")
    expect(row).to_contain_text("-8")
    expect(row.locator(".nhsuk-tag")).to_have_text("Better")
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the block in place
    axe_check(page)


def test_discharge_asks_for_confirmation_then_stops_the_clocks_and_ends_the_allocation(
    page: Page, login, axe_check, bob, robins_referral
):
    login(page, bob)
    page.goto(url(robins_referral, "discharge"))
    axe_check(page)

    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose the reason for discharge.")
    expect(summary).to_contain_text("Write the return-to-self-care plan.")
    axe_check(page)

    page.get_by_label("Goals met: back to self-care").check()
    page.get_by_label("Return-to-self-care plan").fill("Keeps walking with the peer group on Saturdays.")
    page.get_by_label("How to get back in touch").fill("Call the team or self-refer online within six months.")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check and confirm the discharge")).to_be_visible()
    expect(page.get_by_text("What happens when you confirm")).to_be_visible()
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("stops holding Robin")
    robins_referral.refresh_from_db()
    assert robins_referral.status == Referral.Status.ALLOCATED  # nothing saved yet
    axe_check(page)

    page.get_by_role("button", name="Confirm discharge").click()

    # bob sees only the open referrals he holds, so he is back on his caseload, without Robin.
    expect(page).to_have_url(re.compile(r"/caseload/$"))
    expect(page.get_by_text("Robin Ash was discharged.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Robin Ash"))).to_have_count(0)
    robins_referral.refresh_from_db()
    assert robins_referral.status == Referral.Status.DISCHARGED
    assert not Clock.objects.filter(referral=robins_referral, is_current=True, stopped_at__isnull=True).exists()
    assert not Allocation.objects.filter(referral=robins_referral, ended_at__isnull=True).exists()
    axe_check(page)


def test_on_a_phone_the_care_pages_fit_the_screen(phone: Page, login, axe_check, bob, robins_referral):
    now = timezone.now()
    care_plan_record(referral=robins_referral, by=bob, now=now, agreed_at=now, summary="Peer support for eight weeks.")
    outcome_measure_record(
        referral=robins_referral,
        by=bob,
        now=now,
        recorded_at=now,
        instrument="GAD-7",
        score=Decimal(12),
        stage="baseline",
    )
    login(phone, bob)

    for name in ("care_plan", "outcomes", "discharge"):
        phone.goto(url(robins_referral, name))
        expect(phone.locator("h1")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, name
        axe_check(phone)
