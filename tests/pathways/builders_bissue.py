"""Shared records for bissue's tests: achievements of the world's partners in alpha, a pathway
with two stages, a program of org_a, and a helper to award."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecotone.directory.models import Program
from ecotone.pathways.models import Achievement, Pathway, PathwayStatus, Step
from ecotone.pathways.services import awards
from tests.conftest import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@dataclass
class Badges:
    world: World
    pathway: Pathway
    first: Step
    second: Step
    robots: Achievement  # org_a, stage 1 of the pathway
    coder: Achievement  # org_a, stage 2
    reader: Achievement  # org_b, no pathway
    program: Program


def make_badges(world: World) -> Badges:
    pathway = Pathway.objects.create(
        ecosystem=world.alpha,
        slug="robotics",
        name="Robotics",
        name_es="Robótica",
        summary="From tinkering to a team.",
        stem_field="engineering",
        status=PathwayStatus.PUBLISHED,
    )
    first = Step.objects.create(pathway=pathway, stage=1, title="Tinkering club", gains="Making")
    second = Step.objects.create(pathway=pathway, stage=2, title="Robotics team", gains="Teamwork")
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, slug="bots", name="Saturday Bots"
    )

    def achievement(org: Any, name: str, step: Step | None) -> Achievement:
        return Achievement.objects.create(
            ecosystem=world.alpha,
            organization=org,
            name=name,
            description=f"{name}, earned.",
            criteria="Finish it.",
            step=step,
        )

    return Badges(
        world,
        pathway,
        first,
        second,
        achievement(world.org_a, "Robot Builder", first),
        achievement(world.org_a, "Young Coder", second),
        achievement(world.org_b, "Bookworm", None),
        program,
    )


def give(achievement: Achievement, email: str, **fields: Any) -> Any:
    return awards.award(None, achievement, awards.Recipient(email, **fields), notify=False)
