"""Crisis (CCR117/CCR119, CCR71/CCR120) and liaison (PLS121/PLS123) response times: the first
attended face-to-face contact at or after the referral, in the same UK month, in minutes."""

from datetime import timedelta

import pytest
import time_machine

from referrals.models import Referral
from referrals.services import referral_triage
from reporting.measures import crisis_urgent_24h, crisis_very_urgent_4h, liaison_1h
from reporting.measures.periods import month_period

from .cases import DID_NOT_ATTEND, FACE_TO_FACE, TEXT, VIDEO, contact, refer, row_for, uk

pytestmark = pytest.mark.django_db
VERY_URGENT, URGENT = Referral.Urgency.VERY_URGENT, Referral.Urgency.URGENT
MARCH_2026 = month_period(2026, 3)


def test_very_urgent_crisis_referral_seen_face_to_face_at_240_minutes_is_met_and_at_241_is_not(alice, crisis_team):
    on_time = refer(by=alice, team=crisis_team, at=uk(2026, 3, 10, 9, 0), urgency=VERY_URGENT)
    late = refer(by=alice, team=crisis_team, at=uk(2026, 3, 11, 9, 0), urgency=VERY_URGENT)
    contact(on_time, alice, uk(2026, 3, 10, 13, 0), mechanism=FACE_TO_FACE)
    contact(late, alice, uk(2026, 3, 11, 13, 1), mechanism=FACE_TO_FACE)

    result = crisis_very_urgent_4h(MARCH_2026)

    assert (result.numerator, result.denominator, result.still_waiting) == (1, 2, 0)
    assert result.rate == 50
    assert (row_for(result, on_time).minutes, row_for(result, on_time).met) == (240, True)
    assert (row_for(result, late).minutes, row_for(result, late).met) == (241, False)
    assert row_for(result, on_time).stopped_by == "attended face-to-face contact"


def test_urgent_crisis_referral_seen_face_to_face_at_24_hours_is_met(alice, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 10, 9, 0), urgency=URGENT)
    contact(referral, alice, uk(2026, 3, 11, 9, 0), mechanism=FACE_TO_FACE)

    result = crisis_urgent_24h(MARCH_2026)

    assert (result.numerator, result.denominator) == (1, 1)
    assert row_for(result, referral).minutes == 1440


def test_video_contact_to_a_crisis_team_does_not_count_for_the_4_hour_measure(alice, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 10, 9, 0), urgency=VERY_URGENT)
    contact(referral, alice, uk(2026, 3, 10, 9, 30), mechanism=VIDEO)

    result = crisis_very_urgent_4h(MARCH_2026)

    row = row_for(result, referral)
    assert (row.met, row.clock_stop, row.still_waiting) == (False, None, True)
    assert (result.numerator, result.denominator, result.still_waiting) == (0, 1, 1)


def test_a_did_not_attend_and_a_text_do_not_answer_a_crisis_referral(alice, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 10, 9, 0), urgency=VERY_URGENT)
    contact(referral, alice, uk(2026, 3, 10, 9, 30), mechanism=FACE_TO_FACE, attendance=DID_NOT_ATTEND)
    contact(referral, alice, uk(2026, 3, 10, 9, 45), mechanism=TEXT)
    contact(referral, alice, uk(2026, 3, 10, 14, 0), mechanism=FACE_TO_FACE)

    row = row_for(crisis_very_urgent_4h(MARCH_2026), referral)

    assert (row.clock_stop, row.minutes, row.met) == (uk(2026, 3, 10, 14, 0), 300, False)


@pytest.mark.parametrize(
    ("received", "seen"),
    [
        (uk(2026, 1, 31, 23, 30), uk(2026, 2, 1, 0, 30)),  # GMT: UK and UTC months agree
        (uk(2026, 6, 30, 23, 30), uk(2026, 7, 1, 0, 30)),  # BST: seen 23:30 UTC on 30 June, but in UK July
    ],
    ids=["january-gmt", "june-bst"],
)
def test_crisis_referral_at_2330_on_the_last_day_of_a_month_seen_at_0030_next_day_is_not_met(
    alice, crisis_team, received, seen
):
    referral = refer(by=alice, team=crisis_team, at=received, urgency=VERY_URGENT)
    contact(referral, alice, seen, mechanism=FACE_TO_FACE)

    result = crisis_very_urgent_4h(month_period(received.year, received.month))

    row = row_for(result, referral)
    assert (row.met, row.clock_stop, row.still_waiting) == (False, None, True)
    assert (result.numerator, result.denominator) == (0, 1)


