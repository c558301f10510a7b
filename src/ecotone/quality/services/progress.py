"""A program's progress over time, rubric by rubric, and the partner's public mark.

Progress reads the program's complete assessments the person may see (`access.assessments_of`)
in the order they were completed. Per section, a **score**: the mean position of its
attributes' agreed stages on the rubric's scale, counted from 1 (1 = every attribute at the
lowest stage, 4 = every one at the highest of four), to two decimals. Per attribute, its
stage **then** (the first complete assessment) and **now** (the latest), and whether it
improved or declined. Sections and attributes are the latest assessment's rubric version's;
an older version's ratings count by attribute key.

The mark (`show_mark`): the organization's staff or the backbone (`quality.agree_consensus`)
show a complete assessment of a program on its directory listing; one per rubric and program,
so showing one hides the one shown before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone.directory.models import Program
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import rubrics
from ..access import assessments_of
from ..models import Assessment, AssessmentStatus, ConsensusRating, Rubric
from .assessments import content

IMPROVED, DECLINED, SAME = "improved", "declined", "same"


@dataclass(frozen=True)
class SectionScore:
    assessment: Assessment
    score: float | None  # None when none of the section's attributes was rated


@dataclass(frozen=True)
class AttributeChange:
    section: rubrics.Section
    attribute: rubrics.Attribute
    then: rubrics.Stage | None
    now: rubrics.Stage | None
    then_position: int | None  # on the scale, from 0
    now_position: int | None

    @property
    def change(self) -> str:
        if self.then_position is None or self.now_position is None:
            return SAME
        if self.now_position == self.then_position:
            return SAME
        return IMPROVED if self.now_position > self.then_position else DECLINED


@dataclass(frozen=True)
class RubricProgress:
    rubric: Rubric
    content: rubrics.Rubric  # the latest assessment's version
    assessments: list[Assessment]  # complete, oldest first
    sections: list[tuple[rubrics.Section, list[SectionScore]]]
    attributes: list[AttributeChange]

    @property
    def first(self) -> Assessment:
        return self.assessments[0]

    @property
    def latest(self) -> Assessment:
        return self.assessments[-1]


def complete_assessments(user: Any, program: Program) -> QuerySet[Assessment]:
    """The program's complete assessments the person may see, oldest first."""
    return (
        assessments_of(user, program.ecosystem)
        .filter(program=program, status=AssessmentStatus.COMPLETE)
        .select_related("version__rubric")
        .order_by("completed_at", "pk")
    )


def _position(stages: Sequence[rubrics.Stage], key: str | None) -> int | None:
    for i, stage in enumerate(stages):
        if stage.key == key:
            return i
    return None


def program_progress(user: Any, program: Program) -> list[RubricProgress]:
    """The program's progress on each rubric it was assessed against (module docstring), the
    rubric assessed most recently first."""
    found = list(complete_assessments(user, program))
    agreed: dict[int, dict[str, str]] = {}
    for assessment_id, key, stage in ConsensusRating.objects.filter(
        assessment__in=[a.pk for a in found]
    ).values_list("assessment_id", "attribute", "stage"):
        agreed.setdefault(assessment_id, {})[key] = stage
    by_rubric: dict[int, list[Assessment]] = {}
    for assessment in found:
        by_rubric.setdefault(assessment.version.rubric_id, []).append(assessment)
    result = []
    for assessments in by_rubric.values():
        latest = content(assessments[-1].version)
        stages = latest.stages
        sections = []
        for section in latest.sections:
            scores = []
            for assessment in assessments:
                given = agreed.get(assessment.pk, {})
                positions = [
                    p
                    for a in section.attributes
                    if (p := _position(stages, given.get(a.key))) is not None
                ]
                score = round(sum(positions) / len(positions) + 1, 2) if positions else None
                scores.append(SectionScore(assessment, score))
            sections.append((section, scores))
        first, last = agreed.get(assessments[0].pk, {}), agreed.get(assessments[-1].pk, {})
        attributes = []
        for section in latest.sections:
            for attribute in section.attributes:
                then, now = (
                    _position(stages, first.get(attribute.key)),
                    _position(stages, last.get(attribute.key)),
                )
                attributes.append(
                    AttributeChange(
                        section,
                        attribute,
                        None if then is None else stages[then],
                        None if now is None else stages[now],
                        then,
                        now,
                    )
                )
        result.append(
            RubricProgress(
                assessments[-1].version.rubric, latest, assessments, sections, attributes
            )
        )
    result.sort(key=lambda p: (p.latest.completed_at, p.latest.pk), reverse=True)
    return result


def show_mark(actor: Any, assessment: Assessment, shown: bool) -> Assessment:
    """Show (or stop showing) a complete assessment of a program on the program's directory
    listing; showing it hides any other of the same rubric shown for the program."""
    if not (actor is not None and actor.has_perm("quality.agree_consensus", assessment)):
        raise DomainError(
            _("Only the organization's partner staff and the backbone's staff show its mark.")
        )
    with acting(actor):
        locked = (
            Assessment.objects.select_for_update()
            .select_related("version__rubric")
            .get(pk=assessment.pk)
        )
        if locked.program_id is None:
            raise DomainError(_("Only an assessment of a program is shown on a listing."))
        if locked.status != AssessmentStatus.COMPLETE:
            raise DomainError(
                _("“%(title)s” is not complete: only a complete assessment is shown.")
                % {"title": locked.title}
            )
        if shown:
            others = Assessment.objects.select_for_update().filter(
                program_id=locked.program_id,
                version__rubric_id=locked.version.rubric_id,
                show_mark=True,
            )
            for other in others.exclude(pk=locked.pk):
                other.show_mark = False
                other.save(update_fields=["show_mark", "updated_at"])
        if locked.show_mark != shown:
            locked.show_mark = shown
            locked.save(update_fields=["show_mark", "updated_at"])
    return locked
