"""`uploads.table_rows`: the one reading of an import's header and rows (the member list's and
the badges' CSV imports), and what it says about a file that cannot be read as a table."""

from __future__ import annotations

from pathlib import Path

from ecotone.cells import Problem
from ecotone.uploads import table_rows

COLUMNS = ("email", "name", "consent")


def _read(
    tmp_path: Path, text: str, max_rows: int = 10
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    rows = list(
        table_rows(
            path, COLUMNS, ("email",), max_rows=max_rows, max_bytes=1 << 20, problems=problems
        )
    )
    return rows, problems


def test_rows_come_by_column_name_with_their_number_and_empty_rows_left_out(tmp_path: Path) -> None:
    rows, problems = _read(tmp_path, "Email, Name ,Other\na@x.org,Ana,1\n,,\n b@x.org ,,\n")
    assert problems == []
    assert rows == [(2, {"email": "a@x.org", "name": "Ana"}), (4, {"email": "b@x.org", "name": ""})]


def test_a_missing_required_column_an_empty_file_and_too_many_rows_are_said(
    tmp_path: Path,
) -> None:
    rows, problems = _read(tmp_path, "name\nAna\n")
    assert rows == []
    assert [(p.where, p.field) for p in problems] == [("row 1", "email")]
    rows, problems = _read(tmp_path, "")
    assert rows == []
    assert [p.message for p in problems] == ["The file is empty."]
    rows, problems = _read(tmp_path, "email\n" + "".join(f"p{i}@x.org\n" for i in range(4)), 3)
    assert len(rows) == 3
    assert [p.message for p in problems] == ["A file may hold up to 3 rows."]
