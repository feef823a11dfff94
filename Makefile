# Two commands matter: `make run` starts the demo, `make test` runs exactly what CI runs.
# `make` or `make help` lists every target.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# Steps run in the order written: install before migrating, check services before testing.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
# Touched after a successful install: re-runs skip pip until a requirements file changes.
STAMP := $(VENV)/.installed-requirements
# The same for the front-end packages (NHS.UK frontend, htmx): npm ci re-runs only when package.json
# or package-lock.json changes. node_modules/ is never committed.
NODE_STAMP := node_modules/.installed-package-lock
# The browser tests drive Debian's Chromium (Playwright's own browser downloads are not used).
CHROMIUM := /usr/bin/chromium
# `make run` and `make demo` run every step through honcho, so a .env file (if you made one from
# .env.example) reaches migrate, load_demo and collectstatic exactly as it reaches web, worker and beat.
HONCHO := PATH="$(BIN):$$PATH" PYTHONUNBUFFERED=1 $(BIN)/honcho
# Extra arguments: make test PYTEST_ARGS="-x -k sweep"; make bench BENCH_ARGS="--referrals 100000";
# make fuzz-api FUZZ_ARGS="--cases 2000 --roles clinician".
PYTEST_ARGS ?=
BENCH_ARGS ?=
FUZZ_ARGS ?=

.PHONY: help run test demo lint format check-migrations services bench bench-dashboard test-browser fuzz-api chromium venv clean distclean

help: ## List the targets
	@echo "Usage: make <target>"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-17s %s\n", $$1, $$2}'
	@echo
	@echo "run and demo use SQLite and a queue folder under var/ unless DATABASE_URL and REDIS_URL are set."
	@echo "test needs PostgreSQL and Redis on 127.0.0.1 (or DATABASE_URL and REDIS_URL pointing at them)."

# --- the two commands -----------------------------------------------------------

run: demo ## Start web (http://127.0.0.1:8000, or WEB_PORT=8001 make run), Celery worker and beat together; Ctrl-C stops all
	$(HONCHO) run python manage.py collectstatic --noinput --verbosity 0
	@echo "Starting web, worker and beat: open http://127.0.0.1:$${WEB_PORT:-8000} (Ctrl-C stops all three)"
	$(HONCHO) start -f Procfile

test: venv chromium services check-migrations ## Everything CI runs: ruff, import contracts, mypy, migrations check, the whole pytest suite (browser tests included) with coverage on PostgreSQL and Redis
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	@# --create-db: a test database left from an earlier run never hides a broken migration.
	@# tests/browser (marked `browser`) run here too, in Chromium against a live server.
	@# The test database is made as DATABASE_URL's user, the owner; tests/ops/test_db_roles.py makes the
	@# application's own role in it with db_roles and proves the audit log's grants (docs/adr/0009).
	$(BIN)/pytest --create-db --cov --cov-report=term $(PYTEST_ARGS)

# --- everyday targets -------------------------------------------------------------

demo: venv ## Migrate and load the synthetic demo data (once; later runs print the logins)
	@# With MIGRATE_DATABASE_URL set (PostgreSQL, two roles: docs/adr/0009) migrate and db_roles connect
	@# as the tables' owner, and db_roles makes DATABASE_URL's role; otherwise db_roles says so and does nothing.
	$(HONCHO) run python manage.py migrate --noinput
	$(HONCHO) run python manage.py db_roles
	$(HONCHO) run python manage.py load_demo
	@# The dashboards' reporting tables built now, so the first dashboard visit does not wait for them.
	$(HONCHO) run python manage.py warm_reporting

lint: venv check-migrations ## ruff check, ruff format --check, import contracts (docs/architecture.md), mypy and makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: venv ## Format with ruff and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: venv ## Fail if a model change has no migration
	@# In-memory SQLite and a Redis URL that is never contacted: no services needed, no files written.
	DATABASE_URL=sqlite://:memory: REDIS_URL=redis://localhost:6379/0 DJANGO_SETTINGS_MODULE=config.settings \
		$(PY) manage.py makemigrations --check --dry-run

bench: venv ## Time the clock sweep over 1M synthetic referrals in PostgreSQL (own database caseload_bench)
	$(PY) scripts/bench_sweep.py $(BENCH_ARGS)

