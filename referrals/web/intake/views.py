"""Journey 1: take a referral from any access point, finding the person first.

One address, three steps, no JavaScript needed:

1. search (POST, so NHS numbers stay out of addresses and logs): an exact NHS
   number, or family name and date of birth; pick a match, or go on as a new person;
2. the referral form (``?person=<id>`` for someone found, or the new person's details);
3. create: ``referral_create`` (with the person found, and any routing override
   with its reason) and then, in the same transaction, the risk flags and the
   carer. If anything is refused, nothing is kept.
"""

import uuid
from datetime import date
from typing import Any, Required, TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.intake import intake_receipt_record
from access.selectors import people_visible_to, referral_submitted_by, referrals_visible_to
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import VIEW, searched, seen
from accounts.throttles import PersonSearchThrottle, allow
from common.web import add_service_errors
from localities.models import Practice, Team
from localities.selectors import route_for
from referrals.matching import Candidate, person_candidates
from referrals.models import Carer, Person, Referral
from referrals.nhs_number import format_nhs_number
from referrals.selectors import open_referrals_of
from referrals.services import carer_add, person_created_despite_match_record, referral_create, risk_flag_raise
from referrals.services.referrals import IdempotencyConflict
from referrals.services.referrer import referrer_set_from_form
from referrals.web.shared import PersonSearchForm, age_on, people_matching, person_url

from .forms import ReferralForm
from .queries import person_for_intake


def _breadcrumbs() -> list[tuple[str, str]]:
    return [("Home", reverse("referrals:home"))]


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.takes_referrals:
        # The search finds people outside the user's access: intake and clinical staff only.
        raise PermissionDenied("Taking referrals is for intake and clinical staff.")
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "create":
        return _create(request)
    if request.method == "POST" and action == "new":
        initial = _new_person_initial(request.POST)
        return _referral_form(request, person=None, initial=initial, strong=_strong_matches(initial))
    if request.method == "POST":
        return _search(request)
    if request.GET.get("person"):
        person = _picked(request, request.GET["person"])
        seen(request, VIEW, [person.pk], what="referrals.person", object_id=str(person.pk))
        return _referral_form(request, person=person, token=request.GET["person"])
    return render(request, "referrals/intake/search.html", {"form": PersonSearchForm(), "breadcrumbs": _breadcrumbs()})


# A person found by the search may be held by another team, so the page picks them by a signed,
# short-lived token from the search results, never by a bare id anyone could count through.
_PICK_SALT = "referrals.intake.person"
_PICK_MAX_AGE = 60 * 60  # seconds: one call's worth


def pick_token(person: Person) -> str:
    return signing.dumps(person.pk, salt=_PICK_SALT)


def _picked(request: AuthenticatedHttpRequest, value: str) -> Person:
    """The person from a search result's token, or by id someone the user can already see."""
    person = None
    if value.isdigit():
        if people_visible_to(request.user).filter(pk=int(value)).exists():
            person = person_for_intake(int(value))
    else:
        try:
            person = person_for_intake(int(signing.loads(value, salt=_PICK_SALT, max_age=_PICK_MAX_AGE)))
        except (signing.BadSignature, TypeError, ValueError):
            person = None
    if person is None:
        raise Http404("No such person.")
    return person


