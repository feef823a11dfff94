"""Small helpers the caseload views share."""

from typing import TYPE_CHECKING, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from caseload.forms import OpenCaseload
from common.web import set_display_attrs, url_with_id
from referrals.models import Referral

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only

PER_PAGE = 25
_Row = TypeVar("_Row")


def paginate(
    request: HttpRequest, qs: "QuerySet[Referral, _Row]", *, count: int | None = None, per_page: int = PER_PAGE
) -> Page[_Row]:
    """One page of ``qs``; ``count`` (when already known) saves the paginator its COUNT query."""
    paginator = Paginator(qs, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return paginator.get_page(request.GET.get("page"))


def person_url(person_id: int) -> str:
    return reverse("referrals:person", args=[person_id])


def with_links(rows: list[Referral]) -> list[Referral]:
    """Add the person page, record-a-contact, triage and allocate links to caseload rows."""
    person, contact, triage, allocate = (
        url_with_id(name)
        for name in ("referrals:person", "referrals:contact_new", "referrals:triage_referral", "caseload:allocate")
    )
    for row in rows:
        set_display_attrs(
            row,
            person_url=person(row.person_id),
            contact_url=contact(row.pk),
            triage_url=triage(row.pk),
            allocate_url=allocate(row.pk),
        )
    return rows


def capacity_state(worker: "WithAnnotations[User, OpenCaseload]") -> str:
    """'over' past capacity, 'full' at capacity, '' otherwise (workers annotated by
    ``selectors.with_capacity``: the capacity now, reduced while they are away)."""
    if worker.open_caseload > worker.capacity_now:
        return "over"
    if worker.open_caseload == worker.capacity_now and (worker.capacity_now or worker.absent_until):
        return "full"
    return ""
