"""Where an improvement plan starts: an assessment's lowest-rated attributes.

Problem: after an assessment, a program chooses a few practices to improve. The plan suggests
them: the attributes whose agreed (consensus) stage is lowest, and for each the stage to reach
next.

Method: each attribute of the rubric with a consensus stage below the top one is ranked by
(the stage's position on the scale, the attribute's position in the rubric): lowest stage
first, ties in the rubric's own order, so the same ratings always give the same suggestions.
An attribute at the top stage has nothing above it to reach and is left out, as is one without
a consensus stage the rubric knows (an incomplete or stale rating). The target is the next
stage up. O(a log a) for a attributes.

Django-free and strictly typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .rubrics import Rubric, Stage

DEFAULT_GOALS = 3


@dataclass(frozen=True)
class Suggestion:
    """One attribute to improve: where it stands and the stage to reach next."""

    attribute: str  # the attribute's key
    title: str
    section: str  # the section's title
    stage: Stage  # the consensus stage now
    target: Stage  # the next stage up
    descriptor: str  # what a program at the target stage does (the rubric's words)


def next_stage(rubric: Rubric, stage: str) -> Stage | None:
    """The stage above `stage` on the rubric's scale; None at the top or for an unknown stage."""
    keys = [s.key for s in rubric.stages]
    if stage not in keys:
        return None
    position = keys.index(stage)
    return rubric.stages[position + 1] if position + 1 < len(keys) else None


def lowest(
    rubric: Rubric, consensus: Mapping[str, str], count: int | None = DEFAULT_GOALS
) -> list[Suggestion]:
    """The `count` lowest-rated attributes that can still improve (all of them when `count`
    is None), lowest stage first, then in the rubric's order; `consensus` maps an attribute's
    key to its agreed stage's key."""
    position = {stage.key: index for index, stage in enumerate(rubric.stages)}
    ranked: list[tuple[int, int, Suggestion]] = []
    order = 0
    for section in rubric.sections:
        for attribute in section.attributes:
            order += 1
            stage = consensus.get(attribute.key, "")
            target = next_stage(rubric, stage)
            if target is None:
                continue
            ranked.append(
                (
                    position[stage],
                    order,
                    Suggestion(
                        attribute=attribute.key,
                        title=attribute.title,
                        section=section.title,
                        stage=rubric.stages[position[stage]],
                        target=target,
                        descriptor=attribute.descriptors.get(target.key, ""),
                    ),
                )
            )
    ranked.sort(key=lambda item: (item[0], item[1]))
    chosen = [suggestion for _stage, _order, suggestion in ranked]
    return chosen if count is None else chosen[: max(count, 0)]
