"""Records the paths tests share: programs of the directory near Riverton (ZIP 43215), and a
published pathway "Robots ahead" whose stage 1 is the program "Library Tinkering", stage 2 a
kind (any robotics competition, grades 6-8), stage 3 the program "Summer Internship"; a draft
of partner_a's organization; one published pathway of the beta ecosystem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecotone.directory.models import Program
from ecotone.pathways.models import HomeResource, Pathway, PathwayStatus, Step
from tests.conftest import World
from tests.directory.test_search import RIVERTON, add_program

FAR = (41.50, -81.70)  # Cleveland, some 130 miles off


@dataclass
class PathRecords:
    tinkering: Program
    robotics_near: Program
    robotics_far: Program
    coding: Program
    internship: Program
    published: Pathway
    draft: Pathway
    beta: Pathway
    kind_step: Step


def build_paths(world: World) -> PathRecords:
    tinkering = add_program(
        world,
        "Library Tinkering",
        at=RIVERTON,
        terms=("activity_type/afterschool-club", "stem_field/making", "grade_band/6-8"),
        organization=world.org_b,
    )
    robotics_near = add_program(
        world,
        "Riverton Robot League",
        at=(39.99, -83.01),
        terms=("activity_type/competition", "stem_field/robotics", "grade_band/6-8"),
    )
    robotics_far = add_program(
        world,
        "Lakeside Robot League",
        at=FAR,
        terms=("activity_type/competition", "stem_field/robotics", "grade_band/6-8"),
    )
    coding = add_program(
        world,
        "Coding Lab",
        at=(39.98, -83.0),
        terms=("activity_type/afterschool-club", "stem_field/computing", "grade_band/9-12"),
    )
    internship = add_program(
        world, "Summer Internship", at=(40.0, -83.02), terms=("activity_type/internship",)
    )
    published = Pathway.objects.create(
        ecosystem=world.alpha,
        slug="robots-ahead",
        name="Robots ahead",
        name_es="Robots adelante",
        summary="From tinkering to a robotics team to an internship.",
        summary_es="Del taller a un equipo de robótica y una pasantía.",
        stem_field="robotics",
        grade_bands=["6-8", "9-12"],
        status=PathwayStatus.PUBLISHED,
    )
    Step.objects.create(
        pathway=published,
        stage=1,
        title="Library Tinkering",
        gains="Confidence with tools.",
        gains_es="Confianza con las herramientas.",
        program=tinkering,
    )
    kind_step = Step.objects.create(
        pathway=published,
        stage=2,
        title="Any robotics competition, grades 6 to 8",
        title_es="Cualquier competencia de robótica, grados 6 a 8",
        gains="Teamwork and programming.",
        activity_types=["competition"],
        stem_fields=["robotics"],
        grade_bands=["6-8"],
    )
    Step.objects.create(
        pathway=published, stage=3, title="Internship", gains="A first job.", program=internship
    )
    HomeResource.objects.create(
        pathway=published,
        title="Build a cardboard robot",
        title_es="Construye un robot de cartón",
        url="https://example.org/cardboard-robot",
    )
    draft = Pathway.objects.create(
        ecosystem=world.alpha,
        organization=world.org_a,
        slug="code-first",
        name="Code first",
        summary="Coding from scratch.",
        stem_field="computing",
    )
    Step.objects.create(pathway=draft, stage=1, title="Coding Lab", gains="Loops.", program=coding)
    beta = Pathway.objects.create(
        ecosystem=world.beta,
        slug="beta-path",
        name="Beta path",
        summary="Elsewhere.",
        stem_field="science",
        status=PathwayStatus.PUBLISHED,
    )
    return PathRecords(
        tinkering,
        robotics_near,
        robotics_far,
        coding,
        internship,
        published,
        draft,
        beta,
        kind_step,
    )


def records_for_permissions(world: World) -> dict[str, Any]:
    built = build_paths(world)
    return {"built": built}
