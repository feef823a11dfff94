"""Journey 7: the care plan (co-produced goals and interventions with review dates), outcome
measures at baseline, review and discharge, and discharge behind a confirmation step.

Views adapt the request and call the services; access comes from ``referral_get_for_user``
(404 for a referral the user may not see), page data from ``queries``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access.selectors import referral_get_for_user, referrals_visible_to
from accounts.http import AuthenticatedHtmxRequest, AuthenticatedHttpRequest
from accounts.reads import VIEW, seen
from common.web import add_service_errors
from groupwork.selectors import enrolments_for_referral
from referrals.errors import InvalidTransition
from referrals.models import Referral
from referrals.services import (
    care_plan_goal_add,
    care_plan_record,
    intervention_record,
    outcome_measure_record,
    referral_discharge,
)
from referrals.services.referrals import referral_can_become
from referrals.web.shared import person_breadcrumbs, person_url

from . import queries as q
from .forms import CarePlanForm, DischargeForm, GoalForm, InterventionForm, OutcomeForm, instant_on

OUTCOME_HISTORY_PAGE_SIZE = 20


def _page(request: HttpRequest, template: str, referral: Referral, current: str, **context: object) -> HttpResponse:
    """A referral page with the person, the referral and links between its care pages."""
    forms = [value for key, value in context.items() if key.endswith("_form") and isinstance(value, BaseForm)]
    seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
    return render(
        request,
        template,
        {
            "person": referral.person,
            "referral": referral,
            "person_url": person_url(referral.person_id),
            "breadcrumbs": person_breadcrumbs(referral.person),
            "current": current,
            "has_errors": any(form.errors for form in forms),
            "ended": referral.ended_at is not None,
            **context,
        },
    )


def _refuse_if_ended(request: HttpRequest, referral: Referral) -> HttpResponse | None:
    if referral.ended_at is None:
        return None
    messages.info(request, f"Referral {referral.reference} has ended, so its care plan can no longer change.")
    return redirect("referrals:care_plan", referral_id=referral.pk)


# --- Care plan --------------------------------------------------------------------------------


def _care_plan_page(
    request: HttpRequest,
    referral: Referral,
    *,
    plan_form: CarePlanForm | None = None,
    goal_form: GoalForm | None = None,
    intervention_form: InterventionForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    page = q.care_plan_page(referral, today=today)
    context = {
        "plan": page.current,
        "earlier_plans": page.earlier,
        "interventions": page.interventions,
        "group_enrolments": enrolments_for_referral(referral.pk),  # groupwork: the person's groups
        "plan_form": plan_form or CarePlanForm(prefix="plan", initial={"agreed_on": today}),
        "goal_form": goal_form or GoalForm(prefix="goal"),
        "intervention_form": intervention_form
        or InterventionForm(prefix="intervention", initial={"started_on": today}),
    }
    return _page(request, "referrals/care/care_plan.html", referral, "care_plan", **context)


@login_required
@require_http_methods(["GET", "POST"])
def care_plan(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """The plan; a POST agrees a (new version of the) plan."""
    referral = referral_get_for_user(request.user, referral_id)
    if request.method == "GET":
        return _care_plan_page(request, referral)
    if refused := _refuse_if_ended(request, referral):
        return refused
    form = CarePlanForm(request.POST, prefix="plan")
    if form.is_valid():
        now = timezone.now()
        try:
            care_plan_record(
                referral=referral,
                by=request.user,
                now=now,
                agreed_at=instant_on(form.cleaned_data["agreed_on"], referral=referral, now=now),
                summary=form.cleaned_data["summary"],
                agreed_by=form.cleaned_data["agreed_by"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Care plan agreed. Now add the person's goals and the support they chose.")
            return redirect(reverse("referrals:care_plan", kwargs={"referral_id": referral.pk}) + "#goals")
    return _care_plan_page(request, referral, plan_form=form)


@login_required
@require_POST
def care_plan_goal_add_view(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    if refused := _refuse_if_ended(request, referral):
        return refused
    form = GoalForm(request.POST, prefix="goal")
    plan = q.care_plan_latest(referral)
    if plan is None:
        form.add_error(None, "Agree the care plan before adding goals to it.")
    elif form.is_valid():
        try:
            care_plan_goal_add(
                care_plan=plan,
                by=request.user,
                now=timezone.now(),
                description=form.cleaned_data["description"],
                review_date=form.cleaned_data["review_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Goal added to the care plan.")
            return redirect(reverse("referrals:care_plan", kwargs={"referral_id": referral.pk}) + "#goals")
    return _care_plan_page(request, referral, goal_form=form)


@login_required
@require_POST
def care_plan_intervention_add(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    if refused := _refuse_if_ended(request, referral):
        return refused
    form = InterventionForm(request.POST, prefix="intervention")
    if form.is_valid():
        now = timezone.now()
        data = form.cleaned_data
        try:
            intervention_record(
                referral=referral,
                by=request.user,
                now=now,
                started_at=instant_on(data["started_on"], referral=referral, now=now),
                description=data["description"],
                kind=data["kind"],
                code=data["code"],
                care_plan=q.care_plan_latest(referral),
                provider=data["provider"],
                review_date=data["review_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{data['description']} added to the care plan.")
            return redirect(reverse("referrals:care_plan", kwargs={"referral_id": referral.pk}) + "#interventions")
    return _care_plan_page(request, referral, intervention_form=form)


# --- Outcomes ---------------------------------------------------------------------------------


def _outcomes_page(
    request: AuthenticatedHtmxRequest, referral: Referral, form: OutcomeForm | None = None
) -> HttpResponse:
    measures = list(q.outcome_measures_for(referral))  # one query: the change table needs every score
    history = Paginator(measures, OUTCOME_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "changes": q.outcome_changes(measures),
        "page_obj": history,
        "outcome_form": form or OutcomeForm(initial={"recorded_on": timezone.localdate()}),
    }
    if request.htmx:
        # The fragment shows clinical scores: a read of the record, as the whole page is (_page).
        seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
        return render(request, "referrals/care/_outcomes.html", {"referral": referral, "htmx": True, **context})
    return _page(request, "referrals/care/outcomes.html", referral, "outcomes", **context)


@login_required
@require_http_methods(["GET", "POST"])
def outcomes(request: AuthenticatedHtmxRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    if request.method == "GET":
        return _outcomes_page(request, referral)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        data = form.cleaned_data
        try:
            row = outcome_measure_record(
                referral=referral,
                by=request.user,
                now=now,
                recorded_at=instant_on(data["recorded_on"], referral=referral, now=now),
                instrument=data["instrument"],
                score=data["score"],
                stage=data["stage"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{row.instrument} score of {row.score.normalize():f} recorded.")
            if request.htmx:
                return _outcomes_page(request, referral)
            return redirect("referrals:outcomes", referral_id=referral.pk)
    return _outcomes_page(request, referral, form)


# --- Discharge --------------------------------------------------------------------------------


def _discharge_page(request: HttpRequest, referral: Referral, form: DischargeForm, *, confirm: bool) -> HttpResponse:
    open_clocks = [clock for clock in referral.clocks.all() if clock.is_current and clock.stopped_at is None]
    return _page(
        request,
        "referrals/care/discharge_confirm.html" if confirm else "referrals/care/discharge.html",
        referral,
        "discharge",
        discharge_form=form,
        can_discharge=referral_can_become(referral, Referral.Status.DISCHARGED),
        open_clocks=open_clocks,
        allocation=q.allocation_open(referral),
        reason_label=Referral.DischargeReason(form.cleaned_data["reason"]).label if confirm else "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def discharge(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Form, then a confirmation page saying what will happen, then the discharge itself.

    The confirmation page carries the answers in hidden fields, so nothing is saved until the
    person confirms; "Change" posts them back to the form.
    """
    referral = referral_get_for_user(request.user, referral_id)
    if referral.ended_at is not None:
        return _page(request, "referrals/care/discharged.html", referral, "discharge")
    if request.method == "GET":
        return _discharge_page(request, referral, DischargeForm(), confirm=False)
    form = DischargeForm(request.POST)
    if "change" in request.POST or not form.is_valid():
        if "change" in request.POST:
            form = DischargeForm(initial=request.POST.dict())
        return _discharge_page(request, referral, form, confirm=False)
    if request.POST.get("confirm") != "yes":
        return _discharge_page(request, referral, form, confirm=True)
    try:
        referral_discharge(
            referral=referral,
            by=request.user,
            now=timezone.now(),
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            return_route=form.cleaned_data["return_route"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
    except InvalidTransition as error:
        form.add_error(None, error.message)
    else:
        messages.success(
            request,
            f"{referral.person.given_name} {referral.person.family_name} was discharged. "
            "Their clocks have stopped and they are no longer on anyone's caseload.",
        )
        if not referrals_visible_to(request.user).filter(pk=referral.pk).exists():
            # A link worker sees only the open referrals they hold: this one has just ended.
            return redirect("caseload:mine")
        return redirect("referrals:discharge", referral_id=referral.pk)
    return _discharge_page(request, referral, form, confirm=False)
