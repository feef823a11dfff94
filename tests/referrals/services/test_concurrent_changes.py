"""Two people changing one referral at the same moment: the second is told, or its change fits
after the first; the database never refuses a half-written change with an error nobody can act on.

Two real transactions on their own connections, the first held just before it stores its
allocation while the second starts and queues on the referral's lock (tests/.../concurrency.py).
"""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.errors import ConflictError, atomic_refusing_races
from referrals.models import Allocation, Clock, Referral
from referrals.services import caseload_allocate, referral_close
from tests.factories import make_referral
from tests.referrals.services.concurrency import (
    WAIT,
    HoldAt,
    Transaction,
    before_insert_into,
    wait_until_blocked_or_done,
)

pytestmark = pytest.mark.django_db(transaction=True)


def as_read(referral: Referral) -> Referral:
    """The referral as a page read it, before either person pressed the button."""
    return Referral.objects.get(pk=referral.pk)


def first_allocation_held_before_it_is_stored(referral, *, by, link_worker, now) -> Transaction:
    first = Transaction(
        lambda: caseload_allocate(
            referral=as_read(referral), by=by, now=now, link_worker=link_worker, expect_unchanged=True
        ),
        hold=HoldAt(before_insert_into("caseload_allocation")),
    ).start()
    assert first.hold.reached.wait(WAIT)
    return first


def test_two_people_allocating_one_referral_at_once_the_second_is_told_and_nothing_of_theirs_is_saved(
    triaged_referral, tina, alice, bob
):
    now = timezone.now()
    seen_by_alice = as_read(triaged_referral)
    first = first_allocation_held_before_it_is_stored(triaged_referral, by=tina, link_worker=bob, now=now)
    second = Transaction(
        lambda: caseload_allocate(referral=seen_by_alice, by=alice, now=now, link_worker=alice, expect_unchanged=True)
    ).start()
    assert wait_until_blocked_or_done(second) == "blocked"  # queued on the referral's lock
    first.hold.release.set()

    first.finish()
    with pytest.raises(ConflictError, match="Someone else allocated this referral a moment ago"):
        second.finish()
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to == bob
    assert list(Allocation.objects.filter(referral=triaged_referral).values_list("link_worker", "ended_at")) == [
        (bob.pk, None)
    ]
    assert AuditEvent.objects.filter(action="caseload.allocate").count() == 1


def test_a_reassignment_that_waited_for_a_colleagues_allocation_starts_when_that_one_started(
    triaged_referral, tina, alice, bob
):
    # The colleague's request read the time a moment later but took the referral's lock first: the
    # reassignment's own time is before the allocation it ends. It used to break the constraint
    # allocation_ends_after_start (a 500).
    now = timezone.now()
    first = first_allocation_held_before_it_is_stored(
        triaged_referral, by=tina, link_worker=bob, now=now + timedelta(seconds=1)
    )
    second = Transaction(
        lambda: caseload_allocate(
            referral=as_read(triaged_referral), by=alice, now=now, link_worker=alice, handover_note="Alice knows them"
        )
    ).start()
    assert wait_until_blocked_or_done(second) == "blocked"
    first.hold.release.set()

    bobs = first.finish()
    alices = second.finish()
    bobs.refresh_from_db()
    assert bobs.ended_at == bobs.started_at == alices.started_at == now + timedelta(seconds=1)
    assert Allocation.objects.get(referral=triaged_referral, ended_at__isnull=True) == alices


def test_closing_a_referral_while_a_colleague_allocates_it_is_refused_and_nothing_is_closed(
    triaged_referral, tina, alice, bob
):
    now = timezone.now()
    first = first_allocation_held_before_it_is_stored(
        triaged_referral, by=tina, link_worker=bob, now=now + timedelta(seconds=1)
    )
    close = Transaction(
        lambda: referral_close(
            referral=as_read(triaged_referral), by=alice, now=now, reason=Referral.ClosureReason.DECLINED
        )
    ).start()
    assert wait_until_blocked_or_done(close) == "blocked"
    first.hold.release.set()

    first.finish()
    with pytest.raises(ConflictError, match="Someone else changed this record at the same moment"):
        close.finish()
    triaged_referral.refresh_from_db()
    assert triaged_referral.status == Referral.Status.ALLOCATED and triaged_referral.ended_at is None
    assert not Clock.objects.filter(referral=triaged_referral, stopped_at__isnull=False).exists()
    assert Allocation.objects.get(referral=triaged_referral).ended_at is None
    assert not AuditEvent.objects.filter(action="referral.close").exists()


def test_a_transaction_the_database_rolls_back_to_break_a_deadlock_ends_as_a_conflict(alice, north_practice):
    # No service deadlocks now (test_lock_order.py); should a future change make two do so, the
    # one PostgreSQL rolls back is a ConflictError with nothing written, not a 500.
    one, other = (make_referral(by=alice, practice=north_practice) for _ in range(2))
    both_hold_one = threading.Barrier(2, timeout=WAIT)

    @atomic_refusing_races
    def lock_in_turn(first: Referral, second: Referral) -> None:
        Referral.objects.select_for_update(no_key=True).get(pk=first.pk)
        both_hold_one.wait()
        Referral.objects.select_for_update(no_key=True).get(pk=second.pk)

    runs = [
        Transaction(lambda: lock_in_turn(one, other)).start(),
        Transaction(lambda: lock_in_turn(other, one)).start(),
    ]
    outcomes = []
    for run in runs:
        try:
            run.finish()
            outcomes.append("done")
        except ConflictError:
            outcomes.append("conflict")
    assert sorted(outcomes) == ["conflict", "done"]
