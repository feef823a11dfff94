"""The load test's pieces: its users follow the issue's mix, the runner reads its options and
prints locust's figures as a table, and the whole thing runs end to end on a tiny database.
Timings are printed by the tools, never asserted here."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest

from referrals.nhs_number import nhs_number_check_digit

ROOT = Path(__file__).resolve().parents[2]
LOAD = ROOT / "scripts" / "bench_load"


def load(name: str, path: Path):
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def locustfile() -> dict:
    """What the locust file declares, read in a subprocess: importing locust monkey-patches the
    whole interpreter with gevent, which the test process must not have."""
    probe = (
        "import json, locustfile as f; "
        "print(json.dumps({'weights': {n: getattr(f.Staff, n).locust_task_weight for n in f.MIX}, "
        "'mix': f.MIX, 'numbers': [f.nhs_number() for _ in range(50)]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=LOAD, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runner():
    return load("bench_load_run", LOAD / "run.py")


def test_the_users_follow_the_issues_mix_of_pages(locustfile):
    assert (
        locustfile["weights"]
        == locustfile["mix"]
        == {
            "caseload": 30,
            "person": 25,
            "triage": 15,
            "team": 10,
            "api_list": 10,
            "contacts": 5,
            "api_intake": 5,
        }
    )
    assert sum(locustfile["weights"].values()) == 100


def test_each_intake_carries_a_valid_synthetic_nhs_number(locustfile):
    for number in locustfile["numbers"]:
        assert len(number) == 10
        assert nhs_number_check_digit(number[:9]) == int(number[9])


def test_the_runner_steps_through_1_10_25_and_50_users_by_default(runner):
    args = runner.parse_args([])
    assert args.steps == [1, 10, 25, 50]
    assert args.referrals == 1_000_000
    assert args.workers == 5
    quick = runner.parse_args(["--referrals", "20000", "--duration", "20", "--users", "1,10"])
    assert (quick.referrals, quick.duration, quick.steps) == (20_000, 20, [1, 10])


@pytest.mark.parametrize("bad", [["--users", "ten"], ["--users", "0"], ["--duration", "0"], ["--referrals", "10"]])
def test_the_runner_refuses_options_that_cannot_run(runner, bad):
    with pytest.raises(SystemExit):
        runner.parse_args(bad)


def test_a_step_is_printed_per_endpoint_with_percentiles_failures_cpu_and_memory(runner, tmp_path):
    stats = tmp_path / "step_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,person,20,1,90,95,50,300,1000,1.0,0.05,90,95,100,110,150,200,250,290,300,300,300\n"
        "GET,caseload,30,0,100,105,60,400,1000,1.5,0.0,100,110,120,130,200,250,300,350,400,400,400\n"
        ",Aggregated,50,1,95,100,50,400,1000,2.5,0.05,95,100,110,120,180,240,280,330,400,400,400\n"
    )
    rows = runner.read_stats(stats)
    text = runner.format_step(10, rows, {"app": 30.0, "db": 10.0}, (500.0, 520.0, 100.0, 104.0), 20.0)
    print(text)
    lines = text.splitlines()
    assert lines[0].startswith("10 users")
    # caseload before person (the issue's order), the whole last
    assert [line.split()[0] for line in lines[2:5]] == ["caseload", "person", "all"]
    assert lines[3].split() == ["person", "20", "1.0", "90", "200", "290", "1"]
    assert "gunicorn workers 30.0, PostgreSQL backends 10.0 (75% app / 25% PostgreSQL)" in text
    assert "500 MiB at start, 520 MiB at end (per worker: 100 -> 104 MiB)" in text


def test_the_referrals_a_run_sent_are_closed_with_their_clocks_and_nobody_elses(runner, trust, intake, north_practice):
    from localities.models import Practice
    from referrals.models import Clock, Referral
    from tests.factories import make_referral

    sent = [
        make_referral(by=intake, practice=Practice.objects.get(ods_code=runner._load_test_practice())) for _ in "ab"
    ]
    someone_elses = make_referral(by=intake, practice=north_practice)

    assert runner.close_load_test_referrals() == 2

    for referral in sent:
        referral.refresh_from_db()
        assert (referral.status, referral.ended_at is not None) == (Referral.Status.CLOSED, True)
        assert not Clock.all_kinds.filter(referral=referral, stopped_at__isnull=True).exists()
    someone_elses.refresh_from_db()
    assert someone_elses.status == Referral.Status.RECEIVED
    assert Clock.objects.filter(referral=someone_elses, stopped_at__isnull=True).count() == 2
    assert runner.close_load_test_referrals() == 0  # the next run's start finds nothing left open


@pytest.mark.slow
def test_the_load_test_runs_end_to_end_on_a_tiny_database():
    """gunicorn, real signed-in users and locust for a few seconds at 1 user: every page answers."""
    url = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    database = f"test_{(url.path.strip('/') or 'caseload')}_load_bench"
    server = url._replace(path="/postgres").geturl()
    env = {**os.environ, "DATABASE_URL": server}
    try:
        result = subprocess.run(
            [sys.executable, str(LOAD / "run.py"), "--referrals", "1000", "--database", database,
             "--duration", "4", "--users", "1", "--workers", "2"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=170,
        )  # fmt: skip
    finally:
        conn = psycopg2.connect(server.replace("postgres://", "postgresql://"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.close()
    print(result.stdout[-3000:], result.stderr[-3000:])
    assert result.returncode == 0
    assert "1 user, " in result.stdout
    assert "CPU seconds: gunicorn workers" in result.stdout
    table = result.stdout.split("1 user, ")[1]
    all_row = next(line for line in table.splitlines() if line.split()[:1] == ["all"])
    requests = int(all_row.split()[1].replace(",", ""))
    assert requests > 0  # some requests were made
    assert all_row.split()[-1] == "0"  # and none failed
    # gunicorn ran as production runs it: config/gunicorn.py's access log, a line per request.
    assert "production settings (access log, metrics files)" in result.stdout
    workdir = Path(result.stdout.split("Locust's CSV files: ")[1].strip())
    assert len((workdir / "gunicorn_access.log").read_text().splitlines()) >= requests
