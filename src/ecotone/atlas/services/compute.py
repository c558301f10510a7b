"""The analysis computed: an ecosystem's eligible offers become sites, its population areas
become demand (young people in the chosen grade band), and `reach.analyse` does the numbers.

A program at several locations has its seats split evenly between them. Online programs never
become sites: they are counted per area apart, since reaching them takes a device and
broadband, so they never make a desert disappear. The result is the JSON a run stores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from ecotone.ecosystems.models import Ecosystem

from .. import reach
from ..models import YOUTH_BAND_FIELDS, PopulationArea, youth_in_band
from ..parameters import GRADE_BANDS, LOCALES, NEED_INDICATORS, Parameters, need_indicators
from .offers import Offer, eligible, program_offers
from .results import AREA_COLUMNS

# Bump when what a run stores changes: older cached results then count as stale.
RESULT_VERSION = 1
# Grades (-1 PreK ... 12) each band covers, to tell which bands a school serves.
BAND_GRADES = {"prek": (-1, -1), "k-2": (0, 2), "3-5": (3, 5), "6-8": (6, 8), "9-12": (9, 12)}


def _finite(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def _area_bands(area: Any) -> frozenset[str]:
    """The grade bands an area's young people are in (all, when nothing says)."""
    if area.lowest_grade is not None and area.highest_grade is not None:
        low, high = area.lowest_grade, area.highest_grade
        bands = frozenset(b for b, (lo, hi) in BAND_GRADES.items() if lo <= high and low <= hi)
        if bands:
            return bands
    counted = frozenset(b for b, name in YOUTH_BAND_FIELDS.items() if getattr(area, name))
    return counted or frozenset(GRADE_BANDS)


