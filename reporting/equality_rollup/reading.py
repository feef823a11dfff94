"""What the dashboards read of the daily rollup: a period's rows for no filter or one, a breakdown's
rows across the service or within one filter, the monthly rows of a combination of filters, and
the completed waits of the days outside a period's whole months."""

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from itertools import chain
from operator import itemgetter

from django.db.models import Count, F, Lookup, Q, QuerySet, Value

from common.london import london_midnight
from reporting.filters import Filters
from reporting.models import ClockFact, DailyEqualityRollup
from reporting.percentiles import on_postgresql, union_all
from reporting.periods import Period

from .cells import MONTHLY, REFERRAL, WITHIN_FILTER
from .packing import PackedWaitsText, from_text, pack


def period_rows(*, period: Period, filters: Filters) -> "QuerySet[DailyEqualityRollup] | None":
    """The rollup's rows of the period's days that count what a page with these filters counts:
    with none set, every group of one column (``locality_id``), whose groups together count each
    referral and clock once; with one set, that filter's group. None with two or more set: the
    rollup keeps no daily cells for a combination (its monthly ones serve the equality page,
    ``combination_rows``), so the page computes from the reporting rows."""
    single = filters.single()
    if single is None:
        return None
    column, value = single
    rows = DailyEqualityRollup.objects.filter(
        dimension=column or "locality_id", day__gte=period.first_day, day__lte=period.last_day
    ).order_by()
    return rows.filter(value=value) if column else rows


def re_referral_rows(*, period: Period, filters: Filters) -> "QuerySet[DailyEqualityRollup] | None":
    """The referrals received over the period's days, by team (value: the team id, '0' for none):
    every team's group with no filter set, that team's with a team set. None with any other filter:
    the rollup keeps no team within it, so the flow page counts from the reporting rows."""
    single = filters.single()
    if single is None or single[0] not in ("", "team_id"):
        return None
    rows = DailyEqualityRollup.objects.filter(
        dimension="team_id", kind=REFERRAL, day__gte=period.first_day, day__lte=period.last_day
    ).order_by()
    return rows.filter(value=single[1]) if single[0] else rows


def breakdown_rows(
    *, column: str, period: Period, filters: Filters
) -> "tuple[QuerySet[DailyEqualityRollup], str] | None":
    """The rows of one equality breakdown over the period's days, across the service or within one
    value of one filter (``WITHIN_FILTER``), and the prefix to take off their values (``<the
    filter's value>|`` within one). None with a team or two or more filters set: the rollup keeps
    no breakdown within them."""
    single = filters.single()
    if single is None or single[0] not in ("", *WITHIN_FILTER):
        return None
    within, value = single
    rows = DailyEqualityRollup.objects.filter(day__gte=period.first_day, day__lte=period.last_day).order_by()
    if not within:
        return rows.filter(dimension=column), ""
    if column == within:  # by locality, within one: that locality's own group
        return rows.filter(dimension=column, value=value), ""
    prefix = f"{value}|"
    return rows.filter(dimension=f"{within}|{column}", value__startswith=prefix), prefix


def combination_rows(
    *, column: str, period: Period, filters: Filters, today: date
) -> "tuple[QuerySet[DailyEqualityRollup], list[Period]] | None":
    """With two or more filters set, none of them a team: the monthly rows of one breakdown
    within every combination those filters match, over the period's whole months that ended
    before today, and the periods of the days outside those months (``Period.whole_months``),
    which the page counts from the reporting rows. A row's value after its fourth "|" is the
    breakdown's value. None otherwise (no filter or one: the daily groups; a team, or a period
    holding no whole month: the reporting rows)."""
    active = dict(filters.active())
    if len(active) < 2 or not active.keys() <= set(WITHIN_FILTER):
        return None
    months = period.whole_months(today)
    if months is None:
        return None
    first, last, outside = months
    # The filters' own values where set, anything where not: "%|%|gp|routine|%". No value holds a
    # "|", so each of the pattern's four matches one of the value's four, in order. (LIKE, not a
    # regular expression: at a million referrals 23 ms against 80 for a year's 114,740 rows.)
    pattern = "|".join(_like_escaped(active[name]) if name in active else "%" for name in WITHIN_FILTER) + "|%"
    rows = DailyEqualityRollup.objects.filter(
        _Like(F("value"), Value(pattern)), dimension=f"{MONTHLY}|{column}", day__gte=first, day__lte=last
    ).order_by()
    return rows, outside


def stopped_runs(
    parts: "list[QuerySet[ClockFact]]", *, column: str, kinds: Iterable[str]
) -> list[tuple[str, str, int, int, bytes | memoryview]]:
    """(group value as text, kind, completed, met, their waits sorted and packed) of these clocks'
    completed waits of these kinds, per part, group and kind, for a period's ``Runs`` beside the
    rollup's days (a group may come once per part). On PostgreSQL the database sorts and packs
    each group's waits, one UNION ALL branch per part and kind, so each reads its own range of the
    stopped index (which leads with the kind); elsewhere Python does."""
    kinds = list(kinds)
    parts = [
        part.filter(wait_seconds__isnull=False, stopped_at__isnull=False, kind__in=kinds).order_by() for part in parts
    ]
    if not parts:
        return []
    if on_postgresql():
        grouped = [
            part.filter(kind=kind)
            .values(column, "kind")
            .annotate(
                completed=Count("kind"),  # not "pk": the stopped index holds what this needs
                met=Count("kind", filter=Q(met=True)),
                packed=PackedWaitsText("wait_seconds"),
            )
            .values_list(column, "kind", "completed", "met", "packed")
            for part in parts
            for kind in kinds
        ]
        return [
            (str(value), kind, completed, met, from_text(packed))
            for value, kind, completed, met, packed in union_all(grouped)
        ]
    found: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for value, kind, met, wait in chain.from_iterable(
        part.values_list(column, "kind", "met", "wait_seconds") for part in parts
    ):
        waits, met_count = found.setdefault((str(value), kind), ([], [0]))
        waits.append(wait)
        met_count[0] += bool(met)
    return [
        (value, kind, len(waits), met_count[0], pack(sorted(waits)))
        for (value, kind), (waits, met_count) in found.items()
    ]


class _Like(Lookup):
    """``value LIKE pattern``, with backslash escaping on every database (SQLite has none unless asked)."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def combination_matcher(filters: Filters) -> "Callable[[str], bool]":
    """Whether a monthly row's value (``combination_rows``) is exactly of the filters' combination
    (LIKE's matching is the database's: SQLite's ignores case)."""
    placed = [""] * len(WITHIN_FILTER)
    for name, value in filters.active():
        placed[WITHIN_FILTER.index(name)] = value
    pick = itemgetter(*(WITHIN_FILTER.index(name) for name, _ in filters.active()))  # C, not a loop a row
    expected = pick(placed)

    def matches(combination_value: str) -> bool:
        return pick(combination_value.split("|", len(WITHIN_FILTER))) == expected

    return matches


def breakdown_value(combination_value: str) -> str:
    """The breakdown's value of a monthly row's (``combination_rows``)."""
    return combination_value.split("|", len(WITHIN_FILTER))[-1]


def _day_ranges(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Consecutive days merged into [start, end) instants."""
    ranges: list[list[date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(london_midnight(first), london_midnight(last + timedelta(days=1))) for first, last in ranges]


def within_days(field: str, days: Iterable[date]) -> Q:
    """The rows whose ``field`` (an instant) falls on one of these London days."""
    q = Q(pk__in=[])
    for start, end in _day_ranges(days):
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q
