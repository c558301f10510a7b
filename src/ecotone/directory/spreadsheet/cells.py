"""Reading one cell of the flat spreadsheet by its column's kind (`PARSERS`).

Each parser returns the value as the importer stores it or raises `CellError` with a message
that names what was expected; the generic parts (folding, numbers, degrees) are
`ecotone.cells`'.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from ecotone.cells import CellError, cell_flag, cell_number, cell_text, degrees, fold
from ecotone.uploads import choice_names

from ..models import Weekday
from .columns import FACET_COLUMNS, Column


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


def parse_bool(raw: Any, column: Column) -> bool:
    value = cell_flag(raw)
    if value is None:
        raise CellError(_("Expected yes or no."))
    return value


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


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())
