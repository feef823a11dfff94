"""The state factories (tests/factories/states.py) reach their state through the services, and
leave behind what the services leave: allocations, contacts, hand-offs, stopped clocks."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import AuditEvent
from localities.models import Team
from referrals.models import Clock, Referral
from tests.factories import (
    TeamFactory,
    make_allocated_referral,
    make_closed_referral,
    make_discharged_referral,
    make_in_treatment_referral,
    make_received_referral,
    make_redirected_referral,
    make_triaged_referral,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = Referral.Status


@pytest.fixture
def specialist_team(trust):
    return TeamFactory(
        name="Eating Disorders Service", organisation=trust, locality=None, kind=Team.Kind.SYSTEM_SERVICE
    )


@pytest.fixture
def made(request, alice, bob, north_practice, specialist_team):
    """Each factory with what its state needs."""
    needs = {"link_worker": bob, "to_team": specialist_team}
    factory, extra = request.param
    return factory(by=alice, now=T0, practice=north_practice, **{key: needs[key] for key in extra})


@pytest.mark.parametrize(
    ("made", "status"),
    [
        ((make_received_referral, []), S.RECEIVED),
        ((make_triaged_referral, []), S.TRIAGED),
        ((make_allocated_referral, ["link_worker"]), S.ALLOCATED),
        ((make_in_treatment_referral, ["link_worker"]), S.IN_TREATMENT),
        ((make_redirected_referral, ["to_team"]), S.REDIRECTED),
        ((make_discharged_referral, ["link_worker"]), S.DISCHARGED),
        ((make_closed_referral, []), S.CLOSED),
    ],
    indirect=["made"],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_factory_reaches_its_state_through_audited_services(made, status):
    assert made.status == status
    assert made.status_changed_at == T0
    assert AuditEvent.objects.filter(object_type="referrals.referral", object_id=str(made.pk)).exists()


def test_an_allocated_referral_is_held_by_the_link_worker_in_the_routed_team(alice, bob, north_practice, north_team):
    referral = make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)

    assert referral.allocated_to == bob
    assert [(a.link_worker, a.team, a.ended_at) for a in referral.allocations.all()] == [(bob, north_team, None)]


def test_treatment_starts_with_a_completed_contact_that_stops_the_first_response_clock(alice, bob, north_practice):
    referral = make_in_treatment_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)

    assert referral.treatment_started_at == T0
    assert referral.contacts.get().starts_treatment
    first = referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)
    assert (first.stopped_at, first.stop_reason) == (T0, Clock.StopReason.FIRST_COMPLETED_CONTACT)


def test_ending_a_referral_stops_its_clocks_and_ends_who_holds_it(alice, bob, north_practice):
    discharged = make_discharged_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    closed = make_closed_referral(by=alice, now=T0, practice=north_practice)

    for referral in (discharged, closed):
        assert referral.ended_at == T0
        assert not referral.clocks.filter(stopped_at__isnull=True).exists()
    assert discharged.discharge_reason == Referral.DischargeReason.GOALS_MET
    assert discharged.allocations.get().ended_at == T0
    assert closed.closure_reason == Referral.ClosureReason.NO_CONTACT


def test_a_redirect_hands_the_same_referral_to_the_other_team(alice, north_practice, north_team, specialist_team):
    referral = make_redirected_referral(by=alice, now=T0, to_team=specialist_team, practice=north_practice)

    assert referral.team == specialist_team
    assert [(h.from_team, h.to_team) for h in referral.handoffs.all()] == [(north_team, specialist_team)]


def test_different_people_can_take_different_steps(intake, alice, bob, tina, north_practice):
    week_ago = T0 - timedelta(days=7)
    received = make_received_referral(by=intake, now=week_ago, practice=north_practice)
    triaged = make_triaged_referral(referral=received, by=alice, now=week_ago + timedelta(hours=1))
    held = make_allocated_referral(referral=triaged, by=tina, now=T0, link_worker=bob)

    assert held is received and received.status == S.ALLOCATED  # the caller's object is brought up to date
    assert held.received_at == week_ago
    assert list(
        AuditEvent.objects.filter(person_id=held.person_id, action__startswith="referral.")
        .order_by("at", "id")
        .values_list("action", "actor__username")
    ) == [("referral.create", "intake"), ("referral.triage", "alice")]
    assert held.allocations.get().started_by == tina


def test_intake_fields_are_refused_when_moving_an_existing_referral_on(referral, alice):
    with pytest.raises(TypeError, match="given_name"):
        make_triaged_referral(referral=referral, by=alice, now=T0, given_name="Robin")
