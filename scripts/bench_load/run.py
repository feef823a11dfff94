"""Load test: gunicorn (5 sync workers, DEBUG off, production's config/gunicorn.py) on the benchmark database, driven by locust
in the issue's mix at 1, 10, 25 and 50 users. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_load/run.py --referrals 1000000 --duration 60

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_load_bench``), built by ``demo.bulk`` and reused while it holds the same data
(scripts/bench_support.py). It signs in distinct real users server-side (a session per member of
staff, marked as having passed two-factor as single sign-on does, so nobody is asked for a code)
and issues API tokens to an intake account and to clinicians; writes them to a users file for
scripts/bench_load/locustfile.py; starts gunicorn; then for each step runs locust headless and
prints per endpoint: requests, requests/s, p50, p95, p99, failures; the CPU seconds of the
gunicorn workers against those of the PostgreSQL backends serving this database (psutil, from
/proc, sampled every half second: CpuSampler), and the load generator's own; and the workers' resident memory at the start and end of the step.
See docs/performance.md.
"""

import argparse
import csv
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STEPS = (1, 10, 25, 50)
ENDPOINTS = ("caseload", "person", "triage", "team", "api_list", "contacts", "api_intake")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--referrals", type=int, default=1_000_000, help="Referrals in the database (20000 for a quick run)."
    )
    parser.add_argument(
        "--database", default="caseload_load_bench", help="Its own database; the name must contain 'bench'."
    )
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and load it again.")
    parser.add_argument("--duration", type=int, default=60, help="Seconds each step runs (after its ramp-up).")
    parser.add_argument(
        "--users", default=",".join(str(s) for s in STEPS), help="Comma-separated steps of locust users."
    )
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers.")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="0: sync workers (the issue's set-up); N: gthread workers of N threads each, which keep connections open.",
    )
    parser.add_argument(
        "--intake",
        action="store_true",
        help="Intake only: each locust user an intake system sending referrals back to back, no pause.",
    )
    parser.add_argument("--port", type=int, default=0, help="Port for gunicorn (0: a free one).")
    parser.add_argument(
        "--plain-gunicorn",
        action="store_true",
        help="gunicorn without production's settings (config/gunicorn.py: an access-log line per request) and "
        "without the metrics directory, as the load test ran before 6 December 2026.",
    )
    args = parser.parse_args(argv)
    try:
        args.steps = [int(s) for s in args.users.split(",") if s.strip()]
    except ValueError:
        parser.error("--users takes whole numbers separated by commas, e.g. 1,10,25,50.")
    if not args.steps or min(args.steps) < 1:
        parser.error("--users needs at least one step of 1 or more users.")
    if args.duration < 1:
        parser.error("--duration must be at least 1 second.")
    if args.referrals < 1_000:
        parser.error("--referrals must be at least 1000.")
    return args


# --- report ---------------------------------------------------------------------------------


def read_stats(stats_csv: Path) -> list[dict]:
    """Locust's ``<prefix>_stats.csv`` as rows: name, requests, failures, rps, p50, p95, p99 (ms)."""

    def num(row: dict, key: str) -> float:
        value = row.get(key) or "0"
        return 0.0 if value == "N/A" else float(value)

    rows = []
    with open(stats_csv, newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "name": row["Name"],
                    "requests": int(num(row, "Request Count")),
                    "failures": int(num(row, "Failure Count")),
                    "rps": num(row, "Requests/s"),
                    "p50": num(row, "50%"),
                    "p95": num(row, "95%"),
                    "p99": num(row, "99%"),
                }
            )
    return rows


def format_step(users: int, rows: list[dict], cpu: dict, rss: tuple[float, float, float, float], seconds: float) -> str:
    """The table for one step, plus CPU split and worker memory (sum of workers at start and end, then per worker)."""
    order = {name: i for i, name in enumerate((*ENDPOINTS, "Aggregated"))}
    lines = [
        f"{users} user{'s' if users != 1 else ''}, {seconds:.0f} s",
        f"  {'endpoint':<12} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failures':>9}",
    ]
    for row in sorted(rows, key=lambda r: order.get(r["name"], len(order))):
        name = "all" if row["name"] == "Aggregated" else row["name"]
        lines.append(
            f"  {name:<12} {row['requests']:>9,} {row['rps']:>7.1f} {row['p50']:>8.0f} {row['p95']:>8.0f} "
            f"{row['p99']:>8.0f} {row['failures']:>9,}"
        )
    app, db = cpu.get("app", 0.0), cpu.get("db", 0.0)
    total = app + db
    share = f" ({app / total:.0%} app / {db / total:.0%} PostgreSQL)" if total else ""
    lines.append(f"  CPU seconds: gunicorn workers {app:.1f}, PostgreSQL backends {db:.1f}{share}")
    if "locust" in cpu:
        # On the same cores: what the load generator itself took from them.
        lines.append(f"  CPU seconds of the load generator (locust): {cpu['locust']:.1f}")
    lines.append(
        f"  worker RSS: {rss[0]:.0f} MiB at start, {rss[1]:.0f} MiB at end (per worker: {rss[2]:.0f} -> {rss[3]:.0f} MiB)"
    )
    return "\n".join(lines)


