"""Logging in and out, the header every page shares, and the phone layout."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Notification
from referrals.services.alerts import alert_deliver_next, clocks_sweep
from tests.factories import make_referral

NHS_BLUE = "rgb(0, 94, 184)"


def _notify(user, practice, *, count: int, seen: int = 0) -> None:
    """``count`` breach alerts reach ``user``'s inbox (through the sweep and delivery), ``seen`` of them read."""
    now = timezone.now()
    for _ in range(count):
        make_referral(received_at=now - timedelta(hours=30), now=now - timedelta(hours=30), practice=practice)
    clocks_sweep(now=now)
    while alert_deliver_next(now=now) is not None:
        pass
    read = Notification.objects.filter(recipient=user).order_by("pk").values_list("pk", flat=True)[:seen]
    Notification.objects.filter(pk__in=list(read)).update(seen_at=now)
    assert Notification.objects.filter(recipient=user, seen_at__isnull=True).count() == count - seen


def test_nhs_css_loads_from_static_files(page):
    page.goto("/accounts/login/")

    header = page.get_by_role("banner")
    expect(header).to_have_css("background-color", NHS_BLUE)
    expect(page.get_by_role("button", name="Log in")).to_have_css("background-color", "rgb(0, 127, 59)")


def test_nhs_frontend_javascript_starts(page):
    page.goto("/accounts/login/")

    expect(page.locator("body")).to_have_class("js-enabled nhsuk-frontend-supported")
    # initAll() marks each component it starts.
    expect(page.locator("[data-module=nhsuk-button]")).to_have_attribute("data-nhsuk-button-init", "")


def test_pages_ask_for_login(page):
    page.goto("/")

    expect(page).to_have_url("/accounts/login/?next=/")
    expect(page).to_have_title("Log in – Community mental health referrals")


def test_wrong_password_shows_the_error_summary(page, alice):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text("Enter a correct username and password. Both are case-sensitive.")
    expect(page).to_have_title("Error: Log in – Community mental health referrals")
    # The NHS.UK error summary takes focus, so a screen reader announces it at once.
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    expect(page.get_by_label("Username")).to_be_focused()


def test_empty_form_says_what_to_enter_next_to_each_field(page):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".nhsuk-error-summary li")).to_have_text(["Enter your username", "Enter your password"])
    expect(page.locator("#id_username-error")).to_have_text("Error: Enter your username")
    expect(page.get_by_label("Username")).to_have_attribute("aria-describedby", "id_username-error")


def test_right_password_lands_on_home(page, login, alice):
    alice.first_name = "Alice"
    alice.save()

    login(page, alice)

    expect(page).to_have_url("/")
    expect(page).to_have_title("Home – Community mental health referrals")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Alice")
    expect(page.get_by_role("link", name="Triage")).to_have_count(2)  # the header and a card


def test_login_returns_to_the_page_asked_for(page, alice, login):
    page.goto("/accounts/logged-out/")
    login(page, alice)  # from /accounts/login/ with no next: home
    page.context.clear_cookies()

    page.goto("/?from=bookmark")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("synthetic-test-password-42")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url("/?from=bookmark")


def test_header_shows_the_unread_alert_count(page, login, alice, north_practice):
    _notify(alice, north_practice, count=3, seen=1)

    login(page, alice)

    alerts = page.get_by_role("navigation", name="Menu").get_by_role("link", name="Alerts, 2 unread")
    expect(alerts).to_be_visible()
    expect(alerts.locator(".app-count-badge")).to_have_text("2")
    expect(alerts.locator(".app-count-badge")).to_have_css("background-color", "rgb(213, 40, 27)")


def test_header_shows_no_badge_when_everything_is_read(page, login, alice, north_practice):
    _notify(alice, north_practice, count=2, seen=2)

    login(page, alice)

    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Alerts", exact=True)).to_be_visible()
    expect(nav.locator(".app-count-badge")).to_have_count(0)


def test_header_marks_the_current_page(page, login, alice):
    login(page, alice)

    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home")).to_have_attribute(
        "aria-current", "page"
    )


def test_logout_ends_the_session(page, login, alice):
    login(page, alice)

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url("/accounts/logged-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have logged out")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")


def test_login_page_passes_axe(page, axe_check):
    page.goto("/accounts/login/")
    axe_check(page)

    page.get_by_role("button", name="Log in").click()  # and with errors showing
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    axe_check(page)


def test_home_page_passes_axe(page, login, alice, north_practice, axe_check):
    _notify(alice, north_practice, count=1)
    login(page, alice)

    axe_check(page)


def test_home_fits_a_phone_without_sideways_scrolling(phone, login, bob):
    login(phone, bob)

    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # Every card is on screen and full width, one under the other.
    cards = phone.locator(".nhsuk-card")
    boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
    assert boxes and all(box["x"] >= 0 and box["x"] + box["width"] <= 375 for box in boxes)


def _phone_menu(phone):
    nav = phone.get_by_role("navigation", name="Menu")
    # NHS.UK's header folds links that do not fit into a "More" menu.
    more = nav.get_by_role("button", name="Browse More")
    if more.is_visible():
        more.click()
    return nav


def test_phone_header_offers_every_page(phone, login, alice, axe_check):
    login(phone, alice)

    nav = _phone_menu(phone)
    for name in ("Home", "Triage", "My caseload", "Team", "Dashboard", "Alerts"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    axe_check(phone)


def test_a_link_worker_is_not_offered_the_triage_queue(phone, login, bob):
    login(phone, bob)

    nav = _phone_menu(phone)
    for name in ("Home", "My caseload", "Team", "Dashboard", "Alerts"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Triage", exact=True)).to_have_count(0)


def test_pages_work_without_javascript(browser, live_server, transactional_db, alice):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".nhsuk-error-summary")).to_be_visible()

        alice.set_password("synthetic-test-password-42")
        alice.save()
        page.get_by_label("Password").fill("synthetic-test-password-42")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url("/")
        nav = page.get_by_role("navigation", name="Menu")
        for name in ("Home", "Triage", "My caseload", "Team", "Dashboard", "Alerts"):
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url("/accounts/logged-out/")
    finally:
        context.close()
