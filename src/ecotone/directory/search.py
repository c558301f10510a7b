"""Public program search: keywords, STEM-profile facets, schedule filters, "near" a place.

One function, `search(ecosystem, query)`, serves the directory page and (later) the API, so
both filter the same way. Keywords use PostgreSQL full-text search (stemmed, ranked) on
PostgreSQL and a word-by-word match with a simple score on SQLite. Distance is exact
(haversine) after a bounding-box prefilter on the indexed coordinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from ecotone.ecosystems.models import Ecosystem

from . import stem_profile
from .distance import bounding_box, haversine_miles
from .geocoding import zip_centroid
from .models import (
    CostBand,
    Delivery,
    Language,
    Location,
    Program,
    ProgramAttribute,
    Schedule,
    Weekday,
)

AFTER_SCHOOL_FROM = time(14, 30)
AFTER_SCHOOL_UNTIL = time(19, 0)
MAX_RADIUS_MI = 100.0
SORTS = ("relevance", "distance", "name")
_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class PlaceNotFoundError(ValueError):
    """The "near" text is neither a known US ZIP code nor "latitude,longitude"."""


@dataclass(frozen=True)
class ProgramQuery:
    q: str = ""
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    near: str = ""
    radius_mi: float = 10.0
    days: tuple[str, ...] = ()
    after_school: bool = False
    free: bool = False
    transportation: bool = False
    language: str = ""
    delivery: str = ""
    sort: str = "relevance"


@dataclass
class Hit:
    program: Program
    distance_mi: float | None = None


@dataclass
class SearchResult:
    hits: list[Hit]
    facet_counts: dict[str, dict[str, int]]
    origin: tuple[float, float] | None = None
    online_matches: int = 0


def resolve_place(text: str) -> tuple[float, float]:
    """A ZIP code or "lat,lon" as coordinates; PlaceNotFoundError otherwise."""
    match = _COORDS.match(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
        raise PlaceNotFoundError(text)
    centroid = zip_centroid(text)
    if centroid is None:
        raise PlaceNotFoundError(text)
    return centroid.latitude, centroid.longitude


def _keyword_filter(programs: QuerySet[Program], q: str) -> QuerySet[Program]:
    words = [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1][:8]
    if not words:
        return programs
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("name", weight="A", config="english")
            + SearchVector("organization__name", weight="B", config="english")
            + SearchVector("description", weight="C", config="english")
        )
        query = SearchQuery(" ".join(words), search_type="plain", config="english")
        return programs.annotate(rank=SearchRank(vector, query)).filter(rank__gt=0)
    # SQLite: every word (crudely stemmed) must appear somewhere; the name counts most.
    for word in map(_stem, words):
        programs = programs.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(organization__name__icontains=word)
        )
    return programs


_SUFFIXES = ("ing", "ics", "ers", "er", "es", "s")


def _stem(word: str) -> str:
    """A light suffix strip for SQLite, where there is no stemmer: robots, robotics -> robot."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _relevance(program: Program, words: list[str]) -> float:
    if hasattr(program, "rank"):
        return float(program.rank)
    name, description = program.name.lower(), program.description.lower()
    stems = [_stem(w) for w in words]
    return sum(3.0 * (w in name) + 1.0 * (w in description) for w in stems)


def _filtered(
    ecosystem: Ecosystem, query: ProgramQuery, *, skip_facet: str = ""
) -> QuerySet[Program]:
    programs = Program.objects.filter(ecosystem=ecosystem).listed()
    for facet, codes in query.facets.items():
        if facet == skip_facet or not codes:
            continue
        # Any of the chosen terms within a facet; every facet must match.
        programs = programs.filter(
            Exists(
                ProgramAttribute.objects.filter(
                    program=OuterRef("pk"), term__code__in=[f"{facet}/{c}" for c in codes]
                )
            )
        )
    if query.free:
        programs = programs.filter(cost_band=CostBand.FREE)
    if query.transportation:
        programs = programs.filter(transportation_provided=True)
    if query.delivery in Delivery.values:
        programs = programs.filter(delivery=query.delivery)
    if query.language:
        programs = programs.filter(
            Exists(Language.objects.filter(program=OuterRef("pk"), code=query.language))
        )
    if query.days or query.after_school:
        schedules = Schedule.objects.filter(program=OuterRef("pk"))
        if query.days:
            day_match = Q()
            for day in query.days:
                if day in Weekday.values:
                    day_match |= Q(byday__contains=day)
            schedules = schedules.filter(day_match)
        if query.after_school:
            schedules = schedules.filter(
                opens_at__gte=AFTER_SCHOOL_FROM, opens_at__lt=AFTER_SCHOOL_UNTIL
            ).exclude(byday__in=["SA", "SU", "SA,SU"])
        programs = programs.filter(Exists(schedules))
    return _keyword_filter(programs, query.q) if query.q else programs


