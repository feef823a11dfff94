"""The group pages: a team's groups, a group's cohorts and waiting list, a session's register
(one form, phone-first), and enrolment from a person's care plan.

Access: a group and its sessions through ``groupwork.selectors`` (the facilitating team's
members; a 404 for anyone else), a person through ``access.selectors``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access.selectors import referral_get_for_user
from accounts.http import AuthenticatedHttpRequest
from common.web import add_service_errors, safe_next
from groupwork import selectors as s
from groupwork.models import Enrolment, Group, GroupSession
from groupwork.services import (
    cohort_schedule,
    enrolment_leave,
    group_change,
    group_create,
    group_enrol,
    session_attendance_record,
)
from referrals.errors import InvalidTransition
from referrals.models import Referral

from .common import group_breadcrumbs
from .forms import CohortForm, EnrolForm, GroupChangeForm, GroupForm, RegisterForm

GROUPS_PAGE_SIZE = 25


def _refuse_unless_facilitating(request: AuthenticatedHttpRequest) -> None:
    if not s.user_facilitates(request.user):
        raise Http404("No groups here.")


@login_required
def group_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _refuse_unless_facilitating(request)
    page = Paginator(s.groups_visible_to(request.user), GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "groupwork/list.html",
        {"page_obj": page, "groups": page.object_list, "breadcrumbs": group_breadcrumbs(below_list=False)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _refuse_unless_facilitating(request)
    form = GroupForm(request.POST or None, teams=s.teams_of(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = group_create(
                by=request.user,
                now=timezone.now(),
                team=data["team"],
                name=data["name"],
                kind=data["kind"],
                capacity=data["capacity"],
                consultation_mechanism=data["consultation_mechanism"],
                description=data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{group.name} set up. Now schedule its first cohort.")
            return redirect("groupwork:detail", group_id=group.pk)
    return render(
        request,
        "groupwork/new.html",
        {"form": form, "has_errors": bool(form.errors), "breadcrumbs": group_breadcrumbs()},
    )


def _detail_page(
    request: AuthenticatedHttpRequest, group: Group, cohort_form: CohortForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "groupwork/detail.html",
        {
            "group": group,
            "cohorts": s.cohorts_of(group),
            "open_cohort": s.cohort_open_for(group, today=today),
            "waiting": s.waiting_list(request.user, group),
            "cohort_form": cohort_form or CohortForm(prefix="cohort"),
            "has_errors": bool(cohort_form and cohort_form.errors),
            "now": timezone.now(),
            "breadcrumbs": group_breadcrumbs(),
        },
    )


@login_required
def group_detail(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    return _detail_page(request, s.group_get_for_user(request.user, group_id))


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    """Change a group's name, places, how it meets or its description (its team's members only)."""
    group = s.group_get_for_user(request.user, group_id)
    initial = {
        "name": group.name,
        "capacity": group.capacity,
        "consultation_mechanism": group.consultation_mechanism,
        "description": group.description,
    }
    form = GroupChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = group_change(
                group=group,
                by=request.user,
                now=timezone.now(),
                name=data["name"],
                capacity=data["capacity"],
                consultation_mechanism=data["consultation_mechanism"],
                description=data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{group.name}: changes saved.")
            return redirect("groupwork:detail", group_id=group.pk)
    return render(
        request,
        "groupwork/edit.html",
        {"group": group, "form": form, "has_errors": bool(form.errors), "breadcrumbs": group_breadcrumbs(group=group)},
    )


@login_required
@require_POST
def cohort_new(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    group = s.group_get_for_user(request.user, group_id)
    form = CohortForm(request.POST, prefix="cohort")
    if form.is_valid():
        try:
            cohort = cohort_schedule(
                group=group,
                by=request.user,
                now=timezone.now(),
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                session_times=form.session_times(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            placed = cohort.enrolments.count()
            messages.success(
                request,
                f"{cohort.name} scheduled." + (f" {placed} from the waiting list now have a place." if placed else ""),
            )
            return redirect("groupwork:detail", group_id=group.pk)
    return _detail_page(request, group, cohort_form=form)


def _register_page(
    request: AuthenticatedHttpRequest, session: GroupSession, register: s.Register, form: RegisterForm
) -> HttpResponse:
    return render(
        request,
        "groupwork/register.html",
        {
            "session": session,
            "group": session.cohort.group,
            "breadcrumbs": group_breadcrumbs(group=session.cohort.group),
            "register": register,
            "form": form,
            "has_errors": bool(form.errors),
            "in_future": session.starts_at > timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_register(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """A session's register: everyone the facilitator may see, attended / did not attend /
    cancelled each, one submit. Sending it again records only the people not yet recorded."""
    session = s.session_get_for_user(request.user, session_id)
    register = s.session_register(request.user, session)
    if request.method == "GET":
        return _register_page(request, session, register, RegisterForm(rows=register.rows))
    form = RegisterForm(request.POST, rows=register.rows)
    if form.is_valid():
        try:
            recorded = session_attendance_record(
                session=session, by=request.user, now=timezone.now(), marks=form.marks()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Register saved: {len(recorded)} recorded, each as a group contact.")
            return redirect("groupwork:register", session_id=session.pk)
    return _register_page(request, session, register, form)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Enrol the person in a group from their care plan: a place in the next cohort, or the waiting list."""
    referral: Referral = referral_get_for_user(request.user, referral_id)
    care_plan = reverse("referrals:care_plan", kwargs={"referral_id": referral.pk})
    if referral.ended_at is not None:
        messages.info(request, f"Referral {referral.reference} has ended, so it can no longer be enrolled in a group.")
        return redirect(care_plan)
    groups = s.groups_for_enrolment(referral)
    form = EnrolForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data["group"]
        try:
            enrolment = group_enrol(group=group, referral=referral, by=request.user, now=timezone.now())
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            person = referral.person.given_name
            if enrolment.cohort is not None:
                messages.success(request, f"{person} is enrolled in {group.name}, {enrolment.cohort.name}.")
            else:
                messages.success(
                    request,
                    f"{group.name}'s next cohort is full or not yet scheduled: {person} is on its waiting list.",
                )
            return redirect(care_plan + "#groups")
    return render(
        request,
        "groupwork/enrol.html",
        {
            "form": form,
            "referral": referral,
            "person": referral.person,
            "breadcrumbs": [
                ("Home", reverse("referrals:home")),
                (str(referral.person), reverse("referrals:person", args=[referral.person_id])),
                ("Care plan", care_plan),
            ],
            "enrolments": s.enrolments_for_referral(referral.pk),
            "has_groups": groups.exists(),
            "has_errors": bool(form.errors),
            "ended": False,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    """Take the person out of the group (or off its waiting list), after a confirmation; a place
    in a cohort not yet started goes to the first person waiting."""
    enrolment = s.enrolment_get_for_user(request.user, enrolment_id)
    back = safe_next(request, reverse("referrals:care_plan", kwargs={"referral_id": enrolment.referral_id}) + "#groups")
    if enrolment.status == Enrolment.Status.LEFT:
        messages.info(request, "They have already left this group.")
        return redirect(back)
    if request.method == "POST":
        enrolment_leave(enrolment=enrolment, by=request.user, now=timezone.now())
        person = enrolment.referral.person
        messages.success(request, f"{person.given_name} {person.family_name} has left {enrolment.group.name}.")
        return redirect(back)
    return render(
        request, "groupwork/leave.html", {"enrolment": enrolment, "person": enrolment.referral.person, "back": back}
    )
