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


def _edges(values: list[float], classes: int) -> tuple[float, ...]:
    """Lower bounds of classes 2..n at the quantiles of `values` (sorted). Equal quantiles (few
    values, many ties) merge, so no class is empty by construction."""
    n = len(values)
    quantiles = {values[min(n - 1, (n * q) // classes)] for q in range(1, classes)}
    return tuple(sorted(q for q in quantiles if q > values[0]))


def _ranges(edges: tuple[float, ...]) -> list[tuple[int, float | None, float | None]]:
    bounds: list[float | None] = [None, *edges, None]
    return [(index, bounds[index], bounds[index + 1]) for index in range(len(bounds) - 1)]


@dataclass(frozen=True)
class AccessScale:
    """Class 0 is "no seat in reach"; classes 1-4 split the areas that have some at their
    quartiles."""

    edges: tuple[float, ...]
    has_positive: bool

    @classmethod
    def from_values(cls, values: list[float | None]) -> AccessScale:
        positive = sorted(v for v in values if v is not None and math.isfinite(v) and v > 0)
        if not positive:
            return cls(edges=(), has_positive=False)
        return cls(edges=_edges(positive, 4), has_positive=True)

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
        return [(index + 1, low, high) for index, low, high in _ranges(self.edges)]


@dataclass(frozen=True)
class NeedScale:
    """Need index in five classes at its quintiles over the areas shown. An index is a
    weighted mean of shares, so its values bunch (often 30-60): fixed 20-point steps would
    paint most of the map one colour."""

    edges: tuple[float, ...]
    has_values: bool

    @classmethod
    def from_values(cls, values: list[float | None]) -> NeedScale:
        known = sorted(v for v in values if v is not None and math.isfinite(v))
        if not known:
            return cls(edges=(), has_values=False)
        return cls(edges=_edges(known, 5), has_values=True)

    def class_of(self, value: float | None) -> int | None:
        if value is None or not math.isfinite(value) or not self.has_values:
            return None
        return sum(1 for edge in self.edges if value >= edge)

    def colour(self, value: float | None) -> str:
        index = self.class_of(value)
        if index is None:
            return UNKNOWN_COLOUR
        # Fewer classes than five (ties): spread them over the scale, ends kept.
        classes = len(self.edges) + 1
        position = round(index * (len(NEED_COLOURS) - 1) / max(classes - 1, 1))
        return NEED_COLOURS[position if classes > 1 else len(NEED_COLOURS) // 2]

    def ranges(self) -> list[tuple[int, float | None, float | None]]:
        return _ranges(self.edges) if self.has_values else []
