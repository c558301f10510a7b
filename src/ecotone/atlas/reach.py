"""Spatial access to STEM programs: floating catchments, deserts and a priority list.

Django-free: NumPy arrays in, NumPy arrays out; SciPy's cKDTree is the spatial index.

Problem
-------
n population areas (schools, tracts; each with a position, a number of young people and a
catchment radius that depends on its locale: city 2 mi, suburb 5, town 10, rural 20) and m
program sites (a position and a number of seats). For every area: how much program supply is
within reach once the other areas competing for the same seats are counted; how far the nearest
program is; how many seats lie in its catchment; how needy it is; whether it is a desert; and in
which order a coalition should look at the areas.

Reach
-----
Area i reaches site j when haversine(i, j) <= radius_i: inclusive, as PySAL's
``cost <= max_cost``. Both steps of the floating catchment use these same pairs (a site's
demand is the demand of the areas whose catchment holds it), so with one radius for every area
the results are PySAL's ``Access.two_stage_fca(max_cost=radius)`` and
``enhanced_two_stage_fca(max_cost=radius, weight_fn=weights.step_fn(...))``, to rounding.

``pairs_within`` finds the pairs without looking at all n * m. Every point becomes a unit vector
in 3-D, where a great-circle distance d is the chord 2 sin(d / 2R) (R = 3,958.76 mi, the
directory's constant; the chord is monotone in d, so "within d" is "within the chord").
A cKDTree holds the sites; the areas are taken in chunks, and in a chunk each group of areas
with about the same radius (within 25 %: one group per locale setting) gets its own small tree
and one dual-tree search against the sites' (cKDTree.sparse_distance_matrix), which returns the
candidate pairs with their chords without any Python object per pair. SciPy's CSR conversion
then orders them by area and site (a counting sort of the rows and a sort of each row's few
sites, in C++). Distances come from the chord, 2R asin(c / 2), which agrees with the haversine
formula to about 1e-12; for pairs within 1e-9 of the radius the haversine distance itself is
used, so the kept pairs are exactly those the haversine formula keeps. Chunks are sized to about
four million pairs, which bounds the temporaries (some 80 bytes a pair) while keeping the
number of walks over the site tree small.
Cost: O(m log m) to build, about O((n + P) log m) to search, O(P) to order, for P pairs;
O(P) memory for the result (16 bytes a pair).

Methods
-------
- 2SFCA (Luo & Wang 2003): R_j = S_j / sum_{i reaches j} P_i, then A_i = sum_{j in reach of i}
  R_j: supply per person (PySAL's units; times 1,000 for seats per 1,000 youth).
- E2SFCA (Luo & Qi 2009): the same with a distance-decay weight W_ij in both steps,
  R_j = S_j / sum_i P_i W_ij and A_i = sum_j R_j W_ij. Weights are step zones as fractions of
  the area's catchment, e.g. ((1/3, 1.0), (2/3, 0.68), (1.0, 0.22)) — Luo & Qi's
  Gaussian-derived weights; a pair at distance d gets the weight of the first zone with
  d <= fraction * radius (inclusive upper bounds, as PySAL's ``weights.step_fn``), and 0 beyond
  the last. A site whose catchment demand is zero supplies nobody (PySAL would divide by zero).
  Both steps are two weighted ``np.bincount`` passes over the pairs: O(P + n + m).
- Nearest program: a k=1 query of the site tree with the 3-D vectors (the nearest chord is the
  nearest great circle), then the exact haversine distance: O(n log m).
- Seats within the catchment (or within a given distance, DC Policy Center style): one
  ``np.bincount`` over the pairs: O(P).
- Need index: the weighted mean of an area's known indicators (shares 0-1), the weights of
  unknown (NaN) indicators left out and the rest renormalised, as 0-100: O(n k).
- Desert rule (Center for American Progress's child-care deserts, adapted): an area with at least
  ``min_youth`` young people and either no seat within reach or more than
  ``max_youth_per_seat`` young people per seat of E2SFCA access: O(n).
- Priority order: deserts first, then by need (highest first; unknown last), access (lowest
  first) and youth (most first): one lexsort, O(n log n).
- Supply and demand indices 0-100 by rank (the Dallas afterschool landscape tool's form):
  O(n log n).

``analyse`` runs the whole pipeline; its cost is dominated by ``pairs_within`` and the P-sized
passes that follow, all vectorised (no Python loop over pairs). At national scale (100,000
areas, 150,000 sites, 16 million pairs in the benchmark's layout) it takes a few seconds and
under a gigabyte (benchmarks/atlas.py, docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from ecotone.directory.distance import chord_of_miles, haversine_miles, miles_of_chord, unit_vectors

from .parameters import DEFAULT_DESERT_MAX_YOUTH_PER_SEAT, DEFAULT_DESERT_MIN_YOUTH

__all__ = [
    "DEFAULT_ZONES",
    "AccessInputs",
    "AccessResult",
    "CoordinateError",
    "DesertRule",
    "Reach",
    "analyse",
    "deserts",
    "haversine_miles",
    "nearest_site",
    "need_index",
    "pairs_within",
    "percentile_0_100",
    "priority_order",
    "seats_within",
    "two_step_fca",
    "zone_weights",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

# Luo & Qi (2009): three equal zones of the catchment weighted 1.00, 0.68 and 0.22, values
# they took from a Gaussian decay (and PySAL's enhanced_two_stage_fca default).
DEFAULT_ZONES: tuple[tuple[float, float], ...] = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))

# pairs_within takes areas in chunks: at most AREA_CHUNK, and after the first (_FIRST_CHUNK)
# as many as should give about _PAIRS_PER_CHUNK pairs, which bounds the temporaries (about
# 80 bytes a pair) while keeping the number of walks over the site tree small.
AREA_CHUNK = 65_536
_FIRST_CHUNK = 8192
_PAIRS_PER_CHUNK = 4_000_000
# Radii within this factor of each other share one tree search (then filtered exactly).
_RADIUS_GROUP = 1.25
# Relative widening of the chord so rounding in the 3-D vectors never drops a pair that the
# haversine distance keeps (the haversine test decides).
_CHORD_SLACK = 1e-9


class CoordinateError(ValueError):
    """An area or a site is not a place on Earth (a NaN, infinite or out-of-range latitude or
    longitude); the message names the first one and how many there are."""


def _check_places(kind: str, lat: FloatArray, lon: FloatArray) -> None:
    if lat.shape != lon.shape:
        raise CoordinateError(
            f"{lat.shape[0]} {kind} latitudes but {lon.shape[0]} longitudes were given"
        )
    bad = np.flatnonzero(~((np.abs(lat) <= 90) & (np.abs(lon) <= 180)))  # NaN is never <=
    if bad.shape[0]:
        first = int(bad[0])
        raise CoordinateError(
            f"{bad.shape[0]} {kind}(s) without a valid position, the first {kind} {first} at "
            f"latitude {lat[first]}, longitude {lon[first]} (latitude must be within -90..90 "
            "and longitude within -180..180)"
        )


def _sum_by(index: IntArray, values: FloatArray, length: int) -> FloatArray:
    """values summed by index: a sparse group-by in one pass."""
    result: FloatArray = np.bincount(index, weights=values, minlength=length).astype(
        np.float64, copy=False
    )
    return result


def _as_float(values: npt.ArrayLike) -> FloatArray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).reshape(-1))


@dataclass(frozen=True)
class Reach:
    """The (area, site) pairs within each area's catchment, sorted by area then site."""

    area: IntArray
    site: IntArray
    miles: FloatArray

    def __len__(self) -> int:
        return int(self.area.shape[0])


