"""Paired fields are set together, and the database refuses a row that sets only one of them.

The idea comes from opensafely-core/job-server's tests/paired_fields_utils; the code is ours.
Every model of our apps is walked and its pairs found:

* by name: every ``X_by`` goes with ``X_at`` (and ``by`` with ``at``);
* by declaration: ``OTHER_PAIRS`` below, the pairs no naming rule can see.

A pair is backed when both fields are NOT NULL and not text (a NOT NULL column is always set; an
empty string is not set), or when a CheckConstraint on the model names both fields. A pair that
is neither fails here: add the CheckConstraint (and a migration), or, if the two really are
independent, an entry in ``NOT_TIED`` saying why.

An ``X_by`` with no ``X_at`` (e.g. ``recorded_by`` next to ``completed_at``) names who wrote the
row, so it must be NOT NULL.

The last tests show the database refusing the half-written rows of the constraints this test
asked for.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models.expressions import F

from referrals.models import Clock
from reporting.models import ClockFact
from tests.factories import make_received_referral

OUR_APPS = ("accounts", "localities", "referrals", "access", "caseload", "reporting", "codes")

# Pairs the naming rule cannot see: one service sets both fields, so either alone is a bug.
OTHER_PAIRS: list[tuple[str, str, str]] = [
    # clock_stop and the stop rules: a stopped clock says why.
    ("referrals.Clock", "stopped_at", "stop_reason"),
    # The reporting copy of a clock: its stop, the reason and the week it fell in...
    ("reporting.ClockFact", "stopped_at", "stop_reason"),
    ("reporting.ClockFact", "stopped_at", "stopped_week"),
    # ...and a counted wait with whether it met the target.
    ("reporting.ClockFact", "wait_seconds", "met"),
    # risk_flag_resolve: a resolved flag says how.
    ("referrals.RiskFlag", "resolved_at", "resolution_note"),
    # break_glass_review: a review records its outcome.
    ("access.BreakGlassReview", "reviewed_at", "outcome"),
    # consent_record: consent given names its scope; a refusal has none.
    ("referrals.SharingConsent", "decision", "scope"),
    # One service per transition sets the status and what that status needs.
    ("referrals.Referral", "status", "ended_at"),
    ("referrals.Referral", "status", "closure_reason"),
    ("referrals.Referral", "status", "discharge_reason"),
    ("referrals.Referral", "status", "allocated_to"),
    ("referrals.Referral", "status", "treatment_started_at"),
]

# Pairs that are deliberately not tied by the database, and why. An entry that no longer
# matches a pair found fails test_every_exception_is_still_needed.
NOT_TIED: dict[tuple[str, str, str], str] = {
    ("referrals.ClockEvent", "at", "by"): (
        "A clock's history always has the instant; the person is optional, because clocks_start "
        "and clocks_evaluate take by=None for steps nobody took by hand."
    ),
    ("referrals.CarePlan", "agreed_at", "agreed_by"): (
        "agreed_by is not a user but MHS009's code for who agreed the plan's content (the person, a "
        "carer...): optional, blank for the plans recorded before it was asked."
    ),
    ("codes.SnomedRefsetMember", "loaded_at", "loaded_by"): (
        "A load always has the instant; the username is empty for a load from the command line "
        "without --by (load_snomed_refsets), whose audit row has no actor either."
    ),
}


def our_models() -> Iterator[type[models.Model]]:
    for label in OUR_APPS:
        yield from apps.get_app_config(label).get_models()


def label(model: type[models.Model]) -> str:
    return model._meta.label


def named_pairs(model: type[models.Model]) -> Iterator[tuple[str, str]]:
    """(X_at, X_by) for every X_by whose X_at is on the same model."""
    names = {f.name for f in model._meta.concrete_fields}
    for name in sorted(names):
        if name == "by" or name.endswith("_by"):
            at = name[: -len("by")] + "at"
            if at in names:
                yield at, name


def lone_bys(model: type[models.Model]) -> Iterator[str]:
    names = {f.name for f in model._meta.concrete_fields}
    for name in sorted(names):
        if (name == "by" or name.endswith("_by")) and name[: -len("by")] + "at" not in names:
            yield name


def all_pairs() -> list[tuple[str, str, str]]:
    found = [(label(model), at, by) for model in our_models() for at, by in named_pairs(model)]
    return sorted(found + OTHER_PAIRS)


def fields_named(model: type[models.Model], expression: Any) -> set[str]:
    """Every field a constraint's condition mentions, however deeply its Q objects nest:
    lookups (``stopped_at__isnull``) and F() references on the right-hand side alike."""
    names: set[str] = set()
    if isinstance(expression, models.Q):
        for child in expression.children:
            if isinstance(child, tuple):
                lookup, value = child
                names.add(_field_name(model, lookup))
                names |= fields_named(model, value)
            else:
                names |= fields_named(model, child)
    elif isinstance(expression, F):
        names.add(_field_name(model, expression.name))
    elif hasattr(expression, "get_source_expressions"):
        for source in expression.get_source_expressions():
            names |= fields_named(model, source)
    return names


def _field_name(model: type[models.Model], lookup: str) -> str:
    """``allocated_to_id__isnull`` and ``allocated_to__isnull`` both name the field allocated_to."""
    return model._meta.get_field(lookup.split("__")[0]).name


def check_constraints_naming(model: type[models.Model], *names: str) -> list[str]:
    return [
        constraint.name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint) and set(names) <= fields_named(model, constraint.condition)
    ]


def always_set(field: models.Field) -> bool:
    """NOT NULL backs a pair only where NULL is the one way to leave a field unset."""
    return not field.null and not isinstance(field, models.CharField | models.TextField)


@pytest.mark.parametrize(
    ("model_label", "first", "second"), [pair for pair in all_pairs() if pair not in NOT_TIED], ids=lambda v: v
)
def test_each_pair_is_backed_by_the_database(model_label, first, second):
    model = apps.get_model(model_label)
    fields = [model._meta.get_field(first), model._meta.get_field(second)]

    backed_by_not_null = all(always_set(field) for field in fields)

    assert backed_by_not_null or check_constraints_naming(model, first, second), (
        f"{model_label}.{first} and .{second} must be set together: add a CheckConstraint naming both "
        "(and a migration), or say in NOT_TIED why they are independent."
    )


@pytest.mark.parametrize(
    ("model_label", "by"), sorted((label(m), by) for m in our_models() for by in lone_bys(m)), ids=lambda v: v
)
def test_who_wrote_a_row_is_always_recorded(model_label, by):
    field = apps.get_model(model_label)._meta.get_field(by)
    assert not field.null, f"{model_label}.{by} has no {by[: -len('by')]}at: it names who wrote the row, so NOT NULL."


def test_the_walk_finds_the_pairs_we_know_of():
    """Guards the finder itself: a walk that found nothing would pass every test above."""
    found = all_pairs()
    for known in [
        ("referrals.Clock", "stopped_at", "stopped_by"),
        ("referrals.SharingConsent", "withdrawn_at", "withdrawn_by"),
        ("referrals.RiskFlag", "resolved_at", "resolved_by"),
        ("access.BreakGlassReview", "reviewed_at", "reviewed_by"),
        ("referrals.Referral", "created_at", "created_by"),
        ("referrals.Handoff", "at", "by"),
    ]:
        assert known in found
    assert ("referrals.Assessment", "recorded_by") in [(label(m), by) for m in our_models() for by in lone_bys(m)]


def test_the_constraint_reader_sees_fields_inside_nested_and_negated_q_and_f():
    [stopped] = [c for c in Clock._meta.constraints if c.name == "stopped_at_with_reason"]
    assert fields_named(Clock, stopped.condition) == {"stopped_at", "stop_reason"}
    condition = ~models.Q(status="closed") | (models.Q(ended_at__gte=F("received_at")) & models.Q(team_id=1))
    referral_model = apps.get_model("referrals.Referral")
    assert fields_named(referral_model, condition) == {"status", "ended_at", "received_at", "team"}


def test_every_declared_pair_names_real_fields():
    for model_label, first, second in OTHER_PAIRS:
        model = apps.get_model(model_label)
        model._meta.get_field(first)  # raises FieldDoesNotExist after a rename
        model._meta.get_field(second)


def test_every_exception_is_still_needed():
    pairs = all_pairs()
    for key in NOT_TIED:
        assert key in pairs, f"{key} is no longer a pair: remove it from NOT_TIED"
        model = apps.get_model(key[0])
        assert not check_constraints_naming(model, key[1], key[2]), f"{key} has a constraint now: remove it"


# --- the database refuses the half-written rows ------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def refused(queryset: models.QuerySet, **fields: Any) -> bool:
    try:
        with transaction.atomic():
            queryset.update(**fields)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def clock(alice, north_practice) -> Clock:
    referral = make_received_referral(by=alice, now=T0, practice=north_practice)
    return referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)


@pytest.mark.django_db
def test_a_running_clock_cannot_name_who_stopped_it(clock, alice):
    running = Clock.objects.filter(pk=clock.pk)

    assert refused(running, stopped_by=alice)
    assert not refused(running, stopped_at=T0, stop_reason=Clock.StopReason.MANUAL, next_check_at=None)
    assert not refused(running, stopped_by=alice)


@pytest.fixture
def clock_fact(clock) -> ClockFact:
    return ClockFact.objects.create(
        clock=clock,
        referral_id=clock.referral_id,
        kind=clock.kind,
        is_current=True,
        started_at=clock.started_at,
        warn_at=clock.warn_at,
        due_at=clock.due_at,
        source="gp",
        urgency="routine",
        ethnicity="Z",
        gender="",
        sexual_orientation="",
        disability="",
        age_band="",
    )


@pytest.mark.django_db
def test_a_clocks_reporting_copy_keeps_its_stop_reason_week_and_day_together(clock_fact):
    fact = ClockFact.objects.filter(pk=clock_fact.pk)
    stopped_at = T0 + timedelta(hours=2)
    stop = {"stopped_at": stopped_at, "stop_reason": "manual", "stopped_week": T0.date(), "stopped_on": T0.date()}

    for left_out in stop:
        assert refused(fact, **{name: value for name, value in stop.items() if name != left_out}), left_out
    assert refused(fact, stopped_on=T0.date())
    assert not refused(fact, **stop)


@pytest.mark.django_db
def test_a_clocks_reporting_copy_has_a_wait_and_its_verdict_together_and_only_once_stopped(clock_fact):
    fact = ClockFact.objects.filter(pk=clock_fact.pk)
    stopped = {"stopped_at": T0 + timedelta(hours=2), "stop_reason": "first_completed_contact"}

    assert refused(fact, wait_seconds=7200, met=True)  # not stopped
    fact.update(stopped_week=T0.date(), stopped_on=T0.date(), **stopped)
    assert refused(fact, wait_seconds=7200)
    assert refused(fact, met=True)
    assert not refused(fact, wait_seconds=7200, met=True)
