"""Read-only work on two connections that see one snapshot (common.snapshot.side_by_side).

These tests commit (``transaction=True``): another connection cannot see a test's own
uncommitted rows, which is exactly why the work stays on one connection inside a transaction.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from common.snapshot import can_share, side_by_side
from localities.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 10  # seconds: a piece waiting for the other thread gives up after this, failing the test


def organisations() -> int:
    return Organisation.objects.filter(name__startswith="Zq snapshot").count()


def add_organisation_elsewhere(name: str) -> None:
    """Another connection adds a row and commits it (as a user saving a record would)."""

    def add() -> None:
        try:
            Organisation.objects.create(name=name, kind=Organisation.Kind.VCSE)
        finally:
            connections.close_all()

    thread = threading.Thread(target=add)
    thread.start()
    thread.join(WAIT)


def backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {pid for (pid,) in cursor.fetchall()}


def on_two_threads(here, there):
    """Two pieces, ``there`` surely on the helper: ``here`` waits until it has started."""
    helper_started = threading.Event()

    def first():
        assert helper_started.wait(WAIT)
        return here()

    def second():
        helper_started.set()
        return there()

    return side_by_side([first, second])


def test_both_connections_read_the_records_as_they_were_when_the_work_began():
    for i in range(2):
        Organisation.objects.create(name=f"Zq snapshot {i}", kind=Organisation.Kind.VCSE)
    helper_started, committed = threading.Event(), threading.Event()

    def here():
        assert helper_started.wait(WAIT)
        add_organisation_elsewhere("Zq snapshot added meanwhile")
        committed.set()
        return threading.get_ident(), organisations()

    def there():
        helper_started.set()
        assert committed.wait(WAIT)
        return threading.get_ident(), organisations()

    (caller, seen_here), (helper, seen_there) = side_by_side([here, there])

    assert caller == threading.get_ident() and helper != caller  # two threads, so two connections
    assert seen_here == seen_there == 2  # neither saw the row committed after the work began
    assert organisations() == 3  # which is there, and read once the work is over


def test_each_piece_is_done_once_and_the_results_keep_the_pieces_order():
    done: list[int] = []

    def piece(n: int):
        def read() -> int:
            done.append(n)
            return n * 10

        return read

    assert side_by_side([piece(n) for n in range(7)]) == [n * 10 for n in range(7)]
    assert sorted(done) == list(range(7))


def test_inside_a_transaction_the_work_stays_on_this_connection_and_sees_its_writes():
    with transaction.atomic():
        Organisation.objects.create(name="Zq snapshot not yet committed", kind=Organisation.Kind.VCSE)
        assert not can_share()

        threads_and_counts = side_by_side([lambda: (threading.get_ident(), organisations())] * 3)

    assert threads_and_counts == [(threading.get_ident(), 1)] * 3


def test_the_helpers_connection_is_closed_once_the_work_is_done():
    mine, helpers = on_two_threads(backend, backend)

    assert mine != helpers
    assert mine in backends() and helpers not in backends()


def test_an_error_in_the_helpers_piece_reaches_the_caller_and_leaves_nothing_open():
    def there():
        raise ValueError("the helper's piece failed")

    with pytest.raises(ValueError, match="helper's piece"):
        on_two_threads(lambda: 1, there)

    assert not connection.in_atomic_block
    assert side_by_side([lambda: 1, lambda: 2]) == [1, 2]  # and the next page works


def test_an_error_in_the_callers_piece_is_the_error_that_reaches_the_caller():
    """Not the helper's failure to import a snapshot the failed transaction no longer exports."""

    def here():
        raise ValueError("the caller's piece failed")

    with pytest.raises(ValueError, match="caller's piece"):
        side_by_side([here, lambda: 2, lambda: 3])

    assert not connection.in_atomic_block
    assert side_by_side([lambda: 1, lambda: 2]) == [1, 2]


def test_while_the_helper_is_busy_this_thread_does_everything_without_waiting_for_it():
    """In a threaded server two pages may ask at once: the second does not queue behind the first."""
    from common.snapshot import _helper_thread

    release = threading.Event()
    busy = _helper_thread().submit(release.wait, WAIT)
    results: list = []
    page = threading.Thread(
        target=lambda: (results.append(side_by_side([lambda: 1, lambda: 2])), connections.close_all())
    )
    try:
        page.start()
        page.join(WAIT / 2)
        assert results == [[1, 2]]  # done while the helper was still busy
    finally:
        release.set()
        busy.result()
        page.join(WAIT)


def test_the_work_only_reads():
    def write():
        Organisation.objects.create(name="Zq snapshot written", kind=Organisation.Kind.VCSE)

    with pytest.raises(Exception, match="read-only transaction"):
        side_by_side([write, write])

    assert organisations() == 0
