"""Other clocks as configuration, not code: early intervention in psychosis (treatment within two
weeks of referral, stopped as NHS England's EIP23a stops it) and an urgent care hub (assessed
within two hours of arrival) are clock policies for their teams, with the usual alerts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from referrals.models import Alert, Clock
from referrals.services import caseload_allocate, contact_record
from referrals.services.alerts import clocks_sweep_step
from tests.factories import (
    make_eip_policy,
    make_received_referral,
    make_triaged_referral,
    make_urgent_care_hub_policy,
)

RECEIVED = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in London
DAY = timedelta(days=1)


def treatment(referral) -> Clock:
    return referral.clocks.get(kind=Clock.Kind.TREATMENT, is_current=True)


def seen(referral, by, at, *, attendance="5", mechanism="01"):
    return contact_record(
        referral=referral, by=by, now=at, occurred_at=at, consultation_mechanism=mechanism, attendance=attendance
    )


@pytest.fixture
def eip_referral(alice, north_team, north_practice):
    make_eip_policy(north_team)
    return make_triaged_referral(by=alice, now=RECEIVED, practice=north_practice)


def test_an_eip_referral_waits_two_weeks_for_treatment(eip_referral):
    clock = treatment(eip_referral)
    assert clock.stop_rule == "eip"
    assert clock.due_at == RECEIVED + 14 * DAY


def test_eip_treatment_starts_at_the_later_of_contact_and_care_coordinator(eip_referral, alice, bob):
    # Known answer: care coordinator (link worker) allocated on day 3, first attended contact on
    # day 10: EIP23a's clock stops on day 10, within two weeks.
    caseload_allocate(referral=eip_referral, by=alice, now=RECEIVED + 3 * DAY, link_worker=bob)
    assert treatment(eip_referral).stopped_at is None  # a care coordinator alone is not treatment
    contact = seen(eip_referral, bob, RECEIVED + 10 * DAY)
    clock = treatment(eip_referral)
    assert clock.stopped_at == contact.occurred_at
    assert clock.stop_reason == Clock.StopReason.TREATMENT_STARTED
    assert not clock.is_breached(RECEIVED + 30 * DAY)


def test_a_contact_without_a_care_coordinator_leaves_the_eip_clock_running(eip_referral, alice, bob):
    seen(eip_referral, alice, RECEIVED + 2 * DAY)
    assert treatment(eip_referral).stopped_at is None
    # Known answer: allocated on day 16 after a contact on day 2: the clock stops on day 16, late.
    caseload_allocate(referral=eip_referral, by=alice, now=RECEIVED + 16 * DAY, link_worker=bob)
    seen(eip_referral, bob, RECEIVED + 17 * DAY)
    clock = treatment(eip_referral)
    assert clock.stopped_at == RECEIVED + 16 * DAY
    assert clock.is_breached(RECEIVED + 30 * DAY)


def test_allocating_a_care_coordinator_after_a_contact_stops_the_eip_clock_then(eip_referral, alice, bob):
    # No further contact needed: the allocation itself completes EIP23a's pair on day 5.
    seen(eip_referral, alice, RECEIVED + 2 * DAY)
    caseload_allocate(referral=eip_referral, by=alice, now=RECEIVED + 5 * DAY, link_worker=bob)
    clock = treatment(eip_referral)
    assert clock.stopped_at == RECEIVED + 5 * DAY
    assert not clock.is_breached(RECEIVED + 30 * DAY)


def test_a_did_not_attend_is_not_eip_treatment(eip_referral, alice, bob):
    caseload_allocate(referral=eip_referral, by=alice, now=RECEIVED + DAY, link_worker=bob)
    seen(eip_referral, bob, RECEIVED + 2 * DAY, attendance="3")
    assert treatment(eip_referral).stopped_at is None


def test_an_eip_wait_past_two_weeks_breaches_through_the_usual_alerts(eip_referral):
    with time_machine.travel(RECEIVED + 14 * DAY + timedelta(minutes=1), tick=False):
        clocks_sweep_step(now=RECEIVED + 14 * DAY + timedelta(minutes=1))
    clock = treatment(eip_referral)
    assert Alert.objects.filter(clock=clock, level=Alert.Level.BREACH).exists()


@pytest.mark.parametrize("urgency", ["routine", "urgent", "very_urgent", "emergency"])
def test_the_urgent_care_hub_assesses_within_two_hours_of_arrival(alice, north_team, north_practice, urgency):
    make_urgent_care_hub_policy(north_team)
    referral = make_received_referral(by=alice, now=RECEIVED, practice=north_practice, urgency=urgency)
    clock = referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)
    assert clock.due_at == RECEIVED + timedelta(hours=2)


def test_an_urgent_care_hub_assessment_after_two_hours_breaches(alice, north_team, north_practice):
    make_urgent_care_hub_policy(north_team)
    referral = make_received_referral(by=alice, now=RECEIVED, practice=north_practice, urgency="urgent")
    at = RECEIVED + timedelta(hours=2, minutes=1)
    clocks_sweep_step(now=at)
    clock = referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)
    assert list(clock.alerts.values_list("level", flat=True)) == ["breach"]
    seen(referral, alice, at)
    clock.refresh_from_db()
    assert clock.stopped_at == at
    assert clock.is_breached(at)
