"""An indicator's dashboard: its approved values summed over partners and published through
`ecotone.suppression`, for the pages, their exports and the API alike.

What one (indicator, period, partners) publishes is fixed, whatever a visitor picks to look
at, so that two views of the same figures never hide different cells (one view's hidden cell
would be the other's shown one). It is a set of linked tables, each suppressed with its
margins by `suppression.suppress_linked` (primary below the ecosystem's threshold, least-cost
complementary cells, the attacker's LP audit):

- sex crossed with each student group of equity analysis (`CROSSED`: race, economic
  disadvantage, English learner, disability), with both margins and the total, when the indicator is
  broken down by both and the partners' crosses add up to what they reported by each and in
  total (`CENTRE`: every cross keeps sex, so the crosses share only the sex margin);
- every other dimension alone, with the total.

Areas and program types are *slicers*: a visitor filters by them. What a filter shows is a
slice of the same publication, never a table of its own (a slice suppressed on its own could
show a figure the unfiltered page hides): each breakdown is crossed with the slicers the
partners gave it by (area x sex, area x sex x race, ...) and suppressed as one linked table with
all its margins, the area alone (the map) among them; a filter then reads the rows of its area.
A program type is the first kind of activity (the directory's STEM profile) of the program a
value is reported for: values by program are summed into their types, so each program counts
in one type and the types partition the total.

A breakdown that does not add up to the reported total (a partner that gave the total and not
the breakdown), or that disagrees with an earlier table on a figure both have, is not
published: its table would contradict the others. The tables are of the same people and share
figures: the total is one cell of every table, and so is every figure of the slicers alone (an
area's total). They are one family (`suppression.table_family`), suppressed and attacked as one:
a shared figure is one choice, hidden in every table or in none, and the attacker's programs
run over all the tables at once, a shared figure's copies equal (so a bound one table puts on
a hidden area total narrows it in the others too). The audit then runs once more on exactly
what is published, and figures it does not pass are refused (`UnpublishableError`), never
shown.

Counts sum. A percent's numerator and denominator are both counts of young people: they enter
one linked table with a dimension "in the numerator or not", so a small numerator and a small
remainder (denominator less numerator) are both protected, and the percent is hidden with
either (`suppression.rate`). A mean's people (its denominator) are suppressed, the mean hidden
with them; its numerator (a sum of scores) is not published.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.atlas.models import PopulationArea
from ecotone.directory import stem_profile
from ecotone.directory.models import Program, ProgramAttribute
from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError

from .. import codes, equity
from ..models import DimensionCombo, Indicator, Period, PublicFormat, Review, Unit, Value

PART = "_part"  # the dimension "in the numerator or not" of a percent's table
IN, OUT = "in", "out"
# Every cross-tab keeps sex: equity gaps by gender crossed with the student groups of equity
# analysis, race, economic disadvantage, English learners, disability (Perkins V). The crosses
# then share only the sex margin (a star, which the family's audit attacks exactly;
# `suppression`, "Families of linked tables"). Other dimensions (grade, a career cluster, ...)
# are published alone: crossing them too would hide more for little (a non-traditional share
# crossed with sex is 100 % or 0 % by its definition).
CENTRE = "sex"
CROSSED = ("race", "economic_disadvantage", "english_learner", "disability")
PERIODS_SHOWN = 5
PROGRAM_TYPE = "program_type"  # values by program, summed by the program's kind of activity
OTHER_TYPE = "other"  # a program with no kind of activity
SLICERS = ("area", PROGRAM_TYPE)  # what a dashboard filters by, in the tables' order
PROGRAM_TYPES = (*(code for code, _label in stem_profile.ACTIVITY_TYPES.terms), OTHER_TYPE)
# Where a dashboard's figures come from: the partners' approved submissions, the ecosystem's
# applied public files of the indicator, or the linked participation rosters' unduplicated counts
# (`services.reach`: no partner, no file). Never summed: they count the same students.
PARTNERS, PUBLIC, REACH = "partners", "public", "reach"


class UnpublishableError(DomainError):
    """A table whose hidden cells the attacker's LP audit recovers: it is not published."""


@dataclass(frozen=True)
class Figure:
    """One published figure: `value` (a count, or a ratio: a percent as 0-100, a mean), `n`
    (the count of young people it rests on: the count itself, or the denominator), `numerator`
    for a percent; each None where hidden. `mark` says why it is hidden: "small" (fewer than
    the threshold), "complement" (shown beside its total it would give a small difference),
    "protects" (hidden so that another hidden figure cannot be worked out), "derived" (computed
    from a hidden count)."""

    value: float | None
    n: int | None
    numerator: int | None = None
    mark: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Table:
    """One published breakdown: `dimensions` (one, or sex and another), and a figure per codes
    tuple (in the dimensions' order) for every combination including the margins (a margin
    has None for the dimension it adds up over)."""

    dimensions: tuple[str, ...]
    figures: dict[tuple[str | None, ...], Figure]
    audit_passed: bool
    hidden_count: int
    # what was suppressed and published, cell by cell (a network's sums are audited with it)
    linked: suppression.LinkedTables | None = None
    cells: Mapping[suppression.Cell, int | None] = field(default_factory=dict)


