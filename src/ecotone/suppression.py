"""Small-cell suppression: the one rule by which every count of students is published.
Django-free, typed strictly; docs/privacy.md explains it to readers of the figures.

Problem. A count of a few students can identify them, so counts above 0 and below the
ecosystem's threshold (`Ecosystem.suppression_threshold`, default 10) are not published. Hiding
a cell is not enough when a total is published beside the cells: the total minus the shown
cells gives the hidden ones back (design.md section 4).

Method, for one group of cells (counts of students by program, grade band, ...) and its total:

1. Primary: a count above 0 and below the threshold is hidden. 0 is shown: it is no one.
2. The total: exact when no cell is hidden (hidden itself when above 0 and below the threshold).
   Over hidden cells it is rounded to `rounding_step` (tens, and at least the threshold), halves
   up by integer arithmetic (never Python's `round`, which rounds halves to even: 15 and 25 would
   both become 20), and published as "about 50". When the caller publishes the total exactly
   elsewhere (`exact_total`), the exact total is what the reader has.
3. Complementary: while the published figures still pin a hidden cell down (below), the
   smallest shown positive cells are hidden too, all cells tied at that value at once (so the
   result does not depend on the order of the cells). If none is left to hide, a rounded total
   is hidden instead.

Guarantee ("protected"). A reader knows the shown cells, the total as published (an exact
number, an interval of the totals that round to it, or nothing) and that every hidden cell is a
whole number of at least 1 (zeros are shown). For every hidden cell, every value from 1 to
threshold - 1 is consistent with that knowledge: the figures say no more about a hidden count
than "fewer than the threshold" does. Single exception: with `exact_total`, when even hiding
every positive cell leaves it unprotected (bands 1, 1 and 8 of an exactly published 10 cannot
hold a 9), all positive cells are hidden and the total bounds them.
With k hidden cells whose sum the published total allows to lie in [h_min, h_max], a hidden
cell can take any value in [1, h_max - (k - 1)] when k >= 2 (the others absorb the rest) and
[max(1, h_min), h_max] when k = 1, so the check is O(1).

The atlas shows every area's count on its own and adds the areas into several overlapping totals
(all areas, by locale, in deserts); it publishes through `publish_count` and `publish_total`,
the same threshold, step and rounding, without complementary areas.

Complexity: O(n log n) for n cells (one sort; each complementary round hides at least one cell
and updates running sums).

Linked tables (`linked_tables`, `suppress_linked`, `audit`). A page that shows students by sex,
by race and by sex x race, with the total, publishes several tables made of the same students:
each margin is a sum of cells of the cross, and a hidden cell can come back through any chain
of them. The model: counts over the full cross of some dimensions (a cell is one code per
dimension), and the margins the page publishes, each named by the dimensions it keeps (`()` the
grand total, `("sex",)`, `("sex", "race")`, ...; default every one). A published figure is a
`Cell(margin, codes)`. Every published figure of the set is protected together:

1. Primary (`primary_suppression`): a cell above 0 and below the threshold ("small"); and the
   complement rule: a cell P inside a published cell M (M keeps fewer dimensions, with P's
   codes on them) with 0 < M - P < threshold ("complement"): M and P shown together would say
   that fewer than the threshold are in M but not in P. Zeros are shown (no one), so a reader
   knows every hidden cell is at least 1.
2. Complementary: the hidden set is a 0/1 choice y over the positive cells, primary ones fixed
   to 1, of least cost: by default the total count hidden ("value", the usual measure of
   information lost: it prefers a few small inner cells to a margin), or the number of cells
   ("cells"). Up front, per additive relation (a margin cell and its parts in the next
   published table): a term hidden alone is their difference, so another term is hidden too;
   and with the margin shown, a hidden part can be at most 1 + the sum of (count - 1) over the
   hidden parts (the others are at least 1), so that sum must reach width - 1 or the margin
   is hidden too (tau-Argus's upper protection level, for a count). Then, round by round,
   cover cuts "if c is hidden, one of D is hidden too", one per cell the audit recovers, D
   being the shown figures its LP bounds rest on (the constraints with a nonzero dual, and the
   shown cells that fix a full-cross cell in them). Such a cut is valid for every hiding
   pattern, not only the current one: while none of D is hidden the same dual solution proves
   the same bound (cells hidden instead of shown only relax constraints whose dual is zero);
   the up-front constraints are bounds any attacker has as well. So the MILP (SciPy `milp`,
   HiGHS) never cuts off a pattern that passes the audit, and the loop stops at a least-cost
   pattern that passes it (constraint generation in the spirit of Fischetti and Salazar's,
   which tau-Argus uses, with simpler cuts). If the rounds run out, every positive cell is
   hidden, which the audit always passes.
3. Audit (`audit`): for every hidden cell, the attacker's two linear programs, min and max of
   the cell over the full-cross counts x >= 0 subject to every published figure: shown cells
   exact, intervals for figures shown rounded (a total "about 50" is 45 to 54), hidden cells
   >= 1 (`hidden_minimum`), each published cell the sum of its full-cross cells (SciPy
   `linprog`, HiGHS). Protection range: the interval [min, max] must hold at least `width`
   whole numbers, by default threshold - 1 (and at least 2): the figures must leave as much
   doubt as "fewer than the threshold" does (1 to 9 for 10). Why a width and not "contains 1
   to threshold - 1", the one-group guarantee above: a hidden margin made of k hidden positive
   cells is known to be at least k whatever else is hidden, so a lower end of 1 cannot be asked
   of margins; for a full-cross cell whose least value is 1 (the common case) the two agree.
   `width` is a parameter. Solutions the programs find are tables the attacker cannot rule
   out: the audit first solves 16 programs in fixed pseudo-random directions and skips the
   cells those solutions (and earlier ones that fit the same figures, `witnesses`) already
   spread `width` apart (`exact=True` solves every cell's pair). Full-cross cells a shown
   figure fixes (a shown cell of the cross, the inside of a shown 0) enter as constants.
   The programs are linear, as in tau-Argus and sdcTable. An attacker who reasons in whole
   numbers narrows an interval to its integer points (which is what is counted), and could in
   principle narrow it further where the LP's extreme points are fractional; the tests solve
   that integer attacker's programs too, on random two-dimensional tables.
4. Derived figures: a percentage or rate is hidden when a count it uses is hidden
   (`hidden_figures`, `rate`): a share of a hidden count gives the count back.

Families of linked tables (`table_family`, `TableFamily`). A page publishes several sets of
linked tables of the same people: sex x race, disability, economic disadvantage, each crossed
with the areas. They share figures (the total, each area's total) but no set is inside another,
so they are not one `LinkedTables`. A family is suppressed and audited as one: a shared figure
is one variable of the MILP (hidden in every set or in none), the relations' cuts of every set
apply together, and the audit's programs run over every set's full-cross cells at once, each
copy of a shared figure (one set's sum of its own cells) equal to the others, published or not.
When the sets form a tree (each shares with the others only dimensions one hub set has too,
as a page's do: the crosses share sex and the areas), those programs give every hidden cell
exactly the interval that the programs over the full cross of all the dimensions give (for
each cell of the shared dimensions, tables with equal totals always have a joint table: a
transportation problem), so the audit is the attacker who knows that one table of people lies
behind every set; a property test checks it on two sets. Sets that form a cycle (sex x race,
race x disability and sex x disability) would need the full cross, which this does not build:
pages publish no cycle.

Sums of tables already published (`stack`, `suppress_summed`, `suppress_linked(fixed=)`). A
network sums its ecosystems' tables, each published already; a sum suppressed alone could be
less another ecosystem's shown figure to give a hidden one back. The ecosystems' tables are
stacked under one more dimension (the margins keeping it are each ecosystem's tables, those
without it the sums), every ecosystem's figure is fixed as published (the MILP's bounds pin it;
it is audited like any other), and only the sums are chosen: the audit then runs over
everything published together. docs/privacy.md, "Sums of figures already published".

Cost: the MILP has one variable per positive published cell; each audit solves 16 programs plus
at most two per hidden cell over the full-cross cells not fixed by a shown figure;
`benchmarks/suppression.py` times a 20 x 10 table with all its margins.
"""

