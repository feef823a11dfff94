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

Adding a page: append a Shot to PAGES. ``path`` may depend on the data: give a callable that
takes the logged-in user and returns the path (e.g. the first referral they can see).
``prepare`` can act on the page before the picture (fill a form, submit it, open a menu).
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from accounts.models import Role, User  # noqa: E402

OUT_DIR = BASE_DIR / "docs" / "screenshots"
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


@dataclass(frozen=True)
class Shot:
    name: str  # file name stem: docs/screenshots/<name>-desktop.png
    path: str | Callable[[User], str]
    role: str | None = Role.CLINICIAN  # log in as a demo user with this role; None: logged out
    prepare: Callable[[Page], None] | None = None
    full_page: bool = True
    team: str = ""  # prefer a user of the role in a team whose name contains this


def _submit_empty_login(page: Page) -> None:
    page.get_by_role("button", name="Log in").click()
    page.locator(".nhsuk-error-summary").wait_for()


PAGES: list[Shot] = [
    Shot("login", "/accounts/login/", role=None),
    Shot("login-errors", "/accounts/login/", role=None, prepare=_submit_empty_login),
    Shot("home", "/"),
    Shot("home-link-worker", "/", role=Role.LINK_WORKER),
    Shot("home-service-manager", "/", role=Role.SERVICE_MANAGER),
]


# --- Journeys 4 and 7: trusted assessment, care plan, outcomes, discharge ----------------------


def _care_referral(user: User, **filters) -> int:
    """The most recent referral ``user`` can see that has the given things recorded."""
    from access.selectors import referrals_visible_to

    referral = referrals_visible_to(user).filter(**filters).order_by("-received_at").first()
    if referral is None:
        raise SystemExit(f"No referral visible to {user.username} with {filters}: load the demo first.")
    return referral.pk


def _assessment_path(user: User) -> str:
    from access.selectors import people_visible_to

    people = people_visible_to(user).filter(trusted_assessment__isnull=False)
    person = (people.filter(consents__isnull=False) or people).order_by("-trusted_assessment__written_at").first()
    if person is None:
        raise SystemExit(f"No person visible to {user.username} with a trusted assessment: load the demo first.")
    return f"/people/{person.pk}/assessment/"


def _assessment_write_path(user: User) -> str:
    from access.selectors import people_visible_to

    person = people_visible_to(user).filter(trusted_assessment__isnull=True).order_by("-created_at").first()
    if person is None:
        raise SystemExit(f"Everyone visible to {user.username} has a trusted assessment already.")
    return f"/people/{person.pk}/assessment/"


def _discharged_path(user: User) -> str:
    return f"/referrals/{_care_referral(user, status='discharged')}/discharge/"


def _care_plan_path(user: User) -> str:
    return f"/referrals/{_care_referral(user, interventions__isnull=False, ended_at__isnull=True)}/care-plan/"


def _outcomes_path(user: User) -> str:
    return f"/referrals/{_care_referral(user, outcome_measures__isnull=False)}/outcomes/"


def _coded_assessments_path(user: User) -> str:
    return f"/referrals/{_care_referral(user, ended_at__isnull=True, assessments__isnull=False)}/assessments/"


def _discharge_path(user: User) -> str:
    return f"/referrals/{_care_referral(user, status__in=['allocated', 'in_treatment'])}/discharge/"


def _fill_date(page: Page, field_id: str, day) -> None:
    for part in ("day", "month", "year"):
        page.locator(f"#{field_id}_{part}").fill(str(getattr(day, part)))


def _add_to_housing(page: Page) -> None:
    """A later partner builds on the assessment (htmx swaps the section in place)."""
    page.locator("#section-housing summary").click()
    page.get_by_label("Your addition to \u201cHousing\u201d").fill(
        "Tenancy support worker from the council visited; arrears plan agreed with the landlord."
    )
    page.locator("#section-housing").get_by_role("button", name="Add to this section").click()
    page.get_by_text("Your addition is saved.").wait_for()
    page.evaluate("window.scrollTo(0, 0)")


