"""The flat spreadsheet: one row per program and location, in CSV or XLSX, both ways.

For partners who live in spreadsheets. `COLUMNS` is the one description of the format: the
reader, the writer, the template and the column guide (page and sheet) all follow it.

Reading (`read_spreadsheet`) turns a file into a `Batch` of HSDS 3.0 services shaped as
`hsds/export.py`'s `service_full` writes them, so the one importer handles spreadsheets and HSDS
files alike. Rows of the same program (the same `program_id`, or for a new program the same
organization and program name) become one service with a service_at_location per location;
rows of the same program and location add schedules to it. A program's columns may be left
blank on its later rows; two different values are a problem naming both rows. Rows naming the
same location (the same `location_id`, or the same name, street address and ZIP code) share
one location record. Every cell is checked; each problem names its row (as the spreadsheet
program numbers it, the header being row 1) and its column.

A sheet changes only what it shows: for programs and locations the directory already has, what
the file has no column for (HSDS fields the sheet lacks, columns left out of the file) is taken
from the directory's current record (`Existing`), so the importer, which reads an absent value
as empty, does not erase it.

Writing (`export_rows`, `csv_chunks`, `xlsx_bytes`) flattens the same HSDS records back into
those columns, so export -> import -> export gives the same sheet. Coordinates that came from
a ZIP code's center are written blank: an import places them there again.
"""

from __future__ import annotations

import difflib
import io
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import F, QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone import exports, tabular_files
from ecotone.cells import CellError, Problem, cell_number, cell_text, degrees, fold
from ecotone.ecosystems.models import Ecosystem
from ecotone.tabular_files import FileError
from ecotone.uploads import cell_message, choice_names

from .. import geocoding, stem_profile
from ..hsds import export as hsds
from ..imports.batch import Batch, Record
from ..models import (
    CoordinatesSource,
    CostBand,
    Delivery,
    Frequency,
    Location,
    LocationType,
    MentoringDepth,
    Program,
    ProgramStatus,
    Term,
    Weekday,
)
from ..taxonomy import NAMESPACE, PROFILE, PROFILE_FIELDS_BY_CODE, STEM_TAXONOMY_ID

Label = str | Promise

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
SEPARATOR = ";"
# Ids for organizations named in a spreadsheet: the importer finds the partner by name.
SPREADSHEET_NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000003")


@dataclass(frozen=True)
class Column:
    name: str
    label: Label
    meaning: Label
    kind: str  # a key of PARSERS
    example: str
    required: bool = False
    part: str = "program"  # "program", "location" or "schedule": which rows must agree
    choices: tuple[tuple[str, Label], ...] = ()
    max_length: int | None = None

    @property
    def multiple(self) -> bool:
        return self.kind in ("terms", "languages", "list")

    def format(self) -> str:
        """What a cell holds, said for the column guide."""
        text = str(FORMATS[self.kind])
        if self.choices:
            text += " " + _("Allowed:") + " " + ", ".join(code for code, _label in self.choices)
        if self.max_length:
            text += " " + _("At most %(count)d characters.") % {"count": self.max_length}
        return text


FORMATS: dict[str, Label] = {
    "id": gettext_lazy("An id written by Ecotone's export. Leave blank for a new record."),
    "text": gettext_lazy("Text."),
    "url": gettext_lazy("A web address starting with https:// or http://."),
    "email": gettext_lazy("An email address."),
    "int": gettext_lazy("A whole number."),
    "age": gettext_lazy("A whole number from 0 to 99."),
    "decimal": gettext_lazy("A decimal number."),
    "bool": gettext_lazy("yes or no (sí/no, true/false, 1/0). Blank means no."),
    "choice": gettext_lazy("One value: its code or its name in English or Spanish."),
    "terms": gettext_lazy("Several values separated by ';': codes or names in English or Spanish."),
    "languages": gettext_lazy(
        "ISO 639-1 language codes separated by ';' (en; es), or the languages' names."
    ),
    "list": gettext_lazy(
        "Several values separated by ';'. A ';' inside a value is written \\; (and a \\ as \\\\)."
    ),
    "zip": gettext_lazy("A US ZIP code: 5 digits, or ZIP+4."),
    "latitude": gettext_lazy("Decimal degrees from -90 to 90."),
    "longitude": gettext_lazy("Decimal degrees from -180 to 180."),
    "days": gettext_lazy(
        "Days separated by ';': Mon;Wed, Monday;Wednesday, lun;mié, or a range Mon-Fri."
    ),
    "time": gettext_lazy("A time of day: 15:30 or 3:30 PM."),
    "date": gettext_lazy("A date: 2026-09-14 (also 9/14/2026)."),
}


def _facet_choices(facet: stem_profile.Facet) -> tuple[tuple[str, Label], ...]:
    return facet.terms