from __future__ import annotations

import functools
import itertools
import math
import typing
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Suppressed(Generic[K]):
    """A group as it may be published: `cells[k]` None where hidden; `total` None when hidden,
    rounded (`total_rounded`) when a hidden cell is among those it adds up."""

    cells: dict[K, int | None]
    total: int | None
    total_rounded: bool

    @property
    def any_hidden(self) -> bool:
        return any(v is None for v in self.cells.values()) or self.total is None


def _threshold(threshold: int) -> int:
    return max(int(threshold), 1)


def rounding_step(threshold: int) -> int:
    """Totals over hidden cells are rounded to tens, and to at least the threshold (20 for a
    threshold of 15), so that the rounding hides as much as a hidden cell can hold."""
    return 10 * max(1, math.ceil(_threshold(threshold) / 10))


def round_total(total: int, step: int) -> int:
    """To the nearest multiple of `step`, halves up (15 -> 20, 25 -> 30)."""
    return ((total + step // 2) // step) * step


def total_bounds(published: int, step: int) -> tuple[int, int]:
    """The true totals that `round_total` turns into `published`: [published - step//2,
    published + step - step//2 - 1]."""
    return published - step // 2, published + step - step // 2 - 1


def publish_count(count: int, threshold: int) -> int | None:
    """One count as it may be published: None (hidden) above 0 and below the threshold."""
    return None if 0 < count < _threshold(threshold) else count


def publish_total(total: int, threshold: int, *, over_hidden: bool) -> int | None:
    """A total as it may be published: hidden when small; when a hidden count is among those it
    adds up (`over_hidden`), rounded by `round_total` and hidden if that leaves it small."""
    shown = publish_count(total, threshold)
    if shown is None or shown == 0 or not over_hidden:
        return shown
    rounded = round_total(total, rounding_step(threshold))
    return rounded if rounded >= _threshold(threshold) else None


def publish_marked(count: int, threshold: int) -> tuple[int | None, str]:
    """`publish_count` with why a count is hidden: (the count, "") or (None, "small")."""
    shown = publish_count(count, threshold)
    return shown, "" if shown is not None else "small"


def hidden_mark(shown: int | None, count: int, threshold: int) -> tuple[int | None, str]:
    """A cell of a suppressed group (`suppress`) with why it is hidden: "small" when it is,
    "protects" when it was hidden so that a small one cannot be worked out."""
    if shown is not None:
        return shown, ""
    return None, "small" if publish_count(count, threshold) is None else "protects"


def publish_part(part: int, wholes: Iterable[int], threshold: int) -> tuple[int | None, str]:
    """A count shown beside counts that contain it (the young people at two partners beside each
    partner's own; those reached again beside the year's): (the count, "") or (None, why):
    "small" when it is small, "complement" when a whole less the part is (the complement rule
    of `primary_suppression`, for one cell: both shown would tell how few are in the whole and
    not in the part). 0 is shown, as everywhere."""
    if publish_count(part, threshold) is None:
        return None, "small"
    if part and any(publish_count(whole - part, threshold) is None for whole in wholes):
        return None, "complement"
    return part, ""


def protected(hidden: int, h_min: float, h_max: float, threshold: int) -> bool:
    """Whether `hidden` cells (at least 1 each) summing to between h_min and h_max can each be
    anything from 1 to threshold - 1 (module docstring: the guarantee)."""
    if hidden == 0:
        return True
    low = 1 if hidden >= 2 else max(1, h_min)
    high = h_max - (hidden - 1)
    return low <= 1 and high >= _threshold(threshold) - 1


def suppress(
    counts: Mapping[K, int], threshold: int, *, exact_total: bool = False
) -> Suppressed[K]:
    """One group of counts of students and its total, as they may be published (module
    docstring). `exact_total`: the caller publishes the exact total elsewhere, so protection
    must hold against it; the returned total is then the exact one (or None when small)."""
    threshold = _threshold(threshold)
    values = {k: int(v) for k, v in counts.items()}
    cells: dict[K, int | None] = {k: publish_count(v, threshold) for k, v in values.items()}
    total = sum(values.values())
    hidden = sum(1 for v in cells.values() if v is None)
    if hidden == 0:
        return Suppressed(cells, publish_count(total, threshold), False)
    if exact_total:
        shown_total: int | None = publish_count(total, threshold)
        low = high = total
    else:
        shown_total = publish_total(total, threshold, over_hidden=True)
        if shown_total is None:
            # A hidden total bounds nothing: every hidden cell may be anything from 1 up.
            return Suppressed(cells, None, False)
        low, high = total_bounds(shown_total, rounding_step(threshold))
    shown_sum = sum(v for v in cells.values() if v is not None)
    candidates = sorted({v for v in cells.values() if v is not None and v > 0}, reverse=True)
    while not protected(hidden, low - shown_sum, high - shown_sum, threshold):
        if not candidates:
            return Suppressed(cells, shown_total if exact_total else None, False)
        smallest = candidates.pop()
        for key, value in cells.items():
            if value == smallest:
                cells[key] = None
                hidden += 1
                shown_sum -= smallest
    return Suppressed(cells, shown_total, not exact_total)


# Linked tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure of a linked table: the table that keeps the dimensions `margin` (names, in the
    order of `LinkedTables.dimensions`), at `codes` (one per kept dimension). The grand total is
    `Cell((), ())`; the girls' count of a sex x race table is `Cell(("sex",), ("F",))`."""

    margin: tuple[str, ...]
    codes: tuple[Hashable, ...]


@dataclass(frozen=True)
class LinkedTables:
    """Counts over the full cross of `dimensions` (name and codes, in order), and the `margins`
    a page publishes: each a tuple of the dimension names it keeps, `()` the grand total, all
    names the full cross. Build with `linked_tables`, which checks and normalises."""

    dimensions: tuple[tuple[str, tuple[Hashable, ...]], ...]
    counts: Mapping[tuple[Hashable, ...], int]
    margins: tuple[tuple[str, ...], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _codes in self.dimensions)

    @functools.cached_property
    def interior(self) -> tuple[tuple[Hashable, ...], ...]:
        """The cells of the full cross, in dimension and code order: the attacker's unknowns."""
        return tuple(itertools.product(*(codes for _name, codes in self.dimensions)))

    @functools.cached_property
    def members(self) -> dict[Cell, tuple[int, ...]]:
        """Every published cell (table by table, in code order) and the indices of the
        full-cross cells it adds up."""
        position = {name: i for i, name in enumerate(self.names)}
        codes = dict(self.dimensions)
        members: dict[Cell, tuple[int, ...]] = {}
        for margin in self.margins:
            keep = [position[name] for name in margin]
            groups: dict[tuple[Hashable, ...], list[int]] = {
                key: [] for key in itertools.product(*(codes[name] for name in margin))
            }
            for index, key in enumerate(self.interior):
                groups[tuple(key[i] for i in keep)].append(index)
            for key, indices in groups.items():
                members[Cell(margin, key)] = tuple(indices)
        return members

    @functools.cached_property
    def values(self) -> dict[Cell, int]:
        """Every published cell's true count."""
        counts = [int(self.counts.get(key, 0)) for key in self.interior]
        return {cell: sum(counts[i] for i in idx) for cell, idx in self.members.items()}

    @functools.cached_property
    def relations(self) -> tuple[tuple[Cell, tuple[Cell, ...]], ...]:
        """The additive relations between published tables: each cell of a table, with its
        parts in each published table that keeps more dimensions and has no published table
        between the two."""
        found: list[tuple[Cell, tuple[Cell, ...]]] = []
        kept = [set(m) for m in self.margins]
        for outer, outer_set in zip(self.margins, kept, strict=True):
            for inner, inner_set in zip(self.margins, kept, strict=True):
                if not inner_set < outer_set or any(
                    inner_set < between < outer_set for between in kept
                ):
                    continue
                at = [outer.index(name) for name in inner]
                parts: dict[tuple[Hashable, ...], list[Cell]] = {}
                for cell in self.members:
                    if cell.margin == outer:
                        parts.setdefault(tuple(cell.codes[i] for i in at), []).append(cell)
                found.extend((Cell(inner, key), tuple(cells)) for key, cells in parts.items())
        return tuple(found)

    @functools.cached_property
    def membership(self) -> Any:
        """The published cells (rows, in `members` order) as sums of full-cross cells (columns):
        a sparse 0/1 matrix."""
        rows = [r for r, idx in enumerate(self.members.values()) for _ in idx]
        cols = [i for idx in self.members.values() for i in idx]
        return sparse.csr_matrix(
            (np.ones(len(cols)), (rows, cols)), shape=(len(self.members), len(self.interior))
        )

    @property
    def parts(self) -> tuple[LinkedTables, ...]:
        return (self,)

    @property
    def size(self) -> int:
        """The number of full-cross cells: the attacker's unknowns."""
        return len(self.interior)

    @functools.cached_property
    def copies(self) -> dict[Cell, tuple[tuple[int, ...], ...]]:
        """Every cell, with the full-cross cells it adds up: one tuple (a family's figure has
        one per set of tables that has it; `TableFamily.copies`)."""
        return {cell: (members,) for cell, members in self.members.items()}

    def cell(self, codes: Mapping[str, Hashable] | None = None) -> Cell:
        """The published cell at `codes` ({dimension: code}; none for the grand total)."""
        codes = dict(codes or {})
        margin = tuple(name for name in self.names if name in codes)
        cell = Cell(margin, tuple(codes[name] for name in margin))
        if len(margin) != len(codes) or cell not in self.members:
            raise ValueError(f"no published cell at {codes!r}")
        return cell


def linked_tables(
    dimensions: Mapping[str, Sequence[Hashable]],
    counts: Mapping[tuple[Hashable, ...], int],
    margins: Iterable[Iterable[str]] | None = None,
) -> LinkedTables:
    """Linked tables from counts over the full cross of `dimensions` ({name: codes}, in order;
    `counts` keyed by one code per dimension, missing keys are 0) and the margins published
    (default: every one, from the grand total to the full cross)."""
    dims = tuple((str(name), tuple(codes)) for name, codes in dimensions.items())
    names = tuple(name for name, _codes in dims)
    allowed = [set(codes) for _name, codes in dims]
    for (name, codes), distinct in zip(dims, allowed, strict=True):
        if len(distinct) != len(codes):
            raise ValueError(f"dimension {name!r} repeats a code")
    for key, value in counts.items():
        if len(key) != len(dims) or any(c not in a for c, a in zip(key, allowed, strict=False)):
            raise ValueError(f"cell {key!r} is not one code per dimension {names!r}")
        if int(value) < 0:
            raise ValueError(f"cell {key!r} has a negative count")
    if margins is None:
        chosen = [m for r in range(len(names) + 1) for m in itertools.combinations(names, r)]
    else:
        chosen = []
        for margin in margins:
            wanted = set(margin)
            if not wanted <= set(names):
                raise ValueError(f"margin {sorted(wanted)!r} names an unknown dimension")
            ordered = tuple(name for name in names if name in wanted)
            if ordered not in chosen:
                chosen.append(ordered)
    return LinkedTables(dims, {tuple(k): int(v) for k, v in counts.items()}, tuple(chosen))


@dataclass(frozen=True)
class TableFamily:
    """Sets of linked tables of the same people that publish some figures in common (a page's
    sex x race tables and its tables by disability share the total; with areas, the areas'
    totals too). A figure is a `Cell`; the same cell in two sets is one figure (the same
    dimension names and codes): it is chosen once, hidden in every set or in none, and the
    attacker's programs couple its copies (each set's sum of its own full-cross cells) as
    equal. Build with `table_family`, which checks that shared figures agree."""

    parts: tuple[LinkedTables, ...]

    @property
    def size(self) -> int:
        return sum(part.size for part in self.parts)

    @functools.cached_property
    def copies(self) -> dict[Cell, tuple[tuple[int, ...], ...]]:
        """Every figure, with its full-cross cells in each set that has it (the sets' cells
        numbered one after the other)."""
        found: dict[Cell, list[tuple[int, ...]]] = {}
        offset = 0
        for part in self.parts:
            for cell, members in part.members.items():
                found.setdefault(cell, []).append(tuple(offset + i for i in members))
            offset += part.size
        return {cell: tuple(members) for cell, members in found.items()}

    @functools.cached_property
    def values(self) -> dict[Cell, int]:
        values: dict[Cell, int] = {}
        for part in self.parts:
            values.update(part.values)
        return values

    @functools.cached_property
    def relations(self) -> tuple[tuple[Cell, tuple[Cell, ...]], ...]:
        return tuple(dict.fromkeys(r for part in self.parts for r in part.relations))


def table_family(parts: Iterable[LinkedTables]) -> TableFamily:
    """The sets of linked tables `parts` as one family (`TableFamily`). Refuses sets whose
    shared dimensions come in another order (their cells would not be the same figures) or
    whose shared figures differ (they would not count the same people)."""
    found = tuple(parts)
    if not found:
        raise ValueError("a family needs at least one set of tables")
    for one, other in itertools.combinations(found, 2):
        common = [name for name in one.names if name in other.names]
        if common != [name for name in other.names if name in one.names]:
            raise ValueError(f"shared dimensions {common!r} are in another order")
    family = TableFamily(found)
    values: dict[Cell, int] = {}
    for part in found:
        for cell, value in part.values.items():
            if values.setdefault(cell, value) != value:
                raise ValueError(f"the sets disagree on {cell!r}: not the same people")
    return family


Tables = LinkedTables | TableFamily


def primary_suppression(
    tables: Tables, threshold: int, *, left_out: Collection[Cell] = ()
) -> dict[Cell, str]:
    """The cells hidden whatever else is published (`left_out`: cells not published at all,
    which are neither hidden nor a total whose complement is revealed), with the reason:

    - "small": above 0 and below the threshold;
    - "complement" (the complement rule): a cell P whose complement in a published cell M that
      contains it (M's table keeps a subset of P's dimensions, with P's codes on them) is small:
      0 < M - P < threshold. Showing both would tell that fewer than the threshold are in M but
      not in P ("all but 3 of the 40 girls are white"), a group as small as a hidden cell. P is
      hidden; the cells making up M - P are each small (or 0) and hidden too.
    """
    if isinstance(tables, TableFamily):
        found: dict[Cell, str] = {}
        for part in tables.parts:
            for cell, reason in primary_suppression(part, threshold, left_out=left_out).items():
                found.setdefault(cell, reason)
        return found
    threshold = _threshold(threshold)
    values = tables.values
    absent = set(left_out)
    reasons: dict[Cell, str] = {
        cell: "small"
        for cell, value in values.items()
        if publish_count(value, threshold) is None and cell not in absent
    }
    kept = {margin: set(margin) for margin in tables.margins}
    for cell, value in values.items():
        if cell in reasons or value == 0 or cell in absent:
            continue
        for inner, inner_set in kept.items():
            if not inner_set < kept[cell.margin]:
                continue
            at = [cell.margin.index(name) for name in inner]
            outer = Cell(inner, tuple(cell.codes[i] for i in at))
            whole = values[outer]
            if outer not in absent and 0 < whole - value < threshold:
                reasons[cell] = "complement"
                break
    return reasons


@dataclass(frozen=True)
class Audit:
    """What an attacker's linear programs recover: for each hidden cell the least and the most
    it can be given every published figure (`intervals`, continuous bounds; without `exact`,
    a cell not recovered may show only the part of its interval the solutions found cover),
    the hidden cells whose interval holds fewer than `width` whole values (`recovered`: must
    be empty), and for each of those the published cells the bounds rest on (`evidence`, from
    the LP duals); `witnesses` the solutions found (full-cross tables that publish the same
    figures)."""

    intervals: dict[Cell, tuple[float, float]]
    recovered: tuple[Cell, ...]
    evidence: dict[Cell, frozenset[Cell]]
    width: int
    witnesses: tuple[Any, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.recovered


Published = int | tuple[int, int] | None
SEEDS = 16
WITNESSES = 64


def protection_width(threshold: int) -> int:
    """The default protection range: threshold - 1 whole values (at least 2)."""
    return max(_threshold(threshold) - 1, 2)


def audit(
    tables: Tables,
    published: Mapping[Cell, Published],
    threshold: int,
    *,
    width: int | None = None,
    hidden_minimum: int = 1,
    exact: bool = False,
    witnesses: Sequence[Any] = (),
) -> Audit:
    """The attacker's linear programs over `published` figures of `tables` (module docstring,
    "Audit"): a cell maps to its count (shown exactly), to (low, high) (shown as an interval: a
    rounded total), or to None (hidden: at least `hidden_minimum`); cells left out are not
    published. Each hidden cell is minimised and maximised with SciPy's HiGHS, except that,
    unless `exact`, a cell the solutions already found show to take values `width` apart is
    not solved again: its interval is then the range those solutions show (part of the
    attacker's, so wide enough). `witnesses`: full-cross tables found by earlier audits
    (`Audit.witnesses`); those that publish these same figures count as solutions found.
    A family's sets (`TableFamily`) are attacked together: a figure several sets have is one
    unknown, its copies (each set's sum of its own cells) equal, published or not."""
    width = protection_width(threshold) if width is None else width
    copies = tables.copies
    unknown = set(published) - set(copies)
    if unknown:
        raise ValueError(f"not cells of these tables: {sorted(map(repr, unknown))!r}")
    hidden = [c for c, v in published.items() if v is None]
    ranged = [c for c, v in published.items() if isinstance(v, tuple)]
    shown = [c for c, v in published.items() if v is not None and not isinstance(v, tuple)]
    ranges = [cast(tuple[int, int], published[c]) for c in ranged]
    # The constraints' rows: every copy of a shown figure equals it; the first copy of a
    # hidden or rounded figure is bounded, and each other copy equals the first ("coupled"), as
    # for shared figures not published at all (the sets count the same people).
    coupled = [
        (cell, k)
        for cell, members in copies.items()
        if len(members) > 1 and not (cell in published and cell in shown)
        for k in range(1, len(members))
    ]
    shown_copies = [(cell, k) for cell in shown for k in range(len(copies[cell]))]
    size = tables.size
    # Full-cross cells a shown figure gives away (a shown cell of the cross, or inside a shown
    # 0) are constants: the programs are solved over the others only (the same programs,
    # smaller, which is most of the audit's speed).
    fixed = np.full(size, np.nan)
    fixed_by: dict[int, Cell] = {}
    for cell, k in shown_copies:
        members = copies[cell][k]
        value = int(cast(int, published[cell]))
        if value == 0 or len(members) == 1:
            fixed[list(members)] = value
            fixed_by.update(dict.fromkeys(members, cell))
    free = np.flatnonzero(np.isnan(fixed))
    constant = np.nan_to_num(fixed)

    def rows(which: Sequence[tuple[Cell, int]]) -> Any:
        indices = [copies[cell][k] for cell, k in which]
        cols = [i for idx in indices for i in idx]
        at = [r for r, idx in enumerate(indices) for _ in idx]
        return sparse.csr_matrix((np.ones(len(cols)), (at, cols)), shape=(len(indices), size))

    def part(which: Sequence[tuple[Cell, int]]) -> tuple[Any, Any]:
        full = rows(which)
        return full[:, free], full @ constant

    shown_rows, shown_offset = part(shown_copies)
    copy_rows, copy_offset = part(coupled)
    first_rows, first_offset = part([(cell, 0) for cell, _k in coupled])
    ranged_rows, ranged_offset = part([(c, 0) for c in ranged])
    hidden_rows, hidden_offset = part([(c, 0) for c in hidden])
    eq_rows = sparse.vstack([shown_rows, copy_rows - first_rows], format="csr")
    b_eq = np.concatenate(
        [
            np.array([int(cast(int, published[c])) for c, _k in shown_copies], dtype=float)
            - shown_offset,
            first_offset - copy_offset,
        ]
    )
    eq_figures: list[Cell | None] = [c for c, _k in shown_copies] + [None] * len(coupled)
    keep = np.flatnonzero(np.diff(eq_rows.indptr))  # rows with a free cell left
    if not np.allclose(np.delete(b_eq, keep), 0.0):
        raise ValueError("published figures are inconsistent")
    eq_figures = [eq_figures[k] for k in keep]
    eq_rows, b_eq = eq_rows[keep], b_eq[keep]
    a_ub = sparse.vstack([ranged_rows, -ranged_rows, -hidden_rows], format="csr")
    a_eq: Any = eq_rows
    if free.size * (a_ub.shape[0] + eq_rows.shape[0]) <= 250_000:
        a_ub, a_eq = a_ub.toarray(), eq_rows.toarray()  # small: dense is quicker to pass
    b_ub = np.concatenate(
        [
            np.array([high for _low, high in ranges], dtype=float) - ranged_offset,
            ranged_offset - np.array([low for low, _high in ranges], dtype=float),
            hidden_offset - hidden_minimum,
        ]
    )
    # Every solution found is a table the attacker cannot rule out: the least and the most
    # each hidden cell takes in them are inside its interval.
    seen_low = np.full(len(hidden), np.inf)
    seen_high = np.full(len(hidden), -np.inf)
    found: list[Any] = []
    if len(witnesses):
        # Earlier solutions (of other published patterns) that fit these figures count too.
        bounded = [(c, 0) for c in published] + shown_copies
        low = np.full(len(bounded), -np.inf)
        high = np.full(len(bounded), np.inf)
        for r, (cell, _k) in enumerate(bounded):
            figure = published[cell]
            if figure is None:
                low[r] = hidden_minimum
            elif isinstance(figure, tuple):
                low[r], high[r] = figure
            else:
                low[r] = high[r] = figure
        earlier = np.column_stack(list(witnesses))
        if earlier.shape[0] != size:
            earlier = np.zeros((size, 0))
        sums = rows(bounded) @ earlier
        apart = (rows(coupled) - rows([(cell, 0) for cell, _k in coupled])) @ earlier
        fits = (
            (earlier >= -1e-9).all(axis=0)
            & (sums >= low[:, None] - 1e-6).all(axis=0)
            & (sums <= high[:, None] + 1e-6).all(axis=0)
            & (np.abs(apart) <= 1e-6).all(axis=0)
        )
        first_of = {cell: r for r, (cell, _k) in enumerate(bounded[: len(published)])}
        hidden_at = [first_of[c] for c in hidden]
        for k in np.flatnonzero(fits):
            found.append(earlier[:, k])
            np.minimum(seen_low, sums[hidden_at, k], out=seen_low)
            np.maximum(seen_high, sums[hidden_at, k], out=seen_high)

    def solve(objective: Any) -> Any:
        result = linprog(
            objective,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            A_eq=a_eq if eq_rows.shape[0] else None,
            b_eq=b_eq if eq_rows.shape[0] else None,
            bounds=(0, None),
            method="highs",
        )
        if result.status == 0:
            taken = hidden_rows @ result.x + hidden_offset
            np.minimum(seen_low, taken, out=seen_low)
            np.maximum(seen_high, taken, out=seen_high)
            solution = constant.copy()
            solution[free] = result.x
            found.append(solution)
        elif result.status != 3:
            raise ValueError(f"published figures are inconsistent: {result.message}")
        return result

    def wide(i: int) -> bool:
        if seen_high[i] == np.inf:
            return True
        if seen_low[i] == np.inf:
            return False
        return bool(math.floor(seen_high[i] + 1e-7) - math.ceil(seen_low[i] - 1e-7) + 1 >= width)

    if hidden and free.size and not exact and len(found) < SEEDS:
        # A few solutions in fixed pseudo-random directions usually spread every hidden cell
        # wide enough, leaving few cells to solve one by one.
        directions = np.random.default_rng(0).standard_normal((SEEDS, len(hidden)))
        for direction in directions:
            solve(direction @ hidden_rows)
    intervals: dict[Cell, tuple[float, float]] = {}
    recovered: list[Cell] = []
    evidence: dict[Cell, frozenset[Cell]] = {}
    for i, cell in enumerate(hidden):
        objective = hidden_rows[i].toarray().ravel()
        support: set[Cell] = set()
        if not objective.any():
            # every full-cross cell in it is fixed by shown figures: it is their sum
            seen_low[i] = seen_high[i] = hidden_offset[i]
            support.update(fixed_by[m] for m in copies[cell][0])
        for sign in (1.0, -1.0) if objective.any() else ():
            if not exact and wide(i):
                break
            result = solve(sign * objective)
            if result.status == 3:
                seen_high[i] = np.inf
                continue
            # The bound rests on the figures whose constraints carry a dual value, and on the
            # shown figures that fixed a full-cross cell in them or in the objective.
            duals = result.ineqlin.marginals
            k = len(ranged)
            used = [cell]
            used += [
                c
                for c, d in zip(eq_figures, result.eqlin.marginals, strict=False)
                if c is not None and abs(d) > 1e-9
            ]
            used += [c for j, c in enumerate(ranged) if abs(duals[j]) + abs(duals[k + j]) > 1e-9]
            used += [c for j, c in enumerate(hidden) if abs(duals[2 * k + j]) > 1e-9]
            support.update(c for c in used if c != cell and published[c] is not None)
            support.update(
                fixed_by[m] for c in used for members in copies[c] for m in members if m in fixed_by
            )
        intervals[cell] = (float(seen_low[i]), float(seen_high[i]))
        if not wide(i):
            recovered.append(cell)
            evidence[cell] = frozenset(support)
    return Audit(intervals, tuple(recovered), evidence, width, tuple(found))


@dataclass(frozen=True)
class LinkedSuppressed:
    """Linked tables as they may be published: `cells[c]` the count, None where hidden;
    `primary` the cells hidden for themselves (`primary_suppression`), `complementary` those
    hidden so that no primary one can be worked out; `audit` the check that passed; `rounds`
    the MILP solves it took."""

    tables: Tables
    cells: dict[Cell, int | None]
    primary: dict[Cell, str]
    complementary: frozenset[Cell]
    audit: Audit
    rounds: int = 0

    @property
    def hidden(self) -> frozenset[Cell]:
        return frozenset(c for c, v in self.cells.items() if v is None)

    def parts(self) -> tuple[LinkedSuppressed, ...]:
        """Each set of tables of a family as published, with the cells it has (the audit is
        the family's, which covers them all); of linked tables, themselves."""
        if isinstance(self.tables, LinkedTables):
            return (self,)
        return tuple(
            LinkedSuppressed(
                part,
                {c: v for c, v in self.cells.items() if c in part.members},
                {c: r for c, r in self.primary.items() if c in part.members},
                frozenset(c for c in self.complementary if c in part.members),
                self.audit,
                self.rounds,
            )
            for part in self.tables.parts
        )

    def table(self, margin: Iterable[str]) -> dict[tuple[Hashable, ...], int | None]:
        """One published table ({codes: count or None}), e.g. `table(["sex"])`."""
        if not isinstance(self.tables, LinkedTables):
            raise ValueError("a family publishes several sets of tables: ask one of `parts()`")
        wanted = set(margin)
        ordered = tuple(name for name in self.tables.names if name in wanted)
        if ordered not in self.tables.margins:
            raise ValueError(f"margin {sorted(wanted)!r} is not published")
        return {c.codes: v for c, v in self.cells.items() if c.margin == ordered}


Cost = Literal["value", "cells"]


def publish_parts(
    counts: Mapping[K, int], threshold: int, *, total_hidden: bool
) -> dict[K, tuple[int | None, str]]:
    """Counts that add up to a total published elsewhere (the dose buckets of a year's young
    people), each with why it is hidden (`hidden_mark`): suppressed as one group against the
    exact total; when that total is itself hidden, every part but 0 is hidden with it
    ("protects": the parts would add it back up)."""
    if total_hidden:
        return {key: (None, "protects") if n else (0, "") for key, n in counts.items()}
    result = suppress(counts, threshold, exact_total=True)
    return {key: hidden_mark(result.cells[key], n, threshold) for key, n in counts.items()}


def suppress_linked(
    tables: Tables,
    threshold: int,
    *,
    cost: Cost = "value",
    width: int | None = None,
    max_rounds: int = 200,
    fixed: Mapping[Cell, bool | None] | None = None,
) -> LinkedSuppressed:
    """Linked tables as they may be published (module docstring, "Linked tables"): primary
    suppression, then the complementary cells of least `cost` ("value": their total count,
    "cells": their number) that make the audit pass, found by a MILP that grows cuts from the
    attacker's LP duals. The result has passed `audit` with the same `width`.

    `fixed`: cells whose fate is already decided (published elsewhere: True hidden, False
    shown; None not published at all, left out of the result and of the audit). They are not
    chosen (the MILP's bounds pin them), are neither primary nor complementary, and are
    audited like the others: a hidden one must be protected too. The result passes the audit
    whenever the fixed cells alone (every free positive cell hidden) let it; else it is that
    pattern, with the failed audit, for the caller to refuse.

    A family (`TableFamily`) is suppressed as one: a figure its sets share is one choice, the
    cuts of every set's relations and of the joint audit apply together (`parts()` splits the
    result by set)."""
    threshold = _threshold(threshold)
    width = protection_width(threshold) if width is None else width
    values = tables.values
    fixed = dict(fixed or {})
    unknown = set(fixed) - set(values)
    if unknown:
        raise ValueError(f"not cells of these tables: {sorted(map(repr, unknown))!r}")
    absent = {c for c, hide in fixed.items() if hide is None}
    primary = {
        c: reason
        for c, reason in primary_suppression(tables, threshold, left_out=absent).items()
        if c not in fixed
    }
    # a fixed hidden zero stays hidden; it is no choice of ours (nor anyone's figure to protect)
    hidden_zeros = {c for c, hide in fixed.items() if hide and values[c] == 0}
    candidates = [c for c, v in values.items() if v > 0 and c not in absent]
    index = {c: i for i, c in enumerate(candidates)}
    cuts: list[dict[int, float]] = []

    def cut(cell: Cell, others: Iterable[Cell]) -> None:
        # hiding `cell` needs at least one of `others` hidden too: y_cell - sum y_other <= 0
        row = {index[o]: -1.0 for o in others if o in index and o != cell}
        row[index[cell]] = 1.0
        cuts.append(row)

    for whole, parts in tables.relations:
        if whole not in index:
            continue  # a zero (its parts are zeros too), or not published
        if absent.intersection(parts):
            continue  # a part not published: no relation a reader can use
        if width >= 2:
            # one relation alone pins a cell hidden with every other term shown
            terms = [whole, *parts]
            for term in terms:
                if term in index:
                    cut(term, terms)
        # With the whole shown, the relation alone caps a hidden part at 1 + the sum of
        # (v - 1) over the hidden parts (each other one is at least 1): that must leave `width`
        # values, or the whole must be hidden too. (The upper protection level of tau-Argus.)
        hidden_parts = [p for p in parts if p in index]
        for part in hidden_parts:
            row = {index[p]: -float(values[p] - 1) for p in hidden_parts}
            row[index[part]] += float(width - 1)
            row[index[whole]] = -float(width - 1)
            cuts.append(row)
    weight = np.array(
        [0.0 if c in fixed else float(values[c]) if cost == "value" else 1.0 for c in candidates],
        dtype=float,
    )
    lower = np.array([1.0 if c in primary or fixed.get(c) else 0.0 for c in candidates])
    upper = np.array([0.0 if fixed.get(c) is False else 1.0 for c in candidates])

    pool: list[Any] = []

    def publish(hidden: set[Cell], rounds: int) -> LinkedSuppressed:
        hidden = hidden | hidden_zeros
        cells = {c: (None if c in hidden else v) for c, v in values.items() if c not in absent}
        check = audit(
            tables, cast(dict[Cell, Published], cells), threshold, width=width, witnesses=pool
        )
        pool[:] = check.witnesses[-WITNESSES:]
        complementary = frozenset(hidden - set(primary) - set(fixed))
        return LinkedSuppressed(tables, cells, primary, complementary, check, rounds)

    if not primary and not any(fixed.values()):
        return publish(set(), 0)
    for rounds in range(1, max_rounds + 1):
        result = publish(_solve_pattern(weight, lower, cuts, candidates, upper), rounds)
        if result.audit.passed:
            return result
        for cell in result.audit.recovered:
            cut(cell, result.audit.evidence[cell])
    # Safe whatever the figures, unless the fixed ones give something away: with every free
    # positive cell hidden only the zeros and the fixed shown cells are known.
    return publish({c for c, up in zip(candidates, upper, strict=True) if up}, max_rounds)


def _solve_pattern(
    weight: Any,
    lower: Any,
    cuts: list[dict[int, float]],
    candidates: list[Cell],
    upper: Any = None,
) -> set[Cell]:
    """The least-weight 0/1 hiding pattern over `candidates` between `lower` and `upper` (1s
    by default) that meets every cut (all it may hide when the cuts cannot be met)."""
    n = len(candidates)
    upper = np.ones(n) if upper is None else upper
    constraints = []
    if cuts:
        rows = [r for r, cut in enumerate(cuts) for _ in cut]
        cols = [i for cut in cuts for i in cut]
        data = [v for cut in cuts for v in cut.values()]
        matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(cuts), n))
        constraints.append(LinearConstraint(matrix, -np.inf, 0.0))
    result = milp(
        weight,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(lower, upper),
    )
    if result.status != 0 or result.x is None:
        return {c for c, up in zip(candidates, upper, strict=True) if up}
    return {c for c, y in zip(candidates, result.x, strict=True) if y > 0.5}


