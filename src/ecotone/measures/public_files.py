"""Reading published aggregate files into the fact table's terms: NCES CCD membership by race
and sex, and a state's Perkins CTE file in our documented layout (docs/data-formats.md).

Problem: a public file counts students by school or district, in its own columns; the fact
table holds one ecosystem-wide number per indicator, period and combination of common codes,
and a file with a mistake must be refused whole, each mistake named by its row and field with
the same problem codes as a partner's file.

Method: one pass over the rows. A CCD row's columns are found and its counts read by the
CCD module the atlas uses too (`ecotone.ccd`); a Perkins row is turned into the long format of
a partner's file and read by `checks.read_row` (the codes through `resolve`, the numbers by
the unit's rules), so both report `checks`' problem codes. Good rows are summed into the
cells the dashboards read: CCD gives the total, by sex, by race and by sex x race; a Perkins
row of a district, career cluster and group adds to every combination of at most two of its
dimensions (the total, each dimension alone, each pair: sex x race, sex x career cluster...).
O(rows x combinations) time, one dict of the summed cells and one of the rows' keys.

Django-free: the models' data comes in as `checks.IndicatorDef`, periods and a `resolve`
callable; messages are English msgids with their parameters, translated by the service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Any

from ecotone import ccd
from ecotone.cells import CellError, cell_text, fold

from . import checks
from .checks import CheckedRow, CodedProblem, gettext_noop

# CCD's race columns -> the common codes (codes.OPTION_SETS["race"]).
CCD_RACES = {
    "AM": "AmericanIndianOrAlaskaNative",
    "AS": "Asian",
    "BL": "BlackOrAfricanAmerican",
    "HP": "NativeHawaiianOrOtherPacificIslander",
    "HI": "HispanicOrLatino",
    "TR": "TwoOrMoreRaces",
    "WH": "White",
}
CCD_SEXES = {"TOTFENROL": "Female", "TOTMENROL": "Male"}
CCD_REQUIRED = ("NCESSCH", "TOTAL")

# The Perkins layout's columns (docs/data-formats.md#a-states-perkins-cte-file).
YEAR, DISTRICT, CLUSTER = "year", "district", "career_cluster"
SEX, RACE = "sex", "race"
FLAGS = ("economic_disadvantage", "english_learner", "disability")
CONCENTRATORS, NONTRADITIONAL = "concentrators", "nontraditional_concentrators"
PERKINS_COLUMNS = (YEAR, DISTRICT, CLUSTER, SEX, RACE, *FLAGS, CONCENTRATORS, NONTRADITIONAL)
PERKINS_REQUIRED = (YEAR, DISTRICT, CLUSTER, SEX, RACE, CONCENTRATORS)
# A flag's spellings besides the codes' own (Yes, No): what state files write.
FLAG_VALUES = {"y": "Yes", "n": "No", "1": "Yes", "0": "No", "true": "Yes", "false": "No"}
# How many of a row's dimensions are crossed in the summed cells.
DEPTH = 2


@dataclass
class PublicFile:
    """What a file holds: the summed cells (as the rows a partner's file would give), its
    problems, how many rows it read and notes on rows left out."""

    rows: list[CheckedRow] = field(default_factory=list)
    problems: list[CodedProblem] = field(default_factory=list)
    read: int = 0
    left_out: int = 0


def _missing(column: str) -> CodedProblem:
    return CodedProblem(
        checks.MISSING_COLUMN,
        0,
        column,
        gettext_noop(
            "The file has no “%(column)s” column: its first row must name the columns of the "
            "layout in the data formats guide."
        ),
        {"column": column},
    )


def _duplicate(number: int, column: str, first: int) -> CodedProblem:
    return CodedProblem(
        checks.DUPLICATE_ROW,
        number,
        column,
        gettext_noop("This row repeats row %(first)d: keep one of them."),
        {"first": first},
    )


def read_ccd(rows: Iterable[list[Any]], *, indicator: str, period: str) -> PublicFile:
    """A CCD school file's membership, summed over its schools, as values of `indicator` in
    `period` (keys as `checks.check` takes them). A school whose total is a missing-data code
    is left out; one whose breakdown is partly missing adds to its total only."""
    result = PublicFile()
    found = iter(rows)
    header = next(found, None)
    if header is None:
        result.problems.append(_missing("NCESSCH"))
        return result
    at, spelled = ccd.positions(header)
    for column in CCD_REQUIRED:
        if column not in at:
            result.problems.append(_missing(" or ".join(ccd.COLUMNS[column])))
            return result
    sums: dict[tuple[tuple[str, str], ...], int] = defaultdict(int)
    seen: dict[str, int] = {}

    def count(cells: list[Any], column: str, number: int) -> int | None:
        index = at[column]
        try:
            return ccd.parse_count(cells[index] if index < len(cells) else None)
        except CellError as error:
            result.problems.append(
                CodedProblem(
                    checks.VALUE_OUT_OF_RANGE
                    if error.message == ccd.NEGATIVE
                    else checks.NOT_A_NUMBER,
                    number,
                    spelled[column],
                    error.message,
                )
            )
            raise

    for number, cells in enumerate(found, start=2):
        if not any(cell_text(c) for c in cells):
            continue
        result.read += 1
        school = ccd.identifier(cells[at["NCESSCH"]] if at["NCESSCH"] < len(cells) else "", 12)
        if school in seen:
            result.problems.append(_duplicate(number, spelled["NCESSCH"], seen[school]))
            continue
        seen[school] = number
        try:
            total = count(cells, "TOTAL", number)
            parts: dict[tuple[tuple[str, str], ...], int | None] = {}
            for column, sex in CCD_SEXES.items():
                if column in at:
                    parts[(("sex", sex),)] = count(cells, column, number)
            for code, race in CCD_RACES.items():
                if code in at:
                    parts[(("race", race),)] = count(cells, code, number)
                for suffix, sex in (("F", "Female"), ("M", "Male")):
                    column = f"{code}AL{suffix}"
                    if column in at:
                        parts[(("race", race), ("sex", sex))] = count(cells, column, number)
        except CellError:
            continue
        if total is None:
            result.left_out += 1
            continue
        sums[()] += total
        for key, value in parts.items():
            if value is not None:
                sums[key] += value
    if not result.problems:
        result.rows = [
            CheckedRow(0, indicator, period, dict(key), Decimal(value), None, None)
            for key, value in sorted(sums.items())
        ]
    return result


def _perkins_rows(rows: Iterable[list[Any]]) -> Iterator[dict[str, Any]]:
    header: list[str] | None = None
    for cells in rows:
        if header is None:
            header = [fold(cell_text(c)).replace(" ", "_") for c in cells]
            continue
        yield {name: cell for name, cell in zip(header, cells, strict=False) if name}


def read_perkins(
    rows: Iterable[list[Any]],
    *,
    concentrators: checks.IndicatorDef,
    nontraditional: checks.IndicatorDef,
    periods: Collection[str],
    resolve: Callable[[str, str], str],
) -> PublicFile:
    """A state's Perkins CTE file (PERKINS_COLUMNS), summed over its districts as values of
    the two CTE indicators."""
    result = PublicFile()
    indicators = {concentrators.key: concentrators, nontraditional.key: nontraditional}
    counts: dict[tuple[str, tuple[tuple[str, str], ...]], Decimal] = defaultdict(Decimal)
    shares: dict[tuple[str, tuple[tuple[str, str], ...]], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    seen: dict[tuple[str, ...], int] = {}
    checked_header = False

    def flag(dimension: str, value: str) -> str:
        return resolve(dimension, FLAG_VALUES.get(fold(value), value))

    def resolved(dimension: str, value: str) -> str:
        return flag(dimension, value) if dimension in FLAGS else resolve(dimension, value)

    for number, raw in enumerate(_perkins_rows(rows), start=2):
        if not checked_header:
            checked_header = True
            missing = [c for c in PERKINS_REQUIRED if c not in raw]
            if missing:
                result.problems.append(_missing(missing[0]))
                return result
        cells = {k: cell_text(v) for k, v in raw.items()}
        if not any(cells.values()):
            continue
        result.read += 1
        dimensions = [d for d in (CLUSTER, SEX, RACE, *FLAGS) if cells.get(d)]
        key = (fold(cells[YEAR]), fold(cells[DISTRICT]), *(fold(cells[d]) for d in dimensions))
        if key in seen:
            result.problems.append(_duplicate(number, DISTRICT, seen[key]))
            continue
        seen[key] = number
        long = {
            checks.INDICATOR: concentrators.key,
            checks.PERIOD: cells[YEAR],
            checks.VALUE: cells[CONCENTRATORS],
            **{d: cells[d] for d in dimensions},
        }
        row = checks.read_row(number, long, indicators, periods, resolved)
        if isinstance(row, CodedProblem):
            result.problems.append(_renamed(row, {checks.VALUE: CONCENTRATORS}))
            continue
        for size in range(DEPTH + 1):
            for chosen in combinations(sorted(row.parts.items()), size):
                counts[(row.period, chosen)] += row.value or Decimal(0)
        if not cells.get(NONTRADITIONAL):
            continue
        share = {
            checks.INDICATOR: nontraditional.key,
            checks.PERIOD: cells[YEAR],
            checks.NUMERATOR: cells[NONTRADITIONAL],
            checks.DENOMINATOR: cells[CONCENTRATORS],
            **{d: cells[d] for d in dimensions if d in nontraditional.dimensions},
        }
        ratio = checks.read_row(number, share, indicators, periods, resolved)
        if isinstance(ratio, CodedProblem):
            result.problems.append(
                _renamed(
                    ratio, {checks.NUMERATOR: NONTRADITIONAL, checks.DENOMINATOR: CONCENTRATORS}
                )
            )
            continue
        for size in range(DEPTH + 1):
            for chosen in combinations(sorted(ratio.parts.items()), size):
                both = shares[(ratio.period, chosen)]
                both[0] += ratio.numerator or Decimal(0)
                both[1] += ratio.denominator or Decimal(0)
    if not result.problems:
        result.rows = [
            CheckedRow(0, concentrators.key, period, dict(parts), value, None, None)
            for (period, parts), value in sorted(counts.items())
        ] + [
            CheckedRow(
                0,
                nontraditional.key,
                period,
                dict(parts),
                numerator / denominator * 100 if denominator else None,
                numerator,
                denominator,
            )
            for (period, parts), (numerator, denominator) in sorted(shares.items())
        ]
    return result


def _renamed(problem: CodedProblem, columns: Mapping[str, str]) -> CodedProblem:
    """A problem of the long format named by the Perkins file's own column."""
    return CodedProblem(
        problem.code,
        problem.row,
        columns.get(problem.field, problem.field),
        problem.message,
        problem.params,
    )