def _add_a_goal(page: Page) -> None:
    """Agree a plan if there is none yet (the demo may not have made one), then add a goal."""
    if page.get_by_role("button", name="Save the agreed plan").is_visible():
        page.get_by_label("What the person and their worker agreed").fill(
            "Weekly sessions with a peer support worker for eight weeks, then review together."
        )
        page.get_by_role("button", name="Save the agreed plan").click()
        page.wait_for_load_state()
    page.get_by_text("Add a goal").click()
    page.get_by_label("Goal", exact=True).fill("Get back to my allotment twice a week")
    _fill_date(page, "id_goal-review_date", timezone.localdate() + timedelta(days=10))
    page.get_by_role("button", name="Add goal").click()
    page.wait_for_load_state()


def _record_a_review_score(page: Page) -> None:
    if not page.locator("#id_instrument").is_visible():
        page.get_by_text("Record a score").click()
    instrument = page.locator("#outcomes tbody strong").first.inner_text()
    page.locator("#id_instrument").select_option(instrument)
    page.get_by_label("Review", exact=True).check()
    page.get_by_label("Score").fill("5")  # within the range of every demo measure
    page.get_by_role("button", name="Record score").click()
    page.get_by_text("recorded.").wait_for()
    page.evaluate("window.scrollTo(0, 0)")


def _fill_discharge_and_continue(page: Page) -> None:
    page.get_by_label("Goals met: back to self-care").check()
    page.get_by_label("Return-to-self-care plan").fill(
        "Keeps going to the allotment group on Tuesdays; GP reviews medication in three months."
    )
    page.get_by_label("How to get back in touch").fill("Self-refer to the team within 6 months, or call the 24/7 line.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check and confirm the discharge").wait_for()


