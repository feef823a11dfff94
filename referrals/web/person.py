"""The person page (the hub every other page links to and from) and the person's timeline."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.selectors import person_get_for_user, referral_get_for_user
from accounts.reads import VIEW, seen
from referrals.models import Referral

from .queries_intake import person_page, person_timeline

TIMELINE_PAGE_SIZE = 25


def optional_url(name: str, *args) -> str | None:
    """The URL of a page, or None while that page does not exist yet (pages are built in parallel)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def format_nhs_number(number: str | None) -> str:
    """'4857773456' -> '485 777 3456', as NHS numbers are read out and printed."""
    if not number or len(number) != 10:
        return number or ""
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def person_breadcrumbs(person) -> list[tuple[str, str]]:
    return [("Home", reverse("referrals:home")), (str(person), reverse("referrals:person", args=[person.pk]))]


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get_for_user(request.user, person_id)
    now = timezone.now()
    page = person_page(request.user, person)
    seen(request, VIEW, [person.pk], what="referrals.person", object_id=str(person.pk))
    referrals = [
        {
            "referral": referral,
            "holder": referral.open_allocations[0] if referral.open_allocations else None,
            "links": [
                (text, href)
                for text, href in (
                    (
                        "Triage",
                        optional_url("referrals:triage_referral", referral.pk) if _can_triage(referral) else None,
                    ),
                    ("Allocate", optional_url("caseload:allocate", referral.pk) if _is_open(referral) else None),
                    ("Care plan", optional_url("referrals:care_plan", referral.pk)),
                    ("Outcomes", optional_url("referrals:outcomes", referral.pk)),
                    ("Redirect", optional_url("referrals:redirect", referral.pk) if _is_open(referral) else None),
                    ("Discharge", optional_url("referrals:discharge", referral.pk) if _is_open(referral) else None),
                )
                if href
            ],
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
            "assessment_url": optional_url("referrals:assessment", person.pk),
            "timeline_url": reverse("referrals:timeline", args=[person.pk]),
            "breadcrumbs": [("Home", reverse("referrals:home"))],
        },
    )


def _is_open(referral) -> bool:
    return referral.ended_at is None


def _can_triage(referral) -> bool:
    """New, or just arrived by a redirect (the lifecycle allows triage from these only)."""
    return referral.status in (Referral.Status.RECEIVED, Referral.Status.REDIRECTED)


@login_required
@require_GET
def person_timeline_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get_for_user(request.user, person_id)
    try:
        page_number = int(request.GET.get("page", "1"))
        if page_number < 1:
            raise InvalidPage
    except (ValueError, InvalidPage):
        raise Http404("No such page.") from None
    entries, has_next = person_timeline(request.user, person, page=page_number, per_page=TIMELINE_PAGE_SIZE)
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
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    """A referral is shown on its person's page; this address is what alerts and emails link to."""
    referral = referral_get_for_user(request.user, referral_id)
    return redirect(f"{reverse('referrals:person', args=[referral.person_id])}#referral-{referral.pk}")
