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
the same threshold, step and rounding, without complementary areas. Linked complementary
suppression across overlapping totals, and its audit, extend this module next (issue 13).

Complexity: O(n log n) for n cells (one sort; each complementary round hides at least one cell
and updates running sums).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

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
