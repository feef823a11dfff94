"""Known answers: a group contact counts in our clocks and the national measures exactly as an
individual contact does, because NHS England's code never asks whether a contact was a group
one (docs/groups.md: 4w_waits_prep.py L275-L276, no filter on CareContPatientTherMode)."""

from datetime import date, timedelta

import time_machine

from accounts.models import TeamMembership
from groupwork.services import group_enrol, session_attendance_record
from referrals.models import Clock, ReferralMilestones
from reporting.measures import cmh_second_contact, parse_period
from tests.factories import TeamFactory, make_cohort, make_group
from tests.reporting.measures.cases import FACE_TO_FACE, contact, refer, uk


def _group_session(*, by, team, referral, at):
    """A group with one session at ``at``, the referral enrolled a week before."""
    before = at - timedelta(days=7)
    group = make_group(by=by, team=team, now=before)
    cohort = make_cohort(group=group, by=by, starts_on=at.date(), session_times=[at], now=before)
    with time_machine.travel(before, tick=False):
        enrolment = group_enrol(group=group, referral=referral, by=by, now=before)
    return cohort.sessions.get(), enrolment


def _register(session, by, enrolment, code, at):
    with time_machine.travel(at, tick=False):
        session_attendance_record(session=session, by=by, now=at, marks={enrolment.pk: code})


def test_an_attended_group_session_stops_the_first_response_clock_and_is_the_second_contact(alice, north_team):
    referral = refer(by=alice, team=north_team, at=uk(2026, 3, 2, 9))  # no MHSDS team type: second contact
    session_one, one = _group_session(by=alice, team=north_team, referral=referral, at=uk(2026, 3, 10, 18))
    _register(session_one, alice, one, "5", uk(2026, 3, 10, 20))

    first = referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE, is_current=True)
    assert (first.stopped_at, first.stop_reason) == (uk(2026, 3, 10, 18), Clock.StopReason.FIRST_COMPLETED_CONTACT)
    assert ReferralMilestones.objects.get(referral=referral).first_counting_contact_at == uk(2026, 3, 10, 18)

    session_two, two = _group_session(by=alice, team=north_team, referral=referral, at=uk(2026, 3, 17, 18))
    _register(session_two, alice, two, "5", uk(2026, 3, 17, 20))

    treatment = referral.clocks.get(kind=Clock.Kind.TREATMENT, is_current=True)
    assert (treatment.stopped_at, treatment.stop_reason) == (
        uk(2026, 3, 17, 18),
        Clock.StopReason.SECOND_COMPLETED_CONTACT,
    )


def test_a_group_session_the_person_did_not_attend_stops_no_clock(alice, north_team):
    referral = refer(by=alice, team=north_team, at=uk(2026, 3, 2, 9))
    session, enrolment = _group_session(by=alice, team=north_team, referral=referral, at=uk(2026, 3, 10, 18))

    _register(session, alice, enrolment, "3", uk(2026, 3, 10, 20))

    assert referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE, is_current=True).stopped_at is None
    assert not ReferralMilestones.objects.filter(referral=referral, first_counting_contact_at__isnull=False).exists()


def test_nhs_englands_community_wait_counts_an_attended_group_session_as_the_second_contact(alice, trust, north):
    """CMH dashboard: received 2 March, assessed 3 March, then a group session on 20 March: the
    second attended direct contact is the group one, 18 days after referral: within 4 weeks."""
    community = TeamFactory(name="Community", organisation=trust, locality=north, mhsds_team_type="A06")
    TeamMembership.objects.create(user=alice, team=community)
    referral = refer(by=alice, team=community, at=uk(2026, 3, 2, 9))
    contact(referral, alice, uk(2026, 3, 3, 10), mechanism=FACE_TO_FACE)
    session, enrolment = _group_session(by=alice, team=community, referral=referral, at=uk(2026, 3, 20, 14))
    _register(session, alice, enrolment, "5", uk(2026, 3, 20, 16))

    result = cmh_second_contact(parse_period("2026-03", quarterly=False))

    (row,) = [r for r in result.rows if r.referral_ids == (referral.pk,)]
    assert (result.numerator, result.denominator) == (1, 1)
    assert (row.clock_stop, row.days, row.met) == (date(2026, 3, 20), 18, True)


def test_nhs_englands_community_wait_still_counts_a_person_who_missed_the_group_as_waiting(alice, trust, north):
    community = TeamFactory(name="Community", organisation=trust, locality=north, mhsds_team_type="A06")
    TeamMembership.objects.create(user=alice, team=community)
    referral = refer(by=alice, team=community, at=uk(2026, 3, 2, 9))
    contact(referral, alice, uk(2026, 3, 3, 10), mechanism=FACE_TO_FACE)
    session, enrolment = _group_session(by=alice, team=community, referral=referral, at=uk(2026, 3, 20, 14))
    _register(session, alice, enrolment, "3", uk(2026, 3, 20, 16))

    result = cmh_second_contact(parse_period("2026-03", quarterly=False))

    assert (result.numerator, result.denominator, result.still_waiting) == (0, 0, 1)
