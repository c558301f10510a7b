"""What a network's page shows, from the figures of `stats`: numbers written for people, the
charts comparing the ecosystems and the months (each with its table), and the map's places."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from ecotone import network_figures
from ecotone.charts import bar_spec
from ecotone.network_figures import Measure
from ecotone.templatetags.ecotone import rounded

from .stats import Trend

# Ecosystem names are long: on their charts they are shortened past 20 characters and given
# more room on the left (a chart's text cannot wrap, and a wider chart shrinks it on a phone).
NAMES_WIDTH = 170
NAME_CHARACTERS = 20
# The figures each ecosystem's entry in the list (and its marker on the map) shows.
HEADLINE = ("organizations", "programs", "mentors")


def shown(value: float | None, measure: Measure) -> str:
    """A figure as people read it: thousands separated, hours to one decimal, "—" for none."""
    if value is None:
        return "—"
    if measure.kind == "hours":
        return rounded(value, 1, grouping=True)
    return number_format(int(value), force_grouping=True)


def exported(value: float | None, measure: Measure) -> float | int | None:
    """A figure as a CSV cell: a plain number, empty for none."""
    if value is None:
        return None
    return round(value, 2) if measure.kind == "hours" else int(value)


def _short(name: str) -> str:
    # The chart's labels cannot wrap; its table has the whole name.
    return name if len(name) <= NAME_CHARACTERS else name[: NAME_CHARACTERS - 1].rstrip() + "…"


def _headline(row: dict[str, Any], measures: Sequence[Measure]) -> list[tuple[Any, str]]:
    return [(m.label, shown(row["figures"].get(m.key), m)) for m in measures if m.key in HEADLINE]


def ecosystem_rows(
    summary: Sequence[dict[str, Any]], measures: Sequence[Measure], user: Any
) -> list[dict[str, Any]]:
    """Per ecosystem: its figures as shown, in the order of `measures`, the few the list
    shows, and its pages' links."""
    return [
        {
            "ecosystem": row["ecosystem"],
            "cells": [shown(row["figures"].get(m.key), m) for m in measures],
            "headline": _headline(row, measures),
            "pages": network_figures.pages_for(user, row["ecosystem"], row["figures"]),
        }
        for row in summary
    ]


def comparison_charts(
    summary: Sequence[dict[str, Any]], measures: Sequence[Measure]
) -> list[dict[str, Any]]:
    """One chart per figure worth comparing (none where no ecosystem has a value)."""
    charts = []
    for measure in measures:
        values = [(row["ecosystem"].name, row["figures"].get(measure.key)) for row in summary]
        if not measure.chart or all(value is None for _name, value in values):
            continue
        if any(value is None for _name, value in values):
            description = _("Per ecosystem; “—” where it does not apply yet.")
        else:
            description = _("Per ecosystem.")
        charts.append(
            {
                "id": f"chart-{measure.key}",
                "title": measure.label,
                "description": description,
                "spec": bar_spec(
                    [
                        {"label": _short(name), "value": value, "shown": shown(value, measure)}
                        for name, value in values
                    ],
                    label_title=_("Ecosystem"),
                    value_title=str(measure.label),
                    label_limit=NAMES_WIDTH,
                ),
                "headers": [_("Ecosystem"), measure.label],
                "rows": [[name, shown(value, measure)] for name, value in values],
            }
        )
    return charts


def month_label(month: datetime.date) -> str:
    return date_format(month, "M Y")


def trend_charts(trends: Sequence[Trend]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"trend-{trend.measure.key}",
            "title": trend.measure.label,
            "description": _("Month by month, all the network's ecosystems together."),
            "spec": bar_spec(
                [
                    {
                        "label": month_label(month),
                        "value": value,
                        "shown": shown(value, trend.measure),
                    }
                    for month, value in trend.months
                ],
                label_title=_("Month"),
                value_title=str(trend.measure.label),
            ),
            "headers": [_("Month"), trend.measure.label],
            "rows": [
                [month_label(month), shown(value, trend.measure)] for month, value in trend.months
            ],
        }
        for trend in trends
    ]


def places(summary: Sequence[dict[str, Any]], measures: Sequence[Measure]) -> list[dict[str, Any]]:
    """One marker per ecosystem for the map: its name, public home and a line of figures."""
    return [
        {
            "name": row["ecosystem"].name,
            "url": row["ecosystem"].get_absolute_url(),
            "lat": row["place"][0],
            "lon": row["place"][1],
            "summary": " · ".join(f"{label}: {n}" for label, n in _headline(row, measures)),
        }
        for row in summary
    ]
