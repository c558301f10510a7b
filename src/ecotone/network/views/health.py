"""The network's health dashboard (the backbone's): `services.health`, one section per
function; `?section=<key>&format=csv|xlsx` downloads one section's table."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.exports import FORMATS, table_response

from ..services import health


@ecosystem_view("network.view_health")
def health_dashboard(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        try:
            found = health.section(ecosystem, request.GET.get("section", ""))
        except KeyError:
            raise Http404 from None
        return table_response(
            f"{ecosystem.slug}-network-{found.key}", fmt, found.headers, found.rows
        )
    return render(
        request,
        "network/health/dashboard.html",
        {"ecosystem": ecosystem, "sections": health.dashboard(ecosystem)},
    )


urlpatterns: list[URLPattern] = [
    path("health/", health_dashboard, name="health"),
]
