"""Browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API
against pytest-django's live server.

Every test in tests/browser is marked ``browser`` (``pytest -m browser`` runs just these,
``-m "not browser"`` skips them). A test asks for:

* ``page``: a fresh 1280x800 tab, logged out, with ``base_url`` set, so ``page.goto("/")`` works;
* ``phone``: the same in a 375x812 touch viewport (an iPhone-sized phone);
* ``login(page, user)``: gives ``user`` a password and logs in through the login form;
* ``axe_check(page)``: runs axe-core and fails on any serious or critical violation.

The database is ``transactional_db`` (the server thread must see the test's rows), so every
table is emptied after each test; tests/conftest.py puts the default clock policy back.

Requests to anything but the live server (the NHS.UK web fonts on assets.nhs.uk) are refused,
so the tests never touch the network; pages fall back to Arial, as they would offline.

A page that raises an uncaught JavaScript error, or asks the server for a CSS, JS or image file
that fails (404), fails its test at teardown.
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
# Synthetic, and only ever set on throwaway test users.
PASSWORD = "synthetic-test-password-42"
# How long Playwright waits for an element or a navigation: the live server is local, so a
# page that takes longer than this is a bug, not a slow network.
TIMEOUT_MS = 10_000

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio loop running on the main thread while it is started,
    # and Django refuses ORM calls "from an async context" when it sees one: allow them for these
    # tests (the ORM calls are the test's own, in the main thread, never concurrent). Package
    # scope, not session: the loop and the flag go away before any other package's tests run.
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as started:
            yield started


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for every browser test; each test gets its own context (cookies, storage)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _new_context(browser: Browser, live_server, **options) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London", **options)
    context.set_default_timeout(TIMEOUT_MS)
    # Only the live server: no fonts or anything else from the internet.
    context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
    return context


def _watched_page(context: BrowserContext, live_server, *, csp: bool = True) -> tuple[Page, list[str]]:
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    if csp:
        # Any Content Security Policy refusal on any page of any journey fails the test (an htmx
        # swap, a front-end component, an inline style slipped into a template).
        page.on(
            "console",
            lambda message: (
                problems.append(f"CSP: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )

    def on_response(response) -> None:
        own = response.url.startswith(live_server.url)
        if own and response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.request.resource_type} {response.url}")

    page.on("response", on_response)
    return page, problems


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, live_server, transactional_db) -> Iterator[Page]:
    context = _new_context(browser, live_server, viewport=DESKTOP)
    expected = request.node.get_closest_marker("csp_violation_expected") is not None
    page, problems = _watched_page(context, live_server, csp=not expected)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def phone(browser: Browser, live_server, transactional_db) -> Iterator[Page]:
    """A page in a 375x812 phone viewport (touch, mobile meta viewport honoured)."""
    context = _new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page, problems = _watched_page(context, live_server)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def login(live_server) -> Callable:
    """``login(page, user)``: set the user's password, then log in through the form as a person would."""

    def log_in(page: Page, user) -> Page:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page.goto(reverse("accounts:login"))
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return log_in


_axe = Axe()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands."""
    results = _axe.run(page)
    return [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]


@pytest.fixture
def axe_check() -> Callable[[Page], None]:
    """``axe_check(page)``: fail the test on any serious or critical accessibility violation."""

    def check(page: Page) -> None:
        violations = axe_violations(page)
        if violations:
            lines = [f"axe-core found {len(violations)} serious or critical violation(s) on {page.url}:"]
            for violation in violations:
                lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
                lines.append(f"  {violation['helpUrl']}")
                lines.extend(
                    f"  at {', '.join(map(str, node['target']))}: {node['html'][:200]}" for node in violation["nodes"]
                )
            report = "\n".join(lines)
            print(report)
            pytest.fail(report, pytrace=False)

    return check


def htmx_ready(page: Page) -> None:
    """Wait until htmx has bound the page now showing.

    htmx is a deferred script, and it binds ``hx-`` links and forms when the document has loaded:
    before that they work as plain HTML (a click follows the link to a full page). A test that has
    just followed a link must first wait for the new page (its address or heading), then call this.
    """
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
