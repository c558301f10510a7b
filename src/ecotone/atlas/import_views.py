"""Backbone staff's pages for population areas: upload and check a file, apply it, list areas.

Every page calls the services of `area_import`; a bad file is a report on the page, never an
error page. Imports and areas are fetched from the request's ecosystem, so another ecosystem's
are a 404. The area list shows counts as imported (it is where staff check their data, not a
publication: the atlas pages apply small-cell suppression).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.upload_actions import upload_action
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, csv_stream, table_response

from . import area_import
from .access import get_area_import
from .area_files import MAX_BYTES
from .forms import AreaFilterForm, DeleteAreasForm, UploadForm
from .models import AreaImport, AreaImportStatus, AreaKind

PAGE_SIZE = 20
AREAS_PAGE_SIZE = 50

# The areas file's columns, in the order the template and the export write them.
AREA_HEADERS = (
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "locale",
    "youth_total",
    "youth_prek",
    "youth_k2",
    "youth_3_5",
    "youth_6_8",
    "youth_9_12",
    "share_low_income",
    "share_english_learner",
    "share_students_of_color",
    "share_female",
    "share_disability",
    "district",
    "district_id",
    "city",
)
TEMPLATE_HEADERS = tuple(h.replace("share_", "pct_") for h in AREA_HEADERS)
TEMPLATE_ROWS = (
    (
        "39049001100",
        "Linden Flats tract",
        "tract",
        "40.0312",
        "-82.9377",
        "city",
        "1840",
        "160",
        "310",
        "320",
        "300",
        "450",
        "62.5",
        "18",
        "71",
        "49",
        "",
        "",
        "",
        "Riverton",
    ),
    (
        "sv-elem-01",
        "Sycamore Valley Elementary",
        "school",
        "39.3012",
        "-83.8521",
        "43",
        "236",
        "",
        "118",
        "118",
        "",
        "",
        "81",
        "",
        "6",
        "48.5",
        "14",
        "Sycamore Valley Local",
        "3999001",
        "Sycamore",
    ),
)


SORTS = {
    "name": ("name", "pk"),
    "code": ("code",),
    "youth": ("-youth_total", "name"),
    "low_income": ("-low_income_share", "name"),
    "locale": ("locale_code", "locale", "name"),
}


def _import_url(run: AreaImport) -> str:
    return reverse("atlas:area_import", args=[run.ecosystem.slug, run.pk])


@ecosystem_view("atlas.manage_areas")
@require_http_methods(["GET", "POST"])
def area_import_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The area imports of this ecosystem, newest first, and the form to upload a file."""
    ecosystem = current_ecosystem(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = area_import.check_area_file(
                ecosystem, upload, user=request.user, format=form.cleaned_data["format"]
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect(_import_url(run))
    runs = ecosystem.area_imports.select_related("created_by", "applied_by")
    return render(
        request,
        "atlas/area_import_list.html",
        {
            "form": form,
            "page": Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page")),
            "max_megabytes": MAX_BYTES >> 20,
            "area_count": ecosystem.population_areas.count(),
        },
    )


@ecosystem_view("atlas.manage_areas")
def area_import_run(request: HttpRequest, ecosystem_slug: str, import_id: int) -> HttpResponse:
    """One import: what applying would do (or did), its problems and notes, and Apply."""
    run = get_area_import(request, import_id)
    return render(request, "atlas/area_import_run.html", _run_context(run))


@ecosystem_view("atlas.manage_areas")
def area_import_status(request: HttpRequest, ecosystem_slug: str, import_id: int) -> HttpResponse:
    """The import's status and report, for its page to poll while it is being applied."""
    run = get_area_import(request, import_id)
    return render(request, "atlas/_area_import_status.html", _run_context(run))


def _run_context(run: AreaImport) -> dict[str, Any]:
    return {
        "run": run,
        "report": run.report,
        "can_apply": run.status == AreaImportStatus.CHECKED,
        "interrupted": run.is_interrupted,
        "polling": run.status == AreaImportStatus.APPLYING and not run.is_interrupted,
    }


area_import_apply = upload_action(
    "atlas.manage_areas",
    get_area_import,
    _import_url,
    area_import.queue_area_import,
    id_name="import_id",
    unconfirmed=gettext_lazy("Tick the box to confirm that the areas should change."),
)
# Apply an interrupted import again.
area_import_retry = upload_action(
    "atlas.manage_areas",
    get_area_import,
    _import_url,
    area_import.retry_area_import,
    id_name="import_id",
)
# Give up an interrupted import: it is marked failed, and nothing was changed.
area_import_discard = upload_action(
    "atlas.manage_areas",
    get_area_import,
    _import_url,
    area_import.discard_area_import,
    id_name="import_id",
    done=gettext_lazy("The interrupted import is discarded."),
)


@ecosystem_view("atlas.manage_areas")
def area_import_file(request: HttpRequest, ecosystem_slug: str, import_id: int) -> FileResponse:
    """The uploaded file, exactly as it was received."""
    run = get_area_import(request, import_id)
    return FileResponse(
        run.file.open("rb"), as_attachment=True, filename=run.original_filename or "areas.csv"
    )


@ecosystem_view("atlas.manage_areas")
def area_template(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """The areas file's header with two example rows, to fill in."""
    response = StreamingHttpResponse(
        csv_stream(TEMPLATE_HEADERS, TEMPLATE_ROWS), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="areas-template.csv"'
    return response


def _grade(grade: int) -> str:
    return _("PreK") if grade < 0 else _("K") if grade == 0 else str(grade)


def _grades(lowest: int | None, highest: int | None) -> str:
    if lowest is None or highest is None:
        return ""
    return _grade(lowest) if lowest == highest else f"{_grade(lowest)}–{_grade(highest)}"


def _share(value: float | None) -> str:
    # In full: an export imported back leaves the areas unchanged.
    return "" if value is None else repr(value)


@ecosystem_view("atlas.manage_areas")
def area_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """The ecosystem's areas: search, filter, sort, page; or all of them as CSV/XLSX."""
    ecosystem = current_ecosystem(request)
    form = AreaFilterForm(request.GET)
    areas = ecosystem.population_areas.all()
    sort = "name"
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            areas = areas.filter(Q(name__icontains=q) | Q(code__icontains=q))
        if kind := form.cleaned_data["kind"]:
            areas = areas.filter(kind=kind)
        if locale := form.cleaned_data["locale"]:
            areas = areas.filter(locale=locale)
        sort = form.cleaned_data["sort"] or "name"
    areas = areas.order_by(*SORTS[sort])
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        # In the areas file's own columns: an export can be edited and imported back.
        return table_response(
            f"{ecosystem.slug}-areas",
            fmt,
            AREA_HEADERS,
            (
                (
                    a.code,
                    a.name,
                    a.kind,
                    a.latitude,
                    a.longitude,
                    a.locale_code or a.locale,
                    a.youth_total,
                    a.youth_prek,
                    a.youth_k2,
                    a.youth_3_5,
                    a.youth_6_8,
                    a.youth_9_12,
                    _share(a.low_income_share),
                    _share(a.english_learner_share),
                    _share(a.students_of_color_share),
                    _share(a.female_share),
                    _share(a.disability_share),
                    a.district_name,
                    a.district_code,
                    a.city,
                )
                for a in areas.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(areas, AREAS_PAGE_SIZE).get_page(request.GET.get("page"))
    for area in page.object_list:
        area.grades = _grades(area.lowest_grade, area.highest_grade)
    return render(request, "atlas/area_list.html", {"form": form, "page": page})


@ecosystem_view("atlas.manage_areas")
@require_http_methods(["GET", "POST"])
def area_delete(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Delete every area of one kind, after a confirmation (to start again from a new file)."""
    ecosystem = current_ecosystem(request)
    form = DeleteAreasForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        deleted = area_import.delete_areas(ecosystem, user=request.user, kind=kind)
        messages.success(
            request,
            _("%(count)d areas of the kind “%(kind)s” are deleted.")
            % {"count": deleted, "kind": AreaKind(kind).label},
        )
        return redirect("atlas:areas", ecosystem.slug)
    counts: dict[str, int] = {
        row["kind"]: row["n"]
        for row in ecosystem.population_areas.values("kind").annotate(n=Count("pk"))
    }
    return render(
        request,
        "atlas/area_delete.html",
        {
            "form": form,
            "counts": [(label, counts.get(kind, 0)) for kind, label in AreaKind.choices],
        },
    )
