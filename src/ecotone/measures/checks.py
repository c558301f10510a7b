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
import itertools
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy

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
    rows: list[CheckedRow]  # kept only when `check` was given no sink
    problems: list[CodedProblem]
    count: int = 0  # the rows that read, duplicates left out
    cells: set[tuple[str, str]] = dataclasses.field(default_factory=set)  # (indicator, period)


def _number(text: str) -> Decimal:
    written = text.replace(",", "").strip()
    try:
        number = Decimal(written)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


# Memos of what depends on a cell's text alone are emptied past this many entries: a file of
# a million rows spells a few thousand places, combinations and numbers, a hostile one may
# spell a million.
MEMO = 100_000
# A row's key (indicator, period, combination) packed in one int64, each numbered in the order
# the file names them: 2**24 combinations, 2**20 periods, 2**19 indicators.
COMBO_BITS, PERIOD_BITS = 24, 20
COMBO_MASK = (1 << COMBO_BITS) - 1
# Counts are kept in ten-thousandths (the fact table's 4 decimals) as int64 while their sum
# fits; past that, or for a count with more decimals, as Decimals.
SCALE = 4
SAFE_TOTAL = 1 << 62
# Rows looked at a time when summing breakdowns (bounds the work arrays).
CHUNK = 1 << 16


class _Place:
    __slots__ = ("base", "indicator", "period")

    def __init__(self, indicator: IndicatorDef, period: str, base: int) -> None:
        self.indicator, self.period, self.base = indicator, period, base


def check(
    rows: Iterable[Mapping[str, Any]],
    *,
    indicators: Mapping[str, IndicatorDef],
    periods: Collection[str],
    resolve: Callable[[str, str], str],
    allowed_indicators: Collection[str] | None = None,
    collection: CollectionScope | None = None,
    first_row: int = 2,
    sink: Callable[[CheckedRow], object] | None = None,
) -> CheckResult:
    """Check the rows of a file (each a mapping of column -> cell). `indicators` are keyed by
    their key, `periods` are the periods' labels folded (`cells.fold`); `resolve(dimension,
    value)` gives the common code or raises `codes.UnknownCode`; `allowed_indicators` is the
    scope of the partner's current agreement (None: no agreement is required); `collection`,
    when the file answers a data collection, what it asks for. `sink`: see `check_table`."""
    found = iter(rows)
    first = next(found, None)
    header = [str(k) for k in first or () if k is not None]
    if all(column in header for column in REQUIRED_COLUMNS):
        # later rows may name columns the first leaves out
        header += [column for column in COLUMNS if column not in header]
    return check_table(
        header,
        ([m.get(k) for k in header] for m in itertools.chain([first] if first else [], found)),
        indicators=indicators,
        periods=periods,
        resolve=resolve,
        allowed_indicators=allowed_indicators,
        collection=collection,
        first_row=first_row,
        sink=sink,
    )


