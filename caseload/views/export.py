"""CSV downloads of a caseload: exactly the people the page would list, through the same selectors.

Every download is written to the audit log (one ``record.export`` row per person in it).
"""

from collections.abc import Iterator
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.reads import EXPORT, seen
from caseload import selectors
from caseload.forms import CaseloadFilterForm
from caseload.selectors import NextAction, TeamView
from common.csv import csv_response

from .team import _team_id

CHUNK = 500  # rows fetched with their columns at a time: a fixed number of queries per chunk
HEADER = [
    "Reference",
    "Given name",
    "Family name",
    "NHS number",
    "Urgency",
    "Status",
    "Held by",
    "Received (UK time)",
    "Last completed contact (UK time)",
    "Next action",
]


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _rows(ids: list[int], people: list[int]) -> Iterator[list[object]]:
    """The rows, a chunk of referrals at a time; each person written is added to ``people``."""
    now = timezone.now()
    for start in range(0, len(ids), CHUNK):
        for row in selectors.caseload_rows_for(ids[start : start + CHUNK], now=now):
            next_action: NextAction | None = getattr(row, "next_action", None)  # set by caseload_rows
            people.append(row.person_id)
            yield [
                row.reference,
                row.person.given_name,
                row.person.family_name,
                row.person.nhs_number or "",
                row.get_urgency_display(),
                row.get_status_display(),
                row.allocated_to or "",
                _when(row.received_at),
                _when(getattr(row, "last_contact_at", None)),
                next_action.text if next_action else "",
            ]


def _csv(request: HttpRequest, ids: list[int], filename: str, what: str) -> HttpResponse:
    people: list[int] = []
    response = csv_response(filename=filename, header=HEADER, rows=_rows(ids, people))
    seen(request, EXPORT, people, what=what)
    return response


@login_required
@require_GET
def my_caseload_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = CaseloadFilterForm(request.GET).filters()
    ids = list(selectors.my_caseload(request.user, now=timezone.now(), **filters).values_list("pk", flat=True))
    return _csv(request, ids, "my-caseload.csv", "caseload.mine")


@login_required
@require_GET
def team_caseload_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    team = selectors.team_get_for_user(request.user, _team_id(request))
    view = request.GET.get("view")
    if view not in dict(TeamView.choices):
        view = TeamView.HELD
    ids = (
        []
        if team is None
        else list(
            selectors.team_caseload(
                request.user, team, view=view, search=request.GET.get("q", "").strip()[:100]
            ).values_list("pk", flat=True)
        )
    )
    name = f"team-{team.pk}-{view}.csv" if team else "team.csv"
    return _csv(request, ids, name, "caseload.team")
