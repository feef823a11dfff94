"""make fuzz-api: schemathesis over the whole API schema, against a live server, as every role.

Not a test of any one rule: thousands of generated requests (valid, nearly valid and hostile)
to every operation in /api/schema/, each checked for two things only:

* not_a_server_error: no 5xx, whatever was sent;
* response_schema_conformance: every documented answer matches the schema the clients read.

What it does, in its own PostgreSQL database (``caseload_fuzz`` on DATABASE_URL's server, whose
user must be able to create databases and roles; never the development or test databases):

1. creates the database if missing, migrates it as the owner and sets up the application's own
   role with ``manage.py db_roles`` (docs/adr/0009), then loads the synthetic demo as that role;
2. gives one demo user of each role an API token (and also runs with none: "anonymous");
3. starts gunicorn (config/gunicorn.py) as the application's role on 127.0.0.1, with no Redis
   (a local cache and a queue folder under var/fuzz/) and the API throttles raised out of the way;
4. runs ``schemathesis run`` once per role, round after round with a new seed, until at least
   ``--cases`` test cases have been sent; path parameters are drawn mostly from the referrals
   and measures that role can see, so the lifecycle endpoints are reached, not only their 404s;
5. prints each failure schemathesis found (with a curl line to reproduce it) and exits 1 if any.

Reports (schemathesis' own output and NDJSON events per run, gunicorn's logs) are kept in
var/fuzz/. The default run (8 roles, one round: about 15,000 cases) took 9 minutes on 2 shared cores.
"""

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "var" / "fuzz"
ROLES = ("clinician", "team_manager", "link_worker", "intake", "service_manager", "ig_lead", "administrator")
# No token at all: every operation must answer 401 as documented, whatever is sent.
ANONYMOUS = "anonymous"
CHECKS = "not_a_server_error,response_schema_conformance"
APP_ROLE = "caseload_fuzz_app"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="Send at least this many test cases (default 10000).")
    parser.add_argument(
        "--max-examples", type=int, default=40, help="schemathesis --max-examples per run (default 40)."
    )
    parser.add_argument(
        "--roles",
        default=",".join((*ROLES, ANONYMOUS)),
        help=f"Comma-separated roles (default {','.join(ROLES)},{ANONYMOUS}: no token).",
    )
    parser.add_argument("--database", default="caseload_fuzz", help="Its own database (name must contain 'fuzz').")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--referrals", type=int, default=500, help="Demo referrals to load (first run only).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the first round; later rounds add one.")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers (default 2).")
    args = parser.parse_args()
    if "fuzz" not in args.database:
        sys.exit(f"Refusing to use {args.database!r}: the fuzz database's name must contain 'fuzz'.")
    roles = [role for role in args.roles.split(",") if role]

    OUT.mkdir(parents=True, exist_ok=True)
    owner_url, app_url = _database_urls(args.database)
    env = _environment(owner_url, app_url)
    _prepare_database(args, env)
    tokens = _tokens(env, roles)

    server = _start_server(env, args.port)
    try:
        base = f"http://127.0.0.1:{args.port}"
        total, failed, failures, seed = 0, 0, [], args.seed
        while total < args.cases:
            for role in roles:
                username, token = tokens[role]
                cases, unique, found = _run_schemathesis(base, role, username, token, args, seed)
                total, failed = total + cases, failed + unique
                failures.extend(found)
                print(
                    f"  {role:<16} seed {seed}: {cases:>5} cases, {unique} unique failures (total {total})", flush=True
                )
            seed += 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(f"\n{total} test cases over {len(roles)} roles; {failed} unique failures.")
    for failure in failures:
        print(failure)
    print(f"Reports: {OUT.relative_to(ROOT)}/ (schemathesis output and NDJSON per run, gunicorn's logs)")
    return 1 if failures else 0


def _database_urls(database: str) -> tuple[str, str]:
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = urlparse(server_url)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit(f"make fuzz-api needs PostgreSQL: DATABASE_URL is {parsed.scheme}://...")
    conn = psycopg2.connect(
        host=parsed.hostname, port=parsed.port, user=parsed.username, password=parsed.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database}"')
            print(f"Created database {database}.")
    conn.close()
    owner_url = parsed._replace(path=f"/{database}").geturl()
    # A new password each run: db_roles sets it on the role.
    host = f"{parsed.hostname or '127.0.0.1'}:{parsed.port or 5432}"
    app_url = f"postgres://{APP_ROLE}:{secrets.token_hex(16)}@{host}/{database}"
    return owner_url, app_url


