"""COPY rows into a model's table, handing out the ids here so that rows can point at each other.

The ids come from the table's own sequence (one ``nextval``, then counted up here; the
sequence is set past the last one on ``close``), so the loader must be the only writer of
these tables while it runs: true of a benchmark database and of a test.
"""

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import NOT_PROVIDED, Field, Model

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TEXT_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "GenericIPAddressField"}


def _text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _interval(value: timedelta) -> str:
    return f"{value.days} days {value.seconds}.{value.microseconds:06d} seconds"


def _boolean(value: bool) -> str:
    return "t" if value else "f"


# A value's formatter, by field kind. Each takes only its own field's values, so the table (and
# copy_format) are typed for any value: the field decides which formatter a value reaches.
Formatter = Callable[[Any], str]

_BY_KIND: dict[str, Formatter] = {
    "DateTimeField": datetime.isoformat,
    "DateField": date.isoformat,
    "DurationField": _interval,
    "BooleanField": _boolean,
}


def copy_format(field: Field) -> Formatter:
    """How one field's values are written in COPY's text format (NULL as \\N where it may be)."""
    kind = field.get_internal_type()
    base: Formatter = _text if kind in _TEXT_FIELDS else _BY_KIND.get(kind, str)  # numbers and keys: str()
    if not field.null:
        return base
    return lambda value: "\\N" if value is None else base(value)


class CopyTable:
    """Rows for one model's table, buffered and sent with COPY ... FROM STDIN.

    ``columns`` are the columns each ``add`` gives, in order, after the id. Any other column
    must be nullable (it gets NULL) or have a constant default (it gets that), so a column
    another engineer adds later either fills itself or stops the load with a clear message.
    """

    def __init__(self, cursor, model: type[Model], columns: tuple[str, ...]) -> None:
        self.table = model._meta.db_table
        fields: dict[str, Field] = {}
        for field in model._meta.concrete_fields:
            assert field.column is not None  # only non-concrete fields lack a column
            fields[field.column] = field
        defaults: dict[str, object] = {}
        for column, field in fields.items():
            if column in columns or field.primary_key or field.null:
                continue
            # A constant default, or Django's "" for a blank CharField; never a per-row callable.
            default = None if callable(field.default) and field.default is not NOT_PROVIDED else field.get_default()
            if default is None:
                raise ValueError(f"{self.table}.{column} has no value in demo.bulk: add it to the generator.")
            defaults[column] = default
        self.columns = ("id", *columns, *defaults)
        self._formats = [copy_format(fields[column]) for column in columns]
        self._suffix = "".join("\t" + copy_format(fields[column])(value) for column, value in defaults.items())
        self._cursor = cursor
        self._lines: list[str] = []
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [self.table])
        self.first_id = self.next_id = cursor.fetchone()[0]

    @property
    def count(self) -> int:
        return self.next_id - self.first_id

    def add(self, *values: object) -> int:
        """Queue one row; returns its id. Sent by ``flush``."""
        pk = self.next_id
        self.next_id += 1
        fields = "\t".join([fmt(value) for fmt, value in zip(self._formats, values, strict=True)])
        self._lines.append(f"{pk}\t{fields}{self._suffix}")
        return pk

    def flush(self) -> None:
        if self._lines:
            data = io.StringIO("\n".join(self._lines) + "\n")
            self._lines = []
            self._cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", data)

    def close(self) -> None:
        """Send what is left and move the sequence past the ids handed out."""
        self.flush()
        if self.count:
            self._cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [self.table, self.next_id - 1])
        else:
            self._cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [self.table, self.first_id]
            )
