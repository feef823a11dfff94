"""The pathway pages: a pathway's tiers, eligibility and roll-out; who is on each tier; a person's
journey along pathways, and entering, stepping up or down, leaving to self-care, and the warm
handover to the alternative for someone outside the eligibility (no wrong door).

Thin: each view reads the request, calls a selector or a service, and renders. Someone the user
may not see is a 404 (``access.selectors``); only the staff of a pathway's service see its forms.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.selectors import people_visible_to, person_get_for_user, referral_get_for_user, referrals_visible_to
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import LIST, VIEW, seen
from common.web import add_service_errors
from pathways import selectors
from pathways.models import Pathway, Placement
from pathways.services import (
    Ineligible,
    pathway_alternative_handover,
    pathway_enter,
    pathway_leave,
    pathway_step_down,
    pathway_step_up,
)
from referrals.errors import InvalidTransition
from referrals.models import Person

from .forms import EnterForm, HandoverForm, LeaveForm, MoveForm, instant_on

PAGE_SIZE = 25


def _person_crumbs(person: Person) -> list[tuple[str, str]]:
    return [
        ("Home", reverse("referrals:home")),
        (str(person), reverse("referrals:person", args=[person.pk])),
        ("Pathways", reverse("pathways:person", args=[person.pk])),
    ]


def _pathway_crumbs(pathway: Pathway | None = None) -> list[tuple[str, str]]:
    crumbs = [("Home", reverse("referrals:home")), ("Pathways", reverse("pathways:list"))]
    if pathway is not None:
        crumbs.append((pathway.name, reverse("pathways:detail", args=[pathway.pk])))
    return crumbs


@login_required
@require_GET
def pathway_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    pathways = list(selectors.pathways_all())
    return render(
        request,
        "pathways/list.html",
        {"pathways": pathways, "breadcrumbs": [("Home", reverse("referrals:home"))]},
    )


@login_required
@require_GET
def pathway_detail(request: AuthenticatedHttpRequest, pathway_id: int) -> HttpResponse:
    """Configuration and counts only: no one's record."""
    pathway = selectors.pathway_get(pathway_id)
    counts = selectors.tier_counts([pathway])
    today = timezone.localdate()
    rollouts = selectors.rollouts_for(pathway.team)
    return render(
        request,
        "pathways/detail.html",
        {
            "pathway": pathway,
            "tiers": [(tier, counts.get(tier.pk, 0)) for tier in pathway.tiers.all()],
            "rollouts": [(r, r.live_from <= today) for r in rollouts],
            "phases": selectors.rollout_phases(rollouts),
            "manages": selectors.pathways_managed_by(request.user).filter(pk=pathway.pk).exists(),
            "breadcrumbs": _pathway_crumbs(),
        },
    )


@login_required
@require_GET
def tier_people_list(request: AuthenticatedHttpRequest, pathway_id: int, tier_id: int) -> HttpResponse:
    """Who is on the tier now, among the people the user may see (an audited list)."""
    pathway = selectors.pathway_get(pathway_id)
    tier = selectors.tier_get(pathway, tier_id)
    page = Paginator(selectors.tier_people(request.user, tier), PAGE_SIZE).get_page(request.GET.get("page"))
    seen(request, LIST, [p.person_id for p in page.object_list], what="pathways.placement")
    return render(
        request,
        "pathways/tier.html",
        {"pathway": pathway, "tier": tier, "page_obj": page, "breadcrumbs": _pathway_crumbs(pathway)},
    )


