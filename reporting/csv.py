"""CSV downloads: the same ``Table`` the page shows, cell for cell (``Cell.text``)."""

import csv
import re

from django.http import HttpResponse

from .periods import Period
from .tables import Table

_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


def _safe(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (a team named '=HYPERLINK(...)')."""
    if value and value[0] in "=+-@\t\r" and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_filename(page: str, table: Table, period: Period) -> str:
    return f"{page}-{table.key}-{period.first_day:%Y-%m-%d}-to-{period.last_day:%Y-%m-%d}.csv"


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark, so spreadsheets read the en dash and accents right
    writer = csv.writer(response)
    writer.writerow([_safe(label) for label in table.header_row()])
    for row in table.text_rows():
        writer.writerow([_safe(value) for value in row])
    return response
