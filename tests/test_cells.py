"""The cells of an uploaded table (ecotone.cells): properties every import relies on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotone.cells import (
    NO,
    YES,
    CellError,
    Problem,
    cell_flag,
    cell_number,
    cell_text,
    degrees,
    fold,
    header_positions,
)

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)


@given(st.text())
def test_folding_is_idempotent_and_ignores_case_and_spacing(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    if text.isascii():
        assert fold(text.upper()) == folded
    assert fold(f"  {text}\t ") == folded
    assert "  " not in folded
    assert folded == folded.strip()


def test_folding_ignores_accents_and_long_dashes() -> None:
    assert fold("  Ciencias—Matemáticas ") == fold("ciencias-matematicas")
    assert fold("ÑANDÚ") == "nandu"


@given(cells)
def test_the_text_of_a_cell_is_stripped_and_whole_floats_lose_their_point(raw: object) -> None:
    text = cell_text(raw)
    assert text == text.strip()
    if raw is None:
        assert text == ""
    if isinstance(raw, float) and raw.is_integer():
        assert text == str(int(raw))


@given(cells)
def test_a_number_is_a_float_or_a_value_error_never_another_exception(raw: object) -> None:
    try:
        value = cell_number(raw)
    except ValueError:
        assert isinstance(raw, bool) or not isinstance(raw, int | float) or abs(raw) > 1e308
        return
    assert isinstance(value, float)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_numbers_read_back_with_and_without_thousands_separators(n: int) -> None:
    assert cell_number(f"{n:,}") == n
    assert cell_number(f" {n} ", thousands=False) == n
    assert cell_number(n) == n
    if abs(n) >= 1000:
        with pytest.raises(ValueError, match="could not convert"):
            cell_number(f"{n:,}", thousands=False)


def test_a_yes_or_no_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="yes or no"):
        cell_number(True)
    with pytest.raises(ValueError, match="too large"):
        cell_number(10**400)


@given(st.sampled_from([90, 180]), cells)
def test_degrees_are_within_their_limit_or_refused_with_the_limit(limit: int, raw: object) -> None:
    try:
        value = degrees(raw, limit)
    except CellError as error:
        refused = error
    else:
        assert -limit <= value <= limit
        assert math.isfinite(value)
        return
    assert refused.params == {"limit": limit}
    assert str(refused) == f"Expected decimal degrees from -{limit} to {limit}."


@given(st.floats(min_value=-90, max_value=90))
def test_any_latitude_written_as_text_reads_back(latitude: float) -> None:
    assert degrees(repr(latitude), 90) == latitude


def test_a_problem_says_where_and_what() -> None:
    assert str(Problem("row 3", "lat", "Expected decimal degrees.")) == (
        "row 3, lat: Expected decimal degrees."
    )
    assert str(Problem("", "", "The file is empty.")) == "The file is empty."


def test_a_cell_error_of_an_app_keeps_its_message_as_given() -> None:
    assert str(CellError("Esperábamos 50%")) == "Esperábamos 50%"


@given(st.sampled_from(sorted(YES | NO)), st.sampled_from(["", " ", "  "]))
def test_a_yes_or_no_reads_the_same_whatever_its_case_accent_or_spaces(word: str, pad: str) -> None:
    written = f"{pad}{word.upper()}{pad}".replace("SI", "SÍ")
    assert cell_flag(written) is (word in YES)


def test_a_yes_or_no_cell_says_none_for_anything_else_and_empty_as_told() -> None:
    assert cell_flag(True) is True
    assert cell_flag(0) is False
    assert cell_flag("maybe") is None
    assert cell_flag("") is None
    assert cell_flag("  ", empty=False) is False


def test_a_header_names_its_columns_by_folded_name_and_the_required_it_lacks() -> None:
    positions, missing = header_positions([" Email ", "Email consent", "NAME"], ["email", "zip"])
    assert positions == {"email": 0, "email_consent": 1, "name": 2}
    assert missing == ["zip"]
