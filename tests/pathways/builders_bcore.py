"""Shared records for bcore's tests: an achievement of the world's org_a in alpha."""

from __future__ import annotations

from ecotone.pathways.models import Achievement
from tests.conftest import World


def make_achievement(world: World, name: str = "Robot Builder", **fields: object) -> Achievement:
    fields.setdefault("description", "Built and programmed a robot that follows a line.")
    fields.setdefault("criteria", "Complete the twelve-week robotics club and demo a robot.")
    return Achievement.objects.create(
        ecosystem=world.alpha,
        organization=world.org_a,
        name=name,
        alignments=[
            {
                "targetName": "Engineering design",
                "targetUrl": "https://www.nextgenscience.org/",
                "targetFramework": "NGSS",
                "targetCode": "MS-ETS1-1",
            }
        ],
        **fields,  # type: ignore[arg-type]
    )
