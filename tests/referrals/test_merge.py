"""Merging two records of one person, and undoing it within 30 days: everything moves, the audit
trail on both records says what moved, an unmerge puts back exactly that."""

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent, Role
from referrals.models import Carer, Person, PersonMerge, Referral, RiskFlag
from referrals.services import person_merge, person_unmerge
from referrals.services.person_context import carer_add, risk_flag_raise
from tests.factories import UserFactory, make_referral

pytestmark = pytest.mark.django_db

BORN = date(1984, 3, 15)


@pytest.fixture
def iris(trust):
    """The information governance lead, who merges records."""
    return UserFactory(username="iris", first_name="Iris", last_name="Ives", role=Role.IG_LEAD, organisation=trust)


@pytest.fixture
def pair(alice, north_practice):
    """The same woman registered twice: once by her GP with an NHS number, once from a
    self-referral without one (a typo in the family name), each with a referral, a carer, a risk."""
    kept = make_referral(by=alice, practice=north_practice, given_name="Jo", family_name="Smith", birth_date=BORN)
    dupe = make_referral(
        by=alice, practice=north_practice, given_name="Jo", family_name="Smyth", birth_date=BORN, nhs_number=None
    )
    now = timezone.now()
    carer_add(person=dupe.person, by=alice, now=now, name="Sam Smyth", relationship="partner")
    risk_flag_raise(person=dupe.person, by=alice, now=now, kind=RiskFlag.Kind.SELF_HARM, note="Cuts when low.")
    carer_add(person=kept.person, by=alice, now=now, name="Ann Smith", relationship="mother")
    return kept, dupe


def test_a_merge_moves_referrals_carers_and_risks_and_says_so_on_both_records(pair, iris):
    kept, dupe = pair

    merge = person_merge(
        keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason="Same woman: GP confirmed."
    )

    assert set(Referral.objects.filter(person=kept.person).values_list("pk", flat=True)) == {kept.pk, dupe.pk}
    assert Carer.objects.filter(person=kept.person).count() == 2
    assert RiskFlag.objects.filter(person=kept.person).count() == 1
    emptied = Person.objects.get(pk=dupe.person_id)
    assert emptied.merged_into_id == kept.person_id
    assert not Referral.objects.filter(person=emptied).exists()
    for person_id in (kept.person_id, dupe.person_id):
        event = AuditEvent.objects.get(action="person.merge", person_id=person_id)
        assert event.detail["moved"] == {"referrals.carer": 1, "referrals.referral": 1, "referrals.riskflag": 1}
        assert event.detail["reason"] == "Same woman: GP confirmed."
    assert merge.moved["referrals.referral"]["ids"] == [dupe.pk]


def test_an_unmerge_puts_back_exactly_what_moved_and_keeps_what_was_added_since(pair, iris, alice):
    kept, dupe = pair
    merge = person_merge(keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason="Same woman.")
    added_since = carer_add(person=kept.person, by=alice, now=timezone.now(), name="Kim Lee", relationship="friend")

    person_unmerge(merge=merge, by=iris, now=timezone.now() + timedelta(days=29), reason="Twins, not one person.")

    assert list(Referral.objects.filter(person=dupe.person).values_list("pk", flat=True)) == [dupe.pk]
    assert set(Carer.objects.filter(person=kept.person).values_list("name", flat=True)) == {"Ann Smith", "Kim Lee"}
    assert Carer.objects.get(pk=added_since.pk).person_id == kept.person_id
    assert RiskFlag.objects.filter(person=dupe.person).count() == 1
    assert Person.objects.get(pk=dupe.person_id).merged_into_id is None
    merge.refresh_from_db()
    assert merge.undone_by == iris and merge.undo_reason == "Twins, not one person."
    assert (
        AuditEvent.objects.filter(action="person.unmerge", person_id__in=[kept.person_id, dupe.person_id]).count() == 2
    )


def test_an_nhs_number_filled_in_by_a_merge_goes_back_with_an_unmerge(alice, iris, north_practice):
    no_number = make_referral(by=alice, practice=north_practice, family_name="Okafor", birth_date=BORN, nhs_number=None)
    numbered = make_referral(by=alice, practice=north_practice, family_name="Okafor", birth_date=BORN)
    number = numbered.person.nhs_number

    merge = person_merge(keep=no_number.person, duplicate=numbered.person, by=iris, now=timezone.now(), reason="One.")
    assert Person.objects.get(pk=no_number.person_id).nhs_number == number
    assert Person.objects.get(pk=numbered.person_id).nhs_number is None

    person_unmerge(merge=merge, by=iris, now=timezone.now(), reason="Two.")
    assert Person.objects.get(pk=no_number.person_id).nhs_number is None
    assert Person.objects.get(pk=numbered.person_id).nhs_number == number


