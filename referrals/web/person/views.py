"""The person page (the hub every other page links to and from) and the person's timeline."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.selectors import handoff_followed_for_person, person_get_for_user, referral_get_for_user
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import VIEW, seen
from common import pagination
from common.web import add_service_errors
from referrals.models import Referral
from referrals.nhs_number import format_nhs_number
from referrals.services.people import person_disabilities_set
from referrals.web.shared import age_on, person_breadcrumbs, person_url

from .forms import DisabilitiesForm
from .queries import person_page, person_timeline

TIMELINE_PAGE_SIZE = 25


@login_required
@require_GET
def person_detail(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    try:
        page = person_page(request.user, person_id)
    except Http404:
        # Someone they sent elsewhere: where they went, never a bare 404 (issue 15, item 5).
        handoff = handoff_followed_for_person(request.user, person_id)
        if handoff is None:
            raise
        return redirect("referrals:handoff", handoff.pk)
    now = timezone.now()
    person = page.person
    seen(request, VIEW, [person.pk], what="referrals.person", object_id=str(person.pk))
    holders = page.holders
    referrals = [
        {
            "referral": referral,
            "holder": holders.get(referral.pk),
            "links": _links(referral),
        }
        for referral in page.referrals
    ]
    history = sorted(
        [("handoff", h.at, h) for h in page.handoffs] + [("allocation", a.started_at, a) for a in page.allocations],
        key=lambda item: item[1],
        reverse=True,
    )
    return render(
        request,
        "referrals/person/detail.html",
        {
            "page": page,
            "person": person,
            "nhs_number": format_nhs_number(person.nhs_number),
            "age": age_on(person.birth_date, timezone.localdate(now)),
            "referral_rows": referrals,
            "history": history,
            "next": request.get_full_path(),
            "now": now,
            "assessment_url": reverse("referrals:assessment", args=[person.pk]),
            "timeline_url": reverse("referrals:timeline", args=[person.pk]),
            "breadcrumbs": [("Home", reverse("referrals:home"))],
        },
    )


def _links(referral: Referral) -> list[tuple[str, str]]:
    """What can be done with a referral from its row: (text, url)."""
    # Triage only a new referral, or one just arrived by a redirect (the lifecycle allows no other).
    can_triage = referral.status in (Referral.Status.RECEIVED, Referral.Status.REDIRECTED)
    is_open = referral.ended_at is None
    links = [
        ("Triage", "referrals:triage_referral", can_triage),
        ("Allocate", "caseload:allocate", is_open),
        ("Care plan", "referrals:care_plan", True),
        ("Outcomes", "referrals:outcomes", True),
        ("Redirect", "referrals:redirect", is_open),
        ("Discharge", "referrals:discharge", is_open),
    ]
    return [(text, reverse(name, args=[referral.pk])) for text, name, shown in links if shown]


@login_required
@require_GET
def person_timeline_view(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    page_number = pagination.page_number(request)
    person, entries, has_next = person_timeline(
        request.user, person_id, page=page_number, now=timezone.now(), per_page=TIMELINE_PAGE_SIZE
    )
    seen(request, VIEW, [person.pk], what="referrals.person", object_id=str(person.pk))
    if not entries and page_number > 1:
        raise Http404("No such page.")
    return render(
        request,
        "referrals/person/timeline.html",
        {
            "person": person,
            "nhs_number": format_nhs_number(person.nhs_number),
            "entries": entries,
            "page_number": page_number,
            "has_next": has_next,
            "has_previous": page_number > 1,
            "breadcrumbs": person_breadcrumbs(person),
        },
    )


@login_required
@require_GET
def referral_detail(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """A referral is shown on its person's page; this address is what alerts and emails link to."""
    referral = referral_get_for_user(request.user, referral_id)
    return redirect(f"{person_url(referral.person_id)}#referral-{referral.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def person_disabilities(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Record the person's disability types (MHSDS MHS007), as NHS.UK checkboxes."""
    person = person_get_for_user(request.user, person_id)
    current = list(person.disabilities.values_list("code", flat=True))
    # Bound on every POST: with nothing ticked the browser sends no "disabilities" at all.
    form = DisabilitiesForm(request.POST if request.method == "POST" else None, initial={"disabilities": current})
    if request.method == "POST" and form.is_valid():
        try:
            person_disabilities_set(
                person=person, by=request.user, now=timezone.now(), codes=form.cleaned_data["disabilities"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("referrals:person", person.pk)
    seen(request, VIEW, [person.pk], what="referrals.person.disabilities", object_id=str(person.pk))
    return render(
        request,
        "referrals/person/disabilities.html",
        {"person": person, "form": form, "breadcrumbs": person_breadcrumbs(person)},
        status=400 if form.errors else 200,
    )
