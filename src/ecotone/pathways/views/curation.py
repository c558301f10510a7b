"""Curating pathways: the pages where the backbone and partners write pathways and steps.

The backbone curates every pathway; a partner's staff their organizations' (`access`). Every
change goes through `services.pathways`; a refusal (`DomainError`) is shown beside what it
refuses. The list searches, filters by status and field, pages, and exports CSV or XLSX.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.directory import stem_profile
from ecotone.directory.models import Program
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.pathways import ManageFilterForm, PathwayForm, ResourceForm, StepForm
from ..models import HomeResource, Pathway, PathwayStatus, Step
from ..services import pathways as services

MANAGE = "pathways.manage_pathways"
PAGE_SIZE = 25


def _codes_text(codes: list[str], facet: stem_profile.Facet) -> str:
    return ", ".join(str(stem_profile.label(facet.code, code)) for code in codes)


@ecosystem_view(MANAGE)
def manage_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = ManageFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = access.pathways_to_manage(request.user, ecosystem).annotate(
        step_count=Count("steps", distinct=True)
    )
    if q := data.get("q"):
        found = found.filter(
            Q(name__icontains=q) | Q(name_es__icontains=q) | Q(summary__icontains=q)
        )
    if status := data.get("status"):
        found = found.filter(status=status)
    if field := data.get("field"):
        found = found.filter(stem_field=field)
    found = found.order_by("name", "pk")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _export(f"{ecosystem.slug}-pathways", fmt, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    for pathway in page.object_list:
        pathway.field_label = stem_profile.label("stem_field", pathway.stem_field)
    return render(
        request,
        "pathways/manage/list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(data.get(k) for k in ("q", "status", "field")),
            "export_query": request.GET.urlencode(),
        },
    )


def _export(filename: str, fmt: str, found: QuerySet[Pathway]) -> HttpResponseBase:
    return table_response(
        filename,
        fmt,
        [
            _("Name"),
            _("Name in Spanish"),
            _("Short name"),
            _("Status"),
            _("STEM field"),
            _("Grades"),
            _("Curated by"),
            _("Steps"),
            _("Last changed"),
        ],
        (
            (
                p.name,
                p.name_es,
                p.slug,
                p.get_status_display(),
                stem_profile.label("stem_field", p.stem_field),
                _codes_text(p.grade_bands, stem_profile.GRADE_BANDS),
                p.organization.name if p.organization else _("The backbone"),
                p.step_count,  # type: ignore[attr-defined]
                p.updated_at.isoformat(),
            )
            for p in found.iterator()
        ),
    )


def _organizations(request: HttpRequest) -> Any:
    """The partners the person may name as curator: every partner for the backbone (or none,
    the backbone's own), their own for a partner's staff with several, else no choice."""
    ecosystem = current_ecosystem(request)
    partners = access.partners_of(request.user, ecosystem)
    if access.sees_every_partner(request.user, ecosystem):
        return partners
    return partners if partners.count() > 1 else None


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def pathway_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    organizations = _organizations(request)
    form = PathwayForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            pathway = services.create_pathway(
                request.user, ecosystem, form.cleaned_data, form.cleaned_data.get("organization")
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Pathway created as a draft. Now add its steps."))
            return redirect("pathways:manage_pathway", ecosystem.slug, pathway.slug)
    return render(request, "pathways/manage/edit.html", {"form": form, "pathway": None})


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def pathway_edit(request: HttpRequest, ecosystem_slug: str, pathway_slug: str) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    initial = {name: getattr(pathway, name) for name in services.PATHWAY_FIELDS}
    form = PathwayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pathway(request.user, pathway, form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Pathway saved."))
            return redirect("pathways:manage_pathway", ecosystem_slug, pathway.slug)
    return render(request, "pathways/manage/edit.html", {"form": form, "pathway": pathway})


@ecosystem_view(MANAGE)
def pathway_manage(request: HttpRequest, ecosystem_slug: str, pathway_slug: str) -> HttpResponse:
    """A pathway's curation page: its stages and steps, resources for home, status."""
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    stages = [
        [{"step": step, "facets": _step_facets(step)} for step in stage]
        for stage in services.stages(pathway)
    ]
    return render(
        request,
        "pathways/manage/pathway.html",
        {
            "pathway": pathway,
            "stages": stages,
            "resources": pathway.resources.all(),
            "problems": services.publish_problems(pathway),
        },
    )


def _step_facets(step: Step) -> list[tuple[Any, str]]:
    return [
        (facet.label, _codes_text(getattr(step, name), facet))
        for name, facet in services.KIND_FACETS
        if getattr(step, name)
    ]


# --- steps -------------------------------------------------------------------------------------


def _step_form(request: HttpRequest, pathway: Pathway, step: Step | None) -> tuple[StepForm, int]:
    stage_count = len(services.stages(pathway))
    programs = Program.objects.filter(ecosystem=pathway.ecosystem).listed()
    initial: dict[str, Any] = {"stage": max(stage_count, 1)}
    if step is not None:
        initial = {
            "stage": step.stage,
            "kind": StepForm.KIND_PROGRAM if step.program_id else StepForm.KIND_KIND,
            "program": step.program_id,
            **{name: getattr(step, name) for name in ("title", "title_es", "gains", "gains_es")},
            **{name: getattr(step, name) for name, _facet in services.KIND_FACETS},
        }
    form = StepForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        programs=programs,
        stage_count=stage_count,
        find=request.GET.get("find", "")[:100].strip(),
        current=step.program if step is not None and step.program_id else None,
    )
    return form, stage_count


