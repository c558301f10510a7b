"""Grid clustering of map points, for a map viewport that holds too many to send. Django-free.

Problem: at national scale one viewport can hold tens of thousands of program locations, far
more than a browser should receive or draw; the map needs a few thousand features at most.
Method: snap every point to a square cell of a grid aligned to the globe, whose cell size is the
smallest power-of-two fraction of 360 degrees that spans the viewport's wider side in at most
`cells_across` cells; each non-empty cell becomes one feature at the mean of its points, with
their count. Aligning cells to the globe rather than to the viewport keeps clusters still while
the map pans, and the power-of-two sizes follow the map's zoom levels.
Complexity: O(n log n) time (one sort, in NumPy) and O(n) memory for n points; at most about
(cells_across + 1)^2 cells come out, whatever n is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

CELLS_ACROSS = 40


@dataclass(frozen=True)
class BoundingBox:
    """A viewport in degrees. `west > east` when it crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BoundingBox | None:
        """ "west,south,east,north" as a box; None when it is not four finite numbers.

        Latitudes are clamped to the globe and longitudes wrapped into it, as a map that has
        been panned round the world reports them (-200 is 160).
        """
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError:
            return None
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            return None
        west, south, east, north = values
        south, north = max(-90.0, min(south, north)), min(90.0, max(south, north))
        if east - west >= 360:
            return cls(-180.0, south, 180.0, north)
        # West into [-180, 180), east into (-180, 180], so that 180 stays the east edge.
        return cls((west + 180) % 360 - 180, south, 180 - (180 - east) % 360, north)

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    @property
    def is_whole_width(self) -> bool:
        return self.west == -180.0 and self.east == 180.0

    @property
    def width(self) -> float:
        return self.east - self.west + (360.0 if self.crosses_antimeridian else 0.0)

    @property
    def height(self) -> float:
        return self.north - self.south


@dataclass(frozen=True)
class Cell:
    """One non-empty grid cell: where its points are on average, how many, and one of them."""

    latitude: float
    longitude: float
    count: int
    member: int  # index of the cell's first point: the point itself when count == 1


def cell_size(box: BoundingBox, cells_across: int = CELLS_ACROSS) -> float:
    """The grid's cell side in degrees for a viewport: 360 / 2**k, at most `cells_across` cells
    across the box's wider side."""
    span = max(box.width, box.height)
    size = 360.0
    while size / 2 >= span / cells_across and size > 1e-6:
        size /= 2
    return size


def grid_clusters(latitudes: npt.ArrayLike, longitudes: npt.ArrayLike, size: float) -> list[Cell]:
    """The non-empty cells of a `size`-degree grid over the points, in no particular order."""
    lats = np.asarray(latitudes, dtype=np.float64)
    lons = np.asarray(longitudes, dtype=np.float64)
    if lats.size == 0:
        return []
    rows = np.floor(lats / size).astype(np.int64)
    columns = np.floor(lons / size).astype(np.int64)
    keys = rows * (int(360 / size) + 2) + columns  # distinct for every (row, column)
    _unique, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()  # a flat index array on every NumPy version
    mean_lats = np.bincount(inverse, weights=lats) / counts
    mean_lons = np.bincount(inverse, weights=lons) / counts
    return [
        Cell(float(lat), float(lon), int(n), int(i))
        for lat, lon, n, i in zip(mean_lats, mean_lons, counts, first, strict=True)
    ]
