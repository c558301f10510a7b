"""Region geometry (Django-free): property-based tests against simple truths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotone.ecosystems.geo import BoundingBox, polygon_contains, validate_polygon

lat = st.floats(min_value=-89.0, max_value=89.0, allow_nan=False)
lon = st.floats(min_value=-179.0, max_value=179.0, allow_nan=False)


@st.composite
def boxes(draw: st.DrawFn) -> BoundingBox:
    south, north = sorted((draw(lat), draw(lat)))
    west, east = sorted((draw(lon), draw(lon)))
    return BoundingBox(south, west, north, east)


def rectangle(box: BoundingBox) -> dict[str, object]:
    ring = [
        [box.west, box.south],
        [box.east, box.south],
        [box.east, box.north],
        [box.west, box.north],
        [box.west, box.south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@given(boxes(), lat, lon)
def test_rectangle_polygon_agrees_with_its_bounding_box(
    box: BoundingBox, y: float, x: float
) -> None:
    # Points on the edge are ambiguous for ray casting; only strict insides and outsides count.
    strictly_inside = box.south < y < box.north and box.west < x < box.east
    strictly_outside = not (box.south <= y <= box.north and box.west <= x <= box.east)
    if strictly_inside:
        assert polygon_contains(rectangle(box), y, x)
        assert box.contains(y, x)
    if strictly_outside:
        assert not polygon_contains(rectangle(box), y, x)
        assert not box.contains(y, x)


@given(boxes())
def test_center_is_inside(box: BoundingBox) -> None:
    assert box.contains(*box.center)


def test_box_across_the_antimeridian() -> None:
    box = BoundingBox(south=-20, west=170, north=-10, east=-170)
    assert box.contains(-15, 175)
    assert box.contains(-15, -175)
    assert not box.contains(-15, 0)
    assert box.contains(*box.center)


def test_holes_are_outside() -> None:
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    polygon = {"type": "Polygon", "coordinates": [outer, hole]}
    assert polygon_contains(polygon, 2, 2)
    assert not polygon_contains(polygon, 5, 5)
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[outer], [[[20, 20], [30, 20], [30, 30], [20, 20]]]],
    }
    assert polygon_contains(multi, 22, 28)  # lat 22, lon 28: inside the triangle
    assert not polygon_contains(multi, 15, 15)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": []}, "at least one ring"),
        ({"type": "MultiPolygon", "coordinates": []}, "no coordinates"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "four positions"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 2]]]}, "end where"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "outside"),
        ({"type": "Polygon", "coordinates": [[[0, 0], ["a", 0], [1, 1], [0, 0]]]}, "longitude"),
    ],
)
def test_invalid_regions_are_explained(geometry: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_polygon(geometry)


def test_invalid_box_is_refused() -> None:
    with pytest.raises(ValueError, match="South must not exceed north"):
        BoundingBox(south=10, west=0, north=5, east=1)
