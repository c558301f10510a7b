"""Small geometry helpers for ecosystem regions. Django-free, typed strictly.

A region is a bounding box, optionally refined by a GeoJSON Polygon or MultiPolygon. Points are
(latitude, longitude) in WGS 84 degrees. Point-in-polygon uses the even-odd ray-casting rule,
O(v) for v polygon vertices; holes (inner rings) are honoured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...] as GeoJSON orders them


@dataclass(frozen=True)
class BoundingBox:
    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        if not (-90 <= self.south <= self.north <= 90):
            raise ValueError("South must not exceed north, and both lie within -90..90.")
        if not (-180 <= self.west <= 180 and -180 <= self.east <= 180):
            raise ValueError("West and east must lie within -180..180.")

    def contains(self, lat: float, lon: float) -> bool:
        if not self.south <= lat <= self.north:
            return False
        if self.west <= self.east:
            return self.west <= lon <= self.east
        return lon >= self.west or lon <= self.east  # box crosses the antimeridian

    @property
    def center(self) -> tuple[float, float]:
        lat = (self.south + self.north) / 2
        if self.west <= self.east:
            return lat, (self.west + self.east) / 2
        lon = (self.west + self.east + 360) / 2
        return lat, lon - 360 if lon > 180 else lon


def _in_ring(lat: float, lon: float, ring: Ring) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def _in_polygon(lat: float, lon: float, rings: Sequence[Ring]) -> bool:
    if not rings or not _in_ring(lat, lon, rings[0]):
        return False
    return not any(_in_ring(lat, lon, hole) for hole in rings[1:])


def polygon_contains(geometry: dict[str, Any], lat: float, lon: float) -> bool:
    """True when (lat, lon) lies inside a GeoJSON Polygon or MultiPolygon geometry."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return _in_polygon(lat, lon, coordinates)
    if kind == "MultiPolygon":
        return any(_in_polygon(lat, lon, polygon) for polygon in coordinates)
    raise ValueError(f"Unsupported geometry type: {kind!r}")


def validate_polygon(geometry: Any) -> None:
    """Raise ValueError with a readable message unless `geometry` is a usable (Multi)Polygon."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("The region must be a GeoJSON Polygon or MultiPolygon geometry.")
    polygons = (
        [geometry.get("coordinates")]
        if geometry["type"] == "Polygon"
        else geometry.get("coordinates")
    )
    if not isinstance(polygons, list) or not polygons:
        raise ValueError("The region has no coordinates.")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError("Each polygon needs at least one ring of coordinates.")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError("Each ring needs at least four positions (closed).")
            for position in ring:
                if (
                    not isinstance(position, list | tuple)
                    or len(position) < 2
                    or not all(isinstance(v, int | float) for v in position[:2])
                ):
                    raise ValueError("Each position must be [longitude, latitude].")
                lon, lat = position[0], position[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError(f"Position {position!r} lies outside the globe.")
            if list(ring[0][:2]) != list(ring[-1][:2]):
                raise ValueError("Each ring must end where it starts.")
