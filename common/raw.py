"""Values read by written-out SQL, made what the ORM would have made of them.

A few hot reads are written out as SQL (``Model.objects.raw``; docs/adr/0013). Django converts the
raw model's own columns, but not the extra columns such a query selects beside them (a joined
row's, an annotation's): PostgreSQL hands back a ``timedelta`` for an interval, SQLite (the demo)
an integer of microseconds, and a string for a time. ``as_field`` applies the conversions the ORM's
compiler applies to a column of that field (``SQLCompiler.get_converters``): the database
backend's, then the field's own.
"""

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar, cast

from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def as_field(model: type[Model], name: str, value: Any, *, using: str = "default") -> Any:
    """``value``, read from the database for ``model``'s field ``name``, as the ORM would give it."""
    column, chain = _conversions(model, name, using)
    return _converted(value, column, chain, connections[using])


@lru_cache(maxsize=512)
def _conversions(model: type[Model], name: str, using: str) -> tuple[Any, tuple[Callable[..., Any], ...]]:
    """The column of ``model``'s field ``name`` and the conversions the ORM's compiler applies to
    it (``SQLCompiler.get_converters``): the backend's, then the field's own. Worked out once per
    field: intake reads several joined rows a request (issue 17)."""
    connection = connections[using]
    field: Field = model._meta.get_field(name)  # type: ignore[assignment]  # a concrete field
    column = field.get_col(model._meta.db_table)
    return column, tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection))


def _converted(value: Any, column: Any, chain: tuple[Callable[..., Any], ...], connection: Any) -> Any:
    for convert in chain:
        value = convert(value, column, connection)
    return value


def from_columns(model: type[M], values: dict[str, Any], *, using: str = "default") -> M:
    """A ``model`` instance from all its concrete fields' values (by attribute name), as if read
    by the ORM: converted, and marked as stored."""
    fields = model._meta.concrete_fields
    converted = [as_field(model, field.name, values[field.attname], using=using) for field in fields]
    return model.from_db(using, [field.attname for field in fields], converted)


def joined_columns(model: type[Model], alias: str, prefix: str) -> str:
    """The select list for a joined table's row: every concrete column of ``model`` (read from
    ``alias``), named ``<prefix>__<column>`` so that no column of the main table can clash."""
    return ", ".join(f'{alias}.{field.column} AS "{prefix}__{field.column}"' for field in model._meta.concrete_fields)


def joined(row: Model, model: type[M], prefix: str) -> M | None:
    """The ``model`` instance whose columns ``joined_columns`` put on ``row`` under ``prefix``,
    converted as the ORM would; None when the join found no row (a NULL primary key)."""
    fields = model._meta.concrete_fields
    if getattr(row, f"{prefix}__{model._meta.pk.column}") is None:
        return None
    values = {field.attname: getattr(row, f"{prefix}__{field.column}") for field in fields}
    return from_columns(model, values, using=row._state.db or "default")


def rows(model: type[M], sql: str, params: Sequence[Any], *, using: str = "default") -> list[M]:
    """``model.objects.raw(sql, params)``, read whole: one instance per row, built from every
    concrete column of ``model`` (which the query must select, by column name) and converted as
    the ORM would; any other column set on it as an attribute of that name, as read. Without
    RawQuerySet's working out, for each query, which column is which (issue 17: four such reads
    run for every intake)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = tuple(column[0] for column in cursor.description)
        found = cursor.fetchall()
    attnames, positions, converters, others = _layout(model, names, using)
    made = []
    for row in found:
        values = [row[at] for at in positions]
        for index, column, chain in converters:
            values[index] = _converted(values[index], column, chain, connection)
        instance = model.from_db(using, attnames, values)
        for at, name in others:
            setattr(instance, name, row[at])
        made.append(instance)
    return made


@lru_cache(maxsize=64)
def _layout(
    model: type[Model], names: tuple[str, ...], using: str
) -> tuple[list[str], list[int], list[tuple[int, Any, tuple[Callable[..., Any], ...]]], list[tuple[int, str]]]:
    """Where each of ``model``'s concrete fields is among the query's columns, the conversions
    the ORM would apply to each (``_conversions``), and the other columns."""
    at = {name: index for index, name in enumerate(names)}
    fields = model._meta.concrete_fields
    attnames = [field.attname for field in fields]
    positions = [at[cast(str, field.column)] for field in fields]  # KeyError: the query left out a column
    converters = []
    for index, field in enumerate(fields):
        column, chain = _conversions(model, field.name, using)
        if chain:
            converters.append((index, column, chain))
    taken = {field.column for field in fields}
    others = [(index, name) for index, name in enumerate(names) if name not in taken]
    return attnames, positions, converters, others
