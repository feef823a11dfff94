"""Prove that upgrading a database from the code before the app restructure keeps every row and
every dashboard figure.

The restructure (after commit 68bc1e8) moved models between apps with state-only migrations
(``caseload.Allocation`` to ``referrals``; the reporting tables' models to ``reporting``; the
grants to ``access``), moved the dashboards to ``reporting/`` and the demo to ``demo/``. No table
is renamed, so an existing database must come through ``migrate`` with every row, and the
dashboards must draw the same figures from it.

What it does:

1. Checks out the old commit in a git worktree outside the repository (``/tmp/upgrade-old``), or
   uses ``--old-dir``.
2. With the OLD code: drops and recreates the database ``caseload_upgrade_check``, runs
   ``migrate`` and ``load_demo``, builds the dashboards' reporting tables, then collects
   (a) every table in the public schema: its row count and a fingerprint of its contents, and
   (b) every CSV download of every dashboard page, through Django's test client, as the demo's
   superuser (aggregates only) and as a team manager (who also gets the lists of referrals),
   for several periods and filters, every "by" choice on the equality page, and in two passes:
   "stored" (the reporting tables as they are in the database) and "rebuilt" (after this
   code's ``facts_rebuild`` refills them from the records).
3. With the NEW code (the working tree): runs ``migrate`` on the same database (no reload) and
   collects the same.
4. Compares: every table's row count and contents, every CSV byte for byte. The only tables
   allowed to differ are Django's bookkeeping (``EXPLAINED`` below, with the reason). Prints a
   short report; exits 1 on any unexplained difference.

The demo is generated up to the real time of loading and the dashboards count up to "now", so
the collector freezes the clock (``time_machine``, no ticking) at one instant, chosen after the
load, on both sides. The CSV passes run inside a transaction that is rolled back, so collecting
leaves the database as it was (the test client's logins write audit events).

Run from the repository root, with PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379::

    .venv/bin/python scripts/check_upgrade.py                  # worktree made and removed
    .venv/bin/python scripts/check_upgrade.py --keep           # keep /tmp/upgrade-old
    .venv/bin/python scripts/check_upgrade.py --old-dir /tmp/upgrade-old

Options: ``--referrals N`` (demo size, default load_demo's 2000), ``--work-dir`` (logs and the
two sides' JSON, default /tmp/upgrade-check). Celery runs eagerly (CELERY_TASK_ALWAYS_EAGER), so
no worker or broker is needed.
"""

import argparse
import difflib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
OLD_COMMIT = "68bc1e8"
DEFAULT_OLD_DIR = Path("/tmp/upgrade-old")
DB_NAME = "caseload_upgrade_check"
DB_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/10"

# Tables whose rows legitimately change in an upgrade: Django's own records of the schema.
EXPLAINED = {
    "django_migrations": "one row per migration applied: the new code's migrations are added (listed)",
    "django_content_type": "the moved models' content types are relabelled to their new apps (same ids)",
    "auth_permission": "a permission per model and action; Django adds any a new model state needs",
}

# The tables of the models that changed app (names kept): the rows the restructure must not lose.
MOVED = (
    "caseload_allocation",
    "referrals_referralfact",
    "referrals_clockfact",
    "referrals_weeklyrollup",
    "referrals_weeklypercentile",
    "referrals_dailyequalityrollup",
    "referrals_reportingstate",
    "accounts_persongrant",
    "accounts_personshare",
    "accounts_breakglassreview",
)

