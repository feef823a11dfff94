"""The demo really runs clocks and alerts with no PostgreSQL and no Redis.

Each test drives fresh processes with a clean environment (no DATABASE_URL, no
REDIS_URL), as `make run` does on a new machine: SQLite in VAR_DIR and Celery's
filesystem transport. They read the results straight from the SQLite file.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROCESS_TIMEOUT = 120
DELIVERY_TIMEOUT = 45

pytestmark = pytest.mark.slow

# Run inside `manage.py shell -c`, before each script below: a locality whose intake team has a
# clinician, and a practice in it.
DEMO_TEAM = """
import json
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Role
from tests.factories import LocalityFactory, PracticeFactory, TeamFactory, UserFactory, make_referral

now = timezone.now()
locality = LocalityFactory(name="Demo locality", code="demo")
team = TeamFactory(name="Demo IPCT", locality=locality)
locality.intake_team = team
locality.save()
practice = PracticeFactory(locality=locality)
clinician = UserFactory(username="demo-clinician", role=Role.CLINICIAN, organisation=team.organisation, teams=[team])
"""

# A routine referral received two days ago, so its 24-hour first-response clock is well past breach.
CREATE_OVERDUE_REFERRAL = (
    DEMO_TEAM
    + """
referral = make_referral(by=clinician, practice=practice, received_at=now - timedelta(days=2), now=now)
print("REFERRAL " + json.dumps({"id": referral.pk, "reference": referral.reference}))
"""
)


def _clean_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Only what a shell on a fresh machine has, plus the demo's VAR_DIR."""
    env = {key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ") if key in os.environ}
    env.update(
        # .venv/bin first, as `make run` puts it, so the Procfile's `python` and `celery` are the project's.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        PYTHONPATH=str(PROJECT_ROOT),
        DJANGO_SETTINGS_MODULE="config.settings",
        VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _manage(var_dir: Path, *args: str) -> str:
    # cwd is the test's own directory: anything a process writes beside itself stays there.
    finished = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "manage.py"), *args],
        cwd=var_dir.parent, env=_clean_env(var_dir), capture_output=True, text=True, timeout=PROCESS_TIMEOUT,
    )  # fmt: skip
    assert finished.returncode == 0, f"manage.py {args[0]} failed:\n{finished.stdout}\n{finished.stderr}"
    return finished.stdout


def _alerts(var_dir: Path, referral_id: int) -> list[tuple[str, int, bool]]:
    with sqlite3.connect(var_dir / "demo.sqlite3") as db:
        rows = db.execute(
            "SELECT level, tier, sent_at IS NOT NULL FROM referrals_alert WHERE referral_id = ? ORDER BY level, tier",
            [referral_id],
        ).fetchall()
    return [(level, tier, bool(sent)) for level, tier, sent in rows]


def _inbox(var_dir: Path, referral_id: int) -> list[tuple[str, str]]:
    with sqlite3.connect(var_dir / "demo.sqlite3") as db:
        return db.execute(
            "SELECT a.level, u.username FROM referrals_notification n JOIN referrals_alert a ON a.id = n.alert_id "
            "JOIN accounts_user u ON u.id = n.recipient_id WHERE a.referral_id = ? ORDER BY a.level, u.username",
            [referral_id],
        ).fetchall()


def _emails(var_dir: Path) -> str:
    return "".join(path.read_text() for path in sorted((var_dir / "sent-email").glob("*.log")))


