"""New rows written in one INSERT whose text is built once per model (issue 17; docs/adr/0013).

Intake writes six kinds of row for every referral it takes: the person, the referral, its urgency
history, its two clocks, their events and the audit rows. Django writes each INSERT's text afresh
for every call (and for two or more rows on PostgreSQL, an ``UNNEST`` of typed arrays whose types
it works out field by field each time): under load that came to about a tenth of an intake's CPU,
more than PostgreSQL's own time for the same statements.

``insert`` saves new instances of one model as ``Model.save(force_insert=True)`` would each (the
same values, worked out by each field's ``pre_save`` and ``get_db_prep_save``; the primary key
read back; the instance marked as stored), in one statement whose text is kept for that model and
number of rows. Anything that statement could get wrong goes through Django instead: a model
whose ``save`` is its own or whose saves someone listens to (``pre_save``, ``post_save``), a
primary key already set, a value that is an expression (``F()``, a database default), a field
that places its own value (``get_placeholder``), a table inherited from another, or columns the
database fills in besides the key. ``tests/common/test_inserts.py`` holds an intake's rows to
those ``save`` writes (PostgreSQL); ``tests/integration/test_sqlite_demo.py`` checks them on the
demo's SQLite.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from django.db import connections, router, transaction
from django.db.models import Field, Model, signals

M = TypeVar("M", bound=Model)


def insert(objs: Sequence[M]) -> None:
    """Save these new instances of one model, in one INSERT where that writes what ``save`` would."""
    if not objs:
        return
    model = type(objs[0])
    using = router.db_for_write(model, instance=objs[0])
    connection = connections[using]
    if (
        not connection.features.can_return_rows_from_bulk_insert
        or not _plain(model)
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return
    sql, fields = _statement(model, len(objs), using)
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # Django's own
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                for each in objs:
                    each.save(force_insert=True, using=using)
                return
            params.append(field.get_db_prep_save(value, connection=connection))
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    converters = connection.ops.get_db_converters(pk.get_col(model._meta.db_table)) + pk.get_db_converters(connection)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == len(objs)
    for obj, key in zip(objs, keys, strict=True):
        for convert in converters:
            key = convert(key, pk, connection)
        obj.pk = key
        obj._state.adding = False
        obj._state.db = using


def _plain(model: type[Model]) -> bool:
    """Saving this model is Django's own INSERT and nothing more."""
    opts = model._meta
    return (
        model.save is Model.save
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
        and not opts.parents
        and opts.auto_field is not None
        and list(opts.db_returning_fields) == [opts.pk]
        and not any(hasattr(field, "get_placeholder") for field in opts.concrete_fields)
    )


@lru_cache(maxsize=64)
def _statement(model: type[Model], rows: int, using: str) -> tuple[str, tuple[Field, ...]]:
    """``INSERT INTO table (columns) VALUES (%s, ...), ... RETURNING key``, and its fields in order."""
    connection = connections[using]
    opts = model._meta
    fields = tuple(
        field for field in opts.concrete_fields if field.column and not field.generated and field is not opts.auto_field
    )
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # PostgreSQL's and SQLite's (insert() asks for can_return_rows_from_bulk_insert); not in the stubs.
    returning, _ = connection.ops.return_insert_columns([opts.pk])  # type: ignore[attr-defined]
    columns = ", ".join(quote(field.column) for field in fields if field.column)
    return f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES {', '.join([row] * rows)} {returning}", fields
