"""Breaches: every clock that passed its due time in the period, and where they happen.

A clock **breached in the period** if its due time fell in the period (and has passed)
and it was still running then: it stopped after its due time, or it has not stopped and is
running (or was paused after its due time). Stopping it late does not undo the breach.
Superseded (restarted) clocks count too: their breaches happened. **Over by** is how long
past the due time it ran: to its stop, its pause, or now if it is still running.
**Escalated** means an escalation alert was raised for the clock (first to the team
manager, then the service manager), as recorded in the alerts.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from access.selectors import referral_ids_visible_to, referral_visible_condition
from accounts.models import User
from common.london import london
from localities.models import Team
from referrals.models import Alert, Referral
from reporting.models import ClockFact, DailyEqualityRollup, WeeklyRollup

from . import equality_rollup
from .access import can_drill_down
from .charts import Chart, bar_chart
from .filters import Filters
from .periods import Period, london_date
from .suppression import count, rate, text
from .tables import Column, Table
from .units import KIND_LABELS, wait_text
from .waits import KINDS, referral_link

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only

SOURCE_LABELS = dict(Referral.Source.choices)
URGENCY_LABELS = dict(Referral.Urgency.choices)
PAGE_SIZE = 50


def breached_q(now: datetime) -> Q:
    """On the reporting rows: stopped late, running past due, or paused after due."""
    return (
        Q(stopped_at__isnull=False, stopped_at__gt=F("due_at"))
        | Q(stopped_at__isnull=True, paused_at__isnull=True, due_at__lt=now)
        | Q(stopped_at__isnull=True, paused_at__isnull=False, paused_at__gt=F("due_at"))
    )


def due_in_period(*, period: Period, filters: Filters, now: datetime) -> QuerySet[ClockFact]:
    """Clocks whose due time fell in the period and has passed."""
    return ClockFact.objects.filter(filters.q(), due_at__gte=period.start, due_at__lt=min(period.end, now))


@dataclass
class BreachCounts:
    due: int = 0
    breached: int = 0
    still_open: int = 0

    def add(self, due: int, breached: int, still_open: int) -> None:
        self.due += due
        self.breached += breached
        self.still_open += still_open


@dataclass
class BreachTotals:
    """The page's three breakdowns, each by clock kind."""

    by_kind: dict[str, BreachCounts] = field(default_factory=lambda: defaultdict(BreachCounts))
    by_team: dict[tuple[int, str], BreachCounts] = field(default_factory=lambda: defaultdict(BreachCounts))
    by_source: dict[tuple[str, str], BreachCounts] = field(default_factory=lambda: defaultdict(BreachCounts))

    def add(self, team_id: int, source: str, kind: str, due: int, breached: int, still_open: int) -> None:
        for total in (self.by_kind[kind], self.by_team[(team_id, kind)], self.by_source[(source, kind)]):
            total.add(due, breached, still_open)


def breach_counts(*, period: Period, filters: Filters, now: datetime) -> BreachTotals:
    """Clocks due in the period and by now, breached, and breached and still running: by clock
    kind, by team and by source.

    The days before today come from rollups, and only what they cannot know is read from the
    clocks: those due today, whose day is not over, and which breaches are still running now.
    With no filter set, from the daily rollup (``equality_rollup``: its ``team_id`` and
    ``source`` groups, a few thousand rows for a year, where the clocks are a million). With
    filters set, the period's whole past weeks from the weekly cells (``WeeklyRollup``: they keep
    every combination of the filters, with team and source), and its other past days from the
    clocks (issue 17: a year with one filter counted 700,000 clocks). The figures are the same
    every way (tests/reporting/test_breaches.py).
    """
    totals = BreachTotals()
    today = london_date(now)
    past = Period(first_day=period.first_day, last_day=min(period.last_day, today - timedelta(days=1)))
    if past.first_day <= past.last_day:
        if filters.active():
            _past_from_weekly_cells(totals, past=past, filters=filters, now=now)
        else:
            _past_from_daily_rollup(totals, past=past)
        # Still running past their due time, of the clocks due before today (few: the open clocks).
        running = due_in_period(period=past, filters=filters, now=now).filter(stopped_at__isnull=True)
        _count_from_clocks(totals, running.filter(breached_q(now)), now=now, due=False)
    today_part = Period(first_day=max(period.first_day, today), last_day=period.last_day)
    if today_part.first_day <= today_part.last_day and today_part.start < now:
        _count_from_clocks(totals, due_in_period(period=today_part, filters=filters, now=now), now=now, due=True)
    return totals


def _past_from_daily_rollup(totals: BreachTotals, *, past: Period) -> None:
    """Due and breached, across the service, for days before today: every clock is in one team
    group and one source group of the daily rollup."""
    for dimension, value, kind, due, breached in (
        DailyEqualityRollup.objects.filter(
            dimension__in=("team_id", "source"), kind__in=KINDS, day__gte=past.first_day, day__lte=past.last_day
        )
        .order_by()
        .values("dimension", "value", "kind")
        .annotate(due=Sum("due"), breached=Sum("breached"))
        .values_list("dimension", "value", "kind", "due", "breached")
    ):
        if not due:
            continue  # a group with waits but nothing due in the period: the clocks would not list it
        breakdown = totals.by_team[(int(value), kind)] if dimension == "team_id" else totals.by_source[(value, kind)]
        breakdown.add(due, breached, 0)
        if dimension == "source":  # each clock is in one source group: the source rows sum to the whole
            totals.by_kind[kind].add(due, breached, 0)


