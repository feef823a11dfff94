"""Access control in Chromium: break-glass, and consent withdrawal taking effect at once for
another organisation's worker looking at the same record."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from access.models import BreakGlassReview
from accounts.models import AuditEvent
from referrals.services import trusted_assessment_write
from tests.browser.conftest import DESKTOP, _new_context, _watched_page
from tests.factories import make_allocated_referral

STORY = "Frightened to leave the flat since the break-in; not eating."


@pytest.fixture
def sols_referral(alice, bob, north_practice, north_team):
    """Sol Reed's referral, two days old, held by bob in North team, with a trusted assessment."""
    referral = make_allocated_referral(
        by=alice,
        now=timezone.now() - timedelta(days=2),
        link_worker=bob,
        team=north_team,
        practice=north_practice,
        nhs_number="9434765919",
        given_name="Sol",
        family_name="Reed",
    )
    trusted_assessment_write(person=referral.person, by=alice, now=timezone.now(), presenting_needs=STORY)
    return referral


@pytest.fixture
def other_page(browser: Browser, live_server, transactional_db) -> Iterator[Page]:
    """A second person at another computer (their own cookies)."""
    context = _new_context(browser, live_server, viewport=DESKTOP)
    page, problems = _watched_page(context, live_server)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def test_a_clinician_outside_the_team_breaks_the_glass_with_a_reason(
    page: Page, login, axe_check, charlie, sols_referral
):
    person = sols_referral.person
    login(page, charlie)
    response = page.goto(reverse("referrals:person", args=[person.pk]))
    assert response is not None and response.status == 404  # not theirs: existence not revealed

    page.goto("/")
    page.get_by_role("link", name="Break-glass").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a record in an emergency")
    axe_check(page)

    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Open the record").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Give the reason you need this record in an emergency.")
    expect(page).to_have_title("Error: Break-glass: open a record in an emergency – Community mental health referrals")
    axe_check(page)

    page.get_by_label("Why do you need this record now?").fill(
        "Brought to A&E by police at 3am; I need their risk history and crisis plan."
    )
    page.get_by_role("button", name="Open the record").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sol Reed")
    expect(page.get_by_text("You opened this record with break-glass")).to_be_visible()
    axe_check(page)
    page.goto(reverse("referrals:assessment", args=[person.pk]))
    expect(page.locator("main")).to_contain_text(STORY)
    assert BreakGlassReview.objects.get().opened_by == charlie
    assert AuditEvent.objects.filter(action="access.break_glass", actor=charlie, person_id=person.pk).exists()


def test_withdrawing_consent_hides_the_assessment_from_the_other_organisation_at_once(
    page: Page, other_page: Page, login, axe_check, alice, bob, sols_referral
):
    person = sols_referral.person
    assessment = reverse("referrals:assessment", args=[person.pk])

    # bob (VCSE) holds Sol but the trust's assessment is not shared without consent.
    login(other_page, bob)
    other_page.goto(assessment)
    expect(other_page.locator("#withheld")).to_contain_text("has not agreed to share it")
    expect(other_page.locator("main")).not_to_contain_text(STORY)
    axe_check(other_page)

    # alice records Sol's consent to share with the care team...
    login(page, alice)
    page.goto(assessment)
    consent = page.locator("#consent")
    consent.locator("summary").first.click()
    consent.get_by_label("Consent given").check()
    consent.get_by_label("All partners in the person's care team").check()
    consent.get_by_role("button", name="Record decision").click()
    expect(page.locator("#consent .nhsuk-tag")).to_have_text("Consent given")

    # ...so bob now reads it...
    other_page.reload()
    expect(other_page.locator("main")).to_contain_text(STORY)

    # ...until Sol withdraws it: alice confirms, and bob's very next request no longer shows it.
    page.get_by_role("button", name="Withdraw consent").click()  # a link styled as a button
    expect(page.get_by_role("button", name="Yes, withdraw consent")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Yes, withdraw consent").click()
    expect(page.locator("#consent .nhsuk-tag")).to_contain_text("Withdrawn")

    other_page.reload()
    expect(other_page.locator("#withheld")).to_contain_text("withdrew their consent to share it")
    expect(other_page.locator("main")).not_to_contain_text(STORY)
    axe_check(other_page)