def _empty_reach() -> Reach:
    return Reach(
        area=np.zeros(0, dtype=np.int32),
        site=np.zeros(0, dtype=np.int32),
        miles=np.zeros(0, dtype=np.float64),
    )


def _radius_groups(radius: FloatArray) -> list[tuple[float, npt.NDArray[np.intp]]]:
    """Indices of areas whose radii lie within `_RADIUS_GROUP` of each other, with the largest.

    Catchments come from a few locale settings, so this is usually one group per locale.
    """
    groups: list[tuple[float, npt.NDArray[np.intp]]] = []
    values = np.unique(radius)
    start = 0
    while start < values.shape[0]:
        stop = int(np.searchsorted(values, values[start] * _RADIUS_GROUP, side="right"))
        stop = max(stop, start + 1)
        low, high = float(values[start]), float(values[stop - 1])
        groups.append((high, np.flatnonzero((radius >= low) & (radius <= high))))
        start = stop
    return groups


def pairs_within(
    area_lat: npt.ArrayLike,
    area_lon: npt.ArrayLike,
    radius_mi: npt.ArrayLike,
    site_lat: npt.ArrayLike,
    site_lon: npt.ArrayLike,
    *,
    area_chunk: int = AREA_CHUNK,
) -> Reach:
    """Every (area i, site j) with haversine(i, j) <= radius_mi[i]; see the module docstring.

    `radius_mi` is one radius or one per area; an area with a negative or NaN radius reaches
    nothing. CoordinateError when an area or a site has no valid position.
    """
    alat, alon, slat, slon = (_as_float(v) for v in (area_lat, area_lon, site_lat, site_lon))
    _check_places("area", alat, alon)
    _check_places("site", slat, slon)
    radius = np.broadcast_to(_as_float(radius_mi), alat.shape)
    if alat.shape[0] == 0 or slat.shape[0] == 0:
        return _empty_reach()
    return _pairs_within(_Points(alat, alon, slat, slon), radius, area_chunk)


