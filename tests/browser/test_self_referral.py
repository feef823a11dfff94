"""Online self-referral in a real browser, on a phone: from the public form (no account) to the
locality's triage queue, with crisis help shown on the way and every page axe clean."""

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from referrals.models import Referral
from tests.factories.localities import PostcodeDistrictFactory

# An iPhone 12 to 15's viewport: the public form is built for phones first.
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def visitor(browser: Browser, live_server, transactional_db) -> Iterator[Page]:
    """A member of the public on a 390x844 phone, not logged in; only the live server is reached."""
    cache.clear()  # the form's limits count in Redis
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport=PHONE_390,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    yield page
    context.close()
    cache.clear()
    assert not problems, "\n".join(problems)


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def test_self_referral_on_a_phone_reaches_the_triage_queue(visitor, page, login, alice, north, north_team, axe_check):
    PostcodeDistrictFactory(outward_code="BS5", locality=north)

    visitor.goto("/accounts/login/")
    visitor.get_by_role("link", name="Refer yourself").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Refer yourself for mental health support")
    axe_check(visitor)
    _fits(visitor)
    visitor.get_by_role("button", name="Start now").click()

    # Nothing chosen: the error is listed and linked, as on every NHS.UK form.
    _continue(visitor)
    expect(visitor).to_have_title(re.compile("^Error: "))
    expect(visitor.locator(".nhsuk-error-summary")).to_contain_text("Select yes if you are in danger right now")
    axe_check(visitor)
    visitor.get_by_role("radio", name="Yes").check()
    _continue(visitor)

    # Crisis help, without stopping the referral.
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Get help now")
    expect(visitor.get_by_role("link", name="999").first).to_have_attribute("href", "tel:999")
    expect(visitor.locator(".nhsuk-card--care--emergency")).to_contain_text("option 2")
    axe_check(visitor)
    _fits(visitor)
    visitor.get_by_role("button", name="Continue with my referral").click()

    visitor.get_by_label("First name").fill("Jo")
    visitor.get_by_label("Last name").fill("Weston")
    axe_check(visitor)
    _continue(visitor)
    visitor.get_by_label("Day").fill("15")
    visitor.get_by_label("Month").fill("3")
    visitor.get_by_label("Year").fill("1990")
    _continue(visitor)
    visitor.get_by_label("What is your postcode?").fill("BS5 6XX")
    _continue(visitor)
    visitor.get_by_label("Phone call or text message").check()
    visitor.get_by_label("Phone number").fill("07700 900982")
    axe_check(visitor)
    _fits(visitor)
    _continue(visitor)
    visitor.get_by_role("radio", name="No").check()
    visitor.get_by_label("Weekday evenings").check()
    axe_check(visitor)
    _continue(visitor)
    visitor.get_by_label("Tell us what is happening").fill("I have not slept properly for weeks and feel hopeless.")
    axe_check(visitor)
    _continue(visitor)
    visitor.get_by_label("Is anyone else involved in your care or support? (optional)").fill("My sister.")
    _continue(visitor)

    expect(visitor.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your referral")
    axe_check(visitor)
    _fits(visitor)
    # A change link comes back here.
    visitor.get_by_role("link", name="Change postcode").click()
    visitor.get_by_label("What is your postcode?").fill("BS5 7AA")
    _continue(visitor)
    expect(visitor.locator(".nhsuk-summary-list")).to_contain_text("BS5 7AA")
    visitor.get_by_role("button", name="Send referral").click()

    expect(visitor.get_by_role("heading", level=1)).to_have_text("Referral sent")
    referral = Referral.objects.get()
    expect(visitor.locator(".nhsuk-panel")).to_contain_text(referral.reference)
    axe_check(visitor)
    _fits(visitor)
    # Shown once: a reload goes back to the start, with nothing read back.
    visitor.reload()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Refer yourself for mental health support")
    expect(visitor.locator("main")).not_to_contain_text(referral.reference)

    assert referral.source == Referral.Source.SELF
    assert referral.urgency == Referral.Urgency.URGENT
    login(page, alice)
    page.goto("/triage/")
    expect(page.locator("main")).to_contain_text("Jo Weston")
    expect(page.locator("main")).to_contain_text(referral.reference)
    axe_check(page)
