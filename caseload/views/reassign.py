"""One screen for a team manager to move a leaving or absent worker's whole caseload, and to
record their absence (capacity meanwhile, and cover for a date range)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.grants import absence_record
from accounts.http import AuthenticatedHtmxRequest
from accounts.models import Role
from accounts.reads import LIST, seen
from caseload import selectors
from caseload.forms import AbsenceForm, ReassignForm, suggest_by_room, with_open_caseload
from common.london import london_midnight
from common.web import add_service_errors, set_display_attrs
from referrals.errors import InvalidTransition
from referrals.services.allocation import Move, caseload_reassign

from .common import capacity_state, person_url
from .team import _team_id

ABSENCE_FIELDS = {"until": "last_day", "starts_at": "first_day", "ends_at": "last_day"}


@login_required
@require_http_methods(["GET", "POST"])
def reassign(request: AuthenticatedHtmxRequest, worker_id: int) -> HttpResponse:
    """Move a worker's caseload (each person to a new worker or the unallocated list), or record their absence."""
    team = selectors.team_get_for_user(request.user, _team_id(request))
    if team is None or request.user.role != Role.TEAM_MANAGER:
        raise Http404("No such page.")  # only a team's managers move its caseloads
    now = timezone.now()
    worker = selectors.team_worker_get(team, worker_id, now=now)
    rows = list(selectors.worker_caseload_in_team(request.user, team, worker))
    for row in rows:
        set_display_attrs(row, person_url=person_url(row.person_id))
    seen(request, LIST, [row.person_id for row in rows], what="referrals.referral")
    candidates = [
        w for w in with_open_caseload(selectors.allocation_candidates(team=team, now=now)[0]) if w.pk != worker.pk
    ]
    colleagues = [w for w in with_open_caseload(selectors.team_workers(team, now=now)) if w.pk != worker.pk]
    here = f"{reverse('caseload:reassign', args=[worker.pk])}?team={team.pk}"

    action = request.POST.get("action") if request.method == "POST" else None
    suggested = suggest_by_room(rows, candidates) if request.GET.get("suggest") else None
    form = ReassignForm(
        request.POST if action == "reassign" else None,
        rows=rows,
        worker=worker,
        candidates=candidates,
        initial={f"to_{pk}": to for pk, to in (suggested or {}).items()},
    )
    absence_form = AbsenceForm(request.POST if action == "absence" else None, colleagues=colleagues, prefix="absence")

    if action == "reassign" and form.is_valid():
        moves = [Move(referral=r, to=to, note=note) for r, to, note in form.moves()]
        try:
            moved = caseload_reassign(by=request.user, now=timezone.now(), worker=worker, team=team, moves=moves)
        except ValidationError as error:
            form.add_error(None, "; ".join(error.messages))
        except InvalidTransition as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Moved {moved} {'person' if moved == 1 else 'people'} from {worker}'s caseload.")
            return redirect(here)
    if action == "absence" and absence_form.is_valid():
        data = absence_form.cleaned_data
        try:
            absence = absence_record(
                by=request.user,
                worker=worker,
                starts_at=london_midnight(data["first_day"]),
                ends_at=london_midnight(data["last_day"] + timedelta(days=1)),
                now=timezone.now(),
                kind=data["kind"],
                capacity_during=data["capacity_during"],
                covering=data["covering"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(absence_form, error, field_map=ABSENCE_FIELDS)
        else:
            cover = f", covered by {absence.covering}" if absence.covering else ""
            messages.success(request, f"{worker} is recorded as away{cover}.")
            return redirect(here)

    for candidate in candidates:
        set_display_attrs(candidate, capacity_state=capacity_state(candidate))
    context = {
        "team": team,
        "worker": worker,
        "rows": rows,
        "form": form,
        "absence_form": absence_form,
        "absences": list(selectors.absences_not_ended(worker, now=now)),
        "candidates": candidates,
        "here": here,
        "suggested": suggested is not None,
        "now": now,
    }
    return render(request, "caseload/reassign.html", context)
