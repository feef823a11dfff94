"""The IG lead merges two records of one person in Chromium, after comparing them side by side and
confirming with a reason, then undoes it; every page passes axe."""

from datetime import date

from playwright.sync_api import expect

from accounts.models import Role
from referrals.models import Referral
from tests.factories import UserFactory, make_referral


def test_the_ig_lead_merges_a_duplicate_record_and_undoes_it(page, login, trust, alice, north_practice, axe_check):
    iris = UserFactory(username="iris", first_name="Iris", last_name="Ives", role=Role.IG_LEAD, organisation=trust)
    born = date(1984, 3, 15)
    kept = make_referral(by=alice, practice=north_practice, given_name="Jo", family_name="Smith", birth_date=born)
    dupe = make_referral(
        by=alice, practice=north_practice, given_name="Jo", family_name="Smyth", birth_date=born, nhs_number=None
    )

    login(page, iris)
    page.goto("/audit/")
    page.get_by_role("link", name="Merge duplicate records").click()
    page.get_by_label("Record to keep").fill(kept.person.nhs_number)
    page.get_by_label("Duplicate record, to merge into it").fill(str(dupe.person_id))
    page.get_by_role("button", name="Compare the records").click()
    expect(page.get_by_role("heading", name="Compare them")).to_be_visible()
    expect(page.get_by_text("Jo Smyth", exact=True)).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Merge the records").click()  # without a reason or the confirmation
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Give the reason these are one person")
    assert Referral.objects.get(pk=dupe.pk).person_id == dupe.person_id

    page.get_by_label("Why these are one person's records").fill("The GP practice confirmed one patient.")
    page.get_by_label("I have compared the two records and they are the same person").check()
    page.get_by_role("button", name="Merge the records").click()
    expect(page.get_by_text("Merged: Jo Smyth’s record is now part of Jo Smith’s.")).to_be_visible()
    assert Referral.objects.get(pk=dupe.pk).person_id == kept.person_id
    axe_check(page)

    page.get_by_label("Why the merge is being undone").fill("Two people: twins with one GP.")
    page.get_by_role("button", name="Undo this merge").click()
    expect(page.get_by_text("Merge undone")).to_be_visible()
    assert Referral.objects.get(pk=dupe.pk).person_id == dupe.person_id
