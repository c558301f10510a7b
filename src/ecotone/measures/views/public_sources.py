"""Public source pages at `public/`: backbone staff (`measures.import_public_data`) upload a
published aggregate file (NCES CCD membership, a state's Perkins file), read the check's
problems by row and field, apply it or, when its apply was interrupted, retry or discard it.
The pages mirror the submission pages and share their status template."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.upload_actions import upload_action
from ecotone.errors import DomainError

from .. import public_files
from ..access import get_public_source
from ..forms import PublicSourceForm
from ..models import Indicator, PublicSource
from ..services import public_sources as services
from ..services.submissions import MAX_BYTES

PAGE_SIZE = 25


def _url(run: PublicSource) -> str:
    return reverse("measures:public_source", args=[run.ecosystem.slug, run.pk])


@ecosystem_view("measures.import_public_data")
def public_source_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    found = PublicSource.objects.filter(ecosystem=ecosystem).select_related("indicator", "period")
    return render(
        request,
        "measures/public_source_list.html",
        {"page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))},
    )


@ecosystem_view("measures.import_public_data")
@require_http_methods(["GET", "POST"])
def public_source_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Upload a public file, which is checked at once (nothing is written yet)."""
    ecosystem = current_ecosystem(request)
    choices = [i.pk for i in services.ccd_indicators(ecosystem)]
    form = PublicSourceForm(
        request.POST or None,
        request.FILES or None,
        indicators=Indicator.objects.filter(pk__in=choices),
        periods=ecosystem.periods.filter(type="school_year"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = services.check_public_file(
                ecosystem,
                form.cleaned_data["format"],
                form.cleaned_data["file"],
                user=request.user,
                indicator=form.cleaned_data["indicator"],
                period=form.cleaned_data["period"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect(_url(run))
    return render(
        request,
        "measures/public_source_form.html",
        {
            "form": form,
            "max_megabytes": MAX_BYTES >> 20,
            "perkins_columns": public_files.PERKINS_COLUMNS,
        },
    )


@ecosystem_view("measures.import_public_data")
def public_source_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = get_public_source(request, pk)
    return render(
        request,
        "measures/public_source_detail.html",
        {"run": run, "report": run.report, "polling": False, "interrupted": run.is_interrupted},
    )


@ecosystem_view("measures.import_public_data")
def public_source_file(request: HttpRequest, ecosystem_slug: str, pk: int) -> FileResponse:
    """The file as it was received."""
    run = get_public_source(request, pk)
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=run.original_filename)


def _action(action: Any) -> Any:
    return upload_action("measures.import_public_data", get_public_source, _url, action)


urlpatterns = [
    path("public/", public_source_list, name="public_sources"),
    path("public/new/", public_source_create, name="public_source_create"),
    path("public/<int:pk>/", public_source_detail, name="public_source"),
    path("public/<int:pk>/file/", public_source_file, name="public_source_file"),
    path(
        "public/<int:pk>/apply/",
        _action(services.apply_public_source),
        name="public_source_apply",
    ),
    path(
        "public/<int:pk>/retry/",
        _action(services.retry_public_source),
        name="public_source_retry",
    ),
    path(
        "public/<int:pk>/discard/",
        _action(services.discard_public_source),
        name="public_source_discard",
    ),
]
