"""CSV and XLSX downloads of any table, streamed so large exports stay in bounded memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.encoding import force_str

FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cells(row: Sequence[Any]) -> list[str]:
    return ["" if value is None else force_str(value) for value in row]


def _csv_safe(value: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_stream(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheet programs read UTF-8
    yield writer.writerow(_cells(headers))
    for row in rows:
        yield writer.writerow([_csv_safe(cell) for cell in _cells(row)])


def xlsx_bytes(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append(_cells(headers))
    for row in rows:
        sheet.append(
            ["" if v is None else v if isinstance(v, int | float) else force_str(v) for v in row]
        )
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
