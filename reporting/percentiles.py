"""Medians and 90th centiles, computed by the database.

On PostgreSQL ``percentile_cont`` does the work in the query (one sort gives every
centile asked for). SQLite, which the demo uses, has no ordered-set aggregates: there the
values are fetched and the same interpolation is done in Python, so the demo shows the
same figures PostgreSQL would.

``percentile_cont(f)`` over n sorted values v[0..n-1] is v[i] + (v[i+1] - v[i]) * (p - i),
where p = f * (n - 1) and i = floor(p): the linear interpolation between the two closest
ranks (the "R-7" / Excel PERCENTILE.INC definition).
"""

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import Aggregate, Count, Q, QuerySet

MEDIAN_AND_P90 = (0.5, 0.9)


def union_all(parts: list[QuerySet]) -> QuerySet:
    """The parts' rows, one UNION ALL branch each (a part alone as it is): PostgreSQL can run the
    branches side by side, each reading its own index range."""
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)


def interpolate(sorted_values: Sequence[float], fraction: float) -> float | None:
    """percentile_cont of already sorted values, exactly as PostgreSQL computes it; None of none."""
    if not sorted_values:
        return None
    return interpolate_nonempty(sorted_values, fraction)


def interpolate_nonempty(sorted_values: Sequence[float], fraction: float) -> float:
    """``interpolate`` of at least one value."""
    position = fraction * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    low_value, high_value = float(sorted_values[lower]), float(sorted_values[upper])
    return low_value + (high_value - low_value) * (position - lower)


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


class PercentileCont(Aggregate):
    """``percentile_cont(ARRAY[...]) WITHIN GROUP (ORDER BY expr)``: one sort, several centiles."""

    function = "percentile_cont"
    template = "%(function)s(%(fractions)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fractions: Sequence[float] = MEDIAN_AND_P90, **extra):
        from django.contrib.postgres.fields import ArrayField

        # Literal constants from our own code, never from a request.
        rendered = "ARRAY[" + ", ".join(repr(float(f)) for f in fractions) + "]::float8[]"
        super().__init__(expression, output_field=ArrayField(models.FloatField()), fractions=rendered, **extra)


@dataclass
class Group:
    n: int  # how many values (non-null) the centiles were taken over
    centiles: list[float | None]  # one per fraction asked for; None when n == 0
    extra: dict[str, int] = field(default_factory=dict)  # the other aggregates asked for


def grouped(
    queryset: QuerySet,
    *,
    by: Sequence[str],
    value: str,
    fractions: Sequence[float] = MEDIAN_AND_P90,
    extra: dict[str, Aggregate] | None = None,
    split: tuple[str, Sequence[str]] | None = None,
) -> dict[tuple, Group]:
    """{group key: Group} over the queryset's rows, ignoring rows where ``value`` is null.

    ``split=(column, values)``, where ``column`` is one of ``by``, computes each value's
    groups in its own branch of one UNION ALL query, which PostgreSQL runs in parallel.

    ``extra`` aggregates (counts, usually) are computed over all the rows of each group, in
    the same query on PostgreSQL (one scan, one sort per group); SQLite needs a second
    query. ``by`` may be empty: one group, keyed ``()``.
    """
    queryset = queryset.order_by()
    extra = extra or {}
    if on_postgresql():
        rows = queryset.values(*by).annotate(_n=Count(value), _p=PercentileCont(value, fractions), **extra)
        if split is not None:
            # One aggregate per value of the split column (a clock kind), joined by UNION ALL:
            # PostgreSQL runs them side by side (Parallel Append), each sorting half the rows.
            column, column_values = split
            parts = [
                queryset.filter(**{column: v})
                .values(*by)
                .annotate(_n=Count(value), _p=PercentileCont(value, fractions), **extra)
                for v in column_values
            ]
            rows = union_all(parts)
        return {
            tuple(row[name] for name in by): Group(
                n=row["_n"], centiles=list(row["_p"] or [None] * len(fractions)), extra={k: row[k] for k in extra}
            )
            for row in rows
        }
    values: dict[tuple, list[float]] = defaultdict(list)
    for row in queryset.values_list(*by, value):
        if row[-1] is not None:
            values[tuple(row[:-1])].append(row[-1])
    result: dict[tuple, Group] = {}
    if extra:
        for row in queryset.values(*by).annotate(**extra):
            result[tuple(row[name] for name in by)] = Group(n=0, centiles=[None] * len(fractions), extra=row)
    for key, found in values.items():
        found.sort()
        group = result.setdefault(key, Group(n=0, centiles=[]))
        group.n, group.centiles = len(found), [interpolate(found, f) for f in fractions]
    for group in result.values():
        group.extra = {k: group.extra.get(k, 0) for k in extra}
    return result


def split(
    queryset: QuerySet,
    *,
    column: str,
    groups: Sequence[str],
    value: str,
    fractions: Sequence[float] = MEDIAN_AND_P90,
    extra: dict[str, Q] | None = None,
) -> dict[str, Group]:
    """Like ``grouped``, for a few known groups (the two clock kinds): one aggregate per
    group, joined by UNION ALL, so PostgreSQL reads each group from a covering index and
    sorts only its values (never whole rows). ``extra`` are counts of the rows matching
    each Q, per group. One query."""
    queryset = queryset.order_by()
    extra = extra or {}
    if not on_postgresql():
        found = grouped(
            queryset.filter(**{f"{column}__in": list(groups)}),
            by=[column],
            value=value,
            fractions=fractions,
            extra={name: Count("pk", filter=q) for name, q in extra.items()},
        )
        return {
            g: found.get((g,), Group(n=0, centiles=[None] * len(fractions), extra=dict.fromkeys(extra, 0)))
            for g in groups
        }
    # One aggregate per group, each over an index range (kind, stopped_at): PostgreSQL
    # sorts only that group's values and evaluates no FILTER on the others' rows.
    parts = [
        queryset.filter(**{column: group})
        .values(column)
        .annotate(
            _n=Count(value),
            _p=PercentileCont(value, fractions),
            **{f"_x_{name}": Count(column, filter=q) for name, q in extra.items()},  # not "pk": stay in the index
        )
        for group in groups
    ]
    rows = {row[column]: row for row in union_all(parts)} if parts else {}
    return {
        group: Group(
            n=rows[group]["_n"] if group in rows else 0,
            centiles=list((rows[group]["_p"] if group in rows else None) or [None] * len(fractions)),
            extra={name: rows[group][f"_x_{name}"] if group in rows else 0 for name in extra},
        )
        for group in groups
    }


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Run a page's reads as one consistent, read-only snapshot.

    On PostgreSQL: REPEATABLE READ, so every table on the page counts the same moment;
    no JIT (compiling these queries costs more than running them); and enough memory
    for a year's waits to be sorted without spilling to disk. SQLite (the demo) takes a
    write lock at BEGIN there, so it runs without a transaction.
    """
    if not on_postgresql():
        yield
        return
    outermost = not connection.in_atomic_block  # inside a test's transaction, take what it has
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")
        yield
