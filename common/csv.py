"""The one CSV download: every file the service offers is written by ``csv_response``.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
a carriage return) as a formula. Names, notes and usernames are typed by people, so a family
name of ``=HYPERLINK("…")`` must open as text: such a cell is written with a leading single
quote, which spreadsheets show as text and do not run. A plain number ("-2.5", "-12%",
"-1,234") cannot be a formula and stays a number.
"""

import csv
import re
from collections.abc import Iterable

from django.http import HttpResponse

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?%?$")


def csv_cell(value: object) -> str:
    """A value as the text of a CSV cell that no spreadsheet will run."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_response(*, filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV attachment: the header, then the rows, every cell through ``csv_cell``.

    ``rows`` may be a generator; it is read to the end before this returns.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark, so spreadsheets read accents and en dashes right
    writer = csv.writer(response)
    writer.writerow([csv_cell(value) for value in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return response
