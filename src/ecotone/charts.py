"""Horizontal bar charts drawn on the server as SVG (templates/_bar_chart.html).

No chart library: a handful of bars needs none, the page stays readable without JavaScript,
and nothing is fetched from elsewhere. Every chart is shown beside a table of the same numbers
(the accessible alternative); the SVG itself is one labelled image.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 440
LABEL_WIDTH = 130
VALUE_WIDTH = 70
BAR_HEIGHT = 26
GAP = 12
DEFAULT_COLOUR = "#3b528b"  # viridis blue: 8.6:1 on white


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    value_label: str
    colour: str
    y: float
    width: float
    text_y: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_x: int
    bar_x: int


def bar_chart(
    rows: list[tuple[str, float, str, str | None]],
    *,
    width: int = WIDTH,
    label_width: int = LABEL_WIDTH,
) -> BarChart:
    """`rows`: (label, value, value as shown, colour or None) per bar, top to bottom. Longer
    labels (names) take a wider chart with more room on the left."""
    top = max((value for _label, value, _shown, _colour in rows), default=0.0)
    room = width - label_width - VALUE_WIDTH
    bars = []
    for index, (label, value, shown, colour) in enumerate(rows):
        bar_width = room * value / top if top > 0 else 0.0
        # A bar for a value above zero is never thinner than a hairline.
        bar_width = max(bar_width, 2.0) if value > 0 else 0.0
        y = GAP + index * (BAR_HEIGHT + GAP)
        bars.append(
            Bar(
                label=label,
                value=value,
                value_label=shown,
                colour=colour or DEFAULT_COLOUR,
                y=y,
                width=round(bar_width, 1),
                text_y=y + BAR_HEIGHT / 2,
                value_x=round(label_width + bar_width + 6, 1),
            )
        )
    height = GAP + len(rows) * (BAR_HEIGHT + GAP)
    return BarChart(
        bars=bars, width=width, height=height, label_x=label_width - 8, bar_x=label_width
    )
