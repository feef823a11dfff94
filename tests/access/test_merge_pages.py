"""The IG lead's merge pages: find two records, compare them side by side, confirm with a reason,
see what moved, undo within 30 days. Everyone else gets 404."""

from datetime import date

import pytest

from accounts.models import AuditEvent, Role
from referrals.models import Person, PersonMerge, Referral
from tests.factories import UserFactory, make_referral

pytestmark = pytest.mark.django_db

BORN = date(1984, 3, 15)


@pytest.fixture
def iris(trust):
    return UserFactory(username="iris", first_name="Iris", last_name="Ives", role=Role.IG_LEAD, organisation=trust)


@pytest.fixture
def pair(alice, north_practice):
    kept = make_referral(by=alice, practice=north_practice, given_name="Jo", family_name="Smith", birth_date=BORN)
    dupe = make_referral(
        by=alice, practice=north_practice, given_name="Jo", family_name="Smyth", birth_date=BORN, nhs_number=None
    )
    return kept, dupe


def test_the_ig_lead_compares_two_records_side_by_side_and_the_look_is_recorded(client, iris, pair):
    kept, dupe = pair
    client.force_login(iris)

    page = client.get("/audit/merge/", {"keep": kept.person.nhs_number, "duplicate": dupe.person_id}).content.decode()

    assert "Compare them" in page and "Jo Smith" in page and "Jo Smyth" in page
    assert "Merge the records" in page
    # The differences stand out: the family name and the missing NHS number, on both sides; the
    # date of birth and the practice they share are not marked.
    assert page.count("Differs</strong>") == 4
    for label in ("Name", "NHS number"):
        assert page.count(f'{label}</dt><dd class="nhsuk-summary-list__value">') == 2
    rows = [row for row in page.split('<div class="nhsuk-summary-list__row">') if "Differs</strong>" in row]
    assert {row.split("</dt>")[0].rsplit(">", 1)[1] for row in rows} == {"Name", "NHS number"}
    looked_at = AuditEvent.objects.filter(action="record.search", actor=iris).values_list("person_id", flat=True)
    assert set(looked_at) == {kept.person_id, dupe.person_id}


def test_merging_needs_a_reason_and_the_confirmation_and_nothing_moves_without_them(client, iris, pair):
    kept, dupe = pair
    client.force_login(iris)

    response = client.post("/audit/merge/", {"keep": kept.person_id, "duplicate": dupe.person_id, "reason": ""})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the reason these are one person" in body and "Confirm that you compared the records" in body
    assert Referral.objects.get(pk=dupe.pk).person_id == dupe.person_id and not PersonMerge.objects.exists()


def test_the_ig_lead_merges_then_undoes_it(client, iris, pair):
    kept, dupe = pair
    client.force_login(iris)

    response = client.post(
        "/audit/merge/",
        {"keep": kept.person_id, "duplicate": dupe.person_id, "reason": "GP confirmed.", "checked": "on"},
    )
    merge = PersonMerge.objects.get()
    assert response.status_code == 302 and response.url == f"/audit/merge/{merge.pk}/"
    assert Referral.objects.get(pk=dupe.pk).person_id == kept.person_id
    detail = client.get(response.url).content.decode()
    assert "1 referrals" in detail and "Undo this merge" in detail

    response = client.post(f"/audit/merge/{merge.pk}/undo/", {"reason": "Two people after all."})
    assert response.status_code == 302
    assert Referral.objects.get(pk=dupe.pk).person_id == dupe.person_id
    assert Person.objects.get(pk=dupe.person_id).merged_into_id is None
    assert "Undo this merge" not in client.get(response.url).content.decode()


def test_a_refused_merge_says_why_on_the_page(client, iris, pair):
    kept, dupe = pair
    Person.objects.filter(pk=dupe.person_id).update(birth_date=date(1990, 1, 1))
    client.force_login(iris)

    response = client.post(
        "/audit/merge/", {"keep": kept.person_id, "duplicate": dupe.person_id, "reason": "Same?", "checked": "on"}
    )

    assert response.status_code == 400
    assert "different dates of birth" in response.content.decode()
    assert not PersonMerge.objects.exists()


def test_unknown_records_are_reported_beside_their_field(client, iris, pair):
    client.force_login(iris)
    body = client.get("/audit/merge/", {"keep": "999999", "duplicate": "nonsense"}).content.decode()
    assert body.count("No record has this NHS number or person ID") >= 2


@pytest.mark.parametrize("who", ["alice", "tina", "sam"])
def test_nobody_else_may_merge_or_undo(client, request, pair, iris, who):
    kept, dupe = pair
    client.force_login(request.getfixturevalue(who))

    assert client.get("/audit/merge/").status_code == 404
    response = client.post(
        "/audit/merge/", {"keep": kept.person_id, "duplicate": dupe.person_id, "reason": "x", "checked": "on"}
    )
    assert response.status_code == 404
    assert Referral.objects.get(pk=dupe.pk).person_id == dupe.person_id


def test_a_tampered_record_id_is_a_404_not_a_server_error(client, iris, pair):
    kept, _ = pair
    client.force_login(iris)
    response = client.post(
        "/audit/merge/", {"keep": kept.person_id, "duplicate": "abc", "reason": "x", "checked": "on"}
    )
    assert response.status_code == 404
