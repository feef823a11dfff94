"""The two clocks, as the service promises them to people waiting."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from common.london import LONDON
from referrals.models import Alert, Clock, ClockEvent, ClockPolicy, Contact, Referral
from referrals.services import (
    assessment_record,
    care_plan_record,
    clock_pause,
    clock_restart,
    clock_resume,
    contact_record,
    outcome_measure_record,
    referral_redirect,
)
from referrals.services.alerts import clocks_sweep
from tests.factories import TeamFactory, make_referral
from tests.factories.policies import make_team_policy

pytestmark = pytest.mark.django_db


def london(*args, fold=0) -> datetime:
    """A London wall-clock time, as UTC so that adding hours adds elapsed hours."""
    return datetime(*args, tzinfo=LONDON, fold=fold).astimezone(UTC)


def clock(referral: Referral, kind: str) -> Clock:
    return referral.clocks.get(kind=kind, is_current=True)


def levels(referral: Referral) -> list[tuple[str, str, int]]:
    return sorted(referral.alerts.values_list("clock_kind", "level", "tier"))


def test_mental_health_line_referral_at_2am_saturday_breaches_at_2am_sunday(alice, north_team, north_practice):
    saturday_2am = london(2026, 3, 14, 2, 0)
    with time_machine.travel(saturday_2am, tick=False):
        referral = make_referral(by=alice, source=Referral.Source.MENTAL_HEALTH_LINE, practice=north_practice)
    first = clock(referral, Clock.Kind.FIRST_RESPONSE)
    assert first.due_at == london(2026, 3, 15, 2, 0)

    with time_machine.travel(london(2026, 3, 15, 1, 59), tick=False):
        clocks_sweep(now=timezone.now())
        assert not first.is_breached(timezone.now())
        assert levels(referral) == [("first_response", "warning", 0)]
    with time_machine.travel(london(2026, 3, 15, 2, 0, 1), tick=False):
        clocks_sweep(now=timezone.now())
        first.refresh_from_db()
        assert first.is_breached(timezone.now())
        assert ("first_response", "breach", 0) in levels(referral)


@pytest.mark.parametrize(
    ("urgency", "target"),
    [("very_urgent", timedelta(hours=4)), ("emergency", timedelta(hours=1)), ("urgent", timedelta(hours=24))],
)
def test_first_response_target_follows_urgency(alice, north_practice, urgency, target):
    start = london(2026, 6, 1, 9, 30)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, urgency=urgency, practice=north_practice)
    assert clock(referral, Clock.Kind.FIRST_RESPONSE).due_at == start + target
    with time_machine.travel(start + target + timedelta(seconds=1), tick=False):
        clocks_sweep(now=timezone.now())
    assert referral.alerts.filter(clock_kind="first_response", level="breach").count() == 1


def test_clock_started_at_0130_on_the_night_the_clocks_go_back_breaches_24_elapsed_hours_later(alice, north_practice):
    # 25 October 2026: 01:30 happens twice in London. Take the first (BST, UTC+1).
    start = london(2026, 10, 25, 1, 30, fold=0).astimezone(UTC)  # arithmetic in elapsed time
    assert start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    due = clock(referral, Clock.Kind.FIRST_RESPONSE).due_at
    assert due - start == timedelta(hours=24)
    # On the wall clock that is 00:30 on Monday (GMT), not 01:30.
    assert due.astimezone(LONDON).isoformat() == "2026-10-26T00:30:00+00:00"
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        clocks_sweep(now=timezone.now())
        assert not referral.alerts.filter(level="breach").exists()
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        clocks_sweep(now=timezone.now())
        assert referral.alerts.filter(level="breach", clock_kind="first_response").exists()


def test_completed_contact_at_23_hours_stops_the_clock_unbreached(alice, north_practice):
    start = london(2026, 5, 4, 10, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        contact_record(
            referral=referral,
            by=alice,
            now=timezone.now(),
            occurred_at=timezone.now(),
            mode=Contact.Mode.TELEPHONE,
            outcome=Contact.Outcome.COMPLETED,
        )
    first = clock(referral, Clock.Kind.FIRST_RESPONSE)
    assert first.stopped_at == start + timedelta(hours=23)
    assert first.stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT
    with time_machine.travel(start + timedelta(days=3), tick=False):
        clocks_sweep(now=timezone.now())
        first.refresh_from_db()
        assert not first.is_breached(timezone.now())
    assert not referral.alerts.filter(clock_kind="first_response", level="breach").exists()


def test_attempted_contact_does_not_stop_the_clock(alice, north_practice):
    start = london(2026, 5, 4, 10, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        contact_record(
            referral=referral,
            by=alice,
            now=timezone.now(),
            occurred_at=timezone.now(),
            mode=Contact.Mode.TELEPHONE,
            outcome=Contact.Outcome.ATTEMPTED,
        )
    first = clock(referral, Clock.Kind.FIRST_RESPONSE)
    assert first.stopped_at is None
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        clocks_sweep(now=timezone.now())
    assert referral.alerts.filter(clock_kind="first_response", level="breach").exists()


def _contact(referral, by, at, **kw):
    with time_machine.travel(at, tick=False):
        return contact_record(
            referral=referral,
            by=by,
            now=timezone.now(),
            occurred_at=at,
            mode=kw.pop("mode", Contact.Mode.FACE_TO_FACE),
            outcome=kw.pop("outcome", Contact.Outcome.COMPLETED),
            **kw,
        )


def test_treatment_clock_stops_at_the_second_completed_contact_by_default(alice, north_practice):
    start = london(2026, 2, 2, 9, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    treatment = clock(referral, Clock.Kind.TREATMENT)
    assert treatment.stop_rule == ClockPolicy.TreatmentStopRule.SECOND_CONTACT
    assert treatment.due_at == start + timedelta(days=28)

    _contact(referral, alice, start + timedelta(hours=5))  # assessment
    _contact(referral, alice, start + timedelta(days=8), outcome=Contact.Outcome.ATTEMPTED)  # did not attend
    treatment.refresh_from_db()
    assert treatment.stopped_at is None
    _contact(referral, alice, start + timedelta(days=12))
    treatment.refresh_from_db()
    assert treatment.stopped_at == start + timedelta(days=12)
    assert treatment.stop_reason == Clock.StopReason.SECOND_COMPLETED_CONTACT


def test_treatment_clock_under_explicit_rule_stops_only_when_treatment_starts(alice, north_team, north_practice):
    make_team_policy(north_team, treatment_stop_rule=ClockPolicy.TreatmentStopRule.TREATMENT_STARTED)
    start = london(2026, 2, 2, 9, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    _contact(referral, alice, start + timedelta(days=1))
    _contact(referral, alice, start + timedelta(days=2))
    assert clock(referral, Clock.Kind.TREATMENT).stopped_at is None
    _contact(referral, alice, start + timedelta(days=9), starts_treatment=True)
    treatment = clock(referral, Clock.Kind.TREATMENT)
    assert treatment.stopped_at == start + timedelta(days=9)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TREATMENT
    assert referral.treatment_started_at == start + timedelta(days=9)


def test_referral_spell_rule_stops_at_the_latest_of_contact_coded_assessment_plan_and_baseline(
    alice, north_team, north_practice
):
    """4w_waits_prep.py L495-L511: the latest of the first attended direct contact, a coded
    assessment, a care plan OR a coded intervention, and a baseline outcome measure."""
    make_team_policy(north_team, treatment_stop_rule=ClockPolicy.TreatmentStopRule.REFERRAL_SPELL)
    start = london(2026, 2, 2, 9, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    _contact(referral, alice, start + timedelta(days=1))
    _contact(referral, alice, start + timedelta(days=2))
    assert clock(referral, Clock.Kind.TREATMENT).stopped_at is None  # contacts alone are not enough

    now = start + timedelta(days=20)
    assessment_record(
        referral=referral, by=alice, now=now, completed_at=start + timedelta(days=2), summary="Core assessment"
    )
    care_plan_record(referral=referral, by=alice, now=now, agreed_at=start + timedelta(days=6), summary="Goals agreed")
    outcome_measure_record(
        referral=referral,
        by=alice,
        now=now,
        recorded_at=start + timedelta(days=6),
        instrument="ReQoL-10",
        score=14,
        stage="baseline",
    )
    # An assessment without a code from the assessment reference set does not count.
    assert clock(referral, Clock.Kind.TREATMENT).stopped_at is None
    assessment_record(
        referral=referral,
        by=alice,
        now=now,
        completed_at=start + timedelta(days=3),
        summary="Neurodevelopmental assessment",
        code="1085671000000109",
    )
    treatment = clock(referral, Clock.Kind.TREATMENT)
    # A care plan without an intervention meets the fourth part: the latest part is day 6.
    assert treatment.stopped_at == start + timedelta(days=6)
    assert treatment.stop_reason == Clock.StopReason.REFERRAL_SPELL_COMPLETE


def test_redirect_keeps_the_original_clocks_and_records_the_handoff(alice, north_team, north_practice, trust):
    crisis = TeamFactory(name="Crisis team", kind="crisis", locality=None, organisation=trust)
    start = london(2026, 4, 1, 14, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    original = {c.kind: (c.pk, c.due_at) for c in referral.clocks.all()}
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        handoff = referral_redirect(
            referral=referral,
            by=alice,
            now=timezone.now(),
            to_team=crisis,
            note="Escalating risk; crisis team agreed to see today.",
            person_informed=True,
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REDIRECTED
    assert referral.team == crisis
    assert handoff.from_team == north_team and handoff.to_team == crisis and not handoff.clocks_restarted
    assert {c.kind: (c.pk, c.due_at) for c in referral.clocks.all()} == original


def test_pathway_that_restarts_clocks_on_redirect_keeps_the_old_clock_in_history(alice, north_practice, trust):
    pd_service = TeamFactory(name="CEN service", kind="system_service", locality=None, organisation=trust)
    make_team_policy(pd_service, restart_clocks_on_redirect=True)
    start = london(2026, 4, 1, 14, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    moved = start + timedelta(hours=30)
    with time_machine.travel(moved, tick=False):
        clocks_sweep(now=timezone.now())  # the first-response clock breaches first
        handoff = referral_redirect(
            referral=referral,
            by=alice,
            now=timezone.now(),
            to_team=pd_service,
            note="Better met by the CEN service.",
            person_informed=True,
        )
    assert handoff.clocks_restarted
    old = referral.clocks.get(kind="first_response", is_current=False)
    new = referral.clocks.get(kind="first_response", is_current=True)
    assert old.stop_reason == Clock.StopReason.RESTARTED and old.stopped_at == moved
    assert old.is_breached(moved)  # the breach stays a fact
    assert referral.alerts.filter(clock=old, level="breach").exists()
    assert new.started_at == moved and new.due_at == moved + timedelta(hours=24)
    assert new.events.get().kind == ClockEvent.Kind.RESTARTED


def test_pausing_moves_the_deadline_on_by_the_pause_and_is_recorded(alice, north_practice):
    start = london(2026, 7, 1, 9, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)
    treatment = clock(referral, Clock.Kind.TREATMENT)
    clock_pause(clock=treatment, by=alice, now=start + timedelta(days=3), reason="Person in hospital")
    with time_machine.travel(start + timedelta(days=40), tick=False):
        assert clocks_sweep(now=timezone.now())["clocks"] >= 0
        assert not referral.alerts.filter(clock_kind="treatment").exists()  # paused clocks raise nothing
    resumed = clock_resume(clock=treatment, by=alice, now=start + timedelta(days=10), reason="Discharged home")
    assert resumed.due_at == start + timedelta(days=35)
    assert list(resumed.events.values_list("kind", flat=True)) == ["started", "paused", "resumed"]


def test_clock_changes_need_a_reason(alice, north_practice):
    from referrals.errors import InvalidTransition

    referral = make_referral(by=alice, practice=north_practice)
    with pytest.raises(InvalidTransition):
        clock_restart(clock=clock(referral, Clock.Kind.TREATMENT), by=alice, now=timezone.now(), reason="  ")


def test_alerts_climb_the_ladder_once_each(alice, tina, sam, north_practice):
    start = london(2026, 8, 3, 9, 0)
    with time_machine.travel(start, tick=False):
        referral = make_referral(by=alice, practice=north_practice)  # routine: 24 h, +4 h, +24 h
    for hours in (18, 19, 24.5, 25, 28.5, 48.5, 60):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            clocks_sweep(now=timezone.now())
    assert levels(referral) == [
        ("first_response", "breach", 0),
        ("first_response", "escalation", 1),
        ("first_response", "escalation", 2),
        ("first_response", "warning", 0),
    ]
    assert Alert.objects.get(referral=referral, level="warning").created_at == start + timedelta(hours=18)
    assert clock(referral, Clock.Kind.FIRST_RESPONSE).next_check_at is None