# Runs in each checkout (cwd = the checkout, so its own code is imported): collects row counts,
# table fingerprints and the dashboard CSVs, and writes them as JSON. argv: side, at, out.
COLLECTOR = r'''
import html, importlib, json, re, sys
from datetime import datetime, timedelta

import django

django.setup()

import time_machine
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client

from accounts.models import User
from referrals.models import Referral

side, at, out = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]
warm = "--warm" in sys.argv
package = "reporting" if apps.is_installed("reporting") else "referrals.reporting"
rebuild = importlib.import_module(f"{package}.rebuild")
PAGES = ["/dashboard/", "/dashboard/breaches/", "/dashboard/capacity/", "/dashboard/equality/", "/dashboard/flow/"]


class Rollback(Exception):
    pass


def tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        names = [row[0] for row in cursor.fetchall()]
        found = {}
        for name in names:
            q = connection.ops.quote_name(name)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {q} t"
            )
            rows, digest = cursor.fetchone()
            found[name] = {"rows": rows, "md5": digest}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
        cursor.execute("SELECT id, app_label, model FROM django_content_type ORDER BY id")
        content_types = [f"{pk}:{app}.{model}" for pk, app, model in cursor.fetchall()]
    return found, migrations, content_types


def busiest(field):
    row = Referral.objects.values(field).annotate(n=Count("pk")).order_by("-n", field).first()
    return row[field]


def variants():
    """The same query strings on both sides: periods, dates chosen by hand, and each filter."""
    today = at.date()
    first, last = today - timedelta(days=120), today - timedelta(days=7)
    team = busiest("team")
    return [
        "",
        "period=4w",
        "period=52w",
        f"from-day={first.day}&from-month={first.month}&from-year={first.year}"
        f"&to-day={last.day}&to-month={last.month}&to-year={last.year}",
        f"period=52w&locality={busiest('locality')}",
        f"period=52w&team={team}",
        f"period=52w&service={busiest('team__kind')}",
        f"period=52w&source={busiest('source')}&urgency={busiest('urgency')}",
    ]


def users():
    admin = User.objects.get(username="admin", is_superuser=True)
    manager = User.objects.filter(role="team_manager", is_active=True).order_by("username").first()
    return [("superuser", admin), ("team_manager", manager)]


def get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{side}: GET {url} answered {response.status_code}")
    return response


def csvs(label):
    found = {}
    for who, user in users():
        client = Client()
        client.force_login(user)
        for query in variants():
            for page in PAGES:
                url = f"{page}?{query}" if query else page
                pages = [url]
                if page.endswith("/equality/"):
                    body = html.unescape(get(client, url).content.decode())
                    joiner = "&" if query else "?"
                    bys = sorted(set(re.findall(r"[?&]by=([\w-]+)", body)))
                    pages += [f"{url}{joiner}by={by}" for by in bys]
                for page_url in pages:
                    body = html.unescape(get(client, page_url).content.decode())
                    keys = sorted(set(re.findall(r"[?&]csv=([\w-]+)", body)))
                    if not keys:
                        raise SystemExit(f"{side}: no CSV links on {page_url}")
                    for key in keys:
                        joiner = "&" if "?" in page_url else "?"
                        csv_url = f"{page_url}{joiner}csv={key}"
                        response = get(client, csv_url)
                        found[f"{label} {who} {csv_url}"] = {
                            "type": response["Content-Type"],
                            "disposition": response["Content-Disposition"],
                            "body": response.content.decode("utf-8"),
                        }
    return found


with time_machine.travel(at, tick=False):
    if warm:  # the old side builds the reporting tables once, as its dashboards would have
        assert rebuild.facts_ensure_current(now=at).ready
    result = {"side": side, "at": at.isoformat(), "package": package, "csv": {}}
    result["tables"], result["migrations"], result["content_types"] = tables()
    for label in ("stored", "rebuilt"):
        try:
            with transaction.atomic():
                if label == "rebuilt":
                    rebuild.facts_rebuild(now=at)
                result["csv"].update(csvs(label))
                raise Rollback
        except Rollback:
            pass

with open(out, "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)
print(f"{side}: {len(result['tables'])} tables, {len(result['csv'])} CSVs -> {out}")
'''


def environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_", "PYTHON"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{DB_SERVER}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "true",  # tasks run in the process: no worker, no broker
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_DEBUG": "false",
        "DJANGO_PRODUCTION": "false",
        "REQUIRE_TWO_FACTOR": "false",
        "VAR_DIR": str(var_dir),  # the demo's sent email and the like, away from the checkouts
        "LOG_LEVEL": "WARNING",
    }
    return env


def run(args: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> None:
    """Run one step in a checkout, its output to a log; stop with the log's tail if it fails."""
    shown = " ".join("<COLLECTOR>" if arg == COLLECTOR else arg for arg in args)
    with log.open("a") as f:
        f.write(f"\n$ (cd {cwd}) {shown}\n")
        f.flush()
        done = subprocess.run(args, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT, check=False)
    if done.returncode:
        tail = log.read_text().splitlines()[-30:]
        sys.exit(f"FAILED: {shown} in {cwd} (exit {done.returncode}); {log}:\n" + "\n".join(tail))


def recreate_database() -> None:
    import psycopg2
    import redis

    conn = psycopg2.connect(f"{DB_SERVER}/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        conn.close()

    redis.Redis.from_url(REDIS_URL).flushdb()  # db 10 is this check's own (sessions)


def worktree(args: list[str]) -> None:
    """``git worktree add`` or ``remove --force``: the only git commands this script runs."""
    done = subprocess.run(["git", "-C", str(REPO), "worktree", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"git worktree {' '.join(args)} failed: {done.stderr.strip()}")


def compare_tables(old: dict, new: dict) -> tuple[list[str], list[str]]:
    lines, unexplained = [], []
    a, b = old["tables"], new["tables"]
    for name in sorted(a.keys() - b.keys()):
        unexplained.append(f"  {name}: only before the upgrade ({a[name]['rows']} rows)")
    for name in sorted(b.keys() - a.keys()):
        unexplained.append(f"  {name}: only after the upgrade ({b[name]['rows']} rows)")
    for name in sorted(a.keys() & b.keys()):
        before, after = a[name], b[name]
        if before == after:
            continue
        what = f"{before['rows']} -> {after['rows']} rows" + (
            ", contents differ" if before["md5"] != after["md5"] else ""
        )
        if name in EXPLAINED:
            lines.append(f"  {name}: {what}; explained: {EXPLAINED[name]}")
        else:
            unexplained.append(f"  {name}: {what}")
    added = sorted(set(new["migrations"]) - set(old["migrations"]))
    if added:
        lines.append(f"    migrations applied by the upgrade: {', '.join(added)}")
    relabelled = sorted(set(new["content_types"]) - set(old["content_types"]))
    if relabelled:
        was = {ct.split(":")[0]: ct.split(":")[1] for ct in old["content_types"]}
        moves = [f"{was.get(ct.split(':')[0], '(new)')} -> {ct.split(':')[1]}" for ct in relabelled]
        lines.append(f"    content types: {', '.join(moves)}")
    return lines, unexplained


def compare_csvs(old: dict, new: dict) -> list[str]:
    problems = []
    a, b = old["csv"], new["csv"]
    for key in sorted(a.keys() - b.keys()):
        problems.append(f"  only before the upgrade: {key}")
    for key in sorted(b.keys() - a.keys()):
        problems.append(f"  only after the upgrade: {key}")
    for key in sorted(a.keys() & b.keys()):
        if a[key] == b[key]:
            continue
        problems.append(f"  differs: {key}")
        for field in ("type", "disposition"):
            if a[key][field] != b[key][field]:
                problems.append(f"    {field}: {a[key][field]!r} -> {b[key][field]!r}")
        diff = difflib.unified_diff(
            a[key]["body"].splitlines(), b[key]["body"].splitlines(), "before", "after", lineterm="", n=1
        )
        problems.extend(f"    {line}" for line in list(diff)[:20])
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-dir", type=Path, help="an existing checkout of the old commit (not removed)")
    parser.add_argument("--keep", action="store_true", help=f"keep the worktree made at {DEFAULT_OLD_DIR}")
    parser.add_argument("--referrals", type=int, help="demo size for load_demo (default: its own)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/upgrade-check"))
    opts = parser.parse_args()

    started = time.monotonic()
    work = opts.work_dir
    work.mkdir(parents=True, exist_ok=True)
    made_worktree = opts.old_dir is None
    old_dir = opts.old_dir or DEFAULT_OLD_DIR
    if made_worktree:
        if old_dir.exists():
            worktree(["remove", "--force", str(old_dir)])
        worktree(["add", "--detach", str(old_dir), OLD_COMMIT])
    if not (old_dir / "referrals" / "reporting" / "urls.py").exists():
        sys.exit(f"{old_dir} does not look like the code before the restructure (no referrals/reporting/)")

    try:
        python = str(PYTHON)
        old_env, new_env = environment(work / "var-old"), environment(work / "var-new")
        old_json, new_json = work / "old.json", work / "new.json"
        log = work / "log.txt"
        log.write_text("")

        print(f"Old code {old_dir}, new code {REPO}, database {DB_NAME}; log {log}")
        recreate_database()
        run([python, "manage.py", "migrate", "--no-input"], cwd=old_dir, env=old_env, log=log)
        size = ["--referrals", str(opts.referrals)] if opts.referrals is not None else []
        run([python, "manage.py", "load_demo", *size], cwd=old_dir, env=old_env, log=log)
        at = datetime.fromtimestamp(int(time.time()), UTC).isoformat()  # the instant both sides count to
        run([python, "-c", COLLECTOR, "old", at, str(old_json), "--warm"], cwd=old_dir, env=old_env, log=log)
        run([python, "manage.py", "migrate", "--no-input"], cwd=REPO, env=new_env, log=log)
        run([python, "-c", COLLECTOR, "new", at, str(new_json)], cwd=REPO, env=new_env, log=log)
    finally:
        if made_worktree and not opts.keep:
            worktree(["remove", "--force", str(old_dir)])

    old, new = json.loads(old_json.read_text()), json.loads(new_json.read_text())
    explained, unexplained_tables = compare_tables(old, new)
    csv_problems = compare_csvs(old, new)

    a, b = old["tables"], new["tables"]
    same = sum(1 for name in a.keys() & b.keys() if a[name] == b[name])
    print(f"Dashboards counted at {at} (clock frozen on both sides)")
    print(
        f"Tables: {len(a)} before, {len(b)} after; {same} identical (row count and contents); "
        f"rows {sum(t['rows'] for t in a.values()):,} before, {sum(t['rows'] for t in b.values()):,} after"
    )
    data = {name for name in a.keys() & b.keys() if name not in EXPLAINED}
    empty = sum(1 for n in data if a[n]["rows"] == b[n]["rows"] == 0)
    print(
        f"  data tables ({len(data)}, {empty} of them empty): {sum(a[n]['rows'] for n in data):,} rows before, "
        f"{sum(b[n]['rows'] for n in data):,} after"
    )
    print("\n".join(explained + unexplained_tables) or "  no table changed")
    moved = ", ".join(f"{n} {a.get(n, {}).get('rows', '?')}/{b.get(n, {}).get('rows', '?')}" for n in MOVED)
    print(f"  the moved models' tables (rows before/after): {moved}")
    identical = sum(1 for key in old["csv"].keys() & new["csv"].keys() if old["csv"][key] == new["csv"][key])
    print(f"CSVs: {len(old['csv'])} before, {len(new['csv'])} after; {identical} byte-identical")
    if csv_problems:
        print("\n".join(csv_problems[:200]))
    failed = bool(unexplained_tables or csv_problems)
    print(f"Result: {'FAILED: unexplained differences' if failed else 'OK'} ({time.monotonic() - started:.0f}s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
