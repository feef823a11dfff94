"""Faults around the sweep, on a Redis server of this test's own (a private port): the broker
restarted in the middle of a sweep, and two beats running at once.

Every alert reaches each inbox exactly once; no address is emailed twice, since no send is
interrupted here (only a killed sender re-sends, tests/integration/test_delivery_faults.py).
"""

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from referrals.models import Alert, AlertEmail, Notification
from referrals.services.alerts import clocks_sweep
from tests.factories import make_referral
from tests.integration.test_celery_worker import PROJECT_ROOT, _test_database_url
from tests.integration.test_delivery_faults import _start_worker, _sweep_until_sent, _wake

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
QUEUE = "celery"  # the broker is this test's alone: the default queue, where beat's sweeps go


def _free_port(first: int = 6390, last: int = 6490) -> int:
    for port in range(first + os.getpid() % 50, last):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for a private Redis server")


@dataclass
class PrivateRedis:
    """A redis-server of this test's own, without persistence: a restart loses every message."""

    port: int
    workdir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with (self.workdir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.ConnectionError:
                assert time.monotonic() < deadline and self.process.poll() is None, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # only the server this test started, by its own handle
            self.process.wait()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(port=_free_port(), workdir=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _due_referrals(n: int, *, by, practice) -> None:
    now = timezone.now()
    for _ in range(n):
        make_referral(by=by, practice=practice, received_at=now - timedelta(hours=25), now=now)


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _assert_each_alert_once_in_every_inbox_and_no_address_emailed_twice(mail_dir: Path) -> None:
    assert not Alert.objects.filter(sent_at__isnull=True).exists()
    inbox = Counter(Notification.objects.values_list("alert_id", "recipient_id"))
    assert inbox and max(inbox.values()) == 1
    assert not Alert.objects.filter(notifications__isnull=True).exists()
    sent = Counter((path.read_text(), path.name.rsplit(".", 1)[0]) for path in mail_dir.iterdir())
    assert max(sent.values()) == 1  # (subject, address): the subject names the referral and level
    assert len(sent) == AlertEmail.objects.count()


def test_a_broker_restarted_mid_sweep_loses_no_alert(private_redis, tmp_path, intake, alice, bob, north_practice):
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    worker = _start_worker(QUEUE, private_redis.url, mail_dir, log, tmp_path / "var")
    try:
        _due_referrals(3, by=intake, practice=north_practice)
        assert clocks_sweep(now=timezone.now(), wake=lambda: _wake(private_redis.url, QUEUE))["publish_failures"] == 0
        deadline = time.monotonic() + 30
        while not mail_dir.exists() or not any(mail_dir.iterdir()):  # the worker is sending
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)

        _due_referrals(3, by=intake, practice=north_practice)

        def restart_then_publish() -> None:
            # The sweep has stored its alerts and is waking the senders: the broker goes away
            # (and with it every queued message), so this publish fails.
            private_redis.stop()
            _wake(private_redis.url, QUEUE)

        result = clocks_sweep(now=timezone.now(), wake=restart_then_publish)
        assert result["alerts"] == 3 and result["publish_failures"] == 1
        private_redis.start()  # empty: the hints are gone, the alerts are in PostgreSQL

        _sweep_until_sent(private_redis.url, QUEUE, [worker], log, timeout=45)
    finally:
        _stop_all([worker])
    assert Alert.objects.count() == 6
    # The broker did go: the sweep's publish failed (above). Whether the worker also logs "Connection
    # to broker lost" depends on where it was when Redis stopped (busy sending, it may reconnect
    # without a word), so the worker's log is not asked; what matters is asserted below.
    _assert_each_alert_once_in_every_inbox_and_no_address_emailed_twice(mail_dir)


def _start_beat(broker_url: str, workdir: Path, log_path: Path) -> subprocess.Popen:
    """``celery beat`` as deployed, sweeping every second, with a schedule file of its own."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=broker_url,
        CLOCK_SWEEP_INTERVAL_SECONDS="1",
        VAR_DIR=str(workdir),
        PYTHONUNBUFFERED="1",
    )
    command = [
        sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "info",
        "--schedule", str(workdir / "celerybeat-schedule"), "--pidfile", str(workdir / "beat.pid"),
    ]  # fmt: skip
    with log_path.open("ab") as log:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_two_beats_at_once_raise_and_deliver_every_alert_once(
    private_redis, tmp_path, intake, alice, bob, north_practice
):
    _due_referrals(6, by=intake, practice=north_practice)
    mail_dir = tmp_path / "mail"
    worker_log, beat_logs = tmp_path / "workers.log", [tmp_path / "beat1.log", tmp_path / "beat2.log"]
    workers = [_start_worker(QUEUE, private_redis.url, mail_dir, worker_log, tmp_path / f"var{i}") for i in range(2)]
    beats = [_start_beat(private_redis.url, tmp_path / f"beat{i}", beat_logs[i]) for i in range(2)]
    processes = workers + beats
    try:
        deadline = time.monotonic() + 45
        while Alert.objects.filter(sent_at__isnull=True).exists() or not Alert.objects.exists():
            logs = "\n".join(path.read_text(errors="replace") for path in [worker_log, *beat_logs] if path.exists())
            assert time.monotonic() < deadline, logs
            assert all(p.poll() is None for p in processes), logs
            time.sleep(0.5)
        time.sleep(2)  # a few more sweeps from both beats: nothing more is raised or sent
    finally:
        _stop_all(processes)
    for log in beat_logs:  # both beats were sending sweeps, and the workers ran them
        assert log.read_text(errors="replace").count("Sending due task sweep-clocks") >= 2
    assert "referrals.tasks.sweep_clocks" in worker_log.read_text(errors="replace")
    # One breach per referral (its warning folded in): the 28-day clocks are not due.
    assert Alert.objects.count() == 6
    assert Alert.objects.values("clock", "level", "tier").distinct().count() == 6
    _assert_each_alert_once_in_every_inbox_and_no_address_emailed_twice(mail_dir)
