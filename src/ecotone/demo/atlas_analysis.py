"""The demo's default analysis and two saved scenarios, built from what the analysis finds.

A step of the demo builder, after the schools (demo/atlas.py): it runs the default analysis,
then places the scenarios where the deserts are, so they stay meaningful however the demo's
schools and programs move: a mobile robotics lab touring the northern rural deserts, and one
afterschool club at the first-priority school. Both are saved, and their runs computed, so the
scenario pages open at once.
"""

from __future__ import annotations

import math
from typing import Any

from ecotone.atlas import services
from ecotone.atlas.models import RunStatus
from ecotone.atlas.reach import haversine_miles
from ecotone.atlas.services.compute import compute
from ecotone.ecosystems.models import Ecosystem

MOBILE_LAB = "Mobile robotics lab for the northern rural schools"
MAX_STOPS = 6
MIN_STOP_SPACING_MI = 8.0


def _seats_for(youth: int, max_youth_per_seat: float) -> int:
    """Seats that bring `youth` comfortably inside the desert rule, in tens."""
    return max(10, math.ceil(youth / max_youth_per_seat * 1.5 / 10.0) * 10)


def _grow(
    ecosystem: Ecosystem,
    result: services.RunResult,
    program: dict[str, Any],
    area_ids: list[int],
    enough: int,
    tries: int = 4,
) -> None:
    """Double `program`'s seats until at least `enough` of `area_ids` stop being deserts."""
    for _attempt in range(tries):
        offers = services.hypothetical_offers(services.clean_scenario_programs([program]))
        trial = compute(ecosystem, result.parameters, offers)
        ids, deserts = trial["areas"]["id"], trial["areas"]["is_desert"]
        lifted = sum(1 for area_id in area_ids if not deserts[ids.index(area_id)])
        if lifted >= enough:
            return
        program["seats"] = int(program["seats"]) * 2


def seed_demo_analysis(ecosystem: Ecosystem, *, user: Any = None) -> dict[str, int]:
    """The default analysis of `ecosystem`, computed, and its demo scenarios; counts."""
    analysis = services.default_analysis(ecosystem)
    if not ecosystem.population_areas.exists():
        return {}
    run = services.latest_run(analysis)
    if run.status != RunStatus.DONE:
        return {}
    result = services.result_of(run)
    per_seat = result.parameters.desert_max_youth_per_seat
    deserts = result.priority
    rural = [a for a in deserts if a.locale in ("rural", "town")]
    saved = []
    if rural:
        middle = sorted(a.latitude for a in result.areas)[len(result.areas) // 2]
        northern = sorted(
            [a for a in rural if a.latitude >= middle] or rural, key=lambda a: -a.latitude
        )
        stops: list[services.AreaAccess] = []
        for area in northern:
            spaced = all(
                float(haversine_miles(area.latitude, area.longitude, s.latitude, s.longitude))
                >= MIN_STOP_SPACING_MI
                for s in stops
            )
            if spaced:
                stops.append(area)
            if len(stops) == MAX_STOPS:
                break
        if len(stops) == 1:
            stops.append(next((a for a in rural if a is not stops[0]), stops[0]))
        lab: dict[str, Any] = {
            "name": "Mobile robotics lab",
            "delivery": "mobile",
            "stops": [[s.latitude, s.longitude] for s in stops],
            "seats": sum(_seats_for(s.youth, per_seat) for s in stops),
            "grade_bands": ["3-5", "6-8"],
            "days_per_week": 5,
            "after_school": True,
            "cost_band": "free",
            "stem_fields": ["robotics", "engineering"],
            "activity_types": ["afterschool-club"],
        }
        # Rural stops share seats with their neighbours' schools: grow the lab until it lifts
        # at least half of its stops out of the deserts (doubling, four times at most).
        _grow(ecosystem, result, lab, [s.id for s in stops], (len(stops) + 1) // 2)
        saved.append(
            services.save_scenario(
                analysis,
                user=user,
                name=MOBILE_LAB,
                description=(
                    "A van with robotics kits and two educators, visiting each of these rural "
                    "schools one afternoon a week; its seats are shared between the stops."
                ),
                programs=[lab],
            )
        )
    if deserts:
        # The first priority with no seat in reach (where one club makes the most difference),
        # with enough seats that it stops being a desert.
        first = next((a for a in deserts if not a.has_program_in_reach), deserts[0])
        club: dict[str, Any] = {
            "name": f"{first.name} STEM club",
            "delivery": "in_person",
            "latitude": first.latitude,
            "longitude": first.longitude,
            "seats": _seats_for(first.youth, per_seat),
            "days_per_week": 4,
            "after_school": True,
            "cost_band": "free",
            "stem_fields": ["science", "engineering"],
        }
        _grow(ecosystem, result, club, [first.id], 1)
        saved.append(
            services.save_scenario(
                analysis,
                user=user,
                name=f"Afterschool STEM club at {first.name}",
                description="One club at the first school on the priority list without a "
                "program in reach, four afternoons a week.",
                programs=[club],
            )
        )
    for scenario in saved:
        services.latest_run(analysis, scenario)
    return {"atlas_deserts": len(deserts), "atlas_scenarios": len(saved)}


def build(ctx: Any) -> None:
    """Demo builder step: each demo ecosystem's default analysis and scenarios."""
    for ecosystem in ctx.ecosystems.values():
        for key, value in seed_demo_analysis(ecosystem, user=ctx.admin).items():
            ctx.counts[key] = ctx.counts.get(key, 0) + value
