from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ecotone.ecosystems.access import ecosystem_view

from . import search as program_search
from . import stem_profile
from .models import Delivery, Program, Weekday

PAGE_SIZE = 20
LANGUAGES = (("en", "English"), ("es", "Español"))
RADII = (2, 5, 10, 20, 50)


@ecosystem_view("directory.view_program", public=True)
def program_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The public directory: every filter lives in the URL, so any search can be shared."""
    ecosystem = request.ecosystem  # type: ignore[attr-defined]
    query = program_search.parse(request.GET)
    place_error = False
    try:
        result = program_search.search(ecosystem, query)
    except program_search.PlaceNotFoundError:
        place_error = True
        result = program_search.search(
            ecosystem, program_search.ProgramQuery(**{**query.__dict__, "near": ""})
        )
    page = Paginator(result.hits, PAGE_SIZE).get_page(request.GET.get("page"))
    facets: list[dict[str, Any]] = [
        {
            "code": facet.code,
            "label": facet.label,
            "options": [
                {
                    "code": code,
                    "label": label,
                    "count": result.facet_counts.get(facet.code, {}).get(code, 0),
                    "checked": code in query.facets.get(facet.code, ()),
                }
                for code, label in facet.terms
            ],
        }
        for facet in stem_profile.FACETS
    ]
    return render(
        request,
        "directory/program_list.html",
        {
            "query": query,
            "result": result,
            "page": page,
            "facets": facets,
            "place_error": place_error,
            "weekdays": Weekday.choices,
            "deliveries": Delivery.choices,
            "languages": LANGUAGES,
            "radii": RADII,
        },
    )


@ecosystem_view("directory.view_program", public=True)
def program_detail(request: HttpRequest, ecosystem_slug: str, program_slug: str) -> HttpResponse:
    ecosystem = request.ecosystem  # type: ignore[attr-defined]
    program = get_object_or_404(
        Program.objects.filter(ecosystem=ecosystem)
        .listed()
        .select_related("organization", "ecosystem")
        .prefetch_related(
            "attributes__term",
            "program_locations__location",
            "schedules",
            "languages",
            "partner_organizations",
        ),
        slug=program_slug,
    )
    profile: dict[str, list[Any]] = {}
    for attribute in program.attributes.all():
        term = attribute.term
        if term.facet in stem_profile.FACETS_BY_CODE and "/" in term.code:
            profile.setdefault(term.facet, []).append(
                stem_profile.label(term.facet, term.code.split("/", 1)[1])
            )
    sections = [
        (facet.label, profile[facet.code]) for facet in stem_profile.FACETS if facet.code in profile
    ]
    return render(
        request,
        "directory/program_detail.html",
        {"program": program, "profile": sections},
    )
