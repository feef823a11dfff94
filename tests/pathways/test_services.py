"""The rules of a person's place on a pathway: entering, stepping up and down, leaving to
self-care; eligibility that never just turns someone away; and the roll-out by locality."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEvent
from pathways.models import Placement, Step
from pathways.selectors import eligibility_for, person_journeys, rollout_check
from pathways.services import (
    Ineligible,
    pathway_alternative_handover,
    pathway_enter,
    pathway_leave,
    pathway_step_down,
    pathway_step_up,
    rollout_set,
)
from referrals.models import Handoff, Referral
from tests.factories import make_placement

pytestmark = pytest.mark.django_db


def test_a_person_enters_on_a_tier_with_the_date_the_reason_and_who_decided(cen, adult_referral):
    now = timezone.now()

    placement = pathway_enter(
        referral=adult_referral,
        pathway=cen.pathway,
        tier=cen.tiers[0],
        by=cen.clinician,
        now=now,
        at=now - timedelta(days=2),
        reason="Brief intervention agreed with Robin.",
    )

    assert placement.tier == cen.tiers[0]
    assert placement.person == adult_referral.person
    (step,) = placement.steps.all()
    assert (step.kind, step.to_tier, step.by, step.at, step.recorded_at) == (
        Step.Kind.ENTER,
        cen.tiers[0],
        cen.clinician,
        now - timedelta(days=2),
        now,
    )
    assert step.reason == "Brief intervention agreed with Robin."
    assert AuditEvent.objects.filter(action="pathway.enter", person_id=adult_referral.person_id).exists()


def test_stepping_up_then_down_moves_between_tiers_and_keeps_the_journey(cen, adult_referral):
    now = timezone.now()
    placement = make_placement(service=cen, referral=adult_referral, now=now - timedelta(days=5))

    pathway_step_up(
        placement=placement, to_tier=cen.tiers[2], by=cen.clinician, now=now - timedelta(days=3), reason="Risk rose."
    )
    pathway_step_down(placement=placement, to_tier=cen.tiers[1], by=cen.clinician, now=now, reason="Settled.")

    (journey,) = person_journeys(adult_referral.person)
    assert journey.tier == cen.tiers[1]
    assert [(s.kind, s.from_tier and s.from_tier.label, s.to_tier.label) for s in journey.steps.all()] == [
        (Step.Kind.ENTER, None, "1+"),
        (Step.Kind.STEP_UP, "1+", "3"),
        (Step.Kind.STEP_DOWN, "3", "2"),
    ]
    actions = list(
        AuditEvent.objects.filter(person_id=adult_referral.person_id, action__startswith="pathway.").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["pathway.enter", "pathway.step_down", "pathway.step_up"]


def test_a_step_up_to_a_lower_tier_or_a_step_down_to_a_higher_one_is_refused(cen, adult_referral):
    now = timezone.now()
    placement = make_placement(service=cen, referral=adult_referral, tier=1, now=now)

    with pytest.raises(ValidationError, match="Stepping up goes to a tier above 2"):
        pathway_step_up(placement=placement, to_tier=cen.tiers[0], by=cen.clinician, now=now, reason="x")
    with pytest.raises(ValidationError, match="Stepping down goes to a tier below 2"):
        pathway_step_down(placement=placement, to_tier=cen.tiers[2], by=cen.clinician, now=now, reason="x")
    assert Placement.objects.get(pk=placement.pk).tier == cen.tiers[1]


def test_leaving_to_self_care_ends_the_place_and_the_person_can_enter_again_later(cen, adult_referral):
    now = timezone.now()
    placement = make_placement(service=cen, referral=adult_referral, now=now - timedelta(days=4))

    step = pathway_leave(placement=placement, by=cen.clinician, now=now - timedelta(days=1), reason="Goals met.")

    placement.refresh_from_db()
    assert (placement.tier, placement.left_at, step.kind, step.from_tier) == (
        None,
        now - timedelta(days=1),
        Step.Kind.LEAVE,
        cen.tiers[0],
    )
    with pytest.raises(ValidationError, match="already left"):
        pathway_step_up(placement=placement, to_tier=cen.tiers[1], by=cen.clinician, now=now, reason="x")
    again = make_placement(service=cen, referral=adult_referral, tier=1, now=now)
    assert [p.pk for p in person_journeys(adult_referral.person)] == [again.pk, placement.pk]  # the current first


def test_someone_under_the_minimum_age_is_not_entered_and_is_told_the_alternative(cen, young_referral):
    with pytest.raises(Ineligible) as refused:
        make_placement(service=cen, referral=young_referral, now=timezone.now())

    assert "for people aged 16 and over; Sky Example is 15" in refused.value.reason
    assert refused.value.pathway.alternative_team == cen.young_people
    assert not Placement.objects.exists()


def test_an_unknown_date_of_birth_is_asked_for_not_guessed(cen, adult_referral):
    adult_referral.person.birth_date = None

    eligibility = eligibility_for(adult_referral.person, cen.pathway, on=timezone.localdate())

    assert not eligibility.eligible
    assert "date of birth is not recorded" in eligibility.reason
    assert eligibility.alternative == cen.young_people


def test_the_alternative_is_a_warm_handover_of_the_same_referral(cen, young_referral):
    handoff = pathway_alternative_handover(
        referral=young_referral,
        pathway=cen.pathway,
        by=cen.clinician,
        now=timezone.now(),
        note="Sky is 15: the young people's service offers the same support.",
        person_informed=True,
    )

    referral = Referral.objects.get(pk=young_referral.pk)
    assert (referral.team, referral.status) == (cen.young_people, Referral.Status.REDIRECTED)
    assert handoff == Handoff.objects.get(referral=referral, to_team=cen.young_people, from_team=cen.team)
    assert handoff.person_informed


def test_only_the_services_staff_move_people_along_its_pathway(cen, adult_referral, alice):
    with pytest.raises(ValidationError, match="Only the staff of CEN Service"):
        pathway_enter(
            referral=adult_referral, pathway=cen.pathway, tier=cen.tiers[0], by=alice, now=timezone.now(), reason="x"
        )


def test_a_person_is_on_a_pathway_once_at_a_time(cen, adult_referral):
    now = timezone.now()
    make_placement(service=cen, referral=adult_referral, now=now)

    with pytest.raises(ValidationError, match="already on Complex emotional needs"):
        make_placement(service=cen, referral=adult_referral, tier=1, now=now)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it too
        Placement.objects.create(
            person=adult_referral.person,
            pathway=cen.pathway,
            referral=adult_referral,
            tier=cen.tiers[1],
            entered_at=now,
        )


def test_a_decision_dated_in_the_future_or_before_the_last_step_is_refused(cen, adult_referral):
    now = timezone.now()
    placement = make_placement(service=cen, referral=adult_referral, now=now)

    with pytest.raises(ValidationError, match="cannot be in the future"):
        pathway_step_up(
            placement=placement, to_tier=cen.tiers[1], by=cen.clinician, now=now, at=now + timedelta(days=1), reason="x"
        )
    with pytest.raises(ValidationError, match="cannot be before"):
        pathway_leave(placement=placement, by=cen.clinician, now=now, at=now - timedelta(days=1), reason="x")


def test_a_reason_is_required(cen, adult_referral):
    with pytest.raises(ValidationError, match="Write the reason"):
        make_placement(service=cen, referral=adult_referral, now=timezone.now(), reason="  ")


def test_the_database_refuses_a_left_place_still_on_a_tier(cen, adult_referral):
    placement = make_placement(service=cen, referral=adult_referral, now=timezone.now())

    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=placement.pk).update(left_at=timezone.now())


# --- roll-out by locality ---------------------------------------------------------------------


def test_a_service_with_no_roll_out_is_live_everywhere(cen, north):
    assert rollout_check(team=cen.team, locality=north, on=date(2026, 1, 1)).live


def test_a_service_is_live_in_a_locality_from_its_date_and_not_before(cen, north, north_team, sam):
    rollout_set(team=cen.team, locality=north, live_from=date(2026, 6, 1), by=sam, now=timezone.now())

    before = rollout_check(team=cen.team, locality=north, on=date(2026, 5, 31))
    assert not before.live
    assert before.reason == "CEN Service goes live in North and West on 1 June 2026."
    assert before.existing_route == north_team  # the locality's intake team, unless another is named
    assert rollout_check(team=cen.team, locality=north, on=date(2026, 6, 1)).live


def test_a_locality_without_a_go_live_date_is_not_live_yet(cen, north, south, south_team, sam):
    rollout_set(team=cen.team, locality=north, live_from=date(2026, 1, 1), by=sam, now=timezone.now())

    check = rollout_check(team=cen.team, locality=south, on=date(2026, 6, 1))

    assert (check.live, check.existing_route) == (False, south_team)
    assert "no go-live date" in check.reason


def test_only_a_system_level_service_is_rolled_out(north_team, north, sam):
    with pytest.raises(ValidationError, match="Only a system-level service"):
        rollout_set(team=north_team, locality=north, live_from=date(2026, 1, 1), by=sam, now=timezone.now())
