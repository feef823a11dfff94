"""Faults against real workers: a worker killed with -9 mid-delivery, two workers at once.

Every alert reaches each inbox exactly once; an email is sent twice only to an address whose
send was interrupted by the kill.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from config.celery import app as celery_app
from referrals.models import Alert, AlertEmail, Notification
from referrals.services.alerts import clocks_sweep
from referrals.tasks import deliver_alerts
from tests.factories import make_referral
from tests.integration.test_celery_worker import PROJECT_ROOT, _dedicated_redis_url, _test_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
LEASE_SECONDS = 8


def _start_worker(queue: str, broker_url: str, mail_dir: Path, log_path: Path, var: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=broker_url,
        EMAIL_BACKEND="tests.referrals.services.failing_email.Slow",
        EMAIL_FILE_PATH=str(mail_dir),
        EMAIL_TIMEOUT="1",
        ALERT_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        VAR_DIR=str(var),
        PYTHONUNBUFFERED="1",
    )
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "info",
        "--queues", queue, "--hostname", f"{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while " ready." not in log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline and process.poll() is None, log_path.read_text(errors="replace")
        time.sleep(0.2)
    return process


def _wake(broker_url: str, queue: str) -> None:
    with celery_app.connection_for_write(broker_url) as conn:
        deliver_alerts.apply_async(connection=conn, queue=queue)


@pytest.fixture
def broker(tmp_path):
    url = _dedicated_redis_url()
    redis.Redis.from_url(url).flushdb()
    return url


def _sweep_until_sent(broker_url: str, queue: str, workers: list[subprocess.Popen], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while Alert.objects.filter(sent_at__isnull=True).exists():
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        assert all(w.poll() is None for w in workers), log.read_text(errors="replace")
        clocks_sweep(now=timezone.now(), wake=lambda: _wake(broker_url, queue))  # what beat does every 10 s
        time.sleep(1)


def _assert_once_in_app_and_email_twice_only_if_interrupted(mail_dir: Path) -> Counter:
    inbox = Counter(Notification.objects.values_list("alert_id", "recipient_id"))
    assert inbox and max(inbox.values()) == 1
    for alert in Alert.objects.all():
        assert alert.notifications.exists()
    # Per (alert, address): the subject names the referral and level.
    sent = Counter((path.read_text(), path.name.rsplit(".", 1)[0]) for path in mail_dir.iterdir())
    assert len(sent) == AlertEmail.objects.count()  # every address reached is recorded, and only those
    return sent


def test_a_worker_killed_with_minus_9_mid_delivery_loses_nothing(broker, tmp_path, intake, alice, bob, north_practice):
    now = timezone.now()
    for _ in range(4):
        make_referral(by=intake, practice=north_practice, received_at=now - timedelta(hours=25), now=now)
    clocks_sweep(now=now)
    queue, mail_dir, log = f"kill-{uuid.uuid4().hex[:8]}", tmp_path / "mail", tmp_path / "worker.log"
    first = _start_worker(queue, broker, mail_dir, log, tmp_path / "var1")
    _wake(broker, queue)
    deadline = time.monotonic() + 30
    while not mail_dir.exists() or not any(mail_dir.iterdir()):  # mid-send: some emails out, the alert not sent
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    held = Alert.objects.filter(sent_at__isnull=True, claimed_until__isnull=False).count()
    assert held == 1  # the dead sender held one alert, not the batch

    second = _start_worker(queue, broker, mail_dir, log, tmp_path / "var2")
    try:
        _sweep_until_sent(broker, queue, [second], log, timeout=60)
    finally:
        second.terminate()
        second.wait(timeout=20)
    sent = _assert_once_in_app_and_email_twice_only_if_interrupted(mail_dir)
    # At most the one address whose send the kill interrupted is emailed twice for that alert.
    assert sum(n - 1 for n in sent.values()) <= 1


def test_two_workers_deliver_every_alert_once(broker, tmp_path, intake, alice, bob, north_practice):
    now = timezone.now()
    for _ in range(6):
        make_referral(by=intake, practice=north_practice, received_at=now - timedelta(hours=25), now=now)
    queue, mail_dir, log = f"two-{uuid.uuid4().hex[:8]}", tmp_path / "mail", tmp_path / "workers.log"
    workers = [_start_worker(queue, broker, mail_dir, log, tmp_path / f"var{i}") for i in range(2)]
    try:
        for _ in range(2):  # two beats: two sweeps, each waking senders
            clocks_sweep(now=now, wake=lambda: [_wake(broker, queue), _wake(broker, queue)])
        _sweep_until_sent(broker, queue, workers, log, timeout=60)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=20)
    sent = _assert_once_in_app_and_email_twice_only_if_interrupted(mail_dir)
    assert Alert.objects.count() == 6 and AlertEmail.objects.count() == sum(sent.values())
