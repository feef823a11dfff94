"""The CMH dashboard's wait to a second contact: whole UK dates, 0 to 27 days within 4 weeks."""

from datetime import date

import pytest
import time_machine

from common.london import london_date
from referrals.services import hospital_stay_record
from reporting.measures import cmh_second_contact, cmh_second_contact_figures
from reporting.measures.periods import month_period

from .cases import DID_NOT_ATTEND, FACE_TO_FACE, TEXT, close, contact, refer, row_for, uk

pytestmark = pytest.mark.django_db
MARCH_2026 = month_period(2026, 3)
RECEIVED = uk(2026, 2, 2, 14, 0)  # day 0; day 27 is Sunday 1 March, day 28 Monday 2 March


@pytest.mark.parametrize(
    ("second_at", "days", "met"),
    [
        (uk(2026, 3, 1, 9, 0), 27, True),  # day 27, before the referral's time of day
        (uk(2026, 3, 1, 20, 0), 27, True),  # day 27, after it
        (uk(2026, 3, 2, 9, 0), 28, False),  # day 28, though under 28 x 24 hours
        (uk(2026, 3, 2, 20, 0), 28, False),
    ],
    ids=["day-27-morning", "day-27-evening", "day-28-morning", "day-28-evening"],
)
def test_a_second_contact_on_day_28_is_outside_four_weeks_on_the_cmh_dashboard(
    alice, community_team, second_at, days, met
):
    referral = refer(by=alice, team=community_team, at=RECEIVED)
    contact(referral, alice, uk(2026, 2, 3, 10, 0))
    contact(referral, alice, second_at)

    result = cmh_second_contact(MARCH_2026)

    row = row_for(result, referral)
    assert (row.in_scope, row.clock_start, row.clock_stop, row.days, row.met) == (
        True,
        date(2026, 2, 2),
        london_date(second_at),
        days,
        met,
    )
    assert (result.numerator, result.denominator) == (int(met), 1)


def test_a_did_not_attend_and_a_text_are_not_a_second_contact(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10, 0))
    contact(referral, alice, uk(2026, 3, 3, 10, 0))
    contact(referral, alice, uk(2026, 3, 4, 10, 0), mechanism=FACE_TO_FACE, attendance=DID_NOT_ATTEND)
    contact(referral, alice, uk(2026, 3, 5, 10, 0), mechanism=TEXT)

    waiting = row_for(cmh_second_contact(MARCH_2026), referral)
    contact(referral, alice, uk(2026, 3, 12, 10, 0), mechanism=FACE_TO_FACE)
    seen = row_for(cmh_second_contact(MARCH_2026), referral)

    assert (waiting.still_waiting, waiting.days, waiting.waiting_band) == (True, 29, "28-84 days")
    assert (seen.still_waiting, seen.days, seen.met) == (False, 10, True)


def test_a_17_year_old_is_out_of_scope_with_the_reason(alice, community_team):
    received = uk(2026, 3, 2, 10, 0)
    seventeen = refer(by=alice, team=community_team, at=received, birth_date=date(2008, 3, 3))
    eighteen_today = refer(by=alice, team=community_team, at=received, birth_date=date(2008, 3, 2))
    for referral in (seventeen, eighteen_today):
        contact(referral, alice, uk(2026, 3, 3, 10, 0))
        contact(referral, alice, uk(2026, 3, 4, 10, 0))

    result = cmh_second_contact(MARCH_2026)

    row = row_for(result, seventeen)
    assert (row.in_scope, row.excluded_because, row.met) == (False, "under 18 on the received date", None)
    assert row_for(result, eighteen_today).in_scope
    assert (result.numerator, result.denominator) == (1, 1)


def test_a_crisis_referral_is_outside_the_community_measure(alice, community_team, crisis_team):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 2, 10, 0))
    contact(referral, alice, uk(2026, 3, 3, 10, 0))
    contact(referral, alice, uk(2026, 3, 4, 10, 0))

    result = cmh_second_contact(MARCH_2026)

    assert not [row for row in result.rows if referral.pk in row.referral_ids]
    assert result.denominator == 0


def test_a_referral_with_a_hospital_stay_is_out_of_the_second_contact_measure(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10, 0))
    contact(referral, alice, uk(2026, 3, 3, 10, 0))
    contact(referral, alice, uk(2026, 3, 4, 10, 0))
    with time_machine.travel(uk(2026, 3, 20), tick=False):
        hospital_stay_record(
            referral=referral, by=alice, now=uk(2026, 3, 20), admitted_at=uk(2026, 3, 10), discharged_at=uk(2026, 3, 18)
        )

    result = cmh_second_contact(MARCH_2026)

    row = row_for(result, referral)
    assert (row.in_scope, row.excluded_because) == (False, "a hospital stay is linked to the referral")
    assert result.denominator == 0


