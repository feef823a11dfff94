"""The sweep: alerts are stored once per clock and level, however often or concurrently it runs."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from referrals.models import Alert, Clock, SweepStatus
from referrals.selectors import alerts_deliverable
from referrals.services.alerts import clocks_sweep, clocks_sweep_step
from tests.factories import make_referral

START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)


def _referrals(n, by, practice, start=START):
    return [make_referral(by=by, practice=practice, now=start, received_at=start) for _ in range(n)]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_once_create_each_alert_exactly_once(alice, north_practice):
    _referrals(60, alice, north_practice)
    later = START + timedelta(days=40)  # every rung of both clocks' ladders has passed
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    handled: list[int] = []

    def sweep():
        try:
            barrier.wait()
            total = 0
            while n := clocks_sweep_step(now=later, batch=7):
                total += n
            handled.append(total)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert sum(handled) == 120  # every clock handled once, between the two sweeps
    # Per clock: breach + two escalations (the warning is folded into the breach when both are due).
    assert Alert.objects.count() == 120 * 3
    assert Alert.objects.values("clock", "level", "tier").distinct().count() == 360
    assert not Clock.objects.filter(next_check_at__isnull=False).exists()


@pytest.mark.django_db
def test_running_the_sweep_twice_changes_nothing_the_second_time(alice, north_practice):
    _referrals(3, alice, north_practice)
    now = START + timedelta(hours=25)
    first = clocks_sweep(now=now)
    count = Alert.objects.count()
    second = clocks_sweep(now=now)
    # At 25 hours only the first-response clocks are due (the treatment warning is at day 21).
    assert first["clocks"] == 3 and count == 3
    assert second["clocks"] == 0
    assert Alert.objects.count() == count


@pytest.mark.django_db
def test_the_database_refuses_a_twin_alert(alice, north_practice):
    (referral,) = _referrals(1, alice, north_practice)
    clocks_sweep(now=START + timedelta(hours=25))
    breach = Alert.objects.get(referral=referral, level="breach")
    twin = Alert(
        clock=breach.clock,
        referral=referral,
        clock_kind=breach.clock_kind,
        level="breach",
        tier=0,
        threshold_at=breach.threshold_at,
        created_at=breach.created_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pytest.mark.django_db
def test_sweep_cost_follows_clocks_due_not_referrals(alice, north_practice):
    _referrals(40, alice, north_practice)
    quiet = START + timedelta(hours=1)  # nothing due yet
    with CaptureQueriesContext(connection) as ctx:
        assert clocks_sweep(now=quiet) == {"clocks": 0, "alerts": 0, "deliverable": 0, "publish_failures": 0}
    claim = next(q["sql"] for q in ctx.captured_queries if "FOR UPDATE OF c SKIP LOCKED" in q["sql"])
    assert "next_check_at IS NOT NULL" in claim and "LIMIT" in claim
    assert "FOR KEY SHARE OF r SKIP LOCKED" in claim  # the referral, then its clocks (docs/adr/0003)
    # The claim (in its transaction), the count of alerts awaiting delivery, the sweep's status row.
    assert len(ctx.captured_queries) <= 5


@pytest.mark.django_db
def test_the_sweep_query_uses_the_partial_index(alice, north_practice):
    _referrals(5, alice, north_practice)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny table: ask the planner what it would use at scale
        cursor.execute(
            "EXPLAIN SELECT c.* FROM referrals_referral AS r JOIN referrals_clock AS c ON c.referral_id = r.id "
            "WHERE c.next_check_at IS NOT NULL AND c.next_check_at <= %s ORDER BY c.next_check_at LIMIT 500 "
            "FOR KEY SHARE OF r SKIP LOCKED FOR UPDATE OF c SKIP LOCKED",
            [START],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "clock_next_check_idx" in plan


@pytest.mark.django_db
def test_the_sweep_wakes_one_sender_per_fifty_waiting_alerts_up_to_the_parallelism(alice, north_practice, settings):
    settings.ALERT_DELIVERY_PARALLELISM = 2
    _referrals(60, alice, north_practice)
    woken: list[None] = []
    result = clocks_sweep(now=START + timedelta(hours=25), wake=lambda: woken.append(None))
    assert result["alerts"] == 60 and result["deliverable"] == 60
    assert len(woken) == 2  # ceil(60 / 50), within the parallelism
    woken.clear()
    assert clocks_sweep(now=START + timedelta(hours=25, seconds=10), wake=lambda: woken.append(None))["clocks"] == 0
    assert len(woken) == 2  # still undelivered: woken again, every sweep, until sent


@pytest.mark.django_db
def test_a_refused_publish_does_not_stop_the_sweep_and_the_next_sweep_wakes_senders_for_every_alert(
    alice, north_practice
):
    _referrals(3, alice, north_practice)
    now = START + timedelta(days=3)  # breach and both escalations due

    def broker_down() -> None:
        raise ConnectionRefusedError("Redis is restarting")

    first = clocks_sweep(now=now, wake=broker_down)
    assert first["clocks"] == 3 and first["alerts"] == 9 and first["publish_failures"] == 1
    assert Alert.objects.count() == 9  # every alert stored; none published
    assert SweepStatus.objects.get().publish_failures == 1

    woken: list[None] = []
    second = clocks_sweep(now=now + timedelta(seconds=10), wake=lambda: woken.append(None))
    assert second["clocks"] == 0 and second["deliverable"] == 9 and second["publish_failures"] == 0
    assert woken == [None]  # at once, no grace period: one sender drains all nine
    assert alerts_deliverable(now=now + timedelta(seconds=10)).count() == 9


@pytest.mark.django_db
def test_each_sweep_records_when_it_ran_and_what_it_did(alice, north_practice):
    _referrals(2, alice, north_practice)
    now = START + timedelta(hours=25)
    clocks_sweep(now=now)
    status = SweepStatus.objects.get()
    assert status.started_at == now and status.finished_at >= now
    assert status.clocks == 2 and status.alerts_raised == 2 and status.publish_failures == 0
    clocks_sweep(now=now + timedelta(seconds=10))
    assert SweepStatus.objects.count() == 1 and SweepStatus.objects.get().clocks == 0


@pytest.mark.django_db(transaction=True)
def test_two_first_referrals_for_one_new_nhs_number_at_once_share_one_person(alice, north_practice):
    from referrals.models import Person, Referral
    from tests.factories import valid_nhs_number

    number = valid_nhs_number()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def refer():
        try:
            barrier.wait()
            make_referral(by=alice, practice=north_practice, nhs_number=number, now=START, received_at=START)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Person.objects.filter(nhs_number=number).count() == 1
    assert Referral.objects.filter(person__nhs_number=number).count() == 2
