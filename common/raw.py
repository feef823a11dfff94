"""Values read by written-out SQL, made what the ORM would have made of them.

A few hot reads are written out as SQL (``Model.objects.raw``; docs/adr/0013). Django converts the
raw model's own columns, but not the extra columns such a query selects beside them (a joined
row's, an annotation's): PostgreSQL hands back a ``timedelta`` for an interval, SQLite (the demo)
an integer of microseconds, and a string for a time. ``as_field`` applies the conversions the ORM's
compiler applies to a column of that field (``SQLCompiler.get_converters``): the database
backend's, then the field's own.
"""

from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def as_field(model: type[Model], name: str, value: Any, *, using: str = "default") -> Any:
    """``value``, read from the database for ``model``'s field ``name``, as the ORM would give it."""
    connection = connections[using]
    field: Field = model._meta.get_field(name)  # type: ignore[assignment]  # a concrete field
    column = field.get_col(model._meta.db_table)
    for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
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
