"""Small helpers the caseload views share."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

PER_PAGE = 25


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def paginate(request: HttpRequest, qs: QuerySet, *, count: int | None = None, per_page: int = PER_PAGE) -> Page:
    """One page of ``qs``; ``count`` (when already known) saves the paginator its COUNT query."""
    paginator = Paginator(qs, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return paginator.get_page(request.GET.get("page"))


def _url(name: str, pk: int, fallback: str) -> str:
    """Pages other engineers build are linked by name; a fixed path until the name exists."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback


def person_url(person_id: int) -> str:
    return _url("referrals:person", person_id, f"/people/{person_id}/")


def with_links(rows):
    """Add the person page, record-a-contact, triage and allocate links to caseload rows."""
    for row in rows:
        row.person_url = person_url(row.person_id)
        row.contact_url = _url("referrals:contact_new", row.pk, f"/referrals/{row.pk}/contacts/new/")
        row.triage_url = _url("referrals:triage_referral", row.pk, f"/referrals/{row.pk}/triage/")
        row.allocate_url = reverse("caseload:allocate", args=[row.pk])
    return rows


def safe_next(request: HttpRequest, value: str | None) -> str:
    """A same-site path to go back to after a form, or ''."""
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return value
    return ""


def capacity_state(worker) -> str:
    """'over' past capacity, 'full' at capacity, '' otherwise (workers annotated with open_caseload)."""
    if worker.open_caseload > worker.caseload_capacity:
        return "over"
    if worker.caseload_capacity and worker.open_caseload == worker.caseload_capacity:
        return "full"
    return ""