bench-dashboard: venv ## Time the dashboards over 1M synthetic referrals in PostgreSQL (own database caseload_dash_bench)
	$(PY) scripts/bench_dashboard.py $(BENCH_ARGS)

.PHONY: bench-access
bench-access: venv ## Time access-controlled lists (caseloads, API, exports) over 1M referrals (own database caseload_access_bench)
	$(PY) scripts/bench_access.py $(BENCH_ARGS)

.PHONY: bench-load bench-pages
bench-load: venv ## Load test: gunicorn (5 workers) + locust at 1/10/25/50 users over 1M referrals (own database caseload_load_bench; docs/performance.md)
	$(PY) scripts/bench_load/run.py $(BENCH_ARGS)

bench-pages: venv ## Each main page's app time against its SQL replayed via psycopg2, and its profile (own database caseload_load_bench)
	$(PY) scripts/bench_pages.py $(BENCH_ARGS)

fuzz-api: venv ## schemathesis: 10,000+ generated requests over the whole API as every role, against gunicorn (own database caseload_fuzz)
	@# Not part of `make test` (about 10 minutes); tests/config/test_api_fuzz.py is its small version there.
	$(PY) scripts/fuzz_api.py $(FUZZ_ARGS)

test-browser: venv chromium services ## Only the browser tests (Playwright driving Chromium; make test runs them too)
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# --- environment ------------------------------------------------------------------

venv: $(STAMP) $(NODE_STAMP) ## Create .venv, install requirements-dev.txt and the front-end packages (skipped when nothing changed)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Python 3.11 or newer is needed; $(PYTHON) is $$($(PYTHON) --version 2>&1). Try: make PYTHON=python3.11 <target>" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check --no-input -r requirements-dev.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { \
		echo "npm is needed for the front-end packages (NHS.UK frontend, htmx): install Node.js 20 or newer." >&2; \
		exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

chromium: $(CHROMIUM) ## Install Debian's chromium for the browser tests (only if /usr/bin/chromium is missing)

$(CHROMIUM):
	@echo "$(CHROMIUM) is missing: installing Debian's chromium for the browser tests."
	@if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
		$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# The test settings read DATABASE_URL and REDIS_URL (defaults: postgres://postgres@127.0.0.1:5432/caseload
# and redis://127.0.0.1:6379/15). This checks that both answer, and creates the database if it is missing.
define CHECK_SERVICES
import sys

import psycopg2
import redis
from django.conf import settings
from psycopg2 import sql

db = settings.DATABASES["default"]
if db["ENGINE"] != "django.db.backends.postgresql":
    sys.exit(f"make test needs PostgreSQL, but DATABASE_URL points at {db['ENGINE']}.")
where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432} as {db.get('USER')}"
try:
    conn = psycopg2.connect(
        dbname="postgres", host=db.get("HOST"), port=db.get("PORT") or None,
        user=db.get("USER"), password=db.get("PASSWORD") or None, connect_timeout=5,
    )
except psycopg2.OperationalError as exc:
    sys.exit(f"PostgreSQL is not reachable at {where}: {str(exc).strip()}"
             + "\nStart PostgreSQL, or set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME.")
conn.autocommit = True
with conn.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
    if cursor.fetchone() is None:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        print(f"Created database {db['NAME']}.")
conn.close()
try:
    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()
except redis.RedisError as exc:
    sys.exit(f"Redis is not reachable at {settings.REDIS_URL}: {exc}"
             + "\nStart Redis, or set REDIS_URL=redis://HOST:PORT/DB.")
print(f"PostgreSQL ({where}, database {db['NAME']}) and Redis ({settings.REDIS_URL}) answer.")
endef
export CHECK_SERVICES

services: venv ## Check PostgreSQL and Redis answer for the tests; create the database if missing
	@DJANGO_SETTINGS_MODULE=config.settings_test $(PY) -c "$$CHECK_SERVICES"

# --- housekeeping -----------------------------------------------------------------

clean: ## Remove generated files and the demo's data in var/ (database, queue, sent email)
	rm -rf staticfiles htmlcov .coverage .coverage.* .pytest_cache .ruff_cache .mypy_cache var
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv
	rm -rf $(VENV)
