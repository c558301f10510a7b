"""CSV and XLSX downloads of any table, streamed so large exports stay in bounded memory."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.encoding import force_str

from ecotone.tabular_files import FORMULA_STARTS

FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal)


def _cells(row: Sequence[Any]) -> list[str]:
    return ["" if value is None else force_str(value) for value in row]


def csv_cell(value: Any) -> str:
    """A cell of a CSV download. Spreadsheet programs run text starting with `=`, `+`, `-`,
    `@`, a tab or a carriage return as a formula (CSV injection): such text gets an apostrophe
    in front, as does text that starts with an apostrophe before one of those, so
    `tabular_files.unescape_cell` gives back exactly the text when the file is uploaded again.
    A number, or text that is one (a negative longitude), is no formula and keeps its sign."""
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    text = force_str(value)
    if NUMBER.fullmatch(text):
        return text
    if text[:1] in FORMULA_STARTS or (text[:1] == "'" and text[1:2] in FORMULA_STARTS):
        return "'" + text
    return text


NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_stream(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheet programs read UTF-8
    yield writer.writerow(_cells(headers))
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row])


def xlsx_bytes(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")

    def cell(value: Any) -> Any:
        if value is None or _is_number(value):
            return value
        text = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", force_str(value)))
        # openpyxl makes any text starting with "=" a formula; imported names and cities are
        # people's input, so they are stored as text and never run.
        text.data_type = "s"
        return text

    sheet.append([cell(value) for value in headers])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(
    filename: str, fmt: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> HttpResponseBase:
    """`filename` without extension; `fmt` is "csv" or "xlsx"."""
    response: HttpResponseBase
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(filename, headers, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(
            csv_stream(headers, rows), content_type="text/csv; charset=utf-8"
        )
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
