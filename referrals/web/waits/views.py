"""No hidden waits (issue 14, item 4): offer an intervention from a referral's care pages, start
it or withdraw the offer, and each team's waiting list per kind of intervention, longest first.

Views adapt the request and call the services; a referral the user may not see is a 404
(``referral_get_for_user``), and so is a team they are not in.
"""

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.selectors import referral_get_for_user
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import LIST, VIEW, seen
from common.london import london_midnight
from common.web import add_service_errors
from referrals.errors import InvalidTransition
from referrals.models import Intervention, Referral
from referrals.services.intervention_waits import (
    intervention_offer_create,
    intervention_offer_start,
    intervention_offer_withdraw,
)
from referrals.web.shared import person_breadcrumbs, person_url

from . import queries as q
from .forms import OfferForm, StartForm, WithdrawForm

PAGE_SIZE = 50


def _instant(day: date, *, referral: Referral, now: datetime) -> datetime:
    """A typed day as an instant: today is now; the referral's first day no earlier than it arrived."""
    if day == timezone.localdate(now):
        return now
    start = london_midnight(day)
    if day == timezone.localdate(referral.received_at):
        return max(start, referral.received_at)
    return start


def _offers_page(
    request: AuthenticatedHttpRequest,
    referral: Referral,
    *,
    offer_form: OfferForm | None = None,
    start_forms: dict[int, StartForm] | None = None,
) -> HttpResponse:
    now = timezone.now()
    offers = q.offers_for_referral(referral)
    start_forms = start_forms or {}
    for offer in offers:
        offer.start_form = start_forms.get(offer.pk) or StartForm(  # type: ignore[attr-defined]
            prefix=f"start-{offer.pk}", initial={"started_on": timezone.localdate(now)}
        )
    seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
    forms = [offer_form, *start_forms.values()]
    return render(
        request,
        "referrals/waits/offers.html",
        {
            "person": referral.person,
            "referral": referral,
            "person_url": person_url(referral.person_id),
            "breadcrumbs": person_breadcrumbs(referral.person),
            "offers": offers,
            "now": now,
            "ended": referral.ended_at is not None,
            "has_errors": any(form is not None and form.errors for form in forms),
            "offer_form": offer_form
            or OfferForm(
                prefix="offer",
                teams=q.teams_offering(request.user, referral),
                initial={"decided_on": timezone.localdate(now), "team": referral.team_id},
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def offers(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """The interventions offered on a referral and their waits; a POST offers another."""
    referral = referral_get_for_user(request.user, referral_id)
    if request.method == "GET":
        return _offers_page(request, referral)
    form = OfferForm(request.POST, prefix="offer", teams=q.teams_offering(request.user, referral))
    if form.is_valid():
        now = timezone.now()
        data = form.cleaned_data
        try:
            offer = intervention_offer_create(
                referral=referral,
                team=data["team"],
                kind=data["kind"],
                description=data["description"],
                code=data["code"].strip(),
                by=request.user,
                now=now,
                decided_at=_instant(data["decided_on"], referral=referral, now=now),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{offer.description} offered. {person_name(referral)} is on {offer.team.name}'s waiting list; "
                f"the target is {offer.clock.target.days} days.",
            )
            return redirect("referrals:intervention_offers", referral_id=referral.pk)
    return _offers_page(request, referral, offer_form=form)


def person_name(referral: Referral) -> str:
    return referral.person.given_name or "The person"


@login_required
@require_POST
def offer_start(request: AuthenticatedHttpRequest, referral_id: int, offer_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    offer = q.offer_on_referral(referral, offer_id)
    form = StartForm(request.POST, prefix=f"start-{offer.pk}")
    if form.is_valid():
        now = timezone.now()
        try:
            intervention_offer_start(
                offer=offer,
                by=request.user,
                now=now,
                started_at=_instant(form.cleaned_data["started_on"], referral=referral, now=now),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{offer.description} started: the wait has stopped and it is on the care plan.")
            return redirect("referrals:intervention_offers", referral_id=referral.pk)
    return _offers_page(request, referral, start_forms={offer.pk: form})


@login_required
@require_http_methods(["GET", "POST"])
def offer_withdraw(request: AuthenticatedHttpRequest, referral_id: int, offer_id: int) -> HttpResponse:
    """Confirm, with a reason, that an intervention is no longer offered."""
    referral = referral_get_for_user(request.user, referral_id)
    offer = q.offer_on_referral(referral, offer_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            intervention_offer_withdraw(
                offer=offer, by=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{offer.description} is no longer offered; its wait has stopped.")
            return redirect("referrals:intervention_offers", referral_id=referral.pk)
    seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
    return render(
        request,
        "referrals/waits/withdraw.html",
        {
            "person": referral.person,
            "referral": referral,
            "offer": offer,
            "form": form,
            "breadcrumbs": person_breadcrumbs(
                referral.person,
                ("Interventions offered", reverse("referrals:intervention_offers", args=[referral.pk])),
            ),
        },
    )


# --- Waiting lists ----------------------------------------------------------------------------


def _breadcrumbs() -> list[tuple[str, str]]:
    return [("Home", reverse("referrals:home")), ("Waiting lists", reverse("referrals:waiting_lists"))]


@login_required
@require_GET
def waiting_lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's teams, each with how many wait for an intervention and how many are past target."""
    return render(
        request,
        "referrals/waits/teams.html",
        {
            "teams": q.my_teams_waits(request.user, now=timezone.now()),
            "breadcrumbs": [("Home", reverse("referrals:home"))],
        },
    )


@login_required
@require_GET
def waiting_list(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """One team's waiting list for one kind of intervention (or all), longest wait first."""
    team = q.my_team(request.user, team_id)
    kind = request.GET.get("kind", "")
    if kind not in Intervention.Kind.values:
        kind = ""
    now = timezone.now()
    rows, hidden = q.waiting_list(request.user, team, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    seen(request, LIST, [offer.referral.person_id for offer in page], what="referrals.waiting_list")
    return render(
        request,
        "referrals/waits/waiting_list.html",
        {
            "team": team,
            "kind": kind,
            "kind_label": dict(Intervention.Kind.choices).get(kind, ""),
            "kinds": q.kinds_waiting(team, now=now),
            "page_obj": page,
            "hidden": hidden,
            "now": now,
            "breadcrumbs": _breadcrumbs(),
        },
    )
