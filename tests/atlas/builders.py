"""Small areas and programs for the analysis tests, placed in miles from a point in Ohio."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import time
from typing import Any

from django.utils.text import slugify

from ecotone.atlas.models import PopulationArea
from ecotone.directory.models import (
    Language,
    Location,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    TaxonomyTerm,
)
from ecotone.ecosystems.models import Ecosystem, Organization

ORIGIN = (40.0, -83.0)
MILES_PER_DEGREE_LAT = 69.05


def at(north_mi: float, east_mi: float = 0.0) -> tuple[float, float]:
    """The point `north_mi` miles north and `east_mi` miles east of ORIGIN."""
    lat = ORIGIN[0] + north_mi / MILES_PER_DEGREE_LAT
    lon = ORIGIN[1] + east_mi / (MILES_PER_DEGREE_LAT * math.cos(math.radians(ORIGIN[0])))
    return lat, lon


def make_area(
    ecosystem: Ecosystem,
    code: str,
    north_mi: float,
    east_mi: float = 0.0,
    *,
    youth: int = 200,
    locale: str = "rural",
    **fields: Any,
) -> PopulationArea:
    lat, lon = at(north_mi, east_mi)
    fields.setdefault("youth_6_8", youth)
    fields.setdefault("lowest_grade", 6)
    fields.setdefault("highest_grade", 8)
    return PopulationArea.objects.create(
        ecosystem=ecosystem,
        kind="school",
        code=code,
        name=fields.pop("name", f"School {code}"),
        latitude=lat,
        longitude=lon,
        locale=locale,
        youth_total=youth,
        **fields,
    )


def make_program(
    ecosystem: Ecosystem,
    organization: Organization,
    name: str,
    places: Sequence[tuple[float, float]] = ((0.0, 0.0),),
    *,
    seats: int | None = 20,
    delivery: str = "in_person",
    grade_bands: Sequence[str] = (),
    stem_fields: Sequence[str] = (),
    activity_types: Sequence[str] = (),
    days: str = "MO,TU,WE,TH",
    opens_at: time | None = time(15, 30),
    languages: Sequence[str] = (),
    **fields: Any,
) -> Program:
    """A listed program at `places` (miles north, east of ORIGIN), meeting weekly on `days`."""
    program = Program.objects.create(
        ecosystem=ecosystem,
        organization=organization,
        name=name,
        slug=slugify(name),
        delivery=delivery,
        seats=seats,
        **fields,
    )
    if delivery != "virtual":
        for index, (north, east) in enumerate(places):
            lat, lon = at(north, east)
            location = Location.objects.create(
                ecosystem=ecosystem,
                organization=organization,
                name=f"{name} site {index + 1}",
                latitude=lat,
                longitude=lon,
            )
            ProgramLocation.objects.create(program=program, location=location)
    codes = [
        *(f"grade_band/{c}" for c in grade_bands),
        *(f"stem_field/{c}" for c in stem_fields),
        *(f"activity_type/{c}" for c in activity_types),
    ]
    for term in TaxonomyTerm.objects.filter(code__in=codes):
        ProgramAttribute.objects.create(program=program, term=term)
    for code in languages:
        Language.objects.create(program=program, code=code)
    if days:
        Schedule.objects.create(program=program, freq="WEEKLY", byday=days, opens_at=opens_at)
    return program
