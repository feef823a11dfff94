from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHtmxRequest
from accounts.reads import LIST, seen
from caseload import selectors
from caseload.forms import CaseloadFilterForm

from .common import display_rows, paginate


@login_required
@require_GET
def my_caseload(request: AuthenticatedHtmxRequest) -> HttpResponse:
    """The people I hold as link worker: next actions, clocks, last contact; filters and search."""
    now = timezone.now()
    form = CaseloadFilterForm(request.GET)
    filters = form.filters()
    page, ids = paginate(request, selectors.my_caseload(request.user, now=now, **filters))
    rows = display_rows(selectors.caseload_rows_for(ids, now=now), now=now)
    seen(request, LIST, [row["person_id"] for row in rows], what="referrals.referral")
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "now": now,
        "filtered": any(filters.values()),
    }
    # The filter form asks htmx for the results only; a page link or no-JS GET gets the whole page.
    if request.htmx.target == "caseload-results":
        return render(request, "caseload/_mine_results.html", context)
    return render(request, "caseload/mine.html", context)
