"""Journeys 5 and 6 in a real browser: allocate and reassign a link worker; My caseload for a link
worker; the team caseload and waiting list for a team manager, on a desktop and a 375px phone."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from localities.models import Organisation
from referrals.models import Referral
from referrals.services import caseload_allocate, contact_record, referral_triage
from tests.browser.conftest import DESKTOP, PASSWORD, _new_context, htmx_ready
from tests.factories import OrganisationFactory, UserFactory, make_referral


def _referral(*, by, practice, hours_ago: float, given_name: str, family_name: str, next_step: str = "") -> Referral:
    now = timezone.now()
    referral = make_referral(
        by=by, practice=practice, now=now - timedelta(hours=hours_ago), given_name=given_name, family_name=family_name
    )
    referral_triage(referral=referral, by=by, now=now - timedelta(hours=hours_ago - 0.1), next_step=next_step)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def caseload(alice, bob, tina, north_practice):
    """Bob holds three people (one breached, one at risk, one calm); two more wait unallocated."""
    people = {
        "breached": _referral(
            by=alice,
            practice=north_practice,
            hours_ago=30,
            given_name="Bea",
            family_name="Breach",
            next_step="Phone today: first response overdue",
        ),
        "at_risk": _referral(by=alice, practice=north_practice, hours_ago=20, given_name="Ria", family_name="Risk"),
        "calm": _referral(by=alice, practice=north_practice, hours_ago=2, given_name="Cal", family_name="Calm"),
    }
    for referral in people.values():
        caseload_allocate(referral=referral, by=tina, now=timezone.now(), link_worker=bob)
    now = timezone.now()
    contact_record(
        referral=people["calm"],
        by=bob,
        now=now,
        occurred_at=now,  # "today" whatever the time of day (an hour ago is yesterday just after midnight)
        mode="telephone",
        outcome="completed",
    )
    people["waiting_long"] = _referral(
        by=alice, practice=north_practice, hours_ago=24 * 12, given_name="Wyn", family_name="Waiting"
    )
    people["waiting_new"] = _referral(
        by=alice, practice=north_practice, hours_ago=3, given_name="Nia", family_name="Newcomer"
    )
    return people


@pytest.fixture
def pat(db):
    """A peer support worker in another partner organisation, in none of our teams."""
    college = OrganisationFactory(name="Synthetic Recovery College", kind=Organisation.Kind.VCSE)
    return UserFactory(
        username="pat",
        first_name="Pat",
        last_name="Peer",
        role=Role.LINK_WORKER,
        organisation=college,
        job_title="Peer support worker",
    )


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


# --- My caseload (link worker) ---------------------------------------------------------------


def test_link_worker_finds_their_people_by_clock_and_name(page, login, bob, caseload, axe_check):
    login(page, bob)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My caseload").click()

    expect(page).to_have_title("My caseload – Community mental health referrals")
    expect(page.get_by_role("status")).to_have_text("You hold 3 people")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    # Soonest deadline first: the breached first-response clock leads.
    expect(rows.first).to_contain_text("Bea Breach")
    expect(rows.first).to_contain_text("Phone today: first response overdue")
    expect(rows.first.locator(".nhsuk-tag--red")).to_contain_text("Overdue by")
    expect(page.locator("tr", has_text="Cal Calm")).to_contain_text("today")
    expect(page.locator("tr", has_text="Ria Risk")).to_contain_text("No contact yet")
    axe_check(page)
    htmx_ready(page)

    # htmx: changing a filter updates the list in place, and the address bar keeps it.
    page.get_by_label("Clocks").select_option("at_risk")
    expect(page.get_by_role("status")).to_have_text("1 person matches these filters")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ria Risk")
    expect(rows.first.locator(".nhsuk-tag--orange")).to_contain_text("Due in")
    expect(page).to_have_url("/caseload/?q=&attention=&status=&clock=at_risk")

    page.get_by_label("Clocks").select_option("")
    page.get_by_label("Search by name, reference or NHS number").fill("breach")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bea Breach")
    axe_check(page)

    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(3)


def test_record_a_contact_is_one_click_from_a_caseload_row(page, login, bob, caseload):
    login(page, bob)
    page.goto("/caseload/")

    button = page.locator("tr", has_text="Ria Risk").get_by_role("button", name="Record a contact with Ria Risk")

    expect(button).to_have_attribute("href", f"/referrals/{caseload['at_risk'].pk}/contacts/new/?next=/caseload/")
    box = button.bounding_box()
    assert box and box["height"] >= 40  # an NHS.UK button, not a 17 px text link
    button.click()
    expect(page).to_have_url(re.compile(rf"/referrals/{caseload['at_risk'].pk}/contacts/new/"))


def test_my_caseload_filters_work_without_javascript(browser, live_server, transactional_db, bob, caseload):
    page = _no_js_page(browser, live_server, bob)
    page.goto("/caseload/")
    page.get_by_label("Status").select_option("allocated")
    page.get_by_label("Clocks").select_option("breached")
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url("/caseload/?q=&attention=&status=allocated&clock=breached")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Bea Breach")

    # "No contact for 14 days": everyone but Cal Calm, contacted today.
    page.goto("/caseload/")
    page.get_by_label("Needs attention").select_option("no_recent_contact")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url("/caseload/?q=&attention=no_recent_contact&status=&clock=")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).not_to_contain_text("Cal Calm")


# --- Team caseload and allocation (team manager) ---------------------------------------------


def test_team_manager_allocates_from_the_waiting_list_inline(page, login, tina, bob, caseload, axe_check):
    login(page, tina)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Team").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("North IPCT")
    workers = page.get_by_role("table", name="Each worker's caseload against their capacity")
    expect(workers.locator("tr", has_text=str(bob))).to_contain_text("3 of 25")
    axe_check(page)

    page.get_by_role("link", name="Waiting for treatment (5)").click()
    rows = page.locator("#team-results tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Wyn Waiting")  # nearest to breaching the 4-week wait
    expect(rows.last).to_contain_text("Cal Calm")  # received most recently

    page.get_by_role("link", name="Unallocated (2)").click()
    # A full page load: wait for the new list before looking for the row (Nia is waiting too).
    expect(page.locator("[aria-current=page]", has_text="Unallocated (2)")).to_be_visible()
    htmx_ready(page)
    row = page.locator("tr", has_text="Nia Newcomer")
    row.get_by_role("link", name="Allocate a link worker for Nia Newcomer").click()
    # htmx swapped the row for a one-line form: no page load.
    select = row.get_by_label("Link worker for Nia Newcomer")
    expect(select).to_be_visible()
    expect(page).to_have_url("/team/?team={}&view=unallocated#people".format(caseload["calm"].team_id))
    axe_check(page)
    select.select_option(label=f"{bob} (3 of 25)")
    row.get_by_role("button", name="Allocate Nia Newcomer").click()

    expect(row.get_by_role("status")).to_have_text("Allocated")
    expect(row).to_contain_text(str(bob))
    assert Referral.objects.get(pk=caseload["waiting_new"].pk).allocated_to_id == bob.pk


def test_team_manager_allocates_without_javascript(browser, live_server, transactional_db, tina, bob, caseload):
    page = _no_js_page(browser, live_server, tina)
    page.goto("/team/?view=unallocated")
    page.locator("tr", has_text="Wyn Waiting").get_by_role(
        "link", name="Allocate a link worker for Wyn Waiting"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Allocate a link worker")
    page.get_by_label(str(bob)).check()
    page.get_by_role("button", name="Allocate").click()

    expect(page).to_have_url(re.compile(r"/team/\?view=unallocated$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        f"Wyn Waiting is now held by {bob} in North IPCT."
    )
    expect(page.locator("tr", has_text="Wyn Waiting")).to_have_count(0)  # no longer unallocated
    expect(page.get_by_text("Unallocated (1)")).to_be_visible()


def test_reassign_to_a_peer_worker_in_another_organisation_with_a_handover_note(
    page, login, tina, bob, pat, caseload, axe_check
):
    referral = caseload["at_risk"]
    login(page, tina)
    page.goto(f"/referrals/{referral.pk}/allocate/?next=/team/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Reassign link worker")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text(f"{bob} (Synthetic Mind), North IPCT")
    axe_check(page)
    htmx_ready(page)

    # Search any partner organisation: htmx swaps in the choices, keeping the rest of the form.
    page.get_by_label("Handover note").fill("")
    page.get_by_label("Search for a worker in any partner organisation").fill("recovery college")
    page.get_by_role("button", name="Search for a worker").click()
    expect(page.get_by_label("Pat Peer")).to_be_visible()
    expect(page.locator("#worker-choices")).to_contain_text(
        "Peer support worker, Synthetic Recovery College. Holds 0 of 25."
    )
    page.get_by_label("Pat Peer").check()
    page.get_by_role("button", name="Reassign").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Write a handover note for the new link worker")
    expect(page).to_have_title("Error: Reassign link worker – Ria Risk – Community mental health referrals")
    expect(page.get_by_label("Pat Peer")).to_be_checked()  # the choice survives the error
    axe_check(page)

    summary.get_by_role("link", name="Write a handover note for the new link worker").click()
    expect(page.get_by_label("Handover note")).to_be_focused()
    page.get_by_label("Handover note").fill("Prefers texts; lives with her sister; at risk of breaching today.")
    page.get_by_role("button", name="Reassign").click()

    expect(page).to_have_url("/team/")
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("Ria Risk is now held by Pat Peer")
    referral.refresh_from_db()
    assert referral.allocated_to_id == pat.pk

    page.goto(f"/referrals/{referral.pk}/allocate/")
    history = page.get_by_role("table", name="Link workers for this referral, most recent first")
    expect(history.locator("tbody tr").first).to_contain_text("Pat Peer")
    expect(history.locator("tbody tr").first).to_contain_text("Prefers texts")
    expect(history.locator("tbody tr").last).to_contain_text(str(bob))


# --- Phone (375px) -----------------------------------------------------------------------------


def test_my_caseload_on_a_phone(phone, login, bob, caseload, axe_check):
    login(phone, bob)
    phone.goto("/caseload/")

    expect(phone.get_by_role("heading", level=1)).to_contain_text("My caseload")
    row = phone.locator("tr", has_text="Bea Breach")
    expect(row).to_be_visible()
    # The responsive table stacks each row as a card, each value with its heading.
    expect(row.locator(".nhsuk-table__heading", has_text="Clocks")).to_be_visible()
    _no_sideways_scroll(phone)
    axe_check(phone)

    htmx_ready(phone)
    phone.get_by_label("Clocks").select_option("breached")
    expect(phone.locator("tbody tr")).to_have_count(1)
    _no_sideways_scroll(phone)


def test_team_caseload_on_a_phone(phone, login, tina, bob, caseload, axe_check):
    login(phone, tina)
    phone.goto("/team/?view=unallocated")

    expect(phone.get_by_role("heading", level=1)).to_contain_text("North IPCT")
    _no_sideways_scroll(phone)
    axe_check(phone)

    htmx_ready(phone)
    row = phone.locator("tr", has_text="Nia Newcomer")
    row.get_by_role("link", name="Allocate a link worker for Nia Newcomer").click()
    row.get_by_label("Link worker for Nia Newcomer").select_option(label=f"{bob} (3 of 25)")
    row.get_by_role("button", name="Allocate Nia Newcomer").click()
    expect(row.get_by_role("status")).to_have_text("Allocated")
    _no_sideways_scroll(phone)

    phone.goto(f"/referrals/{caseload['calm'].pk}/allocate/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Reassign link worker")
    _no_sideways_scroll(phone)
    axe_check(phone)


# --- helpers ---------------------------------------------------------------------------------


_contexts: list = []


@pytest.fixture(autouse=True)
def _close_no_js_contexts() -> Iterator[None]:
    yield
    while _contexts:
        _contexts.pop().close()


def _no_js_page(browser, live_server, user) -> Page:
    """A desktop page with JavaScript off, logged in as ``user`` through the form."""
    context = _new_context(browser, live_server, viewport=DESKTOP, java_script_enabled=False)
    _contexts.append(context)
    page = context.new_page()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_a_team_manager_moves_a_leaving_workers_whole_caseload_on_one_screen(
    page, login, tina, alice, bob, north_team, north_practice, axe_check
):
    held = []
    for i in range(4):
        referral = make_referral(by=alice, practice=north_practice, given_name=f"Leaver{i}", family_name="Held")
        referral_triage(referral=referral, by=alice, now=timezone.now())
        caseload_allocate(referral=referral, by=tina, now=timezone.now(), link_worker=bob)
        held.append(referral.pk)

    login(page, tina)
    page.goto(f"/team/workers/{bob.pk}/move/?team={north_team.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("caseload")
    axe_check(page)

    page.get_by_role("link", name="Suggest who has room").click()
    expect(page.get_by_text("A plan by room is filled in below. Nothing has moved yet.")).to_be_visible()
    assert Referral.objects.filter(pk__in=held, allocated_to=bob).count() == 4  # a plan, not a move
    page.get_by_label("Handover note for everyone you move").fill("Bob has left the team; his notes are up to date.")
    page.get_by_role("button", name="Move the people chosen").click()

    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    assert not Referral.objects.filter(pk__in=held, allocated_to=bob).exists()
    axe_check(page)
