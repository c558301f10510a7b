"""The ecosystem's roll-up of one rubric (`quality.view_rollup`): every program's latest complete
assessment on it, counted by stage per section and attribute, the weakest practices first, and
published through `quality.rollup` (small-cell suppression with the ecosystem's threshold)
for members; the backbone (`quality.view_rollup_exact`) reads the exact counts.

Filters narrow the programs counted before anything is published:

- program type: the program's first kind of activity, the rule the measures dashboards use
  (`measures.services.dashboards.program_types`);
- area: the atlas's population area nearest the program's first location on the map
  (`atlas.nearest.program_areas`); a program with no place on the map (online, or no
  coordinates) is in no area, and the filter says how many;
- depth: the program's mentoring depth (the directory's field).

Filters are the backbone's: members read the whole coalition only. Each view is suppressed
on its own, so a member who could read the whole roll-up and a filtered one could subtract the
two and learn the few programs a filter leaves out (a deep-mentoring program alone at the top
stage); publishing every slice from one suppressed table, as the dashboards do, took minutes
per page here.

The page, its CSV/XLSX download and the API all read `build`, so they publish the same
figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.atlas.models import PopulationArea
from ecotone.atlas.nearest import program_areas
from ecotone.directory.models import MentoringDepth, Program
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.measures.services import dashboards

from .. import rollup, rubrics
from ..models import Assessment, AssessmentStatus, ConsensusRating, Rubric, VersionStatus
from .assessments import content

NO_AREA = "none"  # the area filter's choice for programs with no place on the map


@dataclass(frozen=True)
class Filters:
    program_type: str = ""
    area: str = ""  # an area's id, NO_AREA, or "" for every program
    depth: str = ""

    def any(self) -> bool:
        return bool(self.program_type or self.area or self.depth)


@dataclass(frozen=True)
class Choices:
    """What each filter offers: the values the rubric's assessed programs have."""

    program_types: list[tuple[str, str]]
    areas: list[tuple[str, str]]
    depths: list[tuple[str, str]]
    without_area: int  # programs with no place on the map


@dataclass(frozen=True)
class AttributeRow:
    section: rubrics.Section
    attribute: rubrics.Attribute
    row: rollup.PublishedRow


@dataclass(frozen=True)
class SectionRollup:
    section: rubrics.Section
    row: rollup.PublishedRow  # programs by their section stage
    attributes: list[AttributeRow]


@dataclass
class Rollup:
    ecosystem: Ecosystem
    rubric: Rubric
    content: rubrics.Rubric
    filters: Filters
    choices: Choices
    exact: bool
    threshold: int
    programs: int  # counted, exact (the caller publishes it through `programs_shown`)
    sections: list[SectionRollup] = field(default_factory=list)

    @property
    def stages(self) -> tuple[rubrics.Stage, ...]:
        return self.content.stages

    @property
    def low_stages(self) -> list[rubrics.Stage]:
        low = rollup.low_stages([s.key for s in self.stages])
        return [s for s in self.stages if s.key in low]

    @property
    def low_stage_names(self) -> str:
        return ", ".join(s.name for s in self.low_stages)

    @property
    def programs_shown(self) -> int | None:
        """The number of programs counted, as a member may read it (None: too few)."""
        if self.exact:
            return self.programs
        return suppression.publish_count(self.programs, self.threshold)

    @property
    def hidden(self) -> bool:
        """Whether every figure is hidden (too few programs for a member)."""
        return self.programs > 0 and self.programs_shown is None

    def weakest(self, limit: int | None = None) -> list[AttributeRow]:
        rows = [a for s in self.sections for a in s.attributes]
        by_key = {a.row.key: a for a in rows}
        ranked = [by_key[r.key] for r in rollup.weakest([a.row for a in rows])]
        return ranked[:limit] if limit else ranked


def rollup_rubrics(ecosystem: Ecosystem) -> QuerySet[Rubric]:
    """The ecosystem's rubrics with a complete assessment of a program: the roll-up's choice."""
    return (
        Rubric.objects.filter(
            ecosystem=ecosystem,
            versions__assessments__status=AssessmentStatus.COMPLETE,
            versions__assessments__program__isnull=False,
        )
        .distinct()
        .order_by("title", "pk")
    )


def _latest_per_program(ecosystem: Ecosystem, rubric: Rubric) -> list[Assessment]:
    found = (
        Assessment.objects.filter(
            ecosystem=ecosystem,
            version__rubric=rubric,
            status=AssessmentStatus.COMPLETE,
            program__isnull=False,
        )
        .select_related("program", "version")
        .order_by("program_id", "-completed_at", "-pk")
    )
    latest: dict[int, Assessment] = {}
    for assessment in found:
        latest.setdefault(assessment.program_id, assessment)  # type: ignore[arg-type]
    return list(latest.values())


