"""Journeys 1 and 2 in a real browser: take a referral (person search first, risks, a carer,
routing), then triage it from the queue and redirect it with a warm handover."""

import re

import pytest
from playwright.sync_api import Page, expect

from localities.models import Team
from referrals.models import Carer, Handoff, Person, Referral, RiskFlag
from tests.factories import TeamFactory, UserFactory, make_referral, valid_nhs_number


@pytest.fixture
def sequoia(trust):
    return TeamFactory(name="Sequoia Tree Service", organisation=trust, locality=None, kind=Team.Kind.SYSTEM_SERVICE)


@pytest.fixture
def sian(trust, sequoia):
    """A clinician in the Sequoia Tree Service: the team a referral is redirected to."""
    return UserFactory(username="sian", first_name="Sian", last_name="Sequoia", organisation=trust, teams=[sequoia])


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_take_a_referral_for_a_new_person(page, login, intake, alice, north_practice, north_team, axe_check):
    login(page, intake)
    page.goto("/triage/")
    page.get_by_role("link", name="Take a new referral").click()

    expect(page).to_have_title("Take a referral: find the person – Community mental health referrals")
    axe_check(page)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the date of birth with the family name")
    expect(page).to_have_title(re.compile("^Error: "))

    number = valid_nhs_number()
    page.get_by_label("NHS number").fill(number)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No one matches")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Add a new person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Referral for a new person")
    expect(page.get_by_label("NHS number (optional)")).to_have_value(number)
    # Nothing filled in yet: every problem is listed and linked.
    page.get_by_role("button", name="Record the referral").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the person's given name")
    expect(summary).to_contain_text("Choose where the referral came from")
    expect(summary).to_contain_text("Say what the person needs help with")
    axe_check(page)
    summary.get_by_role("link", name="Enter the person's given name").click()
    expect(page.get_by_label("Given name")).to_be_focused()

    page.get_by_label("Given name").fill("Robin")
    page.get_by_label("Family name").fill("Harbour")
    page.get_by_role("group", name="Date of birth").get_by_label("Day").fill("3")
    page.get_by_role("group", name="Date of birth").get_by_label("Month").fill("4")
    page.get_by_role("group", name="Date of birth").get_by_label("Year").fill("1990")
    page.get_by_label("GP practice ODS code").fill("L81001")
    page.get_by_label("Where did the referral come from?").select_option("mental_health_line")
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_label("What does the person need help with?").fill("Panic attacks and low mood since losing job.")
    page.get_by_label("Self-harm").check()
    page.get_by_label("Describe the risks and what to do about them").fill("Has self-harmed in the last month.")
    page.get_by_label("Carer's name (optional)").fill("Jo Harbour")
    page.get_by_label("Relationship to the person").fill("sister")
    page.get_by_label("The person agrees that this carer is involved in their care").check()
    page.get_by_label("A carer's assessment was offered").check()
    page.get_by_role("button", name="Record the referral").click()

    # The intake account gets a receipt saying where the referral went, not the person's record.
    referral = Referral.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral recorded")
    expect(page.locator(".nhsuk-panel")).to_contain_text(referral.reference)
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("North IPCT (GP practice L81001)")
    expect(page.locator(f'a[href^="/people/{referral.person_id}/"]')).to_have_count(0)
    axe_check(page)
    page.get_by_role("button", name="Log out").click()

    # North's clinician opens the record, with its risks and carer.
    login(page, alice)
    page.goto(f"/people/{referral.person_id}/#referral-{referral.pk}")
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("Has self-harmed in the last month.")
    expect(page.locator("#carers")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Jo Harbour"))).to_be_visible()
    axe_check(page)
    assert referral.urgency == "urgent" and referral.source == "mental_health_line"
    assert RiskFlag.objects.get().kind == "self_harm"
    assert Carer.objects.get().carers_assessment == Carer.CarersAssessment.OFFERED


def test_an_existing_person_is_found_so_no_duplicate_is_made(page, login, intake, north_practice, north_team):
    first = make_referral(by=intake, practice=north_practice, given_name="Kit", family_name="Hillcrest")
    login(page, intake)
    page.goto("/referrals/new/")
    page.get_by_label("Family name").fill("hillcrest")
    birth = first.person.birth_date
    assert birth is None  # make_referral leaves it unknown: search by NHS number instead
    page.get_by_label("NHS number").fill(first.person.nhs_number)
    page.get_by_role("button", name="Search").click()

    page.get_by_role("link", name="Take a referral for Kit Hillcrest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral for Kit Hillcrest")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("North IPCT")
    page.get_by_label("Where did the referral come from?").select_option("self")
    page.get_by_label("What does the person need help with?").fill("Struggling again after a bereavement.")
    page.get_by_role("button", name="Record the referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Referral recorded")
    assert first.person.referrals.count() == 2
    assert Person.objects.count() == 1


def test_triage_from_the_queue_then_redirect_with_a_warm_handover(
    page, login, alice, intake, sian, sequoia, north_practice, north_team, axe_check
):
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    make_referral(by=intake, practice=north_practice, given_name="Sam", family_name="Quayside")
    login(page, alice)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Triage").click()

    expect(page).to_have_title("Triage – Community mental health referrals")
    row = page.locator("tr", has_text="Robin Harbour")
    expect(row.locator(".nhsuk-tag--blue").first).to_contain_text("left")
    expect(row).to_contain_text("GP or primary care")
    axe_check(page)
    page.get_by_label("Reference, name or NHS number").fill("harbour")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr[id^=referral-]")).to_have_count(1)

    row.get_by_role("link", name=re.compile("^Triage Robin Harbour")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage Robin Harbour")
    axe_check(page)
    page.get_by_label("Getting more help").check()
    page.get_by_label("Next step").fill("Discuss at MDT: possible complex emotional needs.")
    page.get_by_role("button", name="Save triage").click()
    expect(page).to_have_url(re.compile(r"/triage/\?q=harbour"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("triaged")

    page.locator("tr", has_text="Robin Harbour").get_by_role("link", name=re.compile("^Redirect Robin")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redirect with a warm handover")
    page.get_by_role("button", name="Hand over").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Write a handover note for the receiving team")
    axe_check(page)
    page.get_by_label("Team or service to hand over to").select_option(str(sequoia.pk))
    page.get_by_label("Handover note").fill("Complex emotional needs; she would like group work. Knows we called.")
    page.get_by_label("The person has been told where their referral has gone").check()
    page.get_by_role("button", name="Hand over").click()

    # North no longer holds Robin: back to the queue, with where they went.
    expect(page).to_have_url(re.compile(r"/triage/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("handed over to Sequoia Tree Service")
    handoff = Handoff.objects.get()
    assert handoff.person_informed and handoff.to_team == sequoia

    # The receiving service sees Robin in its queue, and the record says where they came from.
    page.context.clear_cookies()
    login(page, sian)
    page.goto("/triage/")
    expect(page.locator("tr", has_text="Robin Harbour")).to_contain_text("Redirected here")
    page.get_by_role("link", name="Robin Harbour", exact=True).click()
    history = page.locator("#handoffs ~ ol")
    expect(history).to_contain_text("Handed over from North IPCT to Sequoia Tree Service")
    expect(history).to_contain_text("The person was told.")
    axe_check(page)
    assert Referral.objects.get(pk=referral.pk).team == sequoia


def test_triage_queue_on_a_phone(phone, login, alice, intake, north_practice, north_team, axe_check):
    make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    login(phone, alice)
    phone.goto("/triage/")

    expect(phone.locator("tr", has_text="Robin Harbour")).to_be_visible()
    _no_sideways_scroll(phone)
    axe_check(phone)
