"""Linked-table suppression (ecotone.suppression: `suppress_linked`, `audit`): hand-worked
tables, then properties on random two- and three-dimensional tables with their margins. The
attacker is the audit's linear programs, and for two-dimensional tables also an integer
attacker (the same programs over whole numbers) solved here independently."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from ecotone.suppression import (
    Cell,
    LinkedSuppressed,
    LinkedTables,
    Published,
    audit,
    hidden_figures,
    linked_tables,
    primary_suppression,
    protection_width,
    rate,
    rounding_step,
    suppress,
    suppress_linked,
    total_bounds,
)

ROWS = ("a", "b", "c")
COLS = ("x", "y", "z")


def _grid(rows: dict[str, tuple[int, ...]]) -> LinkedTables:
    counts = {(r, c): v for r, values in rows.items() for c, v in zip(COLS, values, strict=True)}
    return linked_tables({"row": list(rows), "col": COLS[: len(next(iter(rows.values())))]}, counts)


def _cross(result: LinkedSuppressed, row: str, col: str) -> int | None:
    return result.cells[result.tables.cell({"row": row, "col": col})]


# Hand-worked tables ----------------------------------------------------------------------------


def test_a_small_cell_takes_a_row_a_column_and_the_corner_with_it() -> None:
    # Row a: 4 20 25 (49); column x: 4 15 20 (39). Hiding 4 alone, row a gives it back
    # (49 - 20 - 25), so one more cell of row a and one of column x are hidden, and the corner
    # closing the rectangle, else that column or row gives its partner back. The cheapest
    # rectangle hides 20 + 15 + 30.
    tables = _grid({"a": (4, 20, 25), "b": (15, 30, 35), "c": (20, 40, 45)})
    result = suppress_linked(tables, 10)
    hidden = {(c.codes[0], c.codes[1]) for c in result.hidden}
    assert hidden == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert result.primary == {tables.cell({"row": "a", "col": "x"}): "small"}
    assert len(result.complementary) == 3
    assert all(v is not None for c, v in result.cells.items() if len(c.margin) < 2)
    # x_ax = t: x_ay = 24 - t, x_bx = 19 - t, x_by = 26 + t, all at least 1
    exact = audit(tables, result.cells, 10, exact=True)
    assert exact.intervals[tables.cell({"row": "a", "col": "x"})] == pytest.approx((1.0, 18.0))
    assert exact.intervals[tables.cell({"row": "b", "col": "y"})] == pytest.approx((27.0, 44.0))
    assert exact.passed


def test_the_audit_gives_back_a_cell_hidden_alone_and_names_the_figures_that_do() -> None:
    tables = _grid({"a": (4, 20, 25), "b": (15, 30, 35), "c": (20, 40, 45)})
    small = tables.cell({"row": "a", "col": "x"})
    published: dict[Cell, Published] = dict(tables.values)
    published[small] = None
    check = audit(tables, published, 10)
    assert check.recovered == (small,)
    assert check.intervals[small] == pytest.approx((4.0, 4.0))
    # either the row or the column gives it back; the figures named are all shown
    assert check.evidence[small]
    assert all(published[c] is not None for c in check.evidence[small])
    # a table that does not publish the same figures is no witness for the attacker's doubt
    other = np.array([tables.counts[key] for key in tables.interior], dtype=float)
    other[tables.interior.index(("a", "x"))] = 20  # would spread it over 4 to 20
    assert audit(tables, published, 10, witnesses=[other]).recovered == (small,)


def test_two_hidden_ones_that_add_up_to_little_take_a_third_cell() -> None:
    # 1 1 30 40 with their total: the two hidden cells add up to 2, so both are 1.
    counts = {("w",): 1, ("x",): 1, ("y",): 30, ("z",): 40}
    tables = linked_tables({"col": ["w", "x", "y", "z"]}, counts)
    published: dict[Cell, Published] = {
        c: (None if v < 10 else v) for c, v in tables.values.items()
    }
    assert len(audit(tables, published, 10).recovered) == 2
    result = suppress_linked(tables, 10)
    assert result.table(["col"]) == {("w",): None, ("x",): None, ("y",): None, ("z",): 40}
    assert result.table([]) == {(): 72}
    assert audit(tables, result.cells, 10, exact=True).passed


def test_figures_left_out_of_the_audit_are_not_published() -> None:
    tables = linked_tables({"sex": ["F", "M"]}, {("F",): 40, ("M",): 60})
    total, girls, boys = tables.cell(), tables.cell({"sex": "F"}), tables.cell({"sex": "M"})
    assert audit(tables, {total: 100, girls: None, boys: 60}, 10).recovered == (girls,)
    assert audit(tables, {girls: None, boys: 60}, 10).passed
    rounded = audit(tables, {total: (95, 104), girls: None, boys: 60}, 10, exact=True)
    assert rounded.passed
    assert rounded.intervals[girls] == pytest.approx((35.0, 44.0))


def test_a_total_hidden_over_shown_parts_is_their_sum() -> None:
    tables = linked_tables({"sex": ["F", "M"]}, {("F",): 40, ("M",): 60})
    total, girls, boys = tables.cell(), tables.cell({"sex": "F"}), tables.cell({"sex": "M"})
    for exact in (False, True):
        check = audit(tables, {total: None, girls: 40, boys: 60}, 10, exact=exact)
        assert check.recovered == (total,)
        assert check.intervals[total] == (100.0, 100.0)
        assert check.evidence[total] == {girls, boys}


def test_a_cell_whose_complement_is_small_is_hidden() -> None:
    # 52 students, 50 of them girls: showing 50 beside 52 says that 2 are not girls.
    tables = linked_tables({"sex": ["F", "M"]}, {("F",): 50, ("M",): 2})
    reasons = primary_suppression(tables, 10)
    assert reasons == {
        tables.cell({"sex": "F"}): "complement",
        tables.cell({"sex": "M"}): "small",
    }
    result = suppress_linked(tables, 10)
    assert result.table(["sex"]) == {("F",): None, ("M",): None}
    assert result.table([]) == {(): 52}
    # the complement inside a margin of a cross: girls 40, of whom white 37 (others 3)
    cross = linked_tables(
        {"sex": ["F", "M"], "race": ["W", "B"]},
        {("F", "W"): 37, ("F", "B"): 3, ("M", "W"): 30, ("M", "B"): 20},
    )
    assert primary_suppression(cross, 10)[cross.cell({"sex": "F", "race": "W"})] == "complement"


def test_margins_alone_are_protected_when_the_cross_is_not_published() -> None:
    # by sex and by race and the total, no cross: a race of 3 students is hidden, and a second
    # race with it (the total minus the shown races would give it back)
    counts = {("F", "A"): 20, ("F", "B"): 2, ("F", "C"): 30, ("M", "A"): 25, ("M", "B"): 1}
    counts[("M", "C")] = 12
    tables = linked_tables(
        {"sex": ["F", "M"], "race": ["A", "B", "C"]}, counts, [(), ("sex",), ("race",)]
    )
    result = suppress_linked(tables, 10)
    assert result.table(["race"])[("B",)] is None
    assert sum(v is None for v in result.table(["race"]).values()) == 2
    assert result.table(["sex"]) == {("F",): 52, ("M",): 38}
    assert audit(tables, result.cells, 10, exact=True).passed
    with pytest.raises(ValueError, match="not published"):
        result.table(["sex", "race"])


def test_percentages_of_hidden_counts_are_hidden() -> None:
    tables = _grid({"a": (4, 20, 25), "b": (15, 30, 35), "c": (20, 40, 45)})
    result = suppress_linked(tables, 10)
    a_x, a_z = tables.cell({"row": "a", "col": "x"}), tables.cell({"row": "a", "col": "z"})
    row_a = tables.cell({"row": "a"})
    uses = {"share x of a": [a_x, row_a], "share z of a": [a_z, row_a], "row a": [row_a]}
    assert hidden_figures(uses, result.cells) == {"share x of a"}
    assert rate(result.cells[a_x], result.cells[row_a]) is None
    assert rate(result.cells[a_z], result.cells[row_a]) == pytest.approx(25 / 49)
    assert rate(3 * 10, 0) is None


def test_nothing_small_leaves_every_figure_shown() -> None:
    tables = _grid({"a": (0, 20, 25), "b": (15, 30, 0)})
    result = suppress_linked(tables, 10)
    assert result.cells == tables.values
    assert result.audit.passed
    assert not result.primary


def test_linked_tables_are_checked() -> None:
    with pytest.raises(ValueError, match="one code per dimension"):
        linked_tables({"sex": ["F", "M"]}, {("X",): 3})
    with pytest.raises(ValueError, match="repeats a code"):
        linked_tables({"sex": ["F", "F"]}, {})
    with pytest.raises(ValueError, match="negative"):
        linked_tables({"sex": ["F", "M"]}, {("F",): -1})
    with pytest.raises(ValueError, match="unknown dimension"):
        linked_tables({"sex": ["F", "M"]}, {}, [("race",)])
    tables = linked_tables({"sex": ["F", "M"], "race": ["A"]}, {}, [("race", "sex"), ()])
    assert tables.margins == (("sex", "race"), ())
    with pytest.raises(ValueError, match="no published cell"):
        tables.cell({"sex": "F"})
    with pytest.raises(ValueError, match="not cells"):
        audit(tables, {Cell(("sex",), ("F",)): None}, 10)


def test_the_protection_width_is_the_threshold_less_one() -> None:
    assert [protection_width(t) for t in (1, 2, 3, 10, 15)] == [2, 2, 2, 9, 14]
    tables = _grid({"a": (4, 20, 25), "b": (15, 30, 35), "c": (20, 40, 45)})
    result = suppress_linked(tables, 10)
    # the rectangle leaves 18 values to the hidden 4: enough for 9, not for 20
    assert audit(tables, result.cells, 10, width=18).passed
    assert not audit(tables, result.cells, 10, width=19).passed
    assert audit(tables, suppress_linked(tables, 10, width=19).cells, 10, width=19).passed


# The one-group rule, checked by the same audit -------------------------------------------------


@given(
    st.dictionaries(
        st.sampled_from("abcdef"), st.integers(min_value=0, max_value=40), min_size=1, max_size=5
    ),
    st.integers(min_value=2, max_value=15),
)
@settings(max_examples=60, deadline=None)
def test_a_group_published_by_suppress_passes_the_lp_audit(
    counts: dict[str, int], threshold: int
) -> None:
    """`suppress`'s guarantee (every value 1 to threshold - 1 fits every hidden cell), seen by
    the attacker's programs: the rounded total is the interval of totals that round to it."""
    result = suppress(counts, threshold)
    tables = linked_tables({"group": list(counts)}, {(k,): v for k, v in counts.items()})
    published: dict[Cell, Published] = {Cell(("group",), (k,)): v for k, v in result.cells.items()}
    total: Published = result.total
    if result.total is not None and result.total_rounded:
        total = total_bounds(result.total, rounding_step(threshold))
    published[Cell((), ())] = total
    check = audit(tables, published, threshold, width=threshold - 1, exact=True)
    assert check.passed, check.intervals