COLUMNS: tuple[Column, ...] = (
    Column(
        "program_id",
        gettext_lazy("Program id"),
        gettext_lazy(
            "Ecotone's id of the program (HSDS service id). Blank for a new program; keep it "
            "as exported to update one."
        ),
        "id",
        "",
    ),
    Column(
        "organization",
        gettext_lazy("Organization"),
        gettext_lazy(
            "The partner organization that runs the program, by its name in Ecotone. It must "
            "already be a partner of the ecosystem."
        ),
        "text",
        "Robotics For All",
        required=True,
        max_length=200,
    ),
    Column(
        "program_name",
        gettext_lazy("Program name"),
        gettext_lazy("The program's name as families see it."),
        "text",
        "Robotics Club",
        required=True,
        max_length=200,
    ),
    Column(
        "description",
        gettext_lazy("Description"),
        gettext_lazy("What participants do and learn."),
        "text",
        "Teams build and program robots for the regional competition.",
    ),
    Column(
        "url",
        gettext_lazy("Web page"),
        gettext_lazy("The program's web page."),
        "url",
        "https://example.org/robotics",
        max_length=200,
    ),
    Column(
        "email",
        gettext_lazy("Email"),
        gettext_lazy("Where families write with questions."),
        "email",
        "club@example.org",
        max_length=254,
    ),
    Column(
        "phone",
        gettext_lazy("Phone"),
        gettext_lazy("Where families call with questions."),
        "text",
        "(555) 010-0001",
        max_length=40,
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        gettext_lazy("Whether the program runs. Blank means active; defunct programs are hidden."),
        "choice",
        "active",
        choices=tuple(ProgramStatus.choices),
    ),
    Column(
        "minimum_age",
        gettext_lazy("Minimum age"),
        gettext_lazy("Youngest age accepted."),
        "age",
        "11",
    ),
    Column(
        "maximum_age",
        gettext_lazy("Maximum age"),
        gettext_lazy("Oldest age accepted."),
        "age",
        "14",
    ),
    Column(
        "grade_bands",
        stem_profile.GRADE_BANDS.label,
        gettext_lazy("School grades the program is for."),
        "terms",
        "6-8; 9-12",
        choices=_facet_choices(stem_profile.GRADE_BANDS),
    ),
    Column(
        "stem_fields",
        stem_profile.STEM_FIELDS.label,
        gettext_lazy("What the program is about."),
        "terms",
        "robotics; engineering",
        choices=_facet_choices(stem_profile.STEM_FIELDS),
    ),
    Column(
        "activity_types",
        stem_profile.ACTIVITY_TYPES.label,
        gettext_lazy("What kind of activity it is."),
        "terms",
        "afterschool-club",
        choices=_facet_choices(stem_profile.ACTIVITY_TYPES),
    ),
    Column(
        "focus_populations",
        stem_profile.FOCUS_POPULATIONS.label,
        gettext_lazy("Young people the program is designed for, if any in particular."),
        "terms",
        "girls",
        choices=_facet_choices(stem_profile.FOCUS_POPULATIONS),
    ),
    Column(
        "delivery",
        gettext_lazy("Delivery"),
        gettext_lazy("In person, virtual or both. Blank means in person."),
        "choice",
        "in_person",
        choices=tuple(Delivery.choices),
    ),
    Column(
        "transportation_provided",
        gettext_lazy("Transportation provided"),
        gettext_lazy("Whether the program brings participants there and back."),
        "bool",
        "no",
    ),
    Column(
        "cost_band",
        gettext_lazy("Cost"),
        gettext_lazy("What taking part costs a family. Blank means free."),
        "choice",
        "low",
        choices=tuple(CostBand.choices),
    ),
    Column("fees", gettext_lazy("Fees"), gettext_lazy("The fees in words."), "text", "$40 a term"),
    Column(
        "scholarships",
        gettext_lazy("Scholarships available"),
        gettext_lazy("Whether scholarships or fee waivers are offered."),
        "bool",
        "yes",
    ),
    Column(
        "languages",
        gettext_lazy("Languages"),
        gettext_lazy("Languages the program is taught in."),
        "languages",
        "en; es",
    ),
    Column(
        "mentoring_depth",
        gettext_lazy("Mentoring"),
        gettext_lazy("Time each participant spends with a mentor. Blank means none."),
        "choice",
        "medium",
        choices=tuple(MentoringDepth.choices),
    ),
    Column(
        "seats", gettext_lazy("Seats"), gettext_lazy("How many can take part at once."), "int", "20"
    ),
    Column(
        "term",
        gettext_lazy("Term"),
        gettext_lazy("When in the year it runs. Blank means the school year."),
        "choice",
        "fall",
        choices=tuple(Term.choices),
    ),
    Column(
        "participants_last_year",
        gettext_lazy("Participants last year"),
        gettext_lazy("How many took part last year: a count only, never names."),
        "int",
        "35",
    ),
    Column(
        "funding_sources",
        gettext_lazy("Funding sources"),
        gettext_lazy("Who funds the program."),
        "list",
        "City STEM Fund; Acme Foundation",
    ),
    Column(
        "partner_organizations",
        gettext_lazy("Partner organizations"),
        gettext_lazy("Other partners of the ecosystem the program works with, by name."),
        "list",
        "Eastside Library",
    ),
    Column(
        "location_id",
        gettext_lazy("Location id"),
        gettext_lazy(
            "Ecotone's id of the location. Blank for a new location; rows with the same location "
            "name, street address and ZIP code share one."
        ),
        "id",
        "",
        part="location",
    ),
    Column(
        "location_name",
        gettext_lazy("Location name"),
        gettext_lazy("Where the program meets. Blank for a program with no fixed place."),
        "text",
        "Riverton Makerspace",
        part="location",
        max_length=200,
    ),
    Column(
        "address_1",
        gettext_lazy("Street address"),
        gettext_lazy("Street and number."),
        "text",
        "12 Main Street",
        part="location",
        max_length=200,
    ),
    Column(
        "city",
        gettext_lazy("City"),
        gettext_lazy("City or town."),
        "text",
        "Riverton",
        part="location",
        max_length=100,
    ),
    Column(
        "state",
        gettext_lazy("State"),
        gettext_lazy("Two-letter state code."),
        "text",
        "OH",
        part="location",
        max_length=50,
    ),
    Column(
        "postal_code",
        gettext_lazy("ZIP code"),
        gettext_lazy("The location's ZIP code."),
        "zip",
        "43215",
        part="location",
    ),
    Column(
        "latitude",
        gettext_lazy("Latitude"),
        gettext_lazy(
            "Where the location is on the map. Blank: the center of its ZIP code, shown as "
            "approximate."
        ),
        "latitude",
        "39.9612",
        part="location",
    ),
    Column(
        "longitude",
        gettext_lazy("Longitude"),
        gettext_lazy("Fill in with the latitude, or leave both blank."),
        "longitude",
        "-82.9988",
        part="location",
    ),
    Column(
        "virtual_url",
        gettext_lazy("Online address"),
        gettext_lazy(
            "Where an online program meets; a row with it and no street address is "
            "an online location."
        ),
        "url",
        "",
        part="location",
        max_length=200,
    ),
    Column(
        "days",
        gettext_lazy("Days"),
        gettext_lazy("Days of the week the program meets."),
        "days",
        "Mon;Wed",
        part="schedule",
    ),
    Column(
        "frequency",
        gettext_lazy("Repeats"),
        gettext_lazy("How often those days repeat. Blank means weekly."),
        "choice",
        "weekly",
        part="schedule",
        choices=tuple((c.lower(), label) for c, label in Frequency.choices),
    ),
    Column(
        "start_time",
        gettext_lazy("Start time"),
        gettext_lazy("When a session starts."),
        "time",
        "15:30",
        part="schedule",
    ),
    Column(
        "end_time",
        gettext_lazy("End time"),
        gettext_lazy("When a session ends."),
        "time",
        "17:00",
        part="schedule",
    ),
    Column(
        "first_date",
        gettext_lazy("First date"),
        gettext_lazy("Date of the first session."),
        "date",
        "2026-09-14",
        part="schedule",
    ),
    Column(
        "last_date",
        gettext_lazy("Last date"),
        gettext_lazy("Date of the last session."),
        "date",
        "2026-12-16",
        part="schedule",
    ),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
HEADERS = tuple(column.name for column in COLUMNS)
FACET_COLUMNS = {
    "grade_bands": stem_profile.GRADE_BANDS,
    "stem_fields": stem_profile.STEM_FIELDS,
    "activity_types": stem_profile.ACTIVITY_TYPES,
    "focus_populations": stem_profile.FOCUS_POPULATIONS,
}
# Columns kept in a `profile/<field>` attribute, and the model field behind each.
PROFILE_COLUMNS = {
    "delivery": "delivery",
    "transportation_provided": "transportation_provided",
    "cost_band": "cost_band",
    "scholarships": "scholarships",
    "mentoring_depth": "mentoring_depth",
    "seats": "seats",
    "term": "term",
    "participants_last_year": "participants_last_year",
}
DEFAULTS = {
    "status": ProgramStatus.ACTIVE.value,
    "delivery": Delivery.IN_PERSON.value,
    "cost_band": CostBand.FREE.value,
    "mentoring_depth": MentoringDepth.NONE.value,
    "term": Term.SCHOOL_YEAR.value,
    "transportation_provided": False,
    "scholarships": False,
}


# Reading cells -------------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def parse_id(raw: Any, column: Column) -> str:
    try:
        return str(uuid.UUID(cell_text(raw)))
    except ValueError:
        raise CellError(
            _("Not an id written by Ecotone; leave it blank for a new record.")
        ) from None


def parse_text(raw: Any, column: Column) -> str:
    text = cell_text(raw)
    if column.max_length and len(text) > column.max_length:
        raise CellError(
            _("At most %(limit)d characters; this has %(count)d.")
            % {"limit": column.max_length, "count": len(text)}
        )
    return text


def parse_url(raw: Any, column: Column) -> str:
    text = parse_text(raw, column)
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise CellError(_("Not a web address; it should start with https://.")) from None
    return text


def parse_email(raw: Any, column: Column) -> str:
    text = parse_text(raw, column)
    try:
        EmailValidator()(text)
    except ValidationError:
        raise CellError(_("Not an email address.")) from None
    return text


def parse_int(raw: Any, column: Column) -> int:
    try:
        number = cell_number(raw)
    except ValueError:
        number = -1.5
    if not number.is_integer() or number < 0 or number > 10_000_000:
        raise CellError(_("Expected a whole number, like 20."))
    return int(number)


def parse_age(raw: Any, column: Column) -> int:
    age = parse_int(raw, column)
    if age > 99:
        raise CellError(_("Expected an age from 0 to 99."))
    return age


def parse_latitude(raw: Any, column: Column) -> float:
    return degrees(raw, 90)


def parse_longitude(raw: Any, column: Column) -> float:
    return degrees(raw, 180)


TRUE = {"yes", "y", "true", "1", "si", "x"}
FALSE = {"no", "n", "false", "0"}


def parse_bool(raw: Any, column: Column) -> bool:
    if isinstance(raw, bool):
        return raw
    folded = fold(cell_text(raw))
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise CellError(_("Expected yes or no."))


_CHOICE_LOOKUPS: dict[str, dict[str, str]] = {}


def _choice_lookup(column: Column) -> dict[str, str]:
    if column.name not in _CHOICE_LOOKUPS:
        _CHOICE_LOOKUPS[column.name] = choice_names(column.choices)
    return _CHOICE_LOOKUPS[column.name]


def _unknown(value: str, column: Column) -> CellError:
    codes = ", ".join(code for code, _label in column.choices)
    return CellError(_("“%(value)s” is not one of: %(codes)s.") % {"value": value, "codes": codes})


def parse_choice(raw: Any, column: Column) -> str:
    text = cell_text(raw)
    code = _choice_lookup(column).get(fold(text))
    if code is None:
        raise _unknown(text, column)
    return code


def parse_terms(raw: Any, column: Column) -> list[str]:
    facet = FACET_COLUMNS[column.name]
    lookup = _choice_lookup(column)
    codes: list[str] = []
    for part in _split(cell_text(raw)):
        folded = fold(part)
        if folded.startswith(facet.code + "/"):
            folded = folded.split("/", 1)[1]
        code = lookup.get(folded)
        if code is None:
            raise _unknown(part, column)
        if code not in codes:
            codes.append(code)
    return codes


def _language_lookup() -> dict[str, str]:
    found: dict[str, str] = {}
    for code, info in LANG_INFO.items():
        if "name" not in info or "-" in code or len(code) > 3:
            continue
        found[code] = code
        found.setdefault(fold(info["name"]), code)
        found.setdefault(fold(info["name_local"]), code)
    return found


LANGUAGES = _language_lookup()


def language_name(code: str) -> str:
    return str(LANG_INFO.get(code, {}).get("name", ""))


def parse_languages(raw: Any, column: Column) -> list[str]:
    codes: list[str] = []
    for part in _split(cell_text(raw)):
        code = LANGUAGES.get(fold(part))
        if code is None:
            raise CellError(
                _("“%(value)s” is not an ISO 639-1 language code such as en or es.")
                % {"value": part}
            )
        if code not in codes:
            codes.append(code)
    return codes


def _split_escaped(text: str) -> list[str]:
    """Values separated by ";" (or line breaks), where "\\;" is a ";" inside a value and "\\\\" a
    backslash; any other backslash is itself."""
    parts, current = [], ""
    chars = iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current += following if following in (";", "\\") else char + following
        elif char in ";\n":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def escape_list_value(value: str) -> str:
    """A value of a list cell as the writer writes it: its ";" (and "\\") escaped."""
    return value.replace("\\", "\\\\").replace(";", "\\;")


def parse_list(raw: Any, column: Column) -> list[str]:
    values: list[str] = []
    for part in _split_escaped(cell_text(raw)):
        if len(part) > 200:
            raise CellError(_("Each value may have at most 200 characters."))
        if part not in values:
            values.append(part)
    return values


def parse_zip(raw: Any, column: Column) -> str:
    text = cell_text(raw)
    if isinstance(raw, int | float) and len(text) < 5:
        text = text.zfill(5)  # a spreadsheet program dropped the leading zero of 02134
    if not re.fullmatch(r"\d{5}(-\d{4})?", text):
        raise CellError(_("Expected a US ZIP code: 5 digits, like 43215."))
    return text


DAY_NAMES: dict[str, str] = {}
for _code, _english, _spanish in (
    ("MO", "monday", "lunes"),
    ("TU", "tuesday", "martes"),
    ("WE", "wednesday", "miercoles"),
    ("TH", "thursday", "jueves"),
    ("FR", "friday", "viernes"),
    ("SA", "saturday", "sabado"),
    ("SU", "sunday", "domingo"),
):
    for _name in (_code.lower(), _english, _english[:3], _spanish, _spanish[:3]):
        DAY_NAMES[_name] = _code
DAY_NAMES.update({"tues": "TU", "thu": "TH", "thur": "TH", "thurs": "TH"})
WEEK = [code for code, _label in Weekday.choices]
DAY_ABBREVIATIONS = {
    "MO": "Mon",
    "TU": "Tue",
    "WE": "Wed",
    "TH": "Thu",
    "FR": "Fri",
    "SA": "Sat",
    "SU": "Sun",
}


def parse_days(raw: Any, column: Column) -> list[str]:
    days: list[str] = []
    for part in re.split(r"[;,/\s]+", fold(cell_text(raw))):
        if not part:
            continue
        ends = part.split("-")
        if len(ends) == 2 and ends[0] in DAY_NAMES and ends[1] in DAY_NAMES:
            first, last = WEEK.index(DAY_NAMES[ends[0]]), WEEK.index(DAY_NAMES[ends[1]])
            if first > last:
                raise CellError(_("The range “%(value)s” runs backwards.") % {"value": part})
            chosen = WEEK[first : last + 1]
        elif part in DAY_NAMES:
            chosen = [DAY_NAMES[part]]
        else:
            raise CellError(
                _("“%(value)s” is not a day of the week; write Mon;Wed or Monday;Wednesday.")
                % {"value": part}
            )
        days.extend(day for day in chosen if day not in days)
    return sorted(days, key=WEEK.index)


def parse_time(raw: Any, column: Column) -> time:
    if isinstance(raw, datetime):
        return raw.time().replace(second=0, microsecond=0)
    if isinstance(raw, time):
        return raw.replace(second=0, microsecond=0)
    text = fold(cell_text(raw)).replace(".", "")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::00)?\s*(am|pm|a|p)?", text)
    if match:
        hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half.startswith("p") else 0)
        elif half:
            hour = 99
        if (match[2] or half) and hour < 24 and minute < 60:
            return time(hour, minute)
    raise CellError(_("Expected a time of day, like 15:30 or 3:30 PM."))


