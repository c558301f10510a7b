"""Equity metrics: how a group fares against everyone else, from published counts.

Problem. A dashboard shows, for one group of young people (girls, Black students, English
learners...), how far it is from parity: its share of those in programs against its share of
those enrolled in the area (representation), and, for an indicator with a numerator over a
denominator (concentrators over participants), its rate against the rate of all other students
(risk ratio, risk difference) and against everyone's (gap to parity), period by period.

Method. Every metric takes counts as the page publishes them: None for a count hidden by
small-cell suppression. A metric that needs a hidden count, a zero denominator, or counts too
small for its interval is `NotEnoughData` with the reason, never a number: a ratio of hidden
counts would give them back, and a ratio of tiny ones says nothing. "All other students" is the
total less the group. Intervals at 95 %:

- a proportion: Wilson's score interval (good at small n and near 0 or 1);
- a risk ratio: Katz's log interval, exp(ln RR +- z sqrt(1/a - 1/n1 + 1/c - 1/n2)), which
  needs a > 0 and c > 0;
- a risk difference: Newcombe's hybrid score interval (method 10) from the two Wilson
  intervals;
- representation: the ratio of two shares, each with its own Wilson interval; its interval is
  Katz's as for a risk ratio (the group in programs against the group enrolled).

Trend: the change of a metric from its first to its last period with a value, and the
per-period values. Every function is O(1) but `trend`, O(periods). Django-free and typed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Z95 = 1.959963984540054
# Below this many in a group or its comparison, an interval is not computed: the normal
# approximations the intervals rest on mean little under it.
MIN_COUNT = 5

Reason = Literal["hidden", "zero_denominator", "too_few", "no_reference"]


@dataclass(frozen=True)
class NotEnoughData:
    """A metric that cannot be given, and why: an input count is `hidden` (suppressed), a
    denominator is zero, the counts are `too_few` for an interval, or there is `no_reference`
    (no enrolment to compare with)."""

    reason: Reason


@dataclass(frozen=True)
class Estimate:
    """A metric with its 95 % interval (None when the counts are too few for one)."""

    value: float
    low: float | None = None
    high: float | None = None


Metric = Estimate | NotEnoughData


def _missing(*counts: int | None) -> NotEnoughData | None:
    if any(c is None for c in counts):
        return NotEnoughData("hidden")
    return None


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval of a proportion successes / trials (trials > 0)."""
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(part: int | None, whole: int | None) -> Metric:
    """part / whole with Wilson's interval."""
    if (missing := _missing(part, whole)) is not None:
        return missing
    assert part is not None
    assert whole is not None
    if whole == 0:
        return NotEnoughData("zero_denominator")
    if part > whole or part < 0:
        raise ValueError("the part is larger than the whole")
    low, high = wilson(part, whole)
    return Estimate(part / whole, low, high)


def _others(
    group: int | None, group_n: int | None, total: int | None, total_n: int | None
) -> tuple[int, int] | NotEnoughData:
    if (missing := _missing(group, group_n, total, total_n)) is not None:
        return missing
    assert group is not None
    assert group_n is not None
    assert total is not None
    assert total_n is not None
    others, others_n = total - group, total_n - group_n
    if group_n <= 0 or others_n <= 0:
        return NotEnoughData("zero_denominator")
    if not (0 <= group <= group_n and 0 <= others <= others_n):
        raise ValueError("a numerator is larger than its denominator")
    return others, others_n


def risk_ratio(
    group: int | None, group_n: int | None, total: int | None, total_n: int | None
) -> Metric:
    """The group's rate (group / group_n) over the rate of all other students ((total - group)
    / (total_n - group_n)), with Katz's log interval."""
    found = _others(group, group_n, total, total_n)
    if isinstance(found, NotEnoughData):
        return found
    others, others_n = found
    assert group is not None
    assert group_n is not None
    if others == 0:
        return NotEnoughData("zero_denominator")
    ratio = (group / group_n) / (others / others_n)
    if group == 0 or min(group_n, others_n) < MIN_COUNT:
        return Estimate(ratio)
    spread = Z95 * math.sqrt(1 / group - 1 / group_n + 1 / others - 1 / others_n)
    return Estimate(ratio, ratio * math.exp(-spread), ratio * math.exp(spread))


