"""Small-cell suppression (ecotone.suppression), the one rule for every count of students: its
examples, and by brute force on small groups, the guarantee its docstring states."""

from __future__ import annotations

import ast
import itertools
import random
from collections import defaultdict
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ecotone import suppression
from ecotone.suppression import (
    Suppressed,
    publish_count,
    publish_total,
    round_total,
    rounding_step,
    suppress,
    total_bounds,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "ecotone"

# Examples --------------------------------------------------------------------------------------


def test_suppress_hides_small_cells_and_a_complement() -> None:
    result = suppress({"a": 4, "b": 30, "c": 12}, 10)
    assert result.cells == {"a": None, "b": 30, "c": None}
    assert result.total == 50
    assert result.total_rounded
    assert suppress({"a": 40, "b": 30}, 10) == Suppressed({"a": 40, "b": 30}, 70, False)
    assert suppress({"a": 4}, 10).total is None  # a small total is itself hidden
    assert suppress({"a": 0, "b": 10}, 10).cells == {"a": 0, "b": 10}


def test_a_rounded_total_that_would_pin_hidden_cells_down_takes_one_more_cell_with_it() -> None:
    # 1 + 1 + 12 = 14, rounded to 10: with 12 shown, the two hidden cells would add up to at
    # most 2, so both would be known to be 1. Hiding 12 too leaves 14 at most over three cells.
    result = suppress({"a": 1, "b": 1, "c": 12}, 10)
    assert result.cells == {"a": None, "b": None, "c": None}
    assert result.total == 10
    assert result.total_rounded


def test_a_total_that_cannot_protect_even_with_every_cell_hidden_is_hidden() -> None:
    # twelve 1s: 12, about 10, allows at most 14 over twelve cells, so no cell could be 9
    result = suppress({str(i): 1 for i in range(12)}, 10)
    assert set(result.cells.values()) == {None}
    assert result.total is None


def test_cells_tied_for_the_complement_are_hidden_together() -> None:
    result = suppress({"a": 3, "b": 20, "c": 20, "d": 50}, 10)
    assert result.cells == {"a": None, "b": None, "c": None, "d": 50}


def test_an_exact_total_published_elsewhere_is_protected_against() -> None:
    # grade bands of an area whose 502 young people are shown: 502 - 500 would pin two 1s
    result = suppress({"k5": 1, "m": 1, "h": 500}, 10, exact_total=True)
    assert result.cells == {"k5": None, "m": None, "h": None}
    assert result.total == 502
    assert not result.total_rounded


def test_rounding_is_halves_up_to_tens_and_at_least_the_threshold() -> None:
    assert rounding_step(10) == 10
    assert rounding_step(3) == 10
    assert rounding_step(15) == 20
    assert rounding_step(700) == 700
    # Python's round would give 20 and 20 (halves to even): published figures would drift
    assert [round_total(t, 10) for t in (14, 15, 25, 406, 818)] == [10, 20, 30, 410, 820]
    assert total_bounds(410, 10) == (405, 414)


def test_publish_count_and_total() -> None:
    assert [publish_count(v, 10) for v in (0, 1, 9, 10, 612)] == [0, None, None, 10, 612]
    assert publish_count(15, 20) is None
    assert publish_total(406, 10, over_hidden=True) == 410
    assert publish_total(406, 10, over_hidden=False) == 406
    assert publish_total(0, 10, over_hidden=True) == 0
    assert publish_total(6, 10, over_hidden=True) is None
    assert publish_total(4, 3, over_hidden=True) is None  # about 0 would say nothing true
    assert publish_total(818, 700, over_hidden=True) == 700


# Properties ------------------------------------------------------------------------------------

cells = st.dictionaries(
    st.sampled_from("abcdefg"), st.integers(min_value=0, max_value=60), min_size=1, max_size=6
)
thresholds = st.integers(min_value=1, max_value=25)


@given(cells, thresholds, st.booleans())
def test_nothing_below_the_threshold_is_shown(
    counts: dict[str, int], threshold: int, exact: bool
) -> None:
    result = suppress(counts, threshold, exact_total=exact)
    for key, shown in result.cells.items():
        assert shown is None or shown == 0 or shown >= threshold
        assert shown is None or shown == counts[key]
    assert result.total is None or result.total == 0 or result.total >= threshold
    if result.total is not None and not result.total_rounded:
        assert result.total == sum(counts.values())
        assert exact or all(v is not None for v in result.cells.values())


@given(cells, thresholds)
def test_a_published_total_is_off_by_at_most_half_the_rounding_step(
    counts: dict[str, int], threshold: int
) -> None:
    result = suppress(counts, threshold)
    if result.total is not None:
        assert abs(result.total - sum(counts.values())) <= rounding_step(threshold) // 2
        assert result.total_rounded == any(v is None for v in result.cells.values())


@given(cells, thresholds, st.booleans(), st.randoms(use_true_random=False))
def test_suppression_is_deterministic_and_ignores_the_order_of_the_cells(
    counts: dict[str, int], threshold: int, exact: bool, rng: random.Random
) -> None:
    items = list(counts.items())
    rng.shuffle(items)
    first = suppress(counts, threshold, exact_total=exact)
    assert suppress(dict(items), threshold, exact_total=exact) == first
    assert suppress(counts, threshold, exact_total=exact) == first


def _consistent_values(
    result: Suppressed[str], counts: dict[str, int], threshold: int, *, exact: bool
) -> dict[str, set[int]]:
    """Brute force: every value each hidden cell can take given what is published (the shown
    cells, the total or the totals that round to it, hidden cells whole and at least 1). All
    hidden cells but the last are enumerated; the last takes whatever the total leaves."""
    hidden = [k for k, v in result.cells.items() if v is None]
    shown = sum(v for v in result.cells.values() if v is not None)
    if exact:
        low = high = sum(counts.values()) - shown
    elif result.total is not None:
        low, high = (b - shown for b in total_bounds(result.total, rounding_step(threshold)))
    else:
        low, high = 1, threshold + len(hidden)  # a hidden total bounds nothing: enough to see
    possible: dict[str, set[int]] = {k: set() for k in hidden}
    if not hidden:
        return possible
    *first, last = hidden
    for values in itertools.product(range(1, high + 1), repeat=len(first)):
        rest_low, rest_high = max(1, low - sum(values)), high - sum(values)
        if rest_low <= rest_high:
            for key, value in zip(first, values, strict=True):
                possible[key].add(value)
            possible[last].update(range(rest_low, rest_high + 1))
    return possible


small_groups = st.dictionaries(
    st.sampled_from("abcd"), st.integers(min_value=0, max_value=30), min_size=1, max_size=3
)


@given(small_groups, st.integers(min_value=1, max_value=12), st.booleans())
def test_every_hidden_cell_could_be_anything_below_the_threshold(
    counts: dict[str, int], threshold: int, exact: bool
) -> None:
    """The guarantee: for every hidden cell, each value from 1 to threshold - 1 is consistent
    with what is published, so the figures say no more than "fewer than the threshold". With an
    exact total the one exception is a group with every positive cell already hidden."""
    result = suppress(counts, threshold, exact_total=exact)
    if exact and not any(result.cells.values()):
        return
    for key, values in _consistent_values(result, counts, threshold, exact=exact).items():
        assert set(range(1, threshold)) <= values, (key, sorted(values))
        assert counts[key] in values


def test_a_reader_who_knows_the_algorithm_cannot_pin_a_hidden_cell_in_small_groups() -> None:
    """Beyond the guarantee: every group of two or three cells up to 40 with thresholds 5 and 10
    is published, and each hidden cell takes at least two values among the groups that publish
    the same figures. (At threshold 3 a total rounded to 0 and hidden gives some 1s away.)"""
    for threshold, size, top in ((5, 3, 25), (10, 2, 40)):
        same: dict[object, list[tuple[int, ...]]] = defaultdict(list)
        for values in itertools.product(range(top), repeat=size):
            result = suppress(dict(zip("abc", values, strict=False)), threshold)
            same[(tuple(result.cells.items()), result.total)].append(values)
        for (published, _total), groups in same.items():
            for index, (_key, shown) in enumerate(published):
                if shown is None:
                    assert len({g[index] for g in groups}) >= 2, (published, groups)


# Nothing else suppresses on its own -------------------------------------------------------------


def _threshold_comparisons(source: str) -> list[int]:
    """Lines that compare against `suppression_threshold`, or against a name assigned from it
    in the same module."""
    tree = ast.parse(source)

    def mentions(node: ast.AST, names: set[str]) -> bool:
        return any(
            (isinstance(n, ast.Attribute) and n.attr == "suppression_threshold")
            or (isinstance(n, ast.Name) and n.id in names)
            for n in ast.walk(node)
        )

    derived = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and mentions(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and mentions(node, derived)
    ]


def test_the_guard_finds_a_comparison_against_the_threshold() -> None:
    assert _threshold_comparisons("if 0 < n < ecosystem.suppression_threshold:\n    pass\n") == [1]
    assert _threshold_comparisons("t = e.suppression_threshold\nhidden = n < t\n") == [2]
    assert _threshold_comparisons("text = str(e.suppression_threshold)\n") == []


def test_no_module_but_suppression_compares_a_count_with_the_threshold() -> None:
    found = {
        str(path.relative_to(SRC)): lines
        for path in SRC.rglob("*.py")
        if path.name != "suppression.py" and "migrations" not in path.parts
        if (lines := _threshold_comparisons(path.read_text()))
    }
    assert found == {}, "publish counts of students through ecotone.suppression"


def test_a_part_is_hidden_when_small_or_when_a_whole_less_it_is() -> None:
    from ecotone.suppression import publish_part

    assert publish_part(8, (20, 18), 5) == (8, "")
    assert publish_part(3, (20, 18), 5) == (None, "small")
    assert publish_part(8, (10, 18), 5) == (None, "complement")  # 2 in the first whole only
    assert publish_part(8, (8, 18), 5) == (8, "")  # no one in the first whole only
    assert publish_part(0, (3,), 5) == (0, "")


def test_a_hidden_count_says_whether_it_is_small_or_protects_a_small_one() -> None:
    assert suppression.publish_marked(12, 10) == (12, "")
    assert suppression.publish_marked(3, 10) == (None, "small")
    assert suppression.publish_marked(0, 10) == (0, "")
    assert suppression.hidden_mark(15, 15, 10) == (15, "")
    assert suppression.hidden_mark(None, 4, 10) == (None, "small")
    assert suppression.hidden_mark(None, 15, 10) == (None, "protects")


def test_parts_of_a_hidden_total_are_hidden_with_it_and_otherwise_suppressed_together() -> None:
    """`publish_parts`: under a hidden total every part but 0 is hidden ("protects"); under
    a shown one the parts are one suppressed group, a small one hidden with a partner."""
    from ecotone.suppression import publish_parts

    counts = {"once": 40, "few": 3, "many": 25, "none": 0}
    hidden = publish_parts(counts, 10, total_hidden=True)
    assert hidden == {
        "once": (None, "protects"),
        "few": (None, "protects"),
        "many": (None, "protects"),
        "none": (0, ""),
    }
    shown = publish_parts(counts, 10, total_hidden=False)
    assert shown["few"] == (None, "small")
    assert shown["none"] == (0, "")
    # one more is hidden to protect the small one against the exact total
    assert [why for _value, why in shown.values()].count("protects") == 1