@dataclass
class PublishedPeriod:
    period: Period
    total: Figure
    tables: dict[tuple[str, ...], Table]
    incomplete: list[str] = field(default_factory=list)  # dimensions not every partner gave
    sums: Sums = field(default_factory=dict)  # the partners' summed values the figures are of
    # dimensions the partners did not give by the area or program type chosen
    not_in_slice: list[str] = field(default_factory=list)

    def breakdown(self, dimension: str) -> dict[str, Figure] | None:
        """The figures by one dimension's codes, from whichever table publishes them."""
        for dims, table in self.tables.items():
            if dimension in dims:
                position = dims.index(dimension)
                return {
                    str(key[position]): figure
                    for key, figure in table.figures.items()
                    if key[position] is not None
                    and all(k is None for i, k in enumerate(key) if i != position)
                }
        return None

    @property
    def hidden_count(self) -> int:
        return sum(t.hidden_count for t in self.tables.values())

    def crosses(self) -> dict[str, Table]:
        """The cross-tabs published (sex and one other dimension), by the other dimension."""
        return {
            dims[1]: table
            for dims, table in self.tables.items()
            if len(dims) == 2 and dims[0] == CENTRE
        }


@dataclass
class Dashboard:
    indicator: Indicator
    threshold: int
    organizations: list[Organization] | None  # None: every partner
    periods: list[PublishedPeriod]  # in time order, the chosen one last
    # The slicers chosen ({"area": None, "program_type": "summer-camp"}).
    filters: dict[str, str | None] = field(default_factory=dict)
    # The codes of each dimension published, in order (areas: those with values).
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # areas' names
    source: str = PARTNERS
    source_label: str = ""

    @property
    def current(self) -> PublishedPeriod:
        return self.periods[-1]

    def label(self, dimension: str, code: str | None) -> str:
        if code is not None and code in self.names.get(dimension, {}):
            return self.names[dimension][code]
        return label(dimension, code)


# What a person may see -------------------------------------------------------------------------


