"""Journey 4: the trusted assessment. Written once; later partners add dated additions to a
section instead of retyping it. What the person agreed to share is shown, and recorded, at the
top; under consent given, the record can be shared with another organisation from there too.

Access comes from ``person_get_for_user`` (404 for someone the user may not see). The assessment
and additions written by another organisation show only under the person's consent in force
(``notes_access_for``); every view of it is audited.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access.consent import consent_record, consent_withdraw
from access.grants import share_with_organisation
from access.selectors import notes_access_for, person_get_for_user
from accounts.http import AuthenticatedHtmxRequest, AuthenticatedHttpRequest
from accounts.models import RecordScope
from accounts.reads import VIEW, seen
from common.web import add_service_errors
from referrals.errors import InvalidTransition
from referrals.models import Person, TrustedAssessment
from referrals.services import trusted_assessment_add, trusted_assessment_write
from referrals.web.shared import person_breadcrumbs, person_url

from . import queries as q
from .forms import AssessmentAdditionForm, ConsentForm, ShareForm, TrustedAssessmentForm

SECTIONS = TrustedAssessment.Section


def _assessment_url(person: Person, anchor: str = "") -> str:
    url = reverse("referrals:assessment", kwargs={"person_id": person.pk})
    return f"{url}#{anchor}" if anchor else url


def render_assessment(
    request: AuthenticatedHttpRequest,
    person: Person,
    *,
    write_form: TrustedAssessmentForm | None = None,
    addition_form: AssessmentAdditionForm | None = None,
    consent_form: ConsentForm | None = None,
    share_form: ShareForm | None = None,
) -> HttpResponse:
    consent = q.consent_latest(person)
    notes = notes_access_for(request.user, person, consent=consent)
    assessment, sections = q.trusted_assessment_for(person)
    withheld = assessment is not None and not notes.allows(assessment.organisation_id)
    if withheld:
        sections = []  # another organisation's assessment, and the person has not agreed to share it with us
    if assessment is None and write_form is None:
        write_form = TrustedAssessmentForm(referrals=q.referrals_for_assessment(request.user, person))
    for section in sections:
        section.additions = [a for a in section.additions if notes.allows(a.organisation_id)]
        # One "Add to this section" form per section; the one just posted keeps its errors.
        section.form = (
            addition_form
            if addition_form is not None and addition_form.prefix == section.value
            else AssessmentAdditionForm(prefix=section.value)
        )
    forms = [f for f in (write_form, addition_form, consent_form, share_form) if f is not None]
    consent_state = q.consent_state(consent)
    may_share = consent_state == "given" and request.user.record_scope == RecordScope.TEAM
    if assessment is not None:
        seen(request, VIEW, [person.pk], what="referrals.trustedassessment", object_id=str(assessment.pk))
    return render(
        request,
        "referrals/assessment/assessment.html",
        {
            "person": person,
            "person_url": person_url(person.pk),
            "breadcrumbs": person_breadcrumbs(person),
            "assessment": assessment,
            "withheld": withheld,
            "notes_access": notes,
            "sections": sections,
            "write_form": write_form,
            "addition_form": addition_form,
            "consent": consent,
            "consent_state": consent_state,
            "consent_form": consent_form or ConsentForm(),
            "consent_open": consent_form is not None,
            "share_form": (share_form or ShareForm(user=request.user)) if may_share else None,
            "shares": q.shares_for(person) if may_share else [],
            "has_errors": any(f.errors for f in forms),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The assessment with its additions; if there is none yet, the form to write it."""
    person = person_get_for_user(request.user, person_id)
    if request.method == "GET":
        return render_assessment(request, person)
    form = TrustedAssessmentForm(request.POST, referrals=q.referrals_for_assessment(request.user, person))
    if form.is_valid():
        try:
            trusted_assessment_write(
                person=person,
                by=request.user,
                now=timezone.now(),
                referral=form.cleaned_data["referral"],
                **form.sections(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except InvalidTransition as error:
            # Someone else wrote it first: show theirs, to add to rather than retype.
            messages.info(request, error.message)
            return redirect(_assessment_url(person))
        else:
            messages.success(request, "Trusted assessment saved. Partners add to it from now on; nobody retypes it.")
            return redirect(_assessment_url(person))
    return render_assessment(request, person, write_form=form)


@login_required
@require_POST
def assessment_add(request: AuthenticatedHtmxRequest, person_id: int) -> HttpResponse:
    """A dated addition to one section. htmx swaps just that section; without JS, a redirect."""
    person = person_get_for_user(request.user, person_id)
    section = request.POST.get("section", "")
    if section not in SECTIONS.values:
        return HttpResponseBadRequest("Choose the section you are adding to.")
    assessment, _ = q.trusted_assessment_for(person)
    if assessment is None:
        messages.info(request, "Write the trusted assessment first; partners then add to it.")
        return redirect(_assessment_url(person))
    notes = notes_access_for(request.user, person)
    if not notes.allows(assessment.organisation_id):
        # Adding to a story you may not read would be writing blind: record consent first.
        messages.info(request, "This assessment is not shared with your organisation, so you cannot add to it.")
        return redirect(_assessment_url(person))
    form = AssessmentAdditionForm(request.POST, prefix=section)
    saved = False
    if form.is_valid():
        try:
            trusted_assessment_add(
                assessment=assessment,
                by=request.user,
                now=timezone.now(),
                section=section,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not request.htmx:
                label = SECTIONS(section).label
                messages.success(request, f"Your addition to \u201c{label}\u201d is saved.")
                return redirect(_assessment_url(person, f"section-{section}"))
            form, saved = AssessmentAdditionForm(prefix=section), True
    if request.htmx:
        fragment = q.assessment_section(assessment, section)
        # The same consent gate as the full page: another organisation's additions only if shared.
        fragment.additions = [a for a in fragment.additions if notes.allows(a.organisation_id)]
        fragment.form = form
        return render(
            request,
            "referrals/assessment/_section.html",
            {"person": person, "assessment": assessment, "section": fragment, "just_added": saved},
        )
    return render_assessment(request, person, addition_form=form)


@login_required
@require_POST
def assessment_consent(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Record the person's decision about sharing; it replaces the last one from now on."""
    person = person_get_for_user(request.user, person_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            consent_record(
                person=person,
                by=request.user,
                now=timezone.now(),
                decision=data["decision"],
                scope=data["scope"],
                organisations=list(data["organisations"]),
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The person's decision about sharing is recorded.")
            return redirect(_assessment_url(person, "consent"))
    return render_assessment(request, person, consent_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_consent_withdraw(request: AuthenticatedHttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    """Asks first (GET), then withdraws (POST). The record of what was agreed is kept."""
    person = person_get_for_user(request.user, person_id)
    consent = q.consent_latest(person)
    if consent is None or consent.pk != consent_id:
        # Only the decision in force can be withdrawn; an older one was already superseded.
        messages.info(request, "That decision has been replaced by a newer one.")
        return redirect(_assessment_url(person, "consent"))
    error = ""
    if request.method == "POST":
        try:
            consent_withdraw(consent=consent, by=request.user, now=timezone.now())
        except InvalidTransition as exc:
            error = exc.message
        else:
            messages.success(request, "Consent to share is withdrawn from now on. The earlier decision is kept.")
            return redirect(_assessment_url(person, "consent"))
    can_withdraw = q.consent_state(consent) == "given"
    seen(request, VIEW, [person.pk], what="referrals.sharingconsent", object_id=str(consent.pk))
    return render(
        request,
        "referrals/assessment/consent_withdraw.html",
        {
            "person": person,
            "consent": consent,
            "can_withdraw": can_withdraw,
            "error": error,
            "errors": [("", error)] if error else [],
            "breadcrumbs": [*person_breadcrumbs(person), ("Trusted assessment", _assessment_url(person))],
        },
    )


@login_required
@require_POST
def share(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
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
            return redirect(_assessment_url(person, "consent"))
    return render_assessment(request, person, share_form=form)