def test_referrals_open_at_the_month_end_without_a_second_contact_are_banded_by_days_waiting(alice, community_team):
    for received in (uk(2026, 3, 31), uk(2026, 3, 20), uk(2026, 3, 10), uk(2026, 2, 1), uk(2025, 12, 1)):
        referral = refer(by=alice, team=community_team, at=received)
        contact(referral, alice, received)
    closed = refer(by=alice, team=community_team, at=uk(2026, 3, 2))
    close(closed, alice, uk(2026, 3, 5))

    result = cmh_second_contact(MARCH_2026)

    assert result.still_waiting == 5
    assert result.still_waiting_bands == {
        "0-6 days": 1,
        "7-13 days": 1,
        "14-27 days": 1,
        "28-84 days": 1,
        "over 84 days": 1,
    }
    assert not [row for row in result.rows if closed.pk in row.referral_ids]


def test_the_second_contact_measure_reads_in_two_queries(alice, community_team, django_assert_num_queries):
    """The first community referral's received date (the days its index is read by), then one
    statement, whatever the number of referrals."""
    for day in (2, 3, 4):
        referral = refer(by=alice, team=community_team, at=uk(2026, 3, day))
        contact(referral, alice, uk(2026, 3, day, 13))
        contact(referral, alice, uk(2026, 3, day + 7, 13))

    with django_assert_num_queries(2):
        result = cmh_second_contact(MARCH_2026)

    assert (result.numerator, result.denominator) == (3, 3)


def test_a_referral_seen_a_second_time_in_the_month_counts_once_whether_it_ended_in_it_after_it_or_not_at_all(
    alice, community_team
):
    ended_in_march, ended_in_april, still_open = (
        refer(by=alice, team=community_team, at=uk(2026, 3, day)) for day in (2, 3, 4)
    )
    for referral in (ended_in_march, ended_in_april, still_open):
        contact(referral, alice, uk(2026, 3, 5, 10))
        contact(referral, alice, uk(2026, 3, 12, 10))
    ended_early = refer(by=alice, team=community_team, at=uk(2026, 2, 2))
    contact(ended_early, alice, uk(2026, 2, 3, 10))
    contact(ended_early, alice, uk(2026, 2, 4, 10))  # seen a second time in February
    contact(ended_early, alice, uk(2026, 3, 2, 10))  # a third contact in March is not a second
    close(ended_in_march, alice, uk(2026, 3, 20))
    close(ended_early, alice, uk(2026, 3, 21))
    close(ended_in_april, alice, uk(2026, 4, 2))

    result = cmh_second_contact(MARCH_2026)
    figures = cmh_second_contact_figures(MARCH_2026)

    for referral, days in ((ended_in_march, 10), (ended_in_april, 9), (still_open, 8)):
        row = row_for(result, referral)  # one row each
        assert (row.in_scope, row.days, row.met, row.still_waiting) == (True, days, True, False)
    assert not [row for row in result.rows if ended_early.pk in row.referral_ids]
    assert (result.numerator, result.denominator, result.still_waiting) == (3, 3, 0)
    assert (figures.numerator, figures.denominator, figures.still_waiting) == (3, 3, 0)


def test_the_first_referral_there_is_still_waits_and_one_received_after_midnight_in_london_waits_from_the_next_month(
    alice, community_team
):
    """The community measures read their open referrals day by day of UK received date, from the
    first community referral's (reporting.measures.teams.open_community_sql): the first of all
    is read, and the UK date, not the UTC one, says which month a referral was received in."""
    from reporting.measures import referral_spell
    from reporting.measures.periods import parse_period

    first = refer(by=alice, team=community_team, at=uk(2024, 3, 4, 10))  # the first there is
    late = refer(by=alice, team=community_team, at=uk(2026, 6, 1, 0, 30))  # 23:30 UTC on 31 May

    may, june = cmh_second_contact(month_period(2026, 5)), cmh_second_contact(month_period(2026, 6))

    assert [row.referral_ids for row in may.rows] == [(first.pk,)]
    assert (may.still_waiting, may.still_waiting_bands["over 84 days"]) == (1, 1)
    assert [row.referral_ids for row in june.rows] == [(first.pk,), (late.pk,)]
    # 29 days from 1 June to 30 June; 848 from the first.
    assert june.still_waiting_bands == {
        "0-6 days": 0, "7-13 days": 0, "14-27 days": 0, "28-84 days": 1, "over 84 days": 1,
    }  # fmt: skip
    assert cmh_second_contact_figures(month_period(2026, 5)).still_waiting == 1
    # The quarter ending in May: the first referral has waited 818 days.
    spells = referral_spell(parse_period("2026-05", quarterly=True))
    assert [row.referral_ids for row in spells.rows] == [(first.pk,)]
    assert spells.still_waiting_bands == {"over 364 days": 1, "over 546 days": 1, "over 728 days": 1}
