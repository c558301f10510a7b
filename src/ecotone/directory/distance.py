"""Great-circle distances for "near me" search. Django-free, vectorised with NumPy.

Problem: given one point and n candidate points, which lie within r miles, and how far is each?
Method: a bounding box in degrees first (cheap, and lets the database use its latitude/longitude
index), then the haversine formula on the survivors, O(n) time and memory.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_MI = 3958.7613
MILES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_MI / 180

FloatArray = npt.NDArray[np.float64]


def haversine_miles(
    lat: npt.ArrayLike, lon: npt.ArrayLike, lats: npt.ArrayLike, lons: npt.ArrayLike
) -> FloatArray:
    """Distance in miles from (lat, lon) to each (lats[i], lons[i]); all four broadcast, so
    the access atlas uses the same formula for its pairs (ecotone.atlas.reach)."""
    phi1 = np.radians(np.asarray(lat, dtype=np.float64))
    phi2 = np.radians(np.asarray(lats, dtype=np.float64))
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lons, dtype=np.float64) - np.asarray(lon, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_MI * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


# Spatial indexes (the atlas's reach, the mentoring engine's in-person pairs) put points on the
# unit sphere in 3-D, where a k-d tree's straight-line distance (the chord) grows with the
# great-circle distance, so a radius in miles becomes a chord and back exactly.


def unit_vectors(lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    """Points as n x 3 unit vectors."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    result: FloatArray = np.column_stack(
        (cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi))
    )
    return result


def chord_of_miles(miles: npt.ArrayLike) -> FloatArray:
    """The chord between two points `miles` apart on the Earth's surface (on the unit sphere)."""
    angle = np.minimum(np.asarray(miles, dtype=np.float64) / EARTH_RADIUS_MI, np.pi)
    result: FloatArray = 2 * np.sin(angle / 2)
    return result


def miles_of_chord(chord: npt.ArrayLike) -> FloatArray:
    """The great-circle miles of a chord on the unit sphere (the inverse of chord_of_miles)."""
    half = np.minimum(np.asarray(chord, dtype=np.float64) / 2, 1.0)
    result: FloatArray = 2 * EARTH_RADIUS_MI * np.arcsin(half)
    return result


def bounding_box(lat: float, lon: float, radius_mi: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a box that contains every point within `radius_mi`.

    Near the poles, or when the box would cross the antimeridian, the longitude range is the
    whole world: correct, merely less selective.
    """
    dlat = radius_mi / MILES_PER_DEGREE_LAT
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = math.cos(math.radians(max(abs(south), abs(north))))
    if cos_lat < 1e-6:
        return south, -180.0, north, 180.0
    dlon = radius_mi / (MILES_PER_DEGREE_LAT * cos_lat)
    west, east = lon - dlon, lon + dlon
    if west < -180 or east > 180:
        return south, -180.0, north, 180.0
    return south, west, north, east
