"""Which atlas area a program is in: the area whose centre is nearest the program's first place on
the map. One rule for the quality roll-up's area filter and the unduplicated reach counts by
area (measures.services.reach)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ecotone.directory.distance import haversine_miles
from ecotone.directory.models import Program, ProgramLocation
from ecotone.ecosystems.models import Ecosystem

from .models import PopulationArea


def program_areas(ecosystem: Ecosystem, programs: Iterable[Program]) -> dict[int, int | None]:
    """Each program's area (by program id): the atlas area nearest its first location on the
    map (by location name order, the program page's), None when it has none or the atlas no
    areas."""
    ids = [p.pk for p in programs]
    found: dict[int, int | None] = dict.fromkeys(ids, None)
    areas = list(
        PopulationArea.objects.filter(ecosystem=ecosystem)
        .order_by("pk")
        .values_list("pk", "latitude", "longitude")
    )
    if not areas:
        return found
    lats = np.array([a[1] for a in areas], dtype=np.float64)
    lons = np.array([a[2] for a in areas], dtype=np.float64)
    places = (
        ProgramLocation.objects.filter(program_id__in=ids, location__latitude__isnull=False)
        .order_by("program_id", "location__name", "pk")
        .values_list("program_id", "location__latitude", "location__longitude")
    )
    for program_id, lat, lon in places:
        if found[program_id] is None and lat is not None and lon is not None:
            found[program_id] = int(areas[int(np.argmin(haversine_miles(lat, lon, lats, lons)))][0])
    return found
