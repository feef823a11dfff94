"""Logging in with two-factor, the lockout page, and the Content Security Policy, in Chromium."""

from base64 import b32decode

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.services import enrolment_code_issue
from tests.factories import UserFactory

from .conftest import PASSWORD

NHS_BLUE = "rgb(0, 94, 184)"
required = override_settings(REQUIRE_TWO_FACTOR=True)


def _password_login(page: Page, user) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _code(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


@required
def test_a_person_with_an_authenticator_app_logs_in_with_a_code(page, alice, axe_check):
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)

    _password_login(page, alice)

    expect(page).to_have_url("/accounts/two-factor/?next=%2F")
    expect(page).to_have_title("Enter your security code – Community mental health referrals")
    axe_check(page)
    page.get_by_label("Security code").fill(_code(device.bin_key))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


@required
def test_a_wrong_code_shows_the_error_summary(page, alice, axe_check):
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)
    _password_login(page, alice)

    page.get_by_label("Security code").fill(f"{(int(_code(device.bin_key)) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        "The security code is not right. Enter the code your app shows now"
    )
    expect(page).to_have_title("Error: Enter your security code – Community mental health referrals")
    axe_check(page)


@required
def test_a_person_without_an_app_sets_one_up_then_carries_on(page, alice, axe_check):
    # An administrator gave alice a one-time set-up code (issue 10, item 7).
    given = enrolment_code_issue(user=alice, by=UserFactory(is_staff=True), now=timezone.now())
    _password_login(page, alice)

    expect(page).to_have_url("/accounts/two-factor/set-up/?next=%2F")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe_check(page)
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").inner_text()
    expect(page.locator("#otpauth-uri")).to_contain_text("otpauth://totp/")
    page.get_by_label("Set-up code from your administrator").fill(given)
    page.get_by_label("Security code").fill(_code(b32decode(secret.replace(" ", ""))))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    expect(page).to_have_url("/")
    assert TOTPDevice.objects.get(user=alice).confirmed


def test_repeated_wrong_passwords_lock_the_account_with_an_nhs_page(page, alice, axe_check, settings):
    alice.set_password(PASSWORD)
    alice.save()
    page.goto("/accounts/login/")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(f"wrong-password-{attempt}")
        page.get_by_role("button", name="Log in").click()
        if attempt < settings.AXES_FAILURE_LIMIT:
            expect(page.locator(".nhsuk-error-summary")).to_be_visible()

    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot log in for 15 minutes")
    expect(page).to_have_title("You cannot log in for 15 minutes – Community mental health referrals")
    expect(page.get_by_role("banner")).to_have_css("background-color", NHS_BLUE)
    axe_check(page)

    # Even the right password is refused now.
    page.get_by_role("link", name="try logging in again").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot log in for 15 minutes")


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Every Content Security Policy violation the page reports, from the console and from the
    securitypolicyviolation event (collected by a script Playwright injects, which CSP does not cover)."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    return found


def _reported(page: Page, found: list[str]) -> list[str]:
    return found + page.evaluate("window.__csp")


@pytest.mark.csp_violation_expected  # it injects an inline script at the end, to see it refused
def test_no_page_breaks_the_content_security_policy(page, login, alice, csp_violations):
    page.goto("/accounts/login/")
    expect(page.locator("body")).to_have_class("js-enabled nhsuk-frontend-supported")
    assert not _reported(page, csp_violations)

    login(page, alice)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    assert not _reported(page, csp_violations)

    page.goto("/triage/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not _reported(page, csp_violations)

    # And the policy is really enforced (so the silence above means something): injected inline
    # script is refused, and reported.
    page.evaluate("document.body.append(Object.assign(document.createElement('script'), {text: 'window.x = 1'}))")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.x") is None


@required
def test_the_two_factor_set_up_page_keeps_to_the_policy_too(page, alice, csp_violations):
    _password_login(page, alice)

    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert not _reported(page, csp_violations)