# Sums of tables already published ---------------------------------------------------------------


@typing.overload
def stack(parts: Mapping[Hashable, LinkedTables], dimension: str) -> LinkedTables: ...
@typing.overload
def stack(parts: Mapping[Hashable, TableFamily], dimension: str) -> TableFamily: ...
def stack(parts: Mapping[Hashable, Tables], dimension: str) -> Tables:
    """Several groups' linked tables (the same dimensions and margins: ecosystems' dashboards of
    one indicator) as one set: `dimension` a new first dimension whose codes are the groups.
    The margins that keep it are each group's own tables; those without it are their sums.
    Groups' families (the same sets in each) stack set by set, into a family."""
    if not parts:
        raise ValueError("nothing to stack")
    first = next(iter(parts.values()))
    if isinstance(first, TableFamily):
        families = [cast(TableFamily, t) for t in parts.values()]
        if any(len(f.parts) != len(first.parts) for f in families):
            raise ValueError("stacked families must have the same sets of tables")
        return table_family(
            stack({code: cast(TableFamily, t).parts[i] for code, t in parts.items()}, dimension)
            for i in range(len(first.parts))
        )
    parts = cast(Mapping[Hashable, LinkedTables], parts)
    first = cast(LinkedTables, first)
    for tables in parts.values():
        if tables.dimensions != first.dimensions or tables.margins != first.margins:
            raise ValueError("stacked tables must have the same dimensions and margins")
    if dimension in first.names:
        raise ValueError(f"dimension {dimension!r} is taken")
    counts = {(code, *key): v for code, t in parts.items() for key, v in t.counts.items()}
    margins = [(dimension, *m) for m in first.margins] + list(first.margins)
    return linked_tables({dimension: list(parts), **dict(first.dimensions)}, counts, margins)


