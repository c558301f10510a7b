"""Families' pages: the published pathways of an ecosystem, printable, in English and Spanish.

Public (anyone, signed in or not). The page's language is Django's (the switcher, the
browser); each text a family reads comes through `models.in_language`, its Spanish twin on
Spanish pages when a curator wrote one. A family giving a ZIP code (`?near=`) sees, under each
kind of program, the nearest matching programs (`services.next_steps.programs_for`, the
directory's search). Curators preview their drafts here too.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from ecotone.directory import search, stem_profile
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view

from .. import access
from ..forms.pathways import FamilyFilterForm
from ..models import HomeResource, Pathway, PathwayStatus, Step, in_language
from ..services import next_steps
from ..services import pathways as services

VIEW = "pathways.view_pathways"
PAGE_SIZE = 20


def _labels(codes: list[str], facet: stem_profile.Facet) -> list[str]:
    return [str(stem_profile.label(facet.code, code)) for code in codes]


def _card(pathway: Pathway) -> dict[str, Any]:
    return {
        "pathway": pathway,
        "name": in_language(pathway, "name"),
        "summary": in_language(pathway, "summary"),
        "field": stem_profile.label("stem_field", pathway.stem_field),
        "grades": _labels(pathway.grade_bands, stem_profile.GRADE_BANDS),
    }


@ecosystem_view(VIEW, public=True)
def pathway_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = FamilyFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = access.published_pathways(ecosystem).order_by("name", "pk")
    if field := data.get("field"):
        found = found.filter(stem_field=field)
    pathways = list(found)
    if grade := data.get("grade"):
        # JSON containment differs between databases; a list of a few dozen is read anyway.
        pathways = [p for p in pathways if not p.grade_bands or grade in p.grade_bands]
    page = Paginator(pathways, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [_card(p) for p in page.object_list]  # type: ignore[misc]
    return render(
        request,
        "pathways/list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(data.get("field") or data.get("grade")),
            "can_manage": request.user.has_perm("pathways.manage_pathways", ecosystem),
        },
    )


def _step_view(step: Step, near: str, near_known: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "step": step,
        "title": in_language(step, "title"),
        "gains": in_language(step, "gains"),
        "program": None,
        "kinds": [],
        "nearby": [],
        "search_url": "",
    }
    if step.program_id is not None:
        listed = step.program is not None and step.program.archived_at is None
        view["program"] = step.program if listed else None
    else:
        view["kinds"] = [
            (facet.label, _labels(getattr(step, name), facet))
            for name, facet in services.KIND_FACETS
            if getattr(step, name)
        ]
        view["search_url"] = next_steps.search_url(step)
        if near and near_known:
            view["nearby"] = next_steps.programs_for(step, near)
    return view


@ecosystem_view(VIEW, public=True)
def pathway_detail(request: HttpRequest, ecosystem_slug: str, pathway_slug: str) -> HttpResponse:
    pathway = access.get_pathway(request, pathway_slug)
    near = request.GET.get("near", "")[:60].strip()
    near_known = True
    if near:
        try:
            search.resolve_place(near)
        except search.PlaceNotFoundError:
            near_known = False
    stages = [
        [_step_view(step, near, near_known) for step in stage] for stage in services.stages(pathway)
    ]
    resources: list[dict[str, Any]] = [
        {
            "url": r.url,
            "title": in_language(r, "title"),
            "description": in_language(r, "description"),
        }
        for r in HomeResource.objects.filter(pathway=pathway)
    ]
    return render(
        request,
        "pathways/detail.html",
        {
            **_card(pathway),
            "stages": stages,
            "resources": resources,
            "near": near,
            "near_known": near_known,
            "is_preview": pathway.status != PathwayStatus.PUBLISHED,
            "can_change": request.user.has_perm("pathways.change_pathway", pathway),
        },
    )


urlpatterns: list[URLPattern] = [
    path("", pathway_list, name="list"),
    path("<slug:pathway_slug>/", pathway_detail, name="detail"),
]
