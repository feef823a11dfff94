"""The waits dashboard's page: its figures (``figures``), the longest waits a user may open, and
the cards, tables and charts drawn from them."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from access.selectors import referral_visible_condition
from accounts.models import User
from common.london import london
from localities.models import Team
from referrals.models import Clock, Referral
from reporting.access import can_drill_down
from reporting.charts import Chart, Series, line_chart
from reporting.filters import Filters
from reporting.models import ClockFact
from reporting.periods import Period
from reporting.suppression import Cell, count, rate, statistic, text
from reporting.tables import Column, Table
from reporting.units import KIND_LABELS, WAIT_UNITS, in_units, wait_formatter, wait_text

from .figures import (
    KindStats,
    OpenNow,
    WeekRow,
    completed_in_period,
    live_days_for,
    open_now,
    received_in_period,
    weekly,
)


@dataclass(frozen=True)
class LongWait:
    reference: str
    link: str
    kind: str
    started_at: datetime
    due_at: datetime
    waited: timedelta
    team: str
    status: str


def longest_waits(*, user: User, filters: Filters, now: datetime, limit: int = 10) -> list[LongWait]:
    """The current clocks that have run longest, on referrals this user may open. One query."""
    if not can_drill_down(user):
        return []
    # Through the access selector for everyone: superusers are not special (docs/adr/0006). Longest
    # first, each clock's referral tested as referral_visible_condition says, until there are enough.
    running = ClockFact.objects.filter(filters.q(), is_current=True, stopped_at__isnull=True).filter(
        referral_visible_condition(user, column="referral_id")
    )
    rows = running.order_by("started_at", "clock_id").annotate(
        reference=Subquery(Referral.objects.filter(pk=OuterRef("referral_id")).values("reference")[:1]),
        team_name=Subquery(Team.objects.filter(pk=OuterRef("team_id")).values("name")[:1]),
    )[:limit]
    return [
        LongWait(
            reference=row.reference,
            link=referral_link(row.referral_id),
            kind=row.kind,
            started_at=row.started_at,
            due_at=row.due_at,
            waited=now - row.started_at,
            team=row.team_name or "Not routed",
            status=clock_status(row, now),
        )
        for row in rows
    ]


def clock_status(clock: ClockFact, now: datetime) -> str:
    """Where an open clock stands now, in the page's words."""
    if clock.paused_at is not None:
        return "Paused after breach" if clock.paused_at > clock.due_at else "Paused"
    if now > clock.due_at:
        return "Breached"
    return "At risk" if now >= clock.warn_at else "Running"


def referral_link(referral_id: int) -> str:
    return reverse("referrals:referral", args=[referral_id])


# --- the page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    label: str
    value: Cell
    detail: str


@dataclass
class WaitsPage:
    received: int
    completed: dict[str, KindStats]
    open_now: dict[str, OpenNow]
    weeks: list[WeekRow]
    longest: list[LongWait]
    shows_longest: bool
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)


def waits_page(*, user: User, period: Period, filters: Filters, now: datetime) -> WaitsPage:
    live = live_days_for(period=period, filters=filters, now=now)
    completed = completed_in_period(period=period, filters=filters, live=live)
    page = WaitsPage(
        received=received_in_period(period=period, filters=filters),
        completed=completed,
        open_now=open_now(filters=filters, now=now),
        weeks=weekly(period=period, filters=filters, now=now, live=live),
        longest=longest_waits(user=user, filters=filters, now=now),
        shows_longest=can_drill_down(user),
    )
    received = Table(
        key="received", title="Referrals received", columns=[Column("Period", numeric=False), Column("Referrals")]
    )
    received.add([text(period.label()), count(page.received)])
    page.tables = [received, _headline_table(page)]
    if page.shows_longest:
        page.tables.append(_longest_table(page))
    page.charts = _charts(page.weeks)
    page.cards = _cards(page)
    return page


def _cards(page: WaitsPage) -> list[Card]:
    fr, tr = page.completed[Clock.Kind.FIRST_RESPONSE], page.completed[Clock.Kind.TREATMENT]
    tr_now = page.open_now[Clock.Kind.TREATMENT]
    fr_text, tr_text = wait_formatter(Clock.Kind.FIRST_RESPONSE), wait_formatter(Clock.Kind.TREATMENT)
    return [
        Card("Referrals received", count(page.received), "in the period"),
        Card(
            "First response within target",
            rate(fr.met, fr.counted),
            f"of {count(fr.counted).text} completed first responses",
        ),
        Card("Treatment within 4 weeks", rate(tr.met, tr.counted), f"of {count(tr.counted).text} treatments started"),
        Card(
            "Median wait to first response",
            statistic(fr.p50, fr.counted, formatter=fr_text),
            f"90th centile: {statistic(fr.p90, fr.counted, formatter=fr_text).text}",
        ),
        Card(
            "Median wait to treatment",
            statistic(tr.p50, tr.counted, formatter=tr_text),
            f"90th centile: {statistic(tr.p90, tr.counted, formatter=tr_text).text}",
        ),
        Card(
            "Waiting for treatment now",
            count(tr_now.open),
            f"{count(tr_now.at_risk).text} at risk, {count(tr_now.breached).text} past 4 weeks",
        ),
    ]


