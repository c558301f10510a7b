"""Counts of badges awarded and of pathway progress: a page, its CSV/XLSX (the API has the same
figures). Every figure is published through `ecotone.suppression` (`services.counts`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.exports import FORMATS, table_response

from ..services import counts as service

VIEW = "pathways.view_badge_counts"


@ecosystem_view(VIEW)
def badge_counts(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    counts = service.badge_counts(ecosystem)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-badge-counts",
            fmt,
            service.EXPORT_HEADERS,
            service.export_rows(counts),
        )
    return render(request, "pathways/badges/counts.html", {"counts": counts})


urlpatterns = [path("counts/", badge_counts, name="counts")]
