"""The public self-referral journey (no account): question pages, check your answers, and a
confirmation shown once.

Answers live in the visitor's session until they send them; nothing the public can reach reads
anything back from the records: the confirmation shows the reference once, from the session,
and then sends the visitor back to the start. Abuse limits: a honeypot field on every page,
per-address and overall limits on finished referrals (``throttles``), a cap on each request's
size and on every answer; CSRF as everywhere else.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.request_ip import client_ip
from accounts.throttles import allow
from referrals.services.self_referral import SelfReferralAnswers, self_referral_submit

from . import forms as questions
from .throttles import SelfReferralOverallThrottle, SelfReferralPerAddressThrottle

SESSION_KEY = "self_referral"
DONE_KEY = "self_referral_done"
# Every answer together is a few kilobytes; anything far larger is not a person typing.
MAX_REQUEST_BYTES = 16 * 1024


@dataclass(frozen=True)
class Step:
    slug: str
    title: str  # the page title and, for a one-question page, its heading
    form: type[questions.HoneypotForm]


STEPS = [
    Step("danger", "Are you in danger right now?", questions.DangerForm),
    Step("name", "What is your name?", questions.NameForm),
    Step("date-of-birth", "What is your date of birth?", questions.BirthDateForm),
    Step("postcode", "What is your postcode?", questions.PostcodeForm),
    Step("contact", "How can we contact you?", questions.ContactForm),
    Step("safe-contact", "Contacting you safely", questions.SafeContactForm),
    Step("what-is-happening", "Tell us what is happening", questions.HappeningForm),
    Step("others-involved", "Who else is involved?", questions.OthersForm),
]
BY_SLUG = {step.slug: step for step in STEPS}


def _answers(request: HttpRequest) -> dict[str, dict[str, Any]]:
    answers = request.session.get(SESSION_KEY)
    return answers if isinstance(answers, dict) else {}


def _store(request: HttpRequest, slug: str, cleaned: dict[str, Any]) -> None:
    answers = _answers(request)
    answers[slug] = {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in cleaned.items()
        if name != "website"
    }
    request.session[SESSION_KEY] = answers


def _first_unanswered(request: HttpRequest) -> Step | None:
    answers = _answers(request)
    return next((step for step in STEPS if step.slug not in answers), None)


def _step_url(step: Step, *, change: bool = False) -> str:
    url = reverse("referrals:self_referral_step", args=[step.slug])
    return f"{url}?change=1" if change else url


def _next_url(step: Step, request: HttpRequest, *, change: bool) -> str:
    if step.slug == "danger" and request.session[SESSION_KEY]["danger"]["in_immediate_danger"] == "yes":
        return reverse("referrals:self_referral_help_now") + ("?change=1" if change else "")
    if change:
        return reverse("referrals:self_referral_check")
    following = STEPS[STEPS.index(step) + 1 :]
    return _step_url(following[0]) if following else reverse("referrals:self_referral_check")


def _too_large(request: HttpRequest) -> HttpResponse | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        return render(request, "referrals/self_referral/too_large.html", status=413)
    return None


def _caught(request: HttpRequest) -> HttpResponse:
    """A robot filled the field people cannot see: forget everything, make nothing."""
    request.session.pop(SESSION_KEY, None)
    return redirect("referrals:self_referral_start")


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "referrals/self_referral/start.html",
        {"first_step": _step_url(STEPS[0]), "in_progress": bool(_answers(request))},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, slug: str) -> HttpResponse:
    step = BY_SLUG.get(slug)
    if step is None:
        return redirect("referrals:self_referral_start")
    earlier = _first_unanswered(request)
    if earlier is not None and STEPS.index(earlier) < STEPS.index(step):
        return redirect(_step_url(earlier))  # no skipping ahead of an unanswered question
    change = request.GET.get("change") == "1"
    if request.method == "POST":
        if (refused := _too_large(request)) is not None:
            return refused
        form = step.form(request.POST)
        if form.caught():
            return _caught(request)
        if form.is_valid():
            _store(request, step.slug, form.cleaned_data)
            return redirect(_next_url(step, request, change=change))
    else:
        form = step.form(initial=_answers(request).get(step.slug))
    index = STEPS.index(step)
    back = _step_url(STEPS[index - 1]) if index else reverse("referrals:self_referral_start")
    return render(
        request,
        "referrals/self_referral/question.html",
        {
            "step": step,
            "form": form,
            "fields": [field for field in form if field.name != "website"],
            "single": len(form.fields) == 2,  # one question (and the honeypot): its label is the heading
            "back_url": reverse("referrals:self_referral_check") if change else back,
            "position": index + 1,
            "count": len(STEPS),
        },
    )


@never_cache
@require_GET
def help_now(request: HttpRequest) -> HttpResponse:
    """Crisis help for someone who said they are in danger now; the referral carries on."""
    if "danger" not in _answers(request):
        return redirect("referrals:self_referral_start")
    change = request.GET.get("change") == "1"
    next_url = reverse("referrals:self_referral_check") if change else _step_url(STEPS[1])
    return render(request, "referrals/self_referral/help_now.html", {"next_url": next_url})


def _summary(answers: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """The rows of "check your answers": a label, the answer as written, and where to change it."""
    danger = answers["danger"]["in_immediate_danger"] == "yes"
    contact, safe = answers["contact"], answers["safe-contact"]
    methods = dict(questions.ContactForm.base_fields["methods"].choices)  # type: ignore[attr-defined]
    how = [methods[m] for m in contact["methods"]]
    details = [v for v in (contact.get("phone"), contact.get("email"), contact.get("address")) if v]
    times = ", ".join(safe["times"]).capitalize() + (f". {safe['times_note']}" if safe.get("times_note") else "")
    birth = date.fromisoformat(answers["date-of-birth"]["birth_date"])
    rows = [
        ("In danger right now", "Yes" if danger else "No", "danger"),
        ("Name", f"{answers['name']['given_name']} {answers['name']['family_name']}", "name"),
        ("Date of birth", f"{birth.day} {birth:%B %Y}", "date-of-birth"),
        ("Postcode", answers["postcode"]["postcode"], "postcode"),
        ("How to contact you", "\n".join([", ".join(how), *details]), "contact"),
        ("Safe to leave a message", "Yes" if safe["safe_to_leave_message"] == "yes" else "No", "safe-contact"),
        ("When to contact you", times, "safe-contact"),
        ("What is happening", answers["what-is-happening"]["what_is_happening"], "what-is-happening"),
        ("Who else is involved", answers["others-involved"]["others_involved"] or "No one given", "others-involved"),
    ]
    return [
        {"label": label, "value": value, "change_url": _step_url(BY_SLUG[slug], change=True), "slug": slug}
        for label, value, slug in rows
    ]


def _to_service(answers: dict[str, dict[str, Any]]) -> SelfReferralAnswers:
    contact, safe = answers["contact"], answers["safe-contact"]
    methods = set(contact["methods"])
    times = ", ".join(safe["times"])
    if safe.get("times_note"):
        times = f"{times}; {safe['times_note']}"
    return SelfReferralAnswers(
        in_immediate_danger=answers["danger"]["in_immediate_danger"] == "yes",
        given_name=answers["name"]["given_name"],
        family_name=answers["name"]["family_name"],
        birth_date=date.fromisoformat(answers["date-of-birth"]["birth_date"]),
        postcode=answers["postcode"]["postcode"],
        contact_by_phone="phone" in methods,
        contact_by_email="email" in methods,
        contact_by_post="post" in methods,
        # Only what goes with a chosen way of contacting them is kept.
        phone=contact["phone"] if "phone" in methods else "",
        email=contact["email"] if "email" in methods else "",
        address=contact["address"] if "post" in methods else "",
        safe_to_leave_message=safe["safe_to_leave_message"] == "yes",
        contact_times=times[:200],
        what_is_happening=answers["what-is-happening"]["what_is_happening"],
        others_involved=answers["others-involved"]["others_involved"],
    )


def _limited(request: HttpRequest) -> HttpResponse | None:
    """The per-address and overall limits, counted only when a referral is about to be made."""
    for throttle in (SelfReferralPerAddressThrottle(), SelfReferralOverallThrottle()):
        wait = allow(throttle, request)
        if wait is not None:
            response = render(request, "referrals/self_referral/too_many.html", status=429)
            response["Retry-After"] = str(wait)
            return response
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest) -> HttpResponse:
    missing = _first_unanswered(request)
    if missing is not None:
        return redirect(_step_url(missing))
    answers = _answers(request)
    form = questions.SubmitForm(request.POST or None)
    context = {
        "rows": _summary(answers),
        "form": form,
        "in_danger": answers["danger"]["in_immediate_danger"] == "yes",
        "back_url": _step_url(STEPS[-1]),
    }
    if request.method == "POST":
        if (refused := _too_large(request)) is not None:
            return refused
        if form.caught():
            return _caught(request)
        if (refused := _limited(request)) is not None:
            return refused
        try:
            referral = self_referral_submit(
                answers=_to_service(answers), now=timezone.now(), source_ip=client_ip(request)
            )
        except ValidationError as error:
            # The form checked each answer; the service's own checks name a field we asked about.
            form.add_error(None, error.messages)
        else:
            request.session.pop(SESSION_KEY, None)
            request.session[DONE_KEY] = {"reference": referral.reference, "in_danger": context["in_danger"]}
            return redirect("referrals:self_referral_done")
    return render(request, "referrals/self_referral/check_answers.html", context)


@never_cache
@require_GET
def confirmation(request: HttpRequest) -> HttpResponse:
    """Shown once: the reference comes out of the session as the page is drawn, so reloading it,
    or anyone later on the same device, goes back to the start."""
    done = request.session.pop(DONE_KEY, None)
    if not isinstance(done, dict):
        return redirect("referrals:self_referral_start")
    return render(request, "referrals/self_referral/confirmation.html", done)
