"""Rows of an uploaded CSV or XLSX file, whatever program saved it.

Every import that takes a spreadsheet (the directory's flat program spreadsheet, the atlas's
school and area files) reads its rows here, so all of them accept the same encodings and
separators, undo the same formula escaping, and refuse damaged or hostile workbooks with the
same words. What the rows mean is the caller's business.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from ecotone.limits import SERVICE_AREA_EXTENT

# A cell that starts like this would run as a formula in a spreadsheet program; exports put
# an apostrophe before it, which is not part of the value.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileError(Exception):
    """The file as a whole cannot be read; the message says why, to the person who uploaded it."""


def unescape_cell(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


def allow_long_cells() -> None:
    """Let `csv` read cells as long as the longest Ecotone writes (`limits.SERVICE_AREA_EXTENT`;
    Python's default stops at 131,072 characters), so every export reads back in and an
    over-long cell is refused with its column named, not as an unreadable file."""
    if csv.field_size_limit() < SERVICE_AREA_EXTENT:
        csv.field_size_limit(SERVICE_AREA_EXTENT)


# Bytes decompressed at a time while checking an archive's members.
CHUNK = 1 << 16


def refuse_understated_members(archive: zipfile.ZipFile) -> None:
    """Refuse an archive with a member that unpacks to more than its header says.

    zipfile trusts the header: reading a member decompresses all of it in one call and only
    then cuts it to the header's size, so a small upload whose header understates a member
    takes gigabytes of memory before any reader sees a byte. Each deflated member is
    decompressed here once, CHUNK bytes at a time, and refused as soon as it passes its
    header's size; a stored member is its own size. With the headers proven, the sum of their
    sizes (which callers compare to their limit) bounds what reading the archive can take.
    Raises FileError naming the member, or zipfile.BadZipFile."""
    for member in archive.infolist():
        if member.flag_bits & 0x1:
            raise FileError(_('"%(name)s" in the file is encrypted.') % {"name": member.filename})
        if member.compress_type == zipfile.ZIP_STORED:
            continue
        if member.compress_type != zipfile.ZIP_DEFLATED:
            raise FileError(
                _('"%(name)s" in the file is compressed in a way Ecotone does not read.')
                % {"name": member.filename}
            )
        if _deflated_size_exceeds(archive, member, member.file_size):
            raise FileError(
                _('"%(name)s" in the file unpacks to more than its header says.')
                % {"name": member.filename}
            )


def _deflated_size_exceeds(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bool:
    assert archive.fp is not None
    archive.fp.seek(member.header_offset)
    header = archive.fp.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(member.filename)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    archive.fp.seek(member.header_offset + 30 + name_length + extra_length)
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    produced, left = 0, member.compress_size
    try:
        while left > 0 and not decompressor.eof:
            data = archive.fp.read(min(CHUNK, left))
            if not data:
                raise zipfile.BadZipFile(member.filename)
            left -= len(data)
            while True:
                out = decompressor.decompress(data, CHUNK)
                produced += len(out)
                if produced > limit:
                    return True
                data = decompressor.unconsumed_tail
                # A full chunk may leave output waiting inside zlib even with no input left.
                if decompressor.eof or (not data and len(out) < CHUNK):
                    break
    except zlib.error:
        raise zipfile.BadZipFile(member.filename) from None
    return False


def decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FileError(_("This is not a CSV file (it holds binary data)."))
    return data.decode(_encoding([data]))


# NCES ships some files in Latin-1; Excel on Windows saves CSV in its code page (cp1252,
# Latin-1 plus curly quotes and dashes). Latin-1 decodes any byte at all.
ENCODINGS = ("utf-8-sig", "cp1252")


def _encoding(chunks: Iterable[bytes]) -> str:
    """The first of ENCODINGS that decodes every chunk (a file read again for each), else
    Latin-1."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in chunks:
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


class _Chunks:
    """A file's bytes CHUNK_READ at a time, from the start each time it is iterated."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def __iter__(self) -> Iterator[bytes]:
        self.handle.seek(0)
        while chunk := self.handle.read(CHUNK_READ):
            yield chunk


CHUNK_READ = 1 << 16


def _cells(text: IO[str], header: str) -> Iterator[list[Any]]:
    # The header row says what separates cells: column names hold no separators, while cells
    # may (several values in one cell are separated by ";"), so only the header is looked at.
    delimiter = max(",;\t|", key=header.count)
    try:
        allow_long_cells()
        for cells in csv.reader(text, delimiter=delimiter):
            yield [
                cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell
                for cell in cells
            ]
    except csv.Error as error:
        raise FileError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None


def csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = decode(data)
    yield from _cells(io.StringIO(text, newline=""), text.split("\n", 1)[0])


def csv_file_rows(path: Path) -> Iterator[list[Any]]:
    """The rows of a CSV file read from disk as they are needed: a file of a million rows is
    never held whole, in bytes or in text (its encoding is found by decoding it once, a chunk
    at a time)."""
    with path.open("rb") as handle:
        if b"\x00" in handle.read(4096):
            raise FileError(_("This is not a CSV file (it holds binary data)."))
        encoding = _encoding(_Chunks(handle))
    with path.open(encoding=encoding, newline="") as text:
        header = text.readline()
        text.seek(0)
        yield from _cells(text, header.split("\n", 1)[0])


def xlsx_rows(path: Path, *, max_columns: int, max_unpacked_bytes: int) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    damaged = FileError(_("This is not an XLSX workbook, or it is damaged."))
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(member.file_size for member in archive.infolist()) > max_unpacked_bytes:
                # a small file that would unpack to gigabytes
                raise FileError(
                    _("The workbook unpacks to more than %(size)d MB; save it as CSV instead.")
                    % {"size": max_unpacked_bytes >> 20}
                )
            refuse_understated_members(archive)
    except (zipfile.BadZipFile, OSError):
        raise damaged from None
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
    return csv_file_rows(path)
