"""``demo.bulk`` makes data the app can trust: the rules its pages and sweep rely on hold.

Small loads (a few hundred referrals) of the same generator the benchmarks run at a million.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Count, F, Min, Q

from access.models import PersonGrant, PersonShare
from accounts.models import TeamMembership, User
from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
from demo.bulk import AccessGrants, BulkShape, bulk_load
from localities.models import Locality, Organisation, Practice, Team
from referrals.models import (
    Alert,
    Allocation,
    CarePlan,
    CarePlanGoal,
    Clock,
    ClockPolicy,
    Contact,
    Handoff,
    OutcomeMeasure,
    Person,
    Referral,
)
from referrals.nhs_number import is_valid_nhs_number

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
REFERRALS = 300
SHAPE = BulkShape(referrals=REFERRALS, seed=7, care_plans=True)


@pytest.fixture
def loaded(db):
    return bulk_load(shape=SHAPE, now=NOW)


def completed_contacts(referral_id: int, since: datetime) -> list[datetime]:
    """Attended, direct contacts: the ones that stop a clock (docs/measures.md)."""
    return list(
        Contact.objects.filter(
            referral_id=referral_id,
            attendance__in=sorted(ATTENDED),
            consultation_mechanism__in=sorted(DIRECT_MECHANISMS),
            occurred_at__gte=since,
        )
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
    )


def test_bulk_load_makes_the_referrals_asked_for_with_people_clocks_and_what_happened_since(loaded):
    assert Referral.objects.count() == REFERRALS
    assert REFERRALS * 0.8 < Person.objects.count() <= REFERRALS  # some people are referred again
    assert loaded.rows["referrals_referral"] == REFERRALS
    for model in (Contact, Allocation, Handoff, OutcomeMeasure, Alert, CarePlan, CarePlanGoal):
        assert model.objects.exists(), model.__name__
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {"in_treatment", "allocated", "discharged", "closed"} <= statuses
    assert Team.objects.filter(referrals__isnull=False).distinct().count() == 8  # six localities, CEN and crisis


def test_every_referral_has_one_current_clock_of_each_kind_started_when_it_was_received(loaded):
    current = Clock.objects.filter(is_current=True)
    assert current.count() == 2 * REFERRALS
    per_referral = current.values("referral").annotate(kinds=Count("kind", distinct=True))
    assert {row["kinds"] for row in per_referral} == {2}
    assert not current.exclude(started_at=F("referral__received_at")).exclude(kind="treatment").exists()
    # Only a restarted treatment clock starts later, and its superseded clock is kept.
    restarted = current.exclude(started_at=F("referral__received_at"))
    assert restarted.count() == Clock.objects.filter(is_current=False, stop_reason="restarted").count()


def test_clock_thresholds_follow_the_policy(loaded):
    policy = ClockPolicy.objects.get(is_default=True)
    targets = {row.urgency: row for row in policy.response_targets.all()}
    for clock in Clock.objects.select_related("referral"):
        if clock.kind == "first_response":
            row = targets[clock.referral.urgency]
            target, escalations = row.target, (row.escalation_after, row.second_escalation_after)
        else:
            target = policy.treatment_target
            escalations = (policy.treatment_escalation_after, policy.treatment_second_escalation_after)
        assert clock.target == target
        assert clock.due_at == clock.started_at + target
        assert clock.warn_at == clock.started_at + target * float(policy.warning_fraction)
        assert (clock.escalation_at, clock.second_escalation_at) == (
            clock.due_at + escalations[0],
            clock.due_at + escalations[1],
        )


def test_clocks_stop_at_the_contacts_their_rules_name(loaded):
    first_response = Clock.objects.filter(kind="first_response", stop_reason="first_completed_contact")
    treatment = Clock.objects.filter(kind="treatment", stop_reason="second_completed_contact")
    assert first_response.exists() and treatment.exists()
    for clock in first_response:
        assert clock.stopped_at == completed_contacts(clock.referral_id, clock.started_at)[0]
    for clock in treatment:
        assert clock.stopped_at == completed_contacts(clock.referral_id, clock.started_at)[1]
    # An ended referral has no clock left running.
    ended = Referral.objects.filter(ended_at__isnull=False)
    assert ended.exists()
    assert not Clock.objects.filter(referral__in=ended, stopped_at__isnull=True).exists()


def test_the_sweep_has_kept_up_nothing_is_due_and_every_passed_threshold_has_its_alert(loaded):
    assert not Clock.objects.filter(next_check_at__lte=NOW).exists()
    running = Clock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True)
    for clock in running:
        passed = sum(clock.threshold(step) <= NOW for step in range(4))
        assert clock.next_alert_step == passed
        assert clock.next_check_at == (clock.threshold(passed) if passed < 4 else None)
    alerts = dict(Alert.objects.values_list("clock").annotate(n=Count("id")).values_list("clock", "n"))
    for clock_id, step in Clock.objects.values_list("id", "next_alert_step"):
        assert alerts.get(clock_id, 0) == step


def test_nothing_happens_after_now_or_after_the_referral_ended(loaded):
    assert not Contact.objects.filter(occurred_at__gt=NOW).exists()
    assert not Contact.objects.filter(
        referral__ended_at__isnull=False, occurred_at__gt=F("referral__ended_at")
    ).exists()
    assert not Referral.objects.filter(Q(received_at__gt=NOW) | Q(status_changed_at__gt=NOW)).exists()
    assert not Clock.objects.filter(stopped_at__gt=NOW).exists()


def test_at_most_one_open_allocation_per_referral_held_by_a_member_of_its_team(loaded):
    open_allocations = Allocation.objects.filter(ended_at__isnull=True)
    assert open_allocations.exists()
    assert not open_allocations.values("referral").annotate(n=Count("id")).filter(n__gt=1).exists()
    held_open = Referral.objects.filter(ended_at__isnull=True, allocated_to__isnull=False)
    assert open_allocations.count() == held_open.count()
    for allocation in open_allocations.select_related("referral"):
        assert allocation.link_worker_id == allocation.referral.allocated_to_id
        assert allocation.team_id == allocation.referral.team_id
        assert TeamMembership.objects.filter(user_id=allocation.link_worker_id, team_id=allocation.team_id).exists()


def test_people_are_synthetic(loaded):
    numbers = list(Person.objects.exclude(nhs_number=None).values_list("nhs_number", flat=True))
    assert numbers and all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)


def test_worker_holds_staffs_each_team_so_nobody_holds_more_than_asked(db):
    bulk_load(
        shape=BulkShape(referrals=400, span=timedelta(days=60), open_for=timedelta(days=60), worker_holds=10), now=NOW
    )

    held = Referral.objects.filter(ended_at__isnull=True, allocated_to__isnull=False)
    assert held.count() > 100
    counts = held.values("allocated_to").annotate(n=Count("id")).values_list("n", flat=True)
    assert max(counts) <= 10


def test_one_team_holding_every_referral_for_the_team_caseload_benchmark(db):
    shape = BulkShape(
        referrals=200, span=timedelta(days=40), open_for=timedelta(days=40), locality_teams=1, history=False
    )
    bulk_load(shape=shape, now=NOW)

    assert Referral.objects.filter(ended_at__isnull=True).count() == 200
    assert Referral.objects.values("team").distinct().count() == 1
    assert not Handoff.objects.exists()


def test_grants_cover_break_glass_and_consented_shares(db):
    grants = AccessGrants(cover_per_clinician=2, expired_break_glass=50, shares=30)
    result = bulk_load(shape=BulkShape(referrals=100, grants=grants), now=NOW)

    assert PersonGrant.objects.filter(kind="cover", expires_at__gt=NOW).exists()
    assert PersonGrant.objects.filter(kind="break_glass", expires_at__lt=NOW).count() == 50
    assert PersonShare.objects.count() == 30 == result.rows["accounts_personshare"]
    assert not PersonShare.objects.exclude(consent__person_id=F("content_object_id")).exists()


def snapshot() -> dict[str, list[tuple]]:
    """Every generated row, with ids made relative to the first of their table (ids differ between loads)."""
    models = (
        Organisation,
        Locality,
        Practice,
        User,
        Team,
        Person,
        Referral,
        Clock,
        Contact,
        Handoff,
        Allocation,
        OutcomeMeasure,
        Alert,
        CarePlan,
    )
    firsts = {model: model.objects.aggregate(first=Min("pk"))["first"] or 0 for model in models}
    skip = {"id", "reference", "password", "last_login", "joined_at"}
    rows = {}
    for model in models:
        fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
        values = model.objects.order_by("pk").values_list(*[f.attname for f in fields])
        rows[model.__name__] = [
            tuple(
                v - firsts[f.related_model] if f.is_relation and f.related_model in firsts and v is not None else v
                for f, v in zip(fields, row, strict=True)
            )
            for row in values
        ]
    return rows


class Rollback(Exception):
    pass


def load_and_snapshot(shape: BulkShape) -> dict[str, list[tuple]]:
    try:
        with transaction.atomic():
            bulk_load(shape=shape, now=NOW)
            rows = snapshot()
            raise Rollback
    except Rollback:
        return rows


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    shape = BulkShape(referrals=150, seed=11)

    first, again = load_and_snapshot(shape), load_and_snapshot(shape)
    other = load_and_snapshot(BulkShape(referrals=150, seed=12))

    assert len(first["Referral"]) == 150
    assert first == again
    assert first["Referral"] != other["Referral"]


def test_a_bulk_load_leaves_the_planner_statistics_of_what_it_wrote(loaded):
    # Without them the measure-scope rebuild joined the hand-offs to every referral in a nested
    # loop: at a million referrals it had not finished after fifteen minutes.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('referrals_referral', 'referrals_handoff')"
        )
        estimated = dict(cursor.fetchall())
    assert estimated["referrals_referral"] == REFERRALS
    assert estimated["referrals_handoff"] == Handoff.objects.count() > 0


def test_outcome_measures_carry_their_tools_code_as_the_service_records_them(loaded):
    from codes.snomed import OUTCOME_TOOL_BY_NAME

    measures = OutcomeMeasure.objects.all()
    assert measures.exists()
    for instrument, tool_code in measures.values_list("instrument", "tool_code").distinct():
        assert tool_code == OUTCOME_TOOL_BY_NAME[instrument].code