def suppress_summed(
    parts: Mapping[Hashable, tuple[Tables, Mapping[Cell, int | None]]],
    threshold: int,
    *,
    dimension: str = "part",
    hidden: Iterable[Cell] = (),
    cost: Cost = "value",
    width: int | None = None,
) -> LinkedSuppressed:
    """The sums of groups' tables that are each published already (`parts`: each group's
    tables, the same dimensions and margins for all, and what it publishes of them: None where
    hidden; a cell left out is not published, as a cross-tab one group does not publish), as
    they may be published beside them. A sum is published when every group publishes its
    parts. Each group published its own, so a sum suppressed alone could be less the
    other groups' shown figures to give a hidden one back: the sum is suppressed over the
    stacked tables (`stack`) with every group's figures fixed as published
    (`suppress_linked(fixed=)`), so the audit runs over everything the groups and the sum
    publish together. A sum whose parts are all shown is public already: shown. `hidden`:
    cells of the sum to hide whatever (shown hidden on another table of the same page). The
    sum's figures are the result's cells whose margin lacks `dimension`."""
    tables = stack(cast(Any, {code: t for code, (t, _cells) in parts.items()}), dimension)
    fixed: dict[Cell, bool | None] = {}
    for code, (part, cells) in parts.items():
        for cell in part.values:
            at = Cell((dimension, *cell.margin), (code, *cell.codes))
            fixed[at] = (cells[cell] is None) if cell in cells else None
    wanted = set(hidden)
    for cell in next(iter(parts.values()))[0].values:
        inside = [fixed[Cell((dimension, *cell.margin), (code, *cell.codes))] for code in parts]
        if any(hide is None for hide in inside):
            fixed[cell] = None
        elif not any(inside):
            fixed[cell] = False
        elif cell in wanted:
            fixed[cell] = True
    return suppress_linked(tables, threshold, cost=cost, width=width, fixed=fixed)


F = TypeVar("F", bound=Hashable)


def hidden_figures(
    uses: Mapping[F, Iterable[Cell]], published: Mapping[Cell, int | None]
) -> frozenset[F]:
    """The derived figures (percentages, rates, ratios: `uses` maps each to the counts it is
    computed from) that are hidden because a count they use is hidden or not published."""
    return frozenset(
        figure
        for figure, cells in uses.items()
        if any(published.get(cell) is None for cell in cells)
    )


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator as it may be published: None when either count is hidden or the
    denominator is 0 (a share of hidden counts would give them back)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
