"""Small helpers the caseload views share."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from accounts.models import User
from caseload.forms import OpenCaseload
from common.london import london
from common.pagination import CountedPaginator, page_with_its_count
from common.web import url_with_id
from referrals.models import Clock, Referral
from referrals.nhs_number import format_nhs_number
from referrals.templatetags.clocks import badge_html, clock_status

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only

PER_PAGE = 25


def paginate(
    request: HttpRequest, qs: QuerySet[Referral], *, count: int | None = None, per_page: int = PER_PAGE
) -> tuple[Page[Any], list[int]]:
    """One page of ``qs``, read lean, and the page's ids (the page itself only for its navigation).
    With ``count`` (when already known) only the page is read; without, the page with its count in
    one query (``common.pagination.page_with_its_count``), not a COUNT of its own that writes and
    runs the list's conditions, the user's access among them, a second time (issue 17)."""
    if count is None:
        counted = page_with_its_count(qs.only("pk"), request.GET.get("page"), per_page)
        return counted, [row.pk for row in counted.object_list]
    paginator = CountedPaginator(qs.values_list("pk", flat=True), per_page, count=count)  # the ids alone
    page = paginator.get_page(request.GET.get("page"))
    return page, list(page.object_list)


def person_url(person_id: int) -> str:
    return reverse("referrals:person", args=[person_id])


class ClockCell(TypedDict):
    label: str
    badge: SafeString


class CaseloadRow(TypedDict):
    """One caseload row as includes/_person_cell, _clock_cells and the row templates draw it:
    every value already worked out, as a plain dict.

    Issue 17: at a million referrals, My caseload's SQL took 5 ms and the page 28 ms, and much of
    the rest was the template engine reaching through model instances (a failed subscript, then
    ``getattr``, at every step of ``row.person.given_name``; about 45 look-ups and a dozen filters
    a row). A dict answers each look-up at the first try, and the formatting is done once, here,
    in plain Python (docs/adr/0013)."""

    pk: int
    person_id: int
    status: str
    name: str
    reference: str
    nhs_number: str
    state: str
    person_url: str
    contact_url: str
    triage_url: str
    allocate_url: str
    next_action: str
    next_due: str
    overdue: bool
    clocks: list[ClockCell]
    last_contact: str
    last_contact_ago: str
    allocated_to: str
    organisation: str


def _ago(days: int) -> str:
    return "today" if days == 0 else f"{days} day{'' if days == 1 else 's'} ago"


def display_rows(rows: list[Referral], *, now: datetime) -> list[CaseloadRow]:
    """Caseload rows (``selectors.caseload_rows_for``) as the row templates draw them, with the
    person page, record-a-contact, triage and allocate links, and each clock's tag at ``now``."""
    person, contact, triage, allocate = (
        url_with_id(name)
        for name in ("referrals:person", "referrals:contact_new", "referrals:triage_referral", "caseload:allocate")
    )
    out: list[CaseloadRow] = []
    for row in rows:
        action = row.next_action  # type: ignore[attr-defined]  # set by selectors.caseload_rows
        last = getattr(row, "last_contact_at", None)
        days = row.days_since_contact  # type: ignore[attr-defined]
        holder = row.allocated_to
        state = row.get_status_display()
        if row.urgency != Referral.Urgency.ROUTINE:
            state = f"{state}, {row.get_urgency_display().lower()}"
        out.append(
            {
                "pk": row.pk,
                "person_id": row.person_id,
                "status": row.status,
                "name": f"{row.person.given_name} {row.person.family_name}",
                "reference": row.reference,
                "nhs_number": format_nhs_number(row.person.nhs_number),
                "state": state,
                "person_url": person(row.person_id),
                "contact_url": contact(row.pk),
                "triage_url": triage(row.pk),
                "allocate_url": allocate(row.pk),
                "next_action": Truncator(action.text).chars(90),
                "next_due": london(action.due),
                "overdue": action.overdue,
                "clocks": [
                    {
                        "label": "Treatment" if clock.kind == Clock.Kind.TREATMENT else "First response",
                        "badge": badge_html(clock_status(clock, now)),
                    }
                    for clock in row.current_clocks  # type: ignore[attr-defined]  # the selector's prefetch
                ],
                "last_contact": london(last) if last else "",
                "last_contact_ago": _ago(days) if last else "",
                "allocated_to": str(holder) if holder else "",
                "organisation": str(holder.organisation) if holder and holder.organisation else "",
            }
        )
    return out


def capacity_state(worker: "WithAnnotations[User, OpenCaseload]") -> str:
    """'over' past capacity, 'full' at capacity, '' otherwise (workers annotated by
    ``selectors.with_capacity``: the capacity now, reduced while they are away)."""
    if worker.open_caseload > worker.capacity_now:
        return "over"
    if worker.open_caseload == worker.capacity_now and (worker.capacity_now or worker.absent_until):
        return "full"
    return ""
