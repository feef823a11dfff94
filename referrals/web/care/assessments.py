"""Clinical assessments coded in SNOMED CT (``assessment_record``): the referral's assessments
and a form to record one. A coded assessment is one of the four events that stop the referral-spell
treatment clock and NHS England's 4-week measure (docs/measures.md), so clinicians record it here
as they record contacts, care plans and outcome measures.

Access from ``referral_get_for_user`` (404 for a referral the user may not see); the read audited
as every care page is."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.selectors import referral_get_for_user
from accounts.http import AuthenticatedHttpRequest
from common.web import add_service_errors
from referrals.models import Assessment, Referral
from referrals.services import assessment_record

from .coding import assessment_choices
from .forms import date_field, instant_on
from .views import _page

SUMMARY_MAX_LENGTH = 5000


class CodedAssessmentForm(forms.Form):
    service_fields = {"completed_at": "completed_on"}

    completed_on = date_field("Date of the assessment")
    code = forms.ChoiceField(
        label="Assessment (SNOMED CT)",
        help_text="The assessment procedure as your service codes it nationally.",
        error_messages={"required": "Choose the assessment.", "invalid_choice": "Choose an assessment from the list."},
    )
    summary = forms.CharField(
        label="Summary",
        max_length=SUMMARY_MAX_LENGTH,
        help_text=f"What the assessment found, in a few sentences (up to {SUMMARY_MAX_LENGTH:,} characters).",
        widget=forms.Textarea({"rows": 4}),
        error_messages={
            "required": "Write a summary of the assessment.",
            "max_length": f"The summary must be {SUMMARY_MAX_LENGTH:,} characters or fewer.",
        },
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].choices = assessment_choices()  # type: ignore[attr-defined]


def _assessments_page(request: AuthenticatedHttpRequest, referral: Referral, form: CodedAssessmentForm) -> HttpResponse:
    recorded = list(
        Assessment.objects.filter(referral=referral).select_related("recorded_by").order_by("-completed_at", "-id")
    )
    # Each code's name, from the choices the form already read (shipped and loaded members).
    names = {code: name for _, group in form.fields["code"].choices[1:] for code, name in group}  # type: ignore[attr-defined]
    for assessment in recorded:
        assessment.code_name = names.get(assessment.code, "")  # type: ignore[attr-defined]
    return _page(
        request,
        "referrals/care/assessments.html",
        referral,
        "assessments",
        assessment_form=form,
        assessments=recorded,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessments(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """The referral's coded assessments; a POST records one."""
    referral = referral_get_for_user(request.user, referral_id)
    if request.method == "GET":
        return _assessments_page(
            request, referral, CodedAssessmentForm(prefix="assessment", initial={"completed_on": timezone.localdate()})
        )
    if referral.ended_at is not None:
        messages.info(request, f"Referral {referral.reference} has ended, so no assessment can be added to it.")
        return redirect("referrals:assessments", referral_id=referral.pk)
    form = CodedAssessmentForm(request.POST, prefix="assessment")
    if form.is_valid():
        now = timezone.now()
        data = form.cleaned_data
        try:
            assessment_record(
                referral=referral,
                by=request.user,
                now=now,
                completed_at=instant_on(data["completed_on"], referral=referral, now=now),
                code=data["code"],
                summary=data["summary"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Assessment recorded.")
            return redirect("referrals:assessments", referral_id=referral.pk)
    return _assessments_page(request, referral, form)
