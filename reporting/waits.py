"""Waits: how many referrals came in, how long people waited, which clocks are running late.

Definitions (written on the page too, in templates/dashboard/includes/definitions.html):

* A **completed wait** is a clock stopped by its own rule in the period: the first
  completed contact for the first-response clock; the treatment clock's stop rule
  (second completed contact, referral spell, or recorded treatment start) for the
  treatment clock. Its wait is ``stopped_at - started_at``; it **met** its target if it
  stopped on or before ``due_at`` (the clock's own target, set by urgency and pathway
  when it started). Clocks that ended otherwise (restarted, the referral ended first,
  stopped by hand) are not waits: they are counted separately, never dropped.
* **Open now** are the current clocks not yet stopped; **at risk** are running clocks
  past their warning time and not yet due; **breached** are running clocks past their
  due time, and paused clocks paused after it.
* The weekly trend uses whole weeks (Monday to Sunday) that overlap the period and have
  ended; open, at risk and breached are counted at the end of each week (ignoring pauses).

Every function here runs a fixed number of queries, however much data there is.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db.models import Aggregate, BinaryField, Count, F, OuterRef, Q, Subquery, Sum
from django.urls import reverse

from access.selectors import referrals_visible_to
from accounts.models import User
from common.london import london
from localities.models import Team
from referrals.models import Clock, Referral
from reporting.models import ClockFact, ReferralFact, WeeklyPercentile, WeeklyRollup

from . import equality_rollup, percentiles
from .access import can_drill_down
from .charts import Chart, Series, line_chart
from .equality_rollup import REFERRAL
from .facts import COUNTERS, REFERRAL_KIND
from .filters import Filters
from .periods import Period, monday_of, week_end, week_start
from .suppression import Cell, count, rate, statistic, text
from .tables import Column, Table
from .units import KIND_LABELS, WAIT_UNITS, in_units, wait_formatter, wait_text

# Plain strings to the type checker: the reporting rows name a clock's kind as text.
KINDS: tuple[str, str] = (Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT)
OTHER_STOPS: dict[str, str] = {
    Clock.StopReason.RESTARTED: "restarted",
    Clock.StopReason.REFERRAL_ENDED: "ended",
    Clock.StopReason.MANUAL: "manual",
}


@dataclass
class KindStats:
    counted: int = 0  # completed waits
    met: int = 0
    restarted: int = 0
    ended: int = 0
    manual: int = 0
    p50: float | None = None
    p90: float | None = None


@dataclass
class OpenNow:
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    paused: int = 0


@dataclass
class WeekRow:
    week: date
    received: int = 0
    counted: dict[str, int] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=dict)
    open: dict[str, int] = field(default_factory=dict)
    at_risk: dict[str, int] = field(default_factory=dict)
    breached: dict[str, int] = field(default_factory=dict)
    n: dict[str, int] = field(default_factory=dict)  # waits behind the centiles
    p50: dict[str, float | None] = field(default_factory=dict)
    p90: dict[str, float | None] = field(default_factory=dict)


# --- measures -------------------------------------------------------------------------------


def received_in_period(*, period: Period, filters: Filters) -> int:
    days = equality_rollup.period_rows(period=period, filters=filters)
    if days is not None:  # a year of referrals counted from 365 rows per group, not 480,000 rows
        return days.filter(kind=REFERRAL).aggregate(n=Sum("received"))["n"] or 0
    # Two or more filters: counts add up, and the weekly cells keep every combination of filters.
    # The period's whole weeks come from them, the days before the first and after the last from
    # the referrals' rows (a year with two filters: about 50 ms counting 150,000 rows, issue 17).
    first = monday_of(period.first_day + timedelta(days=6))  # the first Monday on or after it
    last = monday_of(period.last_day + timedelta(days=1)) - timedelta(days=7)  # the last week it holds whole
    received = ReferralFact.objects.filter(filters.q())
    if first > last:
        return received.filter(received_at__gte=period.start, received_at__lt=period.end).count()
    weeks = WeeklyRollup.objects.filter(filters.q(), kind=REFERRAL_KIND, week__gte=first, week__lte=last)
    n = weeks.aggregate(n=Sum("received"))["n"] or 0
    if first > period.first_day or last + timedelta(days=6) < period.last_day:  # days outside whole weeks
        n += received.filter(
            Q(received_at__gte=period.start, received_at__lt=week_start(first))
            | Q(received_at__gte=week_end(last), received_at__lt=period.end)
        ).count()
    return n


def _completed_from_days(days: Iterable[tuple[str, int, int, bytes | memoryview]]) -> dict[str, KindStats]:
    """The completed waits of the period from days of (kind, completed, met, packed sorted waits),
    as the daily rollup keeps them or ``LiveDays`` reads them: the same counts, and the same
    centiles as ``percentile_cont`` over the clocks (``equality_rollup.Runs``), without sorting
    a year of waits on every view (issue 17)."""
    stats = {kind: KindStats() for kind in KINDS}
    runs = {kind: equality_rollup.Runs() for kind in KINDS}
    for kind, completed, met, packed in days:
        if kind not in stats:
            continue
        stats[kind].counted += completed
        stats[kind].met += met
        if completed:
            runs[kind].add(packed)
    for kind, found in runs.items():
        if len(found):
            stats[kind].p50, stats[kind].p90 = found.centiles(percentiles.MEDIAN_AND_P90)
    return stats


@dataclass(frozen=True)
class DayWaits:
    """One London day's completed waits of one clock kind: how many, how many met, and the waits
    sorted and packed as the daily rollup packs them."""

    day: date
    kind: str
    completed: int
    met: int
    waits: bytes


class _PackedWaits(Aggregate):
    """``string_agg(int8send(wait), '' ORDER BY wait)``: a group's waits sorted, 8 bytes each, as
    ``equality_rollup.pack`` writes them (the rollup's own statement uses the same)."""

    template = "string_agg(int8send(%(expressions)s), ''::bytea ORDER BY %(expressions)s)"
    output_field = BinaryField()


class LiveDays:
    """The completed waits of the clocks a combination of filters matches, day by day, read in one
    statement for both the period's figures and the trend's weekly centiles.

    The rollup keeps cells for no filter and for any one filter; for two or more, the page used to
    take the period's centiles and the trend's centiles in two statements, each scanning the same
    year of stopped clocks and sorting it (185 and 207 ms over 1,000,000 referrals). Here each
    day's waits come back sorted and packed, and ``equality_rollup.Runs`` works out both from them
    (issue 17). The days are London days (``ClockFact.stopped_on``), read from
    ``clockfact_completed_on_idx`` in the order they are packed: by kind, day and wait, so nothing
    is sorted but each day's few hundred waits (the statement 230 -> 149 ms at a million
    referrals, routine referrals from GPs). PostgreSQL only: SQLite (the demo) has no int8send, and keeps the two
    statements.
    """

    def __init__(self, *, filters: Filters, first_day: date, last_day: date) -> None:
        self.filters, self.first_day, self.last_day = filters, first_day, last_day
        self._days: list[DayWaits] | None = None

    def days(self) -> list[DayWaits]:
        if self._days is None:
            self._days = self._read()
        return self._days

    def _read(self) -> list[DayWaits]:
        # One aggregate per kind, joined by UNION ALL, each over the covering index on
        # (kind, stopped_on, wait_seconds): PostgreSQL runs them side by side (as ``percentiles.split``).
        parts = [
            ClockFact.objects.filter(
                self.filters.q(),
                kind=kind,
                stopped_on__gte=self.first_day,
                stopped_on__lte=self.last_day,
                wait_seconds__isnull=False,
            )
            .order_by()
            .values("stopped_on", "kind")
            .annotate(
                completed=Count("kind"),  # not "pk": stay in the index
                met=Count("kind", filter=Q(met=True)),
                waits=_PackedWaits("wait_seconds"),
            )
            .values_list("stopped_on", "kind", "completed", "met", "waits")
            for kind in KINDS
        ]
        return [
            # A completed wait's clock has stopped, so it has its day (clockfact_stopped_together).
            DayWaits(day=cast(date, d), kind=k, completed=n, met=met, waits=bytes(packed))
            for d, k, n, met, packed in parts[0].union(*parts[1:], all=True)
        ]

    def between(self, first_day: date, last_day: date) -> list[DayWaits]:
        """The days from ``first_day`` to ``last_day``, both kinds."""
        return [found for found in self.days() if first_day <= found.day <= last_day]


def live_days_for(*, period: Period, filters: Filters, now: datetime) -> LiveDays | None:
    """What the page reads completed waits from when the rollup keeps no cells for its filters
    (two or more set), on PostgreSQL: the days of the period and of the trend's weeks."""
    if filters.single() is not None or not percentiles.on_postgresql():
        return None
    first_day, last_day = period.first_day, period.last_day
    weeks = period.trend_weeks(now)
    if weeks:  # whole weeks overlapping the period: they may start before it and end after it
        first_day, last_day = min(first_day, weeks[0]), max(last_day, weeks[-1] + timedelta(days=6))
    return LiveDays(filters=filters, first_day=first_day, last_day=last_day)


def completed_in_period(*, period: Period, filters: Filters, live: LiveDays | None = None) -> dict[str, KindStats]:
    """Completed waits per clock kind, with median and 90th centile, and the clocks that
    ended another way. Two queries: the rollup's days (or, with two or more filters set, the
    days of ``live``, or on SQLite the clocks over their covering index), and the other stops."""
    stopped = ClockFact.objects.filter(filters.q(), stopped_at__gte=period.start, stopped_at__lt=period.end)
    days = equality_rollup.period_rows(period=period, filters=filters)
    if days is not None:
        stats = _completed_from_days(days.filter(kind__in=KINDS).values_list("kind", "completed", "met", "waits"))
    elif live is not None:
        stats = _completed_from_days(
            (d.kind, d.completed, d.met, d.waits) for d in live.between(period.first_day, period.last_day)
        )
    else:
        groups = percentiles.split(
            stopped, column="kind", groups=KINDS, value="wait_seconds", extra={"met": Q(met=True)}
        )
        stats = {
            kind: KindStats(counted=group.n, met=group.extra["met"], p50=group.centiles[0], p90=group.centiles[1])
            for kind, group in groups.items()
        }
    other = (
        stopped.filter(wait_seconds__isnull=True, stopped_at__isnull=False)
        .order_by()
        .values("kind", "stop_reason")
        .annotate(n=Count("kind"))
    )
    for row in other:
        name = OTHER_STOPS.get(row["stop_reason"])
        if name and row["kind"] in stats:
            setattr(stats[row["kind"]], name, row["n"])
    return stats


def open_now(*, filters: Filters, now: datetime) -> dict[str, OpenNow]:
    running = Q(paused_at__isnull=True)
    rows = (
        ClockFact.objects.filter(filters.q(), is_current=True, stopped_at__isnull=True)
        .order_by()
        .values("kind")
        .annotate(
            # Count("kind"), not "pk": everything this needs is in the open-clocks index.
            open=Count("kind"),
            paused=Count("kind", filter=~running),
            at_risk=Count("kind", filter=running & Q(warn_at__lte=now, due_at__gte=now)),
            breached=Count(
                "kind", filter=(running & Q(due_at__lt=now)) | Q(paused_at__isnull=False, paused_at__gt=F("due_at"))
            ),
        )
    )
    found = {kind: OpenNow() for kind in KINDS}
    for row in rows:
        found[row["kind"]] = OpenNow(row["open"], row["at_risk"], row["breached"], row["paused"])
    return found


def weekly(*, period: Period, filters: Filters, now: datetime, live: LiveDays | None = None) -> list[WeekRow]:
    """Week by week: counts from the weekly rollup, centiles from the stored weekly centiles
    (or, with two or more filters set, from the days of ``live``, or on SQLite from the
    completed waits). Two queries, or one with ``live`` read already."""
    weeks = period.trend_weeks(now)
    if not weeks:
        return []
    rows = {week: WeekRow(week=week) for week in weeks}
    # Every week up to the last is read: open, at risk and breached at a week's end are
    # sums of the events before it (see WeeklyRollup).
    sums = (
        WeeklyRollup.objects.filter(filters.q(), week__lte=weeks[-1])
        .order_by()
        .values("week", "kind")
        .annotate(**{name: Sum(name) for name in COUNTERS})
    )
    by_week: dict[date, list[Mapping[str, Any]]] = defaultdict(list)
    for summed in sums:
        by_week[summed["week"]].append(summed)
    totals = {kind: dict.fromkeys(COUNTERS, 0) for kind in KINDS}
    for week in sorted(set(by_week) | set(weeks)):
        for row in by_week.get(week, ()):
            kind = row["kind"]
            if kind == REFERRAL_KIND:
                if week in rows:
                    rows[week].received = row["received"]
                continue
            for name in COUNTERS:
                totals[kind][name] += row[name]
            if week in rows:
                rows[week].counted[kind], rows[week].met[kind] = row["counted"], row["met"]
        if week in rows:
            _snapshot(rows[week], totals)
    _centiles(rows, weeks, filters, live)
    return [rows[week] for week in weeks]


def _snapshot(row: WeekRow, totals: dict[str, dict[str, int]]) -> None:
    """Open, at risk and breached at the week's end, from event counts up to then."""
    for kind in KINDS:
        t = totals[kind]
        breached = t["due"] - t["due_or_stopped"]
        row.open[kind] = t["started"] - t["stopped"]
        row.breached[kind] = breached
        row.at_risk[kind] = t["warned"] - t["warned_or_stopped"] - breached


def _centiles(rows: dict[date, WeekRow], weeks: list[date], filters: Filters, live: LiveDays | None) -> None:
    single = filters.single()
    if single is not None:
        dimension, value = single
        stored = WeeklyPercentile.objects.filter(week__in=weeks, dimension=dimension, value=value).values_list(
            "week", "kind", "n", "p50", "p90"
        )
        for week, kind, n, p50, p90 in stored:
            rows[week].n[kind], rows[week].p50[kind], rows[week].p90[kind] = n, p50, p90
        return
    if live is not None:
        runs: dict[tuple[date, str], equality_rollup.Runs] = defaultdict(equality_rollup.Runs)
        for found in live.between(weeks[0], weeks[-1] + timedelta(days=6)):
            if found.completed and found.kind in KINDS:
                runs[monday_of(found.day), found.kind].add(found.waits)
        for (week, kind), run in runs.items():
            rows[week].n[kind] = len(run)
            rows[week].p50[kind], rows[week].p90[kind] = run.centiles(percentiles.MEDIAN_AND_P90)
        return
    # The trend's weeks are consecutive: a range on stopped_at (indexed) picks out the same rows.
    waits = ClockFact.objects.filter(
        filters.q(), stopped_at__gte=week_start(weeks[0]), stopped_at__lt=week_end(weeks[-1])
    )
    by_week = percentiles.grouped(waits, by=["stopped_week", "kind"], value="wait_seconds", split=("kind", KINDS))
    for (week, kind), group in by_week.items():
        if group.n:
            rows[week].n[kind], rows[week].p50[kind], rows[week].p90[kind] = group.n, *group.centiles


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
    visible = referrals_visible_to(user)
    # Through the access selector for everyone: superusers are not special (docs/adr/0006).
    running = ClockFact.objects.filter(filters.q(), is_current=True, stopped_at__isnull=True).filter(
        referral_id__in=visible.values("pk")
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