@dataclass(frozen=True)
class _Candidates:
    """One chunk's candidate pairs from the tree search, in the search's order."""

    start: int  # the chunk's first area
    radius: FloatArray  # the chunk's radii
    area: npt.NDArray[np.intp]  # area within the chunk
    site: npt.NDArray[np.intp]
    chord: FloatArray


class _Points:
    """Positions of areas and sites, and the sites' tree."""

    def __init__(
        self, alat: FloatArray, alon: FloatArray, slat: FloatArray, slon: FloatArray
    ) -> None:
        self.alat, self.alon, self.slat, self.slon = alat, alon, slat, slon
        self.area_xyz = unit_vectors(alat, alon)
        self.site_tree = cKDTree(unit_vectors(slat, slon))


def _search(points: _Points, start: int, radius: FloatArray) -> _Candidates:
    """Candidate pairs of the areas from `start` with these radii: within the chord (a hair
    wider), by one dual-tree search per group of similar radii (chunk's areas x all sites)."""
    usable = np.flatnonzero(radius >= 0)  # not NaN either
    found_area: list[npt.NDArray[np.intp]] = [np.zeros(0, dtype=np.intp)]
    found_site: list[npt.NDArray[np.intp]] = [np.zeros(0, dtype=np.intp)]
    found_chord: list[FloatArray] = [np.zeros(0)]
    for high, members in _radius_groups(radius[usable]):
        local = usable[members]
        found = cKDTree(points.area_xyz[start + local]).sparse_distance_matrix(
            points.site_tree,
            float(chord_of_miles(high)) * (1 + _CHORD_SLACK) + 1e-15,
            output_type="ndarray",
        )
        found_area.append(local[found["i"]])
        found_site.append(found["j"])
        found_chord.append(found["v"])
    return _Candidates(
        start=start,
        radius=radius,
        area=np.concatenate(found_area),
        site=np.concatenate(found_site),
        chord=np.concatenate(found_chord),
    )


