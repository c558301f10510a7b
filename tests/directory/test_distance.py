"""Distances against a plain reference implementation, and the bounding-box guarantee."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ecotone.directory.distance import (
    EARTH_RADIUS_MI,
    bounding_box,
    chord_of_miles,
    haversine_miles,
    miles_of_chord,
    unit_vectors,
)

lat = st.floats(min_value=-85, max_value=85, allow_nan=False)
lon = st.floats(min_value=-179.9, max_value=179.9, allow_nan=False)


def reference_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The spherical law of cosines, computed independently of the module under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return EARTH_RADIUS_MI * math.acos(max(-1.0, min(1.0, cos_angle)))


@given(lat, lon, st.lists(st.tuples(lat, lon), min_size=1, max_size=20))
def test_haversine_matches_the_reference(
    y: float, x: float, points: list[tuple[float, float]]
) -> None:
    got = haversine_miles(y, x, [p[0] for p in points], [p[1] for p in points])
    for (py, px), miles in zip(points, got, strict=True):
        assert math.isclose(miles, reference_miles(y, x, py, px), rel_tol=1e-6, abs_tol=1e-3)


def test_known_distance() -> None:
    # Columbus, OH to Cleveland, OH is about 126 miles as the crow flies.
    miles = haversine_miles(39.9612, -82.9988, [41.4993], [-81.6944])[0]
    assert 120 < miles < 132


@given(lat, lon, st.floats(min_value=0.1, max_value=300), lat, lon)
def test_every_point_within_the_radius_is_inside_the_box(
    y: float, x: float, radius: float, py: float, px: float
) -> None:
    if haversine_miles(y, x, [py], [px])[0] <= radius:
        south, west, north, east = bounding_box(y, x, radius)
        assert south <= py <= north
        assert west <= px <= east


@given(
    st.floats(-89, 89),
    st.floats(-180, 180),
    st.floats(-89, 89),
    st.floats(-180, 180),
)
def test_the_chord_between_unit_vectors_is_the_great_circle_distance(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    # What the atlas's and the mentoring engine's k-d trees rely on.
    points = unit_vectors([lat1, lat2], [lon1, lon2])
    chord = float(np.linalg.norm(points[0] - points[1]))
    miles = float(haversine_miles(lat1, lon1, lat2, lon2))
    assert abs(float(miles_of_chord(chord)) - miles) < 1e-6
    assert abs(float(chord_of_miles(miles)) - chord) < 1e-9