@login_required
@require_GET
def person_pathways(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The person's journey along every pathway, and what the user may do next on theirs."""
    person = person_get_for_user(request.user, person_id)
    seen(request, VIEW, [person.pk], what="pathways.placement", object_id=str(person.pk))
    journeys = selectors.person_journeys(person)
    current = {p.pathway_id: p for p in journeys if p.left_at is None}
    managed = list(selectors.pathways_managed_by(request.user))
    return render(
        request,
        "pathways/person.html",
        {
            "person": person,
            "journeys": journeys,
            "actions": [(pathway, current.get(pathway.pk)) for pathway in managed],
            "breadcrumbs": _person_crumbs(person)[:2],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enter(request: AuthenticatedHttpRequest, pathway_id: int, person_id: int) -> HttpResponse:
    person = person_get_for_user(request.user, person_id)
    pathway = selectors.pathway_managed_get(request.user, pathway_id)
    now = timezone.now()
    referrals = referrals_visible_to(request.user, open_only=True, among=Q(person=person)).select_related("team")
    form = EnterForm(request.POST or None, referrals=referrals, tiers=pathway.tiers.all())
    eligibility = selectors.eligibility_for(person, pathway, on=timezone.localdate(now))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pathway_enter(
                referral=data["referral"],
                pathway=pathway,
                tier=data["tier"],
                by=request.user,
                now=now,
                reason=data["reason"],
                at=instant_on(data["at"], now=now),
            )
        except Ineligible as error:
            eligibility = selectors.Eligibility(False, error.reason, pathway.alternative_team)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{person} is on {pathway.name}, tier {data['tier'].label}.")
            return redirect("pathways:person", person.pk)
    seen(request, VIEW, [person.pk], what="pathways.placement", object_id=str(person.pk))
    return render(
        request,
        "pathways/enter.html",
        {
            "person": person,
            "pathway": pathway,
            "form": form,
            "eligibility": eligibility,
            "open_referrals": list(referrals),
            "handover_form": HandoverForm(),
            "breadcrumbs": _person_crumbs(person),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: AuthenticatedHttpRequest, pathway_id: int, referral_id: int) -> HttpResponse:
    """The alternative route: a warm handover of the referral to the pathway's alternative team."""
    pathway = selectors.pathway_managed_get(request.user, pathway_id)
    referral = referral_get_for_user(request.user, referral_id)
    person = referral.person
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            handoff = pathway_alternative_handover(
                referral=referral,
                pathway=pathway,
                by=request.user,
                now=timezone.now(),
                note=form.cleaned_data["note"],
                person_informed=form.cleaned_data["person_informed"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Referral {referral.reference} handed over to {handoff.to_team} with your handover note."
            )
            if people_visible_to(request.user).filter(pk=person.pk).exists():
                return redirect(f"{reverse('referrals:person', args=[person.pk])}#handoffs")
            return redirect("referrals:handoff", handoff.pk)
    seen(request, VIEW, [person.pk], what="referrals.referral", object_id=str(referral.pk))
    return render(
        request,
        "pathways/handover.html",
        {
            "pathway": pathway,
            "referral": referral,
            "person": person,
            "form": form,
            "eligibility": selectors.eligibility_for(person, pathway, on=timezone.localdate()),
            "breadcrumbs": _person_crumbs(person),
        },
        status=400 if form.errors else 200,
    )


def _placement_page(
    request: AuthenticatedHttpRequest, template: str, placement: Placement, form: object, **extra: object
) -> HttpResponse:
    seen(request, VIEW, [placement.person_id], what="pathways.placement", object_id=str(placement.pk))
    return render(
        request,
        template,
        {
            "placement": placement,
            "person": placement.person,
            "pathway": placement.pathway,
            "form": form,
            "breadcrumbs": _person_crumbs(placement.person),
            **extra,
        },
        status=400 if getattr(form, "errors", None) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def move(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    """Step up or step down: the direction follows from the tier chosen."""
    placement = selectors.placement_managed_get(request.user, placement_id)
    assert placement.tier is not None  # an open placement is on a tier (placement_tier_iff_not_left)
    others = placement.pathway.tiers.exclude(pk=placement.tier.pk)
    form = MoveForm(request.POST or None, tiers=others)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = pathway_step_up if data["to_tier"].position > placement.tier.position else pathway_step_down
        now = timezone.now()
        try:
            step = service(
                placement=placement,
                to_tier=data["to_tier"],
                by=request.user,
                now=now,
                reason=data["reason"],
                at=instant_on(data["at"], now=now),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{placement.person}: {step.get_kind_display().lower()} to tier {data['to_tier'].label}."
            )
            return redirect("pathways:person", placement.person_id)
    return _placement_page(request, "pathways/move.html", placement, form)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    """Back to self-care: this page says what happens, and the button confirms it."""
    placement = selectors.placement_managed_get(request.user, placement_id)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            pathway_leave(
                placement=placement,
                by=request.user,
                now=now,
                reason=form.cleaned_data["reason"],
                at=instant_on(form.cleaned_data["at"], now=now),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{placement.person} has left {placement.pathway.name} to self-care.")
            return redirect("pathways:person", placement.person_id)
    return _placement_page(request, "pathways/leave.html", placement, form)