def _order(points: _Points, found: _Candidates) -> Reach:
    """The candidates within each area's radius, by area then site, with their miles."""
    n, m = found.radius.shape[0], points.slat.shape[0]
    # SciPy's CSR conversion buckets rows in O(pairs) and sorts each row's few columns, in C++.
    # The data are pair numbers + 1 (never 0, so never pruned): the permutation of the chords.
    matrix = csr_matrix(
        (np.arange(1, found.chord.shape[0] + 1, dtype=np.int64), (found.area, found.site)),
        shape=(n, m),
    )
    matrix.sort_indices()
    counts = np.diff(matrix.indptr)
    area: IntArray = np.repeat(np.arange(found.start, found.start + n, dtype=np.int32), counts)
    site: IntArray = matrix.indices.astype(np.int32)
    distance = miles_of_chord(found.chord[matrix.data - 1])
    del matrix
    # The chord and haversine formulas agree to about 1e-12; near the boundary the haversine
    # distance decides, so the pairs are exactly those haversine keeps.
    limit = np.repeat(found.radius, counts)
    close = np.flatnonzero(np.abs(distance - limit) <= 1e-9 * (limit + 1.0))
    if close.shape[0]:
        distance[close] = haversine_miles(
            points.alat[area[close]],
            points.alon[area[close]],
            points.slat[site[close]],
            points.slon[site[close]],
        )
    keep = distance <= limit
    if not keep.all():
        area, site, distance = area[keep], site[keep], distance[keep]
    return Reach(area=area, site=site, miles=distance)


