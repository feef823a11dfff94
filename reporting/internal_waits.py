"""Internal waits: the wait from the decision to offer an intervention to its start, per team and
kind of intervention (issue 14, item 4; docs/internal-waits.md).

* **Waiting now**: offers whose wait is still open at the time of the page, with how many are past
  their target, the median and the longest wait so far (weeks). About now, so the period does
  not apply; the filters do.
* **Started in the period**: interventions that started in the period after an offer, with how
  many started within their target and the median wait.

The figures are read from the records (``InterventionOffer`` and its clock), not from the
reporting tables, which hold the referral's own clocks only. On PostgreSQL each table is one
statement that counts, takes the median and the longest wait per team and intervention and for
all of them (``GROUPING SETS``), so no offer's row reaches Python (at a million referrals, 28,000
started in a year and 17,000 waiting); elsewhere (the demo's SQLite) the rows are read and
counted in Python, with the same figures (a test compares the two on PostgreSQL). Counts, rates
and statistics are suppressed as on every page (reporting.suppression); a group's longest wait is
a statistic of it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Value

from localities.models import Team
from referrals.models import Clock, Intervention, InterventionOffer

from . import percentiles
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

    def summary(self) -> "Summary":
        return Summary(
            n=len(self.waits),
            late=self.late,
            # As PostgreSQL's percentile_cont(0.5), to the last bit (the SQL path's figure).
            median=percentiles.interpolate(sorted(self.waits), 0.5),
            longest=max(self.waits) if self.waits else None,
        )


@dataclass(frozen=True)
class Summary:
    """A group's figures: how many, how many late, the median and longest wait (weeks)."""

    n: int
    late: int
    median: float | None
    longest: float | None


# (team name, kind of intervention, its figures) per group, then the figures of all of them.
Summaries = tuple[list[tuple[str, str, Summary]], Summary | None]


def _summaries_in_python(rows: Iterable[tuple[str, str, timedelta, bool]]) -> Summaries:
    """From each offer's (team, kind, wait, late); groups with their longest wait first."""
    groups: dict[tuple[str, str], Group] = defaultdict(Group)
    everyone = Group()
    for team, kind, wait, late in rows:
        group = groups[(team, kind)]
        group.waits.append(wait / WEEK)
        group.late += late
        everyone.waits.append(wait / WEEK)
        everyone.late += late
    found = [(team, kind, group.summary()) for (team, kind), group in groups.items()]
    return _longest_first(found), everyone.summary() if groups else None


def _longest_first(found: list[tuple[str, str, Summary]]) -> list[tuple[str, str, Summary]]:
    return sorted(found, key=lambda item: (-(item[2].longest or 0), item[0], item[1]))


def _summaries_in_sql(offers: QuerySet, *, wait: ExpressionWrapper, late: Q) -> Summaries:
    """The same figures counted by PostgreSQL: one statement, one row per group and one for all."""
    # Grouped by the team's key, named after: joining the team's name before grouping had
    # PostgreSQL match every offer against every team (ten times the rows).
    inner = offers.order_by().values(
        g_team=F("team_id"),
        g_kind=F("kind"),
        g_wait=wait,
        g_late=ExpressionWrapper(late, output_field=BooleanField()),
    )
    sql, params = inner.query.sql_with_params()
    statement = f"""
        SELECT t.name, a.g_kind, a.n, a.n_late, a.middle, a.longest, a.total
        FROM (
            SELECT g.g_team, g.g_kind, count(*) AS n, count(*) FILTER (WHERE g.g_late) AS n_late,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY g.weeks) AS middle, max(g.weeks) AS longest,
                   GROUPING(g.g_team, g.g_kind) AS total
            FROM (
                -- Weeks as Python divides a timedelta by a week: exact microseconds, then one division.
                SELECT q.g_team, q.g_kind, q.g_late,
                       (EXTRACT(EPOCH FROM q.g_wait) * 1000000)::float8 / {WEEK // timedelta(microseconds=1)} AS weeks
                FROM ({sql}) q
            ) g
            GROUP BY GROUPING SETS ((g.g_team, g.g_kind), ())
        ) a
        LEFT JOIN {Team._meta.db_table} t ON t.id = a.g_team
    """
    found: list[tuple[str, str, Summary]] = []
    everyone: Summary | None = None
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for team, kind, n, n_late, middle, longest, grouping in cursor.fetchall():
            summary = Summary(n=n, late=n_late, median=middle, longest=longest)
            if grouping:
                everyone = summary if n else None
            else:
                found.append((team, kind, summary))
    return _longest_first(found), everyone


