"""Scored person matching at intake: a hand-made set of near-duplicates, what is found and what is not."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from referrals.matching import person_candidates
from referrals.models import Person, Referral
from tests.factories import make_discharged_referral
from tests.factories.referrals import make_referral

T0 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _person(given: str, family: str, born: date, *, nhs: str | None = None, postcode: str = "") -> Person:
    return Person.objects.create(
        given_name=given, family_name=family, birth_date=born, nhs_number=nhs, postcode=postcode, created_at=T0
    )


@pytest.fixture
def near_duplicates(db):
    return {
        "smith": _person("Jo", "Smith", date(1984, 3, 15), postcode="BS1 4XX"),
        "smith_jones": _person("Joanne", "Smith-Jones", date(1990, 7, 2)),
        "swapped": _person("Priya", "Patel", date(1979, 4, 11)),
        "other_born": _person("Jo", "Smith", date(1962, 1, 1)),
        "nhs": _person("Rowan", "Okafor", date(2001, 9, 9), nhs="9434765919"),
        "same_born_other_name": _person("Li", "Wong", date(1984, 3, 15)),
    }


def _found(candidates) -> dict[int, object]:
    return {c.person.pk: c for c in candidates}


def test_a_typo_in_the_family_name_is_found_as_a_strong_match(near_duplicates):
    found = _found(person_candidates(given_name="Jo", family_name="Smyth", birth_date=date(1984, 3, 15)))
    smith = found[near_duplicates["smith"].pk]
    assert smith.strength == "strong"
    assert "Same date of birth" in smith.reasons
    assert "Family name similar (Smith)" in smith.reasons


def test_one_part_of_a_hyphenated_family_name_is_enough(near_duplicates):
    found = _found(person_candidates(given_name="Joanne", family_name="Jones", birth_date=date(1990, 7, 2)))
    assert found[near_duplicates["smith_jones"].pk].strength == "strong"


def test_day_and_month_swapped_is_found_with_that_reason(near_duplicates):
    found = _found(person_candidates(given_name="Priya", family_name="patel", birth_date=date(1979, 11, 4)))
    patel = found[near_duplicates["swapped"].pk]
    assert "Day and month of birth swapped" in patel.reasons
    assert "Same family name" in patel.reasons


def test_the_same_name_born_another_day_is_not_found(near_duplicates):
    found = _found(person_candidates(given_name="Jo", family_name="Smith", birth_date=date(1984, 3, 15)))
    assert near_duplicates["other_born"].pk not in found


def test_the_same_birth_date_with_an_unrelated_name_is_not_found(near_duplicates):
    found = _found(person_candidates(given_name="Jo", family_name="Smith", birth_date=date(1984, 3, 15)))
    assert near_duplicates["same_born_other_name"].pk not in found


def test_the_same_nhs_number_is_decisive_whatever_the_name(near_duplicates):
    [candidate] = person_candidates(nhs_number="9434765919", family_name="Nobody", birth_date=date(1950, 1, 1))
    assert candidate.person == near_duplicates["nhs"]
    assert candidate.score == 100 and candidate.strength == "strong"
    assert candidate.reasons == ["Same NHS number"]


def test_the_same_postcode_adds_to_the_score(near_duplicates):
    asked = dict(given_name="Jo", family_name="Smyth", birth_date=date(1984, 3, 15))
    without = _found(person_candidates(**asked))[near_duplicates["smith"].pk]
    with_postcode = _found(person_candidates(**asked, postcode="bs14xx"))[near_duplicates["smith"].pk]
    assert with_postcode.score == min(without.score + 10, 100)
    assert "Same postcode" in with_postcode.reasons


def test_accents_and_case_do_not_stop_a_match(db):
    zoe = _person("Zoë", "O'Brien", date(2000, 5, 20))
    found = _found(person_candidates(given_name="ZOE", family_name="OBRIEN", birth_date=date(2000, 5, 20)))
    assert zoe.pk in found


def test_an_open_referral_is_carried_for_the_flag(alice, north_team):
    referral = make_referral(by=alice, now=T0, given_name="Sam", family_name="Field", birth_date=date(1988, 2, 20))
    Referral.objects.filter(pk=referral.pk).update(team=north_team)
    [candidate] = person_candidates(given_name="Sam", family_name="Feild", birth_date=date(1988, 2, 20))
    [open_referral] = candidate.open_referrals
    assert open_referral.team == north_team.name
    assert open_referral.received_on == date(2026, 3, 3)
    assert open_referral.referral_id == referral.pk


def test_a_discharged_referral_is_not_flagged_as_open(alice, bob, north_practice):
    make_discharged_referral(
        by=alice,
        now=T0,
        link_worker=bob,
        practice=north_practice,
        given_name="Sam",
        family_name="Field",
        birth_date=date(1988, 2, 20),
    )
    [candidate] = person_candidates(given_name="Sam", family_name="Field", birth_date=date(1988, 2, 20))
    assert candidate.open_referrals == []


def test_matching_is_a_bounded_number_of_queries(near_duplicates, alice, django_assert_max_num_queries):
    for n in range(5):
        _person("Jo", f"Smith{n}", date(1984, 3, 15))
    with django_assert_max_num_queries(2):
        person_candidates(given_name="Jo", family_name="Smith", birth_date=date(1984, 3, 15), nhs_number="9434765919")


def test_the_family_name_trigram_index_can_serve_a_similarity_search(db):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM referrals_person WHERE lower(family_name) % 'smyth'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "referrals_person_family_trgm" in plan