def parse_date(raw: Any, column: Column) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw)
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Expected a date, like 2026-09-14."))


PARSERS: dict[str, Callable[[Any, Column], Any]] = {
    "id": parse_id,
    "text": parse_text,
    "url": parse_url,
    "email": parse_email,
    "int": parse_int,
    "age": parse_age,
    "bool": parse_bool,
    "choice": parse_choice,
    "terms": parse_terms,
    "languages": parse_languages,
    "list": parse_list,
    "zip": parse_zip,
    "latitude": parse_latitude,
    "longitude": parse_longitude,
    "days": parse_days,
    "time": parse_time,
    "date": parse_date,
}


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


# Reading files -------------------------------------------------------------------------------


def _header_lookup() -> dict[str, str]:
    found: dict[str, str] = {}
    for column in COLUMNS:
        found[fold(column.name)] = column.name
        found[fold(column.name.replace("_", " "))] = column.name
        for language in ("en", "es"):
            with translation.override(language):
                found.setdefault(fold(str(column.label)), column.name)
    return found


def _rows(path: Path) -> Iterator[list[Any]]:
    return tabular_files.rows(path, max_columns=MAX_COLUMNS, max_unpacked_bytes=MAX_UNPACKED_BYTES)


@dataclass
class Draft:
    """A record being gathered from several rows, with the row each value came from."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def merge(self, values: dict[str, Any], part: str, row: int, batch: Batch) -> None:
        for name, value in values.items():
            if COLUMNS_BY_NAME[name].part != part or value in (None, "", []):
                continue
            if name not in self.values:
                self.values[name] = value
                self.rows[name] = row
            elif not _same(name, self.values[name], value):
                batch.problems.append(
                    Problem(
                        f"row {row}",
                        name,
                        str(CONFLICTS[part]) % {"other": self.rows[name]},
                    )
                )


def _same(name: str, first: Any, second: Any) -> bool:
    if name in ("organization", "program_name", "location_name"):
        return bool(fold(first) == fold(second))  # they name the record: case does not matter
    return bool(first == second)


CONFLICTS: dict[str, Label] = {
    "program": gettext_lazy(
        "Differs from row %(other)d of the same program; write the same value or leave this "
        "cell blank."
    ),
    "location": gettext_lazy(
        "Differs from row %(other)d of the same location; write the same value or leave this "
        "cell blank."
    ),
}


@dataclass
class ProgramDraft(Draft):
    id: str = ""
    # location key -> (location key, schedules) in order of appearance
    sites: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    own_schedules: list[dict[str, Any]] = field(default_factory=list)


class Partners:
    """The ecosystem's partner organizations by name: a spreadsheet names them, HSDS needs ids.

    A name must match a published partner, as the export names them (case, accents and spacing
    aside): an active one, or an archived one still running a listed program. A spreadsheet never
    creates partners, so a typo cannot add a second "Robotics For All" to the ecosystem.
    """

    def __init__(self, ecosystem: Ecosystem) -> None:
        # An archived partner still running a listed program is in the export: a re-upload of
        # that export must find it. Where an active partner has the same name, it wins.
        self.by_name = {
            fold(organization.name): organization
            for organization in hsds.public_organizations(ecosystem).order_by(
                F("archived_at").desc(nulls_last=True), "pk"
            )
        }

    def id_of(self, name: str, where: str, column: str, batch: Batch) -> str | None:
        organization = self.by_name.get(fold(name))
        if organization is not None:
            return str(organization.hsds_id)
        message = _("No partner organization named “%(name)s” in this ecosystem.") % {"name": name}
        close = difflib.get_close_matches(fold(name), list(self.by_name), n=1, cutoff=0.75)
        if close:
            message += " " + _("Did you mean “%(name)s”?") % {"name": self.by_name[close[0]].name}
        batch.problems.append(Problem(where, column, message))
        return None


def read_spreadsheet(path: Path, ecosystem: Ecosystem | None = None) -> Batch:
    """The programs of a flat spreadsheet (.csv or .xlsx) as HSDS services, with its problems.

    With `ecosystem`, the organizations the rows name are found among its partners (an unknown
    name is a problem) and services carry their `organization_id`, ready for `import_batch`.
    Without it, each service nests its organization by name only, with an id derived from the
    name: enough to check a file, not to import it.
    """
    batch = Batch()
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FileError(
                _("The file is larger than %(size)d MB; split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        _read(_rows(path), batch, ecosystem)
    except FileError as error:
        batch.problems.append(Problem("", "", str(error)))
    return batch


def _read(rows: Iterator[list[Any]], batch: Batch, ecosystem: Ecosystem | None) -> None:
    partners = Partners(ecosystem) if ecosystem is not None else None
    scope = ecosystem.slug if ecosystem is not None else ""
    header: list[Any] | None = None
    for header_row in rows:
        if any(not _blank(cell) for cell in header_row):
            header = header_row
            break
    if header is None:
        raise FileError(_("The file is empty: it needs a header row and a row per program."))
    positions = _positions(header, batch)
    if positions is None:
        return
    programs: dict[Any, ProgramDraft] = {}
    locations: dict[Any, Draft] = {}
    row_number = 1
    data_rows = 0
    for cells in rows:
        row_number += 1
        if all(_blank(cell) for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise FileError(
                _("The file has more than %(count)d rows; split it into smaller files.")
                % {"count": MAX_ROWS}
            )
        values = _read_row(cells, positions, row_number, batch)
        if values is not None:
            _gather(values, row_number, programs, locations, batch, scope)
        elif partners is not None and "organization" in positions:
            # The row has other problems: still say now if its partner is unknown, so one
            # round of fixes is enough (good rows are looked up when their program is built).
            index = positions["organization"]
            if name := cell_text(cells[index] if index < len(cells) else None):
                partners.id_of(name, f"row {row_number}", "organization", batch)
    if not data_rows:
        raise FileError(_("The file has a header row but no programs."))
    if batch.problems:
        return
    location_records = {key: _location_record(draft) for key, draft in locations.items()}
    services = [
        (_service_record(draft, location_records, partners, batch), f"row {draft.row}")
        for draft in programs.values()
    ]
    if batch.problems:
        return
    if ecosystem is not None:
        existing = Existing(ecosystem, [record for record, _where in services])
        services = [(existing.overlay(record, set(positions)), where) for record, where in services]
    for record, where in services:
        batch.add_service(record, where)


def _positions(header: list[Any], batch: Batch) -> dict[str, int] | None:
    lookup = _header_lookup()
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        title = cell_text(cell)
        if not title:
            continue
        name = lookup.get(fold(title)) or lookup.get(fold(title.replace("_", " ")))
        if name is None:
            batch.problems.append(
                Problem(
                    "row 1",
                    title,
                    _("Unknown column; rename it as in the column guide, or remove it."),
                )
            )
        elif name in positions:
            batch.problems.append(Problem("row 1", title, _("This column appears twice.")))
        else:
            positions[name] = index
    for column in COLUMNS:
        if column.required and column.name not in positions:
            batch.problems.append(Problem("row 1", column.name, _("This column is missing.")))
    if any(c.required and c.name not in positions for c in COLUMNS):
        return None
    return positions


def _read_row(
    cells: list[Any], positions: dict[str, int], row: int, batch: Batch
) -> dict[str, Any] | None:
    """The row's values by column name, or None when a cell has a problem (reported)."""
    where = f"row {row}"
    values: dict[str, Any] = {}
    before = len(batch.problems)
    for name, index in positions.items():
        column = COLUMNS_BY_NAME[name]
        raw = cells[index] if index < len(cells) else None
        if _blank(raw) or (isinstance(raw, str) and not cell_text(raw)):
            if column.required:
                batch.problems.append(Problem(where, name, _("This cell must be filled in.")))
            continue
        try:
            values[name] = PARSERS[column.kind](raw, column)
        except CellError as error:
            batch.problems.append(Problem(where, name, cell_message(error)))
    if len(batch.problems) == before:
        _check_row(values, where, batch)
    return values if len(batch.problems) == before else None