def _wait_for(condition: Callable[[], bool], *, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited ({process.returncode}) while waiting for {what}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"Timed out after {DELIVERY_TIMEOUT}s waiting for {what}:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """Migrate once; each test starts from its own copy of the file."""
    var_dir = tmp_path_factory.mktemp("migrated") / "var"
    _manage(var_dir, "migrate", "--noinput")
    return var_dir / "demo.sqlite3"


@pytest.fixture
def var_dir(migrated_database: Path, tmp_path: Path) -> Path:
    var_dir = tmp_path / "var"
    # Only the database: the settings create the filesystem transport's folders themselves.
    var_dir.mkdir()
    shutil.copy(migrated_database, var_dir / "demo.sqlite3")
    return var_dir


@pytest.fixture
def overdue_referral(var_dir: Path) -> dict:
    output = _manage(var_dir, "shell", "-c", CREATE_OVERDUE_REFERRAL)
    line = next(line for line in output.splitlines() if line.startswith("REFERRAL "))
    return json.loads(line.removeprefix("REFERRAL "))


# Two days past the 24-hour target: the breach and both escalations are due; the
# warning comes due at the same sweep and is folded into the breach.
EARNED = [("breach", 0), ("escalation", 1), ("escalation", 2)]


def test_demo_sweep_with_deliver_raises_and_sends_breach_alerts_on_sqlite(var_dir, overdue_referral):
    output = _manage(var_dir, "sweep_clocks", "--deliver")

    assert "clocks handled: 1, alerts raised: 3, delivered: 3" in output
    assert _alerts(var_dir, overdue_referral["id"]) == [(level, tier, True) for level, tier in EARNED]
    assert _inbox(var_dir, overdue_referral["id"]) == [("breach", "demo-clinician")]
    assert overdue_referral["reference"] in _emails(var_dir)


@pytest.fixture
def demo_worker(var_dir: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    """A real worker on the filesystem transport, started as the Procfile starts it."""
    log_path = var_dir.parent / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "info"],
            cwd=var_dir.parent, env=_clean_env(var_dir), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(lambda: " ready." in log_path.read_text(), process=process, log=log_path, what="the worker")
        yield process, log_path
    finally:
        _stop(process)


def test_demo_sweep_queues_alerts_that_a_filesystem_worker_delivers(var_dir, overdue_referral, demo_worker):
    process, log = demo_worker

    output = _manage(var_dir, "sweep_clocks")  # no --deliver: a delivery task goes through the queue folder

    assert "clocks handled: 1, alerts raised: 3, awaiting delivery: 3, publish failures: 0" in output
    _wait_for(
        lambda: _alerts(var_dir, overdue_referral["id"]) == [(level, tier, True) for level, tier in EARNED],
        process=process, log=log, what="the worker to deliver the alerts",
    )  # fmt: skip
    assert _inbox(var_dir, overdue_referral["id"]) == [("breach", "demo-clinician")]
    assert overdue_referral["reference"] in _emails(var_dir)
    assert "referrals.tasks.deliver_alerts" in log.read_text()


def test_make_run_worker_and_beat_sweep_and_deliver_on_their_own(var_dir, overdue_referral):
    """The Procfile's worker and beat under honcho, as `make run` starts them, with a 2-second sweep."""
    log_path = var_dir.parent / "honcho.log"
    # The Procfile's own lines; honcho must pass VAR_DIR and the sweep interval through to both.
    env = _clean_env(var_dir, CLOCK_SWEEP_INTERVAL_SECONDS="2")
    honcho = Path(sys.executable).parent / "honcho"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(honcho), "--no-colour", "-f", str(PROJECT_ROOT / "Procfile"), "start", "worker", "beat"],
            cwd=var_dir.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(
            lambda: _alerts(var_dir, overdue_referral["id"]) == [(level, tier, True) for level, tier in EARNED],
            process=process, log=log_path, what="beat's sweep and the worker's delivery",
        )  # fmt: skip
    finally:
        _stop(process)
    assert _inbox(var_dir, overdue_referral["id"]) == [("breach", "demo-clinician")]
    assert overdue_referral["reference"] in _emails(var_dir)
    assert "referrals.tasks.sweep_clocks" in log_path.read_text()


