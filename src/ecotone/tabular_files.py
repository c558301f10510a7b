"""Rows of an uploaded CSV or XLSX file, whatever program saved it.

Every import that takes a spreadsheet (the directory's flat program spreadsheet, the atlas's
school and area files) reads its rows here, so all of them accept the same encodings and
separators, undo the same formula escaping, and refuse damaged or hostile workbooks with the
same words. What the rows mean is the caller's business.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

# A cell that starts like this would run as a formula in a spreadsheet program; exports put
# an apostrophe before it, which is not part of the value.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileError(Exception):
    """The file as a whole cannot be read; the message says why, to the person who uploaded it."""


def unescape_cell(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


def decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FileError(_("This is not a CSV file (it holds binary data)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # NCES ships some files in Latin-1; Excel on Windows saves CSV in its code page (cp1252,
    # Latin-1 plus curly quotes and dashes). Latin-1 decodes any byte at all.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = decode(data)
    # The header row says what separates cells: column names hold no separators, while cells
    # may (several values in one cell are separated by ";"), so only the header is looked at.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=header.count)
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [unescape_cell(cell) for cell in cells]
    except csv.Error as error:
        raise FileError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None


def xlsx_rows(path: Path, *, max_columns: int, max_unpacked_bytes: int) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    damaged = FileError(_("This is not an XLSX workbook, or it is damaged."))
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise damaged from None
    if unpacked > max_unpacked_bytes:  # a small file that would unpack to gigabytes
        raise FileError(
            _("The workbook unpacks to more than %(size)d MB; save it as CSV instead.")
            % {"size": max_unpacked_bytes >> 20}
        )
    # A damaged or hostile workbook can fail anywhere inside openpyxl or its XML parser, with
    # whatever exception they raise; to the person uploading it, it is one problem.
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise damaged from None
    try:
        for row in workbook.worksheets[0].iter_rows(max_col=max_columns, values_only=True):
            yield list(row)
    except Exception:
        raise damaged from None
    finally:
        workbook.close()


def rows(path: Path, *, max_columns: int, max_unpacked_bytes: int) -> Iterator[list[Any]]:
    """The rows of a CSV or XLSX file (an XLSX by its content, whatever its name says)."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start == b"PK\x03\x04":
        return xlsx_rows(path, max_columns=max_columns, max_unpacked_bytes=max_unpacked_bytes)
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise FileError(_("This is not an XLSX workbook, or it is damaged."))
    return csv_rows(path.read_bytes())
