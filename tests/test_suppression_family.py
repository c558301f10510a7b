"""Families of linked tables (ecotone.suppression: `TableFamily`, `table_family`, and
`suppress_linked` and `audit` over a family): a page's sets of tables of the same people that
share figures (the total, each area's total) are suppressed and attacked together. The test of
the attack: on a star of sets (every set the shared dimensions plus its own), the family's
programs give every hidden cell the interval the programs over the full cross of all the
dimensions give, which is the attacker who knows that one table of people lies behind them."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.suppression import (
    Cell,
    LinkedTables,
    Published,
    audit,
    linked_tables,
    stack,
    suppress_linked,
    suppress_summed,
    table_family,
)

AREAS = ("north", "south")
SEXES = ("F", "M")
ECON = ("yes", "no")
DIMENSIONS = {"area": AREAS, "sex": SEXES, "econ": ECON}


def _margin(full: dict[tuple[str, ...], int], keep: tuple[str, ...]) -> LinkedTables:
    """The table of `keep` (with all its margins) from counts over area x sex x econ."""
    names = list(DIMENSIONS)
    at = [names.index(name) for name in keep]
    counts: dict[tuple[str, ...], int] = {}
    for key, value in full.items():
        short = tuple(key[i] for i in at)
        counts[short] = counts.get(short, 0) + value
    return linked_tables({name: DIMENSIONS[name] for name in keep}, counts)


def _star(full: dict[tuple[str, ...], int]) -> tuple[LinkedTables, LinkedTables]:
    """area x sex and area x econ: two sets sharing the total and the areas' totals."""
    return _margin(full, ("area", "sex")), _margin(full, ("area", "econ"))


counts = st.sampled_from([0, 1, 2, 3, 5, 8, 12, 20, 35])
full_tables = st.fixed_dictionaries(
    {key: counts for key in itertools.product(*DIMENSIONS.values())}
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(full=full_tables)
def test_no_hidden_figure_of_a_family_can_be_recovered_from_all_its_sets_together(
    full: dict[tuple[str, ...], int],
) -> None:
    by_sex, by_econ = _star(full)
    family = table_family([by_sex, by_econ])
    result = suppress_linked(family, 10)
    assert result.audit.passed
    assert audit(family, result.cells, 10, exact=True).passed
    # each set is published whole, and a shared figure is shown or hidden in both alike
    sex_part, econ_part = result.parts()
    assert set(sex_part.cells) == set(by_sex.members)
    assert set(econ_part.cells) == set(by_econ.members)
    for cell in set(by_sex.members) & set(by_econ.members):
        assert sex_part.cells[cell] == econ_part.cells[cell] == result.cells[cell]
    # every small count is hidden
    assert all(result.cells[c] is None for c, v in family.values.items() if 0 < v < 10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(full=full_tables, hide=st.sets(st.integers(0, 15), min_size=1, max_size=8))
def test_the_familys_attack_is_the_attack_on_the_full_cross(
    full: dict[tuple[str, ...], int], hide: set[int]
) -> None:
    by_sex, by_econ = _star(full)
    family = table_family([by_sex, by_econ])
    figures = sorted(family.values, key=repr)
    # zeros are shown (no one): a hidden figure is known to be at least 1
    published: dict[Cell, Published] = {
        cell: None if i in hide and family.values[cell] > 0 else family.values[cell]
        for i, cell in enumerate(figures)
    }
    # the full cross, publishing the same figures (its own cells and other margins left out)
    whole = linked_tables(
        DIMENSIONS,
        full,
        [
            m
            for keep in (("area", "sex"), ("area", "econ"))
            for r in range(3)
            for m in itertools.combinations(keep, r)
        ],
    )
    ours = audit(family, published, 10, exact=True)
    theirs = audit(whole, published, 10, exact=True)
    for cell in (c for c, v in published.items() if v is None):
        assert ours.intervals[cell] == pytest.approx(theirs.intervals[cell], abs=1e-6), cell
    assert ours.recovered == theirs.recovered


def test_a_figure_both_sets_have_is_one_choice() -> None:
    # area x sex: north's girls are 4 and south's boys 3, so within that set hiding the small
    # cells reaches north's and south's totals; area x econ alone would show them (no small
    # cell). Suppressed together, the areas' totals are one figure each, hidden or shown in
    # both sets alike, and the attack runs over both.
    full = {
        ("north", "F", "yes"): 2,
        ("north", "F", "no"): 2,
        ("north", "M", "yes"): 20,
        ("north", "M", "no"): 30,
        ("south", "F", "yes"): 25,
        ("south", "F", "no"): 15,
        ("south", "M", "yes"): 1,
        ("south", "M", "no"): 2,
    }
    by_sex, by_econ = _star(full)
    assert suppress_linked(by_econ, 10).hidden == frozenset()
    result = suppress_linked(table_family([by_sex, by_econ]), 10)
    assert result.audit.passed
    sex_part, econ_part = result.parts()
    north = Cell(("area",), ("north",))
    assert sex_part.cells[north] == econ_part.cells[north]
    assert by_sex.cell({"area": "north", "sex": "F"}) in result.hidden


def test_a_family_is_one_set_of_people() -> None:
    full = {key: 12 for key in itertools.product(*DIMENSIONS.values())}
    by_sex, by_econ = _star(full)
    other = _margin({**full, ("north", "F", "yes"): 13}, ("area", "econ"))
    with pytest.raises(ValueError, match="not the same people"):
        table_family([by_sex, other])
    turned = linked_tables(
        {"sex": SEXES, "area": AREAS}, {(s, a): 24 for s in SEXES for a in AREAS}
    )
    with pytest.raises(ValueError, match="another order"):
        table_family([by_econ, turned, by_sex])
    with pytest.raises(ValueError, match="ask one of"):
        suppress_linked(table_family([by_sex, by_econ]), 10).table(["area"])


def test_families_summed_over_groups_are_audited_with_every_groups_figures() -> None:
    # Two ecosystems publish the same family (area-free here: sex, and econ, sharing the
    # total); the network sums them. The sums are suppressed over the stacked family with each
    # ecosystem's figures fixed as published, and the audit covers all of it at once.
    def family(girls: int, boys: int, poor: int) -> Any:
        by_sex = linked_tables({"sex": SEXES}, {("F",): girls, ("M",): boys})
        by_econ = linked_tables({"econ": ECON}, {("yes",): poor, ("no",): girls + boys - poor})
        return table_family([by_sex, by_econ])

    a, b = family(3, 40, 20), family(30, 25, 4)
    parts = {code: (f, suppress_linked(f, 10).cells) for code, f in (("A", a), ("B", b))}
    assert parts["A"][1][Cell(("sex",), ("F",))] is None
    assert parts["B"][1][Cell(("econ",), ("yes",))] is None
    summed = suppress_summed(parts, 10, dimension="ecosystem")
    assert summed.audit.passed
    stacked = stack({"A": a, "B": b}, "ecosystem")
    assert len(stacked.parts) == 2
    assert audit(stacked, summed.cells, 10, exact=True).passed
    # what each ecosystem publishes is what it published alone
    for code, (_f, cells) in parts.items():
        for cell, value in cells.items():
            assert summed.cells[Cell(("ecosystem", *cell.margin), (code, *cell.codes))] == value
