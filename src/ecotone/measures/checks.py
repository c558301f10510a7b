"""The dry run of a partner's submission: every row read, every problem coded.

Problem: a partner's file of values arrives in long format (one row per indicator, period and
combination of codes) and must be refused whole, with each mistake named by its row and field,
before any value is written; the same check runs again when the backbone approves it.

Method: one pass over the rows reads each cell (the indicator and period by their keys, each
dimension's value through `resolve`: the standard spellings of `codes`, then the crosswalk;
the numbers by the unit's rules) and keys the row by (indicator, period, combination) to find
duplicates. Then, only when every row reads, a second pass checks that the parts of each
breakdown of a count add up to the row without that dimension: a sum over rows that did not
read would only repeat their problems. O(rows x dimensions) time, one dict of the rows' keys.

Django-free (the models' data comes in as `IndicatorDef` and a `resolve` callable); messages
are English msgids with their parameters (marked for the catalogue), put in the person's
language by `services.submissions`, as `ecotone.cells` does.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ecotone.cells import cell_text, fold

from . import codes


def gettext_noop(message: str) -> str:
    return message


# The file's columns besides one per dimension (codes.DIMENSIONS).
INDICATOR, PERIOD, VALUE, NUMERATOR, DENOMINATOR = (
    "indicator",
    "period",
    "value",
    "numerator",
    "denominator",
)
COLUMNS = (INDICATOR, PERIOD, *codes.DIMENSIONS, VALUE, NUMERATOR, DENOMINATOR)
REQUIRED_COLUMNS = (INDICATOR, PERIOD)

# The problem codes, one per kind of mistake (docs/data-formats.md says how to fix each).
UNKNOWN_INDICATOR = "unknown_indicator"
UNKNOWN_PERIOD = "unknown_period"
UNKNOWN_CODE = "unknown_code"
NOT_A_NUMBER = "not_a_number"
VALUE_OUT_OF_RANGE = "value_out_of_range"
NUMERATOR_ABOVE_DENOMINATOR = "numerator_above_denominator"
BREAKDOWN_DOES_NOT_ADD_UP = "breakdown_does_not_add_up"
DUPLICATE_ROW = "duplicate_row"
OUTSIDE_AGREEMENT = "outside_agreement"
OUTSIDE_COLLECTION = "outside_collection"
MISSING_COLUMN = "missing_column"
NO_ROWS = "no_rows"
PROBLEM_CODES = (
    UNKNOWN_INDICATOR,
    UNKNOWN_PERIOD,
    UNKNOWN_CODE,
    NOT_A_NUMBER,
    VALUE_OUT_OF_RANGE,
    NUMERATOR_ABOVE_DENOMINATOR,
    BREAKDOWN_DOES_NOT_ADD_UP,
    DUPLICATE_ROW,
    OUTSIDE_AGREEMENT,
    OUTSIDE_COLLECTION,
    MISSING_COLUMN,
    NO_ROWS,
)

# The dynamic dimensions' codes are records of the other apps: what to do when one is unknown.
UNKNOWN_RECORD = {
    "program": gettext_noop(
        "“%(value)s” is not one of your organization's programs in the directory: use the "
        "program's short name (as in its address) from the template, or list it first."
    ),
    "area": gettext_noop(
        "“%(value)s” is not an area of this ecosystem's atlas: use the area's identifier "
        "(the school's NCES id, the tract's GEOID, the ZIP code) as the atlas lists it."
    ),
}

COUNT, PERCENT = "count", "percent"
# The fact table keeps 18 digits, 4 of them decimals (models.Value).
LARGEST = Decimal(10) ** 14


@dataclass(frozen=True)
class IndicatorDef:
    """What the check needs of an indicator: its unit and what it is broken down by."""

    key: str
    unit: str  # models.Unit: count, percent, mean, scale_score
    dimensions: tuple[str, ...]

    @property
    def is_count(self) -> bool:
        return self.unit == COUNT


@dataclass(frozen=True)
class CollectionScope:
    """What a data collection asks for: indicator keys and period keys (labels folded)."""

    indicators: frozenset[str]
    periods: frozenset[str]


@dataclass(frozen=True)
class CodedProblem:
    """One mistake: its code, the row (as the spreadsheet numbers it: the header is row 1;
    0 for the whole file), the column, and the message (an English msgid and its parameters)
    saying what to do."""

    code: str
    row: int
    field: str
    message: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row that reads: what applying it writes."""

    row: int
    indicator: str
    period: str  # the period's key as given to `check` (its label folded)
    parts: Mapping[str, str]  # dimension -> common code; {} is the total
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass
class CheckResult:
    rows: list[CheckedRow]
    problems: list[CodedProblem]


