"""The directory map's data: GeoJSON of where the programs of a search take place.

The map shows the programs the list shows (`search.matching_programs` and the same "near" rule,
an unknown place being ignored as the list ignores it), as one Point per physical location of
each in-person or hybrid program. A viewport holding more than MAX_POINTS of them is clustered
into a grid (clustering.py), so that even a national view stays a couple of thousand features.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse

from ecotone import program_filters
from ecotone.ecosystems.models import Ecosystem, Organization

from . import search
from .clustering import BoundingBox, cell_size, grid_clusters
from .distance import bounding_box, haversine_miles
from .models import (
    CoordinatesSource,
    Delivery,
    Location,
    LocationType,
    Program,
    ProgramLocation,
    ProgramStatus,
)

MAX_POINTS = 2_000
# Part of every ETag: change it when the output changes shape, so that no cache serves the old.
FORMAT = "1"
ON_SITE = (Delivery.IN_PERSON, Delivery.HYBRID)


def _inside(box: BoundingBox) -> Q:
    inside = Q(location__latitude__range=(box.south, box.north))
    if box.is_whole_width:
        return inside
    if box.crosses_antimeridian:
        return inside & (
            Q(location__longitude__gte=box.west) | Q(location__longitude__lte=box.east)
        )
    return inside & Q(location__longitude__range=(box.west, box.east))


def _origin(query: search.ProgramQuery) -> tuple[tuple[float, float] | None, bool]:
    """Where "near" points, and whether it was understood (the list ignores it when not)."""
    if not query.near.strip():
        return None, True
    try:
        return search.resolve_place(query.near), True
    except search.PlaceNotFoundError:
        return None, False


def feature_collection(
    ecosystem: Ecosystem, query: search.ProgramQuery, box: BoundingBox | None = None
) -> dict[str, Any]:
    """The FeatureCollection for a search, limited to `box` when given; two database queries
    (the points, then the names of those not in a cluster).

    Besides the features it says whether they were `clustered`, how many points there are in
    all (`total`), and whether the "near" place was unknown (`place_not_found`).
    """
    origin, place_found = _origin(query)
    links = ProgramLocation.objects.filter(
        program__archived_at__isnull=True,
        program__delivery__in=ON_SITE,
        location__ecosystem=ecosystem,
        location__location_type=LocationType.PHYSICAL,
        location__latitude__isnull=False,
        location__longitude__isnull=False,
    ).exclude(program__status=ProgramStatus.DEFUNCT)  # listed: as Program.objects.listed()
    if search.narrows(query):
        matches = search.matching_programs(ecosystem, query)
        # Per row, not `program__in`: SQLite would probe a list of every match for each point.
        links = links.filter(Exists(matches.filter(pk=OuterRef("program"))))
    if box is not None:
        links = links.filter(_inside(box))
    radius = search.radius_miles(query)
    if origin is not None:
        south, west, north, east = bounding_box(*origin, radius)
        links = links.filter(
            location__latitude__range=(south, north), location__longitude__range=(west, east)
        )
    # Only what placing and clustering need; names are fetched for the points sent one by one.
    # The program's ecosystem is checked here, not in SQL: a condition on it would tempt SQLite
    # to start from the program table's (ecosystem, delivery) index, once per point.
    rows = [
        row[1:]
        for row in links.order_by().values_list(
            "program__ecosystem_id",
            "program_id",
            "location__latitude",
            "location__longitude",
            "location__coordinates_source",
        )
        if row[0] == ecosystem.pk
    ]
    lats = np.array([row[1] for row in rows], dtype=np.float64)
    lons = np.array([row[2] for row in rows], dtype=np.float64)
    miles: list[float | None] = [None] * len(rows)
    if origin is not None and rows:
        distances = haversine_miles(*origin, lats, lons)
        keep = distances <= radius
        rows = [row for row, kept in zip(rows, keep, strict=True) if kept]
        lats, lons = lats[keep], lons[keep]
        miles = [round(float(d), 1) for d in distances[keep]]

    programs_url = reverse("directory:programs", kwargs={"ecosystem_slug": ecosystem.slug})

    clustered = len(rows) > MAX_POINTS
    cells = []
    if clustered:
        extent = box or BoundingBox(
            float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())
        )
        cells = grid_clusters(lats, lons, cell_size(extent))
        singles = [cell.member for cell in cells if cell.count == 1]
    else:
        singles = list(range(len(rows)))
    details = {
        pk: (name, slug, organization)
        for pk, name, slug, organization in Program.objects.order_by()
        .filter(pk__in={rows[i][0] for i in singles})
        .values_list("pk", "name", "slug", "organization__name")
    }

    def point(i: int) -> dict[str, Any]:
        pk, _lat, _lon, source = rows[i]
        name, slug, organization = details[pk]
        properties: dict[str, Any] = {
            "name": name,
            "url": f"{programs_url}{slug}/",
            "organization": organization,
            "approximate": source == CoordinatesSource.ZIP_CENTROID,
        }
        if miles[i] is not None:
            properties["distance_mi"] = miles[i]
        return _feature(float(lats[i]), float(lons[i]), properties)

    if clustered:
        features = [
            point(cell.member)
            if cell.count == 1
            else _feature(cell.latitude, cell.longitude, {"cluster": True, "count": cell.count})
            for cell in cells
        ]
    else:
        features = [point(i) for i in range(len(rows))]
    return {
        "type": "FeatureCollection",
        "features": features,
        "clustered": clustered,
        "total": len(rows),
        "place_not_found": not place_found,
    }


def _feature(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }


def etag(ecosystem: Ecosystem, query: search.ProgramQuery, box: BoundingBox | None) -> str:
    """Changes whenever the collection for this search may have: a hash of the search and of
    the latest change (and the number) of the ecosystem's programs, locations and partners.

    Terms, schedules and languages carry no time stamp: code that changes only those must save
    the program as well, or a client holding the old ETag keeps the old map.
    """
    versions = [
        records.aggregate(latest=Max("updated_at"), n=Count("pk"))
        for records in (
            Program.objects.filter(ecosystem=ecosystem),
            Location.objects.filter(ecosystem=ecosystem),
            Organization.objects.filter(ecosystem=ecosystem),
        )
    ]
    # A registered filter's records (a pathway's steps) change what it keeps.
    for key, _value in query.extra:
        if (extra := program_filters.get(key)) is not None:
            versions.append({key: extra.version(ecosystem)})
    unsorted = dataclasses.replace(query, sort="relevance")  # the order makes no difference
    key = repr((FORMAT, ecosystem.pk, ecosystem.slug, unsorted, box, versions))
    return hashlib.sha256(key.encode()).hexdigest()[:32]
