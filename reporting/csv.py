"""CSV downloads: the same ``Table`` the page shows, cell for cell (``Cell.text``)."""

from django.http import HttpResponse

from common.csv import csv_response

from .periods import Period
from .tables import Table


def csv_filename(page: str, table: Table, period: Period) -> str:
    return f"{page}-{table.key}-{period.first_day:%Y-%m-%d}-to-{period.last_day:%Y-%m-%d}.csv"


def table_csv_response(table: Table, *, filename: str) -> HttpResponse:
    return csv_response(filename=filename, header=table.header_row(), rows=table.text_rows())