def test_make_run_serves_on_another_port_when_asked(var_dir):
    """`WEB_PORT=8123 make run`: the Procfile's web line listens where it is told (README)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = var_dir.parent / "web.log"
    env = _clean_env(var_dir, WEB_PORT=str(port))
    honcho = Path(sys.executable).parent / "honcho"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(honcho), "--no-colour", "-f", str(PROJECT_ROOT / "Procfile"), "start", "web"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,  # as `make run`, from the project
        )  # fmt: skip
    try:
        _wait_for(
            lambda: f"http://127.0.0.1:{port}/" in log_path.read_text(), process=process, log=log_path, what="web"
        )
        from urllib.request import urlopen

        deadline = time.monotonic() + PROCESS_TIMEOUT
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:  # noqa: S310
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        _stop(process)


# The reads written out as SQL (docs/adr/0013) on the demo's SQLite: a second referral for the same
# NHS number matches the person with their practice, the clock policy's targets come back as
# durations, an API token authenticates with its stored creation time, and a practice read by its
# ODS code comes with its locality and intake team (routing reads nothing more). The intake's rows
# are written by common.inserts there too, each with its key read back.
WRITTEN_OUT_READS = (
    DEMO_TEAM
    + """
from rest_framework.authtoken.models import Token

from accounts.api_auth import TokenAuthentication
from accounts.models import AuditEvent
from localities.selectors import practice_with_route, route_for
from referrals.models import Clock, ClockEvent
from referrals.selectors import policy_and_response_target

first = make_referral(by=clinician, practice=practice, nhs_number="9434765919", now=now)
second = make_referral(by=clinician, practice=practice, nhs_number="9434765919", now=now)
policy, target = policy_and_response_target(team, "routine")
token = Token.objects.create(user=clinician)
user, auth = TokenAuthentication().authenticate_credentials(token.key)
with_route = practice_with_route(practice.ods_code)
print("READS " + json.dumps({
    "same_person": second.person_id == first.person_id,
    "practice": second.person.gp_practice.ods_code == practice.ods_code,
    "route": second.team_id == team.pk,
    "target_is_duration": isinstance(target.target, timedelta) and target.target > timedelta(0),
    "policy_is_converted": isinstance(policy.treatment_target, timedelta),
    "escalation_is_duration": isinstance(target.escalation_after, timedelta),
    "user": user.pk == clinician.pk,
    "created": isinstance(auth.created, datetime) and auth.created == token.created,
    "practice_route": route_for(practice=with_route, postcode="") == route_for(practice=practice, postcode=""),
    "rows_written": (
        sorted(Clock.objects.filter(referral_id=second.pk).values_list("pk", flat=True))
        == sorted(c.pk for c in second.clocks.all())
        and ClockEvent.objects.filter(clock__referral_id=second.pk).count() == 2
        and AuditEvent.objects.filter(action="referral.create", object_id=str(second.pk)).count() == 1
    ),
}))
"""
)


def test_the_reads_written_out_as_sql_work_on_the_demos_sqlite(var_dir):
    output = _manage(var_dir, "shell", "-c", WRITTEN_OUT_READS)

    line = next(line for line in output.splitlines() if line.startswith("READS "))
    assert json.loads(line.removeprefix("READS ")) == {
        "same_person": True,
        "practice": True,
        "route": True,
        "target_is_duration": True,
        "policy_is_converted": True,
        "escalation_is_duration": True,
        "user": True,
        "created": True,
        "practice_route": True,
        "rows_written": True,
    }


# The triage queue's short lists of ids (common.ids: ANY(ARRAY(...)) on PostgreSQL) are plain
# IN (SELECT ...) on the demo's SQLite: the clinician's waiting referrals, a responded-to one left out.
TRIAGE_QUEUE = (
    DEMO_TEAM
    + """
from referrals.services import contact_record
from referrals.web.triage.queries import triage_queue

waiting = [make_referral(by=clinician, practice=practice, now=now) for _ in range(2)]
answered = make_referral(by=clinician, practice=practice, now=now)
contact_record(referral=answered, by=clinician, now=now, occurred_at=now, mode="telephone", outcome="completed")
queue = [r.pk for r in triage_queue(clinician)]
print("QUEUE " + json.dumps({"queue": sorted(queue), "waiting": sorted(r.pk for r in waiting)}))
"""
)


def test_the_triage_queue_works_on_the_demos_sqlite(var_dir):
    output = _manage(var_dir, "shell", "-c", TRIAGE_QUEUE)

    line = next(line for line in output.splitlines() if line.startswith("QUEUE "))
    found = json.loads(line.removeprefix("QUEUE "))
    assert found["queue"] == found["waiting"] and len(found["waiting"]) == 2
