"""Screenshots of the main pages, desktop (1280 wide) and phone (375 wide), into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py                  # every page in PAGES
    .venv/bin/python scripts/screenshots.py login home       # just these
    .venv/bin/python scripts/screenshots.py --list           # the page names

It works on the database the settings point at (DATABASE_URL; unset, the demo's SQLite file
var/demo.sqlite3, exactly as `make run` uses). It migrates it, loads the synthetic demo once with
`manage.py load_demo` (a no-op when the demo is already there) and falls back to a handful of
objects of its own if the demo loader is not available. Then it starts `manage.py runserver`
on a free port (with --insecure, so static files are served from node_modules/ and static/
without collectstatic), logs a browser in as a demo user of the page's role (a session made
directly, no password needed), and saves <name>-desktop.png and <name>-phone.png.

Run it against a throwaway or demo database only: it adds demo data. For PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseload_demo REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python scripts/screenshots.py

Requests to the internet are blocked (the NHS.UK web font from assets.nhs.uk falls back to
Arial), so screenshots are the same on any machine.

Adding a page: append a Shot to PAGES in scripts/shots/pages.py. ``path`` may depend on the data:
give a callable that takes the logged-in user and returns the path (e.g. the first referral they
can see).
``prepare`` can act on the page before the picture (fill a form, submit it, open a menu).
"""

import argparse
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from shots.browser import start_server, take  # noqa: E402
from shots.data import ensure_data  # noqa: E402
from shots.pages import PAGES  # noqa: E402
from shots.shot import OUT_DIR  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="page names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the page names and stop")
    args = parser.parse_args()
    if args.list:
        for shot in PAGES:
            print(shot.name)
        return
    unknown = set(args.pages) - {shot.name for shot in PAGES}
    if unknown:
        raise SystemExit(f"No such page: {', '.join(sorted(unknown))}. Try --list.")
    shots = [shot for shot in PAGES if not args.pages or shot.name in args.pages]

    ensure_data()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    server, base_url = start_server()
    try:
        take(shots, base_url)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
