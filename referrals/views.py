from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.models import Role

# The pages each role starts from, most used first: (title, path, what it is for).
# Plain paths, so the home page links to pages before they exist (they are built alongside).
_TRIAGE = ("Triage", "/triage/", "New referrals to your teams, waiting for a first response.")
_CASELOAD = ("My caseload", "/caseload/", "The people you are the named link worker for.")
_TEAM = ("Team caseload", "/team/", "Everyone your team holds, who holds them and their clocks.")
_DASHBOARD = ("Dashboard", "/dashboard/", "Waiting times, breaches and capacity across teams and localities.")
_ALERTS = ("Alerts", "/alerts/", "Warnings, breaches and escalations sent to you.")
HOME_LINKS = {
    Role.CLINICIAN: [_TRIAGE, _CASELOAD, _TEAM, _ALERTS],
    Role.LINK_WORKER: [_CASELOAD, _ALERTS, _TEAM],
    Role.TEAM_MANAGER: [_TEAM, _TRIAGE, _DASHBOARD, _ALERTS],
    Role.SERVICE_MANAGER: [_DASHBOARD, _ALERTS, _TEAM],
    Role.IG_LEAD: [_DASHBOARD, _ALERTS],
    Role.ADMINISTRATOR: [_TRIAGE, _DASHBOARD, _ALERTS],
}


def _where(team_names: list[str]) -> str:
    """The caption under the greeting: the team, or "North IPCT and 2 other teams"."""
    if len(team_names) <= 1:
        return "".join(team_names)
    others = len(team_names) - 1
    return f"{team_names[0]} and {others} other team{'s' if others > 1 else ''}"


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "home.html",
        {
            "links": HOME_LINKS.get(user.role, [_ALERTS]),
            "role": user.get_role_display(),
            "where": _where(list(user.teams.order_by("name").values_list("name", flat=True))),
        },
    )
