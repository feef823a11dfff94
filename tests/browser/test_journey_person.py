"""Journey 9 and the person page in a real browser: who holds the person, risks, carers, consent,
hand-offs, links onward, and the timeline, on a desktop and a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.consent import consent_record
from localities.models import Team
from referrals.models import Carer
from referrals.services import (
    carer_add,
    caseload_allocate,
    contact_record,
    referral_redirect,
    referral_triage,
    risk_flag_raise,
)
from tests.factories import TeamFactory, make_referral


@pytest.fixture
def robin(alice, bob, tina, intake, trust, north_practice, north_team):
    """Robin: referred by the GP two hours ago, redirected to Sequoia and back, now held by bob."""
    sequoia = TeamFactory(name="Sequoia Tree Service", organisation=trust, locality=None, kind=Team.Kind.SYSTEM_SERVICE)
    start = timezone.now() - timedelta(hours=2)
    referral = make_referral(by=intake, practice=north_practice, now=start, given_name="Robin", family_name="Harbour")
    person = referral.person
    step = iter(range(1, 100))

    def at():
        return start + timedelta(minutes=5 * next(step))

    risk_flag_raise(person=person, by=alice, now=at(), kind="suicide", note="Thoughts of ending life; has a plan.")
    carer_add(
        person=person,
        by=alice,
        now=at(),
        name="Jo Harbour",
        relationship="sister",
        involved_with_consent=True,
        carers_assessment=Carer.CarersAssessment.OFFERED,
    )
    consent_record(person=person, by=alice, now=at(), decision="given", scope="care_team")
    referral_redirect(
        referral=referral, by=alice, now=at(), to_team=sequoia, note="Try Sequoia first.", person_informed=True
    )
    referral_redirect(
        referral=referral, by=alice, now=at(), to_team=north_team, note="Sequoia: locality first.", person_informed=True
    )
    referral_triage(referral=referral, by=tina, now=at(), thrive_grouping="getting_help", next_step="Allocate.")
    caseload_allocate(referral=referral, by=tina, now=at(), link_worker=bob)
    when = at()
    contact_record(referral=referral, by=bob, now=when, occurred_at=when, mode="video", outcome="completed")
    referral.refresh_from_db()
    return referral


def test_person_page_names_who_holds_them_and_links_onward(page, login, tina, bob, robin, axe_check):
    login(page, tina)
    page.goto(f"/referrals/{robin.pk}/")  # the address alerts link to

    expect(page).to_have_url(re.compile(rf"/people/{robin.person_id}/#referral-{robin.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Harbour")
    number = robin.person.nhs_number
    expect(page.locator(".nhsuk-caption-l")).to_contain_text(f"{number[:3]} {number[3:6]} {number[6:]}")
    expect(page.locator(".nhsuk-inset-text").first).to_contain_text("Consent to share: given")
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("Thoughts of ending life")
    card = page.locator(f"#referral-{robin.pk}")
    expect(card).to_contain_text(f"{bob}")
    expect(card).to_contain_text("Met")
    expect(card.get_by_role("link", name=re.compile("^Record a contact"))).to_be_visible()
    history = page.locator("#handoffs ~ ol")
    expect(history.locator("li").first).to_contain_text(f"Held by {bob}")
    expect(history).to_contain_text("Handed over from Sequoia Tree Service to North IPCT")
    expect(history).to_contain_text("Handed over from North IPCT to Sequoia Tree Service")
    axe_check(page)

    page.get_by_role("link", name="Timeline: everything that happened").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline")
    entries = page.locator(".app-timeline > li h2")
    expect(entries.nth(0)).to_have_text("First response clock stopped")  # the contact's consequence
    expect(entries.nth(1)).to_have_text("Video contact: attended")
    expect(entries.last).to_contain_text(f"Referral {robin.reference} received")
    expect(page.locator(".app-timeline")).to_contain_text("Risk flag raised: Risk of suicide")
    expect(page.locator(".app-timeline")).to_contain_text("Consent to share: consent given")
    expect(page.locator(".app-timeline")).to_contain_text("Triaged")
    axe_check(page)


def test_person_page_and_timeline_on_a_phone(phone, login, bob, robin, axe_check):
    login(phone, bob)
    for path in (f"/people/{robin.person_id}/", f"/people/{robin.person_id}/timeline/"):
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
        axe_check(phone)


def test_someone_outside_the_team_cannot_open_the_person(page, login, charlie, robin):
    login(page, charlie)
    response = page.goto(f"/people/{robin.person_id}/")

    assert response is not None and response.status == 404