def _summaries(offers: QuerySet, *, wait: ExpressionWrapper, late: Q) -> Summaries:
    if percentiles.on_postgresql():
        return _summaries_in_sql(offers, wait=wait, late=late)
    return _summaries_from_rows(offers, wait=wait, late=late)


def _summaries_from_rows(offers: QuerySet, *, wait: ExpressionWrapper, late: Q) -> Summaries:
    rows = (
        offers.order_by()
        .annotate(g_wait=wait, g_late=ExpressionWrapper(late, output_field=BooleanField()))
        .values_list("team__name", "kind", "g_wait", "g_late")
    )
    return _summaries_in_python(rows)


@dataclass
class InternalWaitsPage:
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)


def _waiting_table(filters: Filters, now: datetime) -> Table:
    offers = InterventionOffer.objects.filter(
        offers_q(filters), clock__kind=Clock.Kind.INTERVENTION, clock__stopped_at__isnull=True, decided_at__lte=now
    )
    groups, everyone = _summaries(
        offers,
        wait=ExpressionWrapper(
            Value(now, output_field=DateTimeField()) - F("decided_at"), output_field=DurationField()
        ),
        late=Q(clock__due_at__lt=now),
    )
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
    for team, kind, summary in groups:
        table.add(_waiting_cells(text(team), text(KIND_LABELS.get(kind, kind)), summary))
    if everyone is not None:
        table.add(_waiting_cells(text("All teams"), text("Every intervention"), everyone), header=True)
    return table


def _waiting_cells(team: object, kind: object, group: Summary) -> list:
    n = group.n
    return [
        team,
        kind,
        count(n),
        count(group.late),
        rate(group.late, n),
        statistic(group.median, n, formatter=_weeks),
        statistic(group.longest, n, formatter=_weeks),
    ]


def _started_table(period: Period, filters: Filters) -> Table:
    offers = InterventionOffer.objects.filter(
        offers_q(filters),
        clock__kind=Clock.Kind.INTERVENTION,  # always, said so the partial index serves it
        clock__stop_reason=Clock.StopReason.INTERVENTION_STARTED,
        clock__stopped_at__gte=period.start,
        clock__stopped_at__lt=period.end,
    )
    groups, everyone = _summaries(
        offers,
        wait=ExpressionWrapper(F("clock__stopped_at") - F("decided_at"), output_field=DurationField()),
        late=Q(clock__stopped_at__gt=F("clock__due_at")),
    )
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
    for team, kind, summary in sorted(groups, key=lambda item: (item[0], item[1])):
        table.add(_started_cells(text(team), text(KIND_LABELS.get(kind, kind)), summary))
    if everyone is not None:
        table.add(_started_cells(text("All teams"), text("Every intervention"), everyone), header=True)
    return table


def _started_cells(team: object, kind: object, group: Summary) -> list:
    n = group.n
    within = n - group.late
    return [
        team,
        kind,
        count(n),
        count(within),
        rate(within, n),
        statistic(group.median, n, formatter=_weeks),
    ]


def internal_waits_page(*, period: Period, filters: Filters, now: datetime) -> InternalWaitsPage:
    """Two queries, whatever the number of offers (one per table)."""
    return InternalWaitsPage(tables=[_waiting_table(filters, now), _started_table(period, filters)])
