"""Journey 3 in a real browser: record a contact in two clicks, from the triage queue and from the
person's page; the clock badges change on the spot (htmx), and without JavaScript too."""

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from referrals.models import Clock, Contact
from referrals.services import caseload_allocate, referral_triage
from tests.browser.conftest import DESKTOP, PASSWORD, _new_context
from tests.factories import make_referral


def _first_response(referral) -> Clock:
    return Clock.objects.get(referral=referral, kind=Clock.Kind.FIRST_RESPONSE, is_current=True)


def test_two_clicks_from_the_triage_queue_and_the_badge_updates_in_place(
    page, login, alice, intake, north_practice, north_team, axe_check
):
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    login(page, alice)
    page.goto("/triage/")
    row = page.locator(f"#referral-{referral.pk}")
    slot = page.locator(f"#contact-slot-{referral.pk}")  # a full-width row under the referral's
    badges = row.locator(f"#clocks-{referral.pk}")
    expect(badges).to_contain_text("left")
    url_before = page.url

    row.get_by_role("link", name=re.compile("^Record a contact with Robin Harbour")).click()  # click 1
    expect(slot.get_by_role("heading", name="Contact with Robin Harbour")).to_be_visible()
    expect(slot.get_by_label("Telephone")).to_be_checked()
    expect(slot.get_by_label("Yes, seen", exact=True)).not_to_be_checked()  # attendance is never assumed
    axe_check(page)
    slot.get_by_label("Yes, seen", exact=True).check()
    slot.get_by_role("button", name="Save contact for Robin Harbour").click()

    expect(badges).to_contain_text("Met")
    expect(row.get_by_role("status")).to_have_text("Telephone contact: attended.")
    expect(slot.get_by_role("heading", name="Contact with Robin Harbour")).to_have_count(0)
    assert page.url == url_before  # no page load
    assert _first_response(referral).stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT
    axe_check(page)


def test_a_text_message_on_a_phone_from_the_person_page_stops_no_clock(
    phone, login, alice, bob, intake, north_practice, north_team, axe_check
):
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    # bob, a link worker, opens only the records of people allocated to him.
    referral_triage(referral=referral, by=alice, now=timezone.now())
    caseload_allocate(referral=referral, by=alice, now=timezone.now(), link_worker=bob)
    login(phone, bob)
    phone.goto(f"/people/{referral.person_id}/")
    card = phone.locator(f"#referral-{referral.pk}")

    card.get_by_role("link", name=re.compile("^Record a contact with Robin Harbour")).click()
    card.get_by_label("Yes, seen", exact=True).check()
    card.get_by_label("Text message").check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(phone)
    card.get_by_role("button", name="Save contact for Robin Harbour").click()

    expect(card.get_by_role("status")).to_have_text("Text message contact: attended.")
    expect(card.locator(f"#clocks-{referral.pk}")).to_contain_text("left")  # a text stops no clock
    contact = Contact.objects.get()
    assert (contact.attendance, contact.consultation_mechanism) == ("5", "09")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_errors_come_back_into_the_row(page, login, alice, intake, north_practice, north_team):
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    login(page, alice)
    page.goto("/triage/")
    row = page.locator(f"#referral-{referral.pk}")
    slot = page.locator(f"#contact-slot-{referral.pk}")
    row.get_by_role("link", name=re.compile("^Record a contact")).click()
    slot.get_by_text("Earlier time, treatment start or a note").click()
    slot.get_by_label("Time of contact").fill("99:99")
    slot.get_by_role("button", name=re.compile("^Save contact")).click()

    expect(slot.locator(f"#id_contact-{referral.pk}-occurred_time-error")).to_contain_text("Enter a time like 14:30")
    expect(slot.locator(f"#id_contact-{referral.pk}-attendance-error")).to_contain_text(
        "Say whether the person attended"
    )
    expect(row.locator(f"#clocks-{referral.pk}")).to_contain_text("left")
    assert not Contact.objects.exists()


def test_the_queue_opens_the_contact_form_across_the_row_not_in_the_actions_cell(
    page, login, alice, intake, north_practice, north_team
):
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    login(page, alice)
    page.goto("/triage/")
    row = page.locator(f"#referral-{referral.pk}")
    row.get_by_role("link", name=re.compile("^Record a contact")).click()
    form = page.locator(f"#contact-slot-{referral.pk} form")
    expect(form).to_be_visible()

    # Both boxes at the same instant: the form takes focus and the page may still be scrolling to
    # it, so two separate measurements can straddle the scroll.
    actions_box, form_box = page.evaluate(
        """(selectors) => selectors.map((selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return {x: box.x, y: box.y, width: box.width, height: box.height};
        })""",
        [f"#referral-{referral.pk} td:last-child", f"#contact-slot-{referral.pk} form"],
    )
    assert form_box["y"] >= actions_box["y"] + actions_box["height"] - 1  # below the row, not inside it
    assert form_box["width"] > 2 * actions_box["width"]
    labels = [form.get_by_label(name, exact=True).bounding_box() for name in ("Telephone", "Face to face")]
    assert labels[0] and labels[1] and labels[0]["x"] + labels[0]["width"] <= labels[1]["x"]  # side by side


def _no_js_page(browser, live_server, user) -> Page:
    context = _new_context(browser, live_server, viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def test_without_javascript_it_is_a_page_that_comes_back(
    browser, live_server, transactional_db, alice, intake, north_practice, north_team
):
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    page = _no_js_page(browser, live_server, alice)
    page.goto("/triage/")
    page.locator("tr", has_text="Robin Harbour").get_by_role("link", name=re.compile("^Record a contact")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record a contact")
    page.get_by_label("Yes, seen", exact=True).check()
    page.get_by_role("button", name="Save contact").click()

    expect(page).to_have_url(re.compile(r"/triage/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Telephone contact: attended for Robin Harbour"
    )
    assert _first_response(referral).stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT
    page.context.close()
