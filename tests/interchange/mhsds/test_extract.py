"""What a month's extract holds: the referrals open at any point in the month and their
people, teams and activity in it, with UK dates and times, as MHSDS v6 names them."""

import zipfile
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from codes.snomed import ASSESSMENT, PSYCHOSOCIAL_REFSET
from referrals.models import Referral
from referrals.services import (
    assessment_record,
    care_plan_record,
    intervention_record,
    outcome_measure_record,
    referral_redirect,
    referral_triage,
)
from referrals.services.codes import snomed_refsets_load
from tests.codes.release import SYNTHETIC_PSYCHOSOCIAL, member, write_release
from tests.reporting.measures.cases import FACE_TO_FACE, close, contact, refer, uk

from .extracts import build

pytestmark = pytest.mark.django_db


def _refs(tables, table="MHS101Referral"):
    return {row["ServiceRequestId"] for row in tables[table]}


def test_the_zip_is_named_for_the_provider_and_month_and_has_one_csv_per_table_and_the_validation_report(
    tmp_path, alice, community_team
):
    from interchange.mhsds.period import reporting_period
    from interchange.mhsds.writer import extract_write, zip_name

    refer(by=alice, team=community_team, at=uk(2026, 11, 3, 9, 0))
    name = zip_name(org_code="RXX", period=reporting_period("2026-11"))
    extract_write(path=tmp_path / name, period=reporting_period("2026-11"), org_code="RXX", now=uk(2026, 12, 2, 9, 0))

    assert name == "MHSDS_RXX_2026-11.zip"
    with zipfile.ZipFile(tmp_path / name) as archive:
        assert archive.namelist() == [
            "MHS000Header.csv",
            "MHS001MPI.csv",
            "MHS002GP.csv",
            "MHS007DisabilityType.csv",
            "MHS101Referral.csv",
            "MHS102ServiceTypeReferredTo.csv",
            "MHS201CareContact.csv",
            "MHS202CareActivity.csv",
            "MHS606CodedScoreAssessmentRefer.csv",
            "MHS008CarePlanType.csv",
            "MHS009CarePlanAgreement.csv",
            "MHS501HospProvSpell.csv",
            "MHS902ServiceTeamDetails.csv",
            "validation.csv",
        ]


def test_the_header_names_the_provider_the_month_and_when_the_extract_was_made(tmp_path):
    tables, _ = build(tmp_path, "2026-11")

    assert tables["MHS000Header"] == [
        {
            "OrgIDProvider": "RXX",
            "ReportingPeriodStartDate": "2026-11-01",
            "ReportingPeriodEndDate": "2026-11-30",
            "DateTimeDatSetCreate": "2026-12-02T09:00:00",
        }
    ]


def test_referrals_open_at_any_point_in_the_month_are_in_it_and_others_are_not(tmp_path, alice, community_team):
    open_since_before = refer(by=alice, team=community_team, at=uk(2026, 9, 1, 9, 0))
    received_in_month = refer(by=alice, team=community_team, at=uk(2026, 11, 30, 23, 59))
    closed_in_month = refer(by=alice, team=community_team, at=uk(2026, 10, 1, 9, 0))
    close(closed_in_month, alice, uk(2026, 11, 1, 0, 0))
    closed_before = refer(by=alice, team=community_team, at=uk(2026, 10, 1, 9, 0))
    close(closed_before, alice, uk(2026, 10, 31, 23, 59))
    received_after = refer(by=alice, team=community_team, at=uk(2026, 12, 1, 0, 0))

    tables, written = build(tmp_path, "2026-11")

    assert _refs(tables) == {open_since_before.reference, received_in_month.reference, closed_in_month.reference}
    assert closed_before.reference not in _refs(tables) and received_after.reference not in _refs(tables)
    assert written.counts["MHS101Referral"] == 3
    assert len(tables["MHS001MPI"]) == 3  # one person each


