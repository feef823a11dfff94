"""No hidden waits: every intervention offered has a wait from the decision to its start, with a
target per team and kind, and the same warnings, breaches and escalations as the other clocks."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals.models import Alert, Clock, Intervention, InterventionWaitTarget, Notification, Referral
from referrals.selectors import referrals_with_breach
from referrals.services import clock_stop, intervention_record, referral_close
from referrals.services.alerts import alert_deliver, clocks_sweep_step
from referrals.services.intervention_waits import intervention_offer_start, intervention_offer_withdraw
from tests.factories import TeamFactory, make_offer

WEEK = timedelta(weeks=1)


@pytest.fixture
def referral_received_at():
    """The standing referral arrived 20 weeks ago: long enough for a wait to breach."""
    return timezone.now() - 20 * WEEK


def test_offering_a_psychological_therapy_starts_an_18_week_wait(referral, alice):
    offer = make_offer(referral, by=alice)
    assert offer.clock.kind == Clock.Kind.INTERVENTION
    assert offer.clock.target == timedelta(weeks=18)
    assert offer.clock.due_at == offer.decided_at + timedelta(weeks=18)
    assert offer.status == "waiting"


def test_a_wait_is_not_one_of_the_referrals_own_clocks(referral, alice):
    make_offer(referral, by=alice)
    assert sorted(referral.clocks.values_list("kind", flat=True)) == ["first_response", "treatment"]
    assert Clock.all_kinds.filter(referral=referral).count() == 3


def test_a_person_can_wait_for_two_interventions_at_once(referral, alice):
    make_offer(referral, by=alice)
    make_offer(referral, by=alice, kind=Intervention.Kind.PEER_SUPPORT, description="Peer support")
    assert Clock.all_kinds.filter(referral=referral, kind="intervention", is_current=True).count() == 2


def test_a_teams_own_target_beats_every_teams_target(referral, alice, north_team):
    InterventionWaitTarget.objects.create(team=north_team, kind="talking_therapy", target=timedelta(weeks=6))
    assert make_offer(referral, by=alice).clock.target == timedelta(weeks=6)


def test_recording_the_intervention_on_the_care_plan_stops_its_wait_when_it_started(referral, alice):
    decided = timezone.now() - 3 * WEEK
    offer = make_offer(referral, by=alice, decided_at=decided, now=decided)
    started = intervention_record(
        referral=referral,
        by=alice,
        now=timezone.now(),
        started_at=timezone.now() - WEEK,
        description="CBTp, 16 sessions",
        kind="talking_therapy",
    )
    offer.refresh_from_db()
    offer.clock.refresh_from_db()
    assert offer.intervention == started
    assert offer.clock.stopped_at == started.started_at
    assert offer.clock.stop_reason == Clock.StopReason.INTERVENTION_STARTED
    assert offer.status == "started"


def test_another_kind_of_intervention_does_not_end_the_wait(referral, alice):
    offer = make_offer(referral, by=alice)
    now = timezone.now()
    intervention_record(referral=referral, by=alice, now=now, started_at=now, description="Medication review")
    offer.clock.refresh_from_db()
    assert offer.clock.stopped_at is None


def test_starting_from_the_waiting_list_records_the_intervention(referral, alice):
    offer = make_offer(referral, by=alice, decided_at=timezone.now() - WEEK)
    now = timezone.now()
    intervention = intervention_offer_start(offer=offer, by=alice, now=now, started_at=now)
    offer.refresh_from_db()
    assert offer.intervention == intervention
    assert intervention.description == "CBT for psychosis"


def test_withdrawing_an_offer_needs_a_reason_and_stops_the_wait(referral, alice):
    offer = make_offer(referral, by=alice)
    with pytest.raises(ValidationError):
        intervention_offer_withdraw(offer=offer, by=alice, now=timezone.now(), reason="  ")
    intervention_offer_withdraw(offer=offer, by=alice, now=timezone.now(), reason="Chose the DBT group instead")
    offer.refresh_from_db()
    assert offer.status == "withdrawn"
    assert Clock.all_kinds.get(pk=offer.clock_id).stop_reason == Clock.StopReason.OFFER_WITHDRAWN


def test_closing_the_referral_ends_every_wait(triaged_referral, alice):
    offer = make_offer(triaged_referral, by=alice)
    referral_close(referral=triaged_referral, by=alice, now=timezone.now(), reason="declined", note="Declined")
    clock = Clock.all_kinds.get(pk=offer.clock_id)
    assert clock.stop_reason == Clock.StopReason.REFERRAL_ENDED


def test_a_wait_in_breach_is_not_a_breach_of_the_referrals_own_clocks(referral, alice, referral_received_at):
    for clock in referral.clocks.all():
        clock_stop(clock=clock, by=alice, now=referral_received_at + timedelta(hours=1), reason="Seen at the hub")
    offer = make_offer(referral, by=alice, decided_at=referral_received_at)
    assert offer.clock.is_breached(timezone.now())
    one = Referral.objects.filter(pk=referral.pk)
    assert not referrals_with_breach(one, now=timezone.now(), breached=True).exists()


def test_a_wait_past_its_target_warns_breaches_and_escalates_the_offering_team(referral, alice, tina, sam):
    psychology = TeamFactory(name="Psychology", organisation=alice.organisation)
    psychology.memberships.create(user=tina)
    decided = timezone.now()
    offer = make_offer(referral, by=alice, team=psychology, decided_at=decided, now=decided)
    with time_machine.travel(decided + timedelta(weeks=18, days=8), tick=False):
        clocks_sweep_step(now=timezone.now())
    levels = list(Alert.objects.filter(clock_id=offer.clock_id).values_list("level", "tier").order_by("id"))
    assert levels == [("breach", 0), ("escalation", 1)]  # the warning arrived with the breach: dropped
    breach = Alert.objects.get(clock_id=offer.clock_id, level="breach")
    assert alert_deliver(alert_id=breach.pk, now=timezone.now())
    recipients = set(Notification.objects.filter(alert=breach).values_list("recipient__username", flat=True))
    assert "tina" in recipients  # the offering team (alice is not in it)
    assert "alice" not in recipients
    assert any("talking therapy wait" in message.body for message in mail.outbox)
