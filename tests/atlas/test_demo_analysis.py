"""The demo's analysis and scenarios: placed where the deserts are, and removing some."""

from __future__ import annotations

from ecotone.atlas import services
from ecotone.atlas.services import scenarios
from ecotone.demo.atlas_analysis import MOBILE_LAB, seed_demo_analysis
from tests.atlas.builders import make_area, make_program
from tests.conftest import World


def test_demo_scenarios_remove_deserts(world: World) -> None:
    make_area(world.alpha, "city", 0, youth=400, locale="city")
    for n, north in enumerate((40, 55, 70)):
        make_area(world.alpha, f"north{n}", north, 10, youth=300, low_income_share=0.7)
    make_area(world.alpha, "south", -40, youth=250)
    make_program(world.alpha, world.org_a, "City Club", [(0, 0.5)], seats=100)
    counts = seed_demo_analysis(world.alpha, user=world.users["admin"])
    assert counts == {"atlas_deserts": 4, "atlas_scenarios": 2}
    analysis = services.default_analysis(world.alpha)
    mobile = analysis.scenarios.get(name=MOBILE_LAB)
    assert len(mobile.programs[0]["stops"]) == 3  # the northern deserts, not the southern one
    comparison = services.compare(analysis, list(scenarios.scenarios(analysis)))
    assert comparison.ready
    by_name = {c.name: c for c in comparison.columns}
    assert {a.code for a in by_name[MOBILE_LAB].no_longer_deserts} == {"north0", "north1", "north2"}
    club = next(c for c in comparison.columns if c.name != MOBILE_LAB)
    assert club.deltas["deserts"] == -1


def test_no_areas_no_scenarios(world: World) -> None:
    assert seed_demo_analysis(world.alpha) == {}
    assert services.default_analysis(world.alpha).scenarios.count() == 0