@functools.lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    # a file names a few periods a million times
    return fold(text)


def _number(text: str) -> Decimal:
    written = text.replace(",", "").strip()
    try:
        number = Decimal(written)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def check(
    rows: Iterable[Mapping[str, Any]],
    *,
    indicators: Mapping[str, IndicatorDef],
    periods: Collection[str],
    resolve: Callable[[str, str], str],
    allowed_indicators: Collection[str] | None = None,
    collection: CollectionScope | None = None,
    first_row: int = 2,
) -> CheckResult:
    """Check the rows of a file (each a mapping of column -> cell). `indicators` are keyed by
    their key, `periods` are the periods' labels folded (`cells.fold`); `resolve(dimension,
    value)` gives the common code or raises `codes.UnknownCode`; `allowed_indicators` is the
    scope of the partner's current agreement (None: no agreement is required); `collection`,
    when the file answers a data collection, what it asks for."""
    problems: list[CodedProblem] = []
    checked: list[CheckedRow] = []
    # (indicator, period, sorted codes) -> its row: duplicates, then the breakdowns' parents
    seen: dict[tuple[str, str, tuple[tuple[str, str], ...]], CheckedRow] = {}
    # A file of a million rows spells a few hundred codes and combinations: each is read once
    # and shared by its rows, which keeps the check's time and memory per row small.
    known: dict[tuple[str, str], str | None] = {}
    shared: dict[Any, Any] = {}

    def cached(dimension: str, value: str) -> str:
        key = (dimension, value)
        if key not in known:
            try:
                known[key] = resolve(dimension, value)
            except codes.UnknownCode:
                known[key] = None
        found = known[key]
        if found is None:
            raise codes.UnknownCode(dimension, value)
        return found

    if allowed_indicators is not None and not allowed_indicators:
        problems.append(
            CodedProblem(
                OUTSIDE_AGREEMENT,
                0,
                "",
                gettext_noop(
                    "Your organization has no current data sharing agreement: ask the backbone "
                    "to record it before you submit values."
                ),
            )
        )
        return CheckResult([], problems)
    header_checked = False
    number = first_row - 1
    for number, raw in enumerate(rows, start=first_row):
        if not header_checked:
            header_checked = True
            missing = [c for c in REQUIRED_COLUMNS if c not in raw]
            if missing:
                problems.append(
                    CodedProblem(
                        MISSING_COLUMN,
                        0,
                        missing[0],
                        gettext_noop(
                            "The file has no “%(column)s” column: start from the template, "
                            "whose first row names the columns."
                        ),
                        {"column": missing[0]},
                    )
                )
                return CheckResult([], problems)
        # (the fast path for a CSV's cells, already text: cell_text for anything else)
        cells = {
            str(k).strip(): v.strip() if type(v) is str else cell_text(v)
            for k, v in raw.items()
            if k is not None
        }
        if not any(cells.values()):
            continue
        row = _check_row(number, cells, indicators, periods, cached, allowed_indicators, collection)
        if isinstance(row, CodedProblem):
            problems.append(row)
            continue
        parts = tuple(sorted(row.parts.items()))
        parts = shared.setdefault(parts, parts)
        period = shared.setdefault(row.period, row.period)
        key = (row.indicator, period, parts)
        if key in seen:
            problems.append(
                CodedProblem(
                    DUPLICATE_ROW,
                    number,
                    INDICATOR,
                    gettext_noop(
                        "This row repeats row %(first)d (same indicator, period and codes): "
                        "keep one of them."
                    ),
                    {"first": seen[key].row},
                )
            )
            continue
        row = CheckedRow(
            number,
            row.indicator,
            period,
            shared.setdefault(("parts", parts), row.parts),
            row.value,
            row.numerator,
            row.denominator,
        )
        seen[key] = row
        checked.append(row)
    if not problems:
        problems.extend(_breakdowns(checked, indicators, seen))
    return CheckResult(checked, problems)