# Random linked tables ------------------------------------------------------------------------

count = st.one_of(
    st.just(0), st.integers(min_value=1, max_value=12), st.integers(min_value=10, max_value=80)
)


@st.composite
def tables_of(draw: st.DrawFn, sizes: st.SearchStrategy[list[int]]) -> LinkedTables:
    shape = draw(sizes)
    names = [f"d{i}" for i in range(len(shape))]
    dimensions = {
        name: [f"{name}{j}" for j in range(n)] for name, n in zip(names, shape, strict=True)
    }
    interior = list(itertools.product(*dimensions.values()))
    values = draw(st.lists(count, min_size=len(interior), max_size=len(interior)))
    lattice = [m for r in range(len(names) + 1) for m in itertools.combinations(names, r)]
    margins = draw(
        st.one_of(st.just(lattice), st.lists(st.sampled_from(lattice), min_size=1, unique=True))
    )
    return linked_tables(dimensions, dict(zip(interior, values, strict=True)), margins)


two_d = tables_of(st.lists(st.integers(min_value=2, max_value=4), min_size=2, max_size=2))
three_d = tables_of(st.lists(st.integers(min_value=2, max_value=3), min_size=3, max_size=3))
thresholds = st.integers(min_value=3, max_value=12)


def _integer_interval(
    tables: LinkedTables, published: dict[Cell, int | None], cell: Cell
) -> tuple[float, float]:
    """The attacker over whole numbers: min and max of `cell` among integer tables that
    publish the same figures (hidden cells at least 1), with a cap that stands for unbounded."""
    matrix = tables.membership
    rows = {c: i for i, c in enumerate(tables.members)}
    cap = 10 * (sum(tables.counts.values()) + 10)
    lower = np.array([v if v is not None else 1 for v in published.values()], dtype=float)
    upper = np.array([v if v is not None else np.inf for v in published.values()], dtype=float)
    constraint = LinearConstraint(matrix[[rows[c] for c in published]], lower, upper)
    objective = matrix[rows[cell]].toarray().ravel()
    found = []
    for sign in (1.0, -1.0):
        result = milp(
            sign * objective,
            constraints=[constraint],
            integrality=np.ones(matrix.shape[1]),
            bounds=Bounds(0, cap),
        )
        assert result.status == 0
        found.append(sign * result.fun)
    return found[0], found[1]