def test_urgency_raised_from_urgent_to_very_urgent_at_triage_counts_as_very_urgent(alice, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 10, 9, 0), urgency=URGENT)
    with time_machine.travel(uk(2026, 3, 10, 9, 20), tick=False):
        referral_triage(referral=referral, by=alice, now=uk(2026, 3, 10, 9, 20), urgency=VERY_URGENT)
    contact(referral, alice, uk(2026, 3, 10, 11, 0), mechanism=FACE_TO_FACE)

    very_urgent, urgent = crisis_very_urgent_4h(MARCH_2026), crisis_urgent_24h(MARCH_2026)

    assert (very_urgent.numerator, very_urgent.denominator) == (1, 1)
    assert urgent.denominator == 0
    assert row_for(urgent, referral).excluded_because == "very urgent at the end of the month received, not urgent"


def test_urgency_raised_after_the_month_of_receipt_leaves_the_referral_urgent(alice, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 31, 22, 0), urgency=URGENT)
    with time_machine.travel(uk(2026, 4, 1, 9, 0), tick=False):
        referral_triage(referral=referral, by=alice, now=uk(2026, 4, 1, 9, 0), urgency=VERY_URGENT)

    assert crisis_urgent_24h(MARCH_2026).denominator == 1
    assert crisis_very_urgent_4h(MARCH_2026).denominator == 0


def test_minutes_on_the_night_the_clocks_go_forward_are_real_minutes(alice, crisis_team):
    # 29 March 2026: 01:00 GMT becomes 02:00 BST. 00:30 to 04:30 on the clock is 3 hours.
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 29, 0, 30), urgency=VERY_URGENT)
    contact(referral, alice, uk(2026, 3, 29, 4, 30), mechanism=FACE_TO_FACE)

    row = row_for(crisis_very_urgent_4h(MARCH_2026), referral)

    assert (row.minutes, row.met) == (180, True)


def test_minutes_on_the_night_the_clocks_go_back_are_real_minutes(alice, crisis_team):
    # 25 October 2026: 02:00 BST becomes 01:00 GMT. 00:30 to 03:30 on the clock is 4 hours.
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 10, 25, 0, 30), urgency=VERY_URGENT)
    contact(referral, alice, uk(2026, 10, 25, 3, 30), mechanism=FACE_TO_FACE)
    late = refer(by=alice, team=crisis_team, at=uk(2026, 10, 25, 0, 45), urgency=VERY_URGENT)
    contact(late, alice, uk(2026, 10, 25, 3, 46), mechanism=FACE_TO_FACE)

    result = crisis_very_urgent_4h(month_period(2026, 10))

    assert (row_for(result, referral).minutes, row_for(result, referral).met) == (240, True)
    assert (row_for(result, late).minutes, row_for(result, late).met) == (241, False)


def test_emergency_department_referral_to_liaison_seen_within_the_hour_is_met_whatever_its_priority(
    alice, liaison_team
):
    ed = Referral.Source.EMERGENCY_DEPARTMENT
    on_time = refer(
        by=alice, team=liaison_team, at=uk(2026, 3, 10, 9, 0), source=ed, urgency=Referral.Urgency.EMERGENCY
    )
    late = refer(by=alice, team=liaison_team, at=uk(2026, 3, 10, 10, 0), source=ed)
    from_gp = refer(by=alice, team=liaison_team, at=uk(2026, 3, 10, 11, 0))
    contact(on_time, alice, uk(2026, 3, 10, 10, 0), mechanism=FACE_TO_FACE)
    contact(late, alice, uk(2026, 3, 10, 11, 1), mechanism=FACE_TO_FACE)
    contact(from_gp, alice, uk(2026, 3, 10, 11, 10), mechanism=FACE_TO_FACE)

    result = liaison_1h(MARCH_2026)

    assert (result.numerator, result.denominator) == (1, 2)
    assert row_for(result, late).minutes == 61
    gp_row = row_for(result, from_gp)
    assert (gp_row.in_scope, gp_row.excluded_because) == (
        False,
        "source of referral A1, not the emergency department (H1)",
    )


def test_crisis_measures_read_in_a_constant_number_of_queries(alice, crisis_team, django_assert_num_queries):
    for day in range(2, 6):
        referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, day, 9, 0), urgency=VERY_URGENT)
        contact(referral, alice, uk(2026, 3, day, 10, 0) + timedelta(minutes=day), mechanism=FACE_TO_FACE)

    with django_assert_num_queries(1):
        result = crisis_very_urgent_4h(MARCH_2026)

    assert result.numerator == 4
