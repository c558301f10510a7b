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


def small_multiples_spec(
    rows: Sequence[Mapping[str, Any]],
    *,
    panel_title: str,
    label_title: str,
    value_title: str,
    description: str = "",
    panel_width: int = 240,
) -> dict[str, Any]:
    """The same bars once for each panel, one panel under the other on one scale (a narrow
    phone fits them too): `rows`: {"panel", "label", "value" (None when hidden: no bar), "shown"},
    panels and labels in the order given."""
    values = [
        {
            "panel": str(row["panel"]),
            "label": str(row["label"]),
            "value": None if row["value"] is None else float(row["value"]),
            "shown": str(row["shown"]),
        }
        for row in rows
    ]
    panels = list(dict.fromkeys(v["panel"] for v in values))
    labels = list(dict.fromkeys(v["label"] for v in values))
    tooltip = [
        {"field": "panel", "type": "nominal", "title": panel_title},
        {"field": "label", "type": "nominal", "title": label_title},
        {"field": "shown", "type": "nominal", "title": value_title},
    ]
    return {
        "description": description,
        "data": {"values": values},
        "facet": {
            "row": {
                "field": "panel",
                "type": "nominal",
                "sort": panels,
                "title": panel_title,
                "header": {"labelAngle": 0, "labelAlign": "left", "labelFontWeight": "bold"},
            }
        },
        "resolve": {"scale": {"x": "shared"}},
        "spec": {
            "width": panel_width,
            "height": {"step": 20},
            "mark": {"type": "bar", "stroke": "#1a1a1a", "strokeWidth": 1},
            "encoding": {
                "y": {
                    "field": "label",
                    "type": "nominal",
                    "sort": labels,
                    "title": None,
                    "axis": {"labelLimit": 110},
                },
                "x": {
                    "field": "value",
                    "type": "quantitative",
                    "title": value_title,
                    "axis": {"tickCount": 3},
                },
                "color": {"value": DEFAULT_COLOUR},
                "tooltip": tooltip,
            },
        },
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
            # The points repeat the line's values (which the line and the table give readers of
            # the page); as their own marks in the accessibility tree a section with no value
            # yet was an unlabelled image, and a hidden value an empty symbol.
            {
                "mark": {"type": "point", "filled": True, "size": 70, "aria": False},
                "transform": [{"filter": "isValid(datum.value)"}],
            },
        ],
        "config": _config(),
    }


# The stages of a scale, lowest to highest: red to blue, each bar outlined (the table under the
# chart has every number, and the legend names each colour).
STAGE_COLOURS = ("#b2182b", "#d6604d", "#f4a582", "#92c5de", "#4393c3", "#2166ac", "#053061")


def stage_colours(count: int) -> list[str]:
    """`count` colours for the stages of a scale, lowest first, spread over `STAGE_COLOURS`."""
    if count <= 1:
        return [STAGE_COLOURS[-1]]
    last = len(STAGE_COLOURS) - 1
    return [STAGE_COLOURS[round(i * last / (count - 1))] for i in range(count)]


def stacked_bar_spec(
    rows: Sequence[Mapping[str, Any]],
    *,
    label_title: str,
    group_title: str,
    value_title: str,
    groups: Sequence[str],
    colours: Sequence[str],
    description: str = "",
    label_limit: int = 110,
) -> dict[str, Any]:
    """Horizontal bars, one per label (top to bottom in the order given), each stacked by
    group in the order of `groups` (with `colours`). `rows`: {"label", "group", "value" (None
    when hidden: no segment), "shown", "order" (optional: the segment's place in its bar,
    by default its group's)}."""
    values = [
        {
            "label": str(row["label"]),
            "group": str(row["group"]),
            "order": row.get("order", list(groups).index(str(row["group"]))),
            "value": None if row["value"] is None else float(row["value"]),
            "shown": str(row["shown"]),
        }
        for row in rows
    ]
    labels = list(dict.fromkeys(v["label"] for v in values))
    tooltip = [
        {"field": "label", "type": "nominal", "title": label_title},
        {"field": "group", "type": "nominal", "title": group_title},
        {"field": "shown", "type": "nominal", "title": value_title},
    ]
    return {
        "description": description,
        "width": "container",
        "height": {"step": STEP},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "bar", "stroke": "#1a1a1a", "strokeWidth": 1},
        "encoding": {
            "y": {
                "field": "label",
                "type": "nominal",
                "sort": labels,
                "title": None,
                "axis": {"labelLimit": label_limit},
            },
            "x": {
                "field": "value",
                "type": "quantitative",
                "stack": "zero",
                "title": value_title,
                "axis": {"tickCount": 4},
            },
            "color": {
                "field": "group",
                "type": "nominal",
                "title": group_title,
                "sort": list(groups),
                "scale": {"domain": list(groups), "range": list(colours)},
                # narrow enough for a phone: the legend starts where the bars do
                "legend": {"labelLimit": 100},
            },
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": tooltip,
        },
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


