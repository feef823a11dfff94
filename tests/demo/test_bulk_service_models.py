"""``demo.bulk`` at benchmark size writes issue 14's services too, keeping the rules the services keep:
who is on which tier, the roll-out, internal waits with their clocks and alerts, and groups whose
attendance is a group contact."""

from datetime import UTC, datetime

import pytest
from django.db.models import Count, F, Q

from demo.bulk import BulkShape, bulk_load
from demo.groups import CEN_GROUPS
from groupwork.models import Attendance, Cohort, Enrolment, Group, GroupSession
from pathways.models import Placement, Rollout, Step
from referrals.models import Alert, Clock, Contact, Intervention, InterventionOffer
from reporting.rebuild import facts_rebuild, facts_verify

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
SHAPE = BulkShape(referrals=3000, seed=5)


@pytest.fixture
def loaded(db):
    return bulk_load(shape=SHAPE, now=NOW)


def test_the_rows_reported_count_what_both_passes_wrote(loaded):
    assert loaded.rows["referrals_clock"] == Clock.all_kinds.count()
    assert loaded.rows["referrals_contact"] == Contact.objects.count()
    assert loaded.rows["referrals_alert"] == Alert.objects.count()
    assert loaded.rows["pathways_placement"] == Placement.objects.count() > 0


def test_the_service_is_configured_and_rolled_out_locality_by_locality(loaded):
    go_live = sorted(Rollout.objects.values_list("live_from", flat=True))
    assert len(go_live) == 6
    assert go_live[0] < NOW.date() < go_live[-1]  # live in some localities, not yet in others


def test_people_the_service_holds_are_on_a_tier_and_leave_it_when_their_referral_ends(loaded):
    placements = Placement.objects.select_related("referral")
    assert placements.filter(left_at__isnull=True).count() > 5
    assert placements.filter(left_at__isnull=False).count() > 5
    for placement in placements.prefetch_related("steps"):
        steps = list(placement.steps.all())
        assert steps[0].kind == Step.Kind.ENTER and steps[0].at == placement.entered_at
        assert (placement.tier_id is None) == (placement.left_at is not None)
        if placement.left_at is not None:
            assert steps[-1].kind == Step.Kind.LEAVE and steps[-1].at == placement.left_at
        else:  # the tier it is on is where its last step took it
            assert steps[-1].to_tier_id == placement.tier_id
        if placement.referral.ended_at is not None:
            assert placement.left_at is not None and placement.left_at <= placement.referral.ended_at
        assert all(step.at <= (placement.referral.ended_at or NOW) for step in steps)
        assert placement.referral.team_id == placement.pathway.team_id
    kinds = set(Step.objects.values_list("kind", flat=True))
    assert {"enter", "step_up", "step_down", "leave"} <= kinds


def test_every_offer_waits_on_its_own_clock_until_it_starts_is_withdrawn_or_the_referral_ends(loaded):
    offers = InterventionOffer.objects.select_related("clock", "referral", "intervention")
    statuses = {offer.status for offer in offers}
    assert statuses == {"waiting", "started", "withdrawn", "ended"}
    for offer in offers:
        clock = offer.clock
        assert clock.kind == Clock.Kind.INTERVENTION and clock.started_at == offer.decided_at
        assert offer.decided_at >= offer.referral.received_at
        if offer.intervention is not None:
            assert clock.stop_reason == Clock.StopReason.INTERVENTION_STARTED
            assert clock.stopped_at == offer.intervention.started_at
            assert offer.intervention.referral_id == offer.referral_id
        elif offer.withdrawn_at is not None:
            assert clock.stop_reason == Clock.StopReason.OFFER_WITHDRAWN and clock.stopped_at == offer.withdrawn_at
        elif offer.referral.ended_at is not None:
            assert clock.stop_reason == Clock.StopReason.REFERRAL_ENDED
        else:
            assert clock.stopped_at is None
    # Some people still waiting are past their target. (Waits of years cannot show here: a bulk
    # referral older than ``BulkShape.open_for`` has ended, and its waits with it.)
    waiting = [o.clock for o in offers if o.status == "waiting"]
    assert any(c.due_at < NOW for c in waiting)
    ended_late = [o.clock for o in offers if o.status == "started" and o.clock.stopped_at > o.clock.due_at]
    assert any(c.stopped_at - c.started_at > 1.5 * c.target for c in ended_late)
    assert Intervention.objects.count() == sum(1 for o in offers if o.intervention is not None)


def test_intervention_waits_have_the_alerts_a_sweep_that_kept_up_would_have_raised(loaded):
    waits = Clock.all_kinds.filter(kind=Clock.Kind.INTERVENTION)
    assert not waits.filter(next_check_at__lte=NOW).exists()
    alerts = dict(Alert.objects.values_list("clock").annotate(n=Count("id")).values_list("clock", "n"))
    for clock in waits.filter(stopped_at__isnull=True):
        passed = sum(clock.threshold(step) <= NOW for step in range(4))
        assert clock.next_alert_step == passed == alerts.get(clock.pk, 0)
    assert waits.filter(stopped_at__isnull=True, due_at__lt=NOW).exists()  # breaches to show


def test_group_attendance_is_a_group_contact_after_treatment_started_and_carers_give_none(loaded):
    attendances = Attendance.objects.select_related("session__cohort__group", "enrolment__referral", "contact")
    assert attendances.count() > 50
    for attendance in attendances:
        group, referral = attendance.session.cohort.group, attendance.enrolment.referral
        session = attendance.session
        assert session.register_recorded_at is not None and session.register_recorded_at <= NOW
        if group.records_care_contacts:
            contact = attendance.contact
            assert contact.referral_id == referral.pk and contact.occurred_at == session.starts_at
            assert contact.attendance == attendance.attendance
            assert contact.consultation_mechanism == group.consultation_mechanism
            assert referral.treatment_started_at is not None and contact.occurred_at > referral.treatment_started_at
        else:
            assert attendance.contact is None
        assert session.starts_at < (referral.ended_at or NOW)
    assert Group.objects.filter(kind=Group.Kind.CARERS).exists()
    assert set(Group.objects.values_list("name", flat=True)) >= {plan.name for plan in CEN_GROUPS}


def test_cohorts_keep_to_capacity_and_the_waiting_list_waits_for_the_next_one(loaded):
    over = Cohort.objects.annotate(
        taken=Count("enrolments", filter=~Q(enrolments__status=Enrolment.Status.WAITING))
    ).filter(taken__gt=F("group__capacity"))
    assert not over.exists()
    assert not GroupSession.objects.filter(starts_at__gt=NOW, register_recorded_at__isnull=False).exists()
    assert GroupSession.objects.filter(starts_at__gt=NOW).exists()  # sessions still to come
    waiting = Enrolment.objects.filter(status=Enrolment.Status.WAITING)
    assert not waiting.filter(cohort__isnull=False).exists()
    assert not waiting.filter(referral__ended_at__isnull=False).exists()
    left = Enrolment.objects.filter(status=Enrolment.Status.LEFT)
    assert not left.exclude(left_at=F("referral__ended_at")).exists()


def test_the_group_contacts_move_no_clock_and_the_reporting_tables_stay_exact(loaded):
    # Every clock-stop rule is re-checked with the group contacts present in tests/demo/test_bulk.py;
    # here the reporting tables built over them agree with the records.
    assert Contact.objects.filter(group_attendance__isnull=False).exists()
    facts_rebuild(now=NOW)
    assert facts_verify() == []
