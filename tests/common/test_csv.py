"""common.csv: one CSV response for every download, and no cell a spreadsheet would run."""

import csv
import io

import pytest

from common.csv import csv_cell, csv_response

FORMULAS = ['=HYPERLINK("x")', "+cmd|x", "-1+1", "@SUM(1)", "\tTab", "\rReturn"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-2.5", "-12%", "-1,234", "0", "42"])
def test_a_plain_number_stays_a_number(value):
    assert csv_cell(value) == value


@pytest.mark.parametrize(("value", "text"), [(None, ""), (7, "7"), ("*", "*"), ("O'Brien", "O'Brien"), ("", "")])
def test_other_values_are_written_as_they_are(value, text):
    assert csv_cell(value) == text


def test_the_response_is_an_attachment_with_a_byte_order_mark_and_every_cell_guarded():
    response = csv_response(filename="people.csv", header=["Name", "=Total"], rows=iter([["Zoë", "-1+1"], [None, 3]]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Name", "'=Total"], ["Zoë", "'-1+1"], ["", "3"]]