HIDDEN_COLOUR = "#c8c8c8"  # an area whose figure is hidden (the legend says so)
MAP_OUTLINE_POINTS = 400  # a region's outline is thinned to about this many points


def _clockwise(ring: Sequence[Sequence[float]], clockwise: bool) -> list[list[float]]:
    area = sum(
        (b[0] - a[0]) * (b[1] + a[1]) for a, b in zip(ring, [*ring[1:], ring[0]], strict=True)
    )
    points = [list(p[:2]) for p in ring]
    return points if (area > 0) == clockwise else points[::-1]


def _thinned(ring: Sequence[Sequence[float]], step: int) -> list[list[float]]:
    kept = [list(p) for p in ring[::step]]
    if len(kept) < 4:
        kept = [list(p) for p in ring]
    if kept[0] != kept[-1]:
        kept.append(list(kept[0]))
    return kept


def outline_feature(geometry: Mapping[str, Any]) -> dict[str, Any] | None:
    """A GeoJSON Polygon or MultiPolygon as Vega draws it: thinned when large, its rings wound
    as d3-geo wants them (outer rings clockwise: GeoJSON's counter-clockwise rings would be
    read as the whole globe less the region). None for anything else."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry.get("coordinates") or []]
    elif kind == "MultiPolygon":
        polygons = list(geometry.get("coordinates") or [])
    else:
        return None
    count = sum(len(ring) for polygon in polygons for ring in polygon)
    step = max(1, count // MAP_OUTLINE_POINTS)
    wound = [
        [
            _clockwise(_thinned(ring, step), clockwise=index == 0)
            for index, ring in enumerate(polygon)
            if len(ring) >= 4
        ]
        for polygon in polygons
    ]
    wound = [polygon for polygon in wound if polygon]
    if not wound:
        return None
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPolygon", "coordinates": wound},
    }


def area_map_spec(
    areas: Sequence[Mapping[str, Any]],
    *,
    value_title: str,
    area_title: str,
    hidden_title: str,
    outline: Mapping[str, Any] | None = None,
    description: str = "",
) -> dict[str, Any]:
    """Areas on a map, each a dot at its place coloured by its value, over the region's outline
    (`outline_feature`): the atlas keeps areas as points, so a dot stands for each. `areas`:
    {"name", "latitude", "longitude", "value" (None when hidden), "shown"}. A hidden area is
    drawn grey and the legend names it `hidden_title`."""
    values = [
        {
            "name": str(a["name"]),
            "lon": float(a["longitude"]),
            "lat": float(a["latitude"]),
            "value": None if a["value"] is None else float(a["value"]),
            "shown": str(a["shown"]),
            "status": hidden_title,
        }
        for a in areas
    ]
    position = {
        "longitude": {"field": "lon", "type": "quantitative"},
        "latitude": {"field": "lat", "type": "quantitative"},
    }
    tooltip = [
        {"field": "name", "type": "nominal", "title": area_title},
        {"field": "shown", "type": "nominal", "title": value_title},
    ]
    dot = {"type": "circle", "size": 220, "opacity": 1, "stroke": "#1a1a1a", "strokeWidth": 1}
    layers: list[dict[str, Any]] = []
    if outline is not None:
        layers.append(
            {
                "data": {"values": [outline]},
                "mark": {"type": "geoshape", "fill": "#f2f2f2", "stroke": "#6b6b6b"},
            }
        )
    layers.append(
        {
            "data": {"values": [v for v in values if v["value"] is not None]},
            "mark": dot,
            "encoding": {
                **position,
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "title": value_title,
                    "scale": {"scheme": "viridis", "reverse": True},
                    "legend": {"orient": "bottom", "direction": "horizontal"},
                },
                "tooltip": tooltip,
            },
        }
    )
    layers.append(
        {
            "data": {"values": [v for v in values if v["value"] is None]},
            "mark": {**dot, "strokeDash": [3, 2]},
            "encoding": {
                **position,
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": [hidden_title], "range": [HIDDEN_COLOUR]},
                    "legend": {"orient": "bottom"},
                },
                "tooltip": tooltip,
            },
        }
    )
    return {
        "description": description,
        "width": "container",
        "height": 340,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "projection": {"type": "mercator"},
        "layer": layers,
        "resolve": {"scale": {"color": "independent"}},
        "config": _config(),
    }
