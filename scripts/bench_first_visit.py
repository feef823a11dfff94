"""The first dashboard visit after a start, against the later ones. Not a test.

    VAR_DIR=var .venv/bin/python scripts/bench_first_visit.py --runs 5

Works on the database the settings name (``make run``'s demo by default). Each run is a fresh
Python process, as after a restart: it signs in as the first active service manager and times
the waits dashboard (``/dashboard/``) through Django's test client three times, then the flow
page once, after loading ``config.wsgi`` as gunicorn and runserver do (timed as "start"). It prints each run and the medians. What a first visit can cost beyond the later
ones: building the reporting tables if nobody has (``make demo`` and the worker now do it
before anyone asks: reporting.rebuild.facts_warm), catching up a backlog, and the process's
own first-request work (imports, URL resolver, templates: config/wsgi.py now imports the
URLconf as the worker starts).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def child() -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    started = time.perf_counter()
    import config.wsgi  # noqa: F401  # what gunicorn and runserver load as a worker starts

    boot = time.perf_counter() - started
    from django.test import Client

    from accounts.models import Role, User

    manager = User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).order_by("pk").first()
    if manager is None:
        sys.exit("No active service manager: load the demo first (make demo).")
    client = Client()
    client.force_login(manager)
    times = {"start": boot}
    for label, url in (("first", "/dashboard/"), ("second", "/dashboard/"), ("third", "/dashboard/")):
        started = time.perf_counter()
        response = client.get(url, {"period": "52w"})
        times[label] = time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    started = time.perf_counter()
    client.get("/dashboard/flow/", {"period": "52w"})
    times["flow (first)"] = time.perf_counter() - started
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    rows = []
    for run in range(1, args.runs + 1):
        out = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, cwd=PROJECT_ROOT, check=False
        )
        if out.returncode:
            sys.exit(out.stderr or out.stdout)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"run {run}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in row.items()))
    print(
        f"median of {args.runs} fresh processes: "
        + ", ".join(f"{k} {statistics.median(r[k] for r in rows) * 1000:.0f} ms" for k in rows[0])
    )


if __name__ == "__main__":
    main()
