from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHtmxRequest
from accounts.models import Role
from accounts.reads import LIST, seen
from caseload import selectors
from caseload.forms import with_open_caseload
from caseload.selectors import TeamView
from common.web import set_display_attrs, url_with_id

from .common import capacity_state, display_rows, paginate


def _team_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("team")
    if not raw:  # absent or empty
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404("No such team.") from None


@login_required
@require_GET
def team_caseload(request: AuthenticatedHtmxRequest) -> HttpResponse:
    """Everyone the team holds, the unallocated, the waiting list, and each worker's caseload."""
    team = selectors.team_get_for_user(request.user, _team_id(request))
    if team is None:
        return render(request, "caseload/no_team.html")
    now = timezone.now()
    view = request.GET.get("view")
    if view not in dict(TeamView.choices):
        view = TeamView.HELD
    search = request.GET.get("q", "").strip()[:100]
    counts = selectors.team_caseload_counts(request.user, team)
    qs = selectors.team_caseload(request.user, team, view=view, search=search)
    page, ids = paginate(request, qs, count=None if search else counts[view])
    rows = display_rows(selectors.caseload_rows_for(ids, now=now), now=now)
    seen(request, LIST, [row["person_id"] for row in rows], what="referrals.referral")
    workers = with_open_caseload(selectors.team_workers(team))
    reassign_url = url_with_id("caseload:reassign")  # reversed once, not once a worker (issue 17)
    for worker in workers:
        set_display_attrs(worker, capacity_state=capacity_state(worker), reassign_url=reassign_url(worker.pk))
    context = {
        "team": team,
        "teams": list(selectors.teams_visible_to(request.user).order_by("name")),
        "view": view,
        "views": [(key, label, counts[key]) for key, label in TeamView.choices],
        "search": search,
        "page_obj": page,
        "rows": rows,
        "workers": workers,
        "manages": request.user.role == Role.TEAM_MANAGER,
        "now": now,
    }
    if request.htmx.target == "team-results":
        return render(request, "caseload/_team_results.html", context)
    return render(request, "caseload/team.html", context)