def check_table(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    indicators: Mapping[str, IndicatorDef],
    periods: Collection[str],
    resolve: Callable[[str, str], str],
    allowed_indicators: Collection[str] | None = None,
    collection: CollectionScope | None = None,
    first_row: int = 2,
    sink: Callable[[CheckedRow], object] | None = None,
) -> CheckResult:
    """`check` of rows as lists of cells under `header` (the columns' names), as a file gives
    them. Each row that reads is handed to `sink` as soon as it is read (for a writer to
    stream), or kept in the result's `rows` when there is no sink; a row handed over may still
    turn out to repeat an earlier one or to break a breakdown, so nothing handed over is to be
    kept unless the result has no problems.

    What is held for the whole file is one key, row number and count per row in flat arrays
    (20 bytes a row), and what the file spells once per place, combination and number: the
    rows themselves go, which keeps a file of a million rows to tens of megabytes."""
    problems: list[CodedProblem] = []
    kept: list[CheckedRow] = []
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
    names = [str(name).strip() for name in header]
    position = {name: i for i, name in enumerate(names) if name}
    named = sorted(position.values())
    dimensions = [d for d in codes.DIMENSIONS if d in position]
    dimension_positions = [position[d] for d in dimensions]
    width = max(named, default=-1) + 1

    def cell(raw: Sequence[Any], column: str) -> str:
        i = position.get(column)
        if i is None:
            return ""
        value = raw[i]
        return value.strip() if type(value) is str else cell_text(value)

    # Each memo is keyed by the cells its rule reads, and holds the rule's answer (a problem
    # with row 0 is given the row's number when used).
    places: dict[tuple[str, str], _Place | CodedProblem] = {}
    combinations: dict[tuple[str, tuple[str, ...]], tuple[dict[str, str], int] | CodedProblem] = {}
    numbers: dict[tuple[str, str], tuple[Decimal, int | None] | CodedProblem] = {}
    indicator_numbers: dict[str, int] = {}
    period_numbers: dict[str, int] = {}
    combo_numbers: dict[tuple[tuple[str, str], ...], int] = {}
    combo_pairs: list[tuple[tuple[str, str], ...]] = []
    place_of: dict[int, tuple[str, str]] = {}
    counts_of: list[bool] = []  # by indicator number: is it a count
    known: dict[tuple[str, str], str | None] = {}

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

    keys = array("q")
    used: set[int] = set()  # the places of rows that read
    numbers_of_rows = array("i")
    values: Any = array("q")  # scaled counts; a list of Decimals once they do not fit
    total = 0
    header_checked = False
    number = first_row - 1
    for number, raw in enumerate(rows, start=first_row):
        if not header_checked:
            header_checked = True
            missing = [c for c in REQUIRED_COLUMNS if c not in position]
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
        if len(raw) < width:
            raw = [*raw, *([None] * (width - len(raw)))]
        indicator_text = cell(raw, INDICATOR)
        if not indicator_text and not any(
            (raw[i].strip() if type(raw[i]) is str else cell_text(raw[i])) for i in named
        ):
            continue
        period_text = cell(raw, PERIOD)
        place = places.get((indicator_text, period_text))
        if place is None:
            if len(places) > MEMO:
                places.clear()
            place = places[(indicator_text, period_text)] = _place(
                indicator_text, period_text, indicators, periods, allowed_indicators, collection
            )
            if isinstance(place, _Place):
                i = indicator_numbers.setdefault(place.indicator.key, len(indicator_numbers))
                if i == len(counts_of):
                    counts_of.append(place.indicator.is_count)
                p = period_numbers.setdefault(place.period, len(period_numbers))
                place.base = (i << (PERIOD_BITS + COMBO_BITS)) | (p << COMBO_BITS)
                place_of[place.base] = (place.indicator.key, place.period)
        if isinstance(place, CodedProblem):
            problems.append(dataclasses.replace(place, row=number))
            continue
        indicator = place.indicator
        texts = tuple(
            [
                cell_text(raw[i]) if type(raw[i]) is not str else raw[i].strip()
                for i in dimension_positions
            ]
        )
        combination = combinations.get((indicator.key, texts))
        if combination is None:
            if len(combinations) > MEMO:
                combinations.clear()
            parts = _parts(indicator, dict(zip(dimensions, texts, strict=True)), cached)
            if isinstance(parts, dict):
                pairs = tuple(sorted(parts.items()))
                c = combo_numbers.get(pairs)
                if c is None:
                    c = combo_numbers[pairs] = len(combo_pairs)
                    combo_pairs.append(pairs)
                combination = (parts, c)
            else:
                combination = parts
            combinations[(indicator.key, texts)] = combination
        if isinstance(combination, CodedProblem):
            problems.append(dataclasses.replace(combination, row=number))
            continue
        parts, c = combination
        if indicator.is_count:
            text = cell(raw, VALUE)
            read = numbers.get((VALUE, text))
            if read is None:
                if len(numbers) > MEMO:
                    numbers.clear()
                read = numbers[(VALUE, text)] = _count_cell(VALUE, text)
            if isinstance(read, CodedProblem):
                problems.append(dataclasses.replace(read, row=number))
                continue
            value, scaled = read
            row_or_problem: CheckedRow | CodedProblem = CheckedRow(
                number, indicator.key, place.period, parts, value, None, None
            )
            if type(values) is array:
                if scaled is None or total + abs(scaled) >= SAFE_TOTAL:
                    values = [Decimal(v).scaleb(-SCALE) for v in values]
                    values.append(value)
                else:
                    total += abs(scaled)
                    values.append(scaled)
            else:
                values.append(value)
        else:
            row_or_problem = _ratio(
                number, cell(raw, NUMERATOR), cell(raw, DENOMINATOR), indicator, place.period, parts
            )
            if type(row_or_problem) is CodedProblem:
                problems.append(row_or_problem)
                continue
            values.append(0)
        keys.append(place.base | c)
        used.add(place.base)
        numbers_of_rows.append(number)
        assert type(row_or_problem) is CheckedRow
        if sink is None:
            kept.append(row_or_problem)
        else:
            sink(row_or_problem)
    count = len(keys)
    if not count and not problems:
        problems.append(no_rows())
    # sorted by key once (file order kept among equal keys): duplicates are neighbours, and a
    # breakdown's parent is found by binary search
    order = numpy.argsort(numpy.frombuffer(keys, dtype=numpy.int64), kind="stable")
    sorted_keys = numpy.frombuffer(keys, dtype=numpy.int64)[order]
    del keys
    sorted_rows = numpy.frombuffer(numbers_of_rows, dtype=numpy.int32)[order]
    del numbers_of_rows
    duplicates = _duplicates(sorted_keys, sorted_rows)
    if duplicates:
        problems.extend(duplicates)
        problems.sort(key=lambda problem: problem.row)
        if sink is None:
            repeated = {problem.row for problem in duplicates}
            kept = [row for row in kept if row.row not in repeated]
    elif not problems:
        if type(values) is array:
            sorted_values = numpy.frombuffer(values, dtype=numpy.int64)[order]
        else:
            sorted_values = numpy.array(values, dtype=object)[order]
        del values, order
        problems.extend(
            _breakdowns(
                sorted_keys,
                sorted_rows,
                sorted_values,
                combo_pairs,
                numpy.array(counts_of, dtype=bool),
            )
        )
    cells = {place_of[base] for base in used}
    return CheckResult(kept, problems, count - len(duplicates), cells)