def test_referral_dates_and_times_are_uk_local_and_a_closure_in_the_month_carries_its_reason(
    tmp_path, alice, community_team
):
    # 6 October 2026 00:30 BST is 5 October 23:30 UTC: MHSDS records the UK date.
    referral = refer(by=alice, team=community_team, at=uk(2026, 10, 6, 0, 30))
    close(referral, alice, uk(2026, 10, 20, 9, 0))  # could not be contacted

    tables, _ = build(tmp_path, "2026-10")

    row = tables["MHS101Referral"][0]
    assert (row["ReferralRequestReceivedDate"], row["ReferralRequestReceivedTime"]) == ("2026-10-06", "00:30:00")
    assert (row["ServDischDate"], row["ServDischTime"], row["ReferClosReason"]) == ("2026-10-20", "09:00:00", "05")
    assert (row["SourceOfReferralMH"], row["ClinRespPriorityType"]) == ("A1", "3")
    assert row["CareProfTeamLocalId"] == f"T{community_team.pk}"


def test_a_referral_discharged_after_the_month_is_open_in_that_months_record(tmp_path, alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 10, 6, 9, 0))
    close(referral, alice, uk(2026, 11, 3, 9, 0))

    tables, _ = build(tmp_path, "2026-10")

    row = tables["MHS101Referral"][0]
    assert (row["ServDischDate"], row["ReferClosReason"]) == ("", "")


def test_the_priority_is_the_one_in_force_at_the_end_of_the_month(tmp_path, alice, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 10, 30, 9, 0), urgency=Referral.Urgency.URGENT)
    with time_machine.travel(uk(2026, 11, 2, 9, 0), tick=False):
        referral_triage(referral=referral, by=alice, now=uk(2026, 11, 2, 9, 0), urgency=Referral.Urgency.VERY_URGENT)

    october, _ = build(tmp_path, "2026-10")
    november, _ = build(tmp_path, "2026-11")

    assert october["MHS101Referral"][0]["ClinRespPriorityType"] == "2"
    assert november["MHS101Referral"][0]["ClinRespPriorityType"] == "4"


def test_a_hand_off_in_the_month_closes_the_first_teams_part_and_both_teams_are_described(
    tmp_path, alice, community_team, crisis_team
):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    with time_machine.travel(uk(2026, 11, 4, 9, 0), tick=False):
        referral_redirect(
            referral=referral,
            by=alice,
            now=uk(2026, 11, 4, 9, 0),
            to_team=crisis_team,
            note="Needs crisis.",
            person_informed=True,
        )

    tables, _ = build(tmp_path, "2026-11")

    assert sorted(
        (r["OtherCareProfTeamLocalId"], r["ServTeamTypeRefToMH"], r["ReferClosureDate"])
        for r in tables["MHS102ServiceTypeReferredTo"]
    ) == sorted([(f"T{crisis_team.pk}", "A02", ""), (f"T{community_team.pk}", "A06", "2026-11-04")])
    assert {(r["CareProfTeamLocalId"], r["ServTeamTypeMH"]) for r in tables["MHS902ServiceTeamDetails"]} == {
        (f"T{crisis_team.pk}", "A02"),
        (f"T{community_team.pk}", "A06"),
    }


def test_contacts_in_the_month_carry_mechanism_attendance_and_uk_time(tmp_path, alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 10, 20, 9, 0))
    contact(referral, alice, uk(2026, 10, 31, 23, 30))  # October: not in November's extract
    seen = contact(referral, alice, uk(2026, 11, 2, 14, 15), mechanism=FACE_TO_FACE)

    tables, _ = build(tmp_path, "2026-11")

    assert tables["MHS201CareContact"] == [
        {
            "CareContactId": f"C{seen.pk}",
            "LocalPatientId": f"P{referral.person_id}",
            "ServiceRequestId": referral.reference,
            "CareProfTeamLocalId": f"T{community_team.pk}",
            "CareContDate": "2026-11-02",
            "CareContTime": "14:15:00",
            "ConsMechanismMH": "01",
            "AttendStatus": "5",
        }
    ]


