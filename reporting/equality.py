"""Equality of access: the wait and breach measures for each group of people.

Groups are people's own answers, recorded as given: "Not stated" is a group like any
other and is always shown, never dropped or spread across the others. Age is the age
band on the day the referral was received. Deprivation needs a postcode lookup
(``deprivation.py``); without one it is not offered. Every count from 1 to 7 is shown as
``*`` and every rate or centile drawn from one is withheld (``suppression.py``), so no
cell can point to a person.

Across the whole service (no filter set), and with one filter other than a team (one locality,
kind of team, source or urgency), every figure comes from the daily rollup (``equality_rollup``:
counts, and the completed waits themselves for the centiles; each breakdown within each value of
those filters has groups of its own), so the page reads a few thousand rows, never a year of
clocks. With two or more of those filters set, it reads the rollup's monthly cells of every
combination they match for the period's whole months, and counts the days outside them from the
reporting rows. For one team, or a period holding no whole month before today, it computes from
the reporting rows (for a team, from the indexes that lead with it).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from localities.models import Locality
from referrals.models import Person
from reporting.models import ClockFact, ReferralFact

from . import deprivation, equality_rollup, percentiles
from .breaches import breached_q, due_in_period
from .charts import Chart, bar_chart
from .equality_rollup import REFERRAL
from .facts import AGE_BANDS, NOT_STATED, UNDER_16
from .filters import Filters
from .periods import Period, london_date
from .suppression import count, rate, statistic, text
from .tables import Column, Table
from .units import in_units, wait_formatter
from .waits import KINDS

FR, TR = KINDS


@dataclass(frozen=True)
class Dimension:
    key: str  # the reporting column
    label: str
    groups: list[tuple[str, str]]  # (stored value, label), in the order shown


def dimensions() -> dict[str, Dimension]:
    """The breakdowns offered, in order. Localities and deprivation depend on configuration."""
    found = [
        Dimension("ethnicity", "Ethnicity", _not_stated_last(Person.Ethnicity.choices, Person.Ethnicity.NOT_STATED)),
        Dimension(
            "age_band",
            "Age band",
            [(UNDER_16, "Under 16")] + [(band, band) for band in AGE_BANDS] + [(NOT_STATED, "Not stated")],
        ),
        Dimension("gender", "Sex or gender", _not_stated_last(Person.Gender.choices, Person.Gender.NOT_STATED)),
        Dimension(
            "sexual_orientation",
            "Sexual orientation",
            _not_stated_last(Person.SexualOrientation.choices, Person.SexualOrientation.NOT_STATED),
        ),
        Dimension(
            "disability", "Disability", _not_stated_last(Person.Disability.choices, Person.Disability.NOT_STATED)
        ),
        Dimension(
            "locality_id",
            "Locality",
            [(str(pk), name) for pk, name in Locality.objects.order_by("name").values_list("pk", "name")]
            + [("0", "Not routed to a locality")],
        ),
    ]
    if deprivation.is_configured():
        deciles = [
            (str(d), f"{d}{' (most deprived)' if d == 1 else ' (least deprived)' if d == 10 else ''}")
            for d in range(1, 11)
        ]
        found.append(Dimension("deprivation_decile", "Deprivation decile", deciles + [("None", "Postcode not found")]))
    return {d.key: d for d in found}


def _not_stated_last(choices, not_stated) -> list[tuple[str, str]]:
    return [(v, label) for v, label in choices if v != not_stated] + [(not_stated, "Not stated")]


@dataclass
class GroupRow:
    value: str
    label: str
    received: int = 0
    fr_n: int = 0
    fr_met: int = 0
    fr_p50: float | None = None
    tr_n: int = 0
    tr_met: int = 0
    tr_p50: float | None = None
    tr_p90: float | None = None
    due: int = 0
    breached: int = 0


@dataclass
class EqualityPage:
    dimension: Dimension
    options: list[Dimension]
    rows: list[GroupRow]
    deprivation_configured: bool
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def equality_page(*, period: Period, filters: Filters, now: datetime, by: str) -> EqualityPage:
    options = dimensions()
    dimension = options.get(by) or options["ethnicity"]
    column = dimension.key
    rows = {value: GroupRow(value=value, label=label) for value, label in dimension.groups}

    def row_for(value) -> GroupRow:
        key = str(value)
        if key not in rows:  # a value the choices do not list (data older than the list): show it as it is
            rows[key] = GroupRow(value=key, label=key)
        return rows[key]

    if equality_rollup.breakdown_rows(column=column, period=period, filters=filters) is not None:
        _from_rollup(row_for=row_for, column=column, period=period, filters=filters, now=now)
    elif not _from_months(row_for=row_for, column=column, period=period, filters=filters, now=now):
        _live(row_for=row_for, column=column, period=period, filters=filters, now=now)
    page = EqualityPage(
        dimension=dimension,
        options=list(options.values()),
        rows=list(rows.values()),
        deprivation_configured=deprivation.is_configured(),
    )
    page.tables = [_table(page)]
    page.charts = _charts(page)
    return page


def _from_rollup(*, row_for, column: str, period: Period, filters: Filters, now: datetime) -> None:
    """Every group's figures from the daily rollup (across the service, or within one locality):
    one query, plus one for the clocks due earlier today (the rollup counts a day's due clocks
    whole; today's are not all due yet)."""
    today = london_date(now)
    found = equality_rollup.breakdown_rows(column=column, period=period, filters=filters)
    if found is None:
        raise ValueError(f"The daily rollup keeps no breakdown within {filters}.")
    rows, prefix = found
    waits: dict[tuple[str, str], equality_rollup.Runs] = defaultdict(equality_rollup.Runs)
    _add_cells(rows, row_for=row_for, waits=waits, today=today, value_of=lambda value: value.removeprefix(prefix))
    _add_centiles(waits, row_for=row_for)
    due_today = Period(first_day=max(period.first_day, today), last_day=period.last_day)
    if due_today.first_day <= due_today.last_day and due_today.start < now:
        _add_due(row_for=row_for, column=column, period=due_today, filters=filters, now=now)


def _from_months(*, row_for, column: str, period: Period, filters: Filters, now: datetime) -> bool:
    """With two or more filters set, none a team (a locality, kind of team, source or urgency):
    the period's whole months before today from the rollup's monthly cells of the combinations
    the filters match (``equality_rollup.combination_rows``), the days outside them (at most two
    runs: the start of its first month, and its last month up to today) from the reporting rows,
    their waits sorted and packed by the database and merged with the months' for the centiles.
    At most four queries. False (nothing done) when the rollup has no such months for the page."""
    today = london_date(now)
    found = equality_rollup.combination_rows(column=column, period=period, filters=filters, today=today)
    if found is None:
        return False
    rows, outside = found
    waits: dict[tuple[str, str], equality_rollup.Runs] = defaultdict(equality_rollup.Runs)
    _add_cells(
        rows,
        row_for=row_for,
        waits=waits,
        today=today,
        value_of=equality_rollup.breakdown_value,
        keep=equality_rollup.combination_matcher(filters),
    )
    if outside:
        # One UNION ALL branch per run of days, so each reads its own index range.
        union_all = percentiles.union_all
        _add_received(
            union_all(
                [
                    _received_by(
                        ReferralFact.objects.filter(filters.q(), received_at__gte=part.start, received_at__lt=part.end),
                        column=column,
                    )
                    for part in outside
                ]
            ),
            row_for=row_for,
        )
        stopped = [
            ClockFact.objects.filter(filters.q(), stopped_at__gte=part.start, stopped_at__lt=part.end)
            for part in outside
        ]
        for value, kind, completed, met, packed in equality_rollup.stopped_runs(stopped, column=column, kinds=KINDS):
            row = row_for(value)
            if kind == FR:
                row.fr_n, row.fr_met = row.fr_n + completed, row.fr_met + met
            elif kind == TR:
                row.tr_n, row.tr_met = row.tr_n + completed, row.tr_met + met
            waits[(value, kind)].add(packed, completed)
        parts = [part for part in outside if part.start < now]
        if parts:
            _add_due_counts(
                union_all(
                    [
                        _due_by(due_in_period(period=part, filters=filters, now=now), column=column, now=now)
                        for part in parts
                    ]
                ),
                row_for=row_for,
            )
    _add_centiles(waits, row_for=row_for)
    return True


def _add_cells(rows, *, row_for, waits: dict, today, value_of, keep=None) -> None:
    """Add the rollup's rows (those ``keep`` keeps, with it) to the groups' counts, and their waits
    to the groups' runs. A day's due clocks count only for days before today (the page counts
    today's itself)."""
    for day, kind, value, received, due, breached, completed, met, packed in rows.values_list(
        "day", "kind", "value", "received", "due", "breached", "completed", "met", equality_rollup.packed_waits()
    ):
        if keep is not None and not keep(value):
            continue
        value = value_of(value)
        row = row_for(value)
        if kind == REFERRAL:
            row.received += received
            continue
        if day < today:
            row.due += due
            row.breached += breached
        if kind == FR:
            row.fr_n += completed
            row.fr_met += met
        elif kind == TR:
            row.tr_n += completed
            row.tr_met += met
        if completed:
            waits[(value, kind)].add(equality_rollup.from_text(packed), completed)


def _add_centiles(waits: dict, *, row_for) -> None:
    for (value, kind), runs in waits.items():
        row = row_for(value)
        if kind == FR:
            (row.fr_p50,) = runs.centiles([0.5])
        elif kind == TR:
            row.tr_p50, row.tr_p90 = runs.centiles(percentiles.MEDIAN_AND_P90)


def _live(*, row_for, column: str, period: Period, filters: Filters, now: datetime) -> None:
    """With a team set, or two or more filters over a period holding no whole month before today:
    computed from the reporting rows (the rollup keeps no breakdown within a team, and its
    combinations only by month)."""
    # 1. Referrals received.
    _add_received(
        _received_by(
            ReferralFact.objects.filter(filters.q(), received_at__gte=period.start, received_at__lt=period.end),
            column=column,
        ),
        row_for=row_for,
    )
    # 2. Completed waits, with centiles, per group and clock.
    stopped = ClockFact.objects.filter(filters.q(), stopped_at__gte=period.start, stopped_at__lt=period.end)
    groups = percentiles.grouped(
        stopped,
        by=[column, "kind"],
        value="wait_seconds",
        extra={"met": Count("kind", filter=Q(met=True))},
        split=("kind", KINDS),
    )
    for (value, kind), group in groups.items():
        row = row_for(value)
        if kind == FR:
            row.fr_n, row.fr_met, row.fr_p50 = group.n, group.extra["met"], group.centiles[0]
        else:
            row.tr_n, row.tr_met, (row.tr_p50, row.tr_p90) = group.n, group.extra["met"], group.centiles
    # 3. Breaches of either clock due in the period.
    _add_due(row_for=row_for, column=column, period=period, filters=filters, now=now)


def _received_by(referrals, *, column: str):
    """(group value, referrals received) of these referrals."""
    return (
        referrals.order_by()
        .values(column)
        .annotate(n=Count("received_at"))  # not "pk": everything this needs is in the received index
        .values_list(column, "n")
    )


def _add_received(counts, *, row_for) -> None:
    for value, n in counts:
        row_for(value).received += n


def _add_due(*, row_for, column: str, period: Period, filters: Filters, now: datetime) -> None:
    """Clocks of either kind due in the period (and by now), and how many of them breached."""
    _add_due_counts(
        _due_by(due_in_period(period=period, filters=filters, now=now), column=column, now=now), row_for=row_for
    )


def _due_by(clocks, *, column: str, now: datetime):
    """(group value, clocks due, of which breached) of these clocks."""
    return (
        clocks.order_by()
        .values(column)
        # Count("kind"), not "pk": everything this needs is in the due index.
        .annotate(due=Count("kind"), breached=Count("kind", filter=breached_q(now)))
        .values_list(column, "due", "breached")
    )


def _add_due_counts(counts, *, row_for) -> None:
    for value, due, breached in counts:
        row = row_for(value)
        row.due += due
        row.breached += breached


def _table(page: EqualityPage) -> Table:
    table = Table(
        key=f"by-{page.dimension.key}",
        title=f"Waits and breaches by {page.dimension.label.lower()}",
        columns=[
            Column(page.dimension.label, numeric=False),
            Column("Referrals received"),
            Column("First responses completed"),
            Column("First response within target (%)"),
            Column("Median wait to first response"),
            Column("Treatments started"),
            Column("Treatment within 4 weeks (%)"),
            Column("Median wait to treatment"),
            Column("90th centile wait to treatment"),
            Column("Clocks due"),
            Column("Breached (%)"),
        ],
    )
    fr_text, tr_text = wait_formatter(FR), wait_formatter(TR)
    for r in page.rows:
        table.add(
            [
                text(r.label),
                count(r.received),
                count(r.fr_n),
                rate(r.fr_met, r.fr_n),
                statistic(r.fr_p50, r.fr_n, formatter=fr_text),
                count(r.tr_n),
                rate(r.tr_met, r.tr_n),
                statistic(r.tr_p50, r.tr_n, formatter=tr_text),
                statistic(r.tr_p90, r.tr_n, formatter=tr_text),
                count(r.due),
                rate(r.breached, r.due),
            ]
        )
    return table


def _charts(page: EqualityPage) -> list[Chart]:
    charts = []
    labels = [r.label for r in page.rows]
    for key, title, column, cells in (
        (
            "chart-within-4-weeks",
            f"Treatment within 4 weeks (%) by {page.dimension.label.lower()}",
            "Within 4 weeks (%)",
            [rate(r.tr_met, r.tr_n) for r in page.rows],
        ),
        (
            "chart-median-treatment",
            f"Median wait to treatment (days) by {page.dimension.label.lower()}",
            "Median wait (days)",
            [
                statistic(None if r.tr_p50 is None else float(in_units(TR, r.tr_p50)), r.tr_n, formatter=_one_place)
                for r in page.rows
            ],
        ),
    ):
        table = Table(key=key, title=title, columns=[Column(page.dimension.label, numeric=False), Column(column)])
        for label, cell in zip(labels, cells, strict=True):
            table.add([text(label), cell])
        charts.append(
            Chart(
                key=key,
                title=title,
                svg=bar_chart(
                    key=key,
                    title=title,
                    labels=labels,
                    values=table.column_values(1),
                    texts=table.column_texts(1),
                    unit=column,
                ),
                table=table,
            )
        )
    return charts


def _one_place(value: float) -> str:
    return f"{value:.1f}"