def _duplicates(keys: numpy.ndarray, rows: numpy.ndarray) -> list[CodedProblem]:
    """A problem on each row that repeats an earlier one's key (`keys` sorted, file order kept
    among equal ones; `rows` their row numbers), naming the first."""
    repeats = numpy.flatnonzero(keys[1:] == keys[:-1]) + 1
    found = []
    first = -1
    for at in repeats:
        if first < 0 or keys[first] != keys[at]:
            first = at - 1  # the first repeat of a key: the row before it is its first
        found.append(
            CodedProblem(
                DUPLICATE_ROW,
                int(rows[at]),
                INDICATOR,
                gettext_noop(
                    "This row repeats row %(first)d (same indicator, period and codes): "
                    "keep one of them."
                ),
                {"first": int(rows[first])},
            )
        )
    return found


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
    (`public_files`) turned into this one, so that they report the same problems. (The same
    rules as `check`, one at a time: a row with a wrong indicator says nothing useful about
    its codes.)"""
    place = _place(cells.get(INDICATOR, ""), cells.get(PERIOD, ""), indicators, periods, None, None)
    if not isinstance(place, _Place):
        return dataclasses.replace(place, row=number)
    texts = {d: cells.get(d, "") for d in codes.DIMENSIONS}
    parts = _parts(place.indicator, texts, resolve)
    if not isinstance(parts, dict):
        return dataclasses.replace(parts, row=number)
    if not place.indicator.is_count:
        return _ratio(
            number,
            cells.get(NUMERATOR, ""),
            cells.get(DENOMINATOR, ""),
            place.indicator,
            place.period,
            parts,
        )
    read = _count_cell(VALUE, cells.get(VALUE, ""))
    if not isinstance(read, tuple):
        return dataclasses.replace(read, row=number)
    return CheckedRow(number, place.indicator.key, place.period, parts, read[0], None, None)


def _place(
    key: str,
    period_text: str,
    indicators: Mapping[str, IndicatorDef],
    periods: Collection[str],
    allowed: Collection[str] | None,
    collection: CollectionScope | None,
) -> _Place | CodedProblem:
    """Where a row's value goes: its indicator and period, or the first problem with them."""
    indicator = indicators.get(key) or indicators.get(key.casefold())
    if indicator is None:
        return CodedProblem(
            UNKNOWN_INDICATOR,
            0,
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
            0,
            INDICATOR,
            gettext_noop(
                "Your organization's current data sharing agreement does not cover "
                "“%(value)s”: remove these rows, or ask the backbone to extend the agreement."
            ),
            {"value": indicator.key},
        )
    period = fold(period_text)
    if period not in periods:
        return CodedProblem(
            UNKNOWN_PERIOD,
            0,
            PERIOD,
            gettext_noop(
                "“%(value)s” is not a period of this collection: write it as in the template "
                "(for example 2024–25)."
            ),
            {"value": period_text},
        )
    if collection is not None and (
        indicator.key not in collection.indicators or period not in collection.periods
    ):
        return CodedProblem(
            OUTSIDE_COLLECTION,
            0,
            INDICATOR if indicator.key not in collection.indicators else PERIOD,
            gettext_noop(
                "The collection this file answers does not ask for “%(indicator)s” in "
                "“%(period)s”: remove these rows, or upload them without naming the collection."
            ),
            {"indicator": indicator.key, "period": period_text},
        )
    return _Place(indicator, period, 0)


