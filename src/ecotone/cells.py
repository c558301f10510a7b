"""The cells of an uploaded table, read the same way by every import.

Problem: a CSV or XLSX cell arrives as whatever the program that saved it chose (a string with
stray spaces, thousands separators or accents, an int, a float standing for an int, a bool,
nothing), and the directory's spreadsheet, its HSDS import and the atlas's area files each need
text, numbers, coordinates and names matched whatever their case or accents.

Method: small pure functions, each O(length of the cell): `cell_text` (what a cell says, "12"
for 12.0), `fold` (the form in which case, accents, dashes and spacing do not matter),
`cell_number` (ValueError for anything that is not one), `degrees` (a latitude or longitude
within its limit), `cell_flag` (a yes or no), `header_positions` (a first row's columns). A
cell that cannot be used raises `CellError`, whose message says what was expected; the
messages here are English msgids (marked for the catalogue) with their parameters, put in the
person's language by `uploads.cell_message` where the error becomes a `Problem`.

Django-free and strictly typed; tests/test_cells.py states the properties.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


def _untranslated(message: str) -> str:
    return message


# Marks a message for the catalogue (by the name makemessages looks for); `uploads.cell_message`
# translates it.
gettext_noop = _untranslated


DEGREES = gettext_noop("Expected decimal degrees from -%(limit)d to %(limit)d.")


class CellError(ValueError):
    """One cell's value cannot be used; the message says what is expected.

    `message` is either already in the person's language (an app's own parser translates it)
    or, with `params`, one of this module's English msgids."""

    def __init__(self, message: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = dict(params or {})

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


@dataclass(frozen=True)
class Problem:
    """Why part of a file cannot be imported, said so a person can fix it."""

    where: str  # "row 12", "services.csv row 4", "services[3]", or "" for the whole file
    field: str  # the column or HSDS field ("locations[0].latitude"), or "" for the whole record
    message: str

    def __str__(self) -> str:
        place = ", ".join(part for part in (self.where, self.field) if part)
        return f"{place}: {self.message}" if place else self.message


def fold(text: str) -> str:
    """Case, accents, dashes and spacing do not matter when matching names and codes."""
    text = unicodedata.normalize("NFKD", text.replace("–", "-").replace("—", "-"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def cell_text(raw: object) -> str:
    """What a cell says, stripped: "" for nothing, "12" for a whole number stored as 12.0."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


# How a sheet says yes or no (English and Spanish), after `fold`: the one reading of a yes/no
# cell, for the directory's spreadsheet and every import with a yes/no column.
YES = frozenset({"yes", "y", "true", "1", "x", "si"})
NO = frozenset({"no", "n", "false", "0"})


def cell_flag(raw: object, *, empty: bool | None = None) -> bool | None:
    """A yes/no cell: True, False, `empty` for an empty cell, None for anything else (the
    caller says why that is wrong). A spreadsheet's own TRUE/FALSE cells are read as such."""
    if isinstance(raw, bool):
        return raw
    folded = fold(cell_text(raw))
    if not folded:
        return empty
    if folded in YES:
        return True
    if folded in NO:
        return False
    return None


def header_positions(
    header: Sequence[object], required: Iterable[str]
) -> tuple[dict[str, int], list[str]]:
    """Where each column of a file's first row is, by its folded name with spaces as
    underscores ("Email consent" -> "email_consent"), and the required columns it lacks."""
    positions = {fold(cell_text(name)).replace(" ", "_"): i for i, name in enumerate(header)}
    return positions, [name for name in required if name not in positions]


def cell_number(raw: object, *, thousands: bool = True) -> float:
    """A cell's number. With `thousands`, commas are thousands separators ("1,200").
    ValueError for a bool or anything that does not read as a number."""
    if isinstance(raw, bool):
        raise ValueError("a yes or no is not a number")
    try:
        if isinstance(raw, int | float):
            return float(raw)
        written = cell_text(raw)
        return float(written.replace(",", "") if thousands else written)
    except OverflowError:
        raise ValueError("too large") from None


def degrees(raw: object, limit: int) -> float:
    """A latitude (`limit` 90) or longitude (180) in decimal degrees, within ±limit."""
    try:
        value = cell_number(raw)
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:
        raise CellError(DEGREES, {"limit": limit})
    return value