def _headline_table(page: WaitsPage) -> Table:
    fr, tr = Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT
    table = Table(
        key="headline",
        title="Waits in the period",
        columns=[Column("Measure", numeric=False), Column(KIND_LABELS[fr]), Column(KIND_LABELS[tr])],
    )
    c, o = page.completed, page.open_now
    table.add([text("Completed waits"), count(c[fr].counted), count(c[tr].counted)])
    table.add([text("Within target"), count(c[fr].met), count(c[tr].met)])
    table.add([text("Within target (%)"), rate(c[fr].met, c[fr].counted), rate(c[tr].met, c[tr].counted)])
    for label, attr in (("Median wait", "p50"), ("90th centile wait", "p90")):
        table.add(
            [text(label)]
            + [statistic(getattr(c[k], attr), c[k].counted, formatter=wait_formatter(k)) for k in (fr, tr)]
        )
    table.add([text("Ended without a wait: restarted"), count(c[fr].restarted), count(c[tr].restarted)])
    table.add([text("Ended without a wait: referral ended first"), count(c[fr].ended), count(c[tr].ended)])
    table.add([text("Ended without a wait: stopped by hand"), count(c[fr].manual), count(c[tr].manual)])
    table.add([text("Open now"), count(o[fr].open), count(o[tr].open)])
    table.add([text("At risk now (past 75% of target)"), count(o[fr].at_risk), count(o[tr].at_risk)])
    table.add([text("Breached now"), count(o[fr].breached), count(o[tr].breached)])
    table.add([text("Paused now"), count(o[fr].paused), count(o[tr].paused)])
    return table


def _longest_table(page: WaitsPage) -> Table:
    table = Table(
        key="longest",
        title="Longest current waits you can open",
        columns=[
            Column("Referral", numeric=False),
            Column("Clock", numeric=False),
            Column("Waiting since", numeric=False),
            Column("Waited"),
            Column("Team", numeric=False),
            Column("Status", numeric=False),
        ],
        empty="No running clocks on referrals you can open.",
    )
    for w in page.longest:
        table.add(
            [
                text(w.reference),
                text(KIND_LABELS[w.kind]),
                text(london(w.started_at)),
                text(wait_text(w.kind, w.waited.total_seconds())),
                text(w.team),
                text(w.status),
            ],
            link=w.link,
        )
    return table


def _week_label(week: date) -> str:
    return f"{week.day} {week:%b}"


def _charts(weeks: list[WeekRow]) -> list[Chart]:
    fr, tr = Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT
    labels = [_week_label(w.week) for w in weeks]
    charts = []

    def week_table(key: str, title: str, columns: list[tuple[str, list[Cell]]]) -> Table:
        table = Table(
            key=key,
            title=title,
            columns=[Column("Week beginning", numeric=False)] + [Column(c) for c, _ in columns],
            empty="No whole week of this period has ended yet, so there is nothing to chart.",
        )
        for i, w in enumerate(weeks):
            table.add([text(f"{w.week.day} {w.week:%b %Y}")] + [cells[i] for _, cells in columns])
        return table

    def add(key: str, title: str, unit: str, columns: list[tuple[str, list[Cell]]]) -> None:
        table = week_table(key, title, columns)
        series = [Series(name, table.column_values(i + 1)) for i, (name, _) in enumerate(columns)]
        charts.append(
            Chart(
                key=key,
                title=title,
                svg=line_chart(key=key, title=title, labels=labels, series=series, unit=unit),
                table=table,
            )
        )

    add(
        "trend-received",
        "Referrals received each week",
        "referrals",
        [("Referrals received", [count(w.received) for w in weeks])],
    )
    add(
        "trend-within-target",
        "Completed waits within target each week (%)",
        "%",
        [
            ("First response within target", [rate(w.met.get(fr, 0), w.counted.get(fr, 0)) for w in weeks]),
            ("Treatment within 4 weeks", [rate(w.met.get(tr, 0), w.counted.get(tr, 0)) for w in weeks]),
        ],
    )
    for kind, key in ((fr, "trend-wait-first-response"), (tr, "trend-wait-treatment")):
        unit, per = WAIT_UNITS[kind]

        def wait_cell(w: WeekRow, attr: str, kind: str = kind) -> Cell:
            value = getattr(w, attr).get(kind)
            return statistic(
                None if value is None else float(in_units(kind, value)),
                w.n.get(kind, 0),
                formatter=lambda v: f"{v:.1f}",
            )

        add(
            key,
            f"Wait to {'first response' if kind == fr else 'treatment'} each week ({unit})",
            unit,
            [("Median", [wait_cell(w, "p50") for w in weeks]), ("90th centile", [wait_cell(w, "p90") for w in weeks])],
        )
    for kind, key in ((tr, "trend-open-treatment"), (fr, "trend-open-first-response")):
        add(
            key,
            f"{KIND_LABELS[kind]} clocks open, at risk and breached at the end of each week",
            "clocks",
            [
                ("Open", [count(w.open.get(kind, 0)) for w in weeks]),
                ("At risk", [count(w.at_risk.get(kind, 0)) for w in weeks]),
                ("Breached", [count(w.breached.get(kind, 0)) for w in weeks]),
            ],
        )
    return charts
