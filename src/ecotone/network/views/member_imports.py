"""The backbone's import of an existing member list: upload (a dry run naming each problem's
row and column), read the report, apply all or nothing (`services.member_imports`)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.upload_actions import upload_action
from ecotone.errors import DomainError
from ecotone.exports import csv_stream

from .. import access
from ..forms.members import MemberImportForm
from ..models import MemberImport
from ..services import member_imports

MANAGE = "network.manage_members"


def _import_url(run: MemberImport) -> str:
    return reverse("network:member_import", args=[run.ecosystem.slug, run.pk])


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = member_imports.check_file(
                ecosystem,
                form.cleaned_data["file"],
                user=request.user,
                notify=form.cleaned_data["notify"],
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect(_import_url(run))
    runs = MemberImport.objects.filter(ecosystem=ecosystem).select_related("created_by")
    page = Paginator(runs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "network/members/imports.html",
        {
            "form": form,
            "page": page,
            "columns": member_imports.COLUMNS,
            "max_mb": member_imports.MAX_BYTES >> 20,
            "max_rows": member_imports.MAX_ROWS,
        },
    )


@ecosystem_view(MANAGE)
def import_template(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    response = StreamingHttpResponse(
        csv_stream(member_imports.COLUMNS, member_imports.TEMPLATE_ROWS),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="members-template.csv"'
    return response


def _run_context(run: MemberImport) -> dict[str, Any]:
    return {
        "run": run,
        "report": run.report,
        "can_apply": run.can_apply,
        "interrupted": False,
        "polling": False,
    }


@ecosystem_view(MANAGE)
def import_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = access.get_member_import(request, pk)
    return render(request, "network/members/import.html", _run_context(run))


import_apply = upload_action(
    MANAGE,
    access.get_member_import,
    _import_url,
    member_imports.apply_import,
    unconfirmed=gettext_lazy("Tick the box to confirm that these members should be added."),
)


urlpatterns: list[URLPattern] = [
    path("members/imports/", import_list, name="member_imports"),
    path("members/imports/template.csv", import_template, name="member_import_template"),
    path("members/imports/<int:pk>/", import_detail, name="member_import"),
    path("members/imports/<int:pk>/apply/", import_apply, name="member_import_apply"),
]
