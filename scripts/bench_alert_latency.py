"""Alert latency under faults: real beat, workers, Redis and PostgreSQL, faults injected.

For each fault row: N first-response clocks are made to cross their 24-hour breach threshold
spread evenly over SPREAD seconds; beat and worker(s) run as `make run` runs them (the Procfile's
commands, CLOCK_SWEEP_INTERVAL_SECONDS and the lease at their defaults); halfway through the
window the fault is injected. The run ends when every breach has reached an inbox (or after
a timeout), and prints, per row, the latency from each breach's threshold to its first in-app
notification (p50 / p99 / max), the breaches not delivered, and duplicate checks.

It needs its OWN Redis and PostgreSQL, because it kills and restarts them:
  redis-server --port 6390 --daemonize yes --save "" --appendonly no
  a private cluster on port 5440 (initdb + pg_ctl), its data directory given as --pgdata
Never point it at shared servers. Its database is `caseload_latency_bench`.

  .venv/bin/python scripts/bench_alert_latency.py --redis-port 6390 --pg-port 5440 --pgdata /tmp/pgrel/data
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
FAULTS = ["none", "worker-kill-9", "redis-restart", "postgres-restart", "two-beats-two-workers", "beat-down"]


def _env(args, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "PROMETHEUS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{args.pg_port}/caseload_latency_bench",
        REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/0",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        VAR_DIR=str(var),
        PYTHONUNBUFFERED="1",
    )
    return env


class Processes:
    """Workers and beats started as the Procfile starts them, logs under var/."""

    def __init__(self, env: dict[str, str], var: Path) -> None:
        self.env, self.var, self.procs = env, var, {}

    def start(self, name: str) -> None:
        if name.startswith("worker"):
            cmd = ["celery", "-A", "config", "worker", "-l", "info", "--pool", "solo", "--concurrency", "1",
                   "--hostname", f"{name}@%h"]  # fmt: skip
        else:
            cmd = ["celery", "-A", "config", "beat", "-l", "info", "-s", str(self.var / f"{name}-schedule")]
        log = (self.var / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", *cmd], cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


def _prepare(args) -> None:
    """Migrate the bench database and make the standing cast (once)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _make_window(count: int, spread: float, lead: float):
    """``count`` referrals whose breach thresholds fall evenly over [now + lead, now + lead + spread]."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role
    from localities.models import Organisation, Team
    from referrals.models import Alert
    from referrals.services.alerts import clocks_sweep
    from tests.factories import (
        LocalityFactory,
        OrganisationFactory,
        PracticeFactory,
        TeamFactory,
        UserFactory,
        make_referral,
    )

    org = Organisation.objects.first() or OrganisationFactory(kind=Organisation.Kind.NHS_TRUST)
    team = Team.objects.filter(name="Bench IPCT").first()
    if team is None:
        locality = LocalityFactory()
        team = TeamFactory(name="Bench IPCT", organisation=org, locality=locality, kind=Team.Kind.LOCALITY)
        locality.intake_team = team
        locality.save()
        PracticeFactory(ods_code="B81001", locality=locality)
        for i in range(3):
            UserFactory(username=f"bench{i}", role=Role.CLINICIAN, organisation=org, teams=[team])
        UserFactory(username="bench-intake", role=Role.INTAKE, organisation=org)
    from accounts.models import User
    from localities.models import Practice

    intake, practice = User.objects.get(username="bench-intake"), Practice.objects.get(ods_code="B81001")
    start = timezone.now() + timedelta(seconds=lead)
    made = []
    for i in range(count):
        at = start + timedelta(seconds=spread * i / count) - timedelta(hours=24)
        with transaction.atomic():
            made.append(make_referral(by=intake, practice=practice, now=at, received_at=at).pk)
    # Everything due before the window (the warnings) is raised and marked sent now: a clean slate.
    clocks_sweep(now=timezone.now())
    Alert.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now(), claimed_until=None)
    return start, made


def _measure(referrals: list[int], start, spread: float, timeout: float):
    from django.db.models import Count, Min

    from referrals.models import Alert, AlertEmail, Notification

    deadline = time.monotonic() + spread + timeout
    breaches = Alert.objects.filter(referral_id__in=referrals, level="breach", threshold_at__gte=start)
    while time.monotonic() < deadline:
        try:
            done = breaches.filter(notifications__isnull=False).distinct().count()
            if done >= len(referrals):
                break
        except Exception:  # noqa: BLE001 - PostgreSQL may be restarting
            pass
        time.sleep(2)
    from django.db import connection

    connection.close()
    rows = breaches.annotate(first=Min("notifications__created_at")).values_list("threshold_at", "first")
    latencies = [(first - threshold).total_seconds() for threshold, first in rows if first is not None]
    raised = breaches.count()
    dup_inbox = (
        Notification.objects.filter(alert__in=breaches)
        .values("alert", "recipient")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    dup_email = (
        AlertEmail.objects.filter(alert__in=breaches)
        .values("alert", "address")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return latencies, len(referrals) - len(latencies), raised, dup_inbox, dup_email


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else (values or [0])[0]


def run(fault: str, args) -> str:
    var = Path(args.var) / fault
    var.mkdir(parents=True, exist_ok=True)
    env = _env(args, var)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "VAR_DIR", "EMAIL_BACKEND")})
    import redis

    redis.Redis(port=args.redis_port).flushall()
    made_at = time.monotonic()
    start, referrals = _make_window(args.clocks, args.spread, lead=20 + 0.08 * args.clocks)
    print(f"  ({fault}: {len(referrals)} referrals made in {time.monotonic() - made_at:.0f} s)", file=sys.stderr)
    procs = Processes(env, var)
    workers = ["worker1", "worker2"] if fault == "two-beats-two-workers" else ["worker1"]
    beats = ["beat1", "beat2"] if fault == "two-beats-two-workers" else ["beat1"]
    for name in workers + beats:
        procs.start(name)
    try:
        fault_at = (
            start - __import__("django.utils.timezone", fromlist=["now"]).now()
        ).total_seconds() + args.spread / 2
        time.sleep(max(fault_at, 0))
        if fault == "worker-kill-9":
            procs.kill("worker1")
            time.sleep(1)
            procs.start("worker1")  # the supervisor restarts it
        elif fault == "redis-restart":
            subprocess.run(["redis-cli", "-p", str(args.redis_port), "shutdown", "nosave"], check=False)
            time.sleep(2)
            subprocess.run(["redis-server", "--port", str(args.redis_port), "--daemonize", "yes", "--save", "",
                            "--appendonly", "no"], check=True)  # fmt: skip
        elif fault == "postgres-restart":
            subprocess.run(["su", "postgres", "-c", f"/usr/local/bin/pg_ctl -D {args.pgdata} -m fast -w restart "
                            f"-o '-p {args.pg_port} -c fsync=off' -l {args.pgdata}/../log"], check=True)  # fmt: skip
        elif fault == "beat-down":
            procs.kill("beat1", signal.SIGTERM)
            time.sleep(args.beat_down)
            procs.start("beat1")
        latencies, missing, raised, dup_inbox, dup_email = _measure(referrals, start, args.spread, args.timeout)
    finally:
        procs.stop_all()
    latencies.sort()
    return (
        f"| {fault} | {_pct(latencies, 50):.0f} / {_pct(latencies, 99):.0f} s ({max(latencies or [0]):.0f} s) "
        f"| {raised} | {missing} | {dup_inbox} | {dup_email} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clocks", type=int, default=1500)
    parser.add_argument("--spread", type=float, default=240.0, help="seconds over which the thresholds fall")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait after the window")
    parser.add_argument("--beat-down", type=float, default=300.0, help="seconds beat is down in that row")
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--pgdata", required=True, help="the private cluster's data directory (restarted)")
    parser.add_argument("--var", default="/tmp/bench-alert-latency")
    parser.add_argument("--faults", default=",".join(FAULTS))
    args = parser.parse_args()
    if args.redis_port == 6379 or args.pg_port == 5432:
        sys.exit("Refusing to inject faults into the shared Redis (6379) or PostgreSQL (5432).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{args.pg_port}/caseload_latency_bench"
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{args.redis_port}/0"
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres", "-c",
                    "CREATE DATABASE caseload_latency_bench"], check=False, capture_output=True)  # fmt: skip
    _prepare(args)
    print(f"{args.clocks} breach thresholds over {args.spread:.0f} s per row, one run per row")
    print(
        "| fault | latency threshold -> inbox, p50 / p99 (max) | breaches | not delivered | dup in-app | dup email rows |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for fault in args.faults.split(","):
        print(run(fault, args), flush=True)


if __name__ == "__main__":
    main()
