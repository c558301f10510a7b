"""Program search: keywords, facets, schedule filters, and distance against a reference."""

from __future__ import annotations

import math
from datetime import time
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify

from ecotone.directory import search
from ecotone.directory.models import (
    CostBand,
    Delivery,
    Language,
    Location,
    LocationType,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    TaxonomyTerm,
)
from tests.conftest import World

RIVERTON = (39.9671, -83.0044)  # the centroid of ZIP 43215


def add_program(
    world: World,
    name: str,
    *,
    at: tuple[float, float] | None = None,
    terms: tuple[str, ...] = (),
    description: str = "",
    **fields: Any,
) -> Program:
    fields.setdefault("organization", world.org_a)
    program = Program.objects.create(
        ecosystem=world.alpha,
        name=name,
        slug=slugify(name),
        description=description,
        **fields,
    )
    for code in terms:
        ProgramAttribute.objects.create(program=program, term=TaxonomyTerm.objects.get(code=code))
    if at is not None:
        location = Location.objects.create(
            ecosystem=world.alpha, name=f"{name} site", latitude=at[0], longitude=at[1]
        )
        ProgramLocation.objects.create(program=program, location=location)
    return program


def run(world: World, qs: str) -> search.SearchResult:
    return search.search(world.alpha, search.parse(QueryDict(qs)))


def names(result: search.SearchResult) -> list[str]:
    return [hit.program.name for hit in result.hits]


def test_keywords_match_name_description_and_organization(world: World) -> None:
    add_program(world, "Saturday Rocketry", description="Build and launch model rockets.")
    add_program(world, "Nature Walks", description="Birds, trees and streams.")
    assert names(run(world, "q=rocket")) == ["Saturday Rocketry"]
    assert names(run(world, "q=streams")) == ["Nature Walks"]
    assert set(names(run(world, "q=Robotics+For+All"))) == {"Saturday Rocketry", "Nature Walks"}


def test_keywords_are_stemmed(world: World) -> None:
    library = world.org_b  # a name that matches neither word
    add_program(world, "Robotics Club", description="Teams build machines.", organization=library)
    add_program(world, "Coding Lab", description="Young coders write games.", organization=library)
    assert names(run(world, "q=robots")) == ["Robotics Club"]
    assert names(run(world, "q=coder")) == ["Coding Lab"]


def test_a_match_in_the_name_ranks_above_one_in_the_description(world: World) -> None:
    add_program(world, "Art Studio", description="Painting, with some robotics sculptures.")
    add_program(world, "Robotics Club", description="Build robots.")
    assert names(run(world, "q=robotics"))[0] == "Robotics Club"


def test_facets_are_or_within_and_across(world: World) -> None:
    add_program(world, "Middle Robots", terms=("grade_band/6-8", "stem_field/robotics"))
    add_program(world, "High Robots", terms=("grade_band/9-12", "stem_field/robotics"))
    add_program(world, "Middle Math", terms=("grade_band/6-8", "stem_field/mathematics"))
    assert set(names(run(world, "grade_band=6-8&grade_band=9-12&stem_field=robotics"))) == {
        "Middle Robots",
        "High Robots",
    }
    result = run(world, "stem_field=robotics")
    # Counts for a facet ignore that facet's own choice, so people can widen it.
    assert result.facet_counts["stem_field"] == {"robotics": 2, "mathematics": 1}
    assert result.facet_counts["grade_band"] == {"6-8": 1, "9-12": 1}


def test_practical_filters(world: World) -> None:
    free = add_program(
        world, "Free Bus Club", cost_band=CostBand.FREE, transportation_provided=True
    )
    add_program(world, "Paid Club", cost_band=CostBand.HIGH)
    Language.objects.create(program=free, code="es", name="Spanish")
    assert names(run(world, "free=1")) == ["Free Bus Club"]
    assert names(run(world, "transportation=1")) == ["Free Bus Club"]
    assert names(run(world, "language=es")) == ["Free Bus Club"]


