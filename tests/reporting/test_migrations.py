"""The reporting app's migrations that change what its rows hold. The rows are derived, so such a
migration marks the store as never built and the worker rebuilds it (docs/adr/0005). Each runs on
real PostgreSQL, from the migration before to its own, and back to the latest.

- 0009 gives each clock's reporting row the London day it stopped, and empties the clocks' rows.
- 0010 gives the daily rollup each breakdown within each kind of team, source and urgency, whose
  values are longer.
- 0011 gives the weekly cells the clocks due in each week that breached.
- 0014 gives the daily rollup each breakdown within every combination of four filters by month,
  whose values are longer still."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("reporting", "0008_team_indexes")
AFTER = ("reporting", "0009_clockfact_stopped_on")
WITHIN_FILTERS = ("reporting", "0010_rollup_within_filters")
WEEKLY_BREACHED = ("reporting", "0011_weekly_breached")
BEFORE_MONTHLY = ("reporting", "0013_clockfact_late_due_idx")
MONTHLY = ("reporting", "0014_equality_rollup_monthly_combinations")
T0 = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture(autouse=True)
def back_to_the_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _stopped_clock_row(apps, **extra):
    return apps.get_model("reporting", "ClockFact").objects.create(
        clock_id=1,
        referral_id=1,
        kind="first_response",
        is_current=True,
        started_at=T0 - timedelta(hours=5),
        warn_at=T0,
        due_at=T0 + timedelta(hours=19),
        stopped_at=T0,
        stop_reason="first_completed_contact",
        stopped_week=date(2026, 6, 29),
        wait_seconds=5 * 3600,
        met=True,
        source="gp",
        urgency="routine",
        ethnicity="Z",
        gender="",
        sexual_orientation="",
        disability="",
        age_band="",
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_the_clocks_rows_are_emptied_and_the_store_marked_never_built_then_every_stop_needs_its_day():
    old = migrate(BEFORE)
    _stopped_clock_row(old)
    old.get_model("reporting", "ReportingState").objects.create(pk=1, last_audit_id=7, refreshed_at=T0, rebuilt_at=T0)

    new = migrate(AFTER)

    assert not new.get_model("reporting", "ClockFact").objects.exists()
    state = new.get_model("reporting", "ReportingState").objects.get(pk=1)
    assert state.rebuilt_at is None and state.last_audit_id == 7
    with pytest.raises(IntegrityError), transaction.atomic():
        _stopped_clock_row(new)  # a stop without its day
    assert _stopped_clock_row(new, stopped_on=date(2026, 7, 1)).stopped_on == date(2026, 7, 1)


@pytest.mark.django_db(transaction=True)
def test_the_rollup_is_marked_never_built_and_a_breakdown_within_the_longest_source_fits():
    old = migrate(AFTER)
    old.get_model("reporting", "ReportingState").objects.create(pk=1, last_audit_id=7, refreshed_at=T0, rebuilt_at=T0)
    rollup = old.get_model("reporting", "DailyEqualityRollup")
    within_a_long_source = f"{'s' * 32}|{'o' * 16}"  # a source of 32 characters, a sexual orientation of 16
    with pytest.raises(DataError), transaction.atomic():
        rollup.objects.create(
            day=T0.date(), kind="referral", dimension="source|sexual_orientation", value=within_a_long_source
        )

    new = migrate(WITHIN_FILTERS)

    state = new.get_model("reporting", "ReportingState").objects.get(pk=1)
    assert state.rebuilt_at is None and state.last_audit_id == 7
    row = new.get_model("reporting", "DailyEqualityRollup").objects.create(
        day=T0.date(), kind="referral", dimension="source|sexual_orientation", value=within_a_long_source, received=1
    )
    assert row.value == within_a_long_source


@pytest.mark.django_db(transaction=True)
def test_the_weekly_cells_gain_a_breach_count_and_the_store_is_marked_never_built():
    old = migrate(WITHIN_FILTERS)
    old.get_model("reporting", "ReportingState").objects.create(pk=1, last_audit_id=7, refreshed_at=T0, rebuilt_at=T0)
    cell = dict(week=date(2026, 6, 29), kind="first_response", source="gp", urgency="routine")
    old.get_model("reporting", "WeeklyRollup").objects.create(**cell, due=3)

    new = migrate(WEEKLY_BREACHED)

    state = new.get_model("reporting", "ReportingState").objects.get(pk=1)
    assert state.rebuilt_at is None and state.last_audit_id == 7
    stored = new.get_model("reporting", "WeeklyRollup").objects.get(**cell)
    assert (stored.due, stored.breached) == (3, 0)  # not counted until the rebuild


@pytest.mark.django_db(transaction=True)
def test_the_rollup_is_marked_never_built_and_the_longest_monthly_combination_fits():
    old = migrate(BEFORE_MONTHLY)
    old.get_model("reporting", "ReportingState").objects.create(pk=1, last_audit_id=7, refreshed_at=T0, rebuilt_at=T0)
    # A locality id, the longest kind of team, source and urgency, and a sexual orientation: 68 characters.
    longest = "1234567|system_service|emergency_department|very_urgent|heterosexual"
    assert len(longest) > 64
    month = dict(day=date(2026, 6, 1), kind="referral", dimension="monthly|sexual_orientation", value=longest)
    with pytest.raises(DataError), transaction.atomic():
        old.get_model("reporting", "DailyEqualityRollup").objects.create(**month)

    new = migrate(MONTHLY)

    state = new.get_model("reporting", "ReportingState").objects.get(pk=1)
    assert state.rebuilt_at is None and state.last_audit_id == 7
    row = new.get_model("reporting", "DailyEqualityRollup").objects.create(**month, received=1)
    assert row.value == longest
