"""Chart specifications (ecotone/charts.py): plain Vega-Lite dicts, hidden values undrawn."""

from __future__ import annotations

import json

from ecotone import charts


def test_a_hidden_value_has_no_bar_keeps_its_place_and_says_why() -> None:
    spec = charts.bar_spec(
        [
            {"label": "Female", "value": None, "shown": "fewer than 10", "short": "hidden"},
            {"label": "Male", "value": 40, "shown": "40"},
        ],
        label_title="Sex",
        value_title="Count",
    )
    json.dumps(spec)  # embedded with json_script: JSON through and through
    female, male = spec["data"]["values"]
    assert female["value"] is None
    assert female["short"] == "hidden"
    assert female["shown"] == "fewer than 10"  # the tooltip's words
    assert male["value"] == 40.0
    assert spec["encoding"]["y"]["sort"] == ["Female", "Male"]


def test_a_line_chart_has_one_colour_per_group_in_order() -> None:
    spec = charts.line_spec(
        [
            {"period": "2023–24", "group": "All", "value": 10, "shown": "10"},
            {"period": "2023–24", "group": "Girls", "value": None, "shown": "hidden"},
        ],
        period_title="Period",
        value_title="Count",
        group_title="Sex",
    )
    assert spec["encoding"]["color"]["scale"]["domain"] == ["All", "Girls"]
    assert len(spec["encoding"]["color"]["scale"]["range"]) == 2


def test_a_map_draws_hidden_areas_grey_over_an_outline_wound_for_d3() -> None:
    # GeoJSON's counter-clockwise square: d3-geo would read it as the globe less the square
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    outline = charts.outline_feature({"type": "Polygon", "coordinates": [square]})
    assert outline is not None
    ring = outline["geometry"]["coordinates"][0][0]
    assert ring == square[::-1]  # clockwise
    spec = charts.area_map_spec(
        [
            {"name": "North", "latitude": 0.8, "longitude": 0.5, "value": 40, "shown": "40"},
            {"name": "East", "latitude": 0.5, "longitude": 0.9, "value": None, "shown": "fewer"},
        ],
        value_title="Count",
        area_title="Area",
        hidden_title="hidden",
        outline=outline,
    )
    json.dumps(spec)
    shape, shown, hidden = spec["layer"]
    assert shape["mark"]["type"] == "geoshape"
    assert [v["name"] for v in shown["data"]["values"]] == ["North"]
    assert [v["name"] for v in hidden["data"]["values"]] == ["East"]
    assert hidden["encoding"]["color"]["scale"] == {"domain": ["hidden"], "range": ["#c8c8c8"]}


def test_a_large_outline_is_thinned() -> None:
    import math

    ring = [
        [math.cos(2 * math.pi * i / 5000), math.sin(2 * math.pi * i / 5000)] for i in range(5000)
    ]
    ring.append(ring[0])
    outline = charts.outline_feature({"type": "Polygon", "coordinates": [ring]})
    assert outline is not None
    kept = outline["geometry"]["coordinates"][0][0]
    assert len(kept) <= charts.MAP_OUTLINE_POINTS + 20
    assert kept[0] == kept[-1]
    assert charts.outline_feature({"type": "Point", "coordinates": [0, 0]}) is None
