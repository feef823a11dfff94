"""A person's disability types (MHSDS DisabCode): set together, audited, and the yes / no answer
kept in step with them."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Person
from referrals.services.people import person_disabilities_set

pytestmark = pytest.mark.django_db


def test_a_person_with_hearing_and_sight_loss_has_both_codes_and_is_recorded_as_disabled(alice, referral):
    person = referral.person

    kept = person_disabilities_set(person=person, by=alice, now=timezone.now(), codes=["09", "02"])

    assert kept == ["02", "09"]
    assert sorted(person.disabilities.values_list("code", flat=True)) == ["02", "09"]
    person.refresh_from_db()
    assert person.disability == Person.Disability.YES
    assert AuditEvent.objects.filter(action="person.disabilities_set", person_id=person.pk).count() == 1


def test_setting_them_again_replaces_the_earlier_answer(alice, referral):
    person = referral.person
    person_disabilities_set(person=person, by=alice, now=timezone.now(), codes=["02", "09"])

    person_disabilities_set(person=person, by=alice, now=timezone.now(), codes=["NN"])

    assert list(person.disabilities.values_list("code", flat=True)) == ["NN"]
    person.refresh_from_db()
    assert person.disability == Person.Disability.NO


def test_no_disability_cannot_be_recorded_alongside_a_disability(alice, referral):
    with pytest.raises(ValidationError) as refused:
        person_disabilities_set(person=referral.person, by=alice, now=timezone.now(), codes=["NN", "02"])

    assert "disabilities" in refused.value.message_dict
    assert not referral.person.disabilities.exists()


def test_a_code_outside_the_data_dictionary_list_is_refused(alice, referral):
    with pytest.raises(ValidationError):
        person_disabilities_set(person=referral.person, by=alice, now=timezone.now(), codes=["11"])


def test_clearing_the_codes_leaves_the_yes_no_answer_as_it_was(alice, referral):
    person = referral.person
    person_disabilities_set(person=person, by=alice, now=timezone.now(), codes=["05"])

    person_disabilities_set(person=person, by=alice, now=timezone.now(), codes=[])

    assert not person.disabilities.exists()
    person.refresh_from_db()
    assert person.disability == Person.Disability.YES
