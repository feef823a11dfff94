"""Enrolment from the care plan, capacity, and the waiting list for the next cohort."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from groupwork.models import Enrolment
from groupwork.services import enrolment_leave, group_enrol
from referrals.services import caseload_allocate, referral_triage
from tests.factories import make_cohort, make_group, make_referral
from tests.reporting.measures.cases import uk

MONDAY = uk(2026, 3, 2, 9)


@pytest.fixture
def people(alice, north_practice):
    with time_machine.travel(MONDAY, tick=False):
        return [make_referral(by=alice, now=MONDAY, practice=north_practice) for _ in range(4)]


def enrol(group, referral, by, at=MONDAY):
    with time_machine.travel(at, tick=False):
        return group_enrol(group=group, referral=referral, by=by, now=at)


def test_people_beyond_a_cohorts_capacity_go_onto_the_waiting_list_for_the_next_cohort(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=2, now=MONDAY)
    spring = make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), now=MONDAY)

    placed = [enrol(group, referral, alice) for referral in people]

    assert [e.status for e in placed] == ["enrolled", "enrolled", "waiting", "waiting"]
    assert [e.cohort for e in placed] == [spring, spring, None, None]
    assert AuditEvent.objects.filter(action="group_enrolment.create", person_id=people[2].person_id).exists()


def test_the_next_cohort_takes_the_waiting_list_in_the_order_people_joined_it(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=1, now=MONDAY)
    make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), now=MONDAY)
    first = enrol(group, people[0], alice)
    second = enrol(group, people[1], alice, at=MONDAY + timedelta(hours=1))
    third = enrol(group, people[2], alice, at=MONDAY + timedelta(hours=2))

    summer = make_cohort(group=group, by=alice, starts_on=date(2026, 6, 1), now=MONDAY + timedelta(days=1))

    second.refresh_from_db()
    third.refresh_from_db()
    assert first.status == "enrolled"
    assert (second.status, second.cohort, second.placed_at) == ("enrolled", summer, MONDAY + timedelta(days=1))
    assert (third.status, third.cohort) == ("waiting", None)  # the summer cohort is full too


def test_with_no_cohort_scheduled_everyone_waits(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=10, now=MONDAY)

    assert enrol(group, people[0], alice).status == Enrolment.Status.WAITING


def test_a_cohort_that_has_started_takes_no_new_people(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=10, now=MONDAY)
    make_cohort(group=group, by=alice, starts_on=date(2026, 2, 23), now=MONDAY - timedelta(days=10))

    assert enrol(group, people[0], alice).status == Enrolment.Status.WAITING


def test_a_place_given_up_before_the_cohort_starts_goes_to_the_first_person_waiting(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=1, now=MONDAY)
    make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), now=MONDAY)
    leaving = enrol(group, people[0], alice)
    waiting = enrol(group, people[1], alice)

    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        enrolment_leave(enrolment=leaving, by=alice, now=MONDAY + timedelta(days=1))

    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.ENROLLED
    assert waiting.cohort == leaving.cohort


def test_enrolling_the_same_person_twice_is_refused_not_doubled(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=5, now=MONDAY)
    make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), now=MONDAY)
    enrol(group, people[0], alice)

    with pytest.raises(ValidationError, match="already enrolled in a cohort"):
        enrol(group, people[0], alice)
    assert Enrolment.objects.filter(referral=people[0]).count() == 1


def test_another_teams_group_is_refused_until_that_team_holds_the_person(alice, charlie, south_team, people):
    """Its facilitators could not see the person on the register: refer them, or hold them jointly."""
    southern = make_group(by=charlie, team=south_team, capacity=5, now=MONDAY)
    make_cohort(group=southern, by=charlie, starts_on=date(2026, 3, 9), now=MONDAY)

    with pytest.raises(ValidationError, match="South IPCT does not hold this person"):
        enrol(southern, people[0], alice)
    assert not Enrolment.objects.exists()


def test_a_partner_team_holding_the_person_by_allocation_may_enrol_them_in_its_group(
    alice, charlie, south_team, people
):
    southern = make_group(by=charlie, team=south_team, capacity=5, now=MONDAY)
    make_cohort(group=southern, by=charlie, starts_on=date(2026, 3, 9), now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        referral_triage(referral=people[0], by=alice, now=MONDAY)
        caseload_allocate(referral=people[0], by=alice, now=MONDAY, link_worker=charlie, team=south_team)

    assert enrol(southern, people[0], alice).status == Enrolment.Status.ENROLLED


def test_someone_in_a_cohort_under_way_is_not_put_on_the_waiting_list_for_the_same_group(alice, north_team, people):
    group = make_group(by=alice, team=north_team, capacity=5, now=MONDAY)
    make_cohort(
        group=group,
        by=alice,
        starts_on=date(2026, 3, 3),
        session_times=[uk(2026, 3, 3, 18), uk(2026, 3, 10, 18)],
        now=MONDAY,
    )
    enrol(group, people[0], alice)

    with pytest.raises(ValidationError, match="already enrolled in a cohort"):
        enrol(group, people[0], alice, at=uk(2026, 3, 5, 9))  # started, not finished


def test_only_a_member_of_the_team_sets_up_a_group_it_runs(charlie, north_team):
    with pytest.raises(ValidationError, match="Only a member of the team"):
        make_group(by=charlie, team=north_team, now=MONDAY)
