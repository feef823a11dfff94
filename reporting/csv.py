"""CSV downloads: the same ``Table`` the page shows, cell for cell (``Cell.text``)."""

from collections.abc import Sequence

from django.http import HttpResponse

from common.csv import csv_response

from .periods import Period
from .tables import Table


def csv_filename(page: str, table: Table, period: Period) -> str:
    return f"{page}-{table.key}-{period.first_day:%Y-%m-%d}-to-{period.last_day:%Y-%m-%d}.csv"


def table_csv_response(table: Table, *, filename: str, made_with: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    """The table; with ``made_with`` ((name, value): the period and each filter), those first, one
    a row, then an empty row, so a file read later says what it counted."""
    if not made_with:
        return csv_response(filename=filename, header=table.header_row(), rows=table.text_rows())
    (first_name, first_value), *rest = made_with
    rows = [[name, value] for name, value in rest] + [[], table.header_row(), *table.text_rows()]
    return csv_response(filename=filename, header=[first_name, first_value], rows=rows)
