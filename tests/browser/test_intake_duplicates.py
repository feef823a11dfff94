"""Intake warns about a possible duplicate: a misspelt family name still finds the person, with
why and where they are open, on a phone; adding a new person anyway asks why."""

from datetime import date

from playwright.sync_api import expect

from referrals.models import Referral
from tests.factories import make_referral


def test_intake_warning_about_a_possible_duplicate(phone, login, intake, north_team, axe_check):
    held = make_referral(
        by=intake, given_name="Kit", family_name="Smith", birth_date=date(1984, 3, 15), nhs_number=None
    )
    Referral.objects.filter(pk=held.pk).update(team=north_team)
    login(phone, intake)
    phone.goto("/referrals/new/")

    phone.get_by_label("Family name").fill("Smyth")
    birth = phone.get_by_role("group", name="Date of birth")
    birth.get_by_label("Day").fill("15")
    birth.get_by_label("Month").fill("3")
    birth.get_by_label("Year").fill("1984")
    phone.get_by_role("button", name="Search").click()

    expect(phone.get_by_role("heading", name="Possible matches")).to_be_visible()
    expect(phone.get_by_text("Strong match")).to_be_visible()
    expect(phone.get_by_text("Family name similar (Smith)")).to_be_visible()
    expect(phone.get_by_text(f"Open with {north_team.name} since")).to_be_visible()
    expect(phone.get_by_role("link", name="Take a referral for Kit Smith")).to_be_visible()
    axe_check(phone)

    phone.get_by_role("button", name="Add a new person").click()
    expect(phone.get_by_text("This may be someone we already know")).to_be_visible()
    expect(phone.get_by_label("Why is this a new person, not the strong match shown?")).to_be_visible()
    axe_check(phone)
