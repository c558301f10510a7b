"""Public program search: keywords, STEM-profile facets, schedule filters, "near" a place.

One function, `search(ecosystem, query)`, serves the directory page and (later) the API, so
both filter the same way. Keywords use PostgreSQL full-text search (stemmed, ranked) on
PostgreSQL and a word-by-word match with a simple score on SQLite. Distance is exact
(haversine) after a bounding-box prefilter on the indexed coordinates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any, overload

from django.db import connection, connections
from django.db.models import Case, Exists, F, Lookup, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import formats
from django.utils.translation import gettext

from ecotone import program_filters
from ecotone.ecosystems.models import Ecosystem

from . import stem_profile
from .distance import bounding_box, haversine_miles
from .geocoding import zip_centroid
from .models import (
    CostBand,
    Delivery,
    Language,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    TaxonomyTerm,
    Weekday,
)
from .profile_masks import MAX_TERMS, ProfileMasks, facet_filter_and_counts, mask_of

AFTER_SCHOOL_FROM = time(14, 30)
AFTER_SCHOOL_UNTIL = time(19, 0)
MIN_RADIUS_MI = 0.5
MAX_RADIUS_MI = 100.0
DEFAULT_RADIUS_MI = 10.0
SORTS = ("relevance", "distance", "name")
_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class PlaceNotFoundError(ValueError):
    """The "near" text is neither a known US ZIP code nor "latitude,longitude"."""


@dataclass(frozen=True)
class ProgramQuery:
    q: str = ""
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    near: str = ""
    radius_mi: float = DEFAULT_RADIUS_MI
    days: tuple[str, ...] = ()
    after_school: bool = False
    free: bool = False
    transportation: bool = False
    language: str = ""
    delivery: str = ""
    sort: str = "relevance"
    # Filters other apps register (ecotone/program_filters.py): (key, value) pairs.
    extra: tuple[tuple[str, str], ...] = ()


@dataclass
class Hit:
    program: Program
    distance_mi: float | None = None


@dataclass
class SearchResult:
    hits: Hits
    facet_counts: dict[str, dict[str, int]]
    origin: tuple[float, float] | None = None
    online_matches: int = 0  # counted up to ONLINE_COUNT_CAP + 1

    @property
    def online_capped(self) -> bool:
        return self.online_matches > ONLINE_COUNT_CAP

    @property
    def online_cap(self) -> int:
        return ONLINE_COUNT_CAP


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


def full_document() -> Any:
    """What a keyword search matches and ranks on: the program's words and its partner's name.

    PostgreSQL stores it, computed by a trigger, as `search_words` (migration 0011), and
    indexes it; this is the same vector computed from the text."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("name", weight="A", config="english")
        + SearchVector("organization__name", weight="B", config="english")
        + SearchVector("description", weight="C", config="english")
    )


# SQLite's index of the same words (migration 0011): trigrams of the name, the description and
# the partner's name, keyed by the program's id.
WORDS_TABLE = "directory_program_words"
_TRIGRAM = 3  # a word shorter than this is not in the trigram index


def _keyword_filter(programs: QuerySet[Program], q: str, *, few: bool = False) -> QuerySet[Program]:
    """`programs` holding the words of `q`, annotated with their `relevance`. `few` when other
    conditions leave few candidates (near a place): SQLite then tests their text instead of
    listing every match of the words from its index first."""
    words = keywords(q)
    if not words:
        return programs
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        every = SearchQuery(" ".join(words), search_type="plain", config="english")
        # Matched through the stored document's index and ranked on it: building the vector
        # from the text for every match took most of a bare keyword's time.
        return programs.filter(search_words=every).annotate(
            relevance=SearchRank(F("search_words"), every)
        )
    # SQLite: every word (crudely stemmed) must appear somewhere, as a substring (LIKE, which
    # folds the case of A to Z only); the name counts most. Away from a place, a word of three
    # letters or more is found through the trigram index (a substring, as LIKE finds it), and
    # a word of other letters than A to Z is tested with LIKE as well (the index also folds the
    # case of accented letters, which LIKE does not). Near a place the candidates are few:
    # testing each one's text costs less than seeking it in the index.
    indexed = []
    for word in map(_stem, words):
        if few or len(word) < _TRIGRAM or not word.isascii():
            programs = programs.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(organization__name__icontains=word)
            )
        if not few and len(word) >= _TRIGRAM:
            indexed.append(word)
    if indexed:
        # Each word a phrase (its trigrams in a row: the substring); \w+ holds no quote.
        phrases = " AND ".join(f'"{word}"' for word in indexed)
        programs = programs.filter(
            pk__in=RawSQL(  # noqa: S611 - the words are a parameter
                f"SELECT rowid FROM {WORDS_TABLE} WHERE {WORDS_TABLE} MATCH %s",  # noqa: S608
                (phrases,),
            )
        )
    return programs.annotate(relevance=_sqlite_score(words))