def _past_from_weekly_cells(totals: BreachTotals, *, past: Period, filters: Filters, now: datetime) -> None:
    """Due and breached, with filters set, for days before today: the whole weeks from the weekly
    cells the filters match, the days outside them from the clocks."""
    whole = past.whole_weeks()
    outside = [past] if whole is None else whole[2]
    if whole is not None:
        first, last, _ = whole
        for team_id, source, kind, due, breached in (
            WeeklyRollup.objects.filter(filters.q(), kind__in=KINDS, week__gte=first, week__lte=last)
            .order_by()
            .values("team_id", "source", "kind")
            .annotate(due=Sum("due"), breached=Sum("breached"))
            .values_list("team_id", "source", "kind", "due", "breached")
        ):
            if due:  # cells that count other events only: the clocks would not list them
                totals.add(team_id, source, kind, due, breached, 0)
    if outside:
        days = [day for part in outside for day in part.each_day()]
        clocks = ClockFact.objects.filter(filters.q(), equality_rollup.within_days("due_at", days))
        _count_from_clocks(totals, clocks, now=now, due=True, still_open=False)


def _count_from_clocks(
    totals: BreachTotals, clocks: QuerySet[ClockFact], *, now: datetime, due: bool, still_open: bool = True
) -> None:
    """Add the clocks' counts by team, source and kind: due and breached (``due``) and still
    running (``still_open``), or only still running (every clock given is a breach still running)."""
    open_breach = Q(stopped_at__isnull=True) & breached_q(now)
    rows = (
        clocks.order_by()
        .values("team_id", "source", "kind")
        .annotate(
            # Counting a column of the due-date index (not pk) lets PostgreSQL read the index only.
            due=Count("kind"),
            breached=Count("kind", filter=breached_q(now)),
            still_open=Count("kind", filter=open_breach),
        )
        .values_list("team_id", "source", "kind", "due", "breached", "still_open")
    )
    for team_id, source, kind, n, breached, running in rows:
        totals.add(team_id, source, kind, n if due else 0, breached if due else 0, running if still_open else 0)


def _drillable_breaches(*, user: User, period: Period, filters: Filters, now: datetime) -> QuerySet[ClockFact]:
    """The period's breaches, or none for a user who may not drill down; before any record rule."""
    breaches = due_in_period(period=period, filters=filters, now=now).filter(breached_q(now))
    return breaches if can_drill_down(user) else breaches.none()


def visible_breaches(*, user: User, period: Period, filters: Filters, now: datetime) -> QuerySet[ClockFact]:
    """The breaches a user may see one by one (none for a user who may not drill down), for a page
    of them: newest first, each breach's referral tested as ``referral_visible_condition`` says,
    until the page is full."""
    breaches = _drillable_breaches(user=user, period=period, filters=filters, now=now)
    # Through the access selector for everyone: superusers are not special (docs/adr/0006).
    return breaches.filter(referral_visible_condition(user, column="referral_id"))


def visible_breach_count(*, user: User, period: Period, filters: Filters, now: datetime) -> int:
    """How many ``visible_breaches`` holds. Every breach of the period is tested, so against the
    user's visible ids hashed once: for a locality team manager at a million referrals (34,537 of
    the year's 185,559 breaches), 490 ms, against 920 ms with each breach's referral tested on its
    own and 750 ms with the visible referrals read through the referral table (docs/performance.md)."""
    breaches = _drillable_breaches(user=user, period=period, filters=filters, now=now)
    return breaches.filter(referral_id__in=referral_ids_visible_to(user)).count()  # none(): no query


class BreachAnnotations(TypedDict):
    reference: str
    escalation_tier: int | None


def breach_list(breaches: QuerySet[ClockFact]) -> "QuerySet[WithAnnotations[ClockFact, BreachAnnotations]]":
    """Newest first, with each referral's reference and the highest escalation raised."""
    escalation = Alert.objects.filter(clock_id=OuterRef("clock_id"), level=Alert.Level.ESCALATION).order_by("-tier")
    return breaches.order_by("-due_at", "-clock_id").annotate(
        reference=Subquery(Referral.objects.filter(pk=OuterRef("referral_id")).values("reference")[:1]),
        escalation_tier=Subquery(escalation.values("tier")[:1]),
    )


ESCALATED = {None: "No", 1: "To the team manager", 2: "To the service manager"}


