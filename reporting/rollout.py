"""Roll-out by locality: each locality before and after its service's go-live date.

A system-level service rolled out locality by locality (``pathways.Rollout``) is live in a
locality from its ``live_from`` date. For every such service and locality this page compares the
whole weeks of the period (``Period.trend_weeks``) that ended before the go-live date with those
that began on or after it; the week the service went live in is in neither. For each side:

* **Referrals in the locality per week**: referrals received (initial point of contact) in the
  locality, whichever team holds them now;
* **With the service per week**: those of them the service holds now (a referral follows where it
  is now, as on every dashboard page, and keeps the locality it came from when redirected to a
  system-level service);
* **Share with the service**: the second as a percentage of the first;
* **Treatment within 4 weeks**: treatment clocks of the locality's referrals stopped by their rule
  in those weeks, and the percentage stopped on or before their due time.

Counts and rates are suppressed as everywhere (reporting.suppression). The filters apply as on
the other pages; the team filter narrows the locality figures, never the service's own.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import Q, Sum

from localities.models import Locality, Team
from pathways.selectors import rolled_out_services, rollout_phases, rollouts_for
from referrals.models import Clock
from reporting.models import WeeklyRollup

from .facts import REFERRAL_KIND
from .filters import Filters
from .periods import Period, london_date
from .suppression import count, derived, rate, text
from .tables import Column, Table

TREATMENT = Clock.Kind.TREATMENT


@dataclass
class Side:
    """Before or after go-live, in one locality."""

    weeks: int = 0
    received: int = 0
    with_service: int = 0
    counted: int = 0
    met: int = 0


@dataclass
class LocalityRow:
    locality: Locality
    phase: int
    live_from: date
    live: bool
    before: Side = field(default_factory=Side)
    after: Side = field(default_factory=Side)


@dataclass
class ServiceRollout:
    service: Team
    localities: list[LocalityRow]


@dataclass
class RolloutPage:
    services: list[ServiceRollout]
    weeks: list[date]
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)


def side_of(week: date, live_from: date) -> str:
    """ "before" for a whole week that ended before the go-live date, "after" for one that began on
    or after it, "" for the week it went live in."""
    if week + timedelta(days=7) <= live_from:
        return "before"
    if week >= live_from:
        return "after"
    return ""


def rollout_page(*, period: Period, filters: Filters, now: datetime) -> RolloutPage:
    weeks = period.trend_weeks(now)
    today = london_date(now)
    page = RolloutPage(services=[], weeks=weeks)
    for service in rolled_out_services():
        rollouts = [r for r in rollouts_for(service) if filters.locality_id in (None, r.locality_id)]
        phases = rollout_phases(rollouts_for(service))
        rows = {
            r.locality_id: LocalityRow(
                locality=r.locality, phase=phases[r.locality_id], live_from=r.live_from, live=r.live_from <= today
            )
            for r in rollouts
        }
        weekly = _weekly(service, rows, weeks, filters)
        for (locality_id, week), (received, with_service, counted, met) in weekly.items():
            row = rows[locality_id]
            which = side_of(week, row.live_from)
            if not which:
                continue
            side = row.before if which == "before" else row.after
            side.received += received
            side.with_service += with_service
            side.counted += counted
            side.met += met
        for row in rows.values():
            row.before.weeks = sum(1 for w in weeks if side_of(w, row.live_from) == "before")
            row.after.weeks = sum(1 for w in weeks if side_of(w, row.live_from) == "after")
        sr = ServiceRollout(
            service=service, localities=sorted(rows.values(), key=lambda r: (r.live_from, r.locality.name))
        )
        page.services.append(sr)
        page.tables.append(_comparison_table(sr))
        page.tables.append(_weekly_table(sr, weeks, weekly))
    return page


def _weekly(
    service: Team, rows: dict[int, LocalityRow], weeks: list[date], filters: Filters
) -> dict[tuple[int, date], tuple[int, int, int, int]]:
    """(locality, week) -> (referrals received, of them with the service, treatment waits counted, met)."""
    out: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    if not rows or not weeks:
        return {}
    base = WeeklyRollup.objects.filter(week__in=weeks, locality_id__in=list(rows)).order_by()
    for row in (
        base.filter(filters.q())
        .filter(Q(kind=REFERRAL_KIND) | Q(kind=TREATMENT))
        .values("locality_id", "week", "kind")
        .annotate(received=Sum("received"), counted=Sum("counted"), met=Sum("met"))
    ):
        cell = out[(row["locality_id"], row["week"])]
        if row["kind"] == REFERRAL_KIND:
            cell[0] += row["received"]
        else:
            cell[2] += row["counted"]
            cell[3] += row["met"]
    for service_row in (
        base.filter(replace(filters, team_id=None).q(), team_id=service.pk, kind=REFERRAL_KIND)
        .values("locality_id", "week")
        .annotate(received=Sum("received"))
    ):
        out[(service_row["locality_id"], service_row["week"])][1] += service_row["received"]
    return {key: (v[0], v[1], v[2], v[3]) for key, v in out.items()}


def _per_week(total: int, weeks: int) -> float | None:
    return total / weeks if weeks else None


def _comparison_table(sr: ServiceRollout) -> Table:
    table = Table(
        key=f"rollout-{sr.service.pk}",
        title=f"{sr.service.name}: each locality before and after go-live",
        columns=[
            Column("Locality", numeric=False),
            Column("Phase"),
            Column("Live from", numeric=False),
            Column("Whole weeks before"),
            Column("Whole weeks after"),
            Column("Referrals in the locality per week, before"),
            Column("Referrals in the locality per week, after"),
            Column("With the service per week, before"),
            Column("With the service per week, after"),
            Column("Share with the service, before"),
            Column("Share with the service, after"),
            Column("Treatment within 4 weeks, before"),
            Column("Treatment within 4 weeks, after"),
        ],
        empty="No locality has a go-live date for this service in these filters.",
    )
    for row in sr.localities:
        b, a = row.before, row.after
        table.add(
            [
                text(row.locality.name),
                text(str(row.phase)),
                text(f"{row.live_from.day} {row.live_from:%b %Y}" + ("" if row.live else " (not live yet)")),
                text(str(b.weeks)),
                text(str(a.weeks)),
                derived(_per_week(b.received, b.weeks), inputs=(b.received,)),
                derived(_per_week(a.received, a.weeks), inputs=(a.received,)),
                derived(_per_week(b.with_service, b.weeks), inputs=(b.with_service,)),
                derived(_per_week(a.with_service, a.weeks), inputs=(a.with_service,)),
                rate(b.with_service, b.received),
                rate(a.with_service, a.received),
                rate(b.met, b.counted),
                rate(a.met, a.counted),
            ]
        )
    return table


def _weekly_table(
    sr: ServiceRollout, weeks: list[date], weekly: dict[tuple[int, date], tuple[int, int, int, int]]
) -> Table:
    table = Table(
        key=f"rollout-weekly-{sr.service.pk}",
        title=f"{sr.service.name}: week by week in each locality",
        columns=[
            Column("Week beginning", numeric=False),
            Column("Locality", numeric=False),
            Column("Service", numeric=False),
            Column("Referrals in the locality"),
            Column("With the service"),
        ],
        empty="No whole week of this period has ended yet.",
    )
    for week in weeks:
        for row in sr.localities:
            received, with_service, _, _ = weekly.get((row.locality.pk, week), (0, 0, 0, 0))
            state = {"before": "Not live yet", "after": "Live", "": "Went live this week"}[side_of(week, row.live_from)]
            table.add(
                [
                    text(f"{week.day} {week:%b %Y}"),
                    text(row.locality.name),
                    text(state),
                    count(received),
                    count(with_service),
                ]
            )
    return table
