"""The dashboard pages. Thin: read the query string, bring the reporting tables up to date,
call one ``*_page`` function, and render it, or send one of its tables as CSV (``?csv=key``)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.reads import EXPORT, LIST, seen
from common.forms import form_field
from common.london import london

from .breaches import breaches_page
from .capacity import capacity_page
from .charts import Chart
from .csv import csv_filename, table_csv_response
from .data_quality import data_quality_page
from .demand import demand_page
from .equality import equality_page
from .filters import DashboardFilterForm, Filters
from .flow import flow_page
from .internal_waits import internal_waits_page
from .measures import parse_period
from .national import chosen_month, month_choices, national_page
from .percentiles import reporting_reads
from .periods import Period
from .rebuild import Freshness, facts_ensure_current
from .rollout import rollout_page
from .tables import Table
from .waits import waits_page

PAGES = (
    ("waits", "Waits", "dashboard:waits"),
    ("breaches", "Breaches", "dashboard:breaches"),
    ("internal_waits", "Internal waits", "dashboard:internal-waits"),
    ("capacity", "Demand and capacity", "dashboard:capacity"),
    ("equality", "Equality of access", "dashboard:equality"),
    ("flow", "Flow and outcomes", "dashboard:flow"),
    ("rollout", "Roll-out by locality", "dashboard:rollout"),
    ("demand", "New service demand", "dashboard:demand"),
    ("national", "National measures", "dashboard:national"),
    ("data_quality", "Data quality", "dashboard:data-quality"),
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
        return table_csv_response(
            table,
            filename=csv_filename(name, table, ask.period),
            made_with=[("Period", ask.period.description()), *ask.form.labels().items()],
        )
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


def _refused(request: HttpRequest, ask: Ask, name: str) -> HttpResponse:
    """A period that cannot be drawn: the form and its errors, and no figures at all."""
    if ask.csv:
        return HttpResponseBadRequest("The period cannot be read: correct it on the page, then download.")
    title = dict((key, label) for key, label, _ in PAGES)[name]
    return render(
        request,
        "dashboard/layout.html",
        {
            "form": ask.form,
            "period": None,
            "pages": PAGES,
            "current": name,
            "title": title,
            "breadcrumbs": [("Home", reverse("referrals:home"))],
        },
    )


def _dashboard(request: HttpRequest, name: str, build: Callable[[Ask], DashboardPage]) -> HttpResponse:
    """Catch the reporting tables up, then draw one dashboard page (or its CSV)."""
    ask = _ask(request)
    if ask.form.period_refused:
        return _refused(request, ask, name)
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
def internal_waits(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Waits for interventions after the decision to offer them, per team and kind (reporting.internal_waits)."""
    return _dashboard(
        request,
        "internal_waits",
        lambda ask: internal_waits_page(period=ask.period, filters=ask.filters, now=ask.now),
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


@login_required
def rollout(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each locality before and after a service went live in it (reporting.rollout)."""
    return _dashboard(request, "rollout", lambda ask: rollout_page(period=ask.period, filters=ask.filters, now=ask.now))


@login_required
def demand(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new service's demand by locality and phase against its staffed capacity (reporting.demand)."""
    return _dashboard(request, "demand", lambda ask: demand_page(period=ask.period, filters=ask.filters, now=ask.now))


# --- the national measures and data quality: a month, not a period --------------------------------


class MonthPage(Protocol):
    """What the month pages build: their tables (each downloadable as CSV)."""

    tables: list[Table]


class MonthForm(forms.Form):
    """The month the national measures are counted for (the quarter ending with it for the
    referral-spell measure). A month not on the list is reported and the default shown."""

    month = forms.ChoiceField(
        label="Month",
        help_text="The referral-spell measure counts the quarter ending with this month.",
        required=False,
        error_messages={"invalid_choice": "Choose a month from the list."},
    )

    def __init__(self, data: dict[str, str], *, today: date) -> None:
        month, error = chosen_month(data.get("month", ""), today)
        super().__init__({"month": month})
        form_field(self, "month", forms.ChoiceField).choices = month_choices(today)
        self.is_valid()
        if error:
            self.add_error("month", error)
        self.chosen = month


def _month_page(request: AuthenticatedHttpRequest, name: str, build: Callable[[MonthForm], MonthPage]) -> HttpResponse:
    now = timezone.now()
    form = MonthForm(request.GET.dict(), today=timezone.localdate(now))
    page = build(form)
    wanted = request.GET.get("csv", "")
    if wanted:
        table = next((t for t in page.tables if t.key == wanted), None)
        if table is None:
            raise Http404("No such table on this page.")
        return table_csv_response(
            table,
            filename=f"{name.replace('_', '-')}-{table.key}-{form.chosen}.csv",
            # What the file counted, said in the file: the month (its quarter for the spell measure).
            made_with=[
                ("Month", dict(month_choices(timezone.localdate(now)))[form.chosen]),
                ("Referral-spell measures count", "the quarter ending with this month"),
                ("Made", london(now)),
            ],
        )
    return render(
        request,
        f"dashboard/{name}.html",
        {
            "page": page,
            "form": form,
            "month_label": dict(month_choices(timezone.localdate(now)))[form.chosen],
            "now": now,
            "pages": PAGES,
            "current": name,
            "title": dict((key, label) for key, label, _ in PAGES)[name],
            "breadcrumbs": [("Home", reverse("referrals:home"))],
        },
    )


@login_required
def national(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every national measure for a month, with the local promise beside them. Aggregates, with
    small numbers suppressed: for everyone signed in, as the other dashboards (reporting.access)."""
    return _month_page(request, "national", lambda form: national_page(month=form.chosen))


@login_required
def data_quality(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What falls out of the national measures for its coding, per team, and the records the user
    may open (by reference; their reading recorded, as every list of people is)."""

    def build(form: MonthForm) -> MonthPage:
        page = data_quality_page(user=request.user, period=parse_period(form.chosen, quarterly=True))
        wanted = request.GET.get("csv", "")
        shown = page.problems if not wanted else {wanted: page.problems.get(wanted, [])}
        people = {p.person_id for problems in shown.values() for p in problems}
        seen(request, EXPORT if wanted else LIST, people, what="reporting.data_quality")
        return page

    return _month_page(request, "data_quality", build)
