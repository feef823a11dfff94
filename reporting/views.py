"""The dashboard pages. Thin: read the query string, bring the reporting tables up to date,
call one ``*_page`` function, and render it, or send one of its tables as CSV (``?csv=key``)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest

from .breaches import breaches_page
from .capacity import capacity_page
from .charts import Chart
from .csv import csv_filename, table_csv_response
from .equality import equality_page
from .filters import DashboardFilterForm, Filters
from .flow import flow_page
from .percentiles import reporting_reads
from .periods import Period
from .rebuild import Freshness, facts_ensure_current
from .tables import Table
from .waits import waits_page

PAGES = (
    ("waits", "Waits", "dashboard:waits"),
    ("breaches", "Breaches", "dashboard:breaches"),
    ("capacity", "Demand and capacity", "dashboard:capacity"),
    ("equality", "Equality of access", "dashboard:equality"),
    ("flow", "Flow and outcomes", "dashboard:flow"),
)


class DashboardPage(Protocol):
    """What every ``*_page`` function builds: its tables and charts (each chart has its table)."""

    tables: list[Table]
    charts: list[Chart]


@dataclass(frozen=True)
class Ask:
    """What the request asks for, parsed once."""

    form: DashboardFilterForm
    period: Period
    filters: Filters
    now: datetime
    csv: str


def _ask(request: HttpRequest) -> Ask:
    now = timezone.now()
    form = DashboardFilterForm(request.GET, today=timezone.localdate(now))
    return Ask(
        form=form, period=form.chosen_period(), filters=form.chosen_filters(), now=now, csv=request.GET.get("csv", "")
    )


def _respond(
    request: HttpRequest, ask: Ask, name: str, page: DashboardPage, freshness: Freshness, **context: object
) -> HttpResponse:
    if ask.csv:
        tables = {t.key: t for t in page.tables} | {c.table.key: c.table for c in page.charts}
        table = tables.get(ask.csv)
        if table is None:
            raise Http404("No such table on this page.")
        return table_csv_response(table, filename=csv_filename(name, table, ask.period))
    title = dict((key, label) for key, label, _ in PAGES)[name]
    return render(
        request,
        f"dashboard/{name}.html",
        {
            "page": page,
            "form": ask.form,
            "period": ask.period,
            "filter_labels": ask.form.labels(),
            "now": ask.now,
            "freshness": freshness,
            "pages": PAGES,
            "current": name,
            "title": title,
            "breadcrumbs": [("Home", reverse("referrals:home"))],
            **context,
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _not_ready(request: HttpRequest, ask: Ask, name: str, freshness: Freshness) -> HttpResponse:
    return render(
        request,
        "dashboard/not_ready.html",
        {"pages": PAGES, "current": name, "title": dict((k, v) for k, v, _ in PAGES)[name], "freshness": freshness},
        status=503,
    )


def _dashboard(request: HttpRequest, name: str, build: Callable[[Ask], DashboardPage]) -> HttpResponse:
    """Catch the reporting tables up, then draw one dashboard page (or its CSV)."""
    ask = _ask(request)
    freshness = facts_ensure_current(now=ask.now)
    if not freshness.ready:
        return _not_ready(request, ask, name, freshness)
    with reporting_reads():
        page = build(ask)
    return _respond(request, ask, name, page, freshness)


@login_required
def waits(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard(
        request,
        "waits",
        lambda ask: waits_page(user=request.user, period=ask.period, filters=ask.filters, now=ask.now),
    )


@login_required
def breaches(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard(
        request,
        "breaches",
        lambda ask: breaches_page(
            user=request.user,
            period=ask.period,
            filters=ask.filters,
            now=ask.now,
            page_number=_page_number(request),
            whole_list=ask.csv == "list",
        ),
    )


@login_required
def capacity(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard(
        request, "capacity", lambda ask: capacity_page(period=ask.period, filters=ask.filters, now=ask.now)
    )


@login_required
def equality(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard(
        request,
        "equality",
        lambda ask: equality_page(period=ask.period, filters=ask.filters, now=ask.now, by=request.GET.get("by", "")),
    )


@login_required
def flow(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard(request, "flow", lambda ask: flow_page(period=ask.period, filters=ask.filters, now=ask.now))
