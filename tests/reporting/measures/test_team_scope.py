"""A referral counts under every team it was referred to, not only the team it is with now
(00_generic_prep.py L363-L403; 4w_waits_prep.py L162, L170; uec_prep.py L90-L102, L168-L180;
docs/measures.md "Which team a referral counts under"). Here a referral changes team only by a
warm hand-off, so the cases hand referrals on between crisis and community teams."""

import pytest
import time_machine

from referrals.models import Referral
from referrals.services import caseload_allocate, referral_redirect, referral_triage
from reporting.measures import cmh_second_contact, crisis_very_urgent_4h, eip_two_weeks, referral_spell
from reporting.measures.periods import month_period, parse_period
from tests.factories import UserFactory

from .cases import FACE_TO_FACE, contact, full_clock_stop, refer, row_for, uk

pytestmark = pytest.mark.django_db


def hand_on(referral, by, to_team, at):
    with time_machine.travel(at, tick=False):
        referral_redirect(referral=referral, by=by, now=at, to_team=to_team, note="Handed on.", person_informed=True)


def rows_holding(result, referral):
    return [row for row in result.rows if referral.pk in row.referral_ids]


def test_a_crisis_referral_handed_on_to_a_community_team_still_counts_for_crisis_in_its_month(
    alice, crisis_team, community_team
):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 3, 10), urgency=Referral.Urgency.VERY_URGENT)
    contact(referral, alice, uk(2026, 3, 3, 12), mechanism=FACE_TO_FACE)
    hand_on(referral, alice, community_team, uk(2026, 3, 5, 9))

    row = row_for(crisis_very_urgent_4h(month_period(2026, 3)), referral)

    assert (row.in_scope, row.minutes, row.met) == (True, 120, True)


def test_a_crisis_referral_handed_on_to_a_community_team_counts_in_the_community_wait_too(
    alice, crisis_team, community_team
):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 3, 3, 10))
    contact(referral, alice, uk(2026, 3, 3, 12), mechanism=FACE_TO_FACE)
    hand_on(referral, alice, community_team, uk(2026, 3, 5, 9))
    contact(referral, alice, uk(2026, 3, 10, 11))

    row = row_for(cmh_second_contact(month_period(2026, 3)), referral)

    assert (row.in_scope, row.days, row.met) == (True, 7, True)


def test_a_referral_handed_to_a_community_team_after_the_month_is_not_counted_in_that_month(
    alice, crisis_team, community_team
):
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 1, 12, 10))
    contact(referral, alice, uk(2026, 1, 12, 12), mechanism=FACE_TO_FACE)
    hand_on(referral, alice, community_team, uk(2026, 2, 10, 9))
    contact(referral, alice, uk(2026, 2, 12, 11))

    assert rows_holding(cmh_second_contact(month_period(2026, 1)), referral) == []
    row = row_for(cmh_second_contact(month_period(2026, 2)), referral)
    assert (row.in_scope, row.days, row.met) == (True, 31, False)


def test_a_community_referral_handed_on_to_a_crisis_team_leaves_the_community_wait_at_the_hand_off(
    alice, crisis_team, community_team
):
    referral = refer(by=alice, team=community_team, at=uk(2026, 1, 5, 10))
    hand_on(referral, alice, crisis_team, uk(2026, 2, 20, 9))

    january = row_for(cmh_second_contact(month_period(2026, 1)), referral)
    assert (january.in_scope, january.still_waiting) == (True, True)
    # Not discharged, but its part with community teams ended at the hand-off: no longer waiting.
    assert rows_holding(cmh_second_contact(month_period(2026, 3)), referral) == []
    assert rows_holding(referral_spell(parse_period("2026-Q1", quarterly=True)), referral) == []
    # At the end of 2025-Q4... it was not received yet; at the end of January it was waiting.
    waiting = row_for(referral_spell(parse_period("2026-01", quarterly=True)), referral)
    assert waiting.still_waiting is True


def test_a_referral_handed_back_to_a_community_team_waits_again_as_one_referral(alice, crisis_team, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 1, 5, 10))
    hand_on(referral, alice, crisis_team, uk(2026, 1, 20, 9))
    hand_on(referral, alice, community_team, uk(2026, 2, 2, 9))

    row = row_for(cmh_second_contact(month_period(2026, 2)), referral)

    assert (row.in_scope, row.still_waiting, row.days) == (True, True, 54)


def test_a_spell_counts_a_clock_stop_made_while_with_a_crisis_team(alice, crisis_team, community_team):
    """The clock-stop events belong to the referral, whichever team recorded them (L257-L456 join
    them by referral)."""
    referral = refer(by=alice, team=crisis_team, at=uk(2026, 2, 2, 10))
    full_clock_stop(referral, alice, contact_at=uk(2026, 2, 2, 12), last_at=uk(2026, 2, 6, 10))
    hand_on(referral, alice, community_team, uk(2026, 2, 9, 9))

    row = row_for(referral_spell(parse_period("2026-Q1", quarterly=True)), referral)

    assert (row.in_scope, row.days, row.met, row.stopped_by) == (True, 4, True, "care plan")


@pytest.mark.parametrize("first_with", ["eip", "community"])
def test_a_psychosis_referral_handed_on_either_way_between_eip_and_community_counts_for_eip(
    alice, community_team, eip_team, first_with
):
    """The EIP measure finds the early intervention team's referrals through their hand-offs too,
    whichever team they are with now (reporting.measures.teams.narrowed_to)."""
    first, then = (eip_team, community_team) if first_with == "eip" else (community_team, eip_team)
    referral = refer(by=alice, team=first, at=uk(2026, 3, 2, 10), primary_reason="01")
    hand_on(referral, alice, then, uk(2026, 3, 3, 9))
    contact(referral, alice, uk(2026, 3, 4, 10))
    referral.refresh_from_db()
    worker = UserFactory(teams=[referral.team])
    with time_machine.travel(uk(2026, 3, 5, 9), tick=False):
        referral_triage(referral=referral, by=alice, now=uk(2026, 3, 5, 9))
        caseload_allocate(referral=referral, by=alice, now=uk(2026, 3, 5, 9), link_worker=worker)
    stay = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10), primary_reason="01")  # never with EIP

    result = eip_two_weeks(parse_period("2026-03", quarterly=True))

    assert [row.referral_ids for row in result.rows] == [(referral.pk,)]
    assert (result.rows[0].days, result.rows[0].met) == (3, True)
    assert not rows_holding(result, stay)
