"""The alerts inbox: my in-app warnings, breaches and escalations, newest first; mark as seen."""

from typing import TYPE_CHECKING, TypedDict, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from access.selectors import notification_get_for_user, notifications_for, unseen_count
from accounts.http import AuthenticatedHtmxRequest, AuthenticatedHttpRequest
from accounts.models import User
from accounts.reads import LIST, seen
from common.web import safe_next, set_display_attrs
from referrals.models import Notification
from referrals.selectors import sweep_stopped_since
from referrals.services.alerts import sweep_stale_warn
from referrals.services.notifications import notification_mark_seen, notifications_mark_all_seen
from referrals.web.shared import person_url

from .forms import InboxFilterForm, InboxFilters

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only

PER_PAGE = 20
UNREAD_ALERTS_EVENT = "appUnreadAlerts"  # static/js/app.js updates the header's badge on it
_Notification = TypeVar("_Notification", bound=Notification)


class CanOpen(TypedDict):
    can_open: bool  # the user may open the alert's referral (else the inbox shows its reference only)


def _notifications(user: User, filters: InboxFilters) -> "QuerySet[WithAnnotations[Notification, CanOpen]]":
    # notifications_for annotates can_open on every row; its declared type is the plain model.
    return cast("QuerySet[WithAnnotations[Notification, CanOpen]]", notifications_for(user, **filters))


def _back(request: HttpRequest) -> str:
    """Back to the inbox page the form was on (with its filters), never off-site."""
    return safe_next(request, reverse("referrals:alerts"))


def _decorate(notification: _Notification) -> _Notification:
    set_display_attrs(notification, person_url=person_url(notification.alert.referral.person_id))
    return notification


@login_required
@require_GET
def inbox(request: AuthenticatedHtmxRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(_notifications(request.user, filters), PER_PAGE).get_page(request.GET.get("page"))
    notifications: list[WithAnnotations[Notification, CanOpen]] = [_decorate(n) for n in page.object_list]
    seen(
        request, LIST, [n.alert.referral.person_id for n in notifications if n.can_open], what="referrals.notification"
    )
    now = timezone.now()
    # Beat down: no alert is being raised. Say so here, and email the administrators (once).
    sweeps_stopped_at = sweep_stopped_since(now=now)
    if sweeps_stopped_at is not None:
        sweep_stale_warn(now=now)
    context = {
        "sweeps_stopped_at": sweeps_stopped_at,
        "form": form,
        "page_obj": page,
        "notifications": notifications,
        "unseen": unseen_count(request.user),
        "filtered": bool(filters["level"] or filters["unseen_only"]),
        "now": now,
    }
    if request.htmx.target == "alerts-results":
        return render(request, "alerts/_results.html", context)
    return render(request, "alerts/inbox.html", context)


@login_required
@require_POST
def mark_seen(request: AuthenticatedHtmxRequest, notification_id: int) -> HttpResponse:
    notification = notification_get_for_user(request.user, notification_id)
    notification_mark_seen(notification=notification, by=request.user, now=timezone.now())
    if request.htmx:
        unseen = unseen_count(request.user)
        context = {"notification": _decorate(notification), "unseen": unseen, "oob": True}
        response = render(request, "alerts/_item_swap.html", context)
        # The header's Alerts badge is outside this page's swap (and may be folded under "More"):
        # app.js listens for this event and sets the badge to the new count.
        return trigger_client_event(response, UNREAD_ALERTS_EVENT, {"count": unseen})
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_seen(request: AuthenticatedHttpRequest) -> HttpResponse:
    marked = notifications_mark_all_seen(user=request.user, now=timezone.now())
    if marked:
        messages.success(request, f"{marked} alert{'s' if marked != 1 else ''} marked as seen.")
    return redirect(_back(request))
