"""The reporting tables stay exact: rebuilt, refreshed, or caught up from the audit log,
they always equal what the records say (``facts_verify`` recomputes everything and compares)."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import override_settings

from accounts.models import AuditEvent
from referrals.models import Clock, OutcomeMeasure, Person, Referral
from referrals.services import (
    clock_pause,
    clock_restart,
    outcome_measure_record,
    referral_discharge,
    referral_redirect,
)
from reporting.facts import age_band, facts_catch_up, facts_refresh
from reporting.models import ClockFact, ReferralFact, ReportingState, WeeklyPercentile, WeeklyRollup
from reporting.rebuild import facts_ensure_current, facts_rebuild, facts_verify
from tests.factories import make_referral
from tests.reporting.conftest import NOW, T0, allocate, contact

pytestmark = pytest.mark.django_db


def test_a_rebuild_equals_what_the_records_say(service):
    facts_rebuild(now=NOW)

    assert facts_verify() == []
    assert ReferralFact.objects.count() == 13
    assert ClockFact.objects.count() == 26


def test_the_rebuild_records_waits_targets_and_other_stops(service):
    facts_rebuild(now=NOW)

    first = ClockFact.objects.get(referral_id=service.referrals[0].pk, kind=Clock.Kind.FIRST_RESPONSE)
    late = ClockFact.objects.get(referral_id=service.referrals[9].pk, kind=Clock.Kind.FIRST_RESPONSE)
    closed = ClockFact.objects.get(referral_id=service.referrals[10].pk, kind=Clock.Kind.TREATMENT)
    assert (first.wait_seconds, first.met) == (3600, True)
    assert (late.wait_seconds, late.met) == (30 * 3600, False)
    assert (closed.stop_reason, closed.wait_seconds, closed.met) == (Clock.StopReason.REFERRAL_ENDED, None, None)
    assert first.stopped_week == date(2026, 1, 19)  # Sunday 25 January, 13:00: the week of Monday 19th


def test_age_bands_are_taken_on_the_day_the_referral_was_received():
    assert age_band(date(2008, 6, 1), date(2026, 1, 25)) == "16-17"
    assert age_band(date(2008, 1, 25), date(2026, 1, 25)) == "18-25"  # the 18th birthday itself
    assert age_band(date(2008, 1, 26), date(2026, 1, 25)) == "16-17"  # the day before it
    assert age_band(date(1960, 1, 1), date(2026, 1, 25)) == "66+"
    assert age_band(date(2011, 1, 1), date(2026, 1, 25)) == "under_16"
    assert age_band(None, date(2026, 1, 25)) == "not_stated"


def test_the_week_follows_uk_time_across_the_clocks_going_forward(alice, north_team, north_practice):
    """Sunday 29 March 2026, 23:30 UTC is 00:30 BST on Monday 30 March: the next week."""
    received = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    make_referral(by=alice, received_at=received, now=received, practice=north_practice)

    facts_rebuild(now=received + timedelta(days=1))

    assert ReferralFact.objects.get().received_week == date(2026, 3, 30)
    assert facts_verify() == []


def test_catching_up_after_every_kind_of_change_stays_exact(service, alice, bob, tina, south_team):
    """Contacts, a redirect, a discharge with outcome measures, a restarted and a paused clock:
    each is audited, so catching up from the audit log refreshes exactly what changed."""
    facts_ensure_current(now=NOW)
    assert facts_verify() == []
    later = NOW + timedelta(hours=1)
    waiting = service.referrals[12]

    contact(waiting, alice, later)
    referral_redirect(
        referral=service.referrals[0],
        by=alice,
        now=later,
        to_team=south_team,
        note="Better placed with South.",
        person_informed=True,
    )
    discharged = service.referrals[3]
    for stage, score, at in (("baseline", "12", T0 + timedelta(days=16)), ("discharge", "20", later)):
        outcome_measure_record(
            referral=discharged,
            by=alice,
            now=later,
            recorded_at=at,
            instrument="ReQoL-10",
            score=Decimal(score),
            stage=stage,
        )
    discharged = allocate(discharged, tina, bob, later)
    referral_discharge(referral=discharged, by=alice, now=later, note="Back to self-care; call the line any time.")
    clock = Clock.objects.get(referral=waiting, kind=Clock.Kind.TREATMENT, is_current=True)
    restarted = clock_restart(clock=clock, by=tina, now=later, reason="Urgency re-assessed")
    clock_pause(clock=restarted, by=tina, now=later + timedelta(minutes=5), reason="Person in hospital")

    assert facts_verify() != []  # the store is behind the records...
    assert facts_catch_up(now=later + timedelta(minutes=10)) > 0
    assert facts_verify() == []  # ...and exact again once caught up
    fact = ReferralFact.objects.get(pk=discharged.pk)
    assert (fact.outcome_instrument, fact.outcome_start, fact.outcome_end) == ("ReQoL-10", Decimal("12"), Decimal("20"))
    assert ClockFact.objects.filter(referral_id=waiting.pk, kind=Clock.Kind.TREATMENT).count() == 2


def test_refreshing_twice_changes_nothing(service):
    facts_rebuild(now=NOW)
    before = list(WeeklyRollup.objects.order_by("pk").values())

    facts_refresh(referral_ids=[r.pk for r in service.referrals])
    facts_refresh(referral_ids=[r.pk for r in service.referrals])

    assert facts_verify() == []
    after = list(WeeklyRollup.objects.values())
    assert sorted(map(_cell, before)) == sorted(map(_cell, after))


def _cell(row: dict) -> tuple:
    return tuple(v for k, v in sorted(row.items()) if k != "id")


def test_a_re_referral_within_a_year_of_discharge_is_marked(alice, bob, north_team, north_practice):
    first = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice, nhs_number="9434765919")
    contact(first, alice, T0 + timedelta(hours=2))
    first = allocate(first, alice, bob, T0 + timedelta(days=1))
    referral_discharge(referral=first, by=alice, now=T0 + timedelta(days=20), note="Goals met.")
    again_at = T0 + timedelta(days=40)
    again = make_referral(
        by=alice, received_at=again_at, now=again_at, practice=north_practice, nhs_number="9434765919"
    )

    facts_rebuild(now=NOW)

    assert again.person_id == first.person_id
    assert ReferralFact.objects.get(pk=again.pk).previous_discharge_at == T0 + timedelta(days=20)
    assert ReferralFact.objects.get(pk=first.pk).previous_discharge_at is None
    assert facts_verify() == []


def test_the_paired_outcome_is_the_first_baseline_and_the_last_discharge_on_that_measure(
    alice, north_team, north_practice
):
    referral = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice)
    for days, instrument, stage, score in (
        (1, "CORE-10", "baseline", "25"),
        (2, "ReQoL-10", "baseline", "10"),
        (20, "CORE-10", "discharge", "18"),
        (21, "CORE-10", "discharge", "15"),
        (22, "ReQoL-10", "discharge", "30"),
    ):
        at = T0 + timedelta(days=days)
        outcome_measure_record(
            referral=referral,
            by=alice,
            now=at,
            recorded_at=at,
            instrument=instrument,
            score=Decimal(score),
            stage=stage,
        )

    facts_rebuild(now=NOW)

    fact = ReferralFact.objects.get(pk=referral.pk)
    assert (fact.outcome_instrument, fact.outcome_start, fact.outcome_end) == ("CORE-10", Decimal("25"), Decimal("15"))
    assert OutcomeMeasure.objects.count() == 5
    assert facts_verify() == []


def test_deprivation_comes_from_the_configured_lookup(tmp_path, alice, north_team, north_practice):
    lookup = tmp_path / "imd.csv"
    lookup.write_text("postcode,decile\nBS5 6XX,1\nBS1,7\n", encoding="utf-8")
    full = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice, postcode="BS5 6XX")
    outward = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice, postcode="BS1 4XX")
    unknown = make_referral(by=alice, received_at=T0, now=T0, practice=north_practice, postcode="TR1 1AA")

    with override_settings(REPORTING_DEPRIVATION_LOOKUP=str(lookup)):
        facts_rebuild(now=NOW)
        assert facts_verify() == []

    deciles = dict(ReferralFact.objects.values_list("pk", "deprivation_decile"))
    assert (deciles[full.pk], deciles[outward.pk], deciles[unknown.pk]) == (1, 7, None)


def test_weekly_centiles_are_kept_for_the_service_and_each_single_filter(service, north_team):
    facts_rebuild(now=NOW)

    whole = WeeklyPercentile.objects.get(week=date(2026, 1, 19), kind=Clock.Kind.FIRST_RESPONSE, dimension="")
    team = WeeklyPercentile.objects.get(
        week=date(2026, 1, 19), kind=Clock.Kind.FIRST_RESPONSE, dimension="team_id", value=str(north_team.pk)
    )
    assert (whole.n, whole.p50, whole.p90) == (9, 5 * 3600, pytest.approx(8.2 * 3600))
    assert (team.n, team.p50) == (9, 5 * 3600)


def test_the_first_page_builds_an_empty_store_and_later_pages_only_catch_up(service, django_assert_max_num_queries):
    first = facts_ensure_current(now=NOW)
    assert first.ready and ReportingState.objects.get().rebuilt_at == NOW

    with django_assert_max_num_queries(3):  # the state row, the newest audit id, any pending ids landed?
        again = facts_ensure_current(now=NOW)

    assert again.ready and not again.behind


def test_a_change_in_flight_is_caught_by_a_later_catch_up(service, alice, north_practice):
    """An audit id the catch-up did not see (its transaction not yet committed) is remembered,
    and that referral refreshed once it lands."""
    facts_rebuild(now=NOW)
    referral = make_referral(by=alice, received_at=NOW, now=NOW, practice=north_practice)
    events = list(AuditEvent.objects.filter(person_id=referral.person_id).values_list("pk", flat=True))
    # As if these events had still been in flight at the last catch-up.
    state = ReportingState.objects.get()
    state.last_audit_id = max(events)
    state.pending_ids = {str(pk): NOW.isoformat() for pk in events}
    state.save()

    facts_catch_up(now=NOW + timedelta(minutes=1))

    assert ReferralFact.objects.filter(pk=referral.pk).exists()
    assert ReportingState.objects.get().pending_ids == {}
    assert facts_verify() == []


# reset_sequences: the audit ids start at 1. Without it they go on from wherever the tests before
# left the sequence (a rollback does not give ids back), and past CATCH_UP_LIMIT (50,000) one
# catch-up no longer reaches this test's rows: it failed so on a test database kept for a day.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_a_transaction_still_open_during_a_catch_up_is_not_lost(alice, north_team, north_practice):
    """Two real connections: one makes a referral and has not committed when the other makes
    a second, commits it and catches up. The first one's audit id is lower than what the
    catch-up saw; once it commits, the next catch-up brings it in."""
    facts_rebuild(now=NOW)
    started, proceed, done = threading.Event(), threading.Event(), threading.Event()
    made: dict[str, int] = {}

    def slow_writer():
        try:
            with transaction.atomic():
                referral = make_referral(by=alice, received_at=NOW, now=NOW, practice=north_practice)
                made["slow"] = referral.pk
                started.set()
                proceed.wait(timeout=30)
        finally:
            connections.close_all()
            done.set()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert started.wait(timeout=30)
    quick = make_referral(by=alice, received_at=NOW, now=NOW, practice=north_practice)
    facts_catch_up(now=NOW + timedelta(minutes=1))
    assert ReferralFact.objects.filter(pk=quick.pk).exists()
    assert ReportingState.objects.get().pending_ids  # the slow writer's ids, not seen yet

    proceed.set()
    assert done.wait(timeout=30)
    writer.join()
    facts_catch_up(now=NOW + timedelta(minutes=2))

    assert ReferralFact.objects.filter(pk=made["slow"]).exists()
    assert facts_verify() == []
    connection.close()


def test_person_answers_changed_with_an_audited_event_are_picked_up(service, alice):
    facts_rebuild(now=NOW)
    referral = service.referrals[0]
    Person.objects.filter(pk=referral.person_id).update(ethnicity=Person.Ethnicity.CHINESE)
    contact(referral, alice, NOW)  # any audited event about the person

    facts_catch_up(now=NOW)

    assert ReferralFact.objects.get(pk=referral.pk).ethnicity == Person.Ethnicity.CHINESE
    assert set(ClockFact.objects.filter(referral_id=referral.pk).values_list("ethnicity", flat=True)) == {"R"}
    assert Referral.objects.count() == 13


def test_the_celery_tasks_catch_up_and_rebuild(service, alice):
    from reporting.tasks import rebuild_reporting, refresh_reporting

    rebuild_reporting()
    assert facts_verify() == []
    contact(service.referrals[12], alice, NOW)

    assert refresh_reporting() > 0
    assert facts_verify() == []
    assert refresh_reporting() == 0  # nothing new


def test_a_big_store_never_built_is_left_to_the_background(client, tina, service, monkeypatch):
    from reporting import rebuild

    monkeypatch.setattr(rebuild, "INLINE_REBUILD_LIMIT", 5)
    client.force_login(tina)

    response = client.get("/dashboard/")

    assert response.status_code == 503
    assert "The dashboard is being prepared" in response.content.decode()
    assert not ReferralFact.objects.exists()


def test_a_worker_starting_builds_a_store_never_built_so_no_first_visit_waits(client, tina, service, monkeypatch):
    from celery.signals import worker_ready

    from config.celery import app
    from reporting import rebuild

    monkeypatch.setattr(rebuild, "INLINE_REBUILD_LIMIT", 5)  # too big for a page to build while someone waits
    monkeypatch.setattr(app.conf, "task_always_eager", True)  # the task runs here rather than on a worker

    worker_ready.send(sender=None)

    assert ReportingState.objects.get(pk=1).rebuilt_at is not None
    assert facts_verify() == []
    client.force_login(tina)
    assert client.get("/dashboard/").status_code == 200  # drawn, not "being prepared"


def test_make_demo_warms_the_reporting_tables_last(service, alice, capsys):
    from django.core.management import call_command

    call_command("warm_reporting")
    assert ReportingState.objects.get(pk=1).rebuilt_at is not None and facts_verify() == []
    contact(service.referrals[3], alice, NOW)

    call_command("warm_reporting")  # a second start catches up what changed meanwhile

    assert facts_verify() == []
    assert "Reporting tables up to date" in capsys.readouterr().out
