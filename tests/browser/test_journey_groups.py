"""Group work in a real browser: a facilitator records a whole session's register on a phone,
each answer a group contact on the person's record, and the page passes axe."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from common.london import london_date
from groupwork.services import group_enrol
from referrals.models import Contact
from tests.factories import make_cohort, make_group, make_referral


def test_a_facilitator_records_a_sessions_register_on_a_phone(
    phone: Page, login, alice, north_team, north_practice, axe_check
):
    weeks_ago = timezone.now() - timedelta(days=14)
    session_at = timezone.now() - timedelta(days=2)
    people = [
        make_referral(
            by=alice, now=weeks_ago, received_at=weeks_ago, practice=north_practice, given_name=name, family_name="Rowe"
        )
        for name in ("Ada", "Bea")
    ]
    group = make_group(by=alice, team=north_team, name="Emotional coping", capacity=6, now=weeks_ago)
    make_cohort(group=group, by=alice, starts_on=london_date(session_at), session_times=[session_at], now=weeks_ago)
    for referral in people:
        group_enrol(group=group, referral=referral, by=alice, now=weeks_ago)

    login(phone, alice)
    phone.goto("/groups/")
    phone.get_by_role("link", name="Emotional coping").click()
    phone.get_by_role("link", name="Record the register").click()
    expect(phone.get_by_role("heading", name="Register for")).to_be_visible()
    expect(phone.get_by_role("group", name="Ada Rowe").get_by_label("Attended")).not_to_be_checked()
    axe_check(phone)

    phone.get_by_role("group", name="Ada Rowe").get_by_label("Attended").check()
    phone.get_by_role("group", name="Bea Rowe").get_by_label("Did not attend").check()
    phone.get_by_role("button", name="Save the register").click()

    expect(phone.get_by_text("Register saved: 2 recorded")).to_be_visible()
    expect(phone.get_by_text("Recorded: attended")).to_be_visible()
    assert sorted(Contact.objects.filter(referral__in=people).values_list("attendance", flat=True)) == ["3", "5"]
    axe_check(phone)