def facet_counts(
    ecosystem: Ecosystem, query: ProgramQuery, within: set[int] | None = None
) -> dict[str, dict[str, int]]:
    """How many programs each facet value would give, with the other filters applied.

    `within`, when searching near a place, is the set of programs inside the radius.
    """
    counts: dict[str, dict[str, int]] = {}
    for facet in stem_profile.FACETS:
        programs = _filtered(ecosystem, query, skip_facet=facet.code)
        if within is not None:
            programs = programs.filter(pk__in=within)
        rows = (
            ProgramAttribute.objects.filter(
                program__in=programs.values("pk"), term__facet=facet.code
            )
            .values_list("term__code")
            .annotate(n=Count("program", distinct=True))
        )
        counts[facet.code] = {code.split("/", 1)[1]: n for code, n in rows if "/" in code}
    return counts


def _within_radius(
    ecosystem: Ecosystem, origin: tuple[float, float], radius: float
) -> dict[int, float]:
    """{program pk: miles to its nearest location} for listed programs inside the radius."""
    south, west, north, east = bounding_box(*origin, radius)
    rows = list(
        Location.objects.filter(
            ecosystem=ecosystem,
            latitude__range=(south, north),
            longitude__range=(west, east),
            program_locations__program__in=Program.objects.filter(ecosystem=ecosystem)
            .listed()
            .values("pk"),
        ).values_list("program_locations__program", "latitude", "longitude")
    )
    nearest: dict[int, float] = {}
    if rows:
        lats = [float(r[1] or 0.0) for r in rows]  # never null: inside the box
        lons = [float(r[2] or 0.0) for r in rows]
        for (pk, _lat, _lon), miles in zip(rows, haversine_miles(*origin, lats, lons), strict=True):
            if miles <= radius and miles < nearest.get(pk, float("inf")):
                nearest[pk] = float(miles)
    return nearest


def search(ecosystem: Ecosystem, query: ProgramQuery) -> SearchResult:
    """Programs matching `query`, sorted as asked. Raises PlaceNotFoundError for a bad "near"."""
    programs = _filtered(ecosystem, query).select_related("organization", "ecosystem")
    words = [w for w in re.findall(r"\w+", query.q.lower()) if len(w) > 1]
    origin = resolve_place(query.near) if query.near.strip() else None
    hits: list[Hit]
    online = 0
    nearest: dict[int, float] | None = None
    if origin is None:
        hits = [Hit(p) for p in programs]
    else:
        radius = min(max(query.radius_mi, 0.5), MAX_RADIUS_MI)
        nearest = _within_radius(ecosystem, origin, radius)
        hits = [Hit(p, nearest[p.pk]) for p in programs.filter(pk__in=nearest)]
        online = programs.filter(delivery=Delivery.VIRTUAL).count()

    def by_name(hit: Hit) -> tuple[str, int]:
        return hit.program.name.lower(), hit.program.pk

    def by_distance(hit: Hit) -> tuple[float, str, int]:
        return (hit.distance_mi or 0.0, *by_name(hit))

    if query.sort == "name":
        hits.sort(key=by_name)
    elif query.sort == "distance" and origin is not None:
        hits.sort(key=by_distance)
    elif words:  # relevance, ties by distance then name
        hits.sort(key=lambda h: (-_relevance(h.program, words), *by_distance(h)))
    else:
        hits.sort(key=by_distance if origin is not None else by_name)
    within = set(nearest) if nearest is not None else None
    return SearchResult(hits, facet_counts(ecosystem, query, within), origin, online)


def parse(params: Any) -> ProgramQuery:
    """A ProgramQuery from request GET parameters; unknown values are ignored, never errors."""

    def floats(name: str, default: float) -> float:
        try:
            return float(params.get(name, default))
        except (TypeError, ValueError):
            return default

    facets = {}
    for facet in stem_profile.FACETS:
        valid = {code for code, _label in facet.terms}
        chosen = tuple(c for c in params.getlist(facet.code) if c in valid)
        if chosen:
            facets[facet.code] = chosen
    return ProgramQuery(
        q=params.get("q", "")[:200],
        facets=facets,
        near=params.get("near", "")[:60],
        radius_mi=floats("radius", 10.0),
        days=tuple(d for d in params.getlist("day") if d in Weekday.values),
        after_school=params.get("after_school") == "1",
        free=params.get("free") == "1",
        transportation=params.get("transportation") == "1",
        language=params.get("language", "")[:10],
        delivery=params.get("delivery", "") if params.get("delivery") in Delivery.values else "",
        sort=params.get("sort") if params.get("sort") in SORTS else "relevance",
    )