def _choices(
    programs: Sequence[Program], types: dict[str, str], areas: dict[int, int | None]
) -> Choices:
    present_types = {types[p.slug] for p in programs}
    type_choices = [
        (code, dashboards.label(dashboards.PROGRAM_TYPE, code))
        for code in dashboards.PROGRAM_TYPES
        if code in present_types
    ]
    names = dict(
        PopulationArea.objects.filter(pk__in={a for a in areas.values() if a}).values_list(
            "pk", "name"
        )
    )
    area_choices = sorted(((str(pk), name) for pk, name in names.items()), key=lambda c: c[1])
    without = sum(1 for p in programs if areas[p.pk] is None)
    if without:
        area_choices.append((NO_AREA, _("No place on the map")))
    # every depth (a short fixed list): one no assessed program has simply counts none
    depth_choices = [(str(v), str(label)) for v, label in MentoringDepth.choices]
    return Choices(type_choices, area_choices, depth_choices, without)


def build(
    user: Any, ecosystem: Ecosystem, rubric: Rubric, filters: Filters | None = None
) -> Rollup:
    """The roll-up of `rubric` over the ecosystem's programs that pass `filters`, as `user`
    may read it (module docstring)."""
    if not user.has_perm("quality.view_rollup", ecosystem):
        raise DomainError(_("Only the ecosystem's members see the roll-up."))
    if rubric.ecosystem_id != ecosystem.pk:
        raise DomainError(_("That rubric belongs to another ecosystem."))
    filters = filters or Filters()
    exact = bool(user.has_perm("quality.view_rollup_exact", ecosystem))
    if filters.any() and not exact:
        raise DomainError(
            _(
                "Only backbone staff filter the roll-up: beside the whole coalition's figures, a "
                "filtered view could give away how a few programs stand."
            )
        )
    version = rubric.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
    if version is None:
        raise DomainError(
            _("The rubric “%(title)s” has no published version.") % {"title": rubric.title}
        )
    document = content(version)
    assessments = _latest_per_program(ecosystem, rubric)
    programs = [a.program for a in assessments if a.program is not None]
    types = dashboards.program_types(ecosystem.pk, [p.slug for p in programs])
    areas = program_areas(ecosystem, programs)
    choices = _choices(programs, types, areas)

    def passes(program: Program) -> bool:
        if filters.program_type and types[program.slug] != filters.program_type:
            return False
        if filters.depth and program.mentoring_depth != filters.depth:
            return False
        if filters.area == NO_AREA:
            return areas[program.pk] is None
        return not filters.area or str(areas[program.pk]) == filters.area

    chosen = [a for a in assessments if a.program is not None and passes(a.program)]
    given: dict[int, dict[str, str]] = {a.pk: {} for a in chosen}
    for assessment_id, attribute, stage in ConsensusRating.objects.filter(
        assessment__in=list(given)
    ).values_list("assessment_id", "attribute", "stage"):
        given[assessment_id][attribute] = stage
    stages = [s.key for s in document.stages]
    # each program's stage per row: "attribute:<key>" and "section:<key>" (its section stage)
    ratings: dict[str, dict[str, str]] = {}
    for assessment_id, agreed in given.items():
        row = {f"attribute:{key}": stage for key, stage in agreed.items()}
        for section in document.sections:
            attained = [agreed.get(a.key, "") for a in section.attributes]
            section_at = rollup.section_stage(stages, attained)
            if section_at is not None:
                row[f"section:{section.key}"] = section_at
        ratings[str(assessment_id)] = row
    keys = [
        key
        for section in document.sections
        for key in (
            f"section:{section.key}",
            *(f"attribute:{a.key}" for a in section.attributes),
        )
    ]
    counts = rollup.distribution(stages, keys, ratings)
    threshold = ecosystem.suppression_threshold
    published = {row.key: row for row in rollup.publish(stages, counts, threshold, exact=exact)}
    result = Rollup(ecosystem, rubric, document, filters, choices, exact, threshold, len(chosen))
    for section in document.sections:
        result.sections.append(
            SectionRollup(
                section,
                published[f"section:{section.key}"],
                [
                    AttributeRow(section, a, published[f"attribute:{a.key}"])
                    for a in section.attributes
                ],
            )
        )
    return result