def no_rows() -> CodedProblem:
    """A file with its header and not one row of figures: refused in the dry run rather than
    applied as nothing (which would read as a year of zeros, or replace a file with none)."""
    return CodedProblem(
        NO_ROWS,
        0,
        "",
        gettext_noop(
            "The file has no rows: below its first row (the column names) there is not one row "
            "of figures. Check that you chose the right file or sheet."
        ),
    )


def read_row(
    number: int,
    cells: Mapping[str, str],
    indicators: Mapping[str, IndicatorDef],
    periods: Collection[str],
    resolve: Callable[[str, str], str],
) -> CheckedRow | CodedProblem:
    """One row of the long format read, or its first problem: for files of another layout
    (`public_files`) turned into this one, so that they report the same problems."""
    return _check_row(number, cells, indicators, periods, resolve, None)


def _check_row(
    number: int,
    cells: Mapping[str, str],
    indicators: Mapping[str, IndicatorDef],
    periods: Collection[str],
    resolve: Callable[[str, str], str],
    allowed: Collection[str] | None,
    collection: CollectionScope | None = None,
) -> CheckedRow | CodedProblem:
    """The row read, or its first problem (one at a time: a row with a wrong indicator says
    nothing useful about its codes)."""
    key = cells.get(INDICATOR, "")
    indicator = indicators.get(key) or indicators.get(key.casefold())
    if indicator is None:
        return CodedProblem(
            UNKNOWN_INDICATOR,
            number,
            INDICATOR,
            gettext_noop(
                "“%(value)s” is not an indicator of this collection: use one of the keys in "
                "the template."
            ),
            {"value": key},
        )
    if allowed is not None and indicator.key not in allowed:
        return CodedProblem(
            OUTSIDE_AGREEMENT,
            number,
            INDICATOR,
            gettext_noop(
                "Your organization's current data sharing agreement does not cover "
                "“%(value)s”: remove these rows, or ask the backbone to extend the agreement."
            ),
            {"value": indicator.key},
        )
    period = _folded(cells.get(PERIOD, ""))
    if period not in periods:
        return CodedProblem(
            UNKNOWN_PERIOD,
            number,
            PERIOD,
            gettext_noop(
                "“%(value)s” is not a period of this collection: write it as in the template "
                "(for example 2024–25)."
            ),
            {"value": cells.get(PERIOD, "")},
        )
    if collection is not None and (
        indicator.key not in collection.indicators or period not in collection.periods
    ):
        return CodedProblem(
            OUTSIDE_COLLECTION,
            number,
            INDICATOR if indicator.key not in collection.indicators else PERIOD,
            gettext_noop(
                "The collection this file answers does not ask for “%(indicator)s” in "
                "“%(period)s”: remove these rows, or upload them without naming the collection."
            ),
            {"indicator": indicator.key, "period": cells.get(PERIOD, "")},
        )
    parts: dict[str, str] = {}
    for dimension in codes.DIMENSIONS:
        value = cells.get(dimension, "")
        if not value:
            continue
        if dimension not in indicator.dimensions:
            return CodedProblem(
                UNKNOWN_CODE,
                number,
                dimension,
                gettext_noop(
                    "“%(indicator)s” is not broken down by %(dimension)s: leave this cell empty."
                ),
                {"indicator": indicator.key, "dimension": dimension},
            )
        try:
            parts[dimension] = resolve(dimension, value)
        except codes.UnknownCode:
            if dimension in UNKNOWN_RECORD:
                return CodedProblem(
                    UNKNOWN_CODE,
                    number,
                    dimension,
                    UNKNOWN_RECORD[dimension],
                    {"value": value},
                )
            return CodedProblem(
                UNKNOWN_CODE,
                number,
                dimension,
                gettext_noop(
                    "“%(value)s” is no code of %(dimension)s: use a code from the data formats "
                    "guide, or ask the backbone to add yours to the crosswalk."
                ),
                {"value": value, "dimension": dimension},
            )
    return _numbers(number, cells, indicator, period, parts)