def _check_row(values: dict[str, Any], where: str, batch: Batch) -> None:
    def problem(name: str, message: str) -> None:
        batch.problems.append(Problem(where, name, message))

    low, high = values.get("minimum_age"), values.get("maximum_age")
    if low is not None and high is not None and low > high:
        problem("maximum_age", _("The maximum age is below the minimum age."))
    if ("latitude" in values) != ("longitude" in values):
        missing = "longitude" if "latitude" in values else "latitude"
        problem(missing, _("Fill in both latitude and longitude, or neither."))
    located = [c.name for c in COLUMNS if c.part == "location" and c.name in values]
    if located and "location_name" not in values and "location_id" not in values:
        problem("location_name", _("The row has a location: give its name."))
    starts, ends = values.get("start_time"), values.get("end_time")
    if starts is not None and ends is not None and ends <= starts:
        problem("end_time", _("The end time is not after the start time."))
    first, last = values.get("first_date"), values.get("last_date")
    if first is not None and last is not None and last < first:
        problem("last_date", _("The last date is before the first date."))


def new_id(scope: str, key: Any) -> str:
    """The id of a new program or location: the same whenever the same file is read.

    So a dry run and the apply that follows (each reads the file) agree on ids, and importing
    the same sheet twice updates what the first import created instead of doubling it.
    """
    return str(uuid.uuid5(SPREADSHEET_NAMESPACE, "/".join((scope, *map(str, key)))))


