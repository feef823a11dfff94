"""Break-glass (open a record outside your access, in an emergency) and consent-based shares.

The views adapt the request; ``access.grants`` decides and records. Finding the person for
break-glass is an exact match only (as at intake), and only after a reason is given, so the
search itself cannot be used to browse who is known to the service.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access.grants import MIN_REASON, break_glass_open, share_with_organisation
from access.selectors import person_get_for_user
from accounts.models import RecordScope
from accounts.request_ip import client_ip
from accounts.services import audit_record
from localities.models import Organisation

from .forms_intake import PersonSearchForm, add_service_errors
from .queries_intake import people_matching

REASON_HELP = "Say why this cannot wait, in a sentence. The information governance lead reviews every break-glass."


class BreakGlassForm(PersonSearchForm):
    reason = forms.CharField(
        label="Why do you need this record now?",
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Give the reason you need this record in an emergency."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < MIN_REASON:
            raise ValidationError(f"Give the reason in a sentence (at least {MIN_REASON} characters).")
        return reason


class ShareForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation to share with."},
    )
    reason = forms.CharField(
        label="Why share the record with them?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say why you are sharing the record."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(pk=user.organisation_id).order_by("name")


def _may_break_glass(user) -> bool:
    return user.is_active and user.record_scope == RecordScope.TEAM


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
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


@login_required
@require_POST
def share(request: HttpRequest, person_id: int) -> HttpResponse:
    """Share the record with another organisation's clinicians, under the consent in force."""
    person = person_get_for_user(request.user, person_id)
    form = ShareForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            share_with_organisation(
                person=person,
                organisation=form.cleaned_data["organisation"],
                by=request.user,
                now=timezone.now(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The record is shared with {form.cleaned_data['organisation']}.")
            return redirect(reverse("referrals:assessment", args=[person.pk]) + "#consent")
    from .assessment import render_assessment

    return render_assessment(request, person, share_form=form)
