"""Hand-offs you made, or your team made, and where each person went. Only what the sender needs
to follow up (receiving team, date, whether the person was told, whether the receiving team has
reached them): never the record, its notes or its clocks. Every page is an audited read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from access.selectors import handoff_get_for_user, handoffs_followed_newest
from accounts.http import AuthenticatedHttpRequest
from accounts.reads import LIST, VIEW, seen

# A page of the latest: following up is about recent hand-offs.
LIST_SIZE = 50


def _breadcrumbs() -> list[tuple[str, str]]:
    return [("Home", reverse("referrals:home")), ("Hand-offs", reverse("referrals:handoffs"))]


@login_required
@require_GET
def handoff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    handoffs = handoffs_followed_newest(request.user, limit=LIST_SIZE)
    seen(request, LIST, [h.referral.person_id for h in handoffs], what="referrals.handoff")
    return render(
        request,
        "referrals/handoff/list.html",
        {"handoffs": handoffs, "limit": LIST_SIZE, "breadcrumbs": [("Home", reverse("referrals:home"))]},
    )


@login_required
@require_GET
def handoff_detail(request: AuthenticatedHttpRequest, handoff_id: int) -> HttpResponse:
    handoff = handoff_get_for_user(request.user, handoff_id)
    seen(request, VIEW, [handoff.referral.person_id], what="referrals.handoff", object_id=str(handoff.pk))
    return render(request, "referrals/handoff/detail.html", {"handoff": handoff, "breadcrumbs": _breadcrumbs()})
