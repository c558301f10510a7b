"""Where a young person can go next: the pathways a program (or a step) belongs to, each with
its next stage's steps and the nearest published programs matching each step.

    next_steps(program_or_step, near=None, limit=3) -> list[NextStage]

- With a `Program` (its public page): the published pathways it belongs to, where it is a
  program-step or matches a kind-step (`hooks.step_condition`, the condition the map's
  pathway filter applies). For each, the stage after the first one it matches.
- With a `Step` (a badge's step on the learner's page): its pathway's next stage, when the
  pathway is published; an empty list otherwise, or after the last stage.

Each next step carries up to `limit` programs: a program-step its program; a kind-step the
matching published programs nearest `near` (a ZIP code or "lat,lon" the family gave), else
nearest the program's own first place, else in name order. Matching and distance are the
directory's search (`ecotone.directory.search`), never rewritten here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from ecotone.directory import search
from ecotone.directory.models import LocationType, Program

from .. import hooks
from ..models import Pathway, PathwayStatus, Step, in_language

# Around a place, the search looks this far first, then anywhere.
NEAR_RADIUS_MI = 25.0


@dataclass(frozen=True)
class Suggestion:
    program: Program
    distance_mi: float | None = None


@dataclass(frozen=True)
class NextStep:
    step: Step
    programs: list[Suggestion] = field(default_factory=list)
    # The directory's search for every program of this kind (a kind-step; "" for a program).
    search_url: str = ""


@dataclass(frozen=True)
class NextStage:
    pathway: Pathway
    # The stage the program or step is in, and the steps of the one after (none at the end).
    stage: int
    steps: list[NextStep] = field(default_factory=list)

    @property
    def is_last(self) -> bool:
        return not self.steps


def search_url(step: Step) -> str:
    """The directory's program list showing every program of this kind."""
    base = reverse("directory:programs", kwargs={"ecosystem_slug": step.pathway.ecosystem.slug})
    pairs = [(facet, code) for facet, codes in step.kind_facets().items() for code in codes]
    return f"{base}?{urlencode(pairs)}" if pairs else base


def place_of(program: Program) -> str:
    """The program's first physical place as "lat,lon" (the search's "near"), or ""."""
    link = (
        program.program_locations.filter(
            location__location_type=LocationType.PHYSICAL,
            location__latitude__isnull=False,
            location__longitude__isnull=False,
        )
        .select_related("location")
        .order_by("pk")
        .first()
    )
    if link is None:
        return ""
    return f"{link.location.latitude},{link.location.longitude}"


def programs_for(
    step: Step, near: str = "", limit: int = 3, exclude: int | None = None
) -> list[Suggestion]:
    """The programs a family can join for this step: its program (when still published), or
    the nearest published programs of its kind (near `near` when given and known)."""
    ecosystem = step.pathway.ecosystem
    if step.program_id is not None:
        program = Program.objects.filter(pk=step.program_id, ecosystem=ecosystem).listed().first()
        return [Suggestion(program)] if program is not None and program.pk != exclude else []
    facets = step.kind_facets()
    if not facets:
        return []
    attempts = []
    if near.strip():
        attempts.append(search.ProgramQuery(facets=facets, near=near, radius_mi=NEAR_RADIUS_MI))
    attempts.append(search.ProgramQuery(facets=facets, sort="name"))
    for query in attempts:
        try:
            result = search.search(ecosystem, query, summary=False)
        except search.PlaceNotFoundError:
            continue
        found = [
            Suggestion(hit.program, hit.distance_mi)
            for hit in result.hits[: limit + 1]
            if hit.program.pk != exclude
        ][:limit]
        if found:
            return found
    return []


def _stage(pathway: Pathway, stage: int, near: str, limit: int, exclude: int | None) -> NextStage:
    following = [s for s in pathway.steps.all() if s.stage == stage + 1]
    following.sort(key=lambda s: (s.position, s.pk))
    steps = [
        NextStep(
            step,
            programs_for(step, near, limit, exclude),
            "" if step.program_id is not None else search_url(step),
        )
        for step in following
    ]
    return NextStage(pathway, stage, steps)


def next_steps(
    program_or_step: Program | Step, near: str | None = None, limit: int = 3
) -> list[NextStage]:
    """See the module's description. `near`: the family's ZIP code or "lat,lon"; `limit`: the
    programs shown per next step."""
    near = (near or "").strip()
    if isinstance(program_or_step, Step):
        step = program_or_step
        pathway = step.pathway
        if pathway.status != PathwayStatus.PUBLISHED:
            return []
        pathway = (
            Pathway.objects.prefetch_related("steps").select_related("ecosystem").get(pk=pathway.pk)
        )
        return [_stage(pathway, step.stage, near, limit, step.program_id)]
    program = program_or_step
    origin = near or place_of(program)
    found = []
    pathways = list(
        Pathway.objects.filter(ecosystem_id=program.ecosystem_id, status=PathwayStatus.PUBLISHED)
        .select_related("ecosystem")
        .prefetch_related("steps")
        .order_by("name", "pk")
    )
    taking = hooks.steps_taking(program, (s for p in pathways for s in p.steps.all()))
    for pathway in pathways:
        stages = sorted(s.stage for s in pathway.steps.all() if s.pk in taking)
        if stages:
            found.append(_stage(pathway, stages[0], origin, limit, program.pk))
    return found


def panel_context(request: Any, program: Program) -> dict[str, Any] | None:
    """The "Next steps" panel of a program's public page (ecotone/program_panels.py): None when
    the program is in no published pathway."""
    near = str(request.GET.get("near", ""))[:60]
    stages = next_steps(program, near=near)
    if not stages:
        return None
    return {
        "near": near,
        "stages": [
            {
                "pathway": stage.pathway,
                "name": in_language(stage.pathway, "name"),
                "stage": stage.stage,
                "is_last": stage.is_last,
                "steps": [
                    {
                        "title": in_language(n.step, "title"),
                        "gains": in_language(n.step, "gains"),
                        "programs": n.programs,
                        "search_url": n.search_url,
                    }
                    for n in stage.steps
                ],
            }
            for stage in stages
        ],
    }
