"""End to end through a real Celery worker: Redis carries the deliveries, PostgreSQL holds the alerts.

The service tests call the sweep and delivery functions directly. These prove the
wiring a deployment depends on: the task names, the broker settings, the worker
reading the same database, and the email backend it is given, with a worker
process started exactly as the Procfile and docker-compose start one.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from referrals.models import Alert, Notification
from referrals.services.alerts import clocks_sweep
from referrals.tasks import deliver_alerts
from tests.factories import make_referral

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 30
DELIVERY_TIMEOUT = 30

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@dataclass
class Worker:
    process: subprocess.Popen
    broker_url: str
    queue: str
    mail_dir: Path
    log_path: Path

    def wake(self) -> None:
        """wake for clocks_sweep: queue a delivery task on this worker's broker and queue."""
        with celery_app.connection_for_write(self.broker_url) as conn:
            deliver_alerts.apply_async(connection=conn, queue=self.queue)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def emails(self) -> str:
        return "".join(path.read_text() for path in sorted(self.mail_dir.glob("*.log")))


def _dedicated_redis_url() -> str:
    """The test settings' Redis server, on a database of its own that this module flushes."""
    parts = urlsplit(settings.REDIS_URL)
    tests_db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{14 if tests_db != 14 else 12}"))


def _test_database_url() -> str:
    """A DATABASE_URL for the test database this process is using (test_<name>, not <name>)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def _wait_for(condition: Callable[[], bool], *, timeout: float, worker: Worker, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"The worker exited ({worker.process.returncode}) while waiting for {what}:\n{worker.log()}")
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}. Worker log:\n{worker.log()}")


@pytest.fixture
def worker(transactional_db, tmp_path: Path) -> Iterator[Worker]:
    assert connection.vendor == "postgresql", "this test runs the worker against the PostgreSQL test database"
    assert not celery_app.conf.task_always_eager, "CELERY_TASK_ALWAYS_EAGER would bypass the worker"
    assert celery_app.conf.broker_url.startswith("redis://"), "the test settings must publish through Redis"

    broker_url = _dedicated_redis_url()
    redis.Redis.from_url(broker_url).flushdb()
    # A queue of our own: two test runs sharing a Redis server never take each other's tasks.
    queue = f"it-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=broker_url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "info",
        "--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    running = Worker(process=process, broker_url=broker_url, queue=queue, mail_dir=mail_dir, log_path=log_path)
    try:
        # Publish only once the worker has bound its queue, or Redis would have nowhere to route the task.
        _wait_for(lambda: " ready." in running.log(), timeout=WORKER_START_TIMEOUT, worker=running, what="the worker")
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_breached_referral_reaches_its_team_through_redis_and_a_real_worker(
    worker, alice, bob, north_practice, intake
):
    now = timezone.now()
    referral = make_referral(by=intake, practice=north_practice, received_at=now - timedelta(hours=25), now=now)

    result = clocks_sweep(now=now, wake=worker.wake)

    # The first-response clock (the 28-day clock is not due): one alert, one delivery task woken.
    assert result == {"clocks": 1, "alerts": 1, "deliverable": 1, "publish_failures": 0}
    breach = Alert.objects.get(referral=referral)
    assert breach.level == Alert.Level.BREACH  # the warning came due at the same sweep and was folded in
    _wait_for(
        lambda: Alert.objects.filter(pk=breach.pk, sent_at__isnull=False).exists(),
        timeout=DELIVERY_TIMEOUT, worker=worker, what="the worker to deliver the breach alert",
    )  # fmt: skip
    breach.refresh_from_db()
    assert breach.attempts == 1 and breach.claimed_until is None and breach.last_error == ""
    inbox = set(Notification.objects.filter(alert=breach).values_list("recipient__username", flat=True))
    assert inbox == {"alice", "bob"}
    emails = worker.emails()
    assert referral.reference in emails
    assert "alice@staff.invalid" in emails and "bob@staff.invalid" in emails
    assert "succeeded in" in worker.log() and "referrals.tasks.deliver_alerts" in worker.log()


def test_an_alert_left_by_a_dead_worker_is_delivered_once_its_lease_runs_out(
    worker, alice, bob, north_practice, intake
):
    now = timezone.now()
    referral = make_referral(by=intake, practice=north_practice, received_at=now - timedelta(hours=25), now=now)
    clocks_sweep(now=now)  # stored, but its delivery task never ran
    breach = Alert.objects.get(referral=referral, level=Alert.Level.BREACH)
    # A worker claimed it and was killed mid-send: a lease is held, nothing is marked sent.
    Alert.objects.filter(pk=breach.pk).update(claimed_until=now + settings.ALERT_DELIVERY_LEASE, attempts=1)

    assert clocks_sweep(now=now, wake=worker.wake)["deliverable"] == 0  # the lease still holds

    # The lease runs out.
    Alert.objects.filter(pk=breach.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert clocks_sweep(now=timezone.now(), wake=worker.wake)["deliverable"] == 1

    _wait_for(
        lambda: Alert.objects.filter(pk=breach.pk, sent_at__isnull=False).exists(),
        timeout=DELIVERY_TIMEOUT, worker=worker, what="the worker to deliver the re-queued alert",
    )  # fmt: skip
    breach.refresh_from_db()
    assert breach.attempts == 2 and breach.claimed_until is None
    inbox = set(Notification.objects.filter(alert=breach).values_list("recipient__username", flat=True))
    assert inbox == {"alice", "bob"}
    assert referral.reference in worker.emails()
