"""Grid clustering for the map: every point counted once, in its own cell, few cells out."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotone.directory.clustering import CELLS_ACROSS, BoundingBox, cell_size, grid_clusters

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.lists(st.tuples(latitudes, longitudes), max_size=300)


@given(points, st.sampled_from([360 / 2**k for k in range(0, 20)]))
def test_every_point_is_counted_once_and_each_cell_mean_lies_in_its_cell(
    pts: list[tuple[float, float]], size: float
) -> None:
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    cells = grid_clusters(lats, lons, size)
    assert sum(cell.count for cell in cells) == len(pts)
    for cell in cells:
        member_lat, member_lon = pts[cell.member]
        row, column = math.floor(member_lat / size), math.floor(member_lon / size)
        assert row * size - 1e-9 <= cell.latitude <= (row + 1) * size + 1e-9
        assert column * size - 1e-9 <= cell.longitude <= (column + 1) * size + 1e-9
        if cell.count == 1:
            assert (cell.latitude, cell.longitude) == pytest.approx((member_lat, member_lon))
    keys = {(math.floor(lat / size), math.floor(lon / size)) for lat, lon in pts}
    assert len(cells) == len(keys)


@given(
    longitudes,
    st.floats(min_value=-89, max_value=80),
    st.floats(min_value=1e-3, max_value=359),
    st.floats(min_value=1e-3, max_value=9),
    points,
)
def test_a_viewport_yields_a_bounded_number_of_cells(
    west: float, south: float, width: float, height: float, pts: list[tuple[float, float]]
) -> None:
    box = BoundingBox(west, south, west + width, south + height)
    size = cell_size(box)
    assert max(width, height) / size <= CELLS_ACROSS
    inside = [
        (south + (lat + 90) / 180 * height, west + (lon + 180) / 360 * width) for lat, lon in pts
    ]
    cells = grid_clusters([p[0] for p in inside], [p[1] for p in inside], size)
    assert len(cells) <= (CELLS_ACROSS + 1) ** 2


def test_no_points_no_cells() -> None:
    assert grid_clusters([], [], 1.0) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-84,39,-82,41", BoundingBox(-84, 39, -82, 41)),
        ("-84,41,-82,39", BoundingBox(-84, 39, -82, 41)),  # south and north swapped
        ("-84,-100,-82,100", BoundingBox(-84, -90, -82, 90)),  # clamped to the globe
        ("170,50,190,55", BoundingBox(170, 50, -170, 55)),  # a map panned past 180
        ("-200,50,-170,55", BoundingBox(160, 50, -170, 55)),
        ("-250,-80,250,80", BoundingBox(-180, -80, 180, 80)),  # more than the world's width
        ("0,0,180,10", BoundingBox(0, 0, 180, 10)),
        ("", None),
        ("1,2,3", None),
        ("a,b,c,d", None),
        ("nan,1,2,3", None),
        ("1,2,inf,4", None),
    ],
)
def test_a_bounding_box_is_parsed_and_normalised(text: str, expected: BoundingBox | None) -> None:
    assert BoundingBox.parse(text) == expected


def test_a_box_across_the_antimeridian_knows_its_width() -> None:
    box = BoundingBox(170, 50, -170, 55)
    assert box.crosses_antimeridian
    assert box.width == 20
    assert not BoundingBox(-84, 39, -82, 41).crosses_antimeridian
    assert BoundingBox(-180, 0, 180, 1).is_whole_width
