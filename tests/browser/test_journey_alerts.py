"""Journey 8 in a real browser: the alerts inbox, newest first; mark one or all as seen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Clock, Notification
from tests.browser.conftest import DESKTOP, PASSWORD, _new_context, htmx_ready
from tests.factories import make_alert, make_notification, make_referral


def _inbox(user, *, by, practice) -> dict[str, Notification]:
    """A warning (seen), a breach and an escalation for ``user``, an hour apart, on two people."""
    now = timezone.now()
    first = make_referral(
        by=by, practice=practice, now=now - timedelta(days=3), given_name="Wren", family_name="Warning"
    )
    second = make_referral(by=by, practice=practice, now=now - timedelta(days=3), given_name="Bo", family_name="Breach")
    rows = [
        ("warning", first, "warning", 0, now - timedelta(hours=3), True),
        ("breach", second, "breach", 0, now - timedelta(hours=2), False),
        ("escalation", second, "escalation", 1, now - timedelta(hours=1), False),
    ]
    made = {}
    for key, referral, level, tier, at, seen in rows:
        clock = Clock.objects.get(referral=referral, kind="first_response")
        made[key] = make_notification(make_alert(clock, level=level, tier=tier, at=at), to=user, seen=seen)
    return made


@pytest.fixture
def inbox(alice, tina, north_practice):
    return _inbox(tina, by=alice, practice=north_practice)


def test_team_manager_reads_and_clears_their_alerts(page, login, tina, inbox, axe_check):
    login(page, tina)
    nav = page.get_by_role("navigation", name="Menu")
    nav.get_by_role("link", name="Alerts, 2 unread").click()

    expect(page).to_have_title("Alerts – Community mental health referrals")
    expect(page.locator("#alerts-unseen-count")).to_have_text("2 not seen yet")
    items = page.locator("#alerts-results li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Escalation")  # newest first
    expect(items.nth(0)).to_contain_text("New")
    expect(items.nth(2)).to_contain_text("Warning")
    expect(items.nth(2).locator(".nhsuk-card--secondary")).to_have_count(1)  # seen: not highlighted
    person = inbox["breach"].alert.referral.person
    expect(
        items.nth(1).get_by_role("link", name=f"Bo Breach, {inbox['breach'].alert.referral.reference}")
    ).to_have_attribute("href", f"/people/{person.pk}/")
    axe_check(page)
    htmx_ready(page)

    # Mark one as seen: htmx swaps the item and the count, no page load.
    items.nth(1).get_by_role("button", name="Mark as seen the breach for Bo Breach").click()
    expect(items.nth(1).locator(".nhsuk-card--secondary")).to_have_count(1)
    expect(items.nth(1).get_by_role("button", name=re.compile("^Mark as seen"))).to_have_count(0)
    expect(page.locator("#alerts-unseen-count")).to_have_text("1 not seen yet")
    # The header's count follows at once (HX-Trigger), not only the page's caption.
    expect(nav.get_by_role("link", name="Alerts, 1 unread")).to_be_visible()
    expect(nav.locator("[data-app-unread-count]")).to_have_text("1")
    # The card gives the referral's urgency and one click to record a contact.
    expect(items.nth(1)).to_contain_text("Routine")
    expect(items.nth(1).get_by_role("button", name="Record a contact with Bo Breach")).to_have_attribute(
        "href", re.compile(rf"^/referrals/{inbox['breach'].alert.referral_id}/contacts/new/\?next=/alerts/")
    )
    assert Notification.objects.get(pk=inbox["breach"].pk).seen_at is not None

    # Filter by level: htmx updates the list.
    page.get_by_label("Type of alert").select_option("escalation")
    expect(page.get_by_role("status")).to_have_text("1 alert matches these filters")
    expect(items).to_have_count(1)
    axe_check(page)

    page.get_by_role("button", name="Mark all as seen").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("1 alert marked as seen.")
    expect(page.locator("#alerts-unseen-count")).to_have_text("All seen")
    expect(nav.get_by_role("link", name="Alerts", exact=True)).to_be_visible()  # no unread badge now
    expect(page).to_have_url("/alerts/?level=escalation")


def test_mark_as_seen_without_javascript(browser, live_server, transactional_db, tina, inbox):
    context = _new_context(browser, live_server, viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        tina.set_password(PASSWORD)
        tina.save(update_fields=["password"])
        page.goto("/accounts/login/?next=/alerts/%3Flevel%3Dbreach")
        page.get_by_label("Username").fill("tina")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url("/alerts/?level=breach")

        page.get_by_role("button", name="Mark as seen the breach for Bo Breach").click()

        expect(page).to_have_url("/alerts/?level=breach")
        expect(page.locator("#alerts-unseen-count")).to_have_text("1 not seen yet")
        expect(page.get_by_role("button", name="Mark as seen the breach for Bo Breach")).to_have_count(0)
    finally:
        context.close()


def test_alerts_inbox_on_a_phone(phone, login, tina, inbox, axe_check):
    login(phone, tina)
    phone.goto("/alerts/")

    expect(phone.locator("#alerts-results li")).to_have_count(3)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(phone)
