"""Rubric pages at `rubrics/`: backbone admins and staff (`quality.manage_rubrics`) list the
ecosystem's rubrics, install the shipped ones, import a JSON or CSV file as a new draft
version, read a version laid out as a table per section, download it, and publish a draft.
Records are fetched through `access`: a rubric a person may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import rubrics
from ..access import get_rubric, get_version, rubrics_of
from ..forms import RubricFilterForm, RubricImportForm
from ..models import Rubric, RubricVersion, VersionStatus
from ..services import rubrics as services

PAGE_SIZE = 25
MANAGE = "quality.manage_rubrics"
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _rubric_url(version: RubricVersion) -> str:
    url = reverse("quality:rubric", args=[version.rubric.ecosystem.slug, version.rubric.key])
    return f"{url}?version={version.number}"


def _with_latest(found: QuerySet[Rubric]) -> QuerySet[Rubric]:
    latest = RubricVersion.objects.filter(rubric=OuterRef("pk")).order_by("-number")
    return found.annotate(
        latest_number=Subquery(latest.values("number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        published=Max("versions__published_at"),
    )


@ecosystem_view(MANAGE)
def rubric_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = RubricFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = rubrics_of(request.user, ecosystem)
    if q := data.get("q"):
        found = found.filter(Q(title__icontains=q) | Q(key__icontains=q))
    sort = data.get("sort") or "title"
    if sort == "-published":
        ordering: list[Any] = [F("published").desc(nulls_last=True), "title"]
    else:
        ordering = [sort, "pk"]
    page = Paginator(_with_latest(found).order_by(*ordering, "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for rubric in page.object_list:
        status = rubric.latest_status
        rubric.latest_status_label = VersionStatus(status).label if status else "—"
    return render(request, "quality/rubric_list.html", {"form": form, "page": page})


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def install_rubrics(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    if request.method == "POST":
        try:
            added = services.install_shipped_rubrics(request.user, ecosystem)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            if added:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s rubric was installed, published as version 1.",
                        "%(n)s rubrics were installed, each published as version 1.",
                        len(added),
                    )
                    % {"n": len(added)},
                )
            else:
                messages.info(request, _("Every shipped rubric is already here."))
        return redirect("quality:rubrics", ecosystem.slug)
    have = set(Rubric.objects.filter(ecosystem=ecosystem).values_list("key", flat=True))
    shipped = [{"title": r.title, "installed": r.key in have} for r in rubrics.shipped()]
    return render(request, "quality/rubric_install.html", {"shipped": shipped})


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def import_rubric(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    choices = rubrics_of(request.user, ecosystem)
    form = RubricImportForm(
        request.POST or None,
        request.FILES or None,
        rubrics=choices,
        initial={"rubric": request.GET.get("rubric")},
    )
    problems: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.import_rubric(
                request.user, ecosystem, data["file"], data["format"], into=data["rubric"]
            )
        except services.RubricFileError as error:
            problems = error.problems
            form.add_error(
                None,
                ngettext(
                    "The rubric was not imported: the file has %(n)s problem.",
                    "The rubric was not imported: the file has %(n)s problems.",
                    len(problems),
                )
                % {"n": len(problems)},
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Version %(number)s of %(title)s was imported as a draft.")
                % {"number": version.number, "title": version.rubric.title},
            )
            return redirect(_rubric_url(version))
    return render(request, "quality/rubric_import.html", {"form": form, "problems": problems})


def _chosen(versions: list[RubricVersion], asked: str | None) -> RubricVersion | None:
    if asked:
        for version in versions:
            if str(version.number) == asked:
                return version
        raise Http404
    published = [v for v in versions if v.is_published]
    return (published or versions)[0] if versions else None


def _sections(rubric: rubrics.Rubric) -> list[dict[str, Any]]:
    return [
        {
            "section": section,
            "attributes": [
                {
                    "attribute": attribute,
                    "cells": [
                        {"stage": stage, "text": attribute.descriptors.get(stage.key, "")}
                        for stage in rubric.stages
                    ],
                }
                for attribute in section.attributes
            ],
        }
        for section in rubric.sections
    ]


@ecosystem_view(MANAGE)
def rubric_detail(request: HttpRequest, ecosystem_slug: str, key: str) -> HttpResponse:
    record = get_rubric(request, key)
    versions = list(record.versions.select_related("published_by"))
    version = _chosen(versions, request.GET.get("version"))
    content = rubrics.from_json(version.content) if version is not None else None
    return render(
        request,
        "quality/rubric_detail.html",
        {
            "rubric": record,
            "versions": versions,
            "version": version,
            "draft": next((v for v in versions if not v.is_published), None),
            "content": content,
            "sections": _sections(content) if content is not None else [],
        },
    )


@ecosystem_view(MANAGE)
def download_version(
    request: HttpRequest, ecosystem_slug: str, key: str, number: int, fmt: str
) -> HttpResponseBase:
    if fmt not in services.FORMATS:
        raise Http404
    version = get_version(request, key, number)
    response = HttpResponse(services.export_version(version, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{key}-v{number}.{fmt}"'
    return response


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def publish_version(
    request: HttpRequest, ecosystem_slug: str, key: str, number: int
) -> HttpResponse:
    version = get_version(request, key, number)
    if request.method == "POST":
        try:
            services.publish_version(request.user, version)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Version %(number)s is published: it is frozen from now on.")
                % {"number": version.number},
            )
        return redirect(_rubric_url(version))
    return render(
        request, "quality/rubric_publish.html", {"version": version, "back": _rubric_url(version)}
    )


urlpatterns = [
    path("rubrics/", rubric_list, name="rubrics"),
    path("rubrics/install/", install_rubrics, name="install_rubrics"),
    path("rubrics/import/", import_rubric, name="import_rubric"),
    path("rubrics/<slug:key>/", rubric_detail, name="rubric"),
    path(
        "rubrics/<slug:key>/versions/<int:number>/download/<slug:fmt>/",
        download_version,
        name="download_version",
    ),
    path(
        "rubrics/<slug:key>/versions/<int:number>/publish/",
        publish_version,
        name="publish_version",
    ),
]
