"""The IG lead's pages. Thin: read the request, call a selector or a service, render.

Anyone but an IG lead gets a 404 from every one of them (not a 403: the pages do not admit to
existing), superusers included.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC
from functools import wraps
from itertools import islice
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.models import BreakGlassReview
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import searched
from accounts.request_ip import client_ip
from common.csv import csv_response
from common.london import LONDON, london
from common.web import add_service_errors, set_display_attrs
from referrals.nhs_number import format_nhs_number

from .forms import AuditSearchForm, BreakGlassReviewForm, review_form_prefix
from .selectors import (
    AuditRow,
    audit_events_search,
    audit_rows,
    break_glass_queue,
    break_glass_review_get_for_user,
    break_glass_waiting_count,
    consent_lift_rows,
    consent_lifts,
    is_ig_lead,
    record_viewers,
)
from .services import audit_export_record, audit_search_record, break_glass_review

PER_PAGE = 50
# A download is for a report or an investigation, not a copy of the whole log.
EXPORT_CAP = 50_000
EXPORT_CHUNK = 2_000

CSV_HEADER = [
    "Event ID",
    "When (UK time)",
    "When (UTC)",
    "Who",
    "What they did",
    "Action code",
    "Record",
    "Person",
    "NHS number",
    "Person ID",
    "From address",
]


_Params = ParamSpec("_Params")
_T = TypeVar("_T")
_IgView = Callable[Concatenate[AuthenticatedHttpRequest, _Params], HttpResponse]


def ig_lead_required(view: _IgView[_Params]) -> _IgView[_Params]:
    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, /, *args: _Params.args, **kwargs: _Params.kwargs) -> HttpResponse:
        if not is_ig_lead(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _ig_context(request: AuthenticatedHttpRequest, current: str) -> dict[str, object]:
    """What every IG page shows around its content: the links between them."""
    return {
        "ig_current": current,
        "ig_waiting": break_glass_waiting_count(request.user),
        "breadcrumbs": [("Home", reverse("referrals:home"))],
    }


# --- The audit log ---------------------------------------------------------------------------


@ig_lead_required
@require_GET
def audit_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET, user=request.user)
    filters = form.filters()
    context = {"form": form, "filters": filters, "matches": form.matches, **_ig_context(request, "audit")}
    if form.matches or form.has_error("family_name"):
        # Finding people by name and date of birth is a search of identities: recorded, found or not.
        searched(
            request,
            [person.pk for person in form.matches],
            what="referrals.person",
            criteria={
                "family_name": request.GET.get("family_name", "")[:100],
                "birth_date": _typed_birth_date(request),
            },
        )
    if filters is not None:
        page = Paginator(audit_events_search(request.user, filters), PER_PAGE).get_page(request.GET.get("page"))
        context |= {
            "page_obj": page,
            "rows": audit_rows(page.object_list),
            "viewers": record_viewers(request.user, filters),
            "export_cap": f"{EXPORT_CAP:,}",
            "person_nhs_number": format_nhs_number(filters.person.nhs_number) if filters.person else "",
            "capped": page.paginator.count > EXPORT_CAP,
        }
        if filters.person is not None:
            # Recorded after the rows are read, so the search does not list itself.
            audit_search_record(by=request.user, now=timezone.now(), filters=filters, source_ip=client_ip(request))
    return render(request, "access/ig/audit.html", context)


def _typed_birth_date(request: AuthenticatedHttpRequest) -> str:
    parts = (request.GET.get(f"birth_date_{part}", "")[:4] for part in ("year", "month", "day"))
    return "-".join(parts)


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def csv_line(row: AuditRow) -> list[object]:
    # A failed sign-in's username is whatever someone typed: csv_response keeps it from running as a formula.
    return [
        row.id,
        london(row.at),
        row.at.astimezone(UTC).isoformat(),
        row.who,
        row.action_label,
        row.action,
        row.object_label,
        row.person_name,
        row.nhs_number,
        row.person_id,
        row.source_ip,
    ]


@ig_lead_required
@require_GET
def audit_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The search's rows as CSV, newest first, up to EXPORT_CAP of them; the download is audited."""
    form = AuditSearchForm(request.GET, user=request.user)
    filters = form.filters()
    if filters is None:
        # Show the errors on the search page rather than download something else.
        return redirect(f"{reverse('ig:audit')}?{request.GET.urlencode()}")
    now = timezone.now()
    events = audit_events_search(request.user, filters)[: EXPORT_CAP + 1]
    rows: list[AuditRow] = []
    for chunk in _chunks(events.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        rows.extend(audit_rows(chunk))
    capped = len(rows) > EXPORT_CAP
    rows = rows[:EXPORT_CAP]

    lines = [csv_line(row) for row in rows]
    if capped:
        lines.append([f"Only the newest {EXPORT_CAP:,} events are in this file: narrow the search to get the rest."])
    response = csv_response(
        filename=f"audit-log-{now.astimezone(LONDON):%Y-%m-%d-%H%M}.csv", header=CSV_HEADER, rows=lines
    )
    audit_export_record(
        by=request.user, now=now, filters=filters, rows=len(rows), capped=capped, source_ip=client_ip(request)
    )
    return response


# --- Refusals to share that were lifted ------------------------------------------------------


@ig_lead_required
@require_GET
def consent_lift_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(consent_lifts(request.user), PER_PAGE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "lifts": consent_lift_rows(page.object_list), **_ig_context(request, "consent")}
    return render(request, "access/ig/consent_lifts.html", context)


# --- Break-glass openings ------------------------------------------------------------------


@ig_lead_required
@require_GET
def break_glass_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(break_glass_queue(request.user), PER_PAGE).get_page(request.GET.get("page"))
    openings = [
        (_decorate(review), None if review.reviewed_at else BreakGlassReviewForm(prefix=review_form_prefix(review)))
        for review in page.object_list
    ]
    context = {"page_obj": page, "openings": openings, "now": timezone.now(), **_ig_context(request, "break_glass")}
    return render(request, "access/ig/break_glass.html", context)


@ig_lead_required
@require_http_methods(["GET", "POST"])
def break_glass_review_view(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    """One opening and its review form: where the list's forms post, and where errors are shown."""
    review = _decorate(break_glass_review_get_for_user(request.user, review_id))
    if request.method == "POST":
        return _review_post(request, review)
    form = None if review.reviewed_at else BreakGlassReviewForm(prefix=review_form_prefix(review))
    return _review_page(request, review, form)


def _decorate(review: BreakGlassReview) -> BreakGlassReview:
    set_display_attrs(review, nhs_number=format_nhs_number(review.person.nhs_number))
    return review


def _review_post(request: AuthenticatedHttpRequest, review: BreakGlassReview) -> HttpResponse:
    form = BreakGlassReviewForm(request.POST, prefix=review_form_prefix(review))
    if form.is_valid():
        try:
            break_glass_review(
                review=review,
                by=request.user,
                now=timezone.now(),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                source_ip=client_ip(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            review.refresh_from_db()
        else:
            person = review.person
            messages.success(
                request,
                f"Review saved: {person.given_name} {person.family_name}’s record, opened by {review.opened_by}.",
            )
            return redirect("ig:break_glass")
    return _review_page(request, review, form)


def _review_page(
    request: AuthenticatedHttpRequest, review: BreakGlassReview, form: BreakGlassReviewForm | None
) -> HttpResponse:
    context = {"review": review, "form": form, "now": timezone.now(), **_ig_context(request, "review")}
    context["breadcrumbs"] = [("Home", reverse("referrals:home")), ("Break-glass openings", reverse("ig:break_glass"))]
    return render(request, "access/ig/review.html", context)
