"""The reach report at `reach/` (issue 17 item 4): everyone (`measures.view_reach`, the public
included) reads, per school year, the unduplicated young people, the overlaps between partners
and program types, the dose, the retention and the typical sequences, every count suppressed
(`services.reach.report`); backbone staff (`measures.manage_linkage`) also read the linkage
runs' quality figures and status. `?format=csv` or `xlsx` downloads every year's figures; the
API beside it (`/api/v1/ecosystems/<slug>/measures/reach/`) gives the same."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.exports import FORMATS, table_response

from ..services.reach import report as services


def _type_rows(year: services.Year, threshold: int) -> list[dict[str, Any]]:
    return [
        {
            "label": label,
            "cells": [services.shown(year.type_cells[(a, b)], threshold) for b, _l in year.types],
        }
        for a, label in year.types
    ]


@ecosystem_view("measures.view_reach", public=True)
def reach_report(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    quality = request.user.has_perm("measures.manage_linkage", ecosystem)
    report = services.build(ecosystem, quality=quality)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-reach", fmt, services.export_headers(), services.export_rows(report)
        )
    asked = request.GET.get("period", "")
    year = report.year(int(asked) if asked.isdigit() else None)
    threshold = report.threshold
    context: dict[str, Any] = {
        "report": report,
        "year": year,
        "threshold": threshold,
        "summary": [
            {
                "year": y,
                "reached": services.shown(services.figure_count(y.reached), threshold),
                "range": y.range
                and {
                    "low": services.shown(y.range.low, threshold),
                    "high": services.shown(y.range.high, threshold),
                },
            }
            for y in report.years
        ],
        "quality": [
            {"epoch": q.epoch, "run": q.run, "figures": services.quality_figures(q.run)}
            for q in report.quality or []
        ],
    }
    if year is not None:
        context |= {
            "range": year.range
            and {
                "low": services.shown(year.range.low, threshold),
                "high": services.shown(year.range.high, threshold),
            },
            "partners": [
                (p.first, p.second, services.shown(p.count, threshold)) for p in year.partners
            ],
            "type_rows": _type_rows(year, threshold),
            "dose": [(bucket, services.shown(c, threshold)) for bucket, c in year.dose],
            "retained": year.retention
            and year.retention.retained
            and services.shown(year.retention.retained, threshold),
            "retention_note": year.retention and services.retention_note(year.retention),
            "sequences": [
                (p.first, p.second, services.shown(p.count, threshold)) for p in year.sequences
            ],
        }
    return render(request, "measures/reach/report.html", context)


urlpatterns = [
    path("reach/", reach_report, name="reach"),
]
