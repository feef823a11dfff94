"""The waits dashboard's figures: referrals received, completed waits with their centiles, clocks
open now, and the weekly trend, for a period and the dashboards' filters (the definitions are in
``reporting.waits``). Every function runs a fixed number of queries, however much data there is."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db.models import Count, F, Q, Sum

from referrals.models import Clock
from reporting import equality_rollup, percentiles
from reporting.equality_rollup import REFERRAL
from reporting.facts import COUNTERS, REFERRAL_KIND
from reporting.filters import Filters
from reporting.models import ClockFact, ReferralFact, WeeklyPercentile, WeeklyRollup
from reporting.periods import Period, monday_of, week_end, week_start

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
    received = ReferralFact.objects.filter(filters.q())
    whole = period.whole_weeks()
    if whole is None:
        return received.filter(received_at__gte=period.start, received_at__lt=period.end).count()
    first, last, outside = whole
    weeks = WeeklyRollup.objects.filter(filters.q(), kind=REFERRAL_KIND, week__gte=first, week__lte=last)
    n = weeks.aggregate(n=Sum("received"))["n"] or 0
    if outside:  # days outside whole weeks
        outside_days = [day for part in outside for day in part.each_day()]
        n += received.filter(equality_rollup.within_days("received_at", outside_days)).count()
    return n


def _completed_from_days(days: Iterable[tuple[str, int, int, str | bytes | memoryview]]) -> dict[str, KindStats]:
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
            runs[kind].add(equality_rollup.from_text(packed), completed)
    for kind, found in runs.items():
        if len(found):
            stats[kind].p50, stats[kind].p90 = found.centiles(percentiles.MEDIAN_AND_P90)
    return stats


@dataclass(frozen=True)
class DayWaits:
    """One London day's completed waits of one clock kind: how many, how many met, and the waits
    sorted and packed 8 bytes each (``equality_rollup.Runs`` reads them beside the rollup's)."""

    day: date
    kind: str
    completed: int
    met: int
    waits: bytes


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
    referrals, routine referrals from GPs). The waits come packed 8 bytes each as bytes
    (``equality_rollup.PackedWaits``): 4 bytes and base64 saved no time that could be told from
    the noise here (161-175 ms against 144-173), and a wait too long for 4 would need a check on
    every row. PostgreSQL only: SQLite (the demo) has no int8send, and keeps the two statements.
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
                waits=equality_rollup.PackedWaits("wait_seconds"),
            )
            .values_list("stopped_on", "kind", "completed", "met", "waits")
            for kind in KINDS
        ]
        return [
            # A completed wait's clock has stopped, so it has its day (clockfact_stopped_together).
            DayWaits(day=cast(date, d), kind=k, completed=n, met=met, waits=bytes(packed))
            for d, k, n, met, packed in percentiles.union_all(parts)
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
        stats = _completed_from_days(
            days.filter(kind__in=KINDS).values_list("kind", "completed", "met", equality_rollup.packed_waits())
        )
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
                runs[monday_of(found.day), found.kind].add(found.waits, found.completed)
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
