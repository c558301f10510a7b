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
NEED_BREAKS = (20, 40, 60, 80)


@dataclass(frozen=True)
class AccessScale:
    """Class 0 is "no seat in reach"; classes 1-4 split the areas that have some at their
    quartiles. Equal quartiles (few areas, many ties) merge, so no class is ever empty by
    construction: `edges` are the lower bounds of classes 2, 3, 4 that exist."""

    edges: tuple[float, ...]
    has_positive: bool

    @classmethod
    def from_values(cls, values: list[float | None]) -> AccessScale:
        positive = sorted(v for v in values if v is not None and math.isfinite(v) and v > 0)
        if not positive:
            return cls(edges=(), has_positive=False)
        n = len(positive)
        quartiles = {positive[min(n - 1, (n * q) // 4)] for q in (1, 2, 3)}
        return cls(edges=tuple(sorted(q for q in quartiles if q > positive[0])), has_positive=True)

    def class_of(self, value: float | None) -> int | None:
        if value is None or not math.isfinite(value):
            return None
        if value <= 0:
            return 0
        return 1 + sum(1 for edge in self.edges if value >= edge)

    def colour(self, value: float | None) -> str:
        index = self.class_of(value)
        return UNKNOWN_COLOUR if index is None else ACCESS_COLOURS[index]

    def ranges(self) -> list[tuple[int, float | None, float | None]]:
        """(class, from, below) for each class above 0; None for an open end."""
        if not self.has_positive:
            return []
        bounds: list[float | None] = [None, *self.edges, None]
        return [(index + 1, bounds[index], bounds[index + 1]) for index in range(len(bounds) - 1)]


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