# --- the users -------------------------------------------------------------------------------


def make_users(path: Path, *, staff_count: int, intake_systems: int = 1) -> None:
    """Signed-in, two-factor-passed sessions for distinct staff; API tokens; written as JSON."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, User
    from accounts.two_factor import SSO_TWO_FACTOR_SESSION_KEY
    from referrals.models import Referral

    staff = []
    roles = [Role.LINK_WORKER, Role.CLINICIAN, Role.TEAM_MANAGER]
    chosen: list[User] = []
    per_role = max(1, staff_count // len(roles) + 1)
    for role in roles:
        users = User.objects.filter(role=role, is_active=True, memberships__isnull=False).distinct().order_by("pk")
        if role != Role.TEAM_MANAGER:
            users = users.filter(allocations__ended_at__isnull=True)
        chosen.extend(users.distinct()[:per_role])
    for user in chosen[:staff_count]:
        client = Client()
        client.force_login(user)
        session = client.session
        session[SSO_TWO_FACTOR_SESSION_KEY] = True
        session.save()
        held = Referral.objects.filter(allocated_to=user, ended_at__isnull=True).order_by("pk")
        if not held.exists():
            held = Referral.objects.filter(team__memberships__user=user, ended_at__isnull=True).order_by("pk")
        pairs = list(held.values_list("pk", "person_id")[:25])
        staff.append(
            {
                "username": user.username,
                "session": session.session_key,
                "referrals": [r for r, _ in pairs],
                "people": [p for _, p in pairs],
            }
        )
    # Intake systems: one account in the mix; with --intake, one per locust user, each its own
    # system with its own per-account rate limit (API_RATE), as several GP and intake systems are.
    intakes = [
        User.objects.get_or_create(
            username="bench-load-intake" if n == 0 else f"bench-load-intake-{n}",
            defaults={
                "role": Role.INTAKE,
                "password": make_password(None),
                "first_name": "Load",
                "last_name": f"Intake {n}",
            },
        )[0]
        for n in range(max(1, intake_systems))
    ]
    api = []
    for n in range(max(len(intakes), min(10, len(chosen)), 1)):
        user = chosen[n % len(chosen)] if chosen else intakes[0]
        api.append(
            {
                "token": Token.objects.get_or_create(user=user)[0].key,
                "intake_token": Token.objects.get_or_create(user=intakes[n % len(intakes)])[0].key,
            }
        )
    # The referrals sent go to a practice of their own, in a locality of their own whose intake team
    # has no members: nobody signed in sees them. In a service the triage queue is worked as it
    # fills; here nobody triages, so referrals sent into the measured staff's queues made each
    # step's pages longer than the last (about 130 a run in the mix; one afternoon's --intake runs
    # sent over 100,000, and a 75-user run's p95 went from about 200 ms to 2 s). Choosing a
    # locality none of the run's staff work in did not do: on the bench database all six have some.
    practice = _load_test_practice()
    path.write_text(
        json.dumps({"staff": staff, "api": api, "practice": practice, "cookie": settings.SESSION_COOKIE_NAME})
    )
    print(
        f"Users: {len(staff)} members of staff signed in, {len(api)} API tokens, intake practice {practice}", flush=True
    )


LOAD_TEST_LOCALITY = "load-test"


def close_load_test_referrals() -> int:
    """Close the referrals runs sent to the load test's own locality and stop their clocks.

    Nobody triages them, so without this every run leaves its referrals awaiting a first response:
    after an evening of intake runs (about 100,000), the open first-response clocks had grown
    tenfold and the triage queue's semi-join with them (and so every page that reads it) slowed
    from about 10 to 160 ms, for staff who never see one of those referrals. Run before and after
    each run; a benchmark database only. Returns how many were closed."""
    from django.db import transaction
    from django.db.models.functions import Now

    from referrals.models import Clock, Referral

    left_open = Referral.objects.filter(locality__code=LOAD_TEST_LOCALITY).exclude(
        status__in=[Referral.Status.DISCHARGED, Referral.Status.CLOSED]
    )
    with transaction.atomic():
        Clock.all_kinds.filter(referral__in=left_open, stopped_at__isnull=True).update(
            stopped_at=Now(), stop_reason=Clock.StopReason.REFERRAL_ENDED, next_check_at=None, paused_at=None
        )
        return left_open.update(
            status=Referral.Status.CLOSED,
            closure_reason=Referral.ClosureReason.OTHER,
            ended_at=Now(),
            status_changed_at=Now(),
        )


def _load_test_practice() -> str:
    """The ODS code of the load test's own practice, made on first use with its locality and a
    team that nobody is a member of (synthetic: Y99999 is no real practice)."""
    from localities.models import Locality, Organisation, Practice, Team

    locality, _ = Locality.objects.get_or_create(
        code=LOAD_TEST_LOCALITY, defaults={"name": "Load test (nobody works here)"}
    )
    if locality.intake_team_id is None:
        organisation = Organisation.objects.order_by("pk").first()
        team, _ = Team.objects.get_or_create(
            name="Load test intake (no members)",
            defaults={"organisation": organisation, "locality": locality, "kind": Team.Kind.LOCALITY},
        )
        locality.intake_team = team
        locality.save(update_fields=["intake_team"])
    practice, _ = Practice.objects.get_or_create(
        ods_code="Y99999", defaults={"name": "Load test practice", "locality": locality}
    )
    return practice.ods_code


# --- measuring -------------------------------------------------------------------------------


def worker_class(threads: int) -> list[str]:
    """gunicorn's worker class: sync, or gthread with that many threads a worker."""
    return ["--worker-class", "sync"] if threads < 1 else ["--worker-class", "gthread", "--threads", str(threads)]


