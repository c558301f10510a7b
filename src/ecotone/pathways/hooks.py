"""What pathways tell the apps to their left through the registries (`apps.py` registers them):
the program search's `pathway` filter (ecotone/program_filters.py) and the overview's card.

A program belongs to a published pathway when it is one of its program-steps or matches one of
its kind-steps (`step_condition`: the directory search's facet rule over the codes the step
fills). The filter narrows the directory's own queryset with one condition per step, so the
list, the API, the map and their counts all keep to it; next steps ask the same conditions
(`steps_taking`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q

from ecotone.directory import search
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem

from .models import Pathway, PathwayStatus, Step, in_language


def pathway_choices(ecosystem: Ecosystem) -> list[tuple[str, str]]:
    published = Pathway.objects.filter(ecosystem=ecosystem, status=PathwayStatus.PUBLISHED)
    return [(p.slug, in_language(p, "name")) for p in published.order_by("name", "pk")]


def step_condition(step: Step) -> Q | None:
    """The programs this step takes in, as one condition on Program: its program, or the
    directory search's own facet rule over the codes it fills (`search.facet_condition`)."""
    if step.program_id is not None:
        return Q(pk=step.program_id)
    facets = step.kind_facets()
    return search.facet_condition(facets) if facets else None


def steps_taking(program: Program, steps: Iterable[Step]) -> set[int]:
    """The ids of the steps among `steps` that take `program` in, asked in one query."""
    conditions = {
        f"step_{step.pk}": condition
        for step in steps
        if (condition := step_condition(step)) is not None
    }
    if not conditions:
        return set()
    row = (
        Program.objects.filter(pk=program.pk)
        .annotate(
            **{
                name: ExpressionWrapper(condition, output_field=BooleanField())
                for name, condition in conditions.items()
            }
        )
        .values(*conditions)
        .first()
    )
    return {int(name.removeprefix("step_")) for name, taken in (row or {}).items() if taken}


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
