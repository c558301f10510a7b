"""Mentoring pages: the dashboard (backbone staff). Every figure is a data table; each table
downloads as CSV or XLSX with `?table=<name>&format=csv|xlsx`."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path

from ecotone import exports
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.replicas import read_replica

from ..services import dashboards


@read_replica
@ecosystem_view("mentoring.view_dashboard")
def dashboard(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    fmt = request.GET.get("format")
    if fmt:
        name = request.GET.get("table", "")
        if fmt not in exports.FORMATS or name not in dashboards.TABLE_NAMES:
            raise Http404
        table = dashboards.dashboard(ecosystem, only=[name])[name]
        return exports.table_response(
            f"{ecosystem.slug}-mentoring-{name.replace('_', '-')}",
            fmt,
            table.headers,
            table.export_rows(),
        )
    tables = dashboards.dashboard(ecosystem)
    sections = [(title, [tables[name] for name in names]) for title, names in dashboards.SECTIONS]
    return render(
        request,
        "mentoring/dashboard.html",
        {"ecosystem": ecosystem, "sections": sections, "formats": exports.FORMATS},
    )


urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard, name="dashboard"),
]
