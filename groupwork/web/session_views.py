"""One session of a cohort: add one, move it or change its topic, or cancel it with a reason and
a confirmation, until its register is recorded (groupwork.services.session_add, session_change,
session_cancel).
Access: the session through ``groupwork.selectors`` (the facilitating team; a 404 for anyone else)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from common.web import add_service_errors
from groupwork import selectors as s
from groupwork.models import Cohort
from groupwork.services import session_add, session_cancel, session_change

from .common import group_breadcrumbs
from .forms import SessionCancelForm, SessionForm


def _page(request: AuthenticatedHttpRequest, template: str, cohort: Cohort, form, **extra) -> HttpResponse:
    """A session page of ``cohort``'s group: the form, its errors, the way back to the group."""
    group = cohort.group
    context = {"cohort": cohort, "group": group, "form": form, "has_errors": bool(form.errors)}
    return render(request, template, context | {"breadcrumbs": group_breadcrumbs(group=group), **extra})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = s.session_get_for_user(request.user, session_id)
    local = timezone.localtime(session.starts_at)
    initial = {"day": local.date(), "at": local.time(), "topic": session.topic}
    form = SessionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session_change(
                session=session,
                by=request.user,
                now=timezone.now(),
                starts_at=form.starts_at(),
                topic=form.cleaned_data["topic"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Session moved to {timezone.localtime(form.starts_at()):%A %-d %B %Y, %H:%M}.")
            return redirect("groupwork:detail", group_id=session.cohort.group_id)
    return _page(request, "groupwork/session_edit.html", session.cohort, form, session=session)


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel_confirm(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = s.session_get_for_user(request.user, session_id)
    form = SessionCancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(session=session, by=request.user, now=timezone.now(), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Session on {timezone.localtime(session.starts_at):%A %-d %B %Y} cancelled.")
            return redirect("groupwork:detail", group_id=session.cohort.group_id)
    return _page(request, "groupwork/session_cancel.html", session.cohort, form, session=session)


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: AuthenticatedHttpRequest, cohort_id: int) -> HttpResponse:
    """An extra session for a cohort (one missed and made up, a follow-up meeting)."""
    cohort = s.cohort_get_for_user(request.user, cohort_id)
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_add(
                cohort=cohort,
                by=request.user,
                now=timezone.now(),
                starts_at=form.starts_at(),
                topic=form.cleaned_data["topic"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            when = timezone.localtime(session.starts_at)
            messages.success(request, f"Session added on {when:%A %-d %B %Y, %H:%M}.")
            return redirect("groupwork:detail", group_id=cohort.group_id)
    return _page(request, "groupwork/session_new.html", cohort, form)
