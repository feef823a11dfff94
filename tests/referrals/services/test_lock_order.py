"""One lock order, referral then its clocks, so concurrent changes to one referral queue and never deadlock.

Each test runs two real transactions on their own connections and forces an interleaving: one is
held at a chosen SQL statement (a connection execute wrapper: the code under test runs unchanged)
while the other starts and, where it must, blocks on a row lock (seen in pg_stat_activity). Before
the lock order was fixed, the hand pause, the redirect and the spell tests ended in "deadlock
detected"; the sweep against a contact, both ways round, did not (docs/adr/0003, "Lock order").
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from codes.mhsds import FACE_TO_FACE
from referrals.errors import InvalidTransition
from referrals.models import Alert, Clock
from referrals.services import clock_pause, contact_record, referral_redirect
from referrals.services.alerts import clocks_sweep_step
from tests.factories import make_referral
from tests.factories.policies import make_team_policy
from tests.referrals.services.concurrency import (
    WAIT,
    HoldAt,
    Transaction,
    before_alert_insert,
    before_clock_update,
    before_clocks_locked,
    wait_until_blocked_or_done,
)

pytestmark = pytest.mark.django_db(transaction=True)
ATTENDED = "5"  # MHSDS attendance: attended on time


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def due_referral(alice, north_practice, now):
    """Received 20 hours ago: its first-response clock (routine, 24 hours) is past its warning."""
    return make_referral(by=alice, practice=north_practice, received_at=now - timedelta(hours=20), now=now)


def record_contact(referral, by, now):
    return lambda: contact_record(
        referral=referral,
        by=by,
        now=now,
        occurred_at=now - timedelta(minutes=30),
        consultation_mechanism=FACE_TO_FACE,
        attendance=ATTENDED,
    )


def assert_first_response_warned_then_stopped_by_the_contact(referral, now):
    first, treatment = Clock.objects.filter(referral=referral).order_by("kind")
    assert first.stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT
    assert first.stopped_at == now - timedelta(minutes=30)
    assert first.next_check_at is None and first.next_alert_step == 1  # the sweep's progress is kept
    assert treatment.stopped_at is None and treatment.next_check_at == treatment.warn_at
    alerts = Alert.objects.filter(referral=referral)
    assert list(alerts.values_list("clock__kind", "level")) == [(Clock.Kind.FIRST_RESPONSE, Alert.Level.WARNING)]


def test_a_contact_recorded_while_the_sweep_holds_the_clocks_waits_for_it_then_stops_the_clock(
    due_referral, alice, now
):
    sweep = Transaction(lambda: clocks_sweep_step(now=now), hold=HoldAt(before_alert_insert)).start()
    assert sweep.hold.reached.wait(WAIT)
    contact = Transaction(record_contact(due_referral, alice, now)).start()
    assert wait_until_blocked_or_done(contact) == "blocked"  # holds the referral, waits for the clocks
    sweep.hold.release.set()

    assert sweep.finish() == 1
    contact.finish()
    assert_first_response_warned_then_stopped_by_the_contact(due_referral, now)


def test_a_sweep_starting_while_a_contact_holds_the_referral_does_not_wait_for_it(due_referral, alice, now):
    contact = Transaction(record_contact(due_referral, alice, now), hold=HoldAt(before_clocks_locked)).start()
    assert contact.hold.reached.wait(WAIT)
    sweep = Transaction(lambda: clocks_sweep_step(now=now)).start()
    # The sweep's FOR KEY SHARE on the referral does not conflict with the contact's FOR NO KEY UPDATE.
    assert wait_until_blocked_or_done(sweep) == "done"
    contact.hold.release.set()

    assert sweep.finish() == 1
    contact.finish()
    assert_first_response_warned_then_stopped_by_the_contact(due_referral, now)


def test_a_sweep_skips_the_clocks_a_contact_holds_and_the_next_sweep_finds_nothing_to_raise(due_referral, alice, now):
    contact = Transaction(record_contact(due_referral, alice, now), hold=HoldAt(before_clock_update)).start()
    assert contact.hold.reached.wait(WAIT)  # holds the referral and both clocks, about to stop one
    sweep = Transaction(lambda: clocks_sweep_step(now=now)).start()
    assert wait_until_blocked_or_done(sweep) == "done"
    contact.hold.release.set()

    assert sweep.finish() == 0  # skipped, not waited for
    contact.finish()
    assert clocks_sweep_step(now=now) == 0  # the stopped clock is no longer due
    first = Clock.objects.get(referral=due_referral, kind=Clock.Kind.FIRST_RESPONSE)
    assert first.stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT and first.next_check_at is None


def test_pausing_a_clock_while_a_contact_holds_the_referral_queues_behind_it(due_referral, alice, now):
    contact = Transaction(record_contact(due_referral, alice, now), hold=HoldAt(before_clocks_locked)).start()
    assert contact.hold.reached.wait(WAIT)
    first = Clock.objects.get(referral=due_referral, kind=Clock.Kind.FIRST_RESPONSE)
    pause = Transaction(lambda: clock_pause(clock=first, by=alice, now=now, reason="person in hospital")).start()
    assert wait_until_blocked_or_done(pause) == "blocked"  # on the referral, holding no clock
    contact.hold.release.set()

    contact.finish()
    with pytest.raises(InvalidTransition, match="Only a running clock"):
        pause.finish()  # the contact stopped the clock first: refused, not deadlocked
    first.refresh_from_db()
    assert first.stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT and first.paused_at is None


def test_a_contact_recorded_while_a_clock_is_being_paused_queues_behind_it(due_referral, alice, now):
    first = Clock.objects.get(referral=due_referral, kind=Clock.Kind.FIRST_RESPONSE)
    pause_call = lambda: clock_pause(clock=first, by=alice, now=now, reason="person in hospital")  # noqa: E731
    pause = Transaction(pause_call, hold=HoldAt(before_clock_update)).start()
    assert pause.hold.reached.wait(WAIT)
    contact = Transaction(record_contact(due_referral, alice, now)).start()
    assert wait_until_blocked_or_done(contact) == "blocked"
    pause.hold.release.set()

    pause.finish()
    contact.finish()
    first.refresh_from_db()  # the contact stops a paused clock too
    assert first.stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT and first.paused_at is None


def test_a_redirect_that_restarts_clocks_while_the_sweep_holds_one_of_them_waits_for_it(
    alice, north_practice, south_team, now
):
    make_team_policy(south_team, restart_clocks_on_redirect=True)
    received = now - timedelta(days=25)
    referral = make_referral(by=alice, practice=north_practice, received_at=received, now=received)
    first = Clock.objects.get(referral=referral, kind=Clock.Kind.FIRST_RESPONSE)
    # Paused early: open but not due. Only the treatment clock (4 weeks, warned at 3) is due,
    # and the redirect locks the first-response clock before it.
    clock_pause(clock=first, by=alice, now=received + timedelta(hours=1), reason="person asked to wait")
    sweep = Transaction(lambda: clocks_sweep_step(now=now), hold=HoldAt(before_alert_insert)).start()
    assert sweep.hold.reached.wait(WAIT)
    redirect = Transaction(
        lambda: referral_redirect(
            referral=referral, by=alice, now=now, to_team=south_team, note="Closer to home", person_informed=True
        )
    ).start()
    assert wait_until_blocked_or_done(redirect) == "blocked"
    sweep.hold.release.set()

    assert sweep.finish() == 1
    redirect.finish()
    old = Clock.objects.filter(referral=referral, is_current=False)
    assert sorted(old.values_list("kind", "stop_reason")) == [
        (Clock.Kind.FIRST_RESPONSE, Clock.StopReason.RESTARTED),
        (Clock.Kind.TREATMENT, Clock.StopReason.RESTARTED),
    ]
    fresh = Clock.objects.filter(referral=referral, is_current=True, stopped_at__isnull=True, started_at=now)
    assert fresh.count() == 2
    assert list(Alert.objects.filter(referral=referral).values_list("clock__kind", "level")) == [
        (Clock.Kind.TREATMENT, Alert.Level.WARNING)
    ]


def before_second_clocks_lock():
    """A contact has locked its own referral's clocks and is about to lock a spell partner's."""
    seen = []

    def when(sql: str) -> bool:
        if before_clocks_locked(sql):
            seen.append(sql)
        return len(seen) == 2

    return when


def test_contacts_recorded_at_once_on_two_referrals_of_one_spell_queue_on_the_person(
    alice, north_team, north_practice, now
):
    north_team.mhsds_team_type = "A05"  # a community team: its treatment clocks stop for the whole spell
    north_team.save(update_fields=["mhsds_team_type"])
    received = now - timedelta(hours=2)
    first, second = (
        make_referral(by=alice, practice=north_practice, received_at=received, now=received, nhs_number="9434765919")
        for _ in range(2)
    )
    assert first.person_id == second.person_id
    one = Transaction(record_contact(first, alice, now), hold=HoldAt(before_second_clocks_lock())).start()
    assert one.hold.reached.wait(WAIT)  # holds its referral and clocks, about to lock the partner's
    other = Transaction(record_contact(second, alice, now)).start()
    assert wait_until_blocked_or_done(other) == "blocked"
    one.hold.release.set()

    one.finish()
    other.finish()
    stopped = Clock.objects.filter(kind=Clock.Kind.FIRST_RESPONSE, stop_reason=Clock.StopReason.FIRST_COMPLETED_CONTACT)
    assert stopped.count() == 2
