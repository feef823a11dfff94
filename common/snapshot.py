"""Read-only work shared between this connection and a second one, both seeing one snapshot.

Some pages are a handful of independent, long statements that PostgreSQL runs on one core each
(the national page's measures: 30 to 700 ms each at a million referrals, none planned in
parallel). One after the other they take the sum of their times; on two connections, about the
longest. ``side_by_side`` runs such work on this thread's connection and on one helper thread's,
each pulling the next piece from the same list (so the heaviest, listed first, starts at once).

Both connections read one snapshot: this one opens a read-only REPEATABLE READ transaction and
exports its snapshot (``pg_export_snapshot()``), and the helper's transaction imports it (``SET
TRANSACTION SNAPSHOT``) before its first read. So the page is one consistent reading of the
records, as if every statement had run at the same instant, which the statements run one after
the other in autocommit were not.

The work runs one piece after another on this connection, as it always did, when:
- the database is not PostgreSQL (the demo's SQLite), or
- this connection is already inside a transaction (a caller's ``atomic``, or a test's): the work
  must see that transaction's own writes, which no other connection can.

The helper thread is one per process (a gunicorn sync worker serves one request at a time), made
on first use and again after a fork; if it is busy (a threaded server), this thread does all the
work and does not wait for it. It opens its connection for each piece of shared work and
closes it afterwards, so no connection outlives the work (nor blocks a test database's removal).
"""

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

T = TypeVar("T")

_helper: ThreadPoolExecutor | None = None
_helper_pid: int | None = None
_helper_lock = threading.Lock()


def _helper_thread() -> ThreadPoolExecutor:
    global _helper, _helper_pid
    with _helper_lock:
        if _helper is None or _helper_pid != os.getpid():  # none yet, or inherited across a fork
            _helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-helper")
            _helper_pid = os.getpid()
        return _helper


def can_share(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``side_by_side`` would use a second connection here."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Work:
    """The pieces not yet started, taken in order by whichever thread is free; their results."""

    def __init__(self, pieces: Sequence[Callable[[], T]]):
        self.pieces = pieces
        self.results: list = [None] * len(pieces)
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= len(self.pieces):
                return None
            index, self._next = self._next, self._next + 1
            return index

    def run(self) -> None:
        try:
            while (index := self.take()) is not None:
                self.results[index] = self.pieces[index]()
        except BaseException:
            self.stop()  # a failed page: the other thread takes nothing more
            raise

    def stop(self) -> None:
        with self._lock:
            self._next = len(self.pieces)

    def any_left(self) -> bool:
        with self._lock:
            return self._next < len(self.pieces)


def side_by_side(pieces: Sequence[Callable[[], T]], *, using: str = DEFAULT_DB_ALIAS) -> list[T]:
    """Each piece's result, in order. Pieces only read, and are listed heaviest first."""
    work = _Work(pieces)
    if len(pieces) < 2 or not can_share(using):
        work.run()
        return work.results
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        helped: Future = _helper_thread().submit(_help, work, snapshot, using)
        # The helper must have imported the snapshot before this transaction ends: wait for it
        # whatever happens here, unless it never started (busy with another request's page, in a
        # threaded server: this thread then did everything). If this thread's piece fails, that is
        # the error to raise (the helper's own, if any, follows from it: the failure ended the
        # export it imports).
        try:
            work.run()
        except BaseException:
            if not helped.cancel():
                wait([helped])
            raise
        if not helped.cancel():
            helped.result()
    return work.results


def _help(work: _Work, snapshot: str, using: str) -> None:
    """The helper thread: take pieces on a connection of its own, in the exported snapshot."""
    if not work.any_left():  # this thread was busy and the caller did everything
        return
    connection = connections[using]
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            work.run()
    finally:
        connection.close()
