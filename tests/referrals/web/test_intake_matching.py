"""Intake widens the exact search with scored candidates: near-duplicates shown with their reasons
and an open referral flagged, so the person is not given a second record."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Person, Referral
from tests.factories import make_referral

from .conftest import login

URL = "/referrals/new/"


def test_a_misspelt_family_name_shows_the_person_as_a_strong_match_open_with_their_team(
    client, alice, intake, north_team
):
    held = make_referral(
        by=intake, given_name="Kit", family_name="Smith", birth_date=date(1984, 3, 15), nhs_number=None
    )
    Referral.objects.filter(pk=held.pk).update(team=north_team)

    response = login(client, alice).post(
        URL,
        {
            "action": "search",
            "family_name": "Smyth",
            "birth_date_day": "15",
            "birth_date_month": "3",
            "birth_date_year": "1984",
        },
    )

    html = response.content.decode()
    assert "No one matches" in html  # the exact search finds no one...
    assert "Possible matches" in html and "Strong match" in html  # ...the scored one does
    assert "Family name similar (Smith)" in html and "Same date of birth" in html
    received = timezone.localdate(held.received_at).strftime("%-d %B")
    assert f"Open with {north_team.name} since {received}" in html
    assert "Take a referral for Kit Smith" in html
    search = AuditEvent.objects.filter(detail__criteria__isnull=False).latest("pk")
    assert search.detail["matches"] == 1


def _new_smyth(**extra):
    now = timezone.localtime() - timedelta(minutes=5)
    return {
        "action": "create",
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Low mood for three months.",
        "received_date_day": now.day,
        "received_date_month": now.month,
        "received_date_year": now.year,
        "received_time": now.strftime("%H:%M"),
        "given_name": "Kit",
        "family_name": "Smyth",
        "birth_date_day": "15",
        "birth_date_month": "3",
        "birth_date_year": "1984",
        "postcode": "BS1 4XX",
    } | extra


def test_adding_a_new_person_despite_a_strong_match_needs_a_reason_which_is_audited(client, alice, intake):
    held = make_referral(
        by=intake, given_name="Kit", family_name="Smith", birth_date=date(1984, 3, 15), nhs_number=None
    )
    browser = login(client, alice)

    form = browser.post(URL, {"action": "new", "family_name": "Smyth", "birth_date": "1984-03-15"})
    assert "This may be someone we already know" in form.content.decode()

    refused = browser.post(URL, _new_smyth())
    assert "Say why this is a new person and not the strong match shown" in refused.content.decode()
    assert not Person.objects.filter(family_name="Smyth").exists()

    browser.post(URL, _new_smyth(new_person_reason="Different person: checked with the GP, a cousin."))
    smyth = Person.objects.get(family_name="Smyth")
    audit = AuditEvent.objects.get(action="person.create_despite_match")
    assert audit.person_id == smyth.pk
    assert audit.detail == {
        "candidates": [held.person_id],
        "reason": "Different person: checked with the GP, a cousin.",
    }


def test_an_exact_match_with_an_open_referral_is_flagged_with_the_choice_to_add_to_it(
    client, alice, charlie, north_practice
):
    held = make_referral(by=alice, practice=north_practice, given_name="Ola", family_name="Berg")
    search = {"action": "search", "nhs_number": held.person.nhs_number}
    received = timezone.localdate(held.received_at).strftime("%-d %B %Y")

    html = login(client, alice).post(URL, search).content.decode()
    assert f"Open with {held.team.name} since {received}" in html
    assert f'href="/people/{held.person_id}/#referral-{held.pk}">Add to this referral' in html

    # Someone in another team is told the referral is open, but gets no way into it.
    html = login(client, charlie).post(URL, search).content.decode()
    assert f"Open with {held.team.name} since {received}" in html
    assert "Add to this referral" not in html and "Ask that team before taking a new referral" in html
