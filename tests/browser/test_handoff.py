"""After a redirect, in a real browser: the clinician who sent someone elsewhere opens them and
sees where they went, not a 404; the page and the list are axe clean."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from localities.models import Team
from referrals.services import referral_redirect
from tests.factories import TeamFactory, make_referral


@pytest.fixture
def handed_off(trust, intake, alice, north_practice, north_team):
    sequoia = TeamFactory(name="Sequoia Tree Service", organisation=trust, locality=None, kind=Team.Kind.SYSTEM_SERVICE)
    referral = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    return referral_redirect(
        referral=referral, by=alice, now=timezone.now(), to_team=sequoia, note="Sequoia pathway.", person_informed=True
    )


def test_the_sender_opens_the_person_and_sees_where_they_went(page, login, alice, handed_off, axe_check):
    login(page, alice)
    page.goto(f"/people/{handed_off.referral.person_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where Robin Harbour went")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("Sequoia Tree Service")
    axe_check(page)

    page.get_by_role("link", name="All hand-offs you can follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hand-offs: where people went")
    axe_check(page)
    page.get_by_role("link", name="Robin Harbour").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where Robin Harbour went")
