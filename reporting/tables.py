"""A table as the dashboards show it: the same object renders as HTML and as CSV.

Measures build ``Table`` objects out of suppression ``Cell``s; the templates print
``cell.text`` and ``csv.py`` writes ``cell.text``: what is downloaded is exactly what is
shown, suppression included.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from .suppression import Cell


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = True


@dataclass
class Row:
    cells: list[Cell]
    link: str = ""  # drill-down URL for the first cell, for users allowed to open the record
    header: bool = False  # a totals row, shown in bold


@dataclass
class Table:
    key: str  # unique on its page; names the CSV download (?csv=<key>)
    title: str
    columns: Sequence[Column]
    rows: list[Row] = field(default_factory=list)
    caption: str = ""
    empty: str = "Nothing to show for this period and these filters."

    def add(self, cells: list[Cell], *, link: str = "", header: bool = False) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"Table {self.key}: {len(cells)} cells for {len(self.columns)} columns.")
        self.rows.append(Row(cells=cells, link=link, header=header))

    def header_row(self) -> list[str]:
        return [column.label for column in self.columns]

    def text_rows(self) -> list[list[str]]:
        return [[cell.text for cell in row.cells] for row in self.rows]

    def column_values(self, index: int) -> list[float | int | None]:
        """Numbers behind one column (None where withheld): what a chart draws."""
        return [row.cells[index].value for row in self.rows]

    def column_texts(self, index: int) -> list[str]:
        return [row.cells[index].text for row in self.rows]