def partners_seen(user: Any, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The partners whose own figures a person may filter the dashboards by: every partner for
    backbone staff, their own organizations for partner staff, none for anyone else (members
    and the public see the ecosystem's figures only)."""
    found = Organization.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
    if user.has_perm("measures.view_partner_figures", ecosystem):
        return found
    return found.filter(pk__in=roles.organizations_in(user, ecosystem))


def dashboard_indicators(user: Any, ecosystem: Ecosystem) -> QuerySet[Indicator]:
    """The indicators whose dashboards a person may see: every active one for backbone staff,
    the published ones for everyone else, the public included."""
    found = Indicator.objects.filter(ecosystem=ecosystem).active()
    if user.has_perm("measures.manage_indicators", ecosystem):
        return found
    return found.filter(is_published=True)


def periods_of(indicator: Indicator, source: str | None = None) -> QuerySet[Period]:
    """The periods of the indicator's type with approved values (of `source` when given),
    latest first."""
    found = Period.objects.filter(ecosystem_id=indicator.ecosystem_id, type=indicator.period_type)
    if source is None:
        found = found.filter(values__indicator=indicator)
    else:
        found = found.filter(
            pk__in=values_of_source(indicator, source).values("period_id").order_by()
        )
    return found.distinct().order_by("-start")


def values_of_source(indicator: Indicator, source: str) -> QuerySet[Value]:
    """The indicator's values a dashboard of `source` reads: the partners' approved ones, the
    applied public files' (without a partner, naming their file), or the linkage runs' (neither)."""
    values = Value.objects.filter(ecosystem_id=indicator.ecosystem_id, indicator=indicator)
    if source == PUBLIC:
        return values.filter(organization__isnull=True, source__isnull=False)
    if source == REACH:
        return values.filter(organization__isnull=True, source__isnull=True)
    return values.filter(organization__isnull=False).filter(
        Q(submission__isnull=True) | Q(submission__review=Review.APPROVED)
    )


def sources_of(indicator: Indicator) -> list[tuple[str, str]]:
    """The sources of the indicator's dashboard that have values, each with its label (the
    public files' by their format, "State Perkins CTE file"), the partners' first."""
    found: list[tuple[str, str]] = []
    if values_of_source(indicator, PARTNERS).exists():
        found.append((PARTNERS, _("Partners’ submissions")))
    # One query for both ecosystem-wide sources: a public file's format, or none for the
    # linkage runs' values.
    ecosystem_wide = set(
        Value.objects.filter(
            ecosystem_id=indicator.ecosystem_id, indicator=indicator, organization__isnull=True
        )
        .values_list("source__format", flat=True)
        .distinct()
    )
    formats = sorted(f for f in ecosystem_wide if f)
    if formats:
        found.append((PUBLIC, ", ".join(str(PublicFormat(f).label) for f in formats)))
    if None in ecosystem_wide:
        found.append((REACH, _("Linked participation rosters (unduplicated)")))
    return found


def default_source(sources: Sequence[tuple[str, str]]) -> str:
    """The partners' submissions when they have values, else the public files."""
    return sources[0][0] if sources else PARTNERS


# Reading and summing ---------------------------------------------------------------------------

Sums = dict[tuple[tuple[str, str], ...], tuple[Decimal, Decimal, Decimal]]


def _sums(
    indicator: Indicator,
    periods: Sequence[Period],
    organizations: Sequence[Organization] | None,
    source: str = PARTNERS,
) -> dict[int, Sums]:
    """Per period, per combination of codes: the summed value, numerator and denominator of the
    partners' approved values, or of the applied public files' (`source`; `organizations`
    narrows the partners' only)."""
    values = values_of_source(indicator, source).filter(period__in=list(periods))
    if organizations is not None and source == PARTNERS:
        values = values.filter(organization__in=list(organizations))
    rows = values.values("period_id", "combo_id").annotate(
        value=Sum("value"), numerator=Sum("numerator"), denominator=Sum("denominator")
    )
    found = list(rows)
    parts = dict(
        DimensionCombo.objects.filter(pk__in={r["combo_id"] for r in found}).values_list(
            "pk", "parts"
        )
    )
    sums: dict[int, Sums] = defaultdict(dict)
    zero = Decimal(0)
    for row in found:
        key = tuple(sorted(parts[row["combo_id"]].items()))
        sums[row["period_id"]][key] = (
            row["value"] or zero,
            row["numerator"] or zero,
            row["denominator"] or zero,
        )
    return sums


def _whole(number: Decimal) -> int:
    return int(number.to_integral_value())


def _counts(indicator: Indicator, sums: Sums, dims: tuple[str, ...]) -> dict[Any, Any] | None:
    """The full-cross counts of `dims` (for a percent, crossed with in/out of the numerator),
    or None when they do not add up to the total and the reported margins."""
    ratio = indicator.is_ratio
    percent = indicator.unit == Unit.PERCENT

    def n(value: tuple[Decimal, Decimal, Decimal]) -> int:
        return _whole(value[2] if ratio else value[0])

    cells = {
        tuple(dict(key)[d] for d in dims): value
        for key, value in sums.items()
        if {d for d, _code in key} == set(dims)
    }
    total = sums.get(())
    if total is None or not cells:
        return None
    if sum(n(v) for v in cells.values()) != n(total):
        return None
    for margin_dim in dims if len(dims) > 1 else ():
        position = dims.index(margin_dim)
        derived: dict[str, int] = defaultdict(int)
        for key, value in cells.items():
            derived[key[position]] += n(value)
        for code, count in derived.items():
            reported = sums.get(((margin_dim, code),))
            if reported is not None and n(reported) != count:
                return None
    counts: dict[Any, int] = {}
    for key, value in cells.items():
        if percent:
            counts[(*key, IN)] = _whole(value[1])
            counts[(*key, OUT)] = n(value) - _whole(value[1])
        else:
            counts[key] = n(value)
    return counts


def _linked(
    indicator: Indicator,
    dims: tuple[str, ...],
    counts: Mapping[Any, int],
    codes_of: Mapping[str, tuple[str, ...]],
) -> Any:
    names = [*dims, PART] if indicator.unit == Unit.PERCENT else list(dims)
    dimensions = {d: (IN, OUT) if d == PART else codes_of[d] for d in names}
    subsets = [
        tuple(m)
        for size in range(len(dims) + 1)
        for m in itertools.combinations(dims, size)  # in the dimensions' order
    ]
    margins: list[tuple[str, ...]] = []
    for subset in subsets:
        margins.append(subset)
        if indicator.unit == Unit.PERCENT:
            margins.append((*subset, PART))
    return suppression.linked_tables(dimensions, counts, margins)


def publication_dimensions(indicator: Indicator) -> list[str]:
    """The dimensions a dashboard publishes, in the indicator's order: its own, with values by
    program summed by program type."""
    return [
        PROGRAM_TYPE if d == "program" else d
        for d in indicator.dimensions
        if d in codes.OPTION_SETS
    ]


def _program_types(indicator: Indicator, slugs: Iterable[str]) -> dict[str, str]:
    return program_types(indicator.ecosystem_id, slugs)


def program_types(ecosystem_id: int, slugs: Iterable[str]) -> dict[str, str]:
    """Each program's type (by slug): the first of its kinds of activity in the STEM
    profile's order, `OTHER_TYPE` without one. The quality roll-up filters by the same."""
    order = {code: i for i, code in enumerate(PROGRAM_TYPES)}
    found = dict.fromkeys(slugs, OTHER_TYPE)
    terms = ProgramAttribute.objects.filter(
        program__ecosystem_id=ecosystem_id,
        program__slug__in=list(found),
        term__code__startswith=f"{stem_profile.ACTIVITY_TYPES.code}/",
    ).values_list("program__slug", "term__code")
    for slug, term in terms:
        kind = term.partition("/")[2]
        if kind in order and (found[slug] == OTHER_TYPE or order[kind] < order[found[slug]]):
            found[slug] = kind
    return found


def _by_program_type(indicator: Indicator, sums: dict[int, Sums]) -> dict[int, Sums]:
    slugs = {
        code for by_combo in sums.values() for key in by_combo for d, code in key if d == "program"
    }
    if not slugs:
        return sums
    types = _program_types(indicator, slugs)
    found: dict[int, Sums] = {}
    for period_id, by_combo in sums.items():
        summed: Sums = {}
        for key, value in by_combo.items():
            parts = dict(key)
            if "program" in parts:
                parts[PROGRAM_TYPE] = types[parts.pop("program")]
            new = tuple(sorted(parts.items()))
            before = summed.get(new)
            summed[new] = (
                value
                if before is None
                else tuple(  # type: ignore[assignment]
                    a + b for a, b in zip(before, value, strict=True)
                )
            )
        found[period_id] = summed
    return found


def _codes_of(dimension: str, sums: Mapping[int, Sums]) -> tuple[str, ...]:
    if dimension == PROGRAM_TYPE:
        return PROGRAM_TYPES
    option = codes.option_set(dimension)
    if not option.dynamic:
        return tuple(c.code for c in option.codes)
    return tuple(
        sorted(
            {
                code
                for by_combo in sums.values()
                for key in by_combo
                for d, code in key
                if d == dimension
            }
        )
    )


def record_names(
    dimension: str, ecosystem: Ecosystem, only: Iterable[str] | None = None
) -> dict[str, str]:
    """The codes of a dynamic dimension in an ecosystem and their names, by name: its areas in
    the atlas, its programs in the directory (`only`: these codes)."""
    if dimension == "area":
        areas = PopulationArea.objects.filter(ecosystem=ecosystem)
        if only is not None:
            areas = areas.filter(code__in=list(only))
        found = list(areas.order_by("name", "code").values_list("code", "name"))
        times = Counter(name for _code, name in found)
        # two schools of one name (in two districts) are told apart by their identifiers
        return {code: f"{name} ({code})" if times[name] > 1 else name for code, name in found}
    if dimension == "program":
        programs = Program.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
        if only is not None:
            programs = programs.filter(slug__in=list(only))
        return dict(programs.order_by("name", "slug").values_list("slug", "name"))
    return {}


# Publishing ------------------------------------------------------------------------------------


def checked(
    tables: Any,
    cells: Mapping[Any, int | None],
    threshold: int,
    *,
    done: suppression.LinkedSuppressed | None = None,
) -> suppression.Audit:
    """The attacker's audit on exactly the figures to publish; refuses them when it recovers a
    hidden one. `done`: the suppression they came from, whose audit is reused when the figures
    are the ones it checked (and whose solutions speed up a new one otherwise)."""
    if done is not None and dict(done.cells) == dict(cells):
        result = done.audit
    else:
        witnesses = done.audit.witnesses if done is not None else ()
        result = suppression.audit(tables, cells, threshold, witnesses=witnesses)
    if not result.passed:
        raise UnpublishableError(
            _("These figures cannot be published: %(n)s hidden figures could be worked out.")
            % {"n": len(result.recovered)}
        )
    return result


def _groups(
    indicator: Indicator, sums: Sums, dims: Sequence[str]
) -> tuple[list[tuple[str, ...]], list[str]]:
    """The breakdowns to publish, each crossed with the most slicers it is complete with, and
    the dimensions not every partner gave."""
    slicers = [d for d in SLICERS if d in dims]
    rest = [d for d in dims if d not in SLICERS]
    bases: list[tuple[str, ...]] = []
    incomplete: list[str] = []
    with_centre = [
        d
        for d in rest
        if CENTRE in rest and d in CROSSED and _counts(indicator, sums, (CENTRE, d)) is not None
    ]
    bases += [(CENTRE, d) for d in with_centre]
    for d in rest:
        if d in with_centre or (d == CENTRE and with_centre):
            continue
        if _counts(indicator, sums, (d,)) is None:
            incomplete.append(d)
        else:
            bases.append((d,))
    choices = [
        tuple(m)
        for size in range(len(slicers), 0, -1)
        for m in itertools.combinations(slicers, size)
    ]
    groups: list[tuple[str, ...]] = []
    crossed: set[str] = set()
    for base in bases:
        with_slicers = next(
            (c for c in choices if _counts(indicator, sums, (*c, *base)) is not None), ()
        )
        groups.append((*with_slicers, *base))
        crossed.update(with_slicers)
    for slicer in slicers:
        if slicer in crossed:
            continue
        if _counts(indicator, sums, (slicer,)) is None:
            incomplete.append(slicer)
        else:
            groups.append((slicer,))
    return groups, incomplete


def _publish_period(
    indicator: Indicator,
    period: Period,
    sums: Sums,
    threshold: int,
    dims: Sequence[str],
    codes_of: Mapping[str, tuple[str, ...]],
) -> Any:
    groups, incomplete = _groups(indicator, sums, dims)
    # The tables of one page are of the same people: a figure two of them have (the total, an
    # area's) must agree, or the later table is left out like one that does not add up.
    kept: list[tuple[tuple[str, ...], Any]] = []
    agreed: dict[suppression.Cell, int] = {}
    for dims_of in groups:
        tables = _linked(indicator, dims_of, _counts(indicator, sums, dims_of) or {}, codes_of)
        values = tables.values
        if any(agreed.get(cell, value) != value for cell, value in values.items()):
            incomplete += [d for d in dims_of if d not in incomplete and d not in SLICERS]
            continue
        agreed.update(values)
        kept.append((dims_of, tables))
    total_sum = sums.get(())
    if not kept:
        # No breakdown to protect it with: the total alone, hidden when small.
        results_total = _total_alone(indicator, total_sum, threshold)
        return PublishedPeriod(period, results_total, {}, incomplete, sums)
    # One family: every table is suppressed and attacked together with the others, so a figure
    # they share is hidden in all or none and no table's shown figures give back another's.
    family = suppression.table_family(tables for _dims, tables in kept)
    result = suppression.suppress_linked(family, threshold)
    audit = checked(family, result.cells, threshold, done=result)
    tables_out: dict[tuple[str, ...], Table] = {}
    total_figure: Figure | None = None
    counted: set[suppression.Cell] = set()  # a shared figure is counted hidden once
    for (dims_of, tables), part in zip(kept, result.parts(), strict=True):
        cells = dict(part.cells)
        figures = _figures(indicator, dims_of, tables, cells, part, sums, codes_of)
        hidden_here = {c for c, v in cells.items() if v is None} - counted
        counted |= hidden_here
        tables_out[dims_of] = Table(dims_of, figures, audit.passed, len(hidden_here), tables, cells)
        total_figure = figures[tuple(None for _d in dims_of)]
    assert total_figure is not None
    return PublishedPeriod(period, total_figure, tables_out, incomplete, sums)


def _slice(published: PublishedPeriod, filters: Mapping[str, str | None]) -> PublishedPeriod:
    """What a filter shows of a period's publication: the rows of the chosen area and program
    type of each table crossed with them, without the slicers; unfiltered, the tables without
    the slicers and each slicer alone (the map's areas). Never a figure of its own."""
    chosen = {s: v for s, v in filters.items() if v}
    tables: dict[tuple[str, ...], Table] = {}
    not_in_slice: list[str] = []
    total: Figure | None = None
    for dims, table in published.tables.items():
        if any(s not in dims for s in chosen):
            not_in_slice += [d for d in dims if d not in chosen and d not in not_in_slice]
            continue
        at = {i: chosen.get(d) for i, d in enumerate(dims) if d in SLICERS}
        kept = tuple(d for d in dims if d not in SLICERS)
        if not at and dims not in tables:
            # not crossed with a slicer: the table as published, its cells kept (a network's
            # sums are audited with them)
            tables[dims] = table
            total = total or table.figures.get(tuple(None for _d in dims))
            continue
        rows = {
            tuple(k for i, k in enumerate(key) if i not in at): figure
            for key, figure in table.figures.items()
            if all(key[i] == code for i, code in at.items())
        }
        if total is None:
            total = rows.get(tuple(None for _d in kept))
        if kept and kept not in tables:
            tables[kept] = _table(kept, rows, table.audit_passed)
        for i, slicer in enumerate(dims):
            if slicer not in SLICERS or slicer in chosen or (slicer,) in tables:
                continue
            alone: dict[tuple[str | None, ...], Figure] = {
                (key[i],): figure
                for key, figure in table.figures.items()
                if all(key[j] == at.get(j) for j in range(len(dims)) if j != i)
            }
            tables[(slicer,)] = _table((slicer,), alone, table.audit_passed)
    return PublishedPeriod(
        published.period,
        total or Figure(None, None),
        tables,
        published.incomplete,
        published.sums,
        not_in_slice,
    )


def _table(
    dims: tuple[str, ...], figures: dict[tuple[str | None, ...], Figure], passed: bool
) -> Table:
    return Table(dims, figures, passed, sum(1 for f in figures.values() if f.mark))


def _total_alone(
    indicator: Indicator, total: tuple[Decimal, Decimal, Decimal] | None, threshold: int
) -> Figure:
    if total is None:
        return Figure(None, None, mark="")
    if not indicator.is_ratio:
        count = suppression.publish_count(_whole(total[0]), threshold)
        return Figure(None if count is None else float(count), count, mark=_mark(count, "small"))
    n = suppression.publish_count(_whole(total[2]), threshold)
    numerator = None
    if indicator.unit == Unit.PERCENT:
        numerator = suppression.publish_count(_whole(total[1]), threshold)
        remainder = suppression.publish_count(_whole(total[2] - total[1]), threshold)
        if remainder is None:
            numerator = None
    value = _ratio(indicator, numerator if indicator.unit == Unit.PERCENT else total[1], n)
    return Figure(value, n, numerator, "" if value is not None else "small")


def _mark(value: Any, mark: str) -> str:
    return mark if value is None else ""


def _ratio(indicator: Indicator, numerator: Any, n: int | None) -> float | None:
    if numerator is None or n is None or n == 0:
        return None
    rate = float(numerator) / n
    return rate * 100 if indicator.unit == Unit.PERCENT else rate


def _figures(
    indicator: Indicator,
    dims: tuple[str, ...],
    tables: Any,
    cells: Mapping[Any, int | None],
    result: Any,
    sums: Sums,
    codes_of: Mapping[str, tuple[str, ...]],
) -> dict[tuple[str | None, ...], Figure]:
    """The published figures of one table, keyed by codes (None for a margin's dimension)."""
    figures: dict[tuple[str | None, ...], Figure] = {}
    option_codes = [list(codes_of[d]) for d in dims]
    for kept in itertools.product(*[[None, *c] for c in option_codes]):
        margin = tuple(d for d, k in zip(dims, kept, strict=True) if k is not None)
        key = tuple(k for k in kept if k is not None)
        cell = suppression.Cell(margin, key)

        def why(c: suppression.Cell) -> str:
            if cells.get(c, 0) is not None:
                return ""
            reason = result.primary.get(c)
            if reason == "small":
                return "small"
            if reason:
                return "complement"
            return "protects"

        n = cells.get(cell)
        if indicator.unit == Unit.PERCENT:
            inside = suppression.Cell((*margin, PART), (*key, IN))
            outside = suppression.Cell((*margin, PART), (*key, OUT))
            numerator = cells.get(inside)
            value = None if cells.get(outside) is None else suppression.rate(numerator, n)
            mark = why(cell) or why(inside) or why(outside)
            if value is None and not mark and n == 0:
                mark = ""
            elif value is None and not mark:
                mark = "derived"
            figures[kept] = Figure(
                None if value is None else value * 100,
                n,
                numerator if value is not None else None,
                mark,
            )
        elif indicator.is_ratio:
            parts = tuple(sorted((d, k) for d, k in zip(dims, kept, strict=True) if k is not None))
            total_of = sums.get(parts)
            value = None
            if n is not None and total_of is not None and n:
                value = float(total_of[1]) / n
            figures[kept] = Figure(value, n, None, why(cell) if n is None else "")
        else:
            figures[kept] = Figure(None if n is None else float(n), n, None, why(cell))
    return figures


def dashboard(
    indicator: Indicator,
    *,
    period: Period | None = None,
    organizations: Sequence[Organization] | None = None,
    periods: Sequence[Period] | None = None,
    area: str | None = None,
    program_type: str | None = None,
    source: str | None = None,
    sources: Sequence[tuple[str, str]] | None = None,
) -> Dashboard:
    """The indicator's published figures for `period` (the latest with values by default) and
    the periods before it (up to PERIODS_SHOWN in all), summed over `organizations` (every
    partner when None) or read from the public files (`source`; by default the partners' when
    they have values, else the public files'; `sources`: `sources_of(indicator)` when the
    caller has read them), in one `area` and one `program_type` when given (a slice of the same
    publication). The caller has checked that the person may see these partners; `periods`:
    `periods_of(indicator, source)` when the caller has read them already."""
    ecosystem = indicator.ecosystem
    threshold = int(ecosystem.suppression_threshold)
    if source is None:
        sources = sources_of(indicator) if sources is None else sources
        source = PARTNERS if organizations else default_source(sources)
    if source != PARTNERS:
        organizations = None  # the partner filter narrows the partners' figures only
    available = list(periods) if periods is not None else list(periods_of(indicator, source))
    if period is not None:
        available = [p for p in available if p.start <= period.start]
    chosen = list(reversed(available[:PERIODS_SHOWN]))
    sums = _sums(indicator, chosen, organizations, source)
    dims = publication_dimensions(indicator)
    if PROGRAM_TYPE in dims:
        sums = _by_program_type(indicator, sums)
    codes_of = {d: _codes_of(d, sums) for d in dims}
    published = [
        _publish_period(indicator, p, sums.get(p.pk, {}), threshold, dims, codes_of) for p in chosen
    ]
    filters = {"area": area or None, PROGRAM_TYPE: program_type or None}
    if any(d in SLICERS for d in dims):
        published = [_slice(p, filters) for p in published]
    names = {}
    if "area" in dims and codes_of["area"]:
        names["area"] = record_names("area", ecosystem, codes_of["area"])
    return Dashboard(
        indicator,
        threshold,
        list(organizations) if organizations else None,
        published,
        filters,
        codes_of,
        names,
        source,
        _("Partners’ submissions")
        if source == PARTNERS
        else dict(sources_of(indicator) if sources is None else sources).get(source, ""),
    )


def area_places(ecosystem: Ecosystem, only: Iterable[str]) -> dict[str, tuple[str, float, float]]:
    """Where the atlas puts these areas: code -> (name, latitude, longitude)."""
    found = PopulationArea.objects.filter(ecosystem=ecosystem, code__in=list(only))
    return {
        code: (name, lat, lon)
        for code, name, lat, lon in found.values_list("code", "name", "latitude", "longitude")
    }


# Reading a dashboard ---------------------------------------------------------------------------


def label(dimension: str, code: str | None) -> str:
    language = get_language() or "en"
    if code is None:
        return _("All")
    if dimension == PROGRAM_TYPE:
        return _("Other") if code == OTHER_TYPE else str(stem_profile.label("activity_type", code))
    found = codes.option_set(dimension).get(code)
    return found.label(language) if found is not None else code


def dimension_label(dimension: str) -> str:
    if dimension == PROGRAM_TYPE:
        return _("Program type")
    return codes.option_set(dimension).label(get_language() or "en")


def mark_text(figure: Figure, threshold: int) -> str:
    """The plain words a hidden figure is shown with."""
    return {
        "small": _("fewer than %(n)s") % {"n": threshold},
        "complement": _("hidden (would reveal a small group)"),
        "protects": _("hidden (protects a small group)"),
        "derived": _("hidden (its count is hidden)"),
    }.get(figure.mark, "—")


def shown(indicator: Indicator, figure: Figure, threshold: int) -> str:
    """A figure as the page writes it."""
    from django.utils.formats import number_format

    from ecotone.templatetags.ecotone import rounded

    if figure.value is None:
        if figure.mark == "small" and indicator.is_ratio:
            # "fewer than 10" beside percentages would read as a percentage
            return _("hidden (fewer than %(n)s counted)") % {"n": threshold}
        return mark_text(figure, threshold) if figure.mark else "—"
    if indicator.unit == Unit.PERCENT:
        return f"{rounded(figure.value, 1)} %"
    if indicator.is_ratio:
        return rounded(figure.value, 2)
    return number_format(int(figure.value), force_grouping=True)


@dataclass(frozen=True)
class GroupEquity:
    code: str
    share: equity.Metric  # the group's share of the young people counted (counts)
    rate: equity.Metric  # the group's rate (percents)
    risk_ratio: equity.Metric
    risk_difference: equity.Metric
    gap: equity.Metric
    representation: equity.Metric
    trend: equity.Trend


def equity_by(
    board: Dashboard, dimension: str, *, enrolment: PublishedPeriod | None = None
) -> list[GroupEquity]:
    """Equity metrics of each group of `dimension` against all others, from the published
    figures only (a hidden figure gives "not enough data"). Representation compares with
    `enrolment`, the area's published enrolment (`services.enrolment`): `no_reference`
    without it or when it is not broken down by `dimension`, hidden when a count is."""
    indicator = board.indicator
    enrolled = enrolment.breakdown(dimension) if enrolment is not None else None
    percent = indicator.unit == Unit.PERCENT
    found: list[GroupEquity] = []
    per_period: list[tuple[str, dict[str, Figure] | None, Figure]] = [
        (p.period.label, p.breakdown(dimension), p.total) for p in board.periods
    ]

    def metrics(group: Figure | None, total: Figure) -> tuple[equity.Metric, ...]:
        g = group or Figure(None, None)
        if percent:
            args = (g.numerator, g.n, total.numerator, total.n)
            return (
                equity.proportion(g.n, total.n),
                equity.proportion(g.numerator, g.n),
                equity.risk_ratio(*args),
                equity.risk_difference(*args),
                equity.gap_to_parity(*args),
            )
        hidden = equity.NotEnoughData("hidden" if g.n is None or total.n is None else "too_few")
        return (equity.proportion(g.n, total.n), hidden, hidden, hidden, hidden)

    for code in board.codes.get(dimension) or _codes_of(dimension, {}):
        history = []
        current: tuple[equity.Metric, ...] = ()
        for period_label, breakdown, total in per_period:
            group = (breakdown or {}).get(code)
            current = metrics(group, total)
            history.append((period_label, current[4] if percent else current[0]))
        share, rate, ratio, difference, gap = current
        found.append(
            GroupEquity(
                code,
                share,
                rate,
                ratio,
                difference,
                gap,
                _representation(
                    (per_period[-1][1] or {}).get(code) if per_period else None,
                    per_period[-1][2] if per_period else None,
                    enrolled,
                    enrolment,
                    dimension,
                    code,
                ),
                equity.trend(history),
            )
        )
    return found


def _representation(
    group: Figure | None,
    total: Figure | None,
    enrolled: dict[str, Figure] | None,
    enrolment: PublishedPeriod | None,
    dimension: str,
    code: str,
) -> equity.Metric:
    """The group's share of the young people counted over its share enrolled; hidden when any
    of the four counts is (`suppression.hidden_figures`)."""
    if enrolled is None or enrolment is None:
        return equity.representation(None, None, None, None)
    mine, everyone = suppression.Cell((dimension,), (code,)), suppression.Cell((), ())
    uses = {code: (mine, everyone)}
    programs = {mine: group.n if group else None, everyone: total.n if total else None}
    enrolled_of = {mine: (enrolled.get(code) or Figure(None, None)).n, everyone: enrolment.total.n}
    if suppression.hidden_figures(uses, programs) or suppression.hidden_figures(uses, enrolled_of):
        return equity.NotEnoughData("hidden")
    return equity.representation(
        programs[mine], programs[everyone], enrolled_of[mine], enrolled_of[everyone]
    )


def export_headers() -> list[str]:
    """The columns of `export_rows`."""
    return [_("Period"), _("Group"), _("Value"), _("Young people"), _("Why hidden"), _("Source")]


def export_rows(board: Dashboard) -> Iterable[list[Any]]:
    """Every published figure of the dashboard's periods, one row each, hidden ones with their
    mark in words, and the source they come from: what the CSV and XLSX carry."""
    indicator = board.indicator
    for published in board.periods:
        seen: set[tuple[Any, ...]] = set()
        for dims, table in published.tables.items():
            for key, figure in table.figures.items():
                parts = tuple((d, k) for d, k in zip(dims, key, strict=True) if k is not None)
                if parts in seen:
                    continue
                seen.add(parts)
                yield [
                    published.period.label,
                    "; ".join(f"{dimension_label(d)}: {board.label(d, k)}" for d, k in parts)
                    or _("Total"),
                    shown(indicator, figure, board.threshold),
                    "" if figure.n is None else figure.n,
                    mark_text(figure, board.threshold) if figure.mark else "",
                    board.source_label,
                ]
        if not published.tables:
            figure = published.total
            yield [
                published.period.label,
                _("Total"),
                shown(indicator, figure, board.threshold),
                "" if figure.n is None else figure.n,
                mark_text(figure, board.threshold) if figure.mark else "",
                board.source_label,
            ]


def as_data(board: Dashboard) -> dict[str, Any]:
    """The dashboard's published figures as JSON-ready data (the API): hidden figures are null
    with `hidden_because` in words and as a code."""
    indicator = board.indicator

    def figure(f: Figure) -> dict[str, Any]:
        return {
            "value": f.value,
            "n": f.n,
            "numerator": f.numerator if indicator.unit == Unit.PERCENT else None,
            "hidden_because": f.mark or None,
            "shown": shown(indicator, f, board.threshold),
        }

    return {
        "indicator": indicator.key,
        "unit": indicator.unit,
        "threshold": board.threshold,
        "organization": board.organizations[0].slug if board.organizations else None,
        "filters": dict(board.filters) or {"area": None, PROGRAM_TYPE: None},
        "source": board.source,
        "source_label": board.source_label,
        "periods": [
            {
                "period": p.period.label,
                "start": p.period.start.isoformat(),
                "total": figure(p.total),
                "hidden_count": p.hidden_count,
                "not_published": [*p.incomplete, *p.not_in_slice],
                "tables": [
                    {
                        "dimensions": list(dims),
                        "audit_passed": table.audit_passed,
                        "figures": [
                            {
                                "codes": {
                                    d: k for d, k in zip(dims, key, strict=True) if k is not None
                                },
                                **figure(f),
                            }
                            for key, f in table.figures.items()
                        ],
                    }
                    for dims, table in p.tables.items()
                ],
            }
            for p in board.periods
        ],
    }
