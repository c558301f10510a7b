"""Uploaded archives (XLSX workbooks, HSDS data packages) are refused before they unpack beyond
their limit, even when their headers lie about their size."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from ecotone import tabular_files
from ecotone.tabular_files import FileError

MB = 1 << 20


def understate(path: Path, member: str, claimed: int) -> None:
    """Patch the zip at `path` so that `member` claims to unpack to `claimed` bytes, in its
    local header and in the central directory (the CRC is of the claimed first bytes, so a
    reader that trusts the size finds nothing wrong)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        with archive.open(info) as stream:
            crc = zipfile.crc32(stream.read(claimed))
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, claimed)
    (directory,) = struct.unpack_from("<I", data, len(data) - 22 + 16)
    while data[directory : directory + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, directory + 28)
        name = data[directory + 46 : directory + 46 + name_length].decode()
        if name == member:
            struct.pack_into("<I", data, directory + 16, crc)
            struct.pack_into("<I", data, directory + 24, claimed)
        directory += 46 + name_length + extra_length + comment_length
    path.write_bytes(bytes(data))


def write_large_member(archive: zipfile.ZipFile, name: str, size: int, line: bytes) -> None:
    """A member of `size` bytes of repeated `line`s, written in pieces (it compresses ~1000:1)."""
    with archive.open(name, "w", force_zip64=False) as out:
        piece = line * (MB // len(line))
        written = 0
        while written < size:
            out.write(piece[: size - written])
            written += len(piece[: size - written])


def peak_memory(read: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        read()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def lying_workbook(folder: Path, real_size: int) -> Path:
    path = folder / "areas.xlsx"
    workbook = Workbook()
    workbook.active.append(["code", "name"])
    workbook.save(path)
    padded = folder / "padded.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename == "xl/styles.xml":
                write_large_member(out, item.filename, real_size, b"<!-- padding -->\n")
            else:
                out.writestr(item, source.read(item))
    understate(padded, "xl/styles.xml", 1000)
    return padded


def test_a_workbook_whose_header_understates_a_member_is_refused_without_unpacking_it(
    tmp_path: Path,
) -> None:
    path = lying_workbook(tmp_path, 16 * MB)
    error: list[str] = []

    def read() -> None:
        try:
            list(tabular_files.rows(path, max_columns=10, max_unpacked_bytes=8 * MB))
        except FileError as refusal:
            error.append(str(refusal))

    assert peak_memory(read) < 4 * MB
    assert error == ['"xl/styles.xml" in the file unpacks to more than its header says.']


def test_an_honest_workbook_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "areas.xlsx"
    workbook = Workbook()
    workbook.active.append(["code", "name"])
    workbook.active.append(["a-1", "Near Middle"])
    workbook.save(path)
    rows = list(tabular_files.rows(path, max_columns=2, max_unpacked_bytes=8 * MB))
    assert rows == [["code", "name"], ["a-1", "Near Middle"]]


@pytest.mark.parametrize("size", [4 * MB, 4 * MB + 12_345])
def test_honest_members_of_any_size_pass_the_check(tmp_path: Path, size: int) -> None:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        write_large_member(out, "services.csv", size, b"1,1,Robotics club,active\n")
        out.writestr("stored.csv", "id\n1\n", compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as archive:
        tabular_files.refuse_understated_members(archive)
        assert len(archive.read("services.csv")) == size
