"""The reach report's program types' table (`reach.published.type_table`): on random small
years of three or four types, an attacker who knows every shown count, the year's total and
that every young person is in some type (and every hidden count is at least 1: zeros are
shown) cannot pin a hidden count down. The attacker here is written apart from
`suppression.audit`: linear programs over the young people by their exact set of types,
solved for every hidden cell, minimised and maximised."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from ecotone.measures.services.reach.published import type_table

TYPES = ("a", "b", "c", "d")


def attacker_bounds(
    codes: tuple[str, ...], table: dict[tuple[str, str], tuple[int | None, str]], total: int
) -> dict[tuple[str, str], tuple[float, float]]:
    """For each hidden cell, the least and most it can be given the shown ones and the total."""
    atoms = [
        frozenset(s) for r in range(1, len(codes) + 1) for s in itertools.combinations(codes, r)
    ]

    def row(members: frozenset[str]) -> list[float]:
        return [1.0 if members <= atom else 0.0 for atom in atoms]

    cells = {(a, a): frozenset({a}) for a in codes} | {
        (a, b): frozenset({a, b}) for a, b in itertools.combinations(codes, 2)
    }
    a_eq = [[1.0] * len(atoms)]
    b_eq = [float(total)]
    a_ub, b_ub = [], []
    for key, members in cells.items():
        value = table[key][0]
        if value is None:
            a_ub.append([-x for x in row(members)])
            b_ub.append(-1.0)
        else:
            a_eq.append(row(members))
            b_eq.append(float(value))
    bounds = {}
    for key, members in cells.items():
        if table[key][0] is not None:
            continue
        found = []
        for sign in (1.0, -1.0):
            result = linprog(
                np.array(row(members)) * sign,
                A_ub=a_ub or None,
                b_ub=b_ub or None,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=(0, None),
                method="highs",
            )
            assert result.status in (0, 3)
            found.append(sign * result.fun if result.status == 0 else sign * math.inf)
        bounds[key] = (found[0], -found[1] if found[1] == -math.inf else found[1])
    return bounds


@st.composite
def years(draw: st.DrawFn) -> tuple[tuple[str, ...], dict[str, int], int]:
    codes = TYPES[: draw(st.integers(3, 4))]
    atoms = [
        "|".join(s) for r in range(1, len(codes) + 1) for s in itertools.combinations(codes, r)
    ]
    small = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 30))
    sets = {atom: draw(small) for atom in atoms}
    return codes, sets, draw(st.sampled_from((3, 5, 10)))


@settings(max_examples=25, deadline=None)  # about 2 s: LPs per example
@given(years())
def test_no_hidden_count_of_the_types_table_can_be_pinned_down(
    year: tuple[tuple[str, ...], dict[str, int], int],
) -> None:
    codes, sets, threshold = year
    total = sum(sets.values())
    assume(not 0 < total < threshold)  # a small total is never shown (the dashboard hides it)
    table = type_table(sets, True, threshold)
    present = [c for c in codes if any(c in k.split("|") and n for k, n in sets.items())]
    truth = {
        (a, b): sum(n for k, n in sets.items() if {a, b} <= set(k.split("|")))
        for a in present
        for b in present
    }
    assert set(table) == set(truth)
    for key, (value, mark) in table.items():
        assert value is None or value == truth[key]  # what is shown is true
        assert value is not None or (truth[key] > 0 and mark in ("small", "complement", "protects"))
        if 0 < truth[key] < threshold:
            assert value is None  # small: hidden
    width = max(threshold - 1, 2)
    for key, (low, high) in attacker_bounds(tuple(present), table, total).items():
        assert math.floor(high + 1e-7) - math.ceil(low - 1e-7) + 1 >= width, (key, low, high)


def test_with_the_total_hidden_only_zeros_are_shown() -> None:
    table = type_table({"a": 40, "b": 30, "a|b": 20}, False, 5)
    assert set(table.values()) == {(None, "protects")}
    table = type_table({"a": 40, "b": 30}, False, 5)
    assert table[("a", "b")] == (0, "")
    assert table[("a", "a")] == (None, "protects")