def _check_published(tables: LinkedTables, threshold: int, result: LinkedSuppressed) -> None:
    assert set(result.cells) == set(tables.values)
    for cell, shown in result.cells.items():
        value = tables.values[cell]
        assert shown is None or shown == value
        assert shown is None or not 0 < shown < threshold
        assert value != 0 or shown == 0  # zeros are shown
    assert set(result.primary) <= result.hidden
    # no shown cell leaves a small remainder of a shown cell that contains it
    for part, shown in result.cells.items():
        for margin in tables.margins:
            if shown is None or not set(margin) < set(part.margin):
                continue
            whole = Cell(margin, tuple(part.codes[part.margin.index(n)] for n in margin))
            if result.cells[whole] is not None:
                assert not 0 < tables.values[whole] - shown < threshold, (whole, part)
    assert result.hidden == set(result.primary) | result.complementary
    assert result.audit.passed
    check = audit(tables, result.cells, threshold, exact=True)
    assert check.passed, {c: check.intervals[c] for c in check.recovered}
    for low, high in check.intervals.values():
        assert high - low + 1 >= protection_width(threshold) - 1e-6


@given(two_d, thresholds)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_hidden_cell_of_a_random_two_way_table_can_be_recovered(
    tables: LinkedTables, threshold: int
) -> None:
    result = suppress_linked(tables, threshold)
    _check_published(tables, threshold, result)
    width = protection_width(threshold)
    for cell in result.hidden:
        low, high = _integer_interval(tables, result.cells, cell)
        assert high - low + 1 >= width, (cell, low, high)


