"""Every page the script takes, by journey: ``PAGES``, with how to find each page's subject in the
demo data and how to prepare the page (fill a form, submit it, open a menu) before the picture."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page

from accounts.models import Role, User

from .shot import Shot


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


def _group_path(user: User, *, then: str = "") -> str:
    """The first group of a team the user is in (the demo's emotional coping group)."""
    from groupwork.selectors import groups_visible_to

    group = groups_visible_to(user).order_by("pk").first()
    return f"/groups/{group.pk}/{then}" if group else "/groups/"


PAGES += [
    Shot("pathways", "/pathways/", role=Role.SERVICE_MANAGER),
    Shot("groups", "/groups/", role=Role.TEAM_MANAGER, team="Complex Emotional Needs"),
    Shot("group", _group_path, role=Role.TEAM_MANAGER, team="Complex Emotional Needs"),
    Shot(
        "group-change",
        lambda user: _group_path(user, then="change/"),
        role=Role.TEAM_MANAGER,
        team="Complex Emotional Needs",
    ),
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
