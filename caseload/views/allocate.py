from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.selectors import referral_get_for_user
from accounts.http import AuthenticatedHtmxRequest
from accounts.models import User
from accounts.reads import VIEW, seen
from caseload import selectors
from caseload.forms import AllocateForm, InlineAllocateForm, OpenCaseload, WorkerSearchForm, with_open_caseload
from common.web import add_service_errors, safe_next, set_display_attrs
from referrals.errors import InvalidTransition
from referrals.models import Allocation, Referral
from referrals.services import caseload_allocate

from .common import capacity_state, display_rows, person_url

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only


def _save(form: AllocateForm, *, request: AuthenticatedHtmxRequest) -> Allocation | None:
    """Call the service; its refusals become form errors on the right field."""
    data = form.cleaned_data
    try:
        return caseload_allocate(
            referral=form.referral,
            by=request.user,
            now=timezone.now(),
            link_worker=data["link_worker"],
            team=data["team"],
            handover_note=data.get("handover_note", ""),
            expect_unchanged=True,  # the form was checked against the referral as read: a colleague may be faster
        )
    except ValidationError as error:
        add_service_errors(form, error)
    except InvalidTransition as error:
        form.add_error(None, error.message)
    return None


def _with_capacity(
    workers: "list[WithAnnotations[User, OpenCaseload]]",
) -> "list[WithAnnotations[User, OpenCaseload]]":
    for worker in workers:
        set_display_attrs(worker, capacity_state=capacity_state(worker))
    return workers


@login_required
@require_http_methods(["GET", "POST"])
def allocate(request: AuthenticatedHtmxRequest, referral_id: int) -> HttpResponse:
    """Allocate or reassign the person's link worker (any partner organisation) and team."""
    referral = referral_get_for_user(request.user, referral_id)
    seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
    if request.GET.get("inline") or request.POST.get("inline"):
        if not request.htmx:
            raise Http404("The inline form is an htmx fragment; use the allocation page.")
        return _inline(request, referral)

    next_url = safe_next(request, "")
    search_form = WorkerSearchForm(request.GET)
    search = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    team_workers, found = selectors.allocation_candidates(team=referral.team, search=search)
    in_team, others = with_open_caseload(team_workers), with_open_caseload(found)

    if request.method == "POST":
        form = AllocateForm(request.POST, referral=referral)
        if form.is_valid() and (allocation := _save(form, request=request)) is not None:
            worker = allocation.link_worker
            messages.success(request, f"{referral.person} is now held by {worker} in {allocation.team}.")
            return redirect(next_url or person_url(referral.person_id))
        # Keep a worker chosen from search results on the list after an error.
        chosen = form.cleaned_data.get("link_worker") if hasattr(form, "cleaned_data") else None
        if chosen and chosen.pk not in {w.pk for w in in_team + others}:
            others = [chosen, *others]
    else:
        form = AllocateForm(referral=referral)

    history = list(
        Allocation.objects.filter(referral_id=referral.pk)
        .select_related("link_worker__organisation", "team", "started_by")
        .order_by("-started_at", "-pk")
    )
    chosen_pk = str(form["link_worker"].value() or "")
    team_label = f"In {referral.team}" if referral.team else "In the team"
    groups = [(team_label, _with_capacity(in_team)), ("Other partner organisations", _with_capacity(others))]
    choices = [
        {"worker": worker, "group": label, "checked": str(worker.pk) == chosen_pk}
        for label, workers in groups
        for worker in workers
    ]
    for i, choice in enumerate(choices):
        choice["id"] = f"id_link_worker_{i}"  # the error summary links to the first: id_link_worker_0
    context = {
        "referral": referral,
        "person": referral.person,
        "person_url": person_url(referral.person_id),
        "form": form,
        "search_form": search_form,
        "search": search,
        "choices": choices,
        "others": others,
        "current": history[0] if history and history[0].ended_at is None else None,
        "history": history,
        "next_url": next_url,
    }
    if request.htmx.target == "worker-choices":
        return render(request, "caseload/_worker_choices.html", context)
    return render(request, "caseload/allocate.html", context)


def _inline(request: AuthenticatedHtmxRequest, referral: Referral) -> HttpResponse:
    """The team page's one-line form (htmx): GET shows it in the row, POST allocates and returns the row."""
    workers = with_open_caseload(selectors.allocation_candidates(team=referral.team)[0])
    prefix = f"r{referral.pk}"  # several rows may have their form open at once
    if request.method == "POST":
        form = InlineAllocateForm(request.POST, referral=referral, workers=workers, prefix=prefix)
        if form.is_valid() and _save(form, request=request) is not None:
            now = timezone.now()
            row = display_rows([selectors.caseload_row_for_user(request.user, referral.pk, now=now)], now=now)[0]
            return render(request, "caseload/_team_row.html", {"row": row, "just_allocated": True})
    else:
        form = InlineAllocateForm(referral=referral, workers=workers, prefix=prefix)
    now = timezone.now()
    row = display_rows([selectors.caseload_row_for_user(request.user, referral.pk, now=now)], now=now)[0]
    return render(request, "caseload/_team_row.html", {"row": row, "inline_form": form})
