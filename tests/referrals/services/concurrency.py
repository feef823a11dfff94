"""Two real transactions at once, in a chosen order: for the tests of concurrent changes.

A ``Transaction`` runs a service call on a thread with its own database connection. ``HoldAt``
(a connection execute wrapper: the code under test runs unchanged) holds it just before a chosen
SQL statement until the test releases it, and ``wait_until_blocked_or_done`` watches
pg_stat_activity until the other transaction waits for a row lock (or has finished).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

WAIT = 20  # seconds: far longer than any step here; a hang fails the test instead of the suite


class HoldAt:
    """Execute wrapper: hold the first statement matching ``when`` until ``release`` (it has not run yet)."""

    def __init__(self, when: Callable[[str], bool]) -> None:
        self.when = when
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, execute, sql, params, many, context):
        if not self.reached.is_set() and self.when(sql):
            self.reached.set()
            assert self.release.wait(WAIT), "never released"
        return execute(sql, params, many, context)


def before_alert_insert(sql: str) -> bool:
    """The sweep holds its clocks (and their referrals, FOR KEY SHARE) and is about to store alerts."""
    return sql.startswith('INSERT INTO "referrals_alert"')


def before_clocks_locked(sql: str) -> bool:
    """A service holds the referral and is about to lock its clocks."""
    return '"referrals_clock"' in sql and "FOR UPDATE" in sql and "FOR NO KEY UPDATE" not in sql


def before_clock_update(sql: str) -> bool:
    return sql.startswith('UPDATE "referrals_clock"')


def before_insert_into(table: str) -> Callable[[str], bool]:
    return lambda sql: sql.startswith(f'INSERT INTO "{table}"')


@dataclass
class Transaction:
    """A service call on a thread with its own database connection."""

    call: Callable[[], Any]
    hold: HoldAt | None = None
    result: Any = None
    error: BaseException | None = None
    pid: int | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Transaction":
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            if self.hold is None:
                self.result = self.call()
            else:
                with connection.execute_wrapper(self.hold):
                    self.result = self.call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test's thread
            self.error = exc
        finally:
            connection.close()
            self.done.set()

    def finish(self) -> Any:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "still running: a lock wait that never ended"
        if self.error is not None:
            raise self.error
        return self.result


def wait_until_blocked_or_done(tx: Transaction) -> str:
    """Wait until ``tx`` waits for a row lock held by another transaction, or has finished."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if tx.done.is_set():
            return "done"
        if tx.pid is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [tx.pid])
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return "blocked"
        time.sleep(0.02)
    raise AssertionError("neither blocked nor finished")