def _submit_empty_discharge(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.locator(".nhsuk-error-summary").wait_for()


PAGES += [
    Shot("assessment", _assessment_path, prepare=_add_to_housing),
    Shot("assessment-write", _assessment_write_path),
    Shot("care-plan", _care_plan_path, prepare=_add_a_goal),
    Shot("coded-assessments", _coded_assessments_path),
    Shot("outcomes", _outcomes_path, prepare=_record_a_review_score),
    Shot("discharge-errors", _discharge_path, prepare=_submit_empty_discharge),
    Shot("discharge-confirm", _discharge_path, prepare=_fill_discharge_and_continue),
    Shot("discharged", _discharged_path),
]


# --- Journeys 1, 2, 3 and 9: intake, triage, contacts, the person page and timeline ---------


def _queue_referral(user: User) -> int:
    """The most urgent referral in the user's triage queue."""
    from referrals.web.triage.queries import triage_queue

    referral = triage_queue(user).first()
    if referral is None:
        raise SystemExit(f"Nothing in the triage queue of {user.username}: load the demo first.")
    return referral.pk


def _rich_person(user: User) -> int:
    """A person the user can see with open risks, a carer and a hand-off, if the data has one."""
    from access.selectors import people_visible_to

    people = people_visible_to(user).order_by("-created_at")
    person = (
        people.filter(risk_flags__resolved_at__isnull=True, carers__isnull=False, referrals__handoffs__isnull=False)
        .distinct()
        .first()
        or people.filter(carers__isnull=False, referrals__handoffs__isnull=False).distinct().first()
        or people.filter(risk_flags__isnull=False, referrals__handoffs__isnull=False).distinct().first()
        or people.filter(risk_flags__isnull=False).distinct().first()
        or people.first()
    )
    if person is None:
        raise SystemExit(f"No person visible to {user.username}: load the demo first.")
    return person.pk


def _new_person_with_errors(page: Page) -> None:
    page.get_by_label("NHS number").fill("9434765919")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add a new person").click()
    page.get_by_role("button", name="Record the referral").click()
    page.locator(".nhsuk-error-summary").wait_for()


def _open_inline_contact(page: Page) -> None:
    page.locator("a.app-record-contact").first.click()
    page.locator(".app-inline-form").first.wait_for()


PAGES += [
    Shot("triage", "/triage/"),
    Shot("triage-contact-inline", "/triage/", prepare=_open_inline_contact),
    Shot("triage-referral", lambda user: f"/referrals/{_queue_referral(user)}/triage/"),
    Shot("redirect", lambda user: f"/referrals/{_queue_referral(user)}/redirect/"),
    Shot("contact-new", lambda user: f"/referrals/{_queue_referral(user)}/contacts/new/"),
    Shot("intake-search", "/referrals/new/"),
    Shot("intake-new-person-errors", "/referrals/new/", prepare=_new_person_with_errors),
    Shot("intake-existing-person", lambda user: f"/referrals/new/?person={_rich_person(user)}"),
    Shot("person", lambda user: f"/people/{_rich_person(user)}/"),
    Shot("timeline", lambda user: f"/people/{_rich_person(user)}/timeline/"),
]


# --- Journeys 5, 6 and 8: allocation, My caseload, team caseload and waiting list, alerts ------


def _team_referral(user: User, **filters) -> int:
    """The longest-waiting open referral in the user's first team with the given fields."""
    from caseload.selectors import team_caseload, team_get_for_user

    team = team_get_for_user(user, None)
    if team is None:
        raise SystemExit(f"{user.username} is in no team: load the demo first.")
    referral = team_caseload(user, team).filter(**filters).order_by("received_at").first()
    if referral is None:
        raise SystemExit(f"No open referral in {team} with {filters}: load the demo first.")
    return referral.pk


def _allocate_path(user: User) -> str:
    """A triaged referral nobody holds yet, with a search for peer support workers."""
    unallocated = _team_referral(user, allocated_to__isnull=True, status__in=["triaged", "assessed", "redirected"])
    return f"/referrals/{unallocated}/allocate/?q=peer"


def _my_caseload(user: User, query: str = "") -> str:
    """My caseload of the demo link worker. If the demo gave them nobody, the team manager hands
    them a few people from colleagues (caseload_allocate with a handover note, as at an MDT),
    leaving the team's unallocated people for the other pictures."""
    from caseload.selectors import team_get_for_user
    from referrals.models import Referral
    from referrals.services import caseload_allocate

    if not Referral.objects.filter(allocated_to=user, ended_at__isnull=True).exists():
        team = team_get_for_user(user, None)
        manager = User.objects.filter(role=Role.TEAM_MANAGER, memberships__team=team).first() or user
        others = Referral.objects.filter(team=team, ended_at__isnull=True, allocated_to__isnull=False).order_by(
            "received_at"
        )
        for referral in others[:8]:
            caseload_allocate(
                referral=referral,
                by=manager,
                now=timezone.now(),
                link_worker=user,
                handover_note="Rebalancing caseloads at the MDT meeting.",
            )
    return f"/caseload/{query}"


def _open_inline_allocate(page: Page) -> None:
    page.get_by_role("link", name="Allocate a link worker for").first.click()
    page.locator("#team-results form select").first.wait_for()


def _reassign_without_note(page: Page) -> None:
    """Choose someone other than the current holder and leave the handover note empty."""
    page.locator("#worker-choices input[type=radio]:not(:checked)").first.check()
    page.get_by_label("Handover note").fill("")
    page.get_by_role("button", name="Reassign").click()
    page.locator(".nhsuk-error-summary").wait_for()


PAGES += [
    Shot("caseload-mine", _my_caseload, role=Role.LINK_WORKER),
    Shot("caseload-mine-breached", lambda user: _my_caseload(user, "?clock=breached"), role=Role.LINK_WORKER),
    Shot("team-caseload", "/team/", role=Role.TEAM_MANAGER),
    Shot("team-waiting-list", "/team/?view=waiting", role=Role.TEAM_MANAGER),
    Shot("team-allocate-inline", "/team/?view=unallocated", role=Role.TEAM_MANAGER, prepare=_open_inline_allocate),
    Shot("allocate", _allocate_path, role=Role.TEAM_MANAGER),
    Shot(
        "reassign-errors",
        lambda user: f"/referrals/{_team_referral(user, allocated_to__isnull=False)}/allocate/",
        role=Role.TEAM_MANAGER,
        prepare=_reassign_without_note,
    ),
    Shot("alerts", "/alerts/", role=Role.TEAM_MANAGER),
    Shot("alerts-link-worker", "/alerts/?level=breach", role=Role.LINK_WORKER),
]


# --- Access control: break-glass, an assessment another organisation may not read, IG pages ---


def _break_glass_without_reason(page: Page) -> None:
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Open the record").click()
    page.locator(".nhsuk-error-summary").wait_for()


def _withheld_assessment_path(user: User) -> str:
    """A person the link worker holds whose assessment another organisation wrote, unshared."""
    from access.selectors import people_visible_to
    from referrals.models import SharingConsent

    people = (
        people_visible_to(user)
        .filter(trusted_assessment__isnull=False)
        .exclude(trusted_assessment__organisation=user.organisation)
    )
    shared = SharingConsent.objects.filter(decision="given", withdrawn_at__isnull=True).values("person_id")
    person = people.exclude(pk__in=shared).first() or people.first()
    if person is None:
        raise SystemExit(f"No assessment from another organisation for {user.username}: load the demo first.")
    return f"/people/{person.pk}/assessment/"


def _withdraw_consent(page: Page) -> None:
    """If the person had agreed to share, they withdraw it (confirming), and the page withholds."""
    withdraw = page.get_by_role("button", name="Withdraw consent")
    if withdraw.count():
        withdraw.first.click()
        page.get_by_role("button", name="Yes, withdraw consent").click()
    page.locator("#withheld").wait_for()
    page.evaluate("window.scrollTo(0, 0)")


PAGES += [
    Shot("break-glass-errors", "/break-glass/", prepare=_break_glass_without_reason),
    Shot("assessment-withheld", _withheld_assessment_path, role=Role.LINK_WORKER, prepare=_withdraw_consent),
    Shot("ig-audit", "/audit/", role=Role.IG_LEAD),
    Shot("ig-break-glass", "/audit/break-glass/", role=Role.IG_LEAD),
]


# --- Issues 14 and 15: pathways, groups, internal waits, the public's front door ------------

PAGES += [
    Shot("pathways", "/pathways/", role=Role.SERVICE_MANAGER),
    Shot("groups", "/groups/", role=Role.TEAM_MANAGER, team="Complex Emotional Needs"),
    Shot("waiting-lists", "/waiting-lists/", role=Role.SERVICE_MANAGER),
    Shot("dashboard-internal-waits", "/dashboard/internal-waits/", role=Role.SERVICE_MANAGER),
    Shot("self-referral", "/self-referral/", role=None),
]

# --- Issue 16: the dashboards over the demo's year of activity (tests/browser/test_dashboard.py
# writes dashboard-*.png from its own small data; these show the demo's 52 weekly points) -------

PAGES += [
    Shot("dashboard-year", "/dashboard/?period=52w", role=Role.SERVICE_MANAGER),
    Shot("dashboard-breaches", "/dashboard/breaches/?period=52w", role=Role.SERVICE_MANAGER),
    Shot("dashboard-capacity", "/dashboard/capacity/?period=52w", role=Role.SERVICE_MANAGER),
    Shot("dashboard-flow", "/dashboard/flow/?period=52w", role=Role.SERVICE_MANAGER),
]

# --- data -------------------------------------------------------------------------


def ensure_data() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    try:
        from demo.loader import demo_is_loaded
    except ImportError:
        demo_is_loaded = None
    if demo_is_loaded is not None:
        if not demo_is_loaded():
            print("Loading the demo (manage.py load_demo --referrals 300)...")
            call_command("load_demo", referrals=300, verbosity=0)
    else:
        _fallback_data()
    sweep_and_deliver()


def sweep_and_deliver() -> None:
    """What `make run`'s beat and worker do every minute: raise due alerts and put them in inboxes
    (and, with the default settings, write their emails to files under var/sent-email/)."""
    from referrals.services.alerts import alert_deliver_next, clocks_sweep

    now = timezone.now()
    clocks_sweep(now=now)
    delivered = 0
    while alert_deliver_next(now=now) is not None:
        delivered += 1
    if delivered:
        print(f"Swept the clocks: delivered {delivered} alerts.")


def _fallback_data() -> None:
    """A team, its staff and a few referrals, for when the demo loader is not there."""
    from localities.models import Locality, Organisation, PostcodeDistrict, Team
    from referrals.services.referrals import referral_create

    if User.objects.filter(username="shots-clinician").exists():
        return
    print("No demo loader: making a small synthetic team for the screenshots.")
    trust, _ = Organisation.objects.get_or_create(
        name="Synthetic Partnership NHS Trust", defaults={"kind": Organisation.Kind.NHS_TRUST}
    )
    vcse, _ = Organisation.objects.get_or_create(name="Synthetic Mind", defaults={"kind": Organisation.Kind.VCSE})
    locality, _ = Locality.objects.get_or_create(name="Inner City and East Bristol", defaults={"code": "icE"})
    team, _ = Team.objects.get_or_create(
        name="Inner City and East IPCT",
        defaults={"organisation": trust, "locality": locality, "kind": Team.Kind.LOCALITY},
    )
    locality.intake_team = team
    locality.save()
    PostcodeDistrict.objects.get_or_create(outward_code="BS5", defaults={"locality": locality})
    staff = [
        ("shots-clinician", "Priya", "Shah", Role.CLINICIAN, trust, "Community psychiatric nurse"),
        ("shots-link-worker", "Jordan", "Hughes", Role.LINK_WORKER, vcse, "Peer support worker"),
        ("shots-manager", "Morgan", "Ellis", Role.TEAM_MANAGER, trust, "Team manager"),
        ("shots-service-manager", "Sam", "Okafor", Role.SERVICE_MANAGER, trust, "Service manager"),
    ]
    for username, first, last, role, org, title in staff:
        user = User.objects.create(
            username=username, first_name=first, last_name=last, role=role, organisation=org, job_title=title
        )
        if role != Role.SERVICE_MANAGER:
            user.memberships.create(team=team)
    now = timezone.now()
    clinician = User.objects.get(username="shots-clinician")
    for hours_ago, given, family in [(30, "Alex", "Example"), (20, "Sam", "Sample"), (2, "Jo", "Placeholder")]:
        received = now - timedelta(hours=hours_ago)
        referral_create(
            by=clinician,
            now=received,
            received_at=received,
            source="gp",
            urgency="routine",
            presenting_need="Low mood and anxiety for three months; not sleeping.",
            given_name=given,
            family_name=family,
            postcode="BS5 6XX",
        )


def user_for(role: str, team: str = "") -> User:
    """The demo user of this role who is in a team (if the role has teams) with the most people;
    with ``team``, one in a team whose name contains it, if there is one."""
    users = User.objects.filter(role=role, is_active=True).order_by("username")
    if team and users.filter(memberships__team__name__icontains=team).exists():
        users = users.filter(memberships__team__name__icontains=team)
    user = users.filter(memberships__isnull=False).first() or users.first()
    if user is None:
        raise SystemExit(f"No active user with the role {role!r} in this database.")
    return user


def session_cookie(user: User, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }


# --- server and browser -----------------------------------------------------------


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
