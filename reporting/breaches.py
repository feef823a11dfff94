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

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from access.selectors import referrals_visible_to
from accounts.models import User
from common.london import london
from localities.models import Team
from referrals.models import Alert, Referral
from reporting.models import ClockFact

from .access import can_drill_down
from .charts import Chart, bar_chart
from .filters import Filters
from .periods import Period
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


def breach_counts(*, period: Period, filters: Filters, now: datetime) -> dict[tuple[int, str, str], BreachCounts]:
    """{(team id, source, clock kind): counts}: one query; breakdowns are sums of these."""
    open_breach = Q(stopped_at__isnull=True) & breached_q(now)
    rows = (
        due_in_period(period=period, filters=filters, now=now)
        .order_by()
        .values("team_id", "source", "kind")
        .annotate(
            # Counting a column of the due-date index (not pk) lets PostgreSQL read the index only.
            due=Count("kind"),
            breached=Count("kind", filter=breached_q(now)),
            still_open=Count("kind", filter=open_breach),
        )
    )
    return {
        (r["team_id"], r["source"], r["kind"]): BreachCounts(r["due"], r["breached"], r["still_open"]) for r in rows
    }


def visible_breaches(*, user: User, period: Period, filters: Filters, now: datetime) -> QuerySet[ClockFact]:
    """The breaches a user may see one by one (none for a user who may not drill down)."""
    breaches = due_in_period(period=period, filters=filters, now=now).filter(breached_q(now))
    if not can_drill_down(user):
        return breaches.none()
    # Through the access selector for everyone: superusers are not special (docs/adr/0006).
    return breaches.filter(referral_id__in=referrals_visible_to(user).values("pk"))


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
    counts: dict[tuple[int, str, str], BreachCounts]
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
    by_kind: dict[str, BreachCounts] = defaultdict(BreachCounts)
    by_team: dict[tuple[str, str], BreachCounts] = defaultdict(BreachCounts)
    by_source: dict[tuple[str, str], BreachCounts] = defaultdict(BreachCounts)
    for (team_id, source, kind), c in counts.items():
        for total in (
            by_kind[kind],
            by_team[(team_names.get(team_id, "Not routed"), kind)],
            by_source[(SOURCE_LABELS.get(source, source), kind)],
        ):
            total.due += c.due
            total.breached += c.breached
            total.still_open += c.still_open

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
        total = breaches.count()
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