def risk_difference(
    group: int | None, group_n: int | None, total: int | None, total_n: int | None
) -> Metric:
    """The group's rate less the rate of all other students, with Newcombe's interval."""
    found = _others(group, group_n, total, total_n)
    if isinstance(found, NotEnoughData):
        return found
    others, others_n = found
    assert group is not None
    assert group_n is not None
    p1, p2 = group / group_n, others / others_n
    if min(group_n, others_n) < MIN_COUNT:
        return Estimate(p1 - p2)
    l1, u1 = wilson(group, group_n)
    l2, u2 = wilson(others, others_n)
    below = math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    above = math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Estimate(p1 - p2, p1 - p2 - below, p1 - p2 + above)


def gap_to_parity(
    group: int | None, group_n: int | None, total: int | None, total_n: int | None
) -> Metric:
    """The group's rate less everyone's (total / total_n): how far it is from the rate it would
    have at parity, in points of proportion, with the group's Wilson interval shifted."""
    if (missing := _missing(group, group_n, total, total_n)) is not None:
        return missing
    assert group is not None
    assert group_n is not None
    assert total is not None
    assert total_n is not None
    if group_n == 0 or total_n == 0:
        return NotEnoughData("zero_denominator")
    everyone = total / total_n
    gap = group / group_n - everyone
    if group_n < MIN_COUNT:
        return Estimate(gap)
    low, high = wilson(group, group_n)
    return Estimate(gap, low - everyone, high - everyone)


def representation(
    in_programs: int | None,
    programs_total: int | None,
    enrolled: int | None,
    enrolled_total: int | None,
) -> Metric:
    """The group's share of young people in programs over its share of those enrolled in the
    area (1 is parity, below 1 under-represented), with Katz's interval of a ratio of two
    proportions. Without enrolment figures: `no_reference`."""
    if enrolled is None and enrolled_total is None:
        return NotEnoughData("no_reference")
    if (missing := _missing(in_programs, programs_total, enrolled, enrolled_total)) is not None:
        return missing
    assert in_programs is not None
    assert programs_total is not None
    assert enrolled is not None
    assert enrolled_total is not None
    if programs_total == 0 or enrolled_total == 0 or enrolled == 0:
        return NotEnoughData("zero_denominator")
    ratio = (in_programs / programs_total) / (enrolled / enrolled_total)
    if in_programs == 0 or min(programs_total, enrolled_total) < MIN_COUNT:
        return Estimate(ratio)
    spread = Z95 * math.sqrt(
        1 / in_programs - 1 / programs_total + 1 / enrolled - 1 / enrolled_total
    )
    return Estimate(ratio, ratio * math.exp(-spread), ratio * math.exp(spread))


@dataclass(frozen=True)
class Trend:
    """A metric period by period (in time order) and its change from the first period with a
    value to the last (`NotEnoughData` with fewer than two)."""

    points: tuple[tuple[str, Metric], ...]
    change: Metric


def trend(points: Sequence[tuple[str, Metric]]) -> Trend:
    known = [(label, m) for label, m in points if isinstance(m, Estimate)]
    if len(known) < 2:
        reasons = [m.reason for _label, m in points if isinstance(m, NotEnoughData)]
        change: Metric = NotEnoughData("hidden" if "hidden" in reasons else "too_few")
    else:
        first, last = known[0][1], known[-1][1]
        assert isinstance(first, Estimate)
        assert isinstance(last, Estimate)
        change = Estimate(last.value - first.value)
    return Trend(tuple(points), change)
