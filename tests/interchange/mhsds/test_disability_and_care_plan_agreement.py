"""MHS007DisabilityType (a row per disability code of the month's people) and
MHS009CarePlanAgreement (a row per care plan, with who agreed it), and what the validation report
says when either is missing."""

import pytest
import time_machine
from django.utils import timezone

from referrals.models import Person
from referrals.services import care_plan_record, person_equality_record
from referrals.services.people import person_disabilities_set
from tests.reporting.measures.cases import refer, uk

from .extracts import build

pytestmark = pytest.mark.django_db


def test_each_disability_a_person_told_us_of_is_its_own_mhs007_row(tmp_path, alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 3, 9, 0))
    person_disabilities_set(person=referral.person, by=alice, now=timezone.now(), codes=["02", "09"])

    tables, written = build(tmp_path, "2026-11")

    person = f"P{referral.person_id}"
    assert tables["MHS007DisabilityType"] == [
        {"LocalPatientId": person, "DisabCode": "02"},
        {"LocalPatientId": person, "DisabCode": "09"},
    ]
    assert "disability_type_missing" not in written.issues


def test_people_with_no_referral_open_in_the_month_are_not_in_mhs007(tmp_path, alice, community_team):
    later = refer(by=alice, team=community_team, at=uk(2026, 12, 3, 9, 0))
    person_disabilities_set(person=later.person, by=alice, now=timezone.now(), codes=["05"])

    tables, _ = build(tmp_path, "2026-11")

    assert tables["MHS007DisabilityType"] == []


def test_disabled_with_no_type_recorded_is_named_in_the_validation_report(tmp_path, alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 3, 9, 0))
    person_equality_record(person=referral.person, by=alice, now=timezone.now(), disability=Person.Disability.YES)

    tables, written = build(tmp_path, "2026-11")

    assert tables["MHS007DisabilityType"] == []
    assert written.issues["disability_type_missing"] == 1
    assert {"check": "disability_type_missing", "record": f"P{referral.person_id}"} in written.sample


def test_every_care_plan_has_its_agreement_row_with_who_agreed_it_and_when(tmp_path, alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    at = uk(2026, 11, 5, 14, 30)
    with time_machine.travel(at, tick=False):
        agreed = care_plan_record(referral=referral, by=alice, now=at, agreed_at=at, summary="Plan.", agreed_by="14")
        unsaid = care_plan_record(referral=referral, by=alice, now=at, agreed_at=at, summary="Crisis plan.")

    tables, written = build(tmp_path, "2026-11")

    assert tables["MHS009CarePlanAgreement"] == [
        {
            "CarePlanID": f"CP{agreed.pk}",
            "CarePlanContentAgreedBy": "14",
            "CarePlanContentAgreedDate": "2026-11-05",
            "CarePlanContentAgreedTime": "14:30:00",
        },
        {
            "CarePlanID": f"CP{unsaid.pk}",
            "CarePlanContentAgreedBy": "",
            "CarePlanContentAgreedDate": "2026-11-05",
            "CarePlanContentAgreedTime": "14:30:00",
        },
    ]
    assert [row["CarePlanID"] for row in tables["MHS008CarePlanType"]] == [f"CP{agreed.pk}", f"CP{unsaid.pk}"]
    assert written.issues["care_plan_agreed_by_missing"] == 1


def test_the_postcode_is_sent_whole_in_capitals_with_one_space_for_nhs_england_to_derive_the_lsoa(
    tmp_path, alice, community_team
):
    whole = refer(by=alice, team=community_team, at=uk(2026, 11, 3, 9, 0))
    Person.objects.filter(pk=whole.person_id).update(postcode="bs14xx")
    district = refer(by=alice, team=community_team, at=uk(2026, 11, 3, 9, 0))
    Person.objects.filter(pk=district.person_id).update(postcode="BS1")

    tables, written = build(tmp_path, "2026-11")

    postcodes = {row["LocalPatientId"]: row["Postcode"] for row in tables["MHS001MPI"]}
    assert postcodes[f"P{whole.person_id}"] == "BS1 4XX"
    assert postcodes[f"P{district.person_id}"] == "BS1"
    assert "LSOA2011" not in tables["MHS001MPI"][0]  # derived by NHS England, never submitted
    assert {"check": "postcode_partial", "record": f"P{district.person_id}"} in written.sample
