"""Referral spells with a full clock stop within 4 weeks (MRS01/MRS01a) and still waiting
(MRS02), counted over the quarter ending with the chosen month."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from referrals.models import Person
from referrals.services import assessment_record, hospital_stay_record, person_merge, person_unmerge
from reporting.measures import referral_spell, referral_spell_figures
from reporting.measures.periods import parse_period
from tests.factories import UserFactory

from .cases import CODED_ASSESSMENT, close, contact, full_clock_stop, refer, row_for, uk

pytestmark = pytest.mark.django_db
Q1_2026 = parse_period("2026-03", quarterly=True)  # January to March 2026


def test_a_clock_stop_on_day_28_is_within_4_weeks_for_the_spell_measure(alice, community_team):
    day_28 = refer(by=alice, team=community_team, at=uk(2026, 2, 2, 14, 0))
    full_clock_stop(day_28, alice, contact_at=uk(2026, 2, 3), last_at=uk(2026, 3, 2, 9, 0))
    day_29 = refer(by=alice, team=community_team, at=uk(2026, 2, 2, 14, 0))
    full_clock_stop(day_29, alice, contact_at=uk(2026, 2, 3), last_at=uk(2026, 3, 3, 9, 0))

    result = referral_spell(Q1_2026)

    on_time, late = row_for(result, day_28), row_for(result, day_29)
    assert (on_time.clock_start, on_time.clock_stop, on_time.days, on_time.met) == (
        date(2026, 2, 2),
        date(2026, 3, 2),
        28,
        True,
    )
    assert (late.days, late.met) == (29, False)
    assert (result.numerator, result.denominator, result.rate) == (1, 2, 50)


def test_a_care_plan_without_an_intervention_meets_the_fourth_component(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 1, 5))
    full_clock_stop(referral, alice, contact_at=uk(2026, 1, 6), last_at=uk(2026, 1, 20))

    row = row_for(referral_spell(Q1_2026), referral)

    assert (row.stopped_by, row.clock_stop, row.days, row.met) == ("care plan", date(2026, 1, 20), 15, True)


def test_an_uncoded_assessment_does_not_meet_the_assessment_component(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 1, 5))
    # Uncoded: the service refuses codes outside the shipped list, so this is how it happens.
    full_clock_stop(referral, alice, contact_at=uk(2026, 1, 6), last_at=uk(2026, 1, 20), assessment_code="")

    waiting = row_for(referral_spell(Q1_2026), referral)
    with time_machine.travel(uk(2026, 2, 10), tick=False):
        assessment_record(
            referral=referral,
            by=alice,
            now=uk(2026, 2, 10),
            completed_at=uk(2026, 2, 10),
            summary="x",
            code=CODED_ASSESSMENT,
        )
    stopped = row_for(referral_spell(Q1_2026), referral)

    assert (waiting.still_waiting, waiting.clock_stop, waiting.met) == (True, None, None)
    assert (stopped.stopped_by, stopped.days, stopped.met) == ("coded assessment", 36, False)


@pytest.mark.parametrize(("gap_days", "spells"), [(5, 1), (6, 2)])
def test_referrals_5_days_apart_join_one_spell_and_6_days_apart_start_a_new_one(
    alice, community_team, gap_days, spells
):
    first = refer(by=alice, team=community_team, at=uk(2026, 1, 5, 10))
    close(first, alice, uk(2026, 1, 10, 16))
    second = refer(by=alice, team=community_team, at=uk(2026, 1, 10 + gap_days, 9), person=first.person)
    full_clock_stop(second, alice, contact_at=uk(2026, 1, 20), last_at=uk(2026, 2, 9))

    result = referral_spell(Q1_2026)

    row = row_for(result, second)
    if spells == 1:
        assert (row.referral_ids, row.clock_start, row.days, row.met) == (
            (first.pk, second.pk),
            date(2026, 1, 5),
            35,
            False,
        )
    else:
        assert (row.referral_ids, row.clock_start, row.days, row.met) == ((second.pk,), date(2026, 1, 16), 24, True)
        # The first spell ended without a clock stop: neither counted nor waiting.
        assert not [r for r in result.rows if first.pk in r.referral_ids]
    assert result.denominator == 1


def test_a_referral_with_a_hospital_stay_is_out_of_the_spell_measure(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 1, 5))
    full_clock_stop(referral, alice, contact_at=uk(2026, 1, 6), last_at=uk(2026, 1, 20))
    with time_machine.travel(uk(2026, 1, 21), tick=False):
        hospital_stay_record(referral=referral, by=alice, now=uk(2026, 1, 21), admitted_at=uk(2026, 1, 21))

    result = referral_spell(Q1_2026)

    row = row_for(result, referral)
    assert (row.in_scope, row.excluded_because) == (False, "a hospital stay is linked to the referral")
    assert result.denominator == 0


def test_a_17_year_old_is_out_of_the_spell_measure(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 1, 5), birth_date=date(2008, 6, 1))
    full_clock_stop(referral, alice, contact_at=uk(2026, 1, 6), last_at=uk(2026, 1, 20))

    row = row_for(referral_spell(Q1_2026), referral)

    assert (row.in_scope, row.excluded_because) == (False, "under 18 on the received date")


def test_open_spells_without_a_clock_stop_are_still_waiting_in_cumulative_bands(alice, community_team):
    for received in (uk(2026, 3, 1), uk(2025, 3, 1), uk(2024, 3, 1)):
        referral = refer(by=alice, team=community_team, at=received)
        contact(referral, alice, received)

    result = referral_spell(Q1_2026)

    assert result.still_waiting == 3
    assert result.still_waiting_bands == {"over 364 days": 2, "over 546 days": 1, "over 728 days": 1}
    assert result.denominator == 0


def test_the_spell_measure_reads_in_a_constant_number_of_queries(alice, community_team, django_assert_num_queries):
    for day in (5, 6, 7):
        referral = refer(by=alice, team=community_team, at=uk(2026, 1, day))
        full_clock_stop(referral, alice, contact_at=uk(2026, 1, day + 1), last_at=uk(2026, 1, day + 10))

    with django_assert_num_queries(2):  # the first community referral's received date, then one statement
        result = referral_spell(Q1_2026)

    assert (result.numerator, result.denominator) == (3, 3)


@pytest.fixture
def ig_lead(trust):
    return UserFactory(username="iris", role=Role.IG_LEAD, organisation=trust)


def _figures(period) -> tuple[int, int, int]:
    figures = referral_spell_figures(period)
    return figures.numerator, figures.denominator, figures.still_waiting


def test_two_records_of_one_person_merged_join_their_referrals_into_one_spell_until_the_merge_is_undone(
    alice, community_team, ig_lead
):
    first = refer(by=alice, team=community_team, at=uk(2026, 1, 5, 10))
    close(first, alice, uk(2026, 1, 10, 16))
    second = refer(by=alice, team=community_team, at=uk(2026, 1, 12, 9))  # the same man, registered again
    Person.objects.filter(pk=second.person_id).update(nhs_number=None)
    full_clock_stop(second, alice, contact_at=uk(2026, 1, 20), last_at=uk(2026, 2, 9))

    apart = row_for(referral_spell(Q1_2026), second)
    apart_figures = _figures(Q1_2026)
    merge = person_merge(
        keep=first.person,
        duplicate=Person.objects.get(pk=second.person_id),
        by=ig_lead,
        now=timezone.now(),
        reason="Same man.",
    )
    merged = row_for(referral_spell(Q1_2026), second)
    merged_figures = _figures(Q1_2026)
    person_unmerge(merge=merge, by=ig_lead, now=timezone.now(), reason="Not the same man after all.")
    undone = row_for(referral_spell(Q1_2026), second)

    assert (apart.referral_ids, apart.clock_start, apart.days, apart.met) == ((second.pk,), date(2026, 1, 12), 28, True)
    assert apart_figures == (1, 1, 0)
    # One person now: received 2 days after the first ended, so one spell from the first's date.
    assert (merged.referral_ids, merged.clock_start, merged.days, merged.met) == (
        (first.pk, second.pk),
        date(2026, 1, 5),
        35,
        False,
    )
    assert merged_figures == (0, 1, 0)
    assert (undone.referral_ids, undone.days, undone.met) == ((second.pk,), 28, True)
    assert _figures(Q1_2026) == (1, 1, 0)


def test_a_referral_without_a_date_of_birth_comes_into_the_measures_when_its_record_is_merged_into_one_with_it(
    alice, community_team, ig_lead
):
    kept = refer(by=alice, team=community_team, at=uk(2025, 6, 2))
    close(kept, alice, uk(2025, 7, 1))  # long before: a spell of its own
    unknown_age = refer(by=alice, team=community_team, at=uk(2026, 1, 12, 9), birth_date=None)
    Person.objects.filter(pk=unknown_age.person_id).update(nhs_number=None)
    full_clock_stop(unknown_age, alice, contact_at=uk(2026, 1, 20), last_at=uk(2026, 2, 9))

    before = row_for(referral_spell(Q1_2026), unknown_age)
    person_merge(
        keep=kept.person,
        duplicate=Person.objects.get(pk=unknown_age.person_id),
        by=ig_lead,
        now=timezone.now(),
        reason="Same woman.",
    )
    after = row_for(referral_spell(Q1_2026), unknown_age)

    assert (before.in_scope, before.excluded_because) == (False, "no date of birth: age on the received date unknown")
    assert (after.in_scope, after.referral_ids, after.days, after.met) == (True, (unknown_age.pk,), 28, True)
    assert _figures(Q1_2026)[:2] == (1, 1)
