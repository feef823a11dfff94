"""The body of a dashboard table, drawn in Python (issue 17).

A year's capacity page has a table of a row per team and week: some 600 rows, 3,500 cells.
Django's template engine resolved five or six variables per cell (a failed subscript, then an
attribute, each time), which was a large part of the page's own time. Here each row is written
once, by the same rules the template followed, escaping every text and link.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from reporting.tables import Row, Table

register = template.Library()

NUMERIC = ' class="nhsuk-table__cell nhsuk-table__cell--numeric"'
PLAIN = ' class="nhsuk-table__cell"'


@register.simple_tag
def table_body(table: Table) -> SafeString:
    """Every row of the table as ``<tr>``: the first cell a row header (a link when the row has
    one, bold in a totals row), the others data cells, numeric ones aligned right."""
    return mark_safe("\n".join(_row(row) for row in table.rows))


def _row(row: Row) -> str:
    first, *rest = row.cells
    text: str = conditional_escape(first.text)
    if row.link:
        text = format_html('<a class="nhsuk-link" href="{}">{}</a>', row.link, first.text)
    elif row.header:
        text = f"<strong>{text}</strong>"
    cells = [f'<th class="nhsuk-table__header" scope="row">{text}</th>']
    for cell in rest:
        shown: str = conditional_escape(cell.text)
        if row.header:
            shown = f"<strong>{shown}</strong>"
        cells.append(f"<td{NUMERIC if cell.numeric else PLAIN}>{shown}</td>")
    return f'<tr class="nhsuk-table__row">{"".join(cells)}</tr>'