def _gather(
    values: dict[str, Any],
    row: int,
    programs: dict[Any, ProgramDraft],
    locations: dict[Any, Draft],
    batch: Batch,
    scope: str,
) -> None:
    key: Any = values.get("program_id") or (
        "new",
        fold(values["organization"]),
        fold(values["program_name"]),
    )
    program = programs.get(key)
    if program is None:
        program = programs[key] = ProgramDraft(
            row=row, id=values.get("program_id") or new_id(scope, key)
        )
    program.merge(values, "program", row, batch)

    schedule = {k: v for k, v in values.items() if COLUMNS_BY_NAME[k].part == "schedule"}
    location_key: Any = None
    if "location_id" in values:
        location_key = values["location_id"]
    elif "location_name" in values:
        location_key = (
            fold(values["location_name"]),
            fold(values.get("address_1", "")),
            values.get("postal_code", "")[:5],
            values.get("virtual_url", ""),
        )
    if location_key is None:
        if schedule:
            program.own_schedules.append(schedule)
        return
    location = locations.get(location_key)
    if location is None:
        location = locations[location_key] = Draft(row=row)
        location.values["location_id"] = values.get("location_id") or new_id(scope, location_key)
    location.merge(values, "location", row, batch)
    schedules = program.sites.setdefault(location_key, [])
    if schedule:
        schedules.append(schedule)


# Building HSDS records -----------------------------------------------------------------------


def _compact(record: Record) -> Record:
    return {k: v for k, v in record.items() if v not in (None, "")}


def organization_ref(name: str) -> Record:
    """An organization named in a spreadsheet; the importer finds the partner by its name."""
    return {"id": str(uuid.uuid5(SPREADSHEET_NAMESPACE, fold(name))), "name": name}


