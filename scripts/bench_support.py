"""What the benchmarks in scripts/ share: their own PostgreSQL database, filled once by
``demo.bulk`` and reused while it holds the same data, and a few timing helpers. Not a test.

DATABASE_URL names the server; each benchmark works only in its own database on it, whose
name must contain 'bench', and never touches the development or test databases. The shape
the data were made with is stored beside them (table ``bench_meta``), with the instant they
were made up to; a benchmark run with another shape, or after ``demo.bulk.VERSION`` changed,
drops the database and loads it again.
"""

import os
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

# The million's shape, the same in every benchmark that reads it (bench_access, bench_pages,
# bench_triage_backlog, bench_load/run.py), so that one built database serves them all: a
# benchmark asking another shape would drop it and load it again.
HELD_PER_WORKER = 25  # open referrals a link worker holds
HELD_PER_TEAM = 2_000  # open referrals a team holds


def fmt_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


# --- the benchmark's database -----------------------------------------------------------


def server_and_bench_url(database: str) -> tuple[dict, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"The benchmarks need PostgreSQL: DATABASE_URL is {parsed.scheme}://...")
    server = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": parsed.password,
        "dbname": "postgres",
    }
    return server, parsed._replace(path=f"/{database}").geturl()


def ensure_database(server: dict, database: str, *, rebuild: bool) -> bool:
    """Create the bench database (dropping it first on rebuild). Returns True if it was created."""
    if "bench" not in database:
        sys.exit(f"Refusing to use {database!r}: the benchmark database's name must contain 'bench'.")
    conn = psycopg2.connect(**server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        exists = cur.fetchone() is not None
        if exists and rebuild:
            cur.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{database}"')
    conn.close()
    return not exists


def meta() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute("SELECT key, value FROM bench_meta")
        return dict(cur.fetchall())


def set_meta(**values: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        # A rebuilt database starts without the table: make it before writing to it.
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        for key, value in values.items():
            cur.execute(
                "INSERT INTO bench_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                [key, value, value],
            )


def vacuum() -> None:
    from django.db import connection

    old = connection.autocommit
    connection.set_autocommit(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    connection.set_autocommit(old)


@dataclass
class BenchData:
    database: str
    server: dict
    created: bool
    now: datetime  # the instant the data were made up to
    load_seconds: float | None  # None when the data were reused


def bench_open(
    *, database: str, rebuild: bool, redis: bool = True, grants: dict | None = None, **options: object
) -> BenchData:
    """Set Django up on the benchmark's own database, filled by ``demo.bulk`` with ``BulkShape(**options)``
    (and ``AccessGrants(**grants)``: they are made here, as importing ``demo.bulk`` needs Django set up).

    Without ``redis`` the sessions live in the database and the cache in memory: no other service.
    """
    server, bench_url = server_and_bench_url(database)
    created = ensure_database(server, database, rebuild=rebuild)
    os.environ["DATABASE_URL"] = bench_url
    if not redis:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.utils import timezone

    from demo.bulk import VERSION, AccessGrants, BulkShape, bulk_load

    shape = BulkShape(**options, grants=None if grants is None else AccessGrants(**grants))
    print(
        f"Benchmark database: {database} on {server['host']}:{server['port']}{' (new)' if created else ''}", flush=True
    )
    wanted = {"generator": str(VERSION), "shape": repr(shape)}
    reason, stored = "", {}
    try:
        call_command("migrate", verbosity=0)
        stored = meta()
        if stored.get("referrals") != str(shape.referrals):
            reason = f"it holds {stored.get('referrals', 'no')} benchmark referrals, not {shape.referrals:,}"
        elif any(stored.get(key) != value for key, value in wanted.items()):
            reason = "its data were made by another version of demo.bulk or with other options"
    except DatabaseError as exc:
        # The data were made for an older schema (e.g. a new constraint they do not meet).
        reason = f"migrating it failed ({type(exc).__name__}: {str(exc).strip().splitlines()[0]})"
    if reason and not created:
        print(f"Rebuilding the benchmark database: {reason}.", flush=True)
        connection.close()
        ensure_database(server, database, rebuild=True)
        call_command("migrate", verbosity=0)
    load_seconds = None
    if reason:
        print(f"Loading {shape.referrals:,} referrals and everything around them (demo.bulk)...", flush=True)
        now = timezone.now()
        result = bulk_load(shape=shape, now=now, progress=lambda message: print(f"  {message}", flush=True))
        for table, rows in result.rows.items():
            if rows:
                print(f"  {table:<28} {rows:>10,} rows", flush=True)
        started = time.monotonic()
        vacuum()
        print(f"  {'vacuum':<28} {'':>10}       {fmt_seconds(time.monotonic() - started)}", flush=True)
        load_seconds = result.seconds
        set_meta(referrals=str(shape.referrals), now=now.isoformat(), **wanted)
    return BenchData(database, server, created, datetime.fromisoformat(meta()["now"]), load_seconds)


def load_test_open(*, database: str, rebuild: bool, referrals: int, redis: bool = True) -> BenchData:
    """``bench_open`` with the million's shape (``HELD_PER_*``): the database the load test, the
    lower bound, the triage backlog and the API filters benchmarks share."""
    return bench_open(
        database=database,
        rebuild=rebuild,
        redis=redis,
        referrals=referrals,
        team_holds=HELD_PER_TEAM,
        worker_holds=HELD_PER_WORKER,
    )


def as_a_web_worker() -> None:
    """Set up as a gunicorn worker is, for requests through the test client: DEBUG off, any host,
    and ``config.wsgi`` imported (pages' code imported, templates compiled, start-up's objects
    frozen out of the collector's way)."""
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    import config.wsgi  # noqa: F401


# --- measuring ----------------------------------------------------------------------------


class QueryTimer:
    """Every query's time, SQL and parameters, through ``connection.execute_wrapper``."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, list]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, list(params or [])))

    @property
    def db_seconds(self) -> float:
        return sum(q[0] for q in self.queries)


def explain(sql: str, params: list | None = None, *, settings: tuple[str, ...] = ()) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back: the query really runs
    (and really takes its row locks, or inserts), then leaves nothing behind."""
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    lines: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cur:
            for setting in settings:
                cur.execute(f"SET LOCAL {setting}")
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cur.fetchall()]
            raise Rollback
    except Rollback:
        pass
    return lines
