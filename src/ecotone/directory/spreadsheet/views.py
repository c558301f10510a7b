"""The flat spreadsheet's pages: the column guide, the template, and exports of programs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import ecosystem_view, get_organization
from ecotone.ecosystems.models import Ecosystem
from ecotone.replicas import read_replica

from . import reading, writing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return fmt


def _download(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@ecosystem_view("directory.use_program_spreadsheet")
def guide(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """What each column means, with the template and the exports this person may download."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    own = roles.organizations_in(request.user, ecosystem.pk)
    organizations = [
        organization
        for organization in ecosystem.organizations.active().filter(pk__in=own)
        if request.user.has_perm("directory.export_organization_programs", organization)
    ]
    return render(
        request,
        "directory/spreadsheet_guide.html",
        {
            "headers": writing.guide_headers(),
            "rows": writing.guide_rows(),
            "max_rows": reading.MAX_ROWS,
            "max_megabytes": reading.MAX_BYTES // (1024 * 1024),
            "can_export": request.user.has_perm("directory.export_programs", ecosystem),
            "can_import": request.user.has_perm("directory.import_programs", ecosystem),
            "organizations": organizations,
        },
    )


@ecosystem_view("directory.use_program_spreadsheet")
def template(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """An empty spreadsheet to fill in: the header row and one example row."""
    if _format(request) == "csv":
        response = HttpResponse(writing.template_csv(), content_type="text/csv; charset=utf-8")
        return _download(response, "ecotone-programs-template.csv")
    response = HttpResponse(writing.template_xlsx(), content_type=XLSX)
    return _download(response, "ecotone-programs-template.xlsx")


def _export(
    ecosystem: Ecosystem, fmt: str, filename: str, organization: object = None
) -> HttpResponseBase:
    rows = writing.export_rows(ecosystem, writing.exported_programs(ecosystem, organization))
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            writing.csv_chunks(rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(writing.xlsx_bytes(rows), content_type=XLSX)
    return _download(response, f"{filename}.{fmt}")


@read_replica
@ecosystem_view("directory.export_programs")
def export(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """Every program of the directory (not archived) in the spreadsheet's columns."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return _export(ecosystem, _format(request), f"{ecosystem.slug}-programs")


@read_replica
@ecosystem_view("directory.use_program_spreadsheet")
def organization_export(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponseBase:
    """One partner's programs, for its own staff (and backbone staff)."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    organization = get_organization(request, organization_slug)
    if not request.user.has_perm("directory.export_organization_programs", organization):
        raise PermissionDenied
    return _export(
        ecosystem,
        _format(request),
        f"{ecosystem.slug}-{organization.slug}-programs",
        organization,
    )
