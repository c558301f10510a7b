"""The applicant-pool report of a call for backbone staff: charts with their tables, a map of
the applications, the partners named and the overlapping applications, with downloads. The
figures are `services.pool`'s."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone import charts, exports
from ecotone.ecosystems.access import ecosystem_view
from ecotone.templatetags.ecotone import rounded

from .. import access
from ..services.pool import PoolReport, Share, pool_report

MANAGE = "challenges.manage_calls"
FORMATS = ("csv", "xlsx")
TOP_PARTNERS = 20


def _percent(share: float) -> str:
    return rounded(100 * share, 0) + " %"


def _chart(chart_id: str, title: str, label_title: str, shares: list[Share]) -> dict[str, Any]:
    rows = [
        {"label": str(s.label), "value": 100 * s.share, "shown": f"{_percent(s.share)} ({s.count})"}
        for s in shares
    ]
    spec = charts.bar_spec(
        rows, label_title=label_title, value_title=_("Share of applications"), description=title
    )
    return charts.chart(
        chart_id,
        title,
        spec,
        [label_title, _("Applications"), _("Share of applications")],
        [[str(s.label), s.count, _percent(s.share)] for s in shares],
    )


def _charts(report: PoolReport) -> list[dict[str, Any]]:
    return [
        _chart("pool-sectors", _("Lead organizations by sector"), _("Sector"), report.sectors),
        _chart(
            "pool-populations",
            _("Young people the applications target"),
            _("Young people"),
            report.populations,
        ),
        _chart("pool-grades", _("Grade bands"), _("Grades"), report.grade_bands),
        _chart("pool-topics", _("STEM fields"), _("STEM field"), report.topics),
        _chart("pool-regions", _("Census regions"), _("Region"), report.regions),
        _chart("pool-states", _("States"), _("State"), report.states),
    ]


OVERLAPS_PER_PAGE = 50


@ecosystem_view(MANAGE)
def pool_page(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    report = pool_report(call)
    # The overlapping pairs, a page at a time (the first page names the overlapping share).
    overlaps = Paginator(report.overlaps, OVERLAPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "challenges/pool/report.html",
        {
            "call": call,
            "report": report,
            "page": overlaps,
            "charts": _charts(report) if report.total else [],
            "partners": report.partners[:TOP_PARTNERS],
            "more_partners": max(len(report.partners) - TOP_PARTNERS, 0),
            "places": report.places(),
            "tile_url": settings.TILE_URL,
            "tile_attribution": settings.TILE_ATTRIBUTION,
            "overlapping_percent": _percent(report.overlapping_share),
            "formats": FORMATS,
        },
    )


def export_rows(report: PoolReport) -> tuple[list[str], list[list[Any]]]:
    """The report as one table: what is counted, the value, applications, share."""
    headers = [_("Figure"), _("Value"), _("Applications"), _("Share of applications")]
    rows: list[list[Any]] = []
    sections = [
        (_("Lead organization sector"), report.sectors),
        (_("Young people targeted"), report.populations),
        (_("Grade band"), report.grade_bands),
        (_("STEM field"), report.topics),
        (_("Census region"), report.regions),
        (_("State"), report.states),
        (_("Partner named"), report.partners),
    ]
    for figure, shares in sections:
        rows.extend([str(figure), str(s.label), s.count, round(s.share, 4)] for s in shares)
    for o in report.overlaps:
        rows.append(
            [
                str(_("Overlapping applications")),
                f"{o.first.title} / {o.second.title}",
                2,
                "; ".join(o.reasons()),
            ]
        )
    return headers, rows


@ecosystem_view(MANAGE)
@require_http_methods(["GET"])
def pool_export(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, fmt: str
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    call = access.get_call(request, call_slug)
    headers, rows = export_rows(pool_report(call))
    return exports.table_response(f"{call.slug}-applicant-pool", fmt, headers, rows)


urlpatterns = [
    path("calls/<slug:call_slug>/pool/", pool_page, name="pool"),
    path("calls/<slug:call_slug>/pool/download/<str:fmt>/", pool_export, name="pool_export"),
]
