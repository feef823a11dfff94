"""The dashboards work on the SQLite demo: no percentile_cont there, so centiles come from Python.

Runs `manage.py migrate` and a `manage.py shell` script in a fresh process with no
DATABASE_URL, as `make run` does, against a throwaway SQLite file.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

RENDER = """
import json
from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from tests.factories import LocalityFactory, PracticeFactory, TeamFactory, UserFactory
from tests.reporting.conftest import build_service, csv_table, page_tables

settings.ALLOWED_HOSTS = ["*"]
locality = LocalityFactory(name="Demo locality", code="demo")
team = TeamFactory(name="Demo IPCT", locality=locality)
locality.intake_team = team
locality.save()
practice = PracticeFactory(locality=locality)
clinician = UserFactory(username="demo-clinician", role=Role.CLINICIAN, organisation=team.organisation, teams=[team])
build_service(by=clinician, practice=practice, now=timezone.now())
client = Client()
client.force_login(clinician)
found = {}
for url in ["/dashboard/", "/dashboard/breaches/", "/dashboard/capacity/", "/dashboard/equality/", "/dashboard/flow/"]:
    response = client.get(url, {"period": "13w"})
    found[url] = response.status_code
found["/dashboard/national/"] = client.get("/dashboard/national/").status_code
# The local promise's figures, counted in the database, against its rows (this month and the last).
from reporting.local_promise import local_response_24h, local_response_24h_figures
from reporting.measures import parse_period

today = timezone.localdate()
found["local"] = []
for month in (today, today.replace(day=1) - timedelta(days=1)):
    period = parse_period(f"{month:%Y-%m}", quarterly=False)
    found["local"].append(
        [[r.numerator, r.denominator, r.still_waiting] for r in (local_response_24h(period), local_response_24h_figures(period))]
    )
headline = page_tables(client.get("/dashboard/", {"period": "13w"}))["headline"]
found["headline"] = headline
found["csv"] = csv_table(client, "/dashboard/", {"period": "13w"}, "headline") == headline
print("RESULT " + json.dumps(found))
"""


def test_every_page_renders_on_sqlite_with_the_same_figures(tmp_path):
    env = {key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PATH") if key in os.environ}
    env.update(PYTHONPATH=str(PROJECT_ROOT), DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path))
    manage = [sys.executable, str(PROJECT_ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True, timeout=300, cwd=PROJECT_ROOT)

    done = subprocess.run(
        [*manage, "shell", "-c", RENDER], env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert {url: status for url, status in result.items() if url.startswith("/")} == dict.fromkeys(
        [
            "/dashboard/",
            "/dashboard/breaches/",
            "/dashboard/capacity/",
            "/dashboard/equality/",
            "/dashboard/flow/",
            "/dashboard/national/",
        ],
        200,
    )
    for from_rows, counted_in_the_database in result["local"]:
        assert counted_in_the_database == from_rows
    assert sum(counted + waiting for (_, counted, waiting), _ in result["local"]) > 0
    rows = {row[0]: row[1:] for row in result["headline"]}
    # The same hand-worked figures as on PostgreSQL (tests/reporting/test_waits.py).
    assert rows["Median wait"] == ["5.5 hours", "19.0 days"]
    assert rows["90th centile wait"] == ["11.1 hours", "31.0 days"]
    assert rows["Within target (%)"] == ["90.0%", "80.0%"]
    assert result["csv"] is True
