"""What pathways tell the apps to their left through the registries (`apps.py` registers them):
the program search's `pathway` filter (ecotone/program_filters.py) and the overview's card.

A program belongs to a published pathway when it is one of its program-steps or matches one of
its kind-steps (`services.next_steps.step_matches`: every code list the step fills shares a
code with the program's STEM profile). The filter narrows the directory's own queryset with one
condition per step, so the list, the API, the map and their counts all keep to it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q

from ecotone.directory.models import ProgramAttribute
from ecotone.ecosystems.models import Ecosystem

from .models import Pathway, PathwayStatus, Step, in_language

FACETS = (
    ("activity_type", "activity_types"),
    ("stem_field", "stem_fields"),
    ("grade_band", "grade_bands"),
)


def pathway_choices(ecosystem: Ecosystem) -> list[tuple[str, str]]:
    published = Pathway.objects.filter(ecosystem=ecosystem, status=PathwayStatus.PUBLISHED)
    return [(p.slug, in_language(p, "name")) for p in published.order_by("name", "pk")]


def step_condition(step: Step) -> Q | None:
    """The programs this step takes in, as one condition on Program."""
    if step.program_id is not None:
        return Q(pk=step.program_id)
    condition = Q()
    filled = False
    for facet, name in FACETS:
        codes = getattr(step, name) or []
        if codes:
            filled = True
            condition &= Q(
                Exists(
                    ProgramAttribute.objects.filter(
                        program=OuterRef("pk"), term__code__in=[f"{facet}/{c}" for c in codes]
                    )
                )
            )
    return condition if filled else None


def narrow_to_pathway(ecosystem: Ecosystem, programs: Any, slug: str) -> Any:
    """The programs of the published pathway `slug`; unchanged for an unknown one."""
    pathway = Pathway.objects.filter(
        ecosystem=ecosystem, status=PathwayStatus.PUBLISHED, slug=slug
    ).first()
    if pathway is None:
        return programs
    conditions = [c for c in map(step_condition, pathway.steps.all()) if c is not None]
    if not conditions:
        return programs.none()
    either = conditions[0]
    for condition in conditions[1:]:
        either |= condition
    return programs.filter(either)


def pathways_version(ecosystem: Ecosystem) -> Any:
    """Changes when a pathway or a step of this ecosystem does (the map's ETag)."""
    pathways = Pathway.objects.filter(ecosystem=ecosystem).aggregate(
        latest=Max("updated_at"), n=Count("pk")
    )
    steps = Step.objects.filter(pathway__ecosystem=ecosystem).aggregate(
        latest=Max("updated_at"), n=Count("pk")
    )
    return (pathways, steps)


def has_published(user: Any, ecosystem: Ecosystem) -> bool:
    return Pathway.objects.filter(ecosystem=ecosystem, status=PathwayStatus.PUBLISHED).exists()
