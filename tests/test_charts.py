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