def _save_step(request: HttpRequest, pathway: Pathway, step: Step | None) -> HttpResponseBase:
    form, _count = _step_form(request, pathway, step)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_step(request.user, pathway, form.cleaned_data, step)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Step saved."))
            return redirect("pathways:manage_pathway", pathway.ecosystem.slug, pathway.slug)
    return render(
        request,
        "pathways/manage/step.html",
        {"pathway": pathway, "step": step, "form": form, "find": request.GET.get("find", "")},
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def step_new(request: HttpRequest, ecosystem_slug: str, pathway_slug: str) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    return _save_step(request, pathway, None)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def step_edit(
    request: HttpRequest, ecosystem_slug: str, pathway_slug: str, step_id: int
) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    return _save_step(request, pathway, access.get_step(pathway, step_id))


@ecosystem_view(MANAGE)
@require_POST
def step_move(
    request: HttpRequest, ecosystem_slug: str, pathway_slug: str, step_id: int
) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    step = access.get_step(pathway, step_id)
    try:
        services.move_step(request.user, step, request.POST.get("direction", ""))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("pathways:manage_pathway", ecosystem_slug, pathway.slug)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def step_delete(
    request: HttpRequest, ecosystem_slug: str, pathway_slug: str, step_id: int
) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    step = access.get_step(pathway, step_id)
    if request.method == "POST":
        try:
            services.delete_step(request.user, step)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Step removed."))
        return redirect("pathways:manage_pathway", ecosystem_slug, pathway.slug)
    return render(
        request,
        "pathways/manage/confirm.html",
        {
            "pathway": pathway,
            "title": _("Remove the step “%(title)s”?") % {"title": step.title},
            "text": _("Badges aligned to this step keep their credentials but lose the step."),
            "button": _("Remove the step"),
        },
    )


# --- resources for home ---------------------------------------------------------------------


def _save_resource(
    request: HttpRequest, pathway: Pathway, resource: HomeResource | None
) -> HttpResponseBase:
    initial = (
        {name: getattr(resource, name) for name in services.RESOURCE_FIELDS} if resource else {}
    )
    form = ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_resource(request.user, pathway, form.cleaned_data, resource)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Resource saved."))
            return redirect("pathways:manage_pathway", pathway.ecosystem.slug, pathway.slug)
    return render(
        request,
        "pathways/manage/resource.html",
        {"pathway": pathway, "resource": resource, "form": form},
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest, ecosystem_slug: str, pathway_slug: str) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    return _save_resource(request, pathway, None)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def resource_edit(
    request: HttpRequest, ecosystem_slug: str, pathway_slug: str, resource_id: int
) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    return _save_resource(request, pathway, access.get_resource(pathway, resource_id))


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def resource_delete(
    request: HttpRequest, ecosystem_slug: str, pathway_slug: str, resource_id: int
) -> HttpResponseBase:
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    resource = access.get_resource(pathway, resource_id)
    if request.method == "POST":
        services.delete_resource(request.user, resource)
        messages.success(request, _("Resource removed."))
        return redirect("pathways:manage_pathway", ecosystem_slug, pathway.slug)
    return render(
        request,
        "pathways/manage/confirm.html",
        {
            "pathway": pathway,
            "title": _("Remove the resource “%(title)s”?") % {"title": resource.title},
            "text": _("Families will no longer see it on the pathway's page."),
            "button": _("Remove the resource"),
        },
    )


# --- status -------------------------------------------------------------------------------------

ACTIONS = {
    "publish": (services.publish, PathwayStatus.DRAFT),
    "unpublish": (services.unpublish, PathwayStatus.PUBLISHED),
    "archive": (services.archive, None),
    "restore": (services.restore, PathwayStatus.ARCHIVED),
}


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def pathway_status(
    request: HttpRequest, ecosystem_slug: str, pathway_slug: str
) -> HttpResponseBase:
    """Publish, unpublish, archive or restore, after a confirmation page."""
    pathway = access.get_pathway_to_manage(request, pathway_slug)
    action = request.POST.get("action") or request.GET.get("action", "")
    if action not in ACTIONS:
        action = "publish" if pathway.status == PathwayStatus.DRAFT else "archive"
    error = ""
    if request.method == "POST":
        operation, _from = ACTIONS[action]
        try:
            operation(request.user, pathway)
        except DomainError as refused:
            error = str(refused)
        else:
            messages.success(
                request,
                _("The pathway is now %(status)s.")
                % {"status": pathway.get_status_display().lower()},
            )
            return redirect("pathways:manage_pathway", ecosystem_slug, pathway.slug)
    return render(
        request,
        "pathways/manage/status.html",
        {
            "pathway": pathway,
            "action": action,
            "error": error,
            "problems": services.publish_problems(pathway) if action == "publish" else [],
        },
    )


urlpatterns: list[URLPattern] = [
    path("manage/", manage_list, name="manage"),
    path("manage/new/", pathway_new, name="manage_new"),
    path("manage/<slug:pathway_slug>/", pathway_manage, name="manage_pathway"),
    path("manage/<slug:pathway_slug>/edit/", pathway_edit, name="manage_edit"),
    path("manage/<slug:pathway_slug>/status/", pathway_status, name="manage_status"),
    path("manage/<slug:pathway_slug>/steps/new/", step_new, name="step_new"),
    path("manage/<slug:pathway_slug>/steps/<int:step_id>/", step_edit, name="step_edit"),
    path("manage/<slug:pathway_slug>/steps/<int:step_id>/move/", step_move, name="step_move"),
    path("manage/<slug:pathway_slug>/steps/<int:step_id>/delete/", step_delete, name="step_delete"),
    path("manage/<slug:pathway_slug>/resources/new/", resource_new, name="resource_new"),
    path(
        "manage/<slug:pathway_slug>/resources/<int:resource_id>/",
        resource_edit,
        name="resource_edit",
    ),
    path(
        "manage/<slug:pathway_slug>/resources/<int:resource_id>/delete/",
        resource_delete,
        name="resource_delete",
    ),
]
