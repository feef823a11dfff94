"""Journey 4 in Chromium: the trusted assessment is written once, a partner from another
organisation builds on it without retyping, and consent to share is shown and recorded at the top."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.consent import consent_record
from referrals.models import AssessmentAddition, SharingConsent, TrustedAssessment
from referrals.services import caseload_allocate, referral_triage, trusted_assessment_write
from tests.browser.conftest import DESKTOP, PASSWORD
from tests.factories import make_received_referral


@pytest.fixture
def robins_referral(intake, north_practice, north_team):
    """Robin Ash's referral, received two days ago."""
    return make_received_referral(
        by=intake,
        practice=north_practice,
        now=timezone.now() - timedelta(days=2),
        given_name="Robin",
        family_name="Ash",
    )


@pytest.fixture
def person(robins_referral):
    return robins_referral.person


@pytest.fixture
def written(person, robins_referral, alice):
    return trusted_assessment_write(
        person=person,
        by=alice,
        now=timezone.now(),
        referral=robins_referral,
        presenting_needs="Anxious about leaving the house since a fall.",
        housing="Lives alone in a council flat on the fourth floor.",
    )


@pytest.fixture
def bob_holds(robins_referral, alice, bob):
    """bob, a VCSE link worker, opens only the records of people allocated to him."""
    now = timezone.now()
    referral_triage(referral=robins_referral, by=alice, now=now)
    return caseload_allocate(referral=robins_referral, by=alice, now=now, link_worker=bob)


@pytest.fixture
def shared(person, alice):
    """Robin agreed to share with all partners in their care team, so bob (Synthetic Mind) reads
    the trust's assessment."""
    return consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")


def assessment_url(person) -> str:
    return reverse("referrals:assessment", kwargs={"person_id": person.pk})


def test_a_clinician_writes_the_assessment_once_with_consent_shown_at_the_top(
    page: Page, login, axe_check, alice, person, robins_referral
):
    login(page, alice)
    page.goto(assessment_url(person))

    expect(page).to_have_title("Trusted assessment – Robin Ash – Community mental health referrals")
    consent = page.locator("#consent")
    expect(consent.locator(".nhsuk-tag")).to_have_text("None recorded")
    axe_check(page)

    # Leaving out presenting needs: the service's message in the summary and beside the box.
    page.get_by_label("Housing").fill("Council flat, fourth floor, lift often broken.")
    page.get_by_role("button", name="Save the trusted assessment").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name="Describe what the person needs help with, in their words.")
    ).to_be_visible()
    expect(page).to_have_title("Error: Trusted assessment – Robin Ash – Community mental health referrals")
    axe_check(page)

    summary.get_by_role("link").click()
    expect(page.get_by_label("Presenting needs")).to_be_focused()
    page.get_by_label("Presenting needs").fill("Anxious about leaving the house since a fall.")
    page.get_by_label("Which referral is this assessment for?").select_option(str(robins_referral.pk))
    page.get_by_role("button", name="Save the trusted assessment").click()

    expect(page.get_by_text("Trusted assessment saved.")).to_be_visible()
    expect(page.locator("#section-housing")).to_contain_text("Council flat, fourth floor, lift often broken.")
    expect(page.get_by_role("button", name="Save the trusted assessment")).to_have_count(0)
    assert TrustedAssessment.objects.get(person=person).written_by == alice
    axe_check(page)


@pytest.mark.usefixtures("bob_holds", "shared")
def test_a_vcse_link_worker_adds_to_a_section_in_place_without_retyping(
    page: Page, login, axe_check, bob, person, written
):
    login(page, bob)
    page.goto(assessment_url(person))
    page.evaluate("window.notReloaded = true")

    housing = page.locator("#section-housing")
    housing.locator("summary").click()
    housing.get_by_label("Your addition to \u201cHousing\u201d").fill(
        "Housing officer is arranging a ground-floor move."
    )
    housing.get_by_role("button", name="Add to this section").click()

    housing = page.locator("#section-housing")
    expect(housing.get_by_text("Your addition is saved.")).to_be_visible()
    addition = housing.locator(".nhsuk-inset-text")
    expect(addition).to_contain_text("Housing officer is arranging a ground-floor move.")
    expect(addition).to_contain_text("Synthetic Mind")
    expect(addition).to_contain_text(f"Added {timezone.localtime():%-d %B %Y}")
    # The original stays as it was written, above the addition.
    expect(housing).to_contain_text("Lives alone in a council flat on the fourth floor.")
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the section, no page load
    assert AssessmentAddition.objects.get().added_by == bob
    axe_check(page)

    # An empty addition: the error appears inside the section, still without a reload.
    housing.locator("summary").click()
    housing.get_by_role("button", name="Add to this section").click()
    expect(page.locator("#section-housing .nhsuk-error-message")).to_contain_text("Write what you are adding.")
    assert page.evaluate("window.notReloaded") is True
    axe_check(page)


def test_consent_is_recorded_for_named_organisations_then_withdrawn_after_confirming(
    page: Page, login, axe_check, alice, person, written, vcse
):
    login(page, alice)
    page.goto(assessment_url(person))

    consent = page.locator("#consent")
    consent.locator("summary").click()
    consent.get_by_label("Consent given").check()
    consent.get_by_label("Only the organisations named").check()
    consent.get_by_role("button", name="Record decision").click()
    # The service insists on at least one organisation.
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Name at least one organisation.")
    axe_check(page)

    consent = page.locator("#consent")
    consent.get_by_label("Synthetic Mind").check()
    consent.get_by_role("button", name="Record decision").click()

    consent = page.locator("#consent")
    expect(consent.locator(".nhsuk-tag")).to_have_text("Consent given")
    expect(consent).to_contain_text("Synthetic Mind")
    axe_check(page)

    consent.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_role("heading", name="Withdraw consent to share?")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Yes, withdraw consent").click()

    expect(page.locator("#consent")).to_contain_text(f"Withdrawn on {timezone.localtime():%-d %B %Y}")
    assert SharingConsent.objects.get().withdrawn_by == alice


@pytest.mark.usefixtures("bob_holds", "shared")
def test_on_a_phone_the_assessment_fits_the_screen(phone: Page, login, axe_check, bob, person, written):
    login(phone, bob)
    phone.goto(assessment_url(person))

    expect(phone.locator("#section-presenting_needs")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(phone)


@pytest.mark.usefixtures("bob_holds", "shared")
def test_without_javascript_an_addition_posts_and_comes_back_to_its_section(
    transactional_db, browser, live_server, bob, person, written
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        bob.set_password(PASSWORD)
        bob.save(update_fields=["password"])
        page.goto(reverse("accounts:login"))
        page.get_by_label("Username").fill("bob")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(assessment_url(person))

        money = page.locator("#section-money")
        money.locator("summary").click()  # <details> opens without JavaScript
        money.get_by_label("Your addition to \u201cMoney and debt\u201d").fill(
            "Referred to Citizens Advice for debt help."
        )
        money.get_by_role("button", name="Add to this section").click()

        expect(page).to_have_url(f"{live_server.url}{assessment_url(person)}#section-money")
        expect(page.get_by_text("Your addition to \u201cMoney and debt\u201d is saved.")).to_be_visible()
        expect(page.locator("#section-money")).to_contain_text("Referred to Citizens Advice for debt help.")
    finally:
        context.close()
