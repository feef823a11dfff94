"""The information governance lead in a real browser: search the audit log for a person, see who
has looked at their record, then review a break-glass opening. Every page passes axe."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from access.models import BreakGlassReview
from accounts.models import AuditEvent, Role
from accounts.services import audit_read
from tests.factories import PersonFactory, UserFactory


def test_ig_lead_finds_who_looked_at_a_record_and_reviews_a_break_glass_opening(
    page, login, alice, bob, trust, axe_check
):
    ig = UserFactory(username="iris", first_name="Iris", last_name="Governance", role=Role.IG_LEAD, organisation=trust)
    robin = PersonFactory(given_name="Robin", family_name="Harbour", nhs_number="9434765919")
    now = timezone.now()
    for hours, who, action in ((5, alice, "record.view"), (4, alice, "record.view"), (3, bob, "record.list")):
        audit_read(
            by=who,
            action=action,
            now=now - timedelta(hours=hours),
            people=[robin.pk],
            object_type="referrals.person",
            object_id=str(robin.pk),
        )
    BreakGlassReview.objects.create(
        person=robin,
        opened_by=alice,
        reason="Out-of-hours crisis call; needed the risk history.",
        opened_at=now - timedelta(hours=1),
        expires_at=now + timedelta(hours=3),
    )

    login(page, ig)
    page.goto("/audit/")
    expect(page).to_have_title("Audit log – Community mental health referrals")
    axe_check(page)

    # A mistyped NHS number is explained, not guessed at.
    page.get_by_label("Person", exact=True).fill("943 476 591")
    page.get_by_role("button", name="Search the audit log").click()
    expect(page).to_have_title("Error: Audit log – Community mental health referrals")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("An NHS number is 10 digits")
    axe_check(page)

    page.get_by_label("Person", exact=True).fill("943 476 5919")
    page.get_by_role("button", name="Search the audit log").click()
    expect(page.get_by_role("heading", name="Who has looked at Robin Harbour’s record?")).to_be_visible()
    who_looked = page.locator("#who-looked tbody tr")
    expect(who_looked).to_have_count(2)
    expect(who_looked.nth(0)).to_contain_text(f"{bob.get_full_name()}")  # the latest look first
    expect(who_looked.nth(0)).to_contain_text("Link worker")
    expect(who_looked.nth(0)).to_contain_text("1 in list")
    expect(who_looked.nth(1)).to_contain_text(alice.get_full_name())
    expect(who_looked.nth(1)).to_contain_text("2 views")
    expect(page.locator("#events tbody tr")).to_have_count(3)
    axe_check(page)

    # The IG pages link to each other.
    page.get_by_role("link", name="Break-glass openings (1 waiting for review)").click()
    expect(page.get_by_role("heading", name="Break-glass openings", exact=True)).to_be_visible()
    axe_check(page)

    page.get_by_label("Not appropriate: follow up").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why the opening was not appropriate")
    axe_check(page)

    page.get_by_label("Note").fill("No clinical reason found; raised with their team manager.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("Review saved: Robin Harbour’s record")
    expect(page.get_by_role("link", name="Break-glass openings (0 waiting for review)")).to_have_count(0)
    expect(page.locator(".nhsuk-contents-list__current")).to_have_text("Break-glass openings (0 waiting for review)")
    axe_check(page)
    assert AuditEvent.objects.filter(action="access.break_glass_reviewed", actor=ig, person_id=robin.pk).exists()