def test_after_30_days_a_merge_cannot_be_undone(pair, iris):
    kept, dupe = pair
    merge = person_merge(keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason="Same.")

    with time_machine.travel(timezone.now() + timedelta(days=31)), pytest.raises(ValidationError, match="30 days"):
        person_unmerge(merge=merge, by=iris, now=timezone.now(), reason="Too late.")
    assert Referral.objects.filter(person=kept.person).count() == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"birth_date": date(1990, 1, 1)}, "different dates of birth"),
        ({"nhs_number": "9434765919"}, "different NHS numbers"),
    ],
)
def test_records_of_two_people_are_not_merged_and_nothing_moves(pair, iris, change, message):
    kept, dupe = pair
    Person.objects.filter(pk=dupe.person_id).update(**change)
    dupe.person.refresh_from_db()

    with pytest.raises(ValidationError, match=message):
        person_merge(keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason="Same?")
    assert Referral.objects.get(pk=dupe.pk).person_id == dupe.person_id
    assert not PersonMerge.objects.exists() and not AuditEvent.objects.filter(action="person.merge").exists()


def test_a_merge_needs_a_reason_and_two_records(pair, iris):
    kept, dupe = pair
    with pytest.raises(ValidationError, match="reason"):
        person_merge(keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason=" ")
    with pytest.raises(ValidationError, match="two different records"):
        person_merge(keep=kept.person, duplicate=kept.person, by=iris, now=timezone.now(), reason="Same.")


def test_a_merged_record_is_found_by_no_intake_search(pair, iris):
    from referrals.matching import person_candidates
    from referrals.web.shared import people_matching

    kept, dupe = pair
    person_merge(keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason="Same.")

    assert people_matching(family_name="Smyth", birth_date=BORN) == []
    found = [c.person.pk for c in person_candidates(given_name="Jo", family_name="Smyth", birth_date=BORN)]
    assert dupe.person_id not in found and kept.person_id in found


@pytest.mark.django_db(transaction=True)
def test_two_merges_of_the_same_duplicate_at_once_one_wins_the_other_is_refused(alice, iris, north_practice):
    one = make_referral(by=alice, practice=north_practice, family_name="Rowe", birth_date=BORN)
    two = make_referral(by=alice, practice=north_practice, family_name="Rowe", birth_date=BORN, nhs_number=None)
    three = make_referral(by=alice, practice=north_practice, family_name="Rowe", birth_date=BORN, nhs_number=None)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def merge_into(keep):
        try:
            barrier.wait()
            person_merge(keep=keep, duplicate=two.person, by=iris, now=timezone.now(), reason="Same.")
            outcomes.append("merged")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=merge_into, args=(p,)) for p in (one.person, three.person)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["merged", "refused"]
    assert PersonMerge.objects.filter(duplicate=two.person).count() == 1
    assert Referral.objects.get(pk=two.pk).person_id in (one.person_id, three.person_id)


def test_the_dashboards_count_the_moved_referral_as_the_kept_persons_after_a_merge_and_an_unmerge(pair, iris):
    from reporting.facts import facts_catch_up
    from reporting.models import ReferralFact
    from reporting.rebuild import facts_rebuild, facts_verify

    kept, dupe = pair
    Person.objects.filter(pk=kept.person_id).update(ethnicity=Person.Ethnicity.CHINESE)
    Person.objects.filter(pk=dupe.person_id).update(ethnicity="")
    facts_rebuild(now=timezone.now())

    merge = person_merge(keep=kept.person, duplicate=dupe.person, by=iris, now=timezone.now(), reason="Same woman.")
    facts_catch_up(now=timezone.now())

    assert ReferralFact.objects.get(pk=dupe.pk).ethnicity == Person.Ethnicity.CHINESE  # the equality pages agree
    assert facts_verify() == []

    person_unmerge(merge=merge, by=iris, now=timezone.now(), reason="Not one person.")
    facts_catch_up(now=timezone.now())

    assert ReferralFact.objects.get(pk=dupe.pk).ethnicity != Person.Ethnicity.CHINESE
    assert facts_verify() == []