def _parts(
    indicator: IndicatorDef,
    texts: Mapping[str, str],
    resolve: Callable[[str, str], str],
) -> dict[str, str] | CodedProblem:
    """A row's combination of common codes (dimension -> code; {} is the total), or its first
    problem."""
    parts: dict[str, str] = {}
    for dimension in codes.DIMENSIONS:
        value = texts.get(dimension, "")
        if not value:
            continue
        if dimension not in indicator.dimensions:
            return CodedProblem(
                UNKNOWN_CODE,
                0,
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
                    0,
                    dimension,
                    UNKNOWN_RECORD[dimension],
                    {"value": value},
                )
            return CodedProblem(
                UNKNOWN_CODE,
                0,
                dimension,
                gettext_noop(
                    "“%(value)s” is no code of %(dimension)s: use a code from the data formats "
                    "guide, or ask the backbone to add yours to the crosswalk."
                ),
                {"value": value, "dimension": dimension},
            )
    return parts


def _count_cell(column: str, text: str) -> tuple[Decimal, int | None] | CodedProblem:
    """A cell's number (and in ten-thousandths, when it is a whole number of them), or its
    problem: not a number, below zero, too large."""
    try:
        number = _number(text)
    except ValueError:
        return CodedProblem(
            NOT_A_NUMBER,
            0,
            column,
            gettext_noop("“%(value)s” is not a number: write a number such as 12 or 3.5."),
            {"value": text},
        )
    if number < 0:
        return CodedProblem(
            VALUE_OUT_OF_RANGE,
            0,
            column,
            gettext_noop("%(value)s is below zero: a count cannot be negative."),
            {"value": text},
        )
    if number >= LARGEST:
        return CodedProblem(
            VALUE_OUT_OF_RANGE,
            0,
            column,
            gettext_noop("%(value)s is too large to be a count of young people or hours."),
            {"value": text},
        )
    scaled = number.scaleb(SCALE)
    return number, int(scaled) if scaled == scaled.to_integral_value() else None