def _term_record(code: str) -> Record:
    """The Ecotone taxonomy's term `code`, as `hsds/export.py` writes it, without the database."""
    facet_code, _sep, _rest = code.partition("/")
    with translation.override("en"):
        if facet_code == PROFILE:
            name = str(PROFILE_FIELDS_BY_CODE[code].label)
            description = PROFILE_FIELDS_BY_CODE[code].description
        else:
            name = str(stem_profile.label(facet_code, code.split("/", 1)[1]))
            description = ""
    return {
        "id": str(uuid.uuid5(NAMESPACE, code)),
        "code": code,
        "name": name,
        "description": description,
        "parent_id": str(uuid.uuid5(NAMESPACE, facet_code)),
        "taxonomy": stem_profile.TAXONOMY_NAME,
        "taxonomy_id": str(STEM_TAXONOMY_ID),
    }


def _attribute(owner_id: str, code: str, value: str, link_entity: str) -> Record:
    return _compact(
        {
            "id": hsds.derived_id(owner_id, f"{code}/{value}" if value else code),
            "taxonomy_term_id": str(uuid.uuid5(NAMESPACE, code)),
            "link_entity": link_entity,
            "value": value,
            "taxonomy_term": _term_record(code),
        }
    )


def _schedule_record(owner_id: str, index: int, values: dict[str, Any]) -> Record:
    first, last = values.get("first_date"), values.get("last_date")
    days = values.get("days", [])
    return _compact(
        {
            "id": hsds.derived_id(owner_id, f"schedule/{index}"),
            "valid_from": first.isoformat() if first else None,
            "valid_to": last.isoformat() if last else None,
            "dtstart": first.isoformat() if first else None,
            "until": last.isoformat() if last else None,
            "freq": values.get("frequency", "weekly").upper(),
            "interval": 1,
            "byday": ",".join(days),
            "opens_at": values["start_time"].strftime("%H:%M:%S")
            if "start_time" in values
            else None,
            "closes_at": values["end_time"].strftime("%H:%M:%S") if "end_time" in values else None,
        }
    )


def _location_record(draft: Draft) -> Record:
    values = draft.values
    location_id = values["location_id"]
    has_address = any(name in values for name in ("address_1", "city", "postal_code"))
    kind = (
        LocationType.VIRTUAL
        if "virtual_url" in values and not has_address
        else LocationType.PHYSICAL
    )
    latitude, longitude = values.get("latitude"), values.get("longitude")
    source = CoordinatesSource.ENTERED
    if latitude is None and "postal_code" in values and kind == LocationType.PHYSICAL:
        centroid = geocoding.zip_centroid(values["postal_code"])
        if centroid is not None:
            latitude, longitude = centroid.latitude, centroid.longitude
            source = CoordinatesSource.ZIP_CENTROID
    record = _compact(
        {
            "id": location_id,
            "location_type": kind.value,
            "url": values.get("virtual_url"),
            "name": values.get("location_name", ""),
            "latitude": latitude,
            "longitude": longitude,
        }
    )
    record["name"] = values.get("location_name", "")
    record["addresses"] = []
    if kind == LocationType.PHYSICAL and has_address:
        record["addresses"].append(
            {
                "id": hsds.derived_id(location_id, "address"),
                "address_1": values.get("address_1", ""),
                "city": values.get("city", ""),
                "state_province": values.get("state", ""),
                "postal_code": values.get("postal_code", ""),
                "country": "US",
                "address_type": kind.value,
            }
        )
    record["attributes"] = (
        [_attribute(location_id, "profile/coordinates_source", source.value, "location")]
        if latitude is not None
        else []
    )
    return record


def _service_record(
    draft: ProgramDraft, locations: dict[Any, Record], partners: Partners | None, batch: Batch
) -> Record:
    values = {**DEFAULTS, **draft.values}
    service_id = draft.id
    record = _compact(
        {
            "id": service_id,
            "name": values["program_name"],
            "description": values.get("description"),
            "url": values.get("url"),
            "email": values.get("email"),
            "status": values["status"],
            "fees_description": values.get("fees"),
            "minimum_age": values.get("minimum_age"),
            "maximum_age": values.get("maximum_age"),
        }
    )
    if partners is None:
        record["organization"] = organization_ref(values["organization"])
    else:
        where = f"row {draft.rows.get('organization', draft.row)}"
        record["organization_id"] = partners.id_of(
            values["organization"], where, "organization", batch
        )
    record["phones"] = (
        [{"id": hsds.derived_id(service_id, "phone"), "number": values["phone"]}]
        if values.get("phone")
        else []
    )
    record["schedules"] = [
        _schedule_record(service_id, i, s) for i, s in enumerate(draft.own_schedules)
    ]
    record["service_at_locations"] = []
    for key, schedules in draft.sites.items():
        location = locations[key]
        site_id = hsds.derived_id(service_id, f"location/{location['id']}")
        record["service_at_locations"].append(
            {
                "id": site_id,
                "schedules": [_schedule_record(site_id, i, s) for i, s in enumerate(schedules)],
                "location": location,
            }
        )
    record["languages"] = [
        {
            "id": hsds.derived_id(service_id, f"language/{code}"),
            "name": language_name(code),
            "code": code,
        }
        for code in values.get("languages", [])
    ]
    record["funding"] = [
        {"id": hsds.derived_id(service_id, f"funding/{source}"), "source": source}
        for source in values.get("funding_sources", [])
    ]
    attributes = []
    for name, facet in FACET_COLUMNS.items():
        for code in values.get(name, []):
            attributes.append(_attribute(service_id, f"{facet.code}/{code}", "", "service"))
    for name, model_field in PROFILE_COLUMNS.items():
        value = values.get(name)
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        attributes.append(_attribute(service_id, f"{PROFILE}/{model_field}", text, "service"))
    for partner in values.get("partner_organizations", []):
        if partners is None:
            partner_id: str | None = organization_ref(partner)["id"]
        else:
            where = f"row {draft.rows['partner_organizations']}"
            partner_id = partners.id_of(partner, where, "partner_organizations", batch)
        if partner_id is None:
            continue
        attributes.append(
            _attribute(service_id, f"{PROFILE}/partner_organization", partner_id, "service")
        )
    record["attributes"] = attributes
    return record


# Keeping what a sheet leaves out ---------------------------------------------------------------

