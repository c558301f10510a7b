"""Dashboard pages at `dashboards/`.

Anyone, the public included (`measures.view_dashboards`), reads the dashboards of published
indicators; backbone staff those of every active indicator. A dashboard's figures are the
partners' approved values summed and published through `ecotone.suppression`
(`services.dashboards`): the page, its CSV/XLSX and the API show the same suppressed figures.
Backbone staff may look at one partner's figures, partner staff at their own organization's;
everyone else sees the ecosystem's. An indicator a person may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ecotone import charts
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.exports import FORMATS, table_response
from ecotone.templatetags.ecotone import rounded

from .. import equity
from ..forms import DashboardFilterForm
from ..models import Indicator, Unit
from ..services import dashboards as services
from ..services import enrolment


def get_dashboard_indicator(request: HttpRequest, key: str) -> Indicator:
    """An indicator whose dashboard the person may see, or 404."""
    ecosystem = current_ecosystem(request)
    indicator = get_object_or_404(
        services.dashboard_indicators(request.user, ecosystem).select_related("ecosystem"),
        key=key,
    )
    if not request.user.has_perm("measures.view_dashboard", indicator):
        raise Http404
    return indicator


@ecosystem_view("measures.view_dashboards", public=True)
def dashboard_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    indicators = services.dashboard_indicators(request.user, ecosystem).order_by("name", "pk")
    return render(request, "measures/dashboard_list.html", {"indicators": indicators})


class UnknownFilter(ValueError):  # noqa: N818 (it names what was asked for)
    """A program type or an area the dashboard has no such choice of."""


def choose(request: HttpRequest, indicator: Indicator) -> dict[str, Any]:
    """The filters of a dashboard as the person may use them (pages and API alike): source
    (the partners' submissions or the public files), period, partner (only those
    `partners_seen`; another is a 404; it narrows the partners' figures only), program type and
    area (for an indicator broken down by them; an unknown one raises UnknownFilter) and
    dimension."""
    ecosystem = current_ecosystem(request)
    sources = services.sources_of(indicator)
    asked = request.GET.get("source")
    if asked in dict(sources):
        source = asked
    elif request.GET.get("organization"):
        source = services.PARTNERS
    else:
        source = services.default_source(sources)
    periods = list(services.periods_of(indicator, source))
    partners = list(services.partners_seen(request.user, ecosystem))
    published = services.publication_dimensions(indicator)
    dimensions = [(d, services.dimension_label(d)) for d in published]
    program_types = (
        [(c, services.label(services.PROGRAM_TYPE, c)) for c in services.PROGRAM_TYPES]
        if services.PROGRAM_TYPE in published
        else []
    )
    areas = list(services.record_names("area", ecosystem).items()) if "area" in published else []
    form = DashboardFilterForm(
        request.GET or None,
        periods=periods,
        organizations=partners,
        dimensions=dimensions,
        program_types=program_types,
        areas=areas,
        sources=sources,
    )
    data = form.cleaned_data if form.is_valid() else {}
    if request.GET.get("organization") and not data.get("organization"):
        raise Http404  # a partner this person may not look at
    for name in ("program_type", "area"):
        if request.GET.get(name) and not data.get(name):
            raise UnknownFilter(name)
    period = next((p for p in periods if p.pk == data.get("period")), None)
    organization = next((o for o in partners if o.slug == data.get("organization")), None)
    if source != services.PARTNERS:
        organization = None
    dimension = data.get("dimension") or (dimensions[0][0] if dimensions else "")
    if dimension in (data.get("area") and "area", data.get("program_type") and "program_type"):
        dimension = next((d for d, _label in dimensions if d != dimension), "")
    return {
        "form": form,
        "period": period,
        "organization": organization,
        "area": data.get("area") or None,
        "program_type": data.get("program_type") or None,
        "dimension": dimension,
        "has_periods": bool(periods),
        "periods": periods,
        "source": source,
        "sources": sources,
    }


def published_board(indicator: Indicator, chosen: dict[str, Any]) -> services.Dashboard:
    """The dashboard the filters `chosen` ask for (pages, exports and API)."""
    return services.dashboard(
        indicator,
        period=chosen["period"],
        organizations=[chosen["organization"]] if chosen["organization"] else None,
        periods=chosen["periods"],
        area=chosen["area"],
        program_type=chosen["program_type"],
        source=chosen["source"],
        sources=chosen["sources"],
    )


def cross_tab(
    board: services.Dashboard,
    cross: services.Table,
    *,
    value_title: str,
    others: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A cross-tab (sex and another dimension) as the pages show it, groups with no one in them
    left out, and the same figures as small multiples: the bars by the other dimension once for
    each sex. `others`: the other cross-tabs published, {dimension: link to show it}."""
    indicator, threshold = board.indicator, board.threshold
    centre, other = cross.dimensions
    figures = cross.figures
    rows_of = [k[1] for k in figures if k[0] is None and k[1] is not None and figures[k].n != 0]
    cols_of = [k[0] for k in figures if k[1] is None and k[0] is not None and figures[k].n != 0]
    other_title = services.dimension_label(other)
    headers = [other_title, *(board.label(centre, s) for s in cols_of), _("All")]
    rows = [
        [
            board.label(other, r) if r else _("All"),
            *(services.shown(indicator, figures[(s, r)], threshold) for s in [*cols_of, None]),
        ]
        for r in [*rows_of, None]
    ]
    bars = [
        {
            "panel": board.label(centre, s),
            "label": board.label(other, r),
            "value": figures[(s, r)].value,
            "shown": services.shown(indicator, figures[(s, r)], threshold),
        }
        for s in cols_of
        for r in rows_of
    ]
    period = board.current.period.label
    # the dimension's name as it is written: "English learner", "Disability (IDEA)"
    title = _("%(indicator)s by sex and %(dimension)s, %(period)s") % {
        "indicator": indicator.name,
        "dimension": other_title,
        "period": period,
    }
    spec = charts.small_multiples_spec(
        bars,
        panel_title=services.dimension_label(centre),
        label_title=other_title,
        value_title=value_title,
        description=title,
    )
    return {
        "heading": _("Sex × %(dimension)s") % {"dimension": other_title},
        "headers": headers,
        "rows": rows,
        "others": [
            {"label": services.dimension_label(d), "url": url} for d, url in (others or {}).items()
        ],
        "chart": charts.chart(
            "chart-cross",
            title,
            spec,
            [services.dimension_label(centre), other_title, value_title],
            [[b["panel"], b["label"], b["shown"]] for b in bars],
            description=_("A hidden figure has no bar: the table under the chart says why."),
        ),
    }


def chosen_cross(
    request: HttpRequest, published: services.PublishedPeriod, dimension: str
) -> tuple[services.Table | None, dict[str, str]]:
    """The cross-tab a page shows: sex with the dimension chosen (the first published when the
    dimension is sex or is not crossed), and links to each other cross-tab (the page with that
    dimension chosen, its other choices kept)."""
    crosses = published.crosses()
    chosen = crosses.get(dimension) or next(iter(crosses.values()), None)
    others: dict[str, str] = {}
    for other in crosses:
        if chosen is not None and other == chosen.dimensions[1]:
            continue
        query = request.GET.copy()
        query["dimension"] = other
        others[other] = f"?{query.urlencode()}#cross-heading"
    return chosen, others


def _metric(found: equity.Metric, *, percent: bool = False, points: bool = False) -> str:
    if isinstance(found, equity.NotEnoughData):
        return {
            "hidden": _("not enough data (a count is hidden)"),
            "zero_denominator": _("not enough data"),
            "too_few": _("not enough data"),
            "no_reference": _("no enrolment figures yet"),
        }[found.reason]

    def one(value: float) -> str:
        if points:
            return rounded(value * 100, 1, grouping=True)
        if percent:
            return f"{rounded(value * 100, 1)} %"
        return rounded(value, 2)

    text = one(found.value)
    if found.low is not None and found.high is not None:
        text += " (" + one(found.low) + " – " + one(found.high) + ")"
    return text


def _page(request: HttpRequest, indicator: Indicator, chosen: dict[str, Any]) -> dict[str, Any]:
    board = published_board(indicator, chosen)
    threshold = board.threshold
    current = board.current
    dimension = chosen["dimension"]
    percent = indicator.unit == Unit.PERCENT
    value_title = _("Percent") if percent else (_("Mean") if indicator.is_ratio else _("Count"))
    context: dict[str, Any] = {
        "dimension_label": services.dimension_label(dimension) if dimension else "",
        "board": board,
        "threshold": threshold,
        "dimension": dimension,
        "total_shown": services.shown(indicator, current.total, threshold),
        "area_label": dict(chosen["form"].fields["area"].choices).get(chosen["area"], ""),
        "program_type_label": services.label(services.PROGRAM_TYPE, chosen["program_type"])
        if chosen["program_type"]
        else "",
    }
    breakdown = current.breakdown(dimension) if dimension else None
    group_title = services.dimension_label(dimension) if dimension else ""
    if breakdown is not None:
        shown_codes = [c for c, f in breakdown.items() if f.n != 0 or f.mark]
        rows = [
            {
                "label": board.label(dimension, code),
                "value": breakdown[code].value,
                "shown": services.shown(indicator, breakdown[code], threshold),
                "short": _("hidden") if breakdown[code].value is None else "",
            }
            for code in shown_codes
        ]
        headers = [group_title, value_title]
        table_rows = [[r["label"], r["shown"]] for r in rows]
        if indicator.is_ratio:
            headers.append(_("Young people"))
            for row, code in zip(table_rows, shown_codes, strict=True):
                figure = breakdown[code]
                row.append(
                    "—" if figure.n is None else number_format(figure.n, force_grouping=True)
                )
        context["bars"] = charts.chart(
            "chart-groups",
            _("%(indicator)s by %(dimension)s, %(period)s")
            % {
                "indicator": indicator.name,
                "dimension": group_title.lower(),
                "period": current.period.label,
            },
            charts.bar_spec(rows, label_title=group_title, value_title=value_title),
            headers,
            table_rows,
        )
        points = []
        for published in board.periods:
            groups = published.breakdown(dimension) or {}
            points.append(
                {
                    "period": published.period.label,
                    "group": _("All"),
                    "value": published.total.value,
                    "shown": services.shown(indicator, published.total, threshold),
                }
            )
            for code in shown_codes:
                figure = groups.get(code, services.Figure(None, None))
                points.append(
                    {
                        "period": published.period.label,
                        "group": board.label(dimension, code),
                        "value": figure.value,
                        "shown": services.shown(indicator, figure, threshold),
                    }
                )
        line_groups = [_("All"), *(board.label(dimension, c) for c in shown_codes)]
        context["lines"] = charts.chart(
            "chart-periods",
            _("%(indicator)s by %(dimension)s over the periods")
            % {"indicator": indicator.name, "dimension": group_title.lower()},
            charts.line_spec(
                points, period_title=_("Period"), value_title=value_title, group_title=group_title
            ),
            [group_title, *(p.period.label for p in board.periods)],
            [
                [group, *(p["shown"] for p in points if p["group"] == group)]
                for group in line_groups
            ],
        )
        found = enrolment.enrolment_for(indicator.ecosystem, current.period)
        context["enrolment"] = found
        context["equity"] = [
            {
                "code": g.code,
                "label": board.label(dimension, g.code),
                "share": _metric(g.share, percent=True),
                "rate": _metric(g.rate, percent=True),
                "risk_ratio": _metric(g.risk_ratio),
                "risk_difference": _metric(g.risk_difference, points=True),
                "gap": _metric(g.gap, points=True),
                "representation": _metric(g.representation),
                "trend": _metric(g.trend.change, points=True),
            }
            for g in services.equity_by(
                board, dimension, enrolment=found.published if found else None
            )
            if g.code in shown_codes
        ]
        enrolled = (found.published.breakdown(dimension) if found else None) or {}
        for row in context["equity"] if enrolled else ():
            row["enrolled"] = services.shown(indicator, enrolled[row["code"]], threshold)
    areas = current.breakdown("area")
    if areas:
        context["map"] = _area_map(board, areas, value_title)
    cross, others = chosen_cross(request, current, dimension)
    if cross is not None:
        context["cross"] = cross_tab(board, cross, value_title=value_title, others=others)
    context["incomplete"] = [services.dimension_label(d) for d in current.incomplete]
    context["not_in_slice"] = [services.dimension_label(d) for d in current.not_in_slice]
    return context


def _area_map(
    board: services.Dashboard, areas: dict[str, services.Figure], value_title: str
) -> dict[str, Any]:
    """The area breakdown (a table of the publication, hidden figures and all) on a map."""
    indicator, threshold = board.indicator, board.threshold
    ecosystem = indicator.ecosystem
    places = services.area_places(ecosystem, areas)
    area_title = services.dimension_label("area")
    rows = [
        {
            "name": places[code][0],
            "latitude": places[code][1],
            "longitude": places[code][2],
            "value": figure.value,
            "shown": services.shown(indicator, figure, threshold),
        }
        for code, figure in sorted(areas.items(), key=lambda item: board.label("area", item[0]))
        if code in places
    ]
    outline = None
    if ecosystem.region_geojson:
        outline = charts.outline_feature(ecosystem.region_geojson)
    if outline is None:  # the region's bounding box
        west, south = ecosystem.region_west, ecosystem.region_south
        east, north = ecosystem.region_east, ecosystem.region_north
        box = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        outline = charts.outline_feature({"type": "Polygon", "coordinates": [box]})
    return charts.chart(
        "chart-areas",
        _("%(indicator)s by area, %(period)s")
        % {"indicator": indicator.name, "period": board.current.period.label},
        charts.area_map_spec(
            rows,
            value_title=value_title,
            area_title=area_title,
            hidden_title=_("hidden"),
            outline=outline,
        ),
        [area_title, value_title],
        [[row["name"], row["shown"]] for row in rows],
        description=_(
            "Each dot is an area of the atlas, coloured by its figure; a grey dot is an area "
            "whose figure is hidden to protect a small group."
        ),
    )


@ecosystem_view("measures.view_dashboards", public=True)
def dashboard_detail(request: HttpRequest, ecosystem_slug: str, key: str) -> HttpResponseBase:
    indicator = get_dashboard_indicator(request, key)
    try:
        chosen = choose(request, indicator)
    except UnknownFilter:
        raise Http404 from None
    fmt = request.GET.get("format")
    if not chosen["has_periods"]:
        if fmt in FORMATS:
            return table_response(
                f"{current_ecosystem(request).slug}-{indicator.key}",
                fmt,
                services.export_headers(),
                [],
            )
        return render(
            request, "measures/dashboard.html", {"indicator": indicator, **chosen, "board": None}
        )
    context = _page(request, indicator, chosen)
    if fmt in FORMATS:
        board = context["board"]
        return table_response(
            f"{current_ecosystem(request).slug}-{indicator.key}",
            fmt,
            services.export_headers(),
            services.export_rows(board),
        )
    return render(request, "measures/dashboard.html", {"indicator": indicator, **chosen, **context})


urlpatterns = [
    path("dashboards/", dashboard_list, name="dashboards"),
    path("dashboards/<slug:key>/", dashboard_detail, name="dashboard"),
]
