"""The NCES Common Core of Data (CCD) school file, read the same way by every app.

Problem: the access atlas reads a CCD school file for its areas (enrolment, locale, shares) and
shared measurement reads the same file for the region's membership by sex and race; both must
find the same columns under NCES's several spellings, read NCES's missing-data codes as
*unknown* (never zero) and put back the leading zeros a spreadsheet drops from an id.

Method: the column names and the cell parsers live here, Django-free; each app keeps only what
it makes of a row (`atlas.area_files`, `measures.public_files`). A cell that cannot be used
raises `cells.CellError` with an English msgid, put in the person's language by
`uploads.cell_message`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ecotone.cells import CellError, cell_number, cell_text, fold, gettext_noop

# -1 missing, -2 not applicable, -9 not meeting data standards, "M" and "N" likewise.
MISSING = {"", "-1", "-2", "-9", "m", "n"}

# CCD's race/ethnicity columns (a school's membership of each).
RACE_CODES = ("AM", "AS", "BL", "HP", "HI", "TR", "WH")

# Our name -> the CCD column names that may hold it, in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "NCESSCH": ("NCESSCH",),
    "SCH_NAME": ("SCH_NAME", "SCHNAM"),
    "LEAID": ("LEAID",),
    "LEA_NAME": ("LEA_NAME", "LEANM"),
    "LAT": ("LAT", "LATCOD", "LATITUDE"),
    "LON": ("LON", "LONCOD", "LONGITUDE"),
    "GSLO": ("GSLO",),
    "GSHI": ("GSHI",),
    "TOTAL": ("TOTAL", "MEMBER"),
    "TOTFRL": ("TOTFRL",),
    "FRELCH": ("FRELCH",),
    "REDLCH": ("REDLCH",),
    "LOCALE": ("ULOCALE", "LOCALE", "ULOCAL"),
    "TOTMENROL": ("TOTMENROL",),
    "TOTFENROL": ("TOTFENROL",),
    "LEP": ("LEP",),
    "CITY": ("LCITY", "MCITY"),
    **{code: (code,) for code in RACE_CODES},
    # membership by race and sex: AMALM (American Indian male), AMALF (female), ...
    **{f"{code}AL{sex}": (f"{code}AL{sex}",) for code in RACE_CODES for sex in ("M", "F")},
}


@dataclass(frozen=True)
class LocaleCode:
    """An NCES urban-centric locale (CCD's ULOCALE, "11-City: Large"): its family (the first
    digit: the atlas's `Locale`) and its name in English and Spanish."""

    code: int
    family: str  # city, suburb, town, rural
    en: str
    es: str


# The atlas reads areas' locales by these codes and shared measurement breaks values down by
# them: one table for both.
LOCALES: tuple[LocaleCode, ...] = (
    LocaleCode(11, "city", "City: Large", "Ciudad: grande"),
    LocaleCode(12, "city", "City: Mid-size", "Ciudad: mediana"),
    LocaleCode(13, "city", "City: Small", "Ciudad: pequeña"),
    LocaleCode(21, "suburb", "Suburb: Large", "Suburbio: grande"),
    LocaleCode(22, "suburb", "Suburb: Mid-size", "Suburbio: mediano"),
    LocaleCode(23, "suburb", "Suburb: Small", "Suburbio: pequeño"),
    LocaleCode(31, "town", "Town: Fringe", "Pueblo: periférico"),
    LocaleCode(32, "town", "Town: Distant", "Pueblo: distante"),
    LocaleCode(33, "town", "Town: Remote", "Pueblo: remoto"),
    LocaleCode(41, "rural", "Rural: Fringe", "Rural: periférico"),
    LocaleCode(42, "rural", "Rural: Distant", "Rural: distante"),
    LocaleCode(43, "rural", "Rural: Remote", "Rural: remoto"),
)

COUNT = gettext_noop("Expected a whole number of students, like 240.")
NEGATIVE = gettext_noop("A count cannot be negative; leave the cell blank when it is unknown.")


def positions(header: Iterable[Any]) -> tuple[dict[str, int], dict[str, str]]:
    """Where each of our columns is in a CCD header row: (name -> index, name -> the header
    text found), for the columns the file has."""
    titles = {cell_text(cell).upper(): i for i, cell in enumerate(header) if cell_text(cell)}
    found: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for name, candidates in COLUMNS.items():
        for candidate in candidates:
            if candidate in titles:
                found[name] = titles[candidate]
                spelled[name] = candidate
                break
    return found, spelled


def parse_count(raw: Any, missing: set[str] = MISSING) -> int | None:
    """A head count; None when the cell holds a missing-data code."""
    if fold(cell_text(raw)) in missing:
        return None
    try:
        number = cell_number(raw)
    except ValueError:
        raise CellError(COUNT) from None
    if number < 0:
        raise CellError(NEGATIVE)
    if not number.is_integer() or number > 10_000_000:
        raise CellError(COUNT)
    return int(number)


def identifier(raw: Any, digits: int) -> str:
    """An NCES id; leading zeros a spreadsheet dropped are put back."""
    text = cell_text(raw)
    if text.isdigit() and len(text) < digits:
        text = text.zfill(digits)
    return text