def compute(
    ecosystem: Ecosystem,
    params: Parameters,
    extra: Sequence[Offer] = (),
    on_progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """The analysis of `ecosystem` under `params`, with `extra` hypothetical offers, as the JSON
    a run stores. Reads programs and areas; writes nothing."""

    def progress(percent: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(percent, stage)

    progress(0, "loading")
    offers = [*program_offers(ecosystem), *extra]
    counted = [o for o in offers if eligible(o, params)]
    in_person = [o for o in counted if not o.online and o.points]
    online = [o for o in counted if o.online]
    site_lat: list[float] = []
    site_lon: list[float] = []
    site_seats: list[float] = []
    site_offer: list[int] = []
    assumed = 0
    for index, offer in enumerate(in_person):
        seats = offer.seats if offer.seats is not None else float(params.assumed_seats)
        assumed += offer.seats is None
        for lat, lon in offer.points:
            site_lat.append(lat)
            site_lon.append(lon)
            site_seats.append(seats / len(offer.points))
            site_offer.append(index)

    # Plain rows, not model instances (a fifth of the time at 100,000 areas), under the
    # model's names: the rules below read them as they would the model.
    fields = (
        "pk",
        "code",
        "name",
        "kind",
        "locale",
        "latitude",
        "longitude",
        "lowest_grade",
        "highest_grade",
        "youth_total",
        *YOUTH_BAND_FIELDS.values(),
        "low_income_share",
        "english_learner_share",
        "students_of_color_share",
        "disability_share",
    )
    areas = [
        SimpleNamespace(**dict(zip(fields, values, strict=True)))
        for values in PopulationArea.objects.filter(ecosystem=ecosystem)
        .order_by("pk")
        .values_list(*fields)
    ]
    n = len(areas)
    youth = np.array([youth_in_band(a, params.grade_band) for a in areas], dtype=np.float64)
    radius = np.array(
        [params.catchment_mi.get(a.locale, params.catchment_mi["suburb"]) for a in areas],
        dtype=np.float64,
    )

    indicators = np.array(
        [
            need_indicators(
                a.low_income_share,
                a.english_learner_share,
                a.students_of_color_share,
                a.locale,
                a.disability_share,
            )
            for a in areas
        ],
        dtype=np.float64,
    ).reshape(n, len(NEED_INDICATORS))
    weights = np.array([params.need_weights[k] for k in NEED_INDICATORS], dtype=np.float64)
    inputs = reach.AccessInputs(
        area_lat=np.array([a.latitude for a in areas], dtype=np.float64),
        area_lon=np.array([a.longitude for a in areas], dtype=np.float64),
        radius_mi=radius,
        youth=youth,
        site_lat=np.array(site_lat, dtype=np.float64),
        site_lon=np.array(site_lon, dtype=np.float64),
        seats=np.array(site_seats, dtype=np.float64),
        indicators=indicators,
        need_weights=weights,
    )
    rule = reach.DesertRule(
        min_youth=params.desert_min_youth, max_youth_per_seat=params.desert_max_youth_per_seat
    )

    def scaled(percent: int, stage: str) -> None:
        progress(5 + percent * 85 // 100, stage if stage != "done" else "saving")

    found = reach.analyse(inputs, zones=params.decay_zones, rule=rule, on_progress=scaled)

    rank = np.full(n, -1, dtype=np.int64)
    desert_order = [int(i) for i in found.order if found.is_desert[i]]
    for position, index in enumerate(desert_order, start=1):
        rank[index] = position

    # Online programs serving each area's grades (areas grouped by their bands).
    online_count: dict[frozenset[str], int] = {}
    band_filter = {params.grade_band} if params.grade_band else None
    virtual = []
    for area in areas:
        bands = _area_bands(area)
        if band_filter is not None:
            bands = bands & band_filter or frozenset(band_filter)
        if bands not in online_count:
            online_count[bands] = sum(
                1 for o in online if not o.grade_bands or o.grade_bands & bands
            )
        virtual.append(online_count[bands])

    columns: dict[str, list[Any]] = {name: [] for name in AREA_COLUMNS}
    for i, area in enumerate(areas):
        site = int(found.nearest_site[i])
        nearest = in_person[site_offer[site]] if site >= 0 else None
        row = {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "kind": area.kind,
            "locale": area.locale,
            "latitude": area.latitude,
            "longitude": area.longitude,
            "youth": int(youth[i]),
            "need": _finite(found.need[i], 1),
            "access_per_1000": round(float(found.access_per_person[i]) * 1000, 2),
            "seats_within": round(float(found.seats_within[i]), 1),
            "catchment_mi": float(radius[i]),
            "nearest_miles": _finite(found.nearest_miles[i], 2) if site >= 0 else None,
            "nearest_program_name": nearest.name if nearest else "",
            "nearest_program_slug": nearest.slug if nearest else "",
            "virtual_programs": virtual[i],
            "is_desert": bool(found.is_desert[i]),
            "rank": int(rank[i]) if rank[i] > 0 else None,
            "supply_index": _finite(found.supply_index[i], 1),
            "demand_index": _finite(found.demand_index[i], 1),
            "low_income_share": area.low_income_share,
        }
        for name in AREA_COLUMNS:
            columns[name].append(row[name])

    summary = _summary(columns, None)
    summary["by_locale"] = {
        locale: _summary(columns, locale)
        for locale in LOCALES
        if any(value == locale for value in columns["locale"])
    }
    summary.update(
        {
            "in_person_programs": len(in_person),
            "sites": len(site_lat),
            "seats": round(sum(site_seats), 1),
            "programs_with_assumed_seats": assumed,
            "programs_without_location": sum(1 for o in counted if not o.online and not o.points),
            "virtual_programs": len(online),
            "hypothetical_programs": sum(1 for o in counted if o.hypothetical),
            "pairs_in_reach": found.pairs,
        }
    )
    progress(95, "saving")
    return {
        "version": RESULT_VERSION,
        "parameters": params.to_dict(),
        "summary": summary,
        "areas": columns,
    }


def _summary(columns: dict[str, list[Any]], locale: str | None) -> dict[str, Any]:
    rows = [i for i, value in enumerate(columns["locale"]) if locale is None or value == locale]
    youth = [columns["youth"][i] for i in rows]
    deserts = [i for i in rows if columns["is_desert"][i]]
    with_youth = [columns["access_per_1000"][i] for i in rows if columns["youth"][i] > 0]
    total = sum(youth)
    in_reach = sum(columns["youth"][i] for i in rows if columns["seats_within"][i] > 0)
    return {
        "areas": len(rows),
        "youth": total,
        "deserts": len(deserts),
        "youth_in_deserts": sum(columns["youth"][i] for i in deserts),
        "youth_with_program_in_reach": in_reach,
        "share_with_program_in_reach": round(in_reach / total, 4) if total else None,
        "median_seats_per_1000": round(float(np.median(with_youth)), 2) if with_youth else None,
    }
