"""The alerts inbox: my in-app warnings, breaches and escalations, newest first; mark as seen."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from access.selectors import notification_get_for_user, notifications_for, unseen_count
from accounts.reads import LIST, seen
from referrals.models import Alert
from referrals.services.notifications import notification_mark_seen, notifications_mark_all_seen

PER_PAGE = 20


class InboxFilterForm(forms.Form):
    level = forms.ChoiceField(label="Type of alert", required=False, choices=[("", "All alerts"), *Alert.Level.choices])
    unseen = forms.BooleanField(label="Only show alerts I have not seen", required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"level": "", "unseen_only": False}
        return {"level": self.cleaned_data["level"], "unseen_only": self.cleaned_data["unseen"]}


def _person_url(person_id: int) -> str:
    try:
        return reverse("referrals:person", args=[person_id])
    except NoReverseMatch:
        return f"/people/{person_id}/"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request) -> str:
    """Back to the inbox page the form was on (with its filters), never off-site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("referrals:alerts")


def _decorate(notification):
    notification.person_url = _person_url(notification.alert.referral.person_id)
    return notification


@login_required
@require_GET
def inbox(request):
    form = InboxFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(notifications_for(request.user, **filters), PER_PAGE).get_page(request.GET.get("page"))
    notifications = [_decorate(n) for n in page.object_list]
    seen(
        request, LIST, [n.alert.referral.person_id for n in notifications if n.can_open], what="referrals.notification"
    )
    context = {
        "form": form,
        "page_obj": page,
        "notifications": notifications,
        "unseen": unseen_count(request.user),
        "filtered": bool(filters["level"] or filters["unseen_only"]),
        "now": timezone.now(),
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "alerts-results":
        return render(request, "alerts/_results.html", context)
    return render(request, "alerts/inbox.html", context)


@login_required
@require_POST
def mark_seen(request, notification_id: int):
    notification = notification_get_for_user(request.user, notification_id)
    notification_mark_seen(notification=notification, by=request.user, now=timezone.now())
    if _is_htmx(request):
        context = {"notification": _decorate(notification), "unseen": unseen_count(request.user), "oob": True}
        return render(request, "alerts/_item_swap.html", context)
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_seen(request):
    marked = notifications_mark_all_seen(user=request.user, now=timezone.now())
    if marked:
        messages.success(request, f"{marked} alert{'s' if marked != 1 else ''} marked as seen.")
    return redirect(_back(request))
