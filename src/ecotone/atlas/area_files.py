"""Reading files of population areas: NCES public schools, or the atlas's own area columns.

Two formats, one result (`AreaFile`): an `AreaRecord` per good row, ready to become a
`PopulationArea`, and the problems found, each naming its row and column
(`ecotone.cells.Problem`). Nothing here writes to the database; `area_import`
checks the records against the ecosystem and applies them.

**NCES** — the Common Core of Data (CCD) public-school layout, as NCES ships it (CSV in UTF-8,
UTF-8 with a byte-order mark, or Latin-1; or XLSX). Columns are found by their CCD names
(NCESSCH, SCH_NAME, LEAID, LAT/LATCOD, ...); the many other columns of a CCD file are ignored.
NCES's missing-data codes (-1 missing, -2 not applicable, -9 not meeting data standards, "M",
"N", blank) mean *unknown*, never zero. A school whose enrolment, coordinates or locale is
unknown, or that lies outside the ecosystem's region, is left out and counted in a note: CCD
files cover a state or the nation, and a coalition imports the schools of its region.

**Areas** — a CSV or XLSX with the columns documented in docs/atlas-data.md (id, name, kind,
lat, lon, locale, youth counts, need indicators as pct_ or share_ columns, district, city). It
is the coalition's own file, so a place outside the region is a problem to fix, not a row to
skip.

Young people by grade band, for NCES schools: the school's total is spread evenly over the
grades it offers (GSLO to GSHI, PreK counted as a grade), the first grades taking the remainder
so the bands add up to the total exactly. CCD's flat files carry no counts by grade, so this is
an estimate; a school with an ungraded or unknown span has its total and no band counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecotone import ccd, tabular_files
from ecotone.ccd import RACE_CODES, parse_count
from ecotone.cells import CellError, Problem, cell_number, cell_text, degrees, fold
from ecotone.tabular_files import FileError
from ecotone.uploads import cell_message, choice_names

from .models import YOUTH_BAND_FIELDS, AreaImportFormat, AreaKind, Locale

MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 150_000
MAX_COLUMNS = 600  # a CCD school file has about 300
MAX_UNPACKED_BYTES = 600 * 1024 * 1024

NCES_MISSING = ccd.MISSING
GENERIC_MISSING = {"", "na", "n/a"}

# NCES urban-centric locale codes (the first digit is the family, a value of `Locale`).
LOCALE_CODES: dict[int, str] = {c.code: Locale(c.family).value for c in ccd.LOCALES}

# Grades as numbers (-1 PreK, 0 kindergarten, 1-12); None: ungraded, adult or not reported.
GRADE_CODES: dict[str, int | None] = {
    "pk": -1,
    "kg": 0,
    **{f"{g:02d}": g for g in range(1, 13)},
    **{str(g): g for g in range(1, 13)},
    "13": 12,  # "grade 13" programs are counted with high school
    "ug": None,
    "ae": None,
}

SHARE_FIELDS = {
    "low_income": "low_income_share",
    "english_learner": "english_learner_share",
    "students_of_color": "students_of_color_share",
    "female": "female_share",
    "disability": "disability_share",
}


@dataclass
class AreaRecord:
    """One area as a file gives it, in PopulationArea's terms."""

    row: int
    code: str
    kind: str
    name: str
    latitude: float
    longitude: float
    locale: str
    youth_total: int
    locale_code: int | None = None
    district_code: str = ""
    district_name: str = ""
    city: str = ""
    lowest_grade: int | None = None
    highest_grade: int | None = None
    youth_prek: int = 0
    youth_k2: int = 0
    youth_3_5: int = 0
    youth_6_8: int = 0
    youth_9_12: int = 0
    low_income_share: float | None = None
    english_learner_share: float | None = None
    students_of_color_share: float | None = None
    female_share: float | None = None
    disability_share: float | None = None
    race_counts: dict[str, int] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The PopulationArea field values (everything but the ecosystem and the source)."""
        values = dict(self.__dict__)
        del values["row"]
        return values


@dataclass
class AreaFile:
    """What a file holds: its good records, its problems, and notes on rows left out."""

    records: list[AreaRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    # reason -> row numbers of the rows left out for it (NCES only)
    left_out: dict[str, list[int]] = field(default_factory=dict)
    # share -> row numbers of schools whose count for it exceeds enrolment (NCES only)
    inconsistent: dict[str, list[int]] = field(default_factory=dict)
    # The fields the file gives, written when an existing area is updated (None: all of them).
    # An areas file without a column leaves that field of existing areas as it is.
    fields: frozenset[str] | None = None

    @property
    def skipped(self) -> int:
        return sum(len(rows) for rows in self.left_out.values())


Region = Callable[[float, float], bool]


# Cells ---------------------------------------------------------------------------------------


def parse_degrees(raw: Any, limit: int, missing: set[str]) -> float | None:
    if fold(cell_text(raw)) in missing:
        return None
    return degrees(raw, limit)


_LOCALE_CODE = re.compile(r"^\s*(\d{2})(?:\.0+)?\s*(?:[-:].*)?$")


def _locale_names() -> dict[str, str]:
    return choice_names(Locale.choices)


def parse_locale(raw: Any, missing: set[str], *, names: bool) -> tuple[int | None, str] | None:
    """(NCES code or None, family) from "11", "11-City: Large" or, when `names`, "rural"."""
    text = cell_text(raw)
    if fold(text) in missing:
        return None
    match = _LOCALE_CODE.match(text)
    if match and int(match.group(1)) in LOCALE_CODES:
        code = int(match.group(1))
        return code, LOCALE_CODES[code]
    if names and (family := _locale_names().get(fold(text))):
        return None, family
    if names:
        raise CellError(
            _(
                "Unknown locale; use city, suburb, town or rural, or an NCES locale code "
                "(11-13 city, 21-23 suburb, 31-33 town, 41-43 rural)."
            )
        )
    raise CellError(
        _(
            "Unknown NCES locale code; expected 11, 12 or 13 (city), 21-23 (suburb), "
            "31-33 (town) or 41-43 (rural)."
        )
    )


def parse_grade(raw: Any) -> int | None:
    """A CCD grade code (PK, KG, 01-12, UG, AE) as a number; None when not a single grade."""
    text = fold(cell_text(raw))
    if text in NCES_MISSING:
        return None
    if text not in GRADE_CODES:
        raise CellError(_("Unknown grade; expected PK, KG, 01 to 12, or UG for ungraded."))
    return GRADE_CODES[text]


def parse_share(raw: Any, *, percent: bool) -> float | None:
    """A need indicator: a percent (0-100, "45%" too) or a share (0-1); None when blank."""
    text = cell_text(raw)
    if fold(text) in GENERIC_MISSING:
        return None
    try:
        value = cell_number(text.removesuffix("%").strip() if isinstance(raw, str) else raw)
    except ValueError:
        value = float("nan")
    if percent:
        if not 0 <= value <= 100:
            raise CellError(_("Expected a percent from 0 to 100, like 42.5."))
        return value / 100
    if not 0 <= value <= 1:
        raise CellError(_("Expected a share from 0 to 1, like 0.425."))
    return value


_identifier = ccd.identifier


def grade_band(grade: int) -> str:
    if grade < 0:
        return "prek"
    if grade <= 2:
        return "k-2"
    if grade <= 5:
        return "3-5"
    if grade <= 8:
        return "6-8"
    return "9-12"


def spread_over_grades(total: int, lowest: int, highest: int) -> dict[str, int]:
    """`total` spread evenly over grades lowest..highest, by band; the bands add up to it."""
    grades = list(range(lowest, highest + 1))
    base, extra = divmod(total, len(grades))
    bands = dict.fromkeys(YOUTH_BAND_FIELDS, 0)
    for index, grade in enumerate(grades):
        bands[grade_band(grade)] += base + (1 if index < extra else 0)
    return bands


# Rows of a file ------------------------------------------------------------------------------


def _rows(path: Path) -> Iterator[list[Any]]:
    return tabular_files.rows(path, max_columns=MAX_COLUMNS, max_unpacked_bytes=MAX_UNPACKED_BYTES)


def _blank_row(cells: list[Any]) -> bool:
    return all(not cell_text(cell) for cell in cells)


def read_area_file(path: Path, format: str, region: Region | None = None) -> AreaFile:
    """The areas a file holds, read by its format, with every problem found (never raises).

    `region(lat, lon)` says whether a place lies in the ecosystem's region; None skips the test.
    """
    result = AreaFile()
    reader: _Reader
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FileError(
                _("The file is larger than %(size)d MB; split it into smaller files.")
                % {"size": MAX_BYTES >> 20}
            )
        rows = enumerate(_rows(path), start=1)
        header: list[Any] | None = None
        header_row = 0
        for index, cells in rows:
            if not _blank_row(cells):
                header, header_row = cells, index
                break
        if header is None:
            raise FileError(_("The file is empty: it needs a header row and a row per area."))
        reader = (
            _NcesReader(result, region)
            if format == AreaImportFormat.NCES
            else _AreasReader(result, region)
        )
        if not reader.read_header(header, header_row):
            return result
        for number, cells in rows:
            if _blank_row(cells):
                continue
            result.rows += 1
            if result.rows > MAX_ROWS:
                raise FileError(
                    _("The file has more than %(count)d rows; split it into smaller files.")
                    % {"count": MAX_ROWS}
                )
            reader.read_row(cells, number)
        if not result.rows:
            raise FileError(_("The file has a header row but no areas."))
    except FileError as error:
        result.problems.append(Problem("", "", str(error)))
        return result
    reader.finish()
    return result


class _Reader:
    """What both formats share: header positions, cells by column, duplicates, problems."""

    id_column = ""

    def __init__(self, result: AreaFile, region: Region | None) -> None:
        self.result = result
        self.percents: dict[str, list[float]] = {}
        self.region = region
        self.positions: dict[str, int] = {}
        self.headers: dict[str, str] = {}  # our column name -> the file's header text
        self.seen: dict[str, int] = {}
        self.cells: list[Any] = []
        self.where = ""
        self.bad = False

    def problem(self, column: str, message: str, where: str | None = None) -> None:
        self.result.problems.append(
            Problem(
                self.where if where is None else where, self.headers.get(column, column), message
            )
        )
        self.bad = True

    def has(self, column: str) -> bool:
        return column in self.positions

    def raw(self, column: str) -> Any:
        index = self.positions.get(column)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def cell(self, column: str, parse: Callable[[Any], Any]) -> Any:
        """The parsed cell, or None when the column is absent or the value bad (reported)."""
        if column not in self.positions:
            return None
        try:
            return parse(self.raw(column))
        except CellError as error:
            self.problem(column, cell_message(error))
            return None

    def start_row(self, cells: list[Any], number: int) -> None:
        self.cells = cells
        self.where = f"row {number}"
        self.bad = False

    def check_duplicate(self, code: str, number: int) -> None:
        if code in self.seen:
            self.problem(
                self.id_column,
                _("Another row (row %(row)d) has this identifier too; each area needs its own.")
                % {"row": self.seen[code]},
            )
        else:
            self.seen[code] = number

    def in_region(self, lat: float, lon: float) -> bool:
        return self.region is None or self.region(lat, lon)

    def read_header(self, header: list[Any], number: int) -> bool:
        raise NotImplementedError

    def read_row(self, cells: list[Any], number: int) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass


# NCES Common Core of Data --------------------------------------------------------------------

NCES_COLUMNS = ccd.COLUMNS
NCES_REQUIRED = ("NCESSCH", "SCH_NAME", "LEAID", "LAT", "LON", "TOTAL", "LOCALE")


class _NcesReader(_Reader):
    id_column = "NCESSCH"

    def read_header(self, header: list[Any], number: int) -> bool:
        titles = {
            cell_text(cell).upper(): index for index, cell in enumerate(header) if cell_text(cell)
        }
        if "NCESSCH" not in titles and {"ID", "YOUTH_TOTAL"} & set(titles):
            self.problem(
                "",
                _(
                    "This looks like an areas file, not an NCES one: choose the format "
                    "“Areas (CSV)”."
                ),
                where="",
            )
            return False
        self.positions, self.headers = ccd.positions(header)
        for name in NCES_REQUIRED:
            if name not in self.positions:
                self.problem(
                    " or ".join(NCES_COLUMNS[name]),
                    _("This column is missing; the NCES file must have it."),
                    where=f"row {number}",
                )
        if not self.has("GSLO") or not self.has("GSHI"):
            self.result.notes.append(
                _(
                    "The file has no GSLO and GSHI columns: schools are imported with their "
                    "total only, without counts by grade band."
                )
            )
        return not self.result.problems

    def leave_out(self, reason: str, number: int) -> None:
        self.result.left_out.setdefault(reason, []).append(number)

    def read_row(self, cells: list[Any], number: int) -> None:
        self.start_row(cells, number)
        code = _identifier(self.raw("NCESSCH"), 12)
        if not code:
            self.problem("NCESSCH", _("Every school needs its NCES school id (NCESSCH)."))
        elif len(code) > 40:
            self.problem("NCESSCH", _("An NCES school id has 12 digits."))
        else:
            self.check_duplicate(code, number)
        name = cell_text(self.raw("SCH_NAME"))
        if not name:
            self.problem("SCH_NAME", _("Every school needs its name."))
        elif len(name) > 200:
            self.problem("SCH_NAME", _("At most 200 characters."))
        missing = NCES_MISSING
        lat = self.cell("LAT", lambda raw: parse_degrees(raw, 90, missing))
        lon = self.cell("LON", lambda raw: parse_degrees(raw, 180, missing))
        total = self.cell("TOTAL", lambda raw: parse_count(raw, missing))
        locale = self.cell("LOCALE", lambda raw: parse_locale(raw, missing, names=False))
        lowest = self.cell("GSLO", parse_grade)
        highest = self.cell("GSHI", parse_grade)
        counts = {
            column: self.cell(column, lambda raw: parse_count(raw, missing))
            for column in (
                "TOTFRL",
                "FRELCH",
                "REDLCH",
                "TOTMENROL",
                "TOTFENROL",
                "LEP",
                *RACE_CODES,
            )
        }
        if lowest is not None and highest is not None and lowest > highest:
            self.problem("GSHI", _("The highest grade comes before the lowest (GSLO)."))
        low_income = counts["TOTFRL"]
        if low_income is None and counts["FRELCH"] is not None and counts["REDLCH"] is not None:
            low_income = counts["FRELCH"] + counts["REDLCH"]
        # NCES publishes a few schools whose lunch or English-learner count exceeds their
        # enrolment. The coalition cannot correct a federal file, so the school is kept with
        # that share unknown (and a note) instead of the whole file being refused.
        if total is not None:
            if low_income is not None and low_income > total:
                self.result.inconsistent.setdefault("low_income", []).append(number)
                low_income = None
            if counts["LEP"] is not None and counts["LEP"] > total:
                self.result.inconsistent.setdefault("english_learners", []).append(number)
                counts["LEP"] = None
        if self.bad:
            return
        if lat is None or lon is None:
            self.leave_out("coordinates", number)
            return
        if total is None:
            self.leave_out("total", number)
            return
        if locale is None:
            self.leave_out("locale", number)
            return
        if not self.in_region(lat, lon):
            self.leave_out("region", number)
            return
        record = AreaRecord(
            row=number,
            code=code,
            kind=AreaKind.SCHOOL.value,
            name=name,
            latitude=lat,
            longitude=lon,
            locale_code=locale[0],
            locale=locale[1],
            youth_total=total,
            district_code=_identifier(self.raw("LEAID"), 7)[:20],
            district_name=cell_text(self.raw("LEA_NAME"))[:200],
            city=cell_text(self.raw("CITY")).title()[:100],
            lowest_grade=lowest,
            highest_grade=highest,
        )
        if lowest is not None and highest is not None:
            bands = spread_over_grades(total, lowest, highest)
            for band, value in bands.items():
                setattr(record, YOUTH_BAND_FIELDS[band], value)
        if total:
            if low_income is not None:
                record.low_income_share = low_income / total
            if counts["LEP"] is not None:
                record.english_learner_share = counts["LEP"] / total
        race = {code: counts[code] for code in RACE_CODES if counts[code] is not None}
        record.race_counts = race
        present = [code for code in RACE_CODES if self.has(code)]
        if "WH" in race and len(race) == len(present) and sum(race.values()):
            everyone = sum(race.values())
            record.students_of_color_share = (everyone - race["WH"]) / everyone
        male, female = counts["TOTMENROL"], counts["TOTFENROL"]
        if male is not None and female is not None and male + female:
            record.female_share = female / (male + female)
        self.result.records.append(record)

    def finish(self) -> None:
        for share, rows in self.result.inconsistent.items():
            count = len(rows)
            shown = _rows_text(rows)
            if share == "low_income":
                message = ngettext(
                    "%(count)d school reports more low-income students (TOTFRL, or FRELCH + "
                    "REDLCH) than students (TOTAL); its share low-income is left unknown: "
                    "%(rows)s.",
                    "%(count)d schools report more low-income students (TOTFRL, or FRELCH + "
                    "REDLCH) than students (TOTAL); their share low-income is left unknown: "
                    "%(rows)s.",
                    count,
                )
            else:
                message = ngettext(
                    "%(count)d school reports more English learners (LEP) than students "
                    "(TOTAL); its share of English learners is left unknown: %(rows)s.",
                    "%(count)d schools report more English learners (LEP) than students "
                    "(TOTAL); their share of English learners is left unknown: %(rows)s.",
                    count,
                )
            self.result.notes.append(message % {"count": count, "rows": shown})
        for reason, rows in self.result.left_out.items():
            count = len(rows)
            shown = _rows_text(rows)
            if reason == "coordinates":
                message = ngettext(
                    "%(count)d school has no coordinates (LAT and LON) and was left out: %(rows)s.",
                    "%(count)d schools have no coordinates (LAT and LON) and were left out: "
                    "%(rows)s.",
                    count,
                )
            elif reason == "total":
                message = ngettext(
                    "%(count)d school has no enrolment count (TOTAL or MEMBER is -1, -2, -9, M, "
                    "N or blank) and was left out: %(rows)s.",
                    "%(count)d schools have no enrolment count (TOTAL or MEMBER is -1, -2, -9, "
                    "M, N or blank) and were left out: %(rows)s.",
                    count,
                )
            elif reason == "locale":
                message = ngettext(
                    "%(count)d school has no locale code and was left out: %(rows)s.",
                    "%(count)d schools have no locale code and were left out: %(rows)s.",
                    count,
                )
            else:
                message = ngettext(
                    "%(count)d school lies outside the ecosystem's region and was left out: "
                    "%(rows)s.",
                    "%(count)d schools lie outside the ecosystem's region and were left out: "
                    "%(rows)s.",
                    count,
                )
            self.result.notes.append(message % {"count": count, "rows": shown})


def _rows_text(rows: list[int]) -> str:
    """ "row 3, row 9, …": the first ten rows a note is about."""
    return ", ".join(f"row {n}" for n in rows[:10]) + (", …" if len(rows) > 10 else "")


# The atlas's own area columns ----------------------------------------------------------------

# Column -> accepted header spellings (folded, "_" and " " alike).
AREA_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "code", "geoid"),
    "name": ("name",),
    "kind": ("kind",),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "locale": ("locale",),
    "youth_total": ("youth_total",),
    **{field_name: (field_name,) for field_name in YOUTH_BAND_FIELDS.values()},
    **{f"pct_{name}": (f"pct_{name}",) for name in SHARE_FIELDS},
    **{f"share_{name}": (f"share_{name}",) for name in SHARE_FIELDS},
    "district": ("district", "district_name"),
    "district_id": ("district_id",),
    "city": ("city",),
}
AREA_REQUIRED = ("id", "name", "kind", "lat", "lon", "locale")


def _header_key(text: str) -> str:
    return fold(text).replace(" ", "_").replace("-", "_")


def _kind_names() -> dict[str, str]:
    found = choice_names(AreaKind.choices)
    found["neighbourhood"] = AreaKind.NEIGHBORHOOD
    return found


def parse_kind(raw: Any) -> str:
    kind = _kind_names().get(fold(cell_text(raw)))
    if kind is None:
        raise CellError(_("Unknown kind; use school, tract, zip or neighborhood."))
    return kind


class _AreasReader(_Reader):
    id_column = "id"

    def read_header(self, header: list[Any], number: int) -> bool:
        lookup = {
            _header_key(spelling): name
            for name, spellings in AREA_COLUMNS.items()
            for spelling in spellings
        }
        titles = {cell_text(cell).upper() for cell in header}
        if "NCESSCH" in titles:
            self.problem(
                "",
                _(
                    "This looks like an NCES school file: choose the format "
                    "“NCES public schools (CCD)”."
                ),
                where="",
            )
            return False
        where = f"row {number}"
        for index, cell in enumerate(header):
            title = cell_text(cell)
            if not title:
                continue
            name = lookup.get(_header_key(title))
            if name is None:
                self.problem(
                    title,
                    _("Unknown column; rename it as in the column guide, or remove it."),
                    where=where,
                )
            elif name in self.positions:
                self.problem(title, _("This column appears twice."), where=where)
            else:
                self.positions[name] = index
                self.headers[name] = title
        for name in AREA_REQUIRED:
            if name not in self.positions:
                self.problem(name, _("This column is missing."), where=where)
        bands = [name for name in YOUTH_BAND_FIELDS.values() if name in self.positions]
        if "youth_total" not in self.positions and not bands:
            self.problem(
                "youth_total",
                _("The file needs a youth_total column, or counts by grade band."),
                where=where,
            )
        for name in SHARE_FIELDS:
            if f"pct_{name}" in self.positions and f"share_{name}" in self.positions:
                self.problem(
                    f"share_{name}",
                    _("Give pct_%(name)s or share_%(name)s, not both.") % {"name": name},
                    where=where,
                )
        given = {"code", "kind", "name", "latitude", "longitude", "locale", "locale_code"}
        given.add("youth_total")
        given |= {name for name in YOUTH_BAND_FIELDS.values() if name in self.positions}
        for short, field_name in SHARE_FIELDS.items():
            if f"pct_{short}" in self.positions or f"share_{short}" in self.positions:
                given.add(field_name)
        for column, field_name in (
            ("district", "district_name"),
            ("district_id", "district_code"),
            ("city", "city"),
        ):
            if column in self.positions:
                given.add(field_name)
        self.result.fields = frozenset(given)
        return not self.result.problems

    def text(self, column: str, limit: int, *, required: bool = False) -> str:
        text = cell_text(self.raw(column))
        if required and not text:
            self.problem(column, _("This cell must be filled in."))
        elif len(text) > limit:
            self.problem(
                column,
                _("At most %(limit)d characters; this has %(count)d.")
                % {"limit": limit, "count": len(text)},
            )
            return ""
        return text

    def read_row(self, cells: list[Any], number: int) -> None:
        self.start_row(cells, number)
        missing = GENERIC_MISSING
        code = self.text("id", 40, required=True)
        if code:
            self.check_duplicate(code, number)
        name = self.text("name", 200, required=True)
        kind = self.cell("kind", parse_kind)
        lat = self.cell("lat", lambda raw: parse_degrees(raw, 90, missing))
        lon = self.cell("lon", lambda raw: parse_degrees(raw, 180, missing))
        for column, value in (("lat", lat), ("lon", lon)):
            if value is None and not self.bad_cell(column):
                self.problem(column, _("This cell must be filled in."))
        locale = self.cell("locale", lambda raw: parse_locale(raw, missing, names=True))
        if locale is None and not self.bad_cell("locale"):
            self.problem("locale", _("This cell must be filled in."))
        total = self.cell("youth_total", lambda raw: parse_count(raw, missing))
        bands = {
            name: self.cell(name, lambda raw: parse_count(raw, missing))
            for name in YOUTH_BAND_FIELDS.values()
        }
        shares: dict[str, float | None] = {}
        for short, field_name in SHARE_FIELDS.items():
            for prefix, percent in (("pct_", True), ("share_", False)):
                column = prefix + short
                if column in self.positions:
                    parse = functools.partial(parse_share, percent=percent)
                    value = self.cell(column, parse)
                    shares[field_name] = value
                    if percent and value is not None:
                        self.percents.setdefault(column, []).append(value)
        district = self.text("district", 200)
        district_id = self.text("district_id", 20)
        city = self.text("city", 100)
        band_sum = sum(value for value in bands.values() if value is not None)
        if total is None and not any(value is not None for value in bands.values()):
            if not any(self.bad_cell(column) for column in ("youth_total", *bands)):
                self.problem(
                    "youth_total",
                    _("Give the number of young people, or their counts by grade band."),
                )
        elif total is not None and band_sum > total:
            self.problem(
                "youth_total",
                _("The grade bands add up to %(sum)d, more than the total of %(total)d.")
                % {"sum": band_sum, "total": total},
            )
        if not self.bad and lat is not None and lon is not None and not self.in_region(lat, lon):
            self.problem(
                "lat",
                _(
                    "(%(lat)s, %(lon)s) is outside the ecosystem's region: check the latitude "
                    "and longitude (swapped? a sign lost?)."
                )
                % {"lat": lat, "lon": lon},
            )
        if self.bad:
            return
        assert lat is not None
        assert lon is not None
        assert locale is not None
        record = AreaRecord(
            row=number,
            code=code,
            kind=str(kind),
            name=name,
            latitude=lat,
            longitude=lon,
            locale_code=locale[0],
            locale=locale[1],
            youth_total=total if total is not None else band_sum,
            district_code=district_id,
            district_name=district,
            city=city,
        )
        for name_, value in bands.items():
            if value is not None:
                setattr(record, name_, value)
        for field_name, share in shares.items():
            setattr(record, field_name, share)
        self.result.records.append(record)

    def bad_cell(self, column: str) -> bool:
        """Whether this row already has a problem in `column` (one problem per cell)."""
        header = self.headers.get(column, column)
        return any(p.where == self.where and p.field == header for p in self.result.problems[-20:])

    def finish(self) -> None:
        for column, values in self.percents.items():
            if values and max(values) <= 0.01 and any(values):
                self.result.notes.append(
                    _(
                        "Every value of %(column)s is 1 or less: percents are read from 0 to 100 "
                        "(a column of shares from 0 to 1 is named share_…)."
                    )
                    % {"column": self.headers.get(column, column)}
                )
