"""Triage flags a person registered without an NHS number who may already be known (a
self-referral, an API referral): scored as at intake, the look recorded, never for a person who
was matched on their NHS number."""

from datetime import date

import pytest

from accounts.models import AuditEvent
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

BORN = date(1984, 3, 15)


@pytest.fixture
def known(alice, north_practice):
    """Jo Smith, known to the team with an NHS number and an open referral."""
    return make_referral(by=alice, practice=north_practice, given_name="Jo", family_name="Smith", birth_date=BORN)


def test_a_new_record_without_an_nhs_number_shows_who_they_may_already_be(client, alice, north_practice, known):
    new = make_referral(
        by=alice, practice=north_practice, given_name="Jo", family_name="Smyth", birth_date=BORN, nhs_number=None
    )
    client.force_login(alice)

    page = client.get(f"/referrals/{new.pk}/triage/").content.decode()

    callout = page[page.index('id="possible-same"') :]
    assert "may already be known" in callout
    assert "Jo Smith" in callout and f"person ID {known.person_id}" in callout
    assert "Open with North" in callout or f"Open with {known.team.name}" in callout
    assert f"this one is person ID {new.person_id}" in callout
    assert AuditEvent.objects.filter(action="record.search", actor=alice, person_id=known.person_id).exists()


def test_someone_matched_on_their_nhs_number_is_not_flagged(client, alice, north_practice, known):
    again = make_referral(
        by=alice,
        practice=north_practice,
        given_name="Jo",
        family_name="Smith",
        birth_date=BORN,
        nhs_number=known.person.nhs_number,
    )
    assert again.person_id == known.person_id  # one record: the NHS number matched
    client.force_login(alice)

    page = client.get(f"/referrals/{again.pk}/triage/").content.decode()

    assert 'id="possible-same"' not in page
    assert not AuditEvent.objects.filter(action="record.search", actor=alice).exists()


def test_someone_with_no_similar_record_is_not_flagged(client, alice, north_practice, known):
    other = make_referral(
        by=alice, practice=north_practice, given_name="Sam", family_name="Okafor", birth_date=BORN, nhs_number=None
    )
    client.force_login(alice)
    assert 'id="possible-same"' not in client.get(f"/referrals/{other.pk}/triage/").content.decode()
