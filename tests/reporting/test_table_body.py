"""A dashboard table's body is drawn in Python (issue 17), as the template loop drew it."""

import re

from django.template import Context, Template

from reporting.suppression import Cell
from reporting.tables import Column, Table
from reporting.templatetags.dashboard_tables import table_body

# The loop the table include used before, kept here as the reference.
TEMPLATE_LOOP = Template(
    """{% for row in table.rows %}
        <tr class="nhsuk-table__row">
          {% for cell in row.cells %}
          {% if forloop.first %}
          <th class="nhsuk-table__header" scope="row">{% if row.link %}<a class="nhsuk-link" href="{{ row.link }}">{{ cell.text }}</a>{% elif row.header %}<strong>{{ cell.text }}</strong>{% else %}{{ cell.text }}{% endif %}</th>
          {% else %}
          <td class="nhsuk-table__cell{% if cell.numeric %} nhsuk-table__cell--numeric{% endif %}">{% if row.header %}<strong>{{ cell.text }}</strong>{% else %}{{ cell.text }}{% endif %}</td>
          {% endif %}
          {% endfor %}
        </tr>
        {% endfor %}"""
)


def _without_layout(html: str) -> str:
    """The markup without the whitespace between tags, which the template's indentation added."""
    return re.sub(r">\s+<", "><", html.strip())


def _table() -> Table:
    table = Table(
        key="t", title="T", columns=[Column("Team", numeric=False), Column("Clock", numeric=False), Column("Due")]
    )
    table.add([Cell("North <IPCT>"), Cell("First response", numeric=False), Cell("12", 12)])
    table.add([Cell("R & D"), Cell("Treatment", numeric=False), Cell("*", suppressed=True)], link='/r/?a=1&b="2"')
    table.add([Cell("All teams"), Cell("Both", numeric=False), Cell("1,204", 1204)], header=True)
    table.add([Cell("O'Brien's team"), Cell("", numeric=False), Cell("0", 0)])
    return table


def test_the_body_is_the_markup_the_template_loop_drew_with_every_text_and_link_escaped():
    table = _table()

    drawn = table_body(table)

    assert _without_layout(drawn) == _without_layout(TEMPLATE_LOOP.render(Context({"table": table})))
    assert "North &lt;IPCT&gt;" in drawn and "<IPCT>" not in drawn
    assert 'href="/r/?a=1&amp;b=&quot;2&quot;"' in drawn
    assert "<strong>All teams</strong>" in drawn and "<strong>1,204</strong>" in drawn
    assert "O&#x27;Brien&#x27;s team" in drawn
    assert drawn.count("<tr ") == 4


def test_a_table_with_no_rows_has_an_empty_body():
    table = Table(key="t", title="T", columns=[Column("Team", numeric=False)])

    assert table_body(table) == ""