def _numbers(
    number: int,
    cells: Mapping[str, str],
    indicator: IndicatorDef,
    period: str,
    parts: dict[str, str],
) -> CheckedRow | CodedProblem:
    wanted = (VALUE,) if indicator.is_count else (NUMERATOR, DENOMINATOR)
    read: dict[str, Decimal] = {}
    for column in wanted:
        text = cells.get(column, "")
        try:
            read[column] = _number(text)
        except ValueError:
            return CodedProblem(
                NOT_A_NUMBER,
                number,
                column,
                gettext_noop("“%(value)s” is not a number: write a number such as 12 or 3.5."),
                {"value": text},
            )
        if read[column] < 0:
            return CodedProblem(
                VALUE_OUT_OF_RANGE,
                number,
                column,
                gettext_noop("%(value)s is below zero: a count cannot be negative."),
                {"value": text},
            )
        if read[column] >= LARGEST:
            return CodedProblem(
                VALUE_OUT_OF_RANGE,
                number,
                column,
                gettext_noop("%(value)s is too large to be a count of young people or hours."),
                {"value": text},
            )
    if indicator.is_count:
        return CheckedRow(number, indicator.key, period, parts, read[VALUE], None, None)
    numerator, denominator = read[NUMERATOR], read[DENOMINATOR]
    if indicator.unit == PERCENT and numerator > denominator:
        return CodedProblem(
            NUMERATOR_ABOVE_DENOMINATOR,
            number,
            NUMERATOR,
            gettext_noop(
                "The numerator (%(numerator)s) is above the denominator (%(denominator)s): a "
                "share cannot be over 100%%. Check which number goes in which column."
            ),
            {"numerator": cells.get(NUMERATOR, ""), "denominator": cells.get(DENOMINATOR, "")},
        )
    if denominator == 0 and numerator != 0:
        return CodedProblem(
            VALUE_OUT_OF_RANGE,
            number,
            DENOMINATOR,
            gettext_noop("The denominator is zero while the numerator is not: give both."),
        )
    value = numerator / denominator if denominator else None
    if value is not None and indicator.unit == PERCENT:
        value *= 100
    return CheckedRow(number, indicator.key, period, parts, value, numerator, denominator)


def _breakdowns(
    rows: list[CheckedRow],
    indicators: Mapping[str, IndicatorDef],
    by_key: Mapping[tuple[str, str, tuple[tuple[str, str], ...]], CheckedRow],
) -> Iterable[CodedProblem]:
    """For counts: the rows of each breakdown (the parent's codes plus one more dimension) add
    up to the parent row, when both are given. Reported once per parent and dimension."""
    # Rows of one combination share their `parts` (`check`): its sorted pairs and its parents
    # are worked out once per combination, not once per row.
    sorted_parts: dict[int, tuple[tuple[str, str], ...]] = {}
    parents: dict[int, list[tuple[str, tuple[tuple[str, str], ...]]]] = {}

    def pairs(parts: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        found = sorted_parts.get(id(parts))
        if found is None:
            found = sorted_parts[id(parts)] = tuple(sorted(parts.items()))
        return found

    sums: dict[tuple[Any, str], Decimal] = defaultdict(Decimal)
    counted: dict[tuple[Any, str], int] = defaultdict(int)
    for row in rows:
        if not indicators[row.indicator].is_count:
            continue
        mine = parents.get(id(row.parts))
        if mine is None:
            items = pairs(row.parts)
            mine = parents[id(row.parts)] = [
                (d, tuple(pair for pair in items if pair[0] != d)) for d, _code in items
            ]
        for dimension, parent in mine:
            key = (row.indicator, row.period, parent)
            if key in by_key:
                sums[(key, dimension)] += row.value or Decimal(0)
                counted[(key, dimension)] += 1
    for (key, dimension), total in sorted(
        sums.items(), key=lambda item: (by_key[item[0][0]].row, item[0][1])
    ):
        parent_row = by_key[key]
        if total != parent_row.value:
            yield CodedProblem(
                BREAKDOWN_DOES_NOT_ADD_UP,
                parent_row.row,
                VALUE,
                gettext_noop(
                    "The %(parts)d rows by %(dimension)s add up to %(sum)s, not to this row's "
                    "%(total)s: correct the rows so that every young person is counted once, "
                    "under one code."
                ),
                {
                    "parts": counted[(key, dimension)],
                    "dimension": dimension,
                    "sum": _plain(total),
                    "total": _plain(parent_row.value or Decimal(0)),
                },
            )


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text
