"""The validation report: each failure names the record and what it does to the national
measures, in validation.csv and on the run."""

import zipfile

import pytest
import time_machine

from interchange.mhsds.validation import CHECK
from localities.models import Team
from referrals.services import assessment_record
from tests.factories import TeamFactory
from tests.reporting.measures.cases import close, contact, refer, uk

from .extracts import build, read_zip

pytestmark = pytest.mark.django_db


def test_a_person_with_no_nhs_number_or_birth_date_is_named_with_what_it_does_to_the_measures(
    tmp_path, alice, community_team
):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0), birth_date=None)
    person = referral.person
    person.nhs_number = None
    person.save(update_fields=["nhs_number"])

    tables, written = build(tmp_path, "2026-11")

    failures = {(row["check"], row["record"]) for row in tables["validation"]}
    assert ("nhs_number_missing", f"P{person.pk}") in failures
    assert ("birth_date_missing", f"P{person.pk}") in failures
    assert ("gp_missing", f"P{person.pk}") in failures
    birth = next(row for row in tables["validation"] if row["check"] == "birth_date_missing")
    assert "outside the adult community measures" in birth["effect_on_national_measures"]
    assert (written.issues["nhs_number_missing"], written.issues["birth_date_missing"]) == (1, 1)
    assert tables["MHS001MPI"][0]["NHSNumber"] == ""


def test_a_contact_before_its_referral_and_one_after_its_discharge_are_reported(tmp_path, alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 10, 9, 0))
    early = contact(referral, alice, uk(2026, 11, 10, 9, 30))
    late = contact(referral, alice, uk(2026, 11, 15, 9, 0))
    close(referral, alice, uk(2026, 11, 20, 9, 0))
    # The services refuse both now; records imported or made before those rules can hold them.
    type(early).objects.filter(pk=early.pk).update(occurred_at=uk(2026, 11, 9, 9, 0))
    type(referral).objects.filter(pk=referral.pk).update(ended_at=uk(2026, 11, 12, 9, 0))

    tables, written = build(tmp_path, "2026-11")

    failures = {(row["check"], row["record"]) for row in tables["validation"]}
    assert ("contact_before_referral", f"C{early.pk} (referral {referral.reference})") in failures
    assert ("contact_after_discharge", f"C{late.pk} (referral {referral.reference})") in failures
    before = next(row for row in tables["validation"] if row["check"] == "contact_before_referral")
    assert before["effect_on_national_measures"] == CHECK["contact_before_referral"].effect
    assert "may show as still waiting" in before["effect_on_national_measures"]


def test_a_team_without_a_national_type_and_an_assessment_without_a_contact_are_reported(tmp_path, alice, trust):
    untyped = TeamFactory(name="Wellbeing hub", organisation=trust, kind=Team.Kind.SYSTEM_SERVICE, mhsds_team_type="")
    referral = refer(by=alice, team=untyped, at=uk(2026, 11, 2, 9, 0))
    at = uk(2026, 11, 3, 9, 0)
    with time_machine.travel(at, tick=False):
        assessment = assessment_record(
            referral=referral, by=alice, now=at, completed_at=at, summary="Assessed.", code="1085671000000109"
        )
        uncoded = assessment_record(referral=referral, by=alice, now=at, completed_at=at, summary="Chat.")

    tables, written = build(tmp_path, "2026-11")

    failures = {(row["check"], row["record"]) for row in tables["validation"]}
    assert ("team_type_missing", f"T{untyped.pk} Wellbeing hub") in failures
    assert ("activity_without_contact", f"A{assessment.pk} (referral {referral.reference})") in failures
    assert ("activity_uncoded", f"A{uncoded.pk} (referral {referral.reference})") in failures
    assert tables["MHS202CareActivity"] == []
    assert written.sample[0].keys() == {"check", "record"}


def test_a_clean_month_has_an_empty_report_with_its_header(tmp_path, alice, community_team, north_practice):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    person = referral.person
    person.gp_practice = north_practice
    person.save(update_fields=["gp_practice"])
    referral.primary_reason = "04"
    referral.save(update_fields=["primary_reason"])

    tables, written = build(tmp_path, "2026-11")

    assert written.issues == {}
    assert tables["validation"] == []
    with zipfile.ZipFile(tmp_path / "2026-11.zip") as archive:
        assert archive.read("validation.csv").decode().splitlines()[0] == (
            "check,table,data_element,record,problem,effect_on_national_measures"
        )
    assert read_zip(tmp_path / "2026-11.zip").keys() == tables.keys()