# The parts of a service record each column fills; a column missing from the file leaves them as
# the directory has them (the importer reads an absent scalar as empty).
SERVICE_KEYS = {
    "program_name": ("name",),
    "description": ("description",),
    "url": ("url",),
    "email": ("email",),
    "status": ("status",),
    "fees": ("fees_description",),
    "minimum_age": ("minimum_age",),
    "maximum_age": ("maximum_age",),
    "phone": ("phones",),
    "languages": ("languages",),
    "funding_sources": ("funding",),
}
LOCATION_KEYS = {
    "location_name": ("name",),
    "virtual_url": ("url",),
    "latitude": ("latitude", "longitude", "attributes"),
    "longitude": ("latitude", "longitude", "attributes"),
}
ADDRESS_KEYS = {
    "address_1": "address_1",
    "city": "city",
    "state": "state_province",
    "postal_code": "postal_code",
}
WHERE_AND_WHEN = {c.name for c in COLUMNS if c.part in ("location", "schedule")}


def _attribute_column(code: str) -> str | None:
    """The column an attribute of the Ecotone taxonomy comes from, if any."""
    facet_code, _sep, _rest = code.partition("/")
    for name, facet in FACET_COLUMNS.items():
        if facet.code == facet_code:
            return name
    if code == f"{PROFILE}/partner_organization":
        return "partner_organizations"
    for name, field_name in PROFILE_COLUMNS.items():
        if code == f"{PROFILE}/{field_name}":
            return name
    return None


def _replace(merged: Record, new: Record, keys: Iterable[str]) -> None:
    for key in keys:
        if key in new:
            merged[key] = new[key]
        else:
            merged.pop(key, None)


def _kept(new: list[Record], base: list[Record], cells: Callable[[Record], Any]) -> list[Record]:
    """The sheet's parts, each one that reads as a part the directory has taken as it is there.

    A sheet shows a part only in part (a language without its note, a schedule without its
    time zone or description): unchanged in the sheet, it stays whole in the directory.
    """
    free = list(base)
    kept = []
    for part in new:
        match = next((old for old in free if cells(old) == cells(part)), None)
        if match is not None:
            free.remove(match)
        kept.append(part if match is None else match)
    return kept


class Existing:
    """The directory's current records for the programs and locations a sheet names by id.

    A sheet may leave columns out, and HSDS has more than a sheet has columns: what the file
    does not say is taken from the directory, so an import changes only what the sheet shows.
    """

    def __init__(self, ecosystem: Ecosystem, services: list[Record]) -> None:
        service_ids = [record["id"] for record in services]
        location_ids = [
            site["location"]["id"]
            for record in services
            for site in record.get("service_at_locations", [])
        ]
        programs = Program.objects.filter(ecosystem=ecosystem, hsds_id__in=service_ids)
        self.services = {
            record["id"]: record for record in hsds.iter_full_services(ecosystem, programs)
        }
        self.assurers = dict(programs.values_list("hsds_id", "assurer_email"))
        export = hsds.HsdsExport(ecosystem)
        self.locations = {
            str(location.hsds_id): export.location_full(location)
            for location in Location.objects.filter(
                ecosystem=ecosystem, hsds_id__in=location_ids
            ).select_related("organization")
        }

    def overlay(self, new: Record, present: set[str]) -> Record:
        base = self.services.get(new["id"])
        sites = [
            {**site, "location": self.location(site["location"], present)}
            for site in new.get("service_at_locations", [])
        ]
        if base is None:
            return {**new, "service_at_locations": sites}
        merged = {k: v for k, v in base.items() if k not in ("organization", "last_modified")}
        merged["organization_id"] = new["organization_id"]
        if assurer := self.assurers.get(uuid.UUID(new["id"])):
            merged["assurer_email"] = assurer  # not published, but not to be lost either
        for column, keys in SERVICE_KEYS.items():
            if column in present:
                _replace(merged, new, keys)

        def from_sheet(attribute: Record) -> bool:
            code = attribute.get("taxonomy_term", {}).get("code", "")
            column = _attribute_column(code)
            return column is not None and column in present

        merged["attributes"] = [a for a in base["attributes"] if not from_sheet(a)] + [
            a for a in new["attributes"] if from_sheet(a)
        ]
        if "languages" in present:
            merged["languages"] = _kept(
                new["languages"], base["languages"], lambda language: language.get("code")
            )
        if present & WHERE_AND_WHEN:
            merged["schedules"] = _kept(new["schedules"], base["schedules"], _schedule_cells)
            base_sites = {site["location"]["id"]: site for site in base["service_at_locations"]}
            merged["service_at_locations"] = [
                self.site(site, base_sites.get(site["location"]["id"])) for site in sites
            ]
        return merged

    @staticmethod
    def site(new: Record, base: Record | None) -> Record:
        """A site the directory has keeps its id, description and the schedules the sheet shows
        unchanged; the sheet gives its location and which schedules there are."""
        if base is None:
            return new
        return {
            **base,
            "location": new["location"],
            "schedules": _kept(new["schedules"], base["schedules"], _schedule_cells),
        }

    def location(self, new: Record, present: set[str]) -> Record:
        base = self.locations.get(new["id"])
        if base is None:
            return new
        merged = dict(base)
        for column, keys in LOCATION_KEYS.items():
            if column in present:
                _replace(merged, new, keys)
        if present & set(ADDRESS_KEYS):
            address = dict((base.get("addresses") or new.get("addresses") or [{}])[0])
            new_address = (new.get("addresses") or [{}])[0]
            for column, key in ADDRESS_KEYS.items():
                if column in present:
                    address[key] = new_address.get(key, "")
            filled = any(address.get(key) for key in ADDRESS_KEYS.values())
            merged["addresses"] = (
                [
                    {
                        "id": hsds.derived_id(new["id"], "address"),
                        "country": "US",
                        "address_type": LocationType.PHYSICAL.value,
                        **address,
                    }
                ]
                if filled
                else []
            )
        if present & {"virtual_url", *ADDRESS_KEYS}:
            merged["location_type"] = new["location_type"]
        return merged


# Writing -------------------------------------------------------------------------------------


def _yes_no(value: str) -> str:
    return "yes" if value == "true" else "no"


def _hhmm(value: str | None) -> str:
    return value[:5] if value else ""


def _schedule_cells(schedule: Record | None) -> dict[str, Any]:
    if schedule is None:
        return {}
    days = [d for d in schedule.get("byday", "").split(",") if d in DAY_ABBREVIATIONS]
    return {
        "days": SEPARATOR.join(DAY_ABBREVIATIONS[d] for d in days),
        "frequency": str(schedule.get("freq", "WEEKLY")).lower(),
        "start_time": _hhmm(schedule.get("opens_at")),
        "end_time": _hhmm(schedule.get("closes_at")),
        "first_date": schedule.get("dtstart") or schedule.get("valid_from") or "",
        "last_date": schedule.get("until") or schedule.get("valid_to") or "",
    }


