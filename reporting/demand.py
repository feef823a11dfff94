"""Demand and capacity for a new service: a system-level service rolled out locality by locality.

* **Weekly demand by locality and roll-out phase**: referrals the service holds now, in the
  whole weeks of the period, counted in the week they were received (the initial point of
  contact) under the locality they came from; each locality's phase is its place in the roll-out
  (the localities going live on the first date are phase 1...), and each week says whether the
  locality was live yet (pathways.selectors.rollout_phases, reporting.rollout.side_of).
* **Staffed capacity**, **open caseload**, the **waiting list**, the **recent rate** and the
  **forecast** are the demand and capacity page's own figures for the service's team
  (``reporting.capacity.capacity_page``, never a copy): capacity is the sum of the caseload
  limits of the team's active members.
* **Predicted wait for a referral made today**: on the capacity page's queue (people waiting, in
  the order they were referred, starting at the recent rate; people already past their due
  time are counted apart), a referral made now is one place behind everyone still within their
  time: (that number + 1) / rate weeks. No prediction when nobody started treatment recently.
* **Current waiters who will breach at the recent rate**: the capacity page's forecast to breach,
  plus those already past 4 weeks.

Counts and figures worked out from counts are suppressed as everywhere (reporting.suppression).
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.db.models import Sum

from localities.models import Locality, Team
from pathways.selectors import rolled_out_services, rollout_phases, rollouts_for
from reporting.models import WeeklyRollup

from .capacity import RECENT_WEEKS, TeamRow, capacity_page
from .facts import REFERRAL_KIND
from .filters import Filters
from .periods import Period
from .rollout import side_of
from .suppression import count, derived, rate, text
from .tables import Column, Table

NOT_ROLLED_OUT = "No go-live date"


@dataclass
class ServiceDemand:
    service: Team
    capacity: TeamRow
    predicted_weeks: float | None
    will_breach: int


@dataclass
class DemandPage:
    services: list[ServiceDemand]
    weeks: list[date]
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)


def predicted_wait_weeks(row: TeamRow) -> float | None:
    """Weeks a referral made now would wait on the capacity page's queue at the recent rate."""
    rate_per_week = row.recent_started / RECENT_WEEKS
    if rate_per_week <= 0:
        return None
    ahead = row.waiting - row.already_breached
    return (ahead + 1) / rate_per_week


def demand_page(*, period: Period, filters: Filters, now: datetime) -> DemandPage:
    weeks = period.trend_weeks(now)
    page = DemandPage(services=[], weeks=weeks)
    for service in rolled_out_services():
        capacity = capacity_page(period=period, filters=Filters(team_id=service.pk), now=now).teams[0]
        sd = ServiceDemand(
            service=service,
            capacity=capacity,
            predicted_weeks=predicted_wait_weeks(capacity),
            will_breach=capacity.forecast_breaches + capacity.already_breached,
        )
        page.services.append(sd)
        page.tables.append(_capacity_table(sd))
        page.tables.append(_weekly_table(service, weeks, filters))
    return page


def _capacity_table(sd: ServiceDemand) -> Table:
    c = sd.capacity
    table = Table(
        key=f"capacity-{sd.service.pk}",
        title=f"{sd.service.name}: staffed capacity and the wait now",
        columns=[
            Column("Staffed capacity (caseload limits)"),
            Column("Open caseload"),
            Column("Caseload as % of capacity"),
            Column("Waiting for treatment now"),
            Column(f"Started per week, last {RECENT_WEEKS} weeks"),
            Column("Predicted wait for a referral made today (weeks)"),
            Column("Already past 4 weeks"),
            Column("Forecast to breach 4 weeks"),
            Column("Current waiters who will breach at the recent rate"),
        ],
    )
    recent_rate = c.recent_started / RECENT_WEEKS
    table.add(
        [
            text(f"{c.capacity:,}"),
            count(c.caseload),
            rate(c.caseload, c.capacity, places=0) if c.capacity else text("No capacity recorded"),
            count(c.waiting),
            derived(recent_rate, inputs=(c.recent_started,)),
            derived(sd.predicted_weeks, inputs=(c.waiting, c.recent_started))
            if sd.predicted_weeks is not None
            else text("Not at the recent rate (none started)"),
            count(c.already_breached),
            count(c.forecast_breaches),
            count(sd.will_breach),
        ]
    )
    return table


def _weekly_table(service: Team, weeks: list[date], filters: Filters) -> Table:
    rollouts = rollouts_for(service)
    phases = rollout_phases(rollouts)
    live_from = {r.locality_id: r.live_from for r in rollouts}
    counts: dict[tuple[date, int], int] = defaultdict(int)
    names: dict[int, str] = {r.locality_id: r.locality.name for r in rollouts}
    rows = (
        WeeklyRollup.objects.filter(replace(filters, team_id=None).q(), team_id=service.pk, kind=REFERRAL_KIND)
        .filter(week__in=weeks)
        .order_by()
        .values("week", "locality_id")
        .annotate(received=Sum("received"))
    )
    for row in rows:
        counts[(row["week"], row["locality_id"])] += row["received"]
    others = {locality_id for _, locality_id in counts if locality_id not in names}
    if others:
        names |= dict(Locality.objects.filter(pk__in=others).values_list("pk", "name"))
        names.setdefault(0, "No locality")
    table = Table(
        key=f"demand-{service.pk}",
        title=f"{service.name}: weekly demand by locality and roll-out phase",
        columns=[
            Column("Week beginning", numeric=False),
            Column("Phase", numeric=False),
            Column("Locality", numeric=False),
            Column("Live", numeric=False),
            Column("Referrals to the service"),
        ],
        empty="No whole week of this period has ended yet.",
    )
    order = sorted(names, key=lambda pk: (phases.get(pk, 99), names[pk]))
    if filters.locality_id is not None:
        order = [pk for pk in order if pk == filters.locality_id]
    for week in weeks:
        for locality_id in order:
            if locality_id in live_from:
                phase = f"Phase {phases[locality_id]}"
                live = {"before": "Not yet", "after": "Live", "": "Went live this week"}[
                    side_of(week, live_from[locality_id])
                ]
            else:
                phase, live = NOT_ROLLED_OUT, "Not yet"
            table.add(
                [
                    text(f"{week.day} {week:%b %Y}"),
                    text(phase),
                    text(names[locality_id]),
                    text(live),
                    count(counts[(week, locality_id)]),
                ]
            )
    return table
