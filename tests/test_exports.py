"""CSV and XLSX tables: text stays text (never a formula), numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from ecotone.exports import csv_stream, xlsx_bytes

FORMULA = '=HYPERLINK("https://evil.example","Click")'


def csv_table(headers: list[str], rows: list[list[object]]) -> list[list[str]]:
    text = "".join(csv_stream(headers, rows)).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_writes_text_that_looks_like_a_formula_as_text() -> None:
    content = xlsx_bytes("People", ["Name", "City"], [[FORMULA, "+1-2"], ["@SUM(A1)", "-3"]])
    assert "<f>" not in sheet_xml(content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert [c.value for c in cells] == [FORMULA, "+1-2", "@SUM(A1)", "-3"]
    assert {c.data_type for c in cells} == {"s"}


def test_xlsx_keeps_numbers_as_numbers_and_leaves_empty_cells_empty() -> None:
    content = xlsx_bytes("Areas", ["a", "b", "c", "d"], [[-82.91, 612, Decimal("1.5"), None]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [(-82.91, 612, 1.5, None)]


def test_xlsx_drops_control_characters_a_workbook_cannot_hold() -> None:
    content = xlsx_bytes("People", ["Name"], [["Ada\x07 Lovelace"]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet["A2"].value == "Ada Lovelace"


def test_csv_defuses_text_that_starts_a_formula() -> None:
    rows = csv_table(["Name"], [[FORMULA], ["+1"], ["-1+2"], ["@x"], ["\tx"], ["\rx"], ["a=b"]])
    assert [r[0] for r in rows[1:]] == [
        "'" + FORMULA,
        "'+1",
        "'-1+2",
        "'@x",
        "'\tx",
        "'\rx",
        "a=b",
    ]


def test_csv_writes_negative_numbers_as_numbers() -> None:
    rows = csv_table(["a", "b", "c", "d"], [[-82.91, -3, Decimal("-0.5"), None]])
    assert rows[1] == ["-82.91", "-3", "-0.5", ""]
