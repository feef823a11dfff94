"""Journey 2: the triage queue, triage itself, and redirecting with a warm handover."""

from collections.abc import Iterable
from typing import TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.selectors import people_visible_to, referral_get_for_user
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import LIST, SEARCH, VIEW, seen
from common.london import london
from common.pagination import page_with_its_count
from common.web import add_service_errors, safe_next, set_display_attrs, url_with_id
from pathways.selectors import rollout_check, rollouts_not_live
from referrals.errors import InvalidTransition
from referrals.models import Clock, Referral
from referrals.nhs_number import format_nhs_number
from referrals.services import referral_redirect, referral_triage
from referrals.web.shared import person_breadcrumbs, person_url

from .forms import QueueFilterForm, RedirectForm, TriageForm
from .queries import possible_same_people, redirect_targets, risk_flags_open, triage_queue, triage_scope_for

PAGE_SIZE = 25


@login_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    teams, localities = triage_scope_for(request.user)
    filters = QueueFilterForm(request.GET or None, teams=list(teams), localities=list(localities))
    chosen = filters.cleaned_data if filters.is_valid() else {}
    referrals = triage_queue(
        request.user,
        team_id=chosen.get("team"),
        locality_id=chosen.get("locality"),
        search=chosen.get("q") or "",
    )
    page = page_with_its_count(referrals, request.GET.get("page"), PAGE_SIZE)  # rows and count in one query
    rows = _queue_rows(page.object_list)
    seen(request, LIST, [row["person_id"] for row in rows], what="referrals.referral")
    return render(
        request,
        "referrals/triage/queue.html",
        {
            "filters": filters,
            "page_obj": page,
            "rows": rows,
            "now": now,
            "next": request.get_full_path(),
            "filtered": any(chosen.values()),
        },
    )


class QueueRow(TypedDict):
    """One row of the triage queue as its template draws it: plain values worked out once, not
    model look-ups and a ``{% url %}`` per link in the template (issue 17, docs/adr/0013). Named
    ``referral`` in the template, so the shared clock badges and record-a-contact includes read
    ``pk``, ``person``, ``reference`` and ``current_clocks`` from it as from a referral."""

    pk: int
    person_id: int
    person: str
    reference: str
    received: str
    current_clocks: list[Clock]
    urgency: str
    urgency_text: str
    source_text: str
    status: str
    thrive_text: str
    contact_attempts: int
    team: str
    locality: str
    person_url: str
    contact_url: str
    triage_url: str
    redirect_url: str


def _queue_rows(referrals: Iterable[Referral]) -> list[QueueRow]:
    person, contact, triage, redirect_to = (
        url_with_id(name)
        for name in ("referrals:person", "referrals:contact_new", "referrals:triage_referral", "referrals:redirect")
    )
    return [
        {
            "pk": referral.pk,
            "person_id": referral.person_id,
            "person": str(referral.person),
            "reference": referral.reference,
            "received": london(referral.received_at),
            "current_clocks": referral.current_clocks,  # type: ignore[attr-defined]  # the queue's prefetch
            "urgency": referral.urgency,
            "urgency_text": referral.get_urgency_display(),
            "source_text": referral.get_source_display(),
            "status": referral.status,
            "thrive_text": referral.get_thrive_grouping_display() if referral.thrive_grouping else "",
            "contact_attempts": referral.contact_attempts,  # type: ignore[attr-defined]  # annotated
            "team": str(referral.team) if referral.team_id else "",
            "locality": str(referral.locality) if referral.locality_id else "",
            "person_url": person(referral.person_id),
            "contact_url": contact(referral.pk),
            "triage_url": triage(referral.pk),
            "redirect_url": redirect_to(referral.pk),
        }
        for referral in referrals
    ]


def _referral_context(request: HttpRequest, referral: Referral) -> dict[str, object]:
    """What the triage and redirect pages show of the referral (a read of the record: audited)."""
    person = referral.person
    seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
    set_display_attrs(referral, current_clocks=[clock for clock in referral.clocks.all() if clock.is_current])
    return {
        "referral": referral,
        "person": person,
        "nhs_number": format_nhs_number(person.nhs_number),
        "risk_flags": risk_flags_open(person),
        "now": timezone.now(),
        "breadcrumbs": [("Home", reverse("referrals:home")), ("Triage", reverse("referrals:triage"))],
    }


@login_required
@require_http_methods(["GET", "POST"])
def triage_referral(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    initial = {"urgency": referral.urgency, "thrive_grouping": referral.thrive_grouping}
    form = TriageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral_triage(
                referral=referral,
                by=request.user,
                now=timezone.now(),
                urgency=data["urgency"],
                thrive_grouping=data["thrive_grouping"],
                next_step=data["next_step"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Referral {referral.reference} for {referral.person} triaged.")
            return redirect(safe_next(request, reverse("referrals:triage")))
    context = _referral_context(request, referral) | {"form": form, "next": safe_next(request, "")}
    if request.user.takes_referrals:  # who may search everyone at intake may see the same here
        possible_same = possible_same_people(referral.person)
        seen(request, SEARCH, [c.person.pk for c in possible_same], what="referrals.person")
        context["possible_same"] = possible_same
    return render(request, "referrals/triage/triage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def redirect_referral(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    form = RedirectForm(request.POST or None, targets=redirect_targets(referral))
    if request.method == "POST" and form.is_valid() and _live_in_locality(form, referral):
        data = form.cleaned_data
        try:
            handoff = referral_redirect(
                referral=referral,
                by=request.user,
                now=timezone.now(),
                to_team=data["to_team"],
                note=data["note"],
                person_informed=data["person_informed"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Referral {referral.reference} handed over to {handoff.to_team} with your handover note."
            )
            # The person's record shows where they went, if this user can still see them
            # (a team that hands over keeps no access unless it holds another referral).
            if people_visible_to(request.user).filter(pk=referral.person_id).exists():
                return redirect(f"{person_url(referral.person_id)}#handoffs")
            return redirect("referrals:triage")
    context = _referral_context(request, referral) | {"form": form}
    context["breadcrumbs"] = person_breadcrumbs(referral.person)
    context["not_live"] = rollouts_not_live(locality=referral.locality, on=timezone.localdate())
    return render(request, "referrals/triage/redirect.html", context)


def _live_in_locality(form: RedirectForm, referral: Referral) -> bool:
    """A service rolled out locality by locality takes referrals only where it is live
    (pathways.selectors.rollout_check): elsewhere the form says why and names the existing route."""
    check = rollout_check(team=form.cleaned_data["to_team"], locality=referral.locality, on=timezone.localdate())
    if not check.live:
        route = check.existing_route.name if check.existing_route else "the locality's own team"
        form.add_error("to_team", f"{check.reason} Until then, hand over to {route}.")
    return check.live
