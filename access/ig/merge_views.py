"""The IG lead's pages for duplicate records: find two records, compare them side by side, merge
with a reason after confirming; see a merge and undo it within 30 days. Everyone else gets 404."""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.reads import searched
from common.web import add_service_errors
from referrals.models import Person, PersonMerge
from referrals.services import person_merge, person_unmerge

from .merges import (
    MergeConfirmForm,
    MergeFindForm,
    UnmergeForm,
    merge_get,
    merge_sides,
    merge_undo_allowed,
    merges_recent,
    person_posted_for_merge,
)
from .views import _ig_context, ig_lead_required

PER_PAGE = 20


def _context(request: AuthenticatedHttpRequest) -> dict[str, object]:
    context = _ig_context(request, "merge")
    context["breadcrumbs"] = [("Home", reverse("referrals:home")), ("Audit log", reverse("ig:audit"))]
    return context


@ig_lead_required
@require_http_methods(["GET", "POST"])
def merge_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: find two records (and the list of recent merges); POST: merge them, once confirmed."""
    if request.method == "POST":
        return _merge_post(request)
    find = MergeFindForm(request.GET if "keep" in request.GET else None)
    context = _context(request) | {"find": find}
    if find.is_bound and find.is_valid():
        keep, duplicate = find.cleaned_data["keep_person"], find.cleaned_data["duplicate_person"]
        searched(request, [keep.pk, duplicate.pk], what="referrals.person", criteria={"merge": "compare"})
        context |= _compare(keep, duplicate, MergeConfirmForm(initial={"keep": keep.pk, "duplicate": duplicate.pk}))
    context["page_obj"] = Paginator(merges_recent(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "access/ig/merge.html", context)


def _compare(keep: Person, duplicate: Person, form: MergeConfirmForm) -> dict[str, object]:
    keep_side, duplicate_side = merge_sides(keep, duplicate)
    return {"keep": keep_side, "duplicate": duplicate_side, "confirm": form}


def _merge_post(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MergeConfirmForm(request.POST)
    keep = person_posted_for_merge(request.POST.get("keep"))
    duplicate = person_posted_for_merge(request.POST.get("duplicate"))
    if form.is_valid():
        try:
            merge = person_merge(
                keep=keep, duplicate=duplicate, by=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Merged: {duplicate}’s record is now part of {keep}’s.")
            return redirect("ig:merge_detail", merge_id=merge.pk)
    context = _context(request) | {"find": MergeFindForm(initial={"keep": keep.pk, "duplicate": duplicate.pk})}
    context |= _compare(keep, duplicate, form)
    context["page_obj"] = Paginator(merges_recent(), PER_PAGE).get_page(1)
    return render(request, "access/ig/merge.html", context, status=400)


@ig_lead_required
@require_GET
def merge_detail(request: AuthenticatedHttpRequest, merge_id: int) -> HttpResponse:
    return _detail_page(request, merge_get(merge_id), UnmergeForm())


@ig_lead_required
@require_POST
def merge_undo(request: AuthenticatedHttpRequest, merge_id: int) -> HttpResponse:
    merge = merge_get(merge_id)
    form = UnmergeForm(request.POST)
    if form.is_valid():
        try:
            person_unmerge(merge=merge, by=request.user, now=timezone.now(), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Merge undone: {merge.duplicate}’s record has what it held before.")
            return redirect("ig:merge_detail", merge_id=merge.pk)
    return _detail_page(request, merge, form, status=400)


def _detail_page(
    request: AuthenticatedHttpRequest, merge: PersonMerge, form: UnmergeForm, status: int = 200
) -> HttpResponse:
    moved = [
        (apps.get_model(label)._meta.verbose_name_plural, len(entry["ids"]))
        for label, entry in merge.moved.items()
        if label != "filled"
    ]
    context = _context(request) | {
        "merge": merge,
        "moved": moved,
        "filled": sorted(merge.moved.get("filled", {})),
        "form": form,
        "can_undo": merge_undo_allowed(merge, now=timezone.now()),
    }
    context["breadcrumbs"] = [("Home", reverse("referrals:home")), ("Merge duplicate records", reverse("ig:merge"))]
    return render(request, "access/ig/merge_detail.html", context, status=status)
