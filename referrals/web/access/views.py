"""Break-glass: open a record outside your access, in an emergency.

The view adapts the request; ``access.grants`` decides and records. Finding the person is an
exact match only (as at intake), and only after a reason is given, so the search itself
cannot be used to browse who is known to the service. (Sharing a record, under the person's
consent, is done from the consent section of the trusted assessment: ``assessment.views.share``.)
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.grants import break_glass_open
from accounts.http import AuthenticatedHttpRequest
from accounts.models import RecordScope, User
from accounts.request_ip import client_ip
from accounts.services import audit_record
from common.web import add_service_errors
from referrals.web.shared import people_matching

from .forms import BreakGlassForm


def _may_break_glass(user: User) -> bool:
    return user.is_active and user.record_scope == RecordScope.TEAM


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _may_break_glass(request.user):
        raise Http404("No such page.")
    form = BreakGlassForm(request.POST or None)
    context = {"form": form, "breadcrumbs": [("Home", reverse("referrals:home"))]}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matches = people_matching(
            nhs_number=data["nhs_number"], family_name=data["family_name"], birth_date=data["birth_date"]
        )
        now, ip = timezone.now(), client_ip(request)
        if len(matches) != 1:
            # Recorded too: a break-glass search is itself an access attempt.
            audit_record(
                by=request.user,
                action="access.break_glass_no_match",
                obj=None,
                object_type="referrals.person",
                now=now,
                source_ip=ip,
                detail={"matches": len(matches), "reason": data["reason"]},
            )
            form.add_error(
                "nhs_number",
                "No one matches exactly. Check the NHS number."
                if not matches
                else "More than one person matches: search by NHS number.",
            )
        else:
            person = matches[0]
            try:
                grant = break_glass_open(user=request.user, person=person, reason=data["reason"], now=now, source_ip=ip)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.warning(
                    request,
                    f"You opened this record with break-glass. Access ends at "
                    f"{timezone.localtime(grant.expires_at):%H:%M on %-d %B}. The information governance lead "
                    "has been told and will review it.",
                )
                return redirect("referrals:person", person_id=person.pk)
    return render(request, "referrals/access/break_glass.html", context)
