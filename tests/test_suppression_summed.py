"""Sums of tables already published (ecotone.suppression: `suppress_linked(fixed=)`,
`suppress_summed`): a network's figures summed over its ecosystems, each of which publishes its
own dashboard. The attacker is the audit over everything published together: every
ecosystem's figures and the sums."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.suppression import (
    Cell,
    LinkedTables,
    Published,
    audit,
    linked_tables,
    primary_suppression,
    stack,
    suppress_linked,
    suppress_summed,
)

SEXES = ("F", "M")


def _by_sex(girls: int, boys: int) -> LinkedTables:
    return linked_tables({"sex": SEXES}, {("F",): girls, ("M",): boys})


def _everything(parts: dict[str, Any], sums: dict[Cell, int | None]) -> dict[Cell, Published]:
    """What the ecosystems and the network publish together, as cells of the stacked tables."""
    published: dict[Cell, Published] = {}
    for code, (tables, cells) in parts.items():
        for cell in tables.members:
            if cell in cells:  # else not published (a cross-tab the ecosystem does not show)
                published[Cell(("ecosystem", *cell.margin), (code, *cell.codes))] = cells[cell]
    published.update(sums)
    return published


def test_a_network_sum_suppressed_alone_gives_an_ecosystems_hidden_girls_back() -> None:
    # A: 3 girls (hidden) and 40 boys, B: 30 girls and 25 boys. The network's own figures
    # (33 girls, 65 boys, 98) have no small cell, so suppressed alone they are all shown, and
    # 33 girls less B's 30 gives A's 3 back. Summed over the stacked tables, the network hides
    # its girls and boys instead; its total, 43 + 55, is public already.
    a, b = _by_sex(3, 40), _by_sex(30, 25)
    parts = {code: (t, suppress_linked(t, 10).cells) for code, t in (("A", a), ("B", b))}
    assert parts["A"][1][a.cell({"sex": "F"})] is None
    assert parts["B"][1][b.cell({"sex": "F"})] == 30
    joint = stack({"A": a, "B": b}, "ecosystem")
    a_girls = Cell(("ecosystem", "sex"), ("A", "F"))

    naive = suppress_linked(_by_sex(33, 65), 10)
    assert naive.hidden == frozenset()
    naive_check = audit(joint, _everything(parts, dict(naive.cells)), 10, exact=True)
    assert a_girls in naive_check.recovered

    ours = suppress_summed(parts, 10, dimension="ecosystem")
    sums = {c: v for c, v in ours.cells.items() if "ecosystem" not in c.margin}
    assert sums == {Cell((), ()): 98, Cell(("sex",), ("F",)): None, Cell(("sex",), ("M",)): None}
    check = audit(joint, _everything(parts, sums), 10, exact=True)
    assert check.passed
    assert check.intervals[a_girls][1] - check.intervals[a_girls][0] + 1 >= 9


def test_fixed_cells_are_neither_chosen_nor_primary() -> None:
    tables = _by_sex(3, 40)
    girls, boys, total = (tables.cell({"sex": "F"}), tables.cell({"sex": "M"}), tables.cell())
    # the boys are already public: the girls can only be protected by hiding the total
    result = suppress_linked(tables, 10, fixed={boys: False})
    assert result.cells == {total: None, girls: None, boys: 40}
    assert result.primary == {girls: "small"}
    assert result.complementary == frozenset({total})
    # a fixed hidden cell is kept hidden and audited like the others
    result = suppress_linked(_by_sex(30, 40), 10, fixed={boys: True})
    assert result.cells[boys] is None
    assert result.audit.passed
    assert result.primary == {}
    assert result.complementary in (frozenset({girls}), frozenset({total}))


def test_when_fixed_cells_give_a_hidden_one_away_only_free_cells_are_hidden() -> None:
    tables = _by_sex(3, 40)
    girls, boys, total = (tables.cell({"sex": "F"}), tables.cell({"sex": "M"}), tables.cell())
    result = suppress_linked(tables, 10, fixed={boys: False, total: False}, max_rounds=3)
    assert result.cells == {total: 43, girls: None, boys: 40}
    assert not result.audit.passed


# Random networks --------------------------------------------------------------------------------

ROWS, COLS = ("a", "b"), ("x", "y")
cell_counts = st.one_of(st.integers(0, 4), st.integers(5, 40))
grids = st.lists(
    st.lists(cell_counts, min_size=len(COLS), max_size=len(COLS)),
    min_size=len(ROWS),
    max_size=len(ROWS),
)


@given(st.lists(st.tuples(grids, st.booleans()), min_size=2, max_size=3), st.sampled_from([5, 10]))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_hidden_cell_of_the_ecosystems_or_the_network_can_be_recovered(
    grids: list[tuple[list[list[int]], bool]], threshold: int
) -> None:
    # Each ecosystem publishes its table as its dashboard does (`suppress_linked` over the
    # cross and every margin, or over the margins alone when it has no cross-tab); the network
    # sums them with `suppress_summed`, and publishes the cross only if every one does.
    parts: dict[str, Any] = {}
    for i, (grid, with_cross) in enumerate(grids):
        counts = {(r, c): grid[ri][ci] for ri, r in enumerate(ROWS) for ci, c in enumerate(COLS)}
        tables = linked_tables({"row": ROWS, "col": COLS}, counts)
        margins = None if with_cross else [(), ("row",), ("col",)]
        shown = linked_tables({"row": ROWS, "col": COLS}, counts, margins)
        parts[f"e{i}"] = (tables, suppress_linked(shown, threshold).cells)
    result = suppress_summed(parts, threshold, dimension="ecosystem")
    sums = {c: v for c, v in result.cells.items() if "ecosystem" not in c.margin}
    if not all(with_cross for _grid, with_cross in grids):
        assert not any(len(c.margin) == 2 for c in sums)
    joint = stack({code: t for code, (t, _c) in parts.items()}, "ecosystem")
    check = audit(joint, _everything(parts, sums), threshold, exact=True)
    assert check.passed, check.recovered
    # the network's own small cells are hidden
    network_only = {c for c in primary_suppression(joint, threshold) if "ecosystem" not in c.margin}
    small = {c for c in network_only if 0 < joint.values[c] < threshold and c in sums}
    assert all(sums[c] is None for c in small)
    # and nothing already public is hidden: a sum of shown figures is shown
    for cell, value in sums.items():
        inside = [Cell(("ecosystem", *cell.margin), (k, *cell.codes)) for k in parts]
        if all(result.cells[c] is not None for c in inside):
            assert value is not None