def _location_cells(location: Record) -> dict[str, Any]:
    address = (location.get("addresses") or [{}])[0]
    approximate = any(
        a.get("taxonomy_term", {}).get("code") == "profile/coordinates_source"
        and a.get("value") == CoordinatesSource.ZIP_CENTROID
        for a in location.get("attributes", [])
    )
    return {
        "location_id": location["id"],
        "location_name": location.get("name", ""),
        "address_1": address.get("address_1", ""),
        "city": address.get("city", ""),
        "state": address.get("state_province", ""),
        "postal_code": address.get("postal_code", ""),
        "latitude": "" if approximate else location.get("latitude", ""),
        "longitude": "" if approximate else location.get("longitude", ""),
        "virtual_url": location.get("url", ""),
    }


def _program_cells(service: Record, partner_names: dict[str, str]) -> dict[str, Any]:
    cells: dict[str, Any] = {
        "program_id": service["id"],
        "organization": service.get("organization", {}).get("name", ""),
        "program_name": service.get("name", ""),
        "description": service.get("description", ""),
        "url": service.get("url", ""),
        "email": service.get("email", ""),
        "phone": (service.get("phones") or [{}])[0].get("number", ""),
        "status": service.get("status", ""),
        "minimum_age": service.get("minimum_age", ""),
        "maximum_age": service.get("maximum_age", ""),
        "fees": service.get("fees_description", ""),
        "languages": SEPARATOR.join(
            lang["code"] for lang in service.get("languages", []) if lang.get("code")
        ),
        "funding_sources": SEPARATOR.join(
            escape_list_value(f["source"]) for f in service.get("funding", [])
        ),
    }
    facets = {facet.code: name for name, facet in FACET_COLUMNS.items()}
    profile = {f"{PROFILE}/{field_name}": name for name, field_name in PROFILE_COLUMNS.items()}
    chosen: dict[str, list[str]] = {}
    partners: list[str] = []
    for attribute in service.get("attributes", []):
        code = attribute.get("taxonomy_term", {}).get("code", "")
        facet_code, _sep, term = code.partition("/")
        if facet_code in facets and term:
            chosen.setdefault(facets[facet_code], []).append(term)
        elif code in profile:
            name = profile[code]
            value = attribute.get("value", "")
            kind = COLUMNS_BY_NAME[name].kind
            if kind == "bool":
                value = _yes_no(value)
            elif kind == "int" and value.isdigit():
                value = int(value)  # a number in a workbook, not text that looks like one
            cells[name] = value
        elif code == f"{PROFILE}/partner_organization":
            partners.append(partner_names.get(attribute.get("value", ""), ""))
    for name, codes in chosen.items():
        cells[name] = SEPARATOR.join(codes)
    cells["partner_organizations"] = SEPARATOR.join(
        escape_list_value(p) for p in sorted(p for p in partners if p)
    )
    return cells


def _in_week_order(schedules: list[Record]) -> list[Record]:
    """Earliest in the week first, so the rows read naturally and exports compare equal."""

    def key(schedule: Record) -> tuple[int, str, str]:
        days = [WEEK.index(d) for d in schedule.get("byday", "").split(",") if d in WEEK]
        return (min(days, default=7), schedule.get("opens_at", ""), schedule.get("dtstart", ""))

    return sorted(schedules, key=key)


def rows_of_service(service: Record, partner_names: dict[str, str]) -> Iterator[list[Any]]:
    """The rows of one full HSDS service: one per schedule at each location, at least one."""
    program = _program_cells(service, partner_names)

    def row(*parts: dict[str, Any]) -> list[Any]:
        merged = {**program}
        for part in parts:
            merged.update(part)
        return [merged.get(name, "") for name in HEADERS]

    written = False
    for site in service.get("service_at_locations", []):
        location = _location_cells(site["location"])
        schedules: list[Record | None] = [*_in_week_order(site.get("schedules", []))]
        for schedule in schedules or [None]:
            written = True
            yield row(location, _schedule_cells(schedule))
    for schedule in _in_week_order(service.get("schedules", [])):
        written = True
        yield row(_schedule_cells(schedule))
    if not written:
        yield row()


def export_rows(ecosystem: Ecosystem, programs: QuerySet[Program]) -> Iterator[list[Any]]:
    """Rows (without the header) of `programs`, read in chunks as `hsds/export.py` reads them."""
    export = hsds.HsdsExport(ecosystem)
    partner_names = {
        export.organization(organization)["id"]: organization.name
        for organization in ecosystem.organizations.all()
    }
    for service in hsds.iter_full_services(ecosystem, programs):
        yield from rows_of_service(service, partner_names)


def exported_programs(ecosystem: Ecosystem, organization: Any = None) -> QuerySet[Program]:
    """What an export holds: every program not archived (defunct ones too: status says so)."""
    programs = Program.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
    if organization is not None:
        programs = programs.filter(organization=organization)
    return programs


def csv_chunks(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A UTF-8 CSV with a byte order mark (so Excel reads accents), a line at a time, its
    cells escaped as every download's are (`exports.csv_cell`)."""
    return exports.csv_stream(HEADERS, rows)


def _xlsx_value(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def xlsx_bytes(rows: Iterable[Sequence[Any]], title: str = "Programs") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append([_xlsx_value(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The template --------------------------------------------------------------------------------


def example_row() -> list[str]:
    return [column.example for column in COLUMNS]


def guide_rows() -> list[list[str]]:
    """The column guide, in the active language: one row per column."""
    return [
        [
            column.name,
            str(column.label),
            _("required") if column.required else _("optional"),
            str(column.meaning),
            column.format(),
            column.example,
        ]
        for column in COLUMNS
    ]


def guide_headers() -> list[str]:
    return [_("Column"), _("Name"), _("Required"), _("What it means"), _("Format"), _("Example")]


def template_csv() -> str:
    return "".join(csv_chunks([example_row()]))


def template_xlsx(rows_with_validation: int = 1000) -> bytes:
    """The header row, an example row, drop-downs for one-value columns, and the column guide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Programs")[:31]
    sheet.append(list(HEADERS))
    sheet.append(example_row())
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
        codes = [code for code, _label in column.choices]
        if column.kind == "bool":
            codes = ["yes", "no"]
        if column.kind not in ("choice", "bool"):
            continue
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(codes) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=str(column.label)[:32],
            error=column.format()[:255],
        )
        validation.add(f"{letter}2:{letter}{rows_with_validation}")
        sheet.add_data_validation(validation)
    guide = workbook.create_sheet(_("Column guide")[:31])
    guide.append(guide_headers())
    for row in guide_rows():
        guide.append(row)
    for index, width in enumerate((24, 26, 12, 60, 60, 30), start=1):
        guide.column_dimensions[get_column_letter(index)].width = width
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