def _search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.POST)
    context: dict[str, object] = {"form": form, "breadcrumbs": _breadcrumbs()}
    if form.is_valid():
        wait = allow(PersonSearchThrottle(), request)
        if wait is not None:
            form.add_error(None, f"Too many searches. Try again in {wait // 60 + 1} minutes, or ask your manager.")
            response = render(request, "referrals/intake/search.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        data = form.cleaned_data
        today = timezone.localdate()
        matches = people_matching(
            nhs_number=data["nhs_number"], family_name=data["family_name"], birth_date=data["birth_date"]
        )
        exact = {p.pk for p in matches}
        candidates = [
            c
            for c in person_candidates(
                nhs_number=data["nhs_number"], family_name=data["family_name"], birth_date=data["birth_date"]
            )
            if c.person.pk not in exact
        ]
        # Intake searches everyone (to avoid a second record), so every search is recorded, found or not,
        # with the scored candidates shown beside the exact matches.
        searched(
            request,
            [p.pk for p in matches] + [c.person.pk for c in candidates],
            what="referrals.person",
            criteria=_criteria(data),
        )
        open_by_person = _open_referrals(request.user, [*matches, *(c.person for c in candidates)])
        context |= {
            "searched": True,
            "matches": [
                {
                    "open": open_by_person.get(p.pk, []),
                    "person": p,
                    "token": pick_token(p),
                    "nhs_number": format_nhs_number(p.nhs_number),
                    "age": age_on(p.birth_date, today),
                }
                for p in matches
            ],
            "candidates": [
                {
                    "open": open_by_person.get(c.person.pk, []),
                    "candidate": c,
                    "person": c.person,
                    "token": pick_token(c.person),
                    "nhs_number": format_nhs_number(c.person.nhs_number),
                    "age": age_on(c.person.birth_date, today),
                }
                for c in candidates
            ],
            "new_person": {
                "nhs_number": data["nhs_number"],
                "family_name": data["family_name"],
                "birth_date": data["birth_date"].isoformat() if data["birth_date"] else "",
            },
        }
    return render(request, "referrals/intake/search.html", context)


def _open_referrals(user: Any, people: list[Person]) -> dict[int, list[dict[str, object]]]:
    """Each person's open referrals, for the flag "Open with <team> since <date>", with a link to add
    to the referral when the user may see it (two queries, however many people)."""
    rows = list(open_referrals_of(people))
    among = Q(pk__in=[r.pk for r in rows])  # these few, each tested: not the user's whole visible set
    visible = set(referrals_visible_to(user, among=among).values_list("pk", flat=True))
    found: dict[int, list[dict[str, object]]] = {}
    for referral in rows:
        found.setdefault(referral.person_id, []).append(
            {
                "team": referral.team.name if referral.team else "",
                "received_on": timezone.localdate(referral.received_at),
                "url": f"{person_url(referral.person_id)}#referral-{referral.pk}" if referral.pk in visible else "",
            }
        )
    return found


def _criteria(data: dict[str, Any]) -> dict[str, str]:
    if data["nhs_number"]:
        return {"nhs_number": data["nhs_number"]}
    return {"family_name": data["family_name"], "birth_date": data["birth_date"].isoformat()}


def _new_person_initial(post: QueryDict) -> dict[str, object]:
    initial: dict[str, object] = {"nhs_number": post.get("nhs_number", ""), "family_name": post.get("family_name", "")}
    try:
        initial["birth_date"] = date.fromisoformat(post.get("birth_date", ""))
    except ValueError:
        pass
    return initial


def _referral_form(
    request: AuthenticatedHttpRequest,
    *,
    person: Person | None,
    initial: dict[str, object] | None = None,
    token: str = "",
    strong: list[Candidate] | None = None,
) -> HttpResponse:
    form = ReferralForm(
        existing_person=person, routes=request.user.routes_referrals, initial={**(initial or {}), "person": token}
    )
    return _render_form(request, form, person, strong=strong)


def _strong_matches(data: dict[str, Any]) -> list[Candidate]:
    """Strong candidates for a new person, worked out here on the server each time (never from the page).
    The same NHS number is left out: ``person_match_or_create`` takes that person, or refuses."""
    birth_date = data.get("birth_date")
    nhs_number = str(data.get("nhs_number") or "")
    return [
        c
        for c in person_candidates(
            nhs_number=nhs_number,
            given_name=str(data.get("given_name") or ""),
            family_name=str(data.get("family_name") or ""),
            birth_date=birth_date if isinstance(birth_date, date) else None,
            postcode=str(data.get("postcode") or ""),
        )
        if c.strength == "strong" and not (nhs_number and c.person.nhs_number == nhs_number)
    ]


def _render_form(
    request: AuthenticatedHttpRequest,
    form: ReferralForm,
    person: Person | None,
    *,
    strong: list[Candidate] | None = None,
) -> HttpResponse:
    context: dict[str, object] = {
        "form": form,
        "person": person,
        "breadcrumbs": _breadcrumbs(),
        "strong_matches": strong or [],
    }
    if person is not None:
        context |= {
            "nhs_number": format_nhs_number(person.nhs_number),
            "age": age_on(person.birth_date, timezone.localdate()),
            "route": route_for(practice=person.gp_practice, postcode=person.postcode),
        }
    return render(request, "referrals/intake/referral.html", context)


def _create(request: AuthenticatedHttpRequest) -> HttpResponse:
    person_id = request.POST.get("person") or ""
    person = _picked(request, person_id) if person_id else None
    form = ReferralForm(request.POST, existing_person=person, routes=request.user.routes_referrals)
    if not form.is_valid():
        return _render_form(
            request, form, person, strong=_strong_matches(form.cleaned_data) if person is None else None
        )
    data = form.cleaned_data
    # A repeat of a form already sent (same idempotency key) finds the person it made: not a duplicate.
    repeat = bool(data.get("idempotency_key")) and (
        Referral.objects.filter(idempotency_key=data["idempotency_key"], created_by=request.user).exists()
    )
    strong = _strong_matches(data) if person is None and not repeat else []
    if strong and not data.get("new_person_reason", "").strip():
        form.add_error("new_person_reason", "Say why this is a new person and not the strong match shown")
        return _render_form(request, form, person, strong=strong)
    try:
        with transaction.atomic():
            referral, created = referral_create(
                by=request.user,
                now=timezone.now(),
                source=data["source"],
                urgency=data["urgency"],
                presenting_need=data["presenting_need"],
                received_at=data["received_at"],
                idempotency_key=data.get("idempotency_key") or None,
                **_person_arguments(data, person),
                **_override_arguments(data),
            )
            if created:
                _record_extras(request, referral, data)
                shown = [c.person.pk for c in strong]
                if shown and referral.person_id not in shown:
                    person_created_despite_match_record(
                        person=referral.person,
                        candidate_ids=shown,
                        reason=data["new_person_reason"],
                        by=request.user,
                        now=timezone.now(),
                    )
                referrer_set_from_form(referral=referral, by=request.user, now=timezone.now(), data=data)
                # Taking a referral is never a way into the person's record (issue 10).
                intake_receipt_record(by=request.user, referral=referral, now=timezone.now())
    except ValidationError as error:
        add_service_errors(form, error, field_map={"received_at": "received_date", "gp_practice": "practice"})
        return _render_form(request, form, person)
    except IdempotencyConflict:
        form.add_error(None, "This form was already used for another referral. Check the details and send it again.")
        posted = request.POST.copy()  # the form's data, as a copy that can change
        posted["idempotency_key"] = uuid.uuid4().hex  # a deliberate second referral gets its own key
        form.data = posted
        return _render_form(request, form, person)
    referral = referral_submitted_by(request.user, referral.pk)
    if created:
        where = f"{referral.team} ({referral.routing_reason})" if referral.team else "no team yet: it needs routing"
        messages.success(request, f"Referral {referral.reference} recorded for {referral.person}. Routed to {where}.")
    else:
        messages.info(request, f"Referral {referral.reference} was already recorded; nothing was added twice.")
    if not referrals_visible_to(request.user).filter(pk=referral.pk).exists():
        # Routed somewhere the referrer does not work: they get the receipt, not the record.
        return render(request, "referrals/intake/receipt.html", {"referral": referral, "breadcrumbs": _breadcrumbs()})
    return redirect(f"{person_url(referral.person_id)}#referral-{referral.pk}")


class _PersonArguments(TypedDict, total=False):
    """Who the referral is for, as ``referral_create`` takes it."""

    person: Person
    nhs_number: str | None
    given_name: Required[str]
    family_name: Required[str]
    birth_date: date | None
    postcode: str
    gp_practice: Practice | None


class _OverrideArguments(TypedDict, total=False):
    """Routing override, as ``referral_create`` takes it."""

    team_override: Team
    override_reason: str


def _person_arguments(data: dict[str, Any], person: Person | None) -> _PersonArguments:
    if person is not None:
        return {
            "nhs_number": person.nhs_number,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birth_date": person.birth_date,
            "person": person,
        }
    return {
        "nhs_number": data["nhs_number"] or None,
        "given_name": data["given_name"],
        "family_name": data["family_name"],
        "birth_date": data["birth_date"],
        "postcode": data["postcode"],
        "gp_practice": data["practice"],
    }


def _override_arguments(data: dict[str, Any]) -> _OverrideArguments:
    """Routing override: the chosen team and why, kept on the referral and in the audit log."""
    if data.get("override_to") is not None:
        return {"team_override": data["override_to"], "override_reason": data["override_reason"]}
    return {}


def _record_extras(request: AuthenticatedHttpRequest, referral: Referral, data: dict[str, Any]) -> None:
    """Risk flags and the carer, inside the referral's transaction."""
    by, now, person = request.user, timezone.now(), referral.person
    for kind in data["risk_kinds"]:
        risk_flag_raise(person=person, by=by, now=now, kind=kind, note=data["risk_note"])
    if data["carer_name"].strip():
        carer_add(
            person=person,
            by=by,
            now=now,
            name=data["carer_name"],
            relationship=data["carer_relationship"],
            phone=data["carer_phone"],
            involved_with_consent=data["carer_involved"],
            carers_assessment=(
                Carer.CarersAssessment.OFFERED
                if data["carer_assessment_offered"]
                else Carer.CarersAssessment.NOT_OFFERED
            ),
        )
