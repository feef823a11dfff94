"""The home page: the pages each role starts from, and where the user works."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User

# The pages each role starts from, most used first: (title, URL name, what it is for).
_TRIAGE = ("Triage", "referrals:triage", "New referrals to your teams, waiting for a first response.")
_INTAKE = ("Take a referral", "referrals:intake", "Find the person, then record the referral and where it goes.")
_CASELOAD = ("My caseload", "caseload:mine", "The people you are the named link worker for.")
_TEAM = ("Team caseload", "caseload:team", "Everyone your team holds, who holds them and their clocks.")
_DASHBOARD = ("Dashboard", "dashboard:waits", "Waiting times, breaches and capacity across teams and localities.")
_ALERTS = ("Alerts", "referrals:alerts", "Warnings, breaches and escalations sent to you.")
_WAITS = (
    "Waiting lists",
    "referrals:waiting_lists",
    "Who waits for a therapy or group your teams offer, longest first, against each target.",
)
_GROUPS = ("Groups", "groupwork:list", "Skills and carers' groups: sessions, registers and who waits for a place.")
_BREAK_GLASS = (
    "Break-glass",
    "referrals:break_glass",
    "In an emergency, open a record you do not otherwise see. Recorded and reviewed.",
)
_AUDIT = ("Audit log", "ig:audit", "Who looked at or changed a person's record, by person, user and date.")
_REVIEWS = (
    "Break-glass reviews",
    "ig:break_glass",
    "Every emergency opening of a record, waiting for your review.",
)
_ADMIN = (
    "Reference data",
    "admin:index",
    "Organisations, localities, teams, practices, clock targets and staff accounts.",
)
HOME_LINKS: dict[str, list[tuple[str, str, str]]] = {
    Role.CLINICIAN: [_TRIAGE, _CASELOAD, _TEAM, _ALERTS, _WAITS, _GROUPS, _BREAK_GLASS],
    Role.LINK_WORKER: [_CASELOAD, _ALERTS, _TEAM, _GROUPS],
    Role.TEAM_MANAGER: [_TEAM, _TRIAGE, _DASHBOARD, _ALERTS, _WAITS, _GROUPS, _BREAK_GLASS],
    # Aggregates only: no identifiable records (docs/adr/0006).
    Role.SERVICE_MANAGER: [_DASHBOARD, _ALERTS],
    Role.IG_LEAD: [_AUDIT, _REVIEWS, _DASHBOARD],
    Role.ADMINISTRATOR: [_ADMIN, _DASHBOARD],
    # Call handlers and access points: find, take and route referrals; see the queue (issue 10).
    Role.INTAKE: [_INTAKE, _TRIAGE, _ALERTS],
}
# A manager who also works clinically gets a clinician's pages first.
CLINICAL_EXTRA = [_TRIAGE, _CASELOAD, _TEAM, _BREAK_GLASS]


def _where(team_names: list[str]) -> str:
    """The caption under the greeting: the team, or "North IPCT and 2 other teams"."""
    if len(team_names) <= 1:
        return "".join(team_names)
    others = len(team_names) - 1
    return f"{team_names[0]} and {others} other team{'s' if others > 1 else ''}"


def _links_for(user: User) -> list[tuple[str, str, str]]:
    """(title, url, what it is for) for each page the user starts from."""
    links = HOME_LINKS.get(user.role, [_ALERTS])
    if user.also_clinician and user.role not in (Role.CLINICIAN, Role.TEAM_MANAGER, Role.LINK_WORKER):
        links = CLINICAL_EXTRA + links
    if user.takes_referrals and _INTAKE not in links:
        # Everyone who may take a referral starts one from here, not only from the triage page.
        links = [*links[:1], _INTAKE, *links[1:]]
    return [(title, reverse(name), description) for title, name, description in links]


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "links": _links_for(user),
            "role": user.get_role_display(),
            "where": _where(list(user.teams.order_by("name").values_list("name", flat=True))),
        },
    )
