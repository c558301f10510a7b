"""The atlas's colour scales: five classes each, safe for colour-blind readers.

Access uses viridis (dark purple = nothing in reach, yellow = the best-served quarter); need
uses ColorBrewer's YlOrRd (light = least need, dark red = most). Both are sequential scales
readers with any common colour-vision deficiency can order, and they differ from each other so
a reader knows which colouring the map shows. Every point also has a dark edge (3:1 contrast
with light tiles), and deserts a thick one, so colour is never the only cue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ACCESS_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
NEED_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
UNKNOWN_COLOUR = "#bdbdbd"
NEED_BREAKS = (20.0, 40.0, 60.0, 80.0)


@dataclass(frozen=True)
class AccessScale:
    """Class 0 is "no seat in reach"; classes 1-4 are quarters of the areas that have some."""

    breaks: tuple[float, ...]  # upper bounds of classes 1-3 (class 4 is open-ended)
    top: float

    @classmethod
    def from_values(cls, values: list[float | None]) -> AccessScale:
        positive = sorted(v for v in values if v is not None and math.isfinite(v) and v > 0)
        if not positive:
            return cls(breaks=(), top=0.0)
        n = len(positive)
        breaks = tuple(positive[min(n - 1, (n * q) // 4)] for q in (1, 2, 3))
        return cls(breaks=breaks, top=positive[-1])

    def class_of(self, value: float | None) -> int | None:
        if value is None or not math.isfinite(value):
            return None
        if value <= 0:
            return 0
        for index, upper in enumerate(self.breaks):
            if value < upper:
                return index + 1
        return 4

    def colour(self, value: float | None) -> str:
        index = self.class_of(value)
        return UNKNOWN_COLOUR if index is None else ACCESS_COLOURS[index]

    def ranges(self) -> list[tuple[int, float, float]]:
        """(class, low, high) for the classes that occur, for the legend."""
        if not self.breaks:
            return []
        bounds = [0.0, *self.breaks, self.top]
        found = []
        for index in range(4):
            low, high = bounds[index], bounds[index + 1]
            if index and low == bounds[index - 1] and high == low:
                continue
            found.append((index + 1, low, high))
        return found


def need_class(value: float | None) -> int | None:
    if value is None or not math.isfinite(value):
        return None
    for index, upper in enumerate(NEED_BREAKS):
        if value < upper:
            return index
    return 4


def need_colour(value: float | None) -> str:
    index = need_class(value)
    return UNKNOWN_COLOUR if index is None else NEED_COLOURS[index]
