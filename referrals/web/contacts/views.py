"""Journey 3: record a contact in two clicks, and see the clock badges change on the spot.

From a row (triage queue, person page, caseload), "Record contact" opens a short
form that defaults to now, by telephone, completed: one more click saves it.

* With htmx the link loads the form into the row (``#contact-slot-<id>``) and the
  form posts inline; the answer is the row's new badges, which replace
  ``#clocks-<id>``, and a confirmation swapped out of band into the slot.
* Without JavaScript the link opens the same form as a page; it posts, then
  redirects back to where it came from (``next``), the person page by default.

Any page may offer this: wrap its badges in ``referrals/contacts/_clock_badges.html``
and its link in ``referrals/contacts/_record_contact_link.html``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from access.selectors import referral_get_for_user
from accounts.http import AuthenticatedHtmxRequest
from accounts.reads import VIEW, seen
from common.web import add_service_errors, safe_next, set_display_attrs
from referrals.errors import InvalidTransition
from referrals.nhs_number import format_nhs_number
from referrals.services import contact_record
from referrals.web.shared import person_breadcrumbs, person_url

from .forms import ContactForm
from .queries import referral_row


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthenticatedHtmxRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, referral_id)
    back = safe_next(request, f"{person_url(referral.person_id)}#referral-{referral.pk}")
    # Prefixed, so several rows' inline forms on one page never share an id.
    form = ContactForm(request.POST or None, prefix=f"contact-{referral.pk}")
    now = timezone.now()
    set_display_attrs(referral, current_clocks=[clock for clock in referral.clocks.all() if clock.is_current])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = contact_record(
                referral=referral,
                by=request.user,
                now=now,
                occurred_at=data["occurred_at"] or now,
                consultation_mechanism=data["consultation_mechanism"],
                attendance=data["attendance"],
                starts_treatment=data["starts_treatment"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(
                form, error, field_map={"occurred_at": "occurred_date" if data["occurred_at"] else "attendance"}
            )
        except InvalidTransition as error:
            form.add_error(None, str(error))
        else:
            summary = contact.description
            if request.htmx:
                row = referral_row(request.user, referral.pk)
                return render(
                    request,
                    "referrals/contacts/_recorded.html",
                    {"referral": row, "now": now, "summary": summary},
                )
            messages.success(request, f"{summary} for {referral.person} ({referral.reference}).")
            return redirect(back)
    seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
    context = {
        "form": form,
        "referral": referral,
        "person": referral.person,
        "nhs_number": format_nhs_number(referral.person.nhs_number),
        "next": back,
        "now": now,
        "action": reverse("referrals:contact_new", args=[referral.pk]),
    }
    if request.htmx:
        response = render(request, "referrals/contacts/_form_inline.html", context)
        if request.method == "POST":
            # Errors go back into the row's form slot, not over the badges the form aimed at.
            response = reswap(retarget(response, f"#contact-slot-{referral.pk}"), "innerHTML")
        return response
    context["breadcrumbs"] = person_breadcrumbs(referral.person)
    return render(request, "referrals/contacts/new.html", context)