def _environment(owner_url: str, app_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=app_url,
        MIGRATE_DATABASE_URL=owner_url,
        VAR_DIR=str(OUT / "var"),
        # Generated traffic from one user is not abuse: the throttles would answer most of it 429.
        API_RATE="1000000/minute",
        PERSON_SEARCH_RATE="1000000/hour",
        PYTHONUNBUFFERED="1",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def _manage(env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{result.stderr}{result.stdout}")
    return result.stdout


def _prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    print("Migrating as the owner and setting up the application's role...", flush=True)
    _manage(env, "migrate", "--noinput", "-v0")
    print(_manage(env, "db_roles").strip())
    print("Loading the demo as the application's role (once)...", flush=True)
    _manage(env, "load_demo", "--referrals", str(args.referrals))


TOKENS = """
import json
from accounts.models import User
from rest_framework.authtoken.models import Token
tokens = {}
for role in ROLES:
    user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
    if user is not None:
        tokens[role] = (user.username, Token.objects.get_or_create(user=user)[0].key)
print(json.dumps(tokens))
"""


def _tokens(env: dict[str, str], roles: list[str]) -> dict[str, tuple[str, str]]:
    staff = [role for role in roles if role != ANONYMOUS]
    out = _manage(env, "shell", "-c", f"ROLES = {staff!r}\n{TOKENS}")
    tokens = {role: tuple(value) for role, value in json.loads(out.strip().splitlines()[-1]).items()}
    missing = [role for role in staff if role not in tokens]
    if missing:
        sys.exit(f"The demo has no active user with the role(s) {', '.join(missing)}.")
    return {**tokens, ANONYMOUS: ("nobody", "")}


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    print(f"Starting gunicorn on 127.0.0.1:{port} as {APP_ROLE}...", flush=True)
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:config.gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            str(OUT / "access.log"),
            "--error-logfile",
            str(OUT / "error.log"),
        ],
        cwd=ROOT,
        env=env,
        stdout=(OUT / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?only=database", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit(f"gunicorn did not answer on 127.0.0.1:{port} within 60 s: see {OUT / 'error.log'}")


def _get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except OSError:
        return {}


def _config_file(base: str, role: str, token: str) -> Path:
    """Path parameters drawn (80% of the time) from what this role can see: otherwise nearly every
    request to /referrals/{id}/... would be a 404 and the lifecycle rules would go untested."""
    referrals = [row["id"] for row in _get_json(f"{base}/api/v1/referrals/", token).get("results", [])][:30]
    if not token:  # anonymous: any id will do, the answer must be 401 either way
        referrals = [1, 2, 3]
    measures = _get_json(f"{base}/api/v1/measures/", token)
    codes = [row.get("code") for row in (measures if isinstance(measures, list) else measures.get("results", []))]
    lines = []
    if referrals:
        lines += ["[dictionaries.referrals]", f"values = {json.dumps(referrals)}", ""]
    if any(codes):
        lines += ["[dictionaries.measures]", f"values = {json.dumps([c for c in codes if c])}", ""]
    lines.append("[parameters]")
    if referrals:
        lines.append('"path.referral_id" = { dictionary = "referrals", probability = 0.8 }')
    if any(codes):
        lines.append('"path.code" = { dictionary = "measures", probability = 0.8 }')
    path = OUT / f"schemathesis-{role}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_schemathesis(
    base: str, role: str, username: str, token: str, args: argparse.Namespace, seed: int
) -> tuple[int, int, list[str]]:
    report = OUT / f"{role}-seed{seed}"
    command = [
        str(BIN / "schemathesis"),
        "--no-color",
        "--config-file",
        str(_config_file(base, role, token)),
        "run",
        f"{base}/api/schema/",
        "--checks",
        CHECKS,
        *(["--header", f"Authorization: Token {token}"] if token else []),
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(seed),
        "--workers",
        str(args.workers),
        "--request-timeout",
        "30",
        "--report",
        "ndjson",
        "--report-dir",
        str(report),
    ]
    # In var/fuzz/, where schemathesis keeps its cache (.schemathesis/), not the project root.
    result = subprocess.run(command, cwd=OUT, capture_output=True, text=True)
    (OUT / f"{role}-seed{seed}.txt").write_text(result.stdout + result.stderr)
    # The summary's last line: "1375 generated, 5 found 8 unique failures" (or "..., 1375 passed").
    match = re.search(r"^\s*(\d+) generated(?:, \d+ found (\d+) unique failures?)?", result.stdout, re.MULTILINE)
    who = f"[{role} as {username}, seed {seed}]"
    if match is None:
        return 0, 1, [f"{who} schemathesis did not run:\n{result.stdout}{result.stderr}"]
    section = re.search(r"^=+ FAILURES =+$(.*?)^=+ (?:WARNINGS|SUMMARY) =+$", result.stdout, re.MULTILINE | re.DOTALL)
    unique = int(match.group(2) or 0)
    if section:
        return int(match.group(1)), unique, [f"{who} {unique} unique failures:{section.group(1).rstrip()}"]
    if result.returncode != 0:
        return int(match.group(1)), max(unique, 1), [f"{who} exit {result.returncode}:\n{result.stdout[-3000:]}"]
    return int(match.group(1)), 0, []


if __name__ == "__main__":
    sys.exit(main())
