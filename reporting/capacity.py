"""Demand and capacity: what is coming in, what is being started, and who can take it.

* **Referrals in** and **treatments started** per week come from the weekly rollup: a
  treatment start is a treatment clock stopped by its rule (see waits.py).
* A team's **open caseload** is its open allocations (a named link worker holds the
  referral); its **capacity** is the sum of its active members' caseload limits
  (``User.caseload_capacity``; 0 for staff who hold no caseload). A worker in two teams
  counts fully in each.
* The **waiting list** is the team's running treatment clocks: people not yet started.
  At the **recent rate** (treatments started per week over the last 4 whole weeks) it
  would take *list / rate* weeks to clear. The **forecast** assumes that rate holds and
  that people start in the order they were referred: the n-th person waiting starts
  n / rate weeks from now, and breaches if that is after their due time. People already
  past their due time are counted as breached already.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import TeamMembership
from localities.models import Team
from referrals.models import Allocation, Clock
from reporting.models import ClockFact, WeeklyRollup

from .charts import Chart, Series, line_chart
from .facts import REFERRAL_KIND
from .filters import Filters
from .percentiles import on_postgresql
from .periods import Period, london_date, monday_of
from .suppression import count, derived, rate, text
from .tables import Column, Table

RECENT_WEEKS = 4
TREATMENT = Clock.Kind.TREATMENT


def _team_q(filters: Filters, prefix: str = "") -> Q:
    """Filters that say which teams (not which referrals) a capacity figure covers."""
    q = Q()
    if filters.team_id is not None:
        q &= Q(**{f"{prefix}pk" if prefix else "pk": filters.team_id})
    if filters.locality_id is not None:
        q &= Q(**{f"{prefix}locality_id": filters.locality_id})
    if filters.service is not None:
        q &= Q(**{f"{prefix}kind": filters.service})
    return q


@dataclass
class TeamRow:
    team_id: int
    name: str
    received: int = 0
    started: int = 0
    weeks: int = 0
    caseload: int = 0
    capacity: int = 0
    waiting: int = 0
    recent_started: int = 0
    already_breached: int = 0
    forecast_breaches: int = 0


@dataclass
class CapacityPage:
    teams: list[TeamRow]
    weeks: list[date]
    weekly: dict[date, tuple[int, int]]  # week -> (received, treatments started), all teams shown
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def capacity_page(*, period: Period, filters: Filters, now: datetime) -> CapacityPage:
    teams = {
        pk: TeamRow(team_id=pk, name=name)
        for pk, name in Team.objects.filter(_team_q(filters)).order_by("name").values_list("pk", "name")
    }
    weeks = period.trend_weeks(now)
    this_week = monday_of(london_date(now))
    recent = [this_week - timedelta(weeks=n) for n in range(RECENT_WEEKS, 0, -1)]
    # 1. Referrals in and treatments started, per team and week (the period's weeks and the recent ones).
    flows = (
        WeeklyRollup.objects.filter(filters.q(), week__in=sorted(set(weeks) | set(recent)))
        .filter(Q(kind=REFERRAL_KIND) | Q(kind=TREATMENT))
        .order_by()
        .values("week", "team_id", "kind")
        .annotate(received=Sum("received"), started=Sum("counted"))
    )
    weekly: dict[date, list[int]] = {week: [0, 0] for week in weeks}
    by_team_week: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    for row in flows:
        team = teams.get(row["team_id"])
        is_referral = row["kind"] == REFERRAL_KIND
        if row["week"] in weekly:  # every referral the filters cover, in a listed team or not
            weekly[row["week"]][0 if is_referral else 1] += row["received"] if is_referral else row["started"]
        if team is None:
            continue
        if row["week"] in weekly:
            by_team_week[(team.team_id, row["week"])][0 if is_referral else 1] += (
                row["received"] if is_referral else row["started"]
            )
            if is_referral:
                team.received += row["received"]
            else:
                team.started += row["started"]
        if row["week"] in recent and not is_referral:
            team.recent_started += row["started"]
    # 2. Open caseload and 3. capacity, per team.
    for team_id, n in (
        Allocation.objects.filter(ended_at__isnull=True, team_id__in=teams)
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    ):
        teams[team_id].caseload = n
    for team_id, capacity in (
        TeamMembership.objects.filter(team_id__in=teams, user__is_active=True)
        .order_by()
        .values("team_id")
        .annotate(capacity=Sum("user__caseload_capacity"))
        .values_list("team_id", "capacity")
    ):
        teams[team_id].capacity = capacity or 0
    # 4. The waiting list, in the order people were referred, with each person's due time.
    _waiting_lists(filters=filters, teams=teams, now=now)
    for team in teams.values():
        team.weeks = len(weeks)
    page = CapacityPage(teams=list(teams.values()), weeks=weeks, weekly={w: (v[0], v[1]) for w, v in weekly.items()})
    page.tables = [_team_table(page), _weekly_by_team_table(page, teams, by_team_week)]
    page.charts = [_weekly_chart(page)]
    return page


def _waiting_lists(*, filters: Filters, teams: dict[int, TeamRow], now: datetime) -> None:
    """Each team's waiting list: how many wait, how many are past their due time already, and how
    many the forecast says will breach (the module's rule: the n-th person not yet past due
    starts n / rate weeks from now, in the order they were referred)."""
    if not teams:
        return
    waiting = (
        ClockFact.objects.filter(filters.q(), kind=TREATMENT, is_current=True, stopped_at__isnull=True)
        .filter(team_id__in=teams)
        .order_by()
    )
    if on_postgresql():
        _waiting_lists_in_sql(waiting, teams=teams, now=now)
    else:
        _waiting_lists_in_python(waiting, teams=teams, now=now)


def _waiting_lists_in_python(waiting: QuerySet[ClockFact], *, teams: dict[int, TeamRow], now: datetime) -> None:
    """The rule as written, one clock at a time (SQLite, the demo)."""
    position: dict[int, int] = defaultdict(int)
    rows = waiting.order_by("team_id", "started_at", "clock_id").values_list("team_id", "due_at")
    for team_id, due_at in rows.iterator(chunk_size=5000):
        team = teams[team_id]
        team.waiting += 1
        if due_at < now:
            team.already_breached += 1
            continue
        position[team_id] += 1
        rate_per_week = team.recent_started / RECENT_WEEKS
        if rate_per_week <= 0 or now + timedelta(weeks=position[team_id] / rate_per_week) > due_at:
            team.forecast_breaches += 1


def _waiting_lists_in_sql(waiting: QuerySet[ClockFact], *, teams: dict[int, TeamRow], now: datetime) -> None:
    """The same rule in one query on PostgreSQL: a window numbers each team's people not yet past
    due in the order they were referred, and the counts come back per team, instead of every
    waiting clock (46,000 at a million referrals) coming back to be ranked in Python (issue 17).
    A week is 604,800 seconds here as in ``timedelta(weeks=...)``."""
    base, base_params = waiting.values("team_id", "due_at", "started_at", "clock_id").query.sql_with_params()
    rates = [(team_id, team.recent_started / RECENT_WEEKS) for team_id, team in teams.items()]
    sql = f"""
        SELECT w.team_id,
               count(*),
               count(*) FILTER (WHERE w.due_at < %s),
               count(*) FILTER (
                   WHERE w.due_at >= %s
                   AND (r.rate <= 0 OR %s + (w.position / r.rate) * interval '604800 seconds' > w.due_at)
               )
        FROM (
            SELECT b.team_id, b.due_at,
                   row_number() OVER (
                       PARTITION BY b.team_id, b.due_at >= %s ORDER BY b.started_at, b.clock_id
                   ) AS position
            FROM ({base}) b
        ) w
        JOIN (VALUES {", ".join(["(%s::bigint, %s::float8)"] * len(rates))}) AS r (team_id, rate)
          ON r.team_id = w.team_id
        GROUP BY w.team_id
    """
    params = [now, now, now, now, *base_params, *(value for pair in rates for value in pair)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for team_id, count, already, forecast in cursor.fetchall():
            team = teams[team_id]
            team.waiting, team.already_breached, team.forecast_breaches = count, already, forecast


def _per_week(total: int, weeks: int) -> float | None:
    return total / weeks if weeks else None


def _team_table(page: CapacityPage) -> Table:
    table = Table(
        key="teams",
        title="Demand and capacity by team",
        columns=[
            Column("Team", numeric=False),
            Column("Referrals in per week"),
            Column("Treatments started per week"),
            Column("Open caseload"),
            Column("Caseload capacity"),
            Column("Caseload as % of capacity"),
            Column("Waiting for treatment now"),
            Column(f"Started per week, last {RECENT_WEEKS} weeks"),
            Column("Weeks to clear the waiting list"),
            Column("Already past 4 weeks"),
            Column("Forecast to breach 4 weeks"),
        ],
    )
    for t in page.teams:
        recent_rate = t.recent_started / RECENT_WEEKS
        table.add(
            [
                text(t.name),
                derived(_per_week(t.received, t.weeks), inputs=(t.received,)),
                derived(_per_week(t.started, t.weeks), inputs=(t.started,)),
                count(t.caseload),
                text(f"{t.capacity:,}"),
                rate(t.caseload, t.capacity, places=0) if t.capacity else text("No capacity recorded"),
                count(t.waiting),
                derived(recent_rate, inputs=(t.recent_started,)),
                derived(t.waiting / recent_rate if recent_rate else None, inputs=(t.waiting, t.recent_started))
                if recent_rate or not t.waiting
                else text("Not at the recent rate (none started)"),
                count(t.already_breached),
                count(t.forecast_breaches),
            ]
        )
    return table


def _weekly_by_team_table(page: CapacityPage, teams: dict[int, TeamRow], by_team_week) -> Table:
    table = Table(
        key="weekly-by-team",
        title="Referrals in and treatments started, by team and week",
        columns=[
            Column("Team", numeric=False),
            Column("Week beginning", numeric=False),
            Column("Referrals in"),
            Column("Treatments started"),
        ],
    )
    for team in teams.values():
        for week in page.weeks:
            received, started = by_team_week.get((team.team_id, week), (0, 0))
            table.add([text(team.name), text(f"{week.day} {week:%b %Y}"), count(received), count(started)])
    return table


def _weekly_chart(page: CapacityPage) -> Chart:
    key, title = "weekly", "Referrals in and treatments started each week"
    table = Table(
        key=key,
        title=title,
        columns=[Column("Week beginning", numeric=False), Column("Referrals in"), Column("Treatments started")],
        empty="No whole week of this period has ended yet, so there is nothing to chart.",
    )
    for week in page.weeks:
        received, started = page.weekly.get(week, (0, 0))
        table.add([text(f"{week.day} {week:%b %Y}"), count(received), count(started)])
    series = [Series("Referrals in", table.column_values(1)), Series("Treatments started", table.column_values(2))]
    labels = [f"{w.day} {w:%b}" for w in page.weeks]
    return Chart(
        key=key,
        title=title,
        svg=line_chart(key=key, title=title, labels=labels, series=series, unit="per week"),
        table=table,
    )