def worker_kind(threads: int) -> str:
    return "sync" if threads < 1 else f"gthread ({threads} threads each)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_processes(master_pid: int) -> list:
    import psutil

    try:
        return psutil.Process(master_pid).children()
    except psutil.NoSuchProcess:
        return []


def cpu_snapshot(master_pid: int, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) of each gunicorn worker and each PostgreSQL backend of the database."""
    import psutil
    from django.db import connection

    def seconds(proc) -> float | None:
        try:
            t = proc.cpu_times()
            return t.user + t.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None

    app = {p.pid: s for p in worker_processes(master_pid) if (s := seconds(p)) is not None}
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        pids = [row[0] for row in cur.fetchall()]
    db = {}
    for pid in pids:
        try:
            if (s := seconds(psutil.Process(pid))) is not None:
                db[pid] = s
        except psutil.NoSuchProcess:
            pass
    return {"app": app, "db": db}


class CpuSampler:
    """The CPU seconds the step's gunicorn workers and PostgreSQL backends used, sampled every half
    second while it runs. Two snapshots (start and end) miss a backend that ends within the step:
    gunicorn's connections last ``DB_CONN_MAX_AGE`` (60 s), so in a step of 60 s most are replaced
    and their CPU went uncounted (a 75-user step once showed 0.5 CPU seconds of PostgreSQL). Here a
    process that ends is counted up to its last sample (at most half a second lost each); one that
    starts within the step counts from zero."""

    def __init__(self, master_pid: int, database: str, every: float = 0.5) -> None:
        import threading

        self.master_pid, self.database, self.every = master_pid, database, every
        self.first: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {"app": {}, "db": {}}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        snapshot = cpu_snapshot(self.master_pid, self.database)
        if not self.first:
            self.first = snapshot
        for kind, values in snapshot.items():
            self.last[kind].update(values)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(self.every):
                self._sample()
        finally:
            connection.close()

    def __enter__(self) -> "CpuSampler":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def used(self) -> dict[str, float]:
        return cpu_delta(self.first, self.last)


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    return {
        kind: sum(max(0.0, value - before[kind].get(pid, 0.0)) for pid, value in after[kind].items())
        for kind in ("app", "db")
    }


def worker_rss_mib(master_pid: int) -> float:
    import psutil

    total = 0
    for proc in worker_processes(master_pid):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def wait_for(url: str, timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    sys.exit(f"gunicorn did not answer at {url} within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from bench_support import load_test_open

    bench = load_test_open(
        database=args.database, rebuild=args.rebuild, referrals=args.referrals, redis=bool(os.environ.get("REDIS_URL"))
    )
    from django.db import connection

    workdir = Path(tempfile.mkdtemp(prefix="bench_load_"))
    users_file = workdir / "users.json"
    make_users(users_file, staff_count=max(args.steps), intake_systems=max(args.steps) if args.intake else 1)
    if closed := close_load_test_referrals():
        print(f"Closed {closed:,} referrals earlier runs left open in the load test's locality", flush=True)
    connection.close()

    port = args.port or free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "BENCH_LOAD_USERS": str(users_file),
        "PYTHONWARNINGS": "ignore:No directory at",  # no collectstatic needed to measure pages
    }
    if args.intake:
        # Intake alone measures what the service can take in, not the per-account limit: each
        # system sends back to back, which a real one never does for long (API_RATE is a setting;
        # an API_RATE in the environment is kept).
        env.setdefault("API_RATE", "100000/minute")
    production: list[str] = []
    if not args.plain_gunicorn:
        # As docker compose and the image run it: production's settings, which write an access-log
        # line per request to stdout (here a file), and the metrics kept across workers in files.
        production = ["-c", "python:config.gunicorn"]
        (workdir / "prometheus").mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(workdir / "prometheus")
    access_log = open(workdir / "gunicorn_access.log", "w")  # noqa: SIM115  # closed after gunicorn
    root = HERE.parent.parent
    bin_dir = Path(sys.executable).parent
    gunicorn = subprocess.Popen(
        [str(bin_dir / "gunicorn"), *production, "config.wsgi", "--workers", str(args.workers),
         *worker_class(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=root, env=env, stdout=access_log,
    )  # fmt: skip
    host = f"http://127.0.0.1:{port}"
    load = os.getloadavg()
    print(
        f"gunicorn: {args.workers} {worker_kind(args.threads)} workers, DEBUG off, "
        f"{'without production settings' if args.plain_gunicorn else 'production settings (access log, metrics files)'}, "
        f"at {host}; {os.cpu_count()} CPU cores, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; database {bench.database}",
        flush=True,
    )
    try:
        wait_for(host + "/healthz")
        for users in args.steps:
            prefix = workdir / f"step_{users}"
            rss_start = worker_rss_mib(gunicorn.pid)
            step_started = database_now()
            connection.close()
            started = time.monotonic()
            locust_log = Path(f"{prefix}_locust.log")
            generator_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with open(locust_log, "w") as log, CpuSampler(gunicorn.pid, bench.database) as sampler:
                subprocess.run(
                    [str(bin_dir / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--host", host,
                     "--users", str(users), "--spawn-rate", str(max(1, users)), "--run-time", f"{args.duration}s",
                     "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
                     "Intake" if args.intake else "Staff"],
                    cwd=root, env=env, check=False, stdout=subprocess.DEVNULL, stderr=log,
                )  # fmt: skip
            elapsed = time.monotonic() - started
            if not Path(f"{prefix}_stats.csv").exists():
                sys.exit(f"locust wrote no figures; its log ends:\n{locust_log.read_text()[-2000:]}")
            generator_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = {
                **sampler.used(),
                "locust": (generator_after.ru_utime + generator_after.ru_stime)
                - (generator_before.ru_utime + generator_before.ru_stime),
            }
            connection.close()
            rss_end = worker_rss_mib(gunicorn.pid)
            rows = read_stats(Path(f"{prefix}_stats.csv"))
            print()
            workers = max(1, len(worker_processes(gunicorn.pid)))
            rss = (rss_start, rss_end, rss_start / workers, rss_end / workers)
            print(format_step(users, rows, cpu, rss, elapsed), flush=True)
            if args.intake:
                print(intake_made(since=step_started), flush=True)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        access_log.close()
        print(f"Closed the {close_load_test_referrals():,} referrals this run sent", flush=True)
    print()
    print(f"Locust's CSV files: {workdir}")


def database_now():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def intake_made(*, since) -> str:
    """What the step's referrals became: none twice, and no person twice."""
    from django.db.models import Count

    from referrals.models import Person, Referral

    made = Referral.objects.filter(created_by__username__startswith="bench-load-intake", created_at__gte=since)
    twice = made.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    people = Person.objects.filter(referrals__in=made).distinct()
    same_number = (
        Person.objects.filter(nhs_number__in=people.values("nhs_number")).values("nhs_number")
        .annotate(n=Count("id")).filter(n__gt=1).count()
    )  # fmt: skip
    return (
        f"  intake: {made.count()} referrals made for {people.count()} people; "
        f"Idempotency-Keys used twice: {twice}; NHS numbers held by two people: {same_number}"
    )


if __name__ == "__main__":
    main()