def test_a_coded_assessment_rides_on_that_days_attended_contact_with_its_outcome_and_care_plan(
    tmp_path, alice, community_team
):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    seen = contact(referral, alice, uk(2026, 11, 3, 10, 0), mechanism=FACE_TO_FACE)
    at = uk(2026, 11, 3, 11, 0)
    with time_machine.travel(at, tick=False):
        assessment = assessment_record(
            referral=referral, by=alice, now=at, completed_at=at, summary="Assessed.", code=ASSESSMENT.codes[0].code
        )
        outcome = outcome_measure_record(
            referral=referral,
            by=alice,
            now=at,
            recorded_at=at,
            score=Decimal(20),
            stage="baseline",
            instrument="ReQoL-10",
        )
        plan = care_plan_record(
            referral=referral, by=alice, now=at, agreed_at=at, summary="Agreed plan.", plan_type="10"
        )

    tables, written = build(tmp_path, "2026-11")

    assert tables["MHS202CareActivity"] == [
        {
            "CareActId": f"A{assessment.pk}",
            "CareContactId": f"C{seen.pk}",
            "ServiceRequestId": referral.reference,
            "Procedure": ASSESSMENT.codes[0].code,
        }
    ]
    score = tables["MHS606CodedScoreAssessmentRefer"][0]
    assert (score["AssessmentId"], score["CodedAssToolType"], score["PersScore"], score["AssToolCompTimestamp"]) == (
        f"O{outcome.pk}",
        "1091071000000100",
        "20",
        "2026-11-03T11:00:00",
    )
    care_plan = tables["MHS008CarePlanType"][0]
    assert (care_plan["CarePlanID"], care_plan["CarePlanTypeMH"], care_plan["CarePlanCreatDate"]) == (
        f"CP{plan.pk}",
        "10",
        "2026-11-03",
    )
    assert "activity_without_contact" not in written.issues


def test_the_person_is_sent_with_nhs_number_birth_date_postcode_gender_ethnicity_and_gp(
    tmp_path, alice, community_team, north_practice
):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    person = referral.person
    person.gp_practice, person.gender, person.ethnicity = north_practice, "female", "M"
    person.save(update_fields=["gp_practice", "gender", "ethnicity"])

    tables, _ = build(tmp_path, "2026-11")

    assert tables["MHS001MPI"] == [
        {
            "LocalPatientId": f"P{person.pk}",
            "OrgIDLocalPatientId": "RXX",
            "NHSNumber": person.nhs_number,
            "PersonBirthDate": "1980-05-01",
            "Postcode": person.postcode,
            "GenderIDCode": "2",
            "EthnicCategory": "M",
        }
    ]
    assert tables["MHS002GP"] == [{"LocalPatientId": f"P{person.pk}", "GMPReg": "L81001"}]
    assert person.birth_date == date(1980, 5, 1)


def test_an_intervention_coded_from_a_loaded_reference_set_is_sent_as_coded_activity(tmp_path, alice, community_team):
    """A psychosocial intervention coded from the trust's SNOMED CT release (manage.py
    load_snomed_refsets) is a procedure like a shipped code, not uncoded activity."""
    release = write_release(tmp_path / "release", members=[member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)])
    snomed_refsets_load(paths=[release], by=None, now=uk(2026, 11, 1, 9, 0))
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    seen = contact(referral, alice, uk(2026, 11, 3, 10, 0), mechanism=FACE_TO_FACE)
    at = uk(2026, 11, 3, 11, 0)
    with time_machine.travel(at, tick=False):
        intervention = intervention_record(
            referral=referral, by=alice, now=at, started_at=at, description="Befriending", code=SYNTHETIC_PSYCHOSOCIAL
        )

    tables, written = build(tmp_path, "2026-11")

    assert tables["MHS202CareActivity"] == [
        {
            "CareActId": f"I{intervention.pk}",
            "CareContactId": f"C{seen.pk}",
            "ServiceRequestId": referral.reference,
            "Procedure": SYNTHETIC_PSYCHOSOCIAL,
        }
    ]
    assert "activity_uncoded" not in written.issues