def test_days_and_after_school_hours(world: World) -> None:
    weekday = add_program(world, "Tuesday Club")
    Schedule.objects.create(
        program=weekday, byday="TU,TH", opens_at=time(15, 30), closes_at=time(17)
    )
    saturday = add_program(world, "Saturday Lab")
    Schedule.objects.create(program=saturday, byday="SA", opens_at=time(15), closes_at=time(17))
    morning = add_program(world, "Morning Class")
    Schedule.objects.create(program=morning, byday="TU", opens_at=time(9), closes_at=time(11))
    assert set(names(run(world, "day=TU"))) == {"Tuesday Club", "Morning Class"}
    assert names(run(world, "after_school=1")) == ["Tuesday Club"]


def test_near_a_zip_code_agrees_with_a_reference_distance(world: World) -> None:
    # Points at known offsets from the 43215 centroid; one mile of latitude is 1/69.05 degree.
    offsets = {"Half mile": 0.5, "Four miles": 4.0, "Nine miles": 9.0, "Twelve miles": 12.0}
    for name, miles in offsets.items():
        add_program(world, name, at=(RIVERTON[0] + miles / 69.05, RIVERTON[1]))
    result = run(world, "near=43215&radius=10&sort=distance")
    assert names(result) == ["Half mile", "Four miles", "Nine miles"]
    for hit in result.hits:
        assert math.isclose(hit.distance_mi or 0.0, offsets[hit.program.name], rel_tol=0.01)
    assert result.origin == pytest.approx(RIVERTON, abs=1e-3)


def test_near_accepts_coordinates_and_counts_online_programs_apart(world: World) -> None:
    add_program(world, "Close By", at=(40.0, -83.0))
    online = add_program(world, "Online Coding", delivery=Delivery.VIRTUAL)
    virtual = Location.objects.create(
        ecosystem=world.alpha, name="Online", location_type=LocationType.VIRTUAL
    )
    ProgramLocation.objects.create(program=online, location=virtual)
    result = run(world, "near=40.01,-83.01&radius=5")
    assert names(result) == ["Close By"]
    assert result.online_matches == 1


def test_online_programs_counted_apart_match_every_chosen_facet_and_the_words(
    world: World,
) -> None:
    online = {"delivery": Delivery.VIRTUAL}
    add_program(world, "Robots Online", terms=("grade_band/6-8", "stem_field/robotics"), **online)
    add_program(
        world, "Robots Online Too", terms=("grade_band/6-8", "stem_field/robotics"), **online
    )
    add_program(
        world, "Robots Online High", terms=("grade_band/9-12", "stem_field/robotics"), **online
    )
    add_program(world, "Math Online", terms=("grade_band/6-8", "stem_field/mathematics"), **online)
    add_program(world, "Robots Nearby", at=(40.0, -83.0), terms=("grade_band/6-8",))
    add_program(
        world,
        "Robots Archived",
        terms=("grade_band/6-8", "stem_field/robotics"),
        archived_at=timezone.now(),
        **online,
    )
    both = run(world, "q=robots&grade_band=6-8&stem_field=robotics&near=43215&radius=10")
    assert both.online_matches == 2
    either_grade = run(
        world, "q=robots&grade_band=6-8&grade_band=9-12&stem_field=robotics&near=43215"
    )
    assert either_grade.online_matches == 3
    one_facet = run(world, "grade_band=6-8&near=43215")
    assert one_facet.online_matches == 3  # the math one too, with no words asked


def test_unknown_place_is_an_error_the_page_can_explain(world: World) -> None:
    with pytest.raises(search.PlaceNotFoundError):
        run(world, "near=99999")
    with pytest.raises(search.PlaceNotFoundError):
        run(world, "near=95,200")


def test_nonsense_parameters_are_ignored(world: World) -> None:
    add_program(world, "Anything")
    assert names(run(world, "grade_band=13-14&day=XX&sort=evil&radius=lots&delivery=teleport")) == [
        "Anything"
    ]


def test_other_ecosystems_programs_never_appear(world: World) -> None:
    Program.objects.create(
        ecosystem=world.beta, organization=world.org_beta, name="Beta Only", slug="beta-only"
    )
    assert names(run(world, "q=beta")) == []


def test_facet_counts_respect_the_distance(world: World) -> None:
    add_program(world, "Near Robots", at=(40.0, -83.0), terms=("stem_field/robotics",))
    add_program(world, "Far Robots", at=(41.0, -83.0), terms=("stem_field/robotics",))
    result = run(world, "near=40.0,-83.0&radius=10")
    assert names(result) == ["Near Robots"]
    assert result.facet_counts["stem_field"] == {"robotics": 1}