def _indexed(word: str) -> bool:
    """Whether SQLite finds `word` (as typed) through its trigram index."""
    return len(_stem(word)) >= _TRIGRAM


def _sqlite_score(words: list[str]) -> Any:
    """SQLite's relevance: 3 for each word in the name, 1 for each in the description."""
    score: Any = Value(0)
    for word in map(_stem, words):
        score = (
            score
            + Case(When(name__icontains=word, then=Value(3)), default=Value(0))
            + Case(When(description__icontains=word, then=Value(1)), default=Value(0))
        )
    return score


_SUFFIXES = ("ing", "ics", "ers", "er", "es", "s")


def _stem(word: str) -> str:
    """A light suffix strip for SQLite, where there is no stemmer: robots, robotics -> robot."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def keywords(q: str) -> list[str]:
    return [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1][:8]


def facet_condition(facets: Mapping[str, Sequence[str]]) -> Q:
    """The programs with any of the chosen terms within each facet, every facet matching: the
    one rule of the STEM profile's filters (the list, the API, the map, and the pathways' steps
    of a kind, `pathways.hooks.step_condition`). Facets without codes choose nothing."""
    condition = Q()
    for facet, codes in facets.items():
        if codes:
            condition &= Q(
                Exists(
                    ProgramAttribute.objects.filter(
                        program=OuterRef("pk"), term__code__in=[f"{facet}/{c}" for c in codes]
                    )
                )
            )
    return condition


def _filtered(
    ecosystem: Ecosystem,
    query: ProgramQuery,
    *,
    skip_facet: str = "",
    facets: bool = True,
    few: bool = False,
) -> QuerySet[Program]:
    """The listed programs `query` matches; without the facet `skip_facet`, or without any
    facet when `facets` is False. `few`: see `_keyword_filter`."""
    programs = Program.objects.filter(ecosystem=ecosystem).listed()
    if connection.vendor == "sqlite" and not few and any(map(_indexed, keywords(query.q))):
        # The words' index names the matches; each is then read by its key. With a plain
        # condition on the ecosystem SQLite seeks each one in the (ecosystem) index first
        # (55 against 41 ms for 45,000 matches); `+ 0` keeps it to the key.
        programs = (
            Program.objects.alias(in_ecosystem=F("ecosystem_id") + 0)
            .filter(in_ecosystem=ecosystem.pk)
            .listed()
        )
    if facets:
        chosen = {facet: codes for facet, codes in query.facets.items() if facet != skip_facet}
        programs = programs.filter(facet_condition(chosen))
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
    for key, value in query.extra:
        if (extra := program_filters.get(key)) is not None:
            programs = extra.narrow(ecosystem, programs, value)
    return _keyword_filter(programs, query.q, few=few) if query.q else programs


def _facet_values() -> dict[int, tuple[str, str]]:
    """{term key: (facet, value)} for the STEM profile's facet terms ("stem_field/robotics" is
    ("stem_field", "robotics"))."""
    return {
        pk: (facet, code.split("/", 1)[1])
        for pk, facet, code in TaxonomyTerm.objects.filter(
            facet__in=stem_profile.FACETS_BY_CODE
        ).values_list("pk", "facet", "code")
        if "/" in code
    }


# {(database alias, ecosystem key): ((profile token, facet terms), masks)}: each ecosystem's
# programs' facet terms as bit masks, in this process, rebuilt when the token changes.
_MASKS: dict[tuple[str, int], tuple[tuple[Any, ...], ProfileMasks]] = {}
_MASKS_HELD = 16  # ecosystems whose masks a process keeps (one is about 2 MB at 150,000)
PROFILE_TOKEN_TABLE = "directory_profile_token"  # noqa: S105 - a table, kept by triggers (0012)


@dataclass(frozen=True)
class _Profiles:
    """An ecosystem's programs' facet terms as masks, and what their bits stand for."""

    masks: ProfileMasks
    # Bit i is the term `terms[i]`: (its key, its facet field, its code).
    terms: tuple[tuple[int, str, str], ...]


def _facet_terms() -> tuple[tuple[int, str, str], ...]:
    """(key, facet, code) of every term a facet filter or count reads: the STEM profile's
    facet terms, and any term whose code names a facet ("stem_field/robotics"), which
    `facet_condition` matches by code whatever its taxonomy."""
    named = Q(facet__in=stem_profile.FACETS_BY_CODE)
    for facet in stem_profile.FACETS:
        named |= Q(code__startswith=f"{facet.code}/")
    return tuple(
        TaxonomyTerm.objects.filter(named).order_by("pk").values_list("pk", "facet", "code")
    )


def _profiles(ecosystem: Ecosystem, alias: str) -> _Profiles | None:
    """The masks of the ecosystem's programs as the database `alias` holds them now, built
    again when its profile token changed since they were built; None when the terms do not
    fit in a mask (the caller counts in the database then)."""
    terms = _facet_terms()
    if len(terms) > MAX_TERMS:
        return None
    database = connections[alias]
    # The token first, then the terms: a change committed in between leaves masks newer than
    # their token, which the next search finds stale and builds again (never the reverse).
    with database.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {PROFILE_TOKEN_TABLE} WHERE ecosystem_id = %s",  # noqa: S608
            [ecosystem.pk],
        )
        row = cursor.fetchone()
    stamp = (None if row is None else int(row[0]), terms)
    key = (alias, ecosystem.pk)
    held = _MASKS.get(key)
    if held is not None and row is not None and held[0] == stamp:
        return _Profiles(held[1], terms)
    bit_of = {pk: bit for bit, (pk, _facet, _code) in enumerate(terms)}
    # Every term of the ecosystem's programs, from the (program, term) index, program by
    # program (SQLite keeps a CROSS JOIN's order); the other terms are dropped here. Asking for
    # the facet terms in SQL made SQLite seek each (program, term) pair: 4 times as long.
    join = "CROSS JOIN" if database.vendor == "sqlite" else "JOIN"
    sql = (
        f"SELECT a.program_id, a.term_id FROM {Program._meta.db_table} p {join} "  # noqa: S608
        f"{ProgramAttribute._meta.db_table} a ON a.program_id = p.id WHERE p.ecosystem_id = %s"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, [ecosystem.pk])
        rows = [(program, bit_of[term]) for program, term in cursor.fetchall() if term in bit_of]
    masks = ProfileMasks.from_pairs(
        [program for program, _bit in rows], [bit for _program, bit in rows], len(terms)
    )
    if row is not None:  # no token yet: the ecosystem's programs never had a term
        if len(_MASKS) >= _MASKS_HELD and key not in _MASKS:
            _MASKS.pop(next(iter(_MASKS)))
        _MASKS[key] = (stamp, masks)
    return _Profiles(masks, terms)


def _facets_by_masks(
    query: ProgramQuery, keys: list[int], profiles: _Profiles
) -> tuple[list[int], dict[str, dict[str, int]]]:
    """The facet part of a search over the programs `keys` that match everything else: (the
    keys, in their order, that pass every chosen facet; the counts `facet_counts` gives)."""
    chosen = {
        facet: mask_of(
            bit
            for bit, (_pk, _field, code) in enumerate(profiles.terms)
            if code in {f"{facet}/{c}" for c in codes}
        )
        for facet, codes in query.facets.items()
        if codes
    }
    # Filtered by code (`facet_condition`), counted by the facet a term is filed under, a
    # chosen facet's terms over the programs passing the other chosen facets (`facet_counts`).
    facet_of_bit = [filed for _pk, filed, _code in profiles.terms]
    passing, by_bit = facet_filter_and_counts(profiles.masks.of(keys), chosen, facet_of_bit)
    counts: dict[str, dict[str, int]] = {f.code: {} for f in stem_profile.FACETS}
    for (_pk, filed, code), n in zip(profiles.terms, by_bit, strict=True):
        if n and filed in counts and "/" in code:
            counts[filed][code.split("/", 1)[1]] = n
    return [key for key, ok in zip(keys, passing.tolist(), strict=True) if ok], counts


def facet_counts(
    ecosystem: Ecosystem, query: ProgramQuery, matches: list[int] | None = None
) -> dict[str, dict[str, int]]:
    """How many programs each facet value would give, with the other filters applied.

    Counts for a facet ignore that facet's own choice, so that people can widen it: the facets
    nobody chose share one grouped count over the matches, and each chosen facet gets its own.
    `matches`, when the caller has them, are the keys of the programs `query` matches.
    """
    chosen = [f.code for f in stem_profile.FACETS if query.facets.get(f.code)]
    unchosen = [f.code for f in stem_profile.FACETS if f.code not in chosen]
    counts: dict[str, dict[str, int]] = {f.code: {} for f in stem_profile.FACETS}
    terms = _facet_values()
    every = (
        _filtered(ecosystem, query)
        if matches is None
        else Program.objects.filter(_KeyIn(F("pk"), matches))
    )
    for facets, programs in [
        (unchosen, every),
        *[([code], _filtered(ecosystem, query, skip_facet=code)) for code in chosen],
    ]:
        wanted = [pk for pk, (facet, _code) in terms.items() if facet in facets]
        for term_id, n in _term_counts(programs, wanted):
            facet, value = terms[term_id]
            counts[facet][value] = n
    return counts


def _term_counts(programs: QuerySet[Program], term_ids: list[int]) -> list[tuple[int, int]]:
    """(term key, number of `programs` holding it) for the terms `term_ids`, in one grouped
    query that starts from the matches and reads each one's terms from the (program, term)
    index. Counting from the terms' side instead read every program's terms in the country
    (half a million rows) to keep those of a few thousand matches."""
    if not term_ids:
        return []
    matches, params = programs.order_by().values(match_id=F("pk")).query.sql_with_params()
    database = connections[programs.db]  # the replica the request reads from, if any
    # SQLite keeps the order of a CROSS JOIN: matches first, then their terms by index.
    join = "CROSS JOIN" if database.vendor == "sqlite" else "JOIN"
    # No condition on the terms in SQL: SQLite would seek each match's (program, term) pair
    # once per wanted term; the few unwanted terms' counts are dropped here instead.
    sql = (
        f"SELECT a.term_id, COUNT(*) FROM ({matches}) m {join} "  # noqa: S608 - keys and SQL only
        f"{ProgramAttribute._meta.db_table} a ON a.program_id = m.match_id GROUP BY a.term_id"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        wanted = set(term_ids)
        return [(int(term_id), int(n)) for term_id, n in cursor.fetchall() if term_id in wanted]


def _facet_in_memory(
    query: ProgramQuery, profiles: dict[int, dict[str, set[str]]]
) -> tuple[set[int], dict[str, dict[str, int]]]:
    """The facet part of a search done on loaded profiles: (programs that pass every chosen
    facet, counts per facet value as `facet_counts` gives them)."""
    chosen = {code: set(values) for code, values in query.facets.items() if values}
    counts: dict[str, dict[str, int]] = {f.code: {} for f in stem_profile.FACETS}
    passing: set[int] = set()
    for pk, profile in profiles.items():
        failed = [code for code, values in chosen.items() if not profile.get(code, set()) & values]
        if not failed:
            passing.add(pk)
        if len(failed) > 1:
            continue
        for facet, values in profile.items():
            # A program counts for a facet's values when it passes every *other* chosen facet.
            if failed and failed[0] != facet:
                continue
            for value in values:
                counts[facet][value] = counts[facet].get(value, 0) + 1
    return passing, counts


def _links_in_box(
    ecosystem: Ecosystem, origin: tuple[float, float], radius: float
) -> QuerySet[ProgramLocation]:
    """Program-location links whose location is in the box around the circle (indexed)."""
    south, west, north, east = bounding_box(*origin, radius)
    return ProgramLocation.objects.filter(
        location__ecosystem=ecosystem,
        location__latitude__range=(south, north),
        location__longitude__range=(west, east),
    )


class _KeyIn(Lookup):
    """`field IN (keys)` with the keys as one parameter: on PostgreSQL `= ANY(array)`, written
    as an array literal (the driver's own conversion of a list takes milliseconds per
    thousand), on SQLite the keys of a JSON array (SQLite allows some 32,000 parameters)."""

    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        keys = [int(key) for key in self.rhs]
        if connection.vendor == "sqlite":
            sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - no values
            return sql, [*params, json.dumps(keys)]
        array = "{" + ",".join(map(str, keys)) + "}"
        return f"{lhs} = ANY(%s::bigint[])", [*params, array]


def _within_radius(
    ecosystem: Ecosystem, origin: tuple[float, float], radius: float
) -> dict[int, float]:
    """{program pk: miles to its nearest location} for programs with a location in the radius."""
    # Which of these programs are listed is decided by the caller's filtered queryset.
    rows = list(
        _links_in_box(ecosystem, origin, radius).values_list(
            "program_id", "location__latitude", "location__longitude"
        )
    )
    nearest: dict[int, float] = {}
    if rows:
        lats = [float(r[1] or 0.0) for r in rows]  # never null: inside the box
        lons = [float(r[2] or 0.0) for r in rows]
        for (pk, _lat, _lon), miles in zip(rows, haversine_miles(*origin, lats, lons), strict=True):
            if miles <= radius and miles < nearest.get(pk, float("inf")):
                nearest[pk] = float(miles)
    return nearest


def matching_programs(ecosystem: Ecosystem, query: ProgramQuery) -> QuerySet[Program]:
    """The listed programs `query` matches before its "near" part, unevaluated.

    For callers that join the matches to other tables without loading them (the map's GeoJSON);
    apply "near" with `resolve_place` and `radius_miles`, as `search` does.
    """
    return _filtered(ecosystem, query)


def narrows(query: ProgramQuery) -> bool:
    """Whether `query` filters anything beyond "listed" (its "near" part aside)."""
    return bool(
        keywords(query.q)
        or any(query.facets.values())
        or query.days
        or query.after_school
        or query.free
        or query.transportation
        or query.language
        or query.delivery
        or query.extra
    )


def radius_miles(query: ProgramQuery) -> float:
    """The radius a "near" search uses: what was asked, within MIN_RADIUS_MI and MAX_RADIUS_MI
    (`parse` refuses any other; a query built in code is held to them here)."""
    return min(max(query.radius_mi, MIN_RADIUS_MI), MAX_RADIUS_MI)


class Hits:
    """The matches, in order, loaded a page at a time.

    A national directory can match tens of thousands of programs; a page shows twenty. Either
    the database orders them (`order` is None) or a list of primary keys does (near searches,
    ordered by distance in Python); only the sliced page is ever turned into objects, fetched
    by key from `details` (the caller may add what it reads to it, as the API does).
    """

    def __init__(
        self,
        programs: QuerySet[Program],
        order: list[int] | None = None,
        distances: dict[int, float] | None = None,
        details: QuerySet[Program] | None = None,
    ) -> None:
        self.programs = programs
        self.order = order
        self.distances = distances or {}
        self.details = details if details is not None else programs.order_by()
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = len(self.order) if self.order is not None else self.programs.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, int):
            found = self[index : index + 1] if index >= 0 else self[index:][:1]
            if not found:
                raise IndexError(index)
            return found[0]
        if self.order is None:
            # The page's keys first, then their rows: ordering tens of thousands of matches
            # with every column and the joined partner was most of a keyword search's page.
            pks = list(self.programs.values_list("pk", flat=True)[index])
        else:
            pks = self.order[index]
        objects = self.details.in_bulk(pks)
        return [Hit(objects[pk], self.distances.get(pk)) for pk in pks if pk in objects]

    def __iter__(self) -> Iterator[Hit]:
        for start in range(0, self.count(), 500):
            yield from self[start : start + 500]


def search(ecosystem: Ecosystem, query: ProgramQuery, *, summary: bool = True) -> SearchResult:
    """Programs matching `query`, sorted as asked. Raises PlaceNotFoundError for a bad "near".

    `summary=False` skips what only the search page shows: the facet counts and, near a place,
    the count of online programs that also match (the API has no use for them).
    """
    ranked = bool(query.q and keywords(query.q))
    origin = resolve_place(query.near) if query.near.strip() else None
    if origin is None:
        programs = _filtered(ecosystem, query)
        alias = programs.db
        sqlite = connections[alias].vendor == "sqlite"
        details = (
            Program.objects.filter(ecosystem=ecosystem)
            .order_by()  # a page is fetched by primary key, then put in the matches' order
            .select_related("organization", "ecosystem")
        )
        matches = None
        counts: dict[str, dict[str, int]] | None = None
        held = _profiles(ecosystem, alias) if ranked and summary else None
        if ranked and sqlite:
            # SQLite lists the matches once, in order, and they are faceted and counted here
            # (on masks when it has them): ordering them in a second query tested the words on
            # every match again, and sorting them here took longer than SQLite's sort.
            source = _filtered(ecosystem, query, facets=False) if held is not None else programs
            if query.sort == "name":
                ordered = source.order_by(Lower("name"), "pk")
            else:
                ordered = source.order_by("-relevance", Lower("name"), "pk")
            order = list(ordered.values_list("pk", flat=True))
            if held is not None:
                order, counts = _facets_by_masks(query, order, held)
            if counts is None:
                counts = facet_counts(ecosystem, query, order) if summary else {}
            return SearchResult(Hits(details, order, {}, details), counts, None, 0)
        if held is not None:
            # The matches but for the facets are listed once; the facets are applied and
            # counted on their masks in memory. Reading tens of thousands of matches' terms
            # from the database was most of a keyword search. PostgreSQL orders a page of
            # them from its indexes (the words' and the facets').
            unfaceted = _filtered(ecosystem, query, facets=False).order_by()
            keys = list(unfaceted.values_list("pk", flat=True))
            matches, counts = _facets_by_masks(query, keys, held)
        if query.sort == "name" or not ranked:
            hits = Hits(programs.order_by(Lower("name"), "pk"), details=details)
        else:
            hits = Hits(programs.order_by("-relevance", Lower("name"), "pk"), details=details)
        if matches is not None:
            hits._count = len(matches)
        if counts is None:
            counts = facet_counts(ecosystem, query) if summary else {}
        return SearchResult(hits, counts, None, 0)

    # Near a place: the radius holds at most a few thousand programs in a city. Load the ones
    # matching everything but the facets with their profiles, then do the facets in memory:
    # the hits and every facet's counts come from the same two queries.
    radius = radius_miles(query)
    nearest = _within_radius(ecosystem, origin, radius)
    # Unordered: an ORDER BY name tempts SQLite into walking the (ecosystem, name) index.
    unfaceted = _filtered(ecosystem, query, facets=False, few=True).order_by()
    if connection.vendor == "postgresql":
        # The programs in the radius, as loaded: PostgreSQL looks each one up by key, where
        # joining the box's links again costs as much as loading them did. One array
        # parameter, not thousands: writing those into the SQL took longer than the lookups.
        candidates = unfaceted.filter(_KeyIn(F("pk"), list(nearest)))
    else:
        # The box's links again as a subquery, not the list of their programs: SQLite starts
        # from the location index either way, and thousands of parameters cost more there.
        candidates = unfaceted.filter(
            pk__in=_links_in_box(ecosystem, origin, radius).values("program_id")
        )
    held = _profiles(ecosystem, candidates.db) if query.facets or summary else None
    rows: dict[int, tuple[Any, ...]] = {}
    if held is not None:
        # The candidates alone; their profiles are the masks in memory.
        for pk, name in candidates.values_list("pk", "name"):
            if pk in nearest:
                rows[pk] = (pk, name)
        kept, counts = _facets_by_masks(query, list(rows), held)
        passing = set(kept)
    else:
        # One row per program and term (LEFT JOIN): the match and its STEM profile in one
        # pass, by the terms' keys (the few facet terms are read apart: no join to them).
        values = _facet_values()
        profiles: dict[int, dict[str, set[str]]] = {}
        for pk, name, term_id in candidates.values_list("pk", "name", "attributes__term_id"):
            if pk not in nearest:
                continue
            rows[pk] = (pk, name)
            profile = profiles.setdefault(pk, {})
            if (value := values.get(term_id)) is not None:
                profile.setdefault(value[0], set()).add(value[1])
        if query.facets or summary:
            passing, counts = _facet_in_memory(query, profiles)
        else:
            passing, counts = set(rows), {}
    if ranked and passing:
        # Ranked apart, for the hits only: ranking is the costly part of a match on PostgreSQL.
        annotated = ["pk", "relevance"]  # an annotation: a list, which the type checker leaves be
        ranks = unfaceted.filter(pk__in=list(passing)).values_list(*annotated)
        for pk, relevance in ranks:
            rows[pk] = (*rows[pk], relevance)

    def sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        pk, name = row[0], row[1].lower()
        if query.sort == "name":
            return name, pk
        if ranked and query.sort != "distance":
            return -float(row[2]), nearest[pk], name, pk
        return nearest[pk], name, pk

    order = [row[0] for row in sorted((rows[pk] for pk in passing), key=sort_key)]
    online = _count_online(ecosystem, query, held) if summary else 0
    details = (
        Program.objects.filter(ecosystem=ecosystem)
        .order_by()  # a page is fetched by primary key, then put in `order`
        .select_related("organization", "ecosystem")
    )
    return SearchResult(Hits(details, order, nearest, details), counts, origin, online)


ONLINE_COUNT_CAP = 100  # the page says "more than 100" past this


def _count_online(ecosystem: Ecosystem, query: ProgramQuery, held: _Profiles | None = None) -> int:
    """How many online programs match `query` wherever they are, counted up to one past
    ONLINE_COUNT_CAP (a national directory can hold thousands: counting them all costs more
    than the rest of a search), from the (ecosystem, delivery) index. `held`: the masks, when
    the caller has them."""
    # SQLite tests the online programs' text for the words (few: it stops at the cap).
    online = _filtered(ecosystem, query, facets=False, few=True)
    profiles = None
    if any(query.facets.values()):
        profiles = held if held is not None else _profiles(ecosystem, online.db)
    if profiles is not None:
        # The online programs that pass the chosen facets, found on their masks in memory;
        # the database then tests the words and the other filters on those few. Reading each
        # chosen facet's programs nationwide from the (term, program) index to intersect them
        # was the largest query of a search near a place.
        virtual = (
            Program.objects.using(online.db)
            .filter(ecosystem=ecosystem, delivery=Delivery.VIRTUAL)
            .order_by()  # by name, the (ecosystem, name) index would be walked instead
        )
        having, _counts = _facets_by_masks(
            query, list(virtual.values_list("pk", flat=True)), profiles
        )
        online = online.filter(_KeyIn(F("pk"), having))
    else:
        if connection.vendor == "postgresql":
            # A plain condition, which PostgreSQL ANDs with the words index in one bitmap.
            online = online.filter(delivery=Delivery.VIRTUAL)
        else:
            # SQLite starts from the subquery's index; a plain condition may send it down
            # another.
            virtual = Program.objects.filter(ecosystem=ecosystem, delivery=Delivery.VIRTUAL)
            online = online.filter(pk__in=virtual.values("pk"))
        # The facets as one set of the programs having every chosen facet, read from the
        # (term, program) index alone (when their masks cannot hold the terms).
        sets = [
            ProgramAttribute.objects.filter(term__code__in=[f"{facet}/{c}" for c in codes])
            .order_by()
            .values("program_id")
            for facet, codes in query.facets.items()
            if codes
        ]
        if sets:
            online = online.filter(pk__in=sets[0].intersection(*sets[1:]))
    # Only the key in the subquery the count wraps round a slice: no vector, no rank computed.
    return online.order_by().values("pk")[: ONLINE_COUNT_CAP + 1].count()


def radius_allowed(miles: float) -> bool:
    """Whether a search may reach `miles` around a place: the one rule for the finder's radius
    (in miles) and the HSDS API's `proximity` (in meters)."""
    return MIN_RADIUS_MI <= miles <= MAX_RADIUS_MI  # NaN fails both


def _radius(raw: Any) -> float | None:
    """The radius asked for, or None when it is not miles from MIN_RADIUS_MI to MAX_RADIUS_MI."""
    try:
        miles = float(raw)
    except (TypeError, ValueError):
        return None
    return miles if radius_allowed(miles) else None


def page_number(params: Any) -> int | None:
    """The page asked for: a whole number from 1 (1 when none is given); None when invalid."""
    raw = str(params.get("page", "")).strip()
    if not raw:
        return 1
    # Past 18 digits no directory has the page, and int() refuses past 4,300 (a 500).
    return int(raw) if raw.isdecimal() and len(raw) <= 18 and int(raw) >= 1 else None


def problems(params: Any) -> dict[str, str]:
    """What a search asks that cannot be done, by parameter, saying what to give instead.

    The one rule for the search page and the API: the page says so and reads such a value as
    its default (as `parse` does: the search runs with the default radius, the first page
    shows), the API answers 400. A radius beyond MAX_RADIUS_MI used to be cut to it silently,
    a negative one shown as asked, and a page below 1 jumped to the last page.
    """
    found: dict[str, str] = {}
    radius = str(params.get("radius", "")).strip()
    if radius and _radius(radius) is None:
        found["radius"] = gettext("Give a distance from %(least)s to %(most)s miles.") % {
            "least": formats.number_format(MIN_RADIUS_MI),
            "most": formats.number_format(int(MAX_RADIUS_MI)),
        }
    if page_number(params) is None:
        found["page"] = gettext("Give a page number: a whole number from 1.")
    return found


def parse(params: Any) -> ProgramQuery:
    """A ProgramQuery from request GET parameters; unknown values are ignored, never errors
    (`problems` says which ones a person should be told about)."""
    radius = str(params.get("radius", "")).strip()
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
        radius_mi=(_radius(radius) if radius else None) or DEFAULT_RADIUS_MI,
        days=tuple(d for d in params.getlist("day") if d in Weekday.values),
        after_school=params.get("after_school") == "1",
        free=params.get("free") == "1",
        transportation=params.get("transportation") == "1",
        language=params.get("language", "")[:10],
        delivery=params.get("delivery", "") if params.get("delivery") in Delivery.values else "",
        sort=params.get("sort") if params.get("sort") in SORTS else "relevance",
        extra=tuple(
            (extra.key, value)
            for extra in program_filters.registered()
            if (value := str(params.get(extra.key, "")).strip()[: program_filters.MAX_VALUE_LENGTH])
        ),
    )