def _ratio(
    number: int,
    numerator_text: str,
    denominator_text: str,
    indicator: IndicatorDef,
    period: str,
    parts: dict[str, str],
) -> CheckedRow | CodedProblem:
    """A row of a percent, mean or scale score: its numerator and denominator, and the value
    they make."""
    read: dict[str, Decimal] = {}
    for column, text in ((NUMERATOR, numerator_text), (DENOMINATOR, denominator_text)):
        found = _count_cell(column, text)
        if not isinstance(found, tuple):
            return dataclasses.replace(found, row=number)
        read[column] = found[0]
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
            {"numerator": numerator_text, "denominator": denominator_text},
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
    keys: numpy.ndarray,
    rows: numpy.ndarray,
    values: numpy.ndarray,
    combo_pairs: Sequence[tuple[tuple[str, str], ...]],
    is_count: numpy.ndarray,
) -> list[CodedProblem]:
    """For counts: the rows of each breakdown (the parent's codes plus one more dimension) add
    up to the parent row, when both are given. Reported once per parent and dimension, in the
    order of the parents' rows. Worked out on the arrays (`keys` sorted, unique; `rows` and
    `values` in the same order): for each dimension, each row's parent key (its combination
    without that dimension) is found by binary search and the row's count summed onto it,
    CHUNK rows at a time, so that what is held besides the arrays is two sums a row."""
    if not len(keys):
        return []
    combo_number = {pairs: c for c, pairs in enumerate(combo_pairs)}
    found: list[tuple[int, str, CodedProblem]] = []
    sums = numpy.zeros(len(keys), dtype=values.dtype)
    counted = numpy.zeros(len(keys), dtype=numpy.int32)
    for dimension in sorted({d for pairs in combo_pairs for d, _code in pairs}):
        parent_of = numpy.full(len(combo_pairs), -1, dtype=numpy.int64)
        for c, pairs in enumerate(combo_pairs):
            if any(d == dimension for d, _code in pairs):
                parent = tuple(pair for pair in pairs if pair[0] != dimension)
                parent_of[c] = combo_number.get(parent, -1)
        sums[:] = 0 if values.dtype != object else Decimal(0)
        counted[:] = 0
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            parents = parent_of[chunk & COMBO_MASK]
            children = numpy.flatnonzero(
                (parents >= 0) & is_count[chunk >> (PERIOD_BITS + COMBO_BITS)]
            )
            wanted = (chunk[children] & ~COMBO_MASK) | parents[children]
            at = numpy.minimum(numpy.searchsorted(keys, wanted), len(keys) - 1)
            present = keys[at] == wanted
            numpy.add.at(sums, at[present], values[start + children[present]])
            numpy.add.at(counted, at[present], 1)
        for parent in numpy.flatnonzero(counted):
            total, mine = sums[parent], values[parent]
            if total == mine:
                continue
            found.append(
                (
                    int(rows[parent]),
                    dimension,
                    CodedProblem(
                        BREAKDOWN_DOES_NOT_ADD_UP,
                        int(rows[parent]),
                        VALUE,
                        gettext_noop(
                            "The %(parts)d rows by %(dimension)s add up to %(sum)s, not to "
                            "this row's %(total)s: correct the rows so that every young "
                            "person is counted once, under one code."
                        ),
                        {
                            "parts": int(counted[parent]),
                            "dimension": dimension,
                            "sum": _plain(_decimal(total)),
                            "total": _plain(_decimal(mine)),
                        },
                    ),
                )
            )
    return [problem for _row, _dimension, problem in sorted(found, key=lambda f: f[:2])]


def _decimal(number: Any) -> Decimal:
    return number if isinstance(number, Decimal) else Decimal(int(number)).scaleb(-SCALE)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text
