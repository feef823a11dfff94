"""Internal waits: the wait from the decision to offer an intervention to its start, per team and
kind of intervention (issue 14, item 4; docs/internal-waits.md).

* **Waiting now**: offers whose wait is still open at the time of the page, with how many are past
  their target, the median and the longest wait so far (weeks). About now, so the period does
  not apply; the filters do.
* **Started in the period**: interventions that started in the period after an offer, with how
  many started within their target and the median wait.

The figures are read from the records (``InterventionOffer`` and its clock), not from the
reporting tables, which hold the referral's own clocks only. Counts, rates and statistics are
suppressed as on every page (reporting.suppression); a group's longest wait is a statistic of it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Q

from referrals.models import Clock, Intervention, InterventionOffer

from .filters import Filters
from .periods import Period
from .suppression import count, rate, statistic, text
from .tables import Column, Table

WEEK = timedelta(weeks=1)
KIND_LABELS = dict(Intervention.Kind.choices)


def _weeks(value: float) -> str:
    return f"{value:.1f}"


def offers_q(filters: Filters) -> Q:
    """The dashboard filters, read on the offering team and the referral."""
    return filters.q_on(
        locality_id="team__locality_id",
        team_id="team_id",
        service="team__kind",
        source="referral__source",
        urgency="referral__urgency",
    )


@dataclass
class Group:
    waits: list[float] = field(default_factory=list)  # weeks
    late: int = 0


@dataclass
class InternalWaitsPage:
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)


def _waiting_table(filters: Filters, now: datetime) -> Table:
    groups: dict[tuple[str, str], Group] = defaultdict(Group)
    rows = (
        InterventionOffer.objects.filter(
            offers_q(filters), clock__kind=Clock.Kind.INTERVENTION, clock__stopped_at__isnull=True, decided_at__lte=now
        )
        .values_list("team__name", "kind", "decided_at", "clock__due_at")
        .order_by()
    )
    for team, kind, decided_at, due_at in rows:
        group = groups[(team, kind)]
        group.waits.append((now - decided_at) / WEEK)
        group.late += due_at < now
    table = Table(
        key="waiting",
        title="Waiting now, by team and intervention",
        columns=[
            Column("Team", numeric=False),
            Column("Intervention", numeric=False),
            Column("Waiting"),
            Column("Past target"),
            Column("Past target (%)"),
            Column("Median wait (weeks)"),
            Column("Longest wait (weeks)"),
        ],
        caption="Longest waits first",
        empty="Nobody is waiting for an intervention under these filters.",
    )
    everyone = Group()
    for (team, kind), group in sorted(groups.items(), key=lambda item: -max(item[1].waits)):
        table.add(_waiting_cells(text(team), text(KIND_LABELS.get(kind, kind)), group))
        everyone.waits.extend(group.waits)
        everyone.late += group.late
    if groups:
        table.add(_waiting_cells(text("All teams"), text("Every intervention"), everyone), header=True)
    return table


def _waiting_cells(team: object, kind: object, group: Group) -> list:
    n = len(group.waits)
    return [
        team,
        kind,
        count(n),
        count(group.late),
        rate(group.late, n),
        statistic(median(group.waits) if n else None, n, formatter=_weeks),
        statistic(max(group.waits) if n else None, n, formatter=_weeks),
    ]


def _started_table(period: Period, filters: Filters) -> Table:
    groups: dict[tuple[str, str], Group] = defaultdict(Group)
    rows = (
        InterventionOffer.objects.filter(
            offers_q(filters),
            clock__kind=Clock.Kind.INTERVENTION,  # always, said so the partial index serves it
            clock__stop_reason=Clock.StopReason.INTERVENTION_STARTED,
            clock__stopped_at__gte=period.start,
            clock__stopped_at__lt=period.end,
        )
        .values_list("team__name", "kind", "decided_at", "clock__stopped_at", "clock__due_at")
        .order_by()
    )
    for team, kind, decided_at, started_at, due_at in rows:
        if started_at is None:  # never: the filter asks for a stop in the period
            continue
        group = groups[(team, kind)]
        group.waits.append((started_at - decided_at) / WEEK)
        group.late += started_at > due_at
    table = Table(
        key="started",
        title="Started in the period, by team and intervention",
        columns=[
            Column("Team", numeric=False),
            Column("Intervention", numeric=False),
            Column("Started"),
            Column("Within target"),
            Column("Within target (%)"),
            Column("Median wait (weeks)"),
        ],
        empty="No offered intervention started in this period under these filters.",
    )
    everyone = Group()
    for (team, kind), group in sorted(groups.items()):
        table.add(_started_cells(text(team), text(KIND_LABELS.get(kind, kind)), group))
        everyone.waits.extend(group.waits)
        everyone.late += group.late
    if groups:
        table.add(_started_cells(text("All teams"), text("Every intervention"), everyone), header=True)
    return table


def _started_cells(team: object, kind: object, group: Group) -> list:
    n = len(group.waits)
    within = n - group.late
    return [
        team,
        kind,
        count(n),
        count(within),
        rate(within, n),
        statistic(median(group.waits) if n else None, n, formatter=_weeks),
    ]


def internal_waits_page(*, period: Period, filters: Filters, now: datetime) -> InternalWaitsPage:
    """Two queries, whatever the number of offers."""
    return InternalWaitsPage(tables=[_waiting_table(filters, now), _started_table(period, filters)])
