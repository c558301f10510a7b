"""Equity metrics (ecotone.measures.equity): Django-free, with property tests."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.measures import equity
from ecotone.measures.equity import Estimate, NotEnoughData


def test_risk_ratio_compares_a_group_with_all_other_students() -> None:
    # girls: 30 of 100 concentrate; everyone: 90 of 200, so the others: 60 of 100
    found = equity.risk_ratio(30, 100, 90, 200)
    assert isinstance(found, Estimate)
    assert found.value == 0.5
    assert found.low is not None
    assert found.high is not None
    assert found.low < 0.5 < found.high
    # Katz's log interval, by hand
    spread = 1.96 * math.sqrt(1 / 30 - 1 / 100 + 1 / 60 - 1 / 100)
    assert math.isclose(found.low, 0.5 * math.exp(-spread), rel_tol=1e-3)


def test_risk_difference_and_gap_to_parity() -> None:
    difference = equity.risk_difference(30, 100, 90, 200)
    assert isinstance(difference, Estimate)
    assert math.isclose(difference.value, -0.3)
    assert difference.low is not None
    assert difference.high is not None
    assert difference.low < -0.3 < difference.high < 0
    gap = equity.gap_to_parity(30, 100, 90, 200)
    assert isinstance(gap, Estimate)
    assert math.isclose(gap.value, 0.3 - 0.45)


def test_a_hidden_count_gives_not_enough_data() -> None:
    for metric in (equity.risk_ratio, equity.risk_difference, equity.gap_to_parity):
        assert metric(None, 100, 90, 200) == NotEnoughData("hidden")
        assert metric(30, 100, 90, None) == NotEnoughData("hidden")
    assert equity.proportion(None, 10) == NotEnoughData("hidden")


def test_no_one_else_or_a_zero_rate_elsewhere_gives_not_enough_data() -> None:
    assert equity.risk_ratio(30, 100, 30, 100) == NotEnoughData("zero_denominator")
    assert equity.risk_ratio(30, 100, 30, 200) == NotEnoughData("zero_denominator")


def test_small_groups_get_no_interval() -> None:
    found = equity.risk_ratio(2, 4, 90, 200)
    assert isinstance(found, Estimate)
    assert found.low is None


def test_representation_needs_enrolment() -> None:
    assert equity.representation(40, 100, None, None) == NotEnoughData("no_reference")
    found = equity.representation(40, 100, 500, 1000)
    assert isinstance(found, Estimate)
    assert math.isclose(found.value, 0.8)
    assert found.low is not None
    assert found.low < 0.8 < (found.high or 0)


def test_trend_is_the_change_from_first_to_last_known_period() -> None:
    found = equity.trend(
        [
            ("2022–23", Estimate(0.4)),
            ("2023–24", NotEnoughData("hidden")),
            ("2024–25", Estimate(0.55)),
        ]
    )
    assert isinstance(found.change, Estimate)
    assert math.isclose(found.change.value, 0.15)
    assert equity.trend([("2024–25", Estimate(0.4))]).change == NotEnoughData("too_few")


groups = st.integers(min_value=1, max_value=400).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=60, deadline=None)
@given(groups, groups)
def test_every_interval_holds_its_estimate(group: tuple[int, int], others: tuple[int, int]) -> None:
    a, n1 = group
    c, n2 = others
    for metric in (equity.risk_ratio, equity.risk_difference, equity.gap_to_parity):
        found = metric(a, n1, a + c, n1 + n2)
        if isinstance(found, NotEnoughData):
            assert found.reason == "zero_denominator"
            continue
        if found.low is not None and found.high is not None:
            assert found.low - 1e-9 <= found.value <= found.high + 1e-9


@settings(max_examples=60, deadline=None)
@given(groups)
def test_wilson_stays_within_zero_and_one_and_holds_the_proportion(group: tuple[int, int]) -> None:
    part, whole = group
    low, high = equity.wilson(part, whole)
    assert 0.0 <= low <= part / whole + 1e-12
    assert part / whole - 1e-12 <= high <= 1.0


@settings(max_examples=60, deadline=None)
@given(groups, groups)
def test_risk_ratio_of_the_others_is_the_inverse(
    group: tuple[int, int], others: tuple[int, int]
) -> None:
    a, n1 = group
    c, n2 = others
    forward = equity.risk_ratio(a, n1, a + c, n1 + n2)
    backward = equity.risk_ratio(c, n2, a + c, n1 + n2)
    if isinstance(forward, Estimate) and isinstance(backward, Estimate) and forward.value:
        assert math.isclose(forward.value * backward.value, 1.0)


@settings(max_examples=60, deadline=None)
@given(groups, groups, st.booleans())
def test_representation_holds_its_estimate_and_never_uses_a_hidden_count(
    programs: tuple[int, int], enrolled: tuple[int, int], hide: bool
) -> None:
    part, whole = programs
    group, everyone = enrolled
    found = equity.representation(part, whole, group, everyone)
    if isinstance(found, NotEnoughData):
        assert found.reason == "zero_denominator"
    else:
        assert math.isclose(found.value, (part / whole) / (group / everyone))
        if found.low is not None and found.high is not None:
            assert found.low - 1e-9 <= found.value <= found.high + 1e-9
    if hide:
        assert equity.representation(None, whole, group, everyone) == NotEnoughData("hidden")
        assert equity.representation(part, whole, None, everyone) == NotEnoughData("hidden")


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=50), st.integers(min_value=2, max_value=40))
def test_the_same_share_in_programs_and_enrolled_is_parity(group: int, times: int) -> None:
    found = equity.representation(group, group * 3, group * times, group * times * 3)
    assert isinstance(found, Estimate)
    assert math.isclose(found.value, 1.0)
    if found.low is not None and found.high is not None:
        assert found.low < 1.0 < found.high
