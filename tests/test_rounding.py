"""Figures are rounded, never cut: Django's number_format drops the decimals past the ones
asked for (1.057 read "1.05", 25 of 60 read "41.6 %"); every figure of the dashboards, the
report and the network pages goes through the `rounded` filter."""

from __future__ import annotations

from typing import Any

from django.template import Context, Template
from django.utils import translation

from ecotone.measures import equity
from ecotone.measures.models import Aggregation, Indicator, Unit
from ecotone.measures.services import dashboards
from ecotone.measures.views.dashboards import _metric
from ecotone.templatetags.ecotone import rounded


def test_rounded_rounds_half_up_where_number_format_cuts() -> None:
    assert rounded(1.057, 2) == "1.06"
    assert rounded(41.666, 1) == "41.7"
    assert rounded(2.675, 2) == "2.68"  # half up, whatever the float's binary value
    assert rounded(9.96, 1) == "10.0"
    with translation.override("es"):
        assert rounded(1.057, 2) == "1,06"


def test_the_rounded_filter_is_the_same_rounding_in_templates() -> None:
    shown = Template("{% load ecotone %}{{ x|rounded:2 }}").render(Context({"x": 1.057}))
    assert shown == "1.06"


def test_dashboard_figures_and_equity_metrics_are_rounded() -> None:
    mean = Indicator(unit=Unit.MEAN, aggregation=Aggregation.RATIO_OF_SUMS)
    percent = Indicator(unit=Unit.PERCENT, aggregation=Aggregation.RATIO_OF_SUMS)
    assert dashboards.shown(mean, dashboards.Figure(1.057, 30), 10) == "1.06"
    assert dashboards.shown(percent, dashboards.Figure(25 / 60 * 100, 60, 25), 10) == "41.7 %"
    estimate: Any = equity.Estimate(1.057, None, None)
    assert _metric(estimate) == "1.06"
    assert _metric(equity.Estimate(25 / 60, None, None), percent=True) == "41.7 %"


def test_the_reports_change_is_rounded() -> None:
    from ecotone.measures.services.reports import Headline
    from ecotone.measures.views.reports import _change

    mean = Indicator(unit=Unit.MEAN, aggregation=Aggregation.RATIO_OF_SUMS)
    board: Any = None
    previous: Any = object()
    assert _change(Headline(mean, board, previous, 1.057, None)) == "+1.06"