@given(three_d, thresholds)
# Fewer examples than the two-way test: a three-way table takes several MILP rounds (0.1 to 2 s).
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_hidden_cell_of_a_random_three_way_table_can_be_recovered(
    tables: LinkedTables, threshold: int
) -> None:
    _check_published(tables, threshold, suppress_linked(tables, threshold))


@given(two_d, thresholds)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_each_cost_is_the_least_of_its_kind_and_the_result_is_repeatable(
    tables: LinkedTables, threshold: int
) -> None:
    by_value = suppress_linked(tables, threshold, cost="value")
    by_cells = suppress_linked(tables, threshold, cost="cells")
    assert len(by_cells.hidden) <= len(by_value.hidden)
    hidden_value = sum(tables.values[c] for c in by_value.hidden)
    assert hidden_value <= sum(tables.values[c] for c in by_cells.hidden)
    assert suppress_linked(tables, threshold, cost="value").cells == by_value.cells


@given(two_d, thresholds)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_fast_audit_finds_what_the_exact_one_finds(
    tables: LinkedTables, threshold: int
) -> None:
    """Primary suppression alone (no complement) is usually not safe: both audits must name the
    same recovered cells."""
    primary = primary_suppression(tables, threshold)
    published = {c: (None if c in primary else v) for c, v in tables.values.items()}
    fast = audit(tables, published, threshold)
    exact = audit(tables, published, threshold, exact=True)
    # solutions of another pattern: those that do not publish these figures are left out
    other = suppress_linked(tables, threshold).audit.witnesses
    reused = audit(tables, published, threshold, witnesses=other)
    assert fast.recovered == exact.recovered == reused.recovered
    for cell in fast.recovered:
        assert fast.intervals[cell] == pytest.approx(exact.intervals[cell])
        assert reused.intervals[cell] == pytest.approx(exact.intervals[cell])


def test_a_cell_another_table_hides_is_hidden_and_protected_too() -> None:
    # no small cell: only because another table hides the girls' 30 are they hidden here
    tables = linked_tables(
        {"sex": ("F", "M"), "race": ("A", "B")},
        {
            ("F", "A"): 15,
            ("F", "B"): 15,
            ("M", "A"): 20,
            ("M", "B"): 25,
        },
    )
    girls = Cell(("sex",), ("F",))
    assert suppress_linked(tables, 10).cells[girls] == 30
    result = suppress_linked(tables, 10, fixed={girls: True})
    assert result.cells[girls] is None
    assert girls not in result.primary
    assert result.audit.passed  # the boys' 45 is hidden with it, or the total
    assert result.cells[Cell(("sex",), ("M",))] is None or result.cells[Cell((), ())] is None
