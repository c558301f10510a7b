"""Charts as Vega-Lite specifications: the one way the product draws a chart.

Each function returns a plain dict (JSON-ready) that `templates/_chart.html` embeds with
`json_script` and `static/ecotone/charts.js` renders with vega-embed (served from npm, never a
CDN), with tooltips and PNG/SVG downloads. Every chart is shown with a table of the same
numbers: the page's content without JavaScript and the accessible alternative to the image.

The numbers arrive already published (suppressed where they count students): a hidden value is
None, drawn as no bar or no point, with its text ("fewer than 10") as the label. No Altair: the
few mark types the product uses are short dicts, and a dependency would be more to keep than
the code it saves. Nothing here uses Vega expressions, so the CSP-safe expression interpreter
(`ast`) has nothing to do but draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_COLOUR = "#3b528b"  # viridis blue: 8.6:1 on white
STEP = 30  # the height of one bar, in pixels
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Colours of groups on a line chart: Okabe-Ito's, distinguishable with a colour deficiency,
# each at least 3:1 on white (the points carry the group in the tooltip and the table too).
GROUP_COLOURS = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#7a6500",
    "#56707f",
    "#8c2d04",
    "#1a1a1a",
    "#6a3d9a",
)


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "axis": {"labelFontSize": 13, "titleFontSize": 13, "labelColor": "#1a1a1a"},
        "legend": {
            "labelFontSize": 13,
            "titleFontSize": 13,
            "orient": "bottom",
            "columns": 2,
            "labelLimit": 140,
        },
        "view": {"stroke": None},
    }


def bar_spec(
    rows: Sequence[Mapping[str, Any]],
    *,
    label_title: str,
    value_title: str,
    description: str = "",
    label_limit: int = 120,
) -> dict[str, Any]:
    """Horizontal bars, top to bottom in the order given. `rows`: {"label", "value" (a number,
    None when hidden or not applicable), "shown" (the value as written), "short" (optional:
    what the chart writes instead, for a long "shown"), "colour" (optional)}. Labels longer
    than `label_limit` pixels end in an ellipsis (the table has them whole)."""
    values: list[dict[str, Any]] = [
        {
            "label": str(row["label"]),
            "value": None if row["value"] is None else float(row["value"]),
            "at": 0.0 if row["value"] is None else float(row["value"]),
            "shown": str(row["shown"]),
            # a long reason ("hidden (protects a small group)") is the table's; the bar says less
            "short": str(row.get("short") or row["shown"]),
            "colour": row.get("colour") or DEFAULT_COLOUR,
        }
        for row in rows
    ]
    top = max((float(row["value"] or 0.0) for row in rows), default=0.0)
    # room on the right for the longest value written after its bar
    domain = {"domain": [0, top * 1.3]} if top > 0 else {}
    # The order given, also for hidden values (no bar: Vega would put them last)
    y = {"field": "label", "type": "nominal", "sort": [v["label"] for v in values], "title": None}
    tooltip = [
        {"field": "label", "type": "nominal", "title": label_title},
        {"field": "shown", "type": "nominal", "title": value_title},
    ]
    return {
        "description": description,
        "width": "container",
        "height": {"step": STEP},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "encoding": {"y": {**y, "axis": {"labelLimit": label_limit}}},
        "layer": [
            {
                "mark": {"type": "bar", "stroke": "#1a1a1a", "strokeWidth": 1},
                "encoding": {
                    "x": {
                        "field": "value",
                        "type": "quantitative",
                        "title": value_title,
                        "axis": {"tickCount": 4},
                        "scale": {"nice": False, **domain},
                    },
                    "color": {"field": "colour", "type": "nominal", "scale": None},
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 13},
                "encoding": {
                    "x": {"field": "at", "type": "quantitative"},
                    "text": {"field": "short"},
                    "color": {"value": "#1a1a1a"},
                    "tooltip": tooltip,
                },
            },
        ],
        "config": _config(),
    }


def line_spec(
    points: Sequence[Mapping[str, Any]],
    *,
    period_title: str,
    value_title: str,
    group_title: str,
    description: str = "",
) -> dict[str, Any]:
    """Lines over periods, one per group. `points`: {"period" (its label, in time order),
    "group", "value" (None when hidden: a gap in the line), "shown"}."""
    values = [
        {
            "period": str(p["period"]),
            "group": str(p["group"]),
            "value": None if p["value"] is None else float(p["value"]),
            "shown": str(p["shown"]),
        }
        for p in points
    ]
    groups = list(dict.fromkeys(v["group"] for v in values))
    colour = {
        "field": "group",
        "type": "nominal",
        "title": group_title,
        "sort": groups,
        "scale": {"domain": groups, "range": list(GROUP_COLOURS[: max(len(groups), 1)])},
    }
    tooltip = [
        {"field": "group", "type": "nominal", "title": group_title},
        {"field": "period", "type": "ordinal", "title": period_title},
        {"field": "shown", "type": "nominal", "title": value_title},
    ]
    return {
        "description": description,
        "width": "container",
        "height": 240,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "encoding": {
            "x": {
                "field": "period",
                "type": "ordinal",
                "sort": None,
                "title": period_title,
                "axis": {"labelAngle": 0},
            },
            "y": {"field": "value", "type": "quantitative", "title": value_title},
            "color": colour,
            "tooltip": tooltip,
        },
        "layer": [
            {"mark": {"type": "line", "strokeWidth": 2}},
            {"mark": {"type": "point", "filled": True, "size": 70}},
        ],
        "config": _config(),
    }


def chart(
    chart_id: str,
    title: str,
    spec: dict[str, Any],
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    description: str = "",
) -> dict[str, Any]:
    """What `templates/_chart.html` renders: the chart and the table of its numbers."""
    return {
        "id": chart_id,
        "title": title,
        "description": description,
        "spec": spec,
        "headers": list(headers),
        "rows": [list(row) for row in rows],
    }
