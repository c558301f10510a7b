"""A network's shared measurement at /n/<network_slug>/measures/: for its operators
(`measures.view_network_figures`), the indicators its ecosystems publish and each one summed
across them, suppressed after summing (`services.network`); `?format=csv` (or xlsx) exports
the figures with their marks. Anyone else gets a 404, as on the network's page.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ecotone import charts
from ecotone.ecosystems.models import Network
from ecotone.exports import FORMATS, table_response
from ecotone.replicas import read_replica

from ..models import Unit
from ..services import dashboards
from ..services import network as services
from .dashboards import chosen_cross, cross_tab


def get_network(request: HttpRequest, network_slug: str) -> Network:
    """A network whose figures the person may read, or 404 (outsiders learn nothing)."""
    network = get_object_or_404(Network, slug=network_slug)
    if not request.user.has_perm("measures.view_network_figures", network):
        raise Http404
    return network


def get_network_indicator(network: Network, key: str) -> services.NetworkIndicator:
    found = services.get_network_indicator(network, key)
    if found is None:
        raise Http404
    return found


def choose_period(
    request: HttpRequest, indicator: services.NetworkIndicator
) -> tuple[list[services.NetworkPeriod], services.NetworkPeriod | None]:
    """The periods with values and the one asked for (`?period=<start date>`, the latest by
    default; an unknown one is a 404)."""
    periods = services.network_periods(indicator)
    wanted = request.GET.get("period")
    if not wanted:
        return periods, periods[0] if periods else None
    try:
        start = datetime.date.fromisoformat(wanted)
    except ValueError:
        raise Http404 from None
    found = next((p for p in periods if p.start == start), None)
    if found is None:
        raise Http404
    return periods, found


@read_replica
@login_required
def network_measures(request: HttpRequest, network_slug: str) -> HttpResponseBase:
    network = get_network(request, network_slug)
    indicators = services.network_indicators(network)
    return render(
        request,
        "measures/network_list.html",
        {
            "network": network,
            "indicators": indicators,
            "ecosystem_count": services.network_ecosystems(network).count(),
        },
    )


def _page(request: HttpRequest, found: services.NetworkDashboard, dimension: str) -> dict[str, Any]:
    board = found.board
    indicator = board.indicator
    threshold = board.threshold
    current = board.current
    percent = indicator.unit == Unit.PERCENT
    value_title = _("Percent") if percent else (_("Mean") if indicator.is_ratio else _("Count"))
    context: dict[str, Any] = {
        "total_shown": dashboards.shown(indicator, current.total, threshold),
        "dimension_label": dashboards.dimension_label(dimension) if dimension else "",
    }
    breakdown = current.breakdown(dimension) if dimension else None
    if breakdown is not None:
        group_title = dashboards.dimension_label(dimension)
        shown_codes = [c for c, f in breakdown.items() if f.n != 0 or f.mark]
        rows = [
            {
                "label": dashboards.label(dimension, code),
                "value": breakdown[code].value,
                "shown": dashboards.shown(indicator, breakdown[code], threshold),
                "short": _("hidden") if breakdown[code].value is None else "",
            }
            for code in shown_codes
        ]
        headers = [group_title, value_title]
        table_rows = [[r["label"], r["shown"]] for r in rows]
        if indicator.is_ratio:
            headers.append(_("Young people"))
            for row, code in zip(table_rows, shown_codes, strict=True):
                n = breakdown[code].n
                row.append("—" if n is None else number_format(n, force_grouping=True))
        context["bars"] = charts.chart(
            "chart-groups",
            _("%(indicator)s by %(dimension)s, %(period)s")
            % {
                "indicator": found.indicator.name,
                "dimension": group_title.lower(),
                "period": found.period.label,
            },
            charts.bar_spec(rows, label_title=group_title, value_title=value_title),
            headers,
            table_rows,
        )
    cross, others = chosen_cross(request, current, dimension)
    if cross is not None:
        context["cross"] = cross_tab(found.board, cross, value_title=value_title, others=others)
    context["incomplete"] = [dashboards.dimension_label(d) for d in found.incomplete]
    return context


@read_replica
@login_required
def network_dashboard(request: HttpRequest, network_slug: str, key: str) -> HttpResponseBase:
    network = get_network(request, network_slug)
    indicator = get_network_indicator(network, key)
    periods, period = choose_period(request, indicator)
    fmt = request.GET.get("format")
    filename = f"{network.slug}-{indicator.identity}"
    context: dict[str, Any] = {
        "network": network,
        "indicator": indicator,
        "periods": periods,
        "period": period,
        "found": None,
    }
    try:
        found = services.network_dashboard(network, indicator, period) if period else None
    except dashboards.UnpublishableError as error:
        if fmt in FORMATS:
            raise Http404 from None
        return render(request, "measures/network_dashboard.html", {**context, "error": error})
    if fmt in FORMATS:
        rows = dashboards.export_rows(found.board) if found else []
        return table_response(filename, fmt, dashboards.export_headers(), rows)
    if found is None:
        return render(request, "measures/network_dashboard.html", context)
    dimensions = [d for dims in found.current.tables for d in dims]
    dimension = request.GET.get("dimension") or (dimensions[0] if dimensions else "")
    if dimension and dimension not in dimensions:
        raise Http404
    context.update(
        {
            "found": found,
            "threshold": found.board.threshold,
            "dimension": dimension,
            "dimensions": [(d, dashboards.dimension_label(d)) for d in dimensions],
            "hidden_count": found.current.hidden_count,
            **_page(request, found, dimension),
        }
    )
    return render(request, "measures/network_dashboard.html", context)


urlpatterns = [
    path("", network_measures, name="list"),
    path("<slug:key>/", network_dashboard, name="dashboard"),
]