def _pairs_within(points: _Points, radius: FloatArray, area_chunk: int) -> Reach:
    n = points.alat.shape[0]
    parts: list[Future[Reach]] = []
    # The search holds the GIL; ordering (SciPy's sparse tools, NumPy) mostly does not, so one
    # thread orders a chunk while the next is searched: about 20 % off an idle 2-core machine.
    with ThreadPoolExecutor(max_workers=1) as ordering:
        start, chunk = 0, min(area_chunk, _FIRST_CHUNK)
        while start < n:
            stop = min(n, start + chunk)
            found = _search(points, start, radius[start:stop])
            # Size the next chunk to about _PAIRS_PER_CHUNK pairs: bigger chunks walk the site
            # tree fewer times, and the temporaries stay bounded.
            per_area = found.area.shape[0] / (stop - start)
            chunk = (
                area_chunk
                if per_area == 0
                else int(min(area_chunk, max(1, _PAIRS_PER_CHUNK // per_area)))
            )
            if found.area.shape[0]:
                if parts:
                    parts[-1].result()  # one chunk waiting at most: memory stays bounded
                parts.append(ordering.submit(_order, points, found))
            del found
            start = stop
        reaches = [part.result() for part in parts]
    if not reaches:
        return _empty_reach()
    return Reach(
        area=np.concatenate([r.area for r in reaches]),
        site=np.concatenate([r.site for r in reaches]),
        miles=np.concatenate([r.miles for r in reaches]),
    )


def nearest_site(
    area_lat: npt.ArrayLike,
    area_lon: npt.ArrayLike,
    site_lat: npt.ArrayLike,
    site_lon: npt.ArrayLike,
) -> tuple[FloatArray, IntArray]:
    """Miles to, and index of, each area's nearest site (inf and -1 when there are no sites).
    CoordinateError when an area or a site has no valid position."""
    alat, alon, slat, slon = (_as_float(v) for v in (area_lat, area_lon, site_lat, site_lon))
    _check_places("area", alat, alon)
    _check_places("site", slat, slon)
    n = alat.shape[0]
    if slat.shape[0] == 0 or n == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int32)
    return _nearest_site(_Points(alat, alon, slat, slon))


def _nearest_site(points: _Points) -> tuple[FloatArray, IntArray]:
    _chords, found = points.site_tree.query(points.area_xyz, k=1, workers=-1)
    index: IntArray = np.asarray(found, dtype=np.int32)
    miles = haversine_miles(points.alat, points.alon, points.slat[index], points.slon[index])
    return miles, index


def zone_weights(
    miles: npt.ArrayLike,
    radius_mi_per_pair: npt.ArrayLike,
    zones: Sequence[tuple[float, float]] = DEFAULT_ZONES,
) -> FloatArray:
    """E2SFCA step weights: the weight of the first zone with miles <= fraction * radius.

    `zones` is ((fraction of the catchment, weight), ...) with ascending fractions; a pair
    beyond the last zone weighs 0. The comparison is ``miles <= fraction * radius`` so that a
    PySAL ``weights.step_fn({fraction * radius: weight, ...})`` gives the same weights.
    """
    distance = _as_float(miles)
    radius = np.broadcast_to(_as_float(radius_mi_per_pair), distance.shape)
    fractions = [fraction for fraction, _weight in zones]
    if any(later <= earlier for earlier, later in itertools.pairwise(fractions)):
        raise ValueError("zone fractions must be strictly ascending")
    if any(weight < 0 for _fraction, weight in zones):
        raise ValueError("zone weights must not be negative")
    # Zone of each pair = how many zone bounds it lies beyond; then one table look-up.
    zone = np.zeros(distance.shape, dtype=np.intp)  # take() wants intp: int8 costs a copy
    for fraction in fractions:
        zone += distance > fraction * radius
    table = np.array([weight for _fraction, weight in zones] + [0.0])
    weights: FloatArray = table.take(zone)
    return weights


def two_step_fca(
    demand: npt.ArrayLike,
    supply: npt.ArrayLike,
    reach: Reach,
    weights: npt.ArrayLike | None = None,
) -> FloatArray:
    """Supply per person within reach of each area (2SFCA; E2SFCA when `weights` are given).

    `demand` has one value per area, `supply` one per site, `weights` one per pair of `reach`.
    Areas with nothing in reach get 0; sites with no demand in reach supply nobody.
    """
    people = _as_float(demand)
    seats = _as_float(supply)
    pair_weight = None if weights is None else _as_float(weights)
    site_demand = _sum_by(
        reach.site,
        people[reach.area] if pair_weight is None else people[reach.area] * pair_weight,
        seats.shape[0],
    )
    ratio = np.zeros_like(seats)
    served = site_demand > 0
    ratio[served] = seats[served] / site_demand[served]
    per_pair = ratio[reach.site]
    if pair_weight is not None:
        per_pair *= pair_weight
    return _sum_by(reach.area, per_pair, people.shape[0])


def seats_within(
    supply: npt.ArrayLike,
    reach: Reach,
    n_areas: int,
    max_miles: float | npt.ArrayLike | None = None,
) -> FloatArray:
    """Seats at the sites in each area's reach, or only those within `max_miles`.

    `max_miles` is one distance or one per area; it only narrows `reach` (a site beyond the
    catchment is never counted).
    """
    seats = _as_float(supply)
    per_pair = seats[reach.site]
    if max_miles is not None:
        limit = np.asarray(max_miles, dtype=np.float64)
        if limit.ndim:
            limit = limit[reach.area]
        per_pair = np.where(reach.miles <= limit, per_pair, 0.0)
    return _sum_by(reach.area, per_pair, n_areas)


def need_index(indicators: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """0-100: the weighted mean of each area's known indicators (shares 0-1, NaN = unknown).

    The weights of an area's unknown indicators are left out and the others renormalised, so
    a missing share neither counts as 0 nor as 1. NaN when nothing weighted is known.
    """
    values = np.asarray(indicators, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, np.newaxis]
    weight = _as_float(weights)
    if weight.shape[0] != values.shape[1]:
        raise ValueError("one weight per indicator column")
    if np.any(weight < 0) or np.any(~np.isfinite(weight)):
        raise ValueError("weights must be finite and not negative")
    known = ~np.isnan(values)
    known_weight = known @ weight
    total = np.where(known, np.clip(values, 0.0, 1.0), 0.0) @ weight
    result = np.full(values.shape[0], np.nan)
    has = known_weight > 0
    result[has] = 100 * total[has] / known_weight[has]
    clipped: FloatArray = np.clip(result, 0.0, 100.0)
    return clipped


def percentile_0_100(values: npt.ArrayLike) -> FloatArray:
    """A 0-100 index by rank (the Dallas landscape tool's): lowest 0, highest 100.

    Ties share their average rank; NaN stays NaN; a single known value is 50.
    """
    data = _as_float(values)
    result = np.full(data.shape, np.nan)
    known = np.flatnonzero(~np.isnan(data))
    count = known.shape[0]
    if count == 1:
        result[known] = 50.0
    elif count > 1:
        order = np.argsort(data[known], kind="stable")
        ordered = data[known][order]
        starts_group = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        group = np.cumsum(starts_group) - 1
        first = np.flatnonzero(starts_group)
        last = np.concatenate((first[1:], [count])) - 1
        ranks = np.empty(count)
        ranks[order] = ((first + last) / 2)[group]  # ties share their average rank
        result[known] = 100 * ranks / (count - 1)
    return result


@dataclass(frozen=True)
class DesertRule:
    """When an area is a desert (adapted from the Center for American Progress's child-care
    deserts: more than 50 young children and no provider, or more than 3 children per slot).

    An area with at least `min_youth` young people is a desert when no seat is within its
    catchment, or when its E2SFCA access means more than `max_youth_per_seat` young people
    compete for each seat within reach (access < 1 / max_youth_per_seat). The defaults are an
    analysis's (ecotone.atlas.parameters, where docs/atlas.md says why one seat per 30).
    """

    min_youth: int = DEFAULT_DESERT_MIN_YOUTH
    max_youth_per_seat: float = DEFAULT_DESERT_MAX_YOUTH_PER_SEAT


def deserts(
    youth: npt.ArrayLike,
    seats_in_reach: npt.ArrayLike,
    access_per_person: npt.ArrayLike,
    rule: DesertRule = DesertRule(),
) -> BoolArray:
    """Which areas are deserts under `rule` (see DesertRule)."""
    people = _as_float(youth)
    seats = _as_float(seats_in_reach)
    access = _as_float(access_per_person)
    enough_youth = people >= rule.min_youth
    no_seats = ~(seats > 0)
    crowded = access * rule.max_youth_per_seat < 1  # youth per seat = 1 / access
    result: BoolArray = enough_youth & (no_seats | crowded)
    return result


def priority_order(
    need: npt.ArrayLike,
    access_per_person: npt.ArrayLike,
    is_desert: npt.ArrayLike,
    youth: npt.ArrayLike,
) -> IntArray:
    """Area indices, first priority first: deserts before the rest, then highest need (unknown
    need last), lowest access, most young people, and index order for full ties."""
    need_values = _as_float(need)
    need_key = np.where(np.isnan(need_values), np.inf, -need_values)
    access = _as_float(access_per_person)
    access_key = np.where(np.isnan(access), np.inf, access)
    desert_key = ~np.asarray(is_desert, dtype=np.bool_).reshape(-1)
    youth_key = -_as_float(youth)
    # lexsort: the last key is the primary one; it is stable, so ties keep index order.
    order: IntArray = np.lexsort((youth_key, access_key, need_key, desert_key)).astype(np.int32)
    return order


@dataclass(frozen=True)
class AccessInputs:
    """Arrays for one analysis: n areas and m in-person sites.

    `indicators` is n x k need indicators (shares 0-1, NaN unknown) weighted by `need_weights`.
    """

    area_lat: FloatArray
    area_lon: FloatArray
    radius_mi: FloatArray
    youth: FloatArray
    site_lat: FloatArray
    site_lon: FloatArray
    seats: FloatArray
    indicators: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    need_weights: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_areas(self) -> int:
        return int(np.asarray(self.area_lat).shape[0])

    @property
    def n_sites(self) -> int:
        return int(np.asarray(self.site_lat).shape[0])


@dataclass(frozen=True)
class AccessResult:
    """Per-area results of `analyse` (arrays of length n) and the number of pairs in reach."""

    access_per_person: FloatArray  # E2SFCA seats per young person
    seats_within: FloatArray
    nearest_miles: FloatArray
    nearest_site: IntArray
    need: FloatArray
    is_desert: BoolArray
    order: IntArray  # priority order: area indices, first priority first
    supply_index: FloatArray  # 0-100 by rank of access
    demand_index: FloatArray  # 0-100 by rank of youth
    pairs: int


ProgressCallback = Callable[[int, str], None]


def analyse(
    inputs: AccessInputs,
    *,
    zones: Sequence[tuple[float, float]] = DEFAULT_ZONES,
    rule: DesertRule = DesertRule(),
    seats_max_miles: float | FloatArray | None = None,
    on_progress: ProgressCallback | None = None,
) -> AccessResult:
    """The whole pipeline: reach, E2SFCA, nearest site, seats within, need, deserts, ranking.

    `on_progress(percent, stage)` is called as each stage starts, with percent 0-100.
    `seats_max_miles` narrows the seats reported in `seats_within` (None: the area's whole
    catchment); the desert rule always reads the seats in the whole catchment, as it says, so a
    narrower count never makes an area with seats in reach a desert. CoordinateError when an
    area or a site has no valid position.
    """

    def progress(percent: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(percent, stage)

    n = inputs.n_areas
    alat, alon, slat, slon = (
        _as_float(v) for v in (inputs.area_lat, inputs.area_lon, inputs.site_lat, inputs.site_lon)
    )
    _check_places("area", alat, alon)
    _check_places("site", slat, slon)
    youth = _as_float(inputs.youth)
    radius = np.ascontiguousarray(np.broadcast_to(_as_float(inputs.radius_mi), (n,)))
    progress(0, "reach")
    # One site tree serves the reach and the nearest-site search.
    points = _Points(alat, alon, slat, slon) if n and slat.shape[0] else None
    reach = _empty_reach() if points is None else _pairs_within(points, radius, AREA_CHUNK)
    progress(45, "access")
    weights = zone_weights(reach.miles, radius[reach.area], zones)
    access = two_step_fca(youth, inputs.seats, reach, weights)
    del weights
    progress(70, "nearest")
    if points is None:
        nearest_miles, nearest = np.full(n, np.inf), np.full(n, -1, dtype=np.int32)
    else:
        nearest_miles, nearest = _nearest_site(points)
    progress(85, "seats")
    in_catchment = seats_within(inputs.seats, reach, n)
    seats = (
        in_catchment
        if seats_max_miles is None
        else seats_within(inputs.seats, reach, n, seats_max_miles)
    )
    pairs = len(reach)
    del reach
    progress(90, "need")
    indicators = np.asarray(inputs.indicators, dtype=np.float64)
    if indicators.size and indicators.shape[0] == n:
        need = need_index(indicators, inputs.need_weights)
    else:
        need = np.full(n, np.nan)
    progress(95, "ranking")
    is_desert = deserts(youth, in_catchment, access, rule)
    order = priority_order(need, access, is_desert, youth)
    result = AccessResult(
        access_per_person=access,
        seats_within=seats,
        nearest_miles=nearest_miles,
        nearest_site=nearest,
        need=need,
        is_desert=is_desert,
        order=order,
        supply_index=percentile_0_100(access),
        demand_index=percentile_0_100(youth),
        pairs=pairs,
    )
    progress(100, "done")
    return result
