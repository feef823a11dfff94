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

Options: ``--referrals N`` (demo size, default load_demo's 2000), ``--seed N`` (load_demo's seed;
the demo of 721a8e1 fails with its default seed 2026: a council clinician recorded the first
consent, and its sharing example refuses to share with their own organisation), ``--work-dir`` (logs and the
two sides' JSON, default /tmp/upgrade-check). Celery runs eagerly (CELERY_TASK_ALWAYS_EAGER), so
no worker or broker is needed.

The old checkout may be of either layout: before the restructure (dashboards in
``referrals/reporting/``) or after it (``reporting/``); the script detects which, and the collector
imports the dashboards' package and resolves their URLs (``dashboard:*``) in each checkout's own
code. ``--old-commit`` picks the commit for the worktree it makes (default 68bc1e8).

``--expect-change``: for a migration that is meant to change figures (e.g. 0010, MHSDS coding of
contacts). Differences do not fail the run; instead it prints (a) contacts after the migration by
(consultation mechanism, attendance) and indirect activities by kind (and contacts before by
mode and outcome), (b) the clocks re-evaluated: "reevaluated" clock events, and per clock kind how
many clocks run again and how many stop later (or otherwise differently), (c) per dashboard page
and CSV, the cells that changed (count and the first few, before -> after), (d) row-count
differences per table. It exits 0 unless a step fails::

    .venv/bin/python scripts/check_upgrade.py --old-dir /tmp/upgrade-prev --expect-change
"""

import argparse
import csv
import difflib
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

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
from django.urls import reverse

from accounts.models import User
from referrals.models import Referral

side, at, out = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]
warm = "--warm" in sys.argv
package = "reporting" if apps.is_installed("reporting") else "referrals.reporting"
rebuild = importlib.import_module(f"{package}.rebuild")
# Both layouts name the dashboards' URLs "dashboard:*" (in referrals/reporting/ or reporting/).
PAGES = [reverse(f"dashboard:{name}") for name in ("waits", "breaches", "capacity", "equality", "flow")]


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


def columns(cursor, table):
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
        [table],
    )
    return {row[0] for row in cursor.fetchall()}


def coding():
    """What an MHSDS-coding migration changes, read with SQL so either schema answers: contacts by
    their coding (old: mode, outcome; new: consultation_mechanism, attendance), indirect activities
    by kind, every clock's stop, the re-evaluated clock events and the clock policies' rules."""
    found = {}
    with connection.cursor() as cursor:
        have = columns(cursor, "referrals_contact")
        for pair in (("mode", "outcome"), ("consultation_mechanism", "attendance")):
            if set(pair) <= have:
                cursor.execute(f"SELECT {pair[0]}, {pair[1]}, count(*) FROM referrals_contact GROUP BY 1, 2 ORDER BY 1, 2")
                found["contacts_" + "_".join(pair)] = [list(row) for row in cursor.fetchall()]
        if columns(cursor, "referrals_indirectactivity"):
            cursor.execute("SELECT kind, count(*) FROM referrals_indirectactivity GROUP BY 1 ORDER BY 1")
            found["indirect_by_kind"] = [list(row) for row in cursor.fetchall()]
        cursor.execute("SELECT id, kind, is_current, stopped_at, stop_reason FROM referrals_clock ORDER BY id")
        found["clocks"] = {
            str(pk): [kind, current, stopped.isoformat() if stopped else None, reason]
            for pk, kind, current, stopped, reason in cursor.fetchall()
        }
        cursor.execute("SELECT clock_id, at, reason FROM referrals_clockevent WHERE kind = 'reevaluated' ORDER BY id")
        found["reevaluated"] = [[clock, at_.isoformat(), reason] for clock, at_, reason in cursor.fetchall()]
        cursor.execute("SELECT * FROM referrals_clockpolicy ORDER BY id")
        names = [c.name for c in cursor.description]
        found["policies"] = [
            {k: v for k, v in zip(names, row) if k in ("id", "name", "is_default", "treatment_stop_rule")}
            for row in cursor.fetchall()
        ]
    return found


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
    result["coding"] = coding()
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


def layout(old_dir: Path) -> str:
    """Which layout the old checkout has: the dashboards' package, before or after the restructure."""
    if (old_dir / "referrals" / "reporting" / "urls.py").exists():
        return "referrals.reporting"  # before the restructure (68bc1e8 and earlier)
    if (old_dir / "reporting" / "urls.py").exists():
        return "reporting"  # after it (c0fcf17 and later)
    sys.exit(f"{old_dir} does not look like a checkout of this project (no referrals/reporting/ nor reporting/)")


MECHANISM = {
    "01": "face to face",
    "02": "telephone",
    "03": "web camera",
    "04": "talk type",
    "09": "text message",
    "10": "instant messaging",
    "11": "video",
    "12": "message board",
    "13": "chat room",
    "98": "other",
}
ATTENDANCE = {
    "5": "attended",
    "6": "late, seen",
    "7": "late, not seen",
    "2": "cancelled by the person",
    "3": "did not attend",
    "4": "cancelled by the provider",
}


def report_coding(old: dict, new: dict) -> list[str]:
    """(a) contacts and indirect activities by coding; (b) the clocks the migration re-evaluated."""
    lines = []
    a, b = old.get("coding", {}), new.get("coding", {})
    for side, data in (("before", a), ("after", b)):
        for key, label in (
            ("contacts_mode_outcome", "(mode, outcome)"),
            ("contacts_consultation_mechanism_attendance", "(consultation_mechanism, attendance)"),
        ):
            if key in data:
                total = sum(n for *_, n in data[key])
                lines.append(f"  contacts {side} the migration by {label}: {total:,}")
                for first, second, n in data[key]:
                    named = ""
                    if key.startswith("contacts_consultation"):
                        named = f"  [{MECHANISM.get(first, '?')}, {ATTENDANCE.get(second, '?')}]"
                    lines.append(f"    {first!s:>14} {second!s:>10} {n:>8,}{named}")
        if "indirect_by_kind" in data:
            total = sum(n for _, n in data["indirect_by_kind"])
            kinds = ", ".join(f"{kind} {n:,}" for kind, n in data["indirect_by_kind"]) or "none"
            lines.append(f"  indirect activities {side} the migration: {total:,} ({kinds})")
    rules = lambda data: ", ".join(  # noqa: E731
        f"{p.get('name', p['id'])}{' (default)' if p.get('is_default') else ''}: {p.get('treatment_stop_rule')}"
        for p in data.get("policies", [])
    )
    lines.append(f"  clock policies' treatment stop rule: before {rules(a)}; after {rules(b)}")

    events = b.get("reevaluated", [])
    old_events = {e[0] for e in a.get("reevaluated", [])}
    fresh = [e for e in events if e[0] not in old_events] if old_events else events
    clocks_a, clocks_b = a.get("clocks", {}), b.get("clocks", {})
    lines.append(
        f"  clock events 'reevaluated': {len(events):,} after ({len(a.get('reevaluated', [])):,} before), "
        f"on {len({e[0] for e in fresh}):,} clocks"
    )
    outcome: dict[str, Counter] = defaultdict(Counter)
    reasons: dict[str, Counter] = defaultdict(Counter)
    for clock_id in sorted({e[0] for e in fresh}):
        before, after = clocks_a.get(str(clock_id)), clocks_b.get(str(clock_id))
        if before is None or after is None:
            outcome["?"]["clock missing on one side"] += 1
            continue
        kind = after[0]
        was, now = before[2], after[2]
        if now is None:
            what = "runs again"
        elif was is None:
            what = "was running, now stopped"
        elif datetime.fromisoformat(now) > datetime.fromisoformat(was):
            what = "stops later"
        elif now == was:
            what = "same stop (reason changed)"
        else:
            what = "stops earlier"
        outcome[kind][what] += 1
        if now is not None:
            reasons[kind][f"{before[3]} -> {after[3]}"] += 1
    for kind in sorted(outcome):
        total = sum(outcome[kind].values())
        parts = ", ".join(f"{what} {n:,}" for what, n in outcome[kind].most_common())
        lines.append(f"    {kind}: {total:,} re-evaluated: {parts}")
        if reasons[kind]:
            lines.append(
                f"      stop reasons of those stopped: {', '.join(f'{r} {n:,}' for r, n in reasons[kind].most_common())}"
            )
    evented = {str(e[0]) for e in events}
    silent = Counter()
    for pk, after in clocks_b.items():
        before = clocks_a.get(pk)
        if before is not None and before != after and pk not in evented:
            silent[after[0]] += 1
    lines.append(
        "  clocks changed without a 'reevaluated' event: "
        + (", ".join(f"{k} {n:,}" for k, n in sorted(silent.items())) or "none")
    )
    running = lambda clocks: Counter(c[0] for c in clocks.values() if c[1] and c[2] is None)  # noqa: E731
    ra, rb = running(clocks_a), running(clocks_b)
    lines.append(
        "  current clocks running: "
        + ", ".join(f"{k} {ra.get(k, 0):,} -> {rb.get(k, 0):,}" for k in sorted(ra.keys() | rb.keys()))
    )
    return lines


def csv_cells(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def cell_changes(before: str, after: str) -> tuple[list[str], int]:
    """The changed cells of one CSV as "row / column: before -> after", and how many there are.
    Rows are matched by their first cell (the row's label) where that is unique, else by position;
    rows only on one side count each of their cells."""
    a, b = csv_cells(before), csv_cells(after)
    head_a, head_b = (a[0] if a else []), (b[0] if b else [])
    changes: list[str] = []
    if head_a != head_b:
        changes.append(f"header: {head_a} -> {head_b}")
    rows_a, rows_b = a[1:], b[1:]
    keyed = lambda rows: {r[0] if r else "": r for r in rows}  # noqa: E731
    if len(keyed(rows_a)) == len(rows_a) and len(keyed(rows_b)) == len(rows_b):
        ka, kb = keyed(rows_a), keyed(rows_b)
        order = [r[0] if r else "" for r in rows_a] + [
            r[0] if r else "" for r in rows_b if (r[0] if r else "") not in ka
        ]
        pairs = [(k, ka.get(k), kb.get(k)) for k in order]
    else:
        n = max(len(rows_a), len(rows_b))
        pairs = [
            (f"row {i + 1}", rows_a[i] if i < len(rows_a) else None, rows_b[i] if i < len(rows_b) else None)
            for i in range(n)
        ]
    count = len(changes)
    header = head_b or head_a
    for label, ra, rb in pairs:
        if ra == rb:
            continue
        if ra is None or rb is None:
            row = ra if rb is None else rb
            count += len(row)
            changes.append(f"{label}: row {'only before' if rb is None else 'only after'}: {','.join(row)}")
            continue
        for i in range(max(len(ra), len(rb))):
            x, y = (ra[i] if i < len(ra) else ""), (rb[i] if i < len(rb) else "")
            if x != y:
                count += 1
                column = header[i] if i < len(header) else f"col {i + 1}"
                changes.append(f"{label} / {column}: {x} -> {y}")
    return changes, count


def csv_group(key: str) -> tuple[str, str, str]:
    """'stored superuser /dashboard/equality/?period=4w&by=sex&csv=x' -> (pass, page and table, query)."""
    label, who, url = key.split(" ", 2)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    table = query.pop("csv", "?")
    by = query.pop("by", None)
    page = parts.path + (f" by={by}" if by else "")
    rest = "&".join(f"{k}={v}" for k, v in query.items()) or "(default period)"
    return label, f"{page} csv={table}", f"{who} {rest}"


def report_csvs(old: dict, new: dict, first: int = 3) -> list[str]:
    """(c) per pass, page and CSV: how many of its downloads changed, cells changed, the first few."""
    a, b = old["csv"], new["csv"]
    lines = []
    for key in sorted(a.keys() ^ b.keys()):
        lines.append(f"  only {'before' if key in a else 'after'} the upgrade: {key}")
    groups: dict[tuple[str, str], dict] = defaultdict(lambda: {"downloads": 0, "changed": 0, "cells": 0, "first": []})
    for key in sorted(a.keys() & b.keys()):
        label, table, variant = csv_group(key)
        group = groups[(label, table)]
        group["downloads"] += 1
        if a[key] == b[key]:
            continue
        group["changed"] += 1
        for field in ("type", "disposition"):
            if a[key][field] != b[key][field]:
                group["first"].append(f"[{variant}] {field}: {a[key][field]!r} -> {b[key][field]!r}")
        changes, count = cell_changes(a[key]["body"], b[key]["body"])
        group["cells"] += count
        shown = sum(1 for line in group["first"] if line.startswith(f"[{variant}]"))
        group["first"].extend(
            f"[{variant}] {c}" for c in changes[: max(0, first - shown)] if len(group["first"]) < first * 2
        )
    for label in ("stored", "rebuilt"):
        mine = {t: g for (lab, t), g in groups.items() if lab == label}
        changed = {t: g for t, g in mine.items() if g["changed"]}
        downloads = sum(g["downloads"] for g in mine.values())
        lines.append(
            f"  pass '{label}': {sum(g['changed'] for g in mine.values()):,} of {downloads:,} CSVs changed, "
            f"{sum(g['cells'] for g in mine.values()):,} cells, in {len(changed)} of {len(mine)} page tables"
        )
        for table in sorted(changed):
            g = changed[table]
            lines.append(f"    {table}: {g['changed']}/{g['downloads']} downloads changed, {g['cells']:,} cells; e.g.")
            lines.extend(f"      {line}" for line in g["first"][: first * 2])
    return lines


def report_rows(old: dict, new: dict) -> list[str]:
    """(d) every table whose row count or contents changed."""
    a, b = old["tables"], new["tables"]
    lines = []
    for name in sorted(a.keys() | b.keys()):
        before, after = a.get(name), b.get(name)
        if before == after:
            continue
        if before is None or after is None:
            lines.append(
                f"  {name}: {'new table' if before is None else 'table dropped'}, {(after or before)['rows']:,} rows"
            )
            continue
        delta = after["rows"] - before["rows"]
        contents = "" if before["md5"] == after["md5"] else " (contents differ)"
        how = f"{delta:+,}" if delta else "same count"
        note = ""
        if name == "django_content_type":
            was = {ct.split(":")[0]: ct.split(":")[1] for ct in old["content_types"]}
            moves = [
                f"{was.get(ct.split(':')[0], '(new)')} -> {ct.split(':')[1]}"
                for ct in sorted(set(new["content_types"]) - set(old["content_types"]))
            ]
            note = f"; {', '.join(moves)}"
        elif name == "django_migrations":
            note = "; the migrations applied (listed above)"
        elif name == "auth_permission":
            note = "; Django's permissions for the new models"
        lines.append(f"  {name}: {before['rows']:,} -> {after['rows']:,} ({how}){contents}{note}")
    return lines or ["  no table changed"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-dir", type=Path, help="an existing checkout of the old commit (not removed)")
    parser.add_argument("--keep", action="store_true", help=f"keep the worktree made at {DEFAULT_OLD_DIR}")
    parser.add_argument("--referrals", type=int, help="demo size for load_demo (default: its own)")
    parser.add_argument("--seed", type=int, help="random seed for load_demo (default: its own)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/upgrade-check"))
    parser.add_argument("--old-commit", default=OLD_COMMIT, help=f"commit for the worktree (default {OLD_COMMIT})")
    parser.add_argument(
        "--expect-change",
        action="store_true",
        help="the migration is meant to change figures: report the changes (coding, clocks, CSV cells, rows), do not fail",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="no run: compare (or, with --expect-change, report) the two sides' JSON already in --work-dir",
    )
    opts = parser.parse_args()
    if opts.report_only:
        old, new = (json.loads((opts.work_dir / f"{side}.json").read_text()) for side in ("old", "new"))
        if opts.expect_change:
            return expected_change(old, new, old["at"], time.monotonic())
        sys.exit("--report-only needs --expect-change (the default comparison reruns the check)")

    started = time.monotonic()
    work = opts.work_dir
    work.mkdir(parents=True, exist_ok=True)
    made_worktree = opts.old_dir is None
    old_dir = opts.old_dir or DEFAULT_OLD_DIR
    if made_worktree:
        if old_dir.exists():
            worktree(["remove", "--force", str(old_dir)])
        worktree(["add", "--detach", str(old_dir), opts.old_commit])
    old_package = layout(old_dir)

    try:
        python = str(PYTHON)
        old_env, new_env = environment(work / "var-old"), environment(work / "var-new")
        old_json, new_json = work / "old.json", work / "new.json"
        log = work / "log.txt"
        log.write_text("")

        print(f"Old code {old_dir} (dashboards in {old_package}), new code {REPO}, database {DB_NAME}; log {log}")
        recreate_database()
        run([python, "manage.py", "migrate", "--no-input"], cwd=old_dir, env=old_env, log=log)
        size = ["--referrals", str(opts.referrals)] if opts.referrals is not None else []
        size += ["--seed", str(opts.seed)] if opts.seed is not None else []
        run([python, "manage.py", "load_demo", *size], cwd=old_dir, env=old_env, log=log)
        at = datetime.fromtimestamp(int(time.time()), UTC).isoformat()  # the instant both sides count to
        run([python, "-c", COLLECTOR, "old", at, str(old_json), "--warm"], cwd=old_dir, env=old_env, log=log)
        run([python, "manage.py", "migrate", "--no-input"], cwd=REPO, env=new_env, log=log)
        run([python, "-c", COLLECTOR, "new", at, str(new_json)], cwd=REPO, env=new_env, log=log)
    finally:
        if made_worktree and not opts.keep:
            worktree(["remove", "--force", str(old_dir)])

    old, new = json.loads(old_json.read_text()), json.loads(new_json.read_text())
    if opts.expect_change:
        return expected_change(old, new, at, started)
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


def expected_change(old: dict, new: dict, at: str, started: float) -> int:
    """The --expect-change report: what the migration changed, without judging it."""
    a, b = old["tables"], new["tables"]
    added = sorted(set(new["migrations"]) - set(old["migrations"]))
    print(
        f"Dashboards counted at {at} (clock frozen on both sides); dashboards' package {old['package']} -> {new['package']}"
    )
    print(f"Migrations applied by the upgrade: {', '.join(added) or 'none'}")
    print(
        f"Tables: {len(a)} before, {len(b)} after; {sum(1 for n in a.keys() & b.keys() if a[n] == b[n])} identical; "
        f"rows {sum(t['rows'] for t in a.values()):,} before, {sum(t['rows'] for t in b.values()):,} after"
    )
    print("(a) Contacts and indirect activities, and (b) clocks re-evaluated:")
    print("\n".join(report_coding(old, new)))
    identical = sum(1 for key in old["csv"].keys() & new["csv"].keys() if old["csv"][key] == new["csv"][key])
    print(f"(c) Dashboard CSVs: {len(old['csv'])} before, {len(new['csv'])} after; {identical} byte-identical")
    print("\n".join(report_csvs(old, new)))
    print("(d) Tables whose rows changed (row count before -> after):")
    print("\n".join(report_rows(old, new)))
    print(f"Result: CHANGED as expected, reported above (--expect-change; {time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
