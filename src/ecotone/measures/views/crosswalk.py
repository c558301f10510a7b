"""Crosswalk pages at `crosswalk/`: backbone staff (`measures.manage_crosswalk`) list, add,
change and delete (after confirming) what partners' own codes mean, download them as CSV or
XLSX and read a CSV of them back in (all rows or none). The rules are
`services.crosswalk`'s, the reader of every submission's codes."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from ..access import get_crosswalk_entry, submitting_organizations
from ..forms import CrosswalkForm, CrosswalkImportForm
from ..models import CodeCrosswalk
from ..services import crosswalk as services

PAGE_SIZE = 50
COLUMNS = ("partner", "dimension", "local_code", "code", "note")
MAX_IMPORT_BYTES = 2 << 20


def _list_url(request: HttpRequest) -> str:
    return reverse("measures:crosswalk", args=[current_ecosystem(request).slug])


@ecosystem_view("measures.manage_crosswalk")
def crosswalk_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    found = CodeCrosswalk.objects.filter(ecosystem=ecosystem).select_related("organization")
    q = (request.GET.get("q") or "")[:200]
    if q:
        found = found.filter(
            Q(local_code__icontains=q) | Q(code__icontains=q) | Q(organization__name__icontains=q)
        )
    found = found.order_by("organization__name", "dimension", "local_code", "pk")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-crosswalk",
            fmt,
            COLUMNS,
            (
                (
                    e.organization.slug if e.organization else "",
                    e.dimension,
                    e.local_code,
                    e.code,
                    e.note,
                )
                for e in found
            ),
        )
    return render(
        request,
        "measures/crosswalk_list.html",
        {
            "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "q": q,
            "import_form": CrosswalkImportForm(),
        },
    )


def _save(request: HttpRequest, entry: CodeCrosswalk | None) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    initial = {}
    if entry is not None:
        initial = {
            "organization": entry.organization,
            "dimension": entry.dimension,
            "local_code": entry.local_code,
            "code": entry.code,
            "note": entry.note,
        }
    form = CrosswalkForm(
        request.POST or None,
        initial=initial,
        organizations=submitting_organizations(request.user, ecosystem).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_entry(
                ecosystem,
                request.user,
                dimension=data["dimension"],
                local_code=data["local_code"],
                code=data["code"],
                organization=data["organization"],
                note=data["note"],
                entry=entry,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Crosswalk entry saved."))
            return redirect(_list_url(request))
    return render(request, "measures/crosswalk_form.html", {"form": form, "entry": entry})


@ecosystem_view("measures.manage_crosswalk")
@require_http_methods(["GET", "POST"])
def crosswalk_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    return _save(request, None)


@ecosystem_view("measures.manage_crosswalk")
@require_http_methods(["GET", "POST"])
def crosswalk_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    return _save(request, get_crosswalk_entry(request, pk))


@ecosystem_view("measures.manage_crosswalk")
@require_http_methods(["GET", "POST"])
def crosswalk_delete(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    entry = get_crosswalk_entry(request, pk)
    if request.method == "POST":
        services.delete_entry(entry, request.user)
        messages.success(request, _("Crosswalk entry deleted."))
        return redirect(_list_url(request))
    return render(request, "measures/crosswalk_delete.html", {"entry": entry})


@ecosystem_view("measures.manage_crosswalk")
@require_http_methods(["POST"])
def crosswalk_import(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Read a CSV of entries: every row saved, or none with each row's problem."""
    form = CrosswalkImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
        return redirect(_list_url(request))
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        messages.error(request, _("Upload a file of at most 2 MB."))
        return redirect(_list_url(request))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("Save the file as CSV in UTF-8 and upload it again."))
        return redirect(_list_url(request))
    saved, problems = services.import_entries(
        current_ecosystem(request), request.user, csv.DictReader(io.StringIO(text))
    )
    if problems:
        return render(
            request,
            "measures/crosswalk_import.html",
            {"problems": problems, "filename": upload.name},
            status=400,
        )
    messages.success(request, _("Crosswalk entries saved: %(n)d.") % {"n": saved})
    return redirect(_list_url(request))


urlpatterns = [
    path("crosswalk/", crosswalk_list, name="crosswalk"),
    path("crosswalk/new/", crosswalk_create, name="crosswalk_create"),
    path("crosswalk/import/", crosswalk_import, name="crosswalk_import"),
    path("crosswalk/<int:pk>/edit/", crosswalk_edit, name="crosswalk_edit"),
    path("crosswalk/<int:pk>/delete/", crosswalk_delete, name="crosswalk_delete"),
]
