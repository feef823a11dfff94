"""The server and the browser: ``runserver`` on a free port, then Chromium at each viewport."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from .data import session_cookie, user_for
from .shot import BASE_DIR, OUT_DIR, Shot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver stopped:\n{server.stderr.read() if server.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("runserver did not start within 30 seconds.")


def take(shots: list[Shot], base_url: str) -> list[Path]:
    # Everything that touches the database happens first: Playwright's sync API runs an asyncio
    # loop on this thread, and Django will not run queries while one is running.
    plans = []
    for shot in shots:
        user = user_for(shot.role, shot.team) if shot.role else None
        path = shot.path(user) if callable(shot.path) else shot.path
        cookie = session_cookie(user, base_url) if user is not None else None
        plans.append((shot, path, cookie, f" (as {user.username})" if user else ""))

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for shot, path, cookie, as_whom in plans:
                for label, options in VIEWPORTS.items():
                    context = browser.new_context(
                        base_url=base_url, locale="en-GB", timezone_id="Europe/London", **options
                    )
                    context.route(lambda url: not url.startswith(base_url), lambda route: route.abort())
                    if cookie is not None:
                        context.add_cookies([cookie])
                    page = context.new_page()
                    response = page.goto(path)
                    if response is None or response.status >= 400:
                        print(f"  {shot.name}: {path} answered {response.status if response else 'nothing'}")
                    if shot.prepare is not None:
                        shot.prepare(page)
                    page.wait_for_load_state("networkidle")
                    out = OUT_DIR / f"{shot.name}-{label}.png"
                    page.screenshot(path=out, full_page=shot.full_page)
                    saved.append(out)
                    print(f"  {out.relative_to(BASE_DIR)}{as_whom}")
                    context.close()
        finally:
            browser.close()
    return saved