@dataclass
class BreachesPage:
    counts: BreachTotals
    shows_list: bool
    page_number: int = 1
    pages: int = 1
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def breaches_page(
    *, user: User, period: Period, filters: Filters, now: datetime, page_number: int = 1, whole_list: bool = False
) -> BreachesPage:
    counts = breach_counts(period=period, filters=filters, now=now)
    team_names = dict(Team.objects.values_list("pk", "name"))
    page = BreachesPage(counts=counts, shows_list=can_drill_down(user))
    by_kind = counts.by_kind
    by_team: dict[tuple[str, str], BreachCounts] = defaultdict(BreachCounts)
    for (team_id, kind), c in counts.by_team.items():
        by_team[(team_names.get(team_id, "Not routed"), kind)].add(c.due, c.breached, c.still_open)
    by_source: dict[tuple[str, str], BreachCounts] = defaultdict(BreachCounts)
    for (source, kind), c in counts.by_source.items():
        by_source[(SOURCE_LABELS.get(source, source), kind)].add(c.due, c.breached, c.still_open)

    summary = Table(
        key="summary",
        title="Breaches in the period",
        columns=[
            Column("Clock", numeric=False),
            Column("Clocks due"),
            Column("Breached"),
            Column("Breached (%)"),
            Column("Still running"),
        ],
    )
    for kind in KINDS:
        c = by_kind[kind]
        summary.add(
            [text(KIND_LABELS[kind]), count(c.due), count(c.breached), rate(c.breached, c.due), count(c.still_open)]
        )
    page.tables.append(summary)
    for key, title, groups, label in (
        ("by-team", "Breaches by team", by_team, "Team"),
        ("by-source", "Breaches by source of referral", by_source, "Source of referral"),
    ):
        table = Table(
            key=key,
            title=title,
            columns=[
                Column(label, numeric=False),
                Column("Clock", numeric=False),
                Column("Clocks due"),
                Column("Breached"),
                Column("Breached (%)"),
                Column("Still running"),
            ],
        )
        for (name, kind), c in sorted(groups.items(), key=lambda item: (item[0][0], KINDS.index(item[0][1]))):
            table.add(
                [
                    text(name),
                    text(KIND_LABELS[kind]),
                    count(c.due),
                    count(c.breached),
                    rate(c.breached, c.due),
                    count(c.still_open),
                ]
            )
        page.tables.append(table)
    treatment_by_team = sorted(
        ((name, c) for (name, kind), c in by_team.items() if kind == KINDS[1]), key=lambda item: item[0]
    )
    chart_table = Table(
        key="chart-by-team",
        title="Treatment clocks breached by team",
        columns=[Column("Team", numeric=False), Column("Breached")],
    )
    for name, c in treatment_by_team:
        chart_table.add([text(name), count(c.breached)])
    page.charts.append(
        Chart(
            key="chart-by-team",
            title=chart_table.title,
            svg=bar_chart(
                key="chart-by-team",
                title=chart_table.title,
                labels=[name for name, _ in treatment_by_team],
                values=chart_table.column_values(1),
                texts=chart_table.column_texts(1),
                unit="clocks",
            ),
            table=chart_table,
        )
    )
    if page.shows_list:
        page.tables.append(_list_table(user, period, filters, now, page, page_number, whole_list, team_names))
    return page


def _list_table(
    user, period, filters, now, page: BreachesPage, page_number: int, whole_list: bool, team_names
) -> Table:
    table = Table(
        key="list",
        title="Breaches on referrals you can open",
        columns=[
            Column("Referral", numeric=False),
            Column("Clock", numeric=False),
            Column("Urgency", numeric=False),
            Column("Source", numeric=False),
            Column("Team", numeric=False),
            Column("Due", numeric=False),
            Column("Stopped", numeric=False),
            Column("Over by"),
            Column("Escalated", numeric=False),
        ],
        empty="No breaches on referrals you can open, for this period and these filters.",
    )
    breaches = visible_breaches(user=user, period=period, filters=filters, now=now)
    rows: Iterable[WithAnnotations[ClockFact, BreachAnnotations]]
    if whole_list:
        rows = breach_list(breaches).iterator(chunk_size=2000)
    else:
        total = visible_breach_count(user=user, period=period, filters=filters, now=now)
        page.pages = max(1, -(-total // PAGE_SIZE))
        page.page_number = min(max(1, page_number), page.pages)
        start = (page.page_number - 1) * PAGE_SIZE
        rows = breach_list(breaches)[start : start + PAGE_SIZE]
    for b in rows:
        end = b.stopped_at or b.paused_at or now
        stopped = london(b.stopped_at) if b.stopped_at else ("Paused" if b.paused_at else "Still running")
        table.add(
            [
                text(b.reference),
                text(KIND_LABELS[b.kind]),
                text(URGENCY_LABELS.get(b.urgency, b.urgency)),
                text(SOURCE_LABELS.get(b.source, b.source)),
                text(team_names.get(b.team_id, "Not routed")),
                text(london(b.due_at)),
                text(stopped),
                text(wait_text(b.kind, (end - b.due_at) / timedelta(seconds=1))),
                text(ESCALATED.get(b.escalation_tier, "Yes")),
            ],
            link=referral_link(b.referral_id),
        )
    return table
