"""A session's register: each attendance the person's coded group contact, recorded once."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from groupwork.models import Attendance, Group
from groupwork.services import group_enrol, session_attendance_record
from referrals.models import Contact
from tests.factories import make_cohort, make_group, make_referral
from tests.reporting.measures.cases import uk

MONDAY = uk(2026, 3, 2, 9)
SESSION = uk(2026, 3, 9, 18)


@pytest.fixture
def people(alice, north_practice):
    with time_machine.travel(MONDAY, tick=False):
        return [make_referral(by=alice, now=MONDAY, practice=north_practice) for _ in range(3)]


def cohort_with(people, *, by, team, kind=Group.Kind.SKILLS, mechanism="01"):
    group = make_group(by=by, team=team, capacity=8, kind=kind, mechanism=mechanism, now=MONDAY)
    cohort = make_cohort(group=group, by=by, starts_on=date(2026, 3, 9), session_times=[SESSION], now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        enrolments = [group_enrol(group=group, referral=r, by=by, now=MONDAY) for r in people]
    return cohort.sessions.get(), enrolments


def record(session, by, marks, at=SESSION + timedelta(hours=2)):
    with time_machine.travel(at, tick=False):
        return session_attendance_record(session=session, by=by, now=at, marks=marks)


def test_each_attendance_becomes_a_coded_group_contact_for_that_person(alice, north_team, people):
    session, (ann, ben, cat) = cohort_with(people, by=alice, team=north_team, mechanism="11")

    record(session, alice, {ann.pk: "5", ben.pk: "3", cat.pk: "2"})

    contacts = {c.referral_id: c for c in Contact.objects.filter(referral__in=people)}
    assert {r: (c.consultation_mechanism, c.attendance, c.occurred_at) for r, c in contacts.items()} == {
        ann.referral_id: ("11", "5", SESSION),
        ben.referral_id: ("11", "3", SESSION),
        cat.referral_id: ("11", "2", SESSION),
    }
    assert Attendance.objects.get(enrolment=ann).contact == contacts[ann.referral_id]
    session.refresh_from_db()
    assert session.register_recorded_by == alice


def test_recording_the_register_twice_makes_no_twin_contacts(alice, north_team, people):
    session, (ann, ben, _) = cohort_with(people, by=alice, team=north_team)
    record(session, alice, {ann.pk: "5"})

    again = record(session, alice, {ann.pk: "5", ben.pk: "3"})

    assert [a.enrolment for a in again] == [ben]  # only the person not yet recorded
    assert Contact.objects.filter(referral=ann.referral).count() == 1
    assert Attendance.objects.filter(session=session).count() == 2


def test_a_different_answer_for_someone_already_recorded_is_refused_and_nothing_of_that_register_is_kept(
    alice, north_team, people
):
    session, (ann, ben, _) = cohort_with(people, by=alice, team=north_team)
    record(session, alice, {ann.pk: "5"})

    with pytest.raises(ValidationError) as refused:
        record(session, alice, {ann.pk: "3", ben.pk: "5"})

    assert "Already recorded as attended" in str(refused.value)
    assert not Contact.objects.filter(referral=ben.referral).exists()  # all or nothing
    assert Contact.objects.get(referral=ann.referral).attendance == "5"


def test_a_session_that_has_not_happened_yet_has_no_register(alice, north_team, people):
    session, (ann, _, _) = cohort_with(people, by=alice, team=north_team)

    with pytest.raises(ValidationError, match="not happened yet"):
        record(session, alice, {ann.pk: "5"}, at=SESSION - timedelta(hours=1))
    assert not Contact.objects.exists()


def test_someone_not_in_the_sessions_cohort_cannot_be_marked(alice, north_team, people, north_practice):
    session, _ = cohort_with(people[:1], by=alice, team=north_team)
    other_group = make_group(by=alice, team=north_team, now=MONDAY)
    make_cohort(group=other_group, by=alice, starts_on=date(2026, 3, 10), now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        stranger = group_enrol(group=other_group, referral=people[2], by=alice, now=MONDAY)

    with pytest.raises(ValidationError, match="not in this session's cohort"):
        record(session, alice, {stranger.pk: "5"})


def test_a_carers_group_keeps_its_register_but_makes_no_contact_for_the_person_cared_for(alice, north_team, people):
    session, (ann, _, _) = cohort_with(people, by=alice, team=north_team, kind=Group.Kind.CARERS)

    (attendance,) = record(session, alice, {ann.pk: "5"})

    assert attendance.contact is None
    assert not Contact.objects.filter(referral=ann.referral).exists()
