"""The mentor matching engine: who could mentor where, how good each pair is, and the best set.
Django-free: plain dataclasses in, NumPy arrays and OR-Tools inside, integer codes out.

Problem. Mentors (each with a capacity: how many matches they take) and opportunities (each
needing a number of mentors). A pair is a *candidate* only if every hard constraint holds:

- screening: every step the opportunity requires is in the mentor's current steps (the caller
  sets an opportunity's requirement from its kind: in person or one-to-one with minors needs a
  background check and training; a virtual career talk with a teacher present may need less);
- mode: the opportunity's mode ("in_person", "virtual", "either") is one the mentor offers; an
  in-person pair needs both locations and a haversine distance within the mentor's radius. For
  an "either" opportunity, a mentor who can come in person and lives within radius is an
  in-person pair, otherwise (if the mentor works virtually) a virtual pair;
- schedule: the opportunity has no fixed schedule, or the two share at least one whole
  quarter-hour of the week (slots aligned on :00, :15, :30, :45, which is how availability is
  entered). Quarter-hour slots make the rule exact on bitmasks; a window that is not
  quarter-hour aligned counts only for the whole slots it covers;
- grade bands: at least one in common (an opportunity without grade bands takes any mentor);
- language: when the opportunity requires one, the mentor speaks it.

Capacities on both sides are the last hard constraint and belong to the assignment.

Score (integers, so min-cost flow is exact), one component per reason, summed per pair; the
weights are `ScoreWeights`:
base (any safe match beats none) + topics (share of the opportunity's topics the mentor
offers) + distance (in person: full points at 0 mi, none at the mentor's radius; virtual: 0)
+ language (the mentor speaks one of the students' languages) + identity (only when both sides
opted in: the mentor shared identity tags and the program said it welcomes mentors who share
its students' identities, and the two intersect) + interest (the mentor marked this
opportunity) + equity (the opportunity's priority 0-1 from the atlas). Each component is
rounded on its own, so `Edges.explain(k)` sums exactly to `Edges.score[k]`.

Methods.
- `candidate_edges`: never all mentor x opportunity pairs. Each person's fields are read once;
  a set becomes a small integer code per distinct set (most people share a few screening,
  grade and language sets), and the tests that need only those codes (screening, required
  language and grade bands together; a shared language; a shared identity) are one lookup
  in a table over the distinct codes (bitmask tests per pair when the table would be large).
  Schedules become, per weekday, the 96 quarter-hours as two 64-bit words.
  In person: the opportunities are sorted by latitude band (a third of the typical radius),
  then longitude; each mentor's spherical cap has a bounding box (latitude +- radius,
  longitude +- asin(sin radius / cos latitude); the whole band at a pole or across the
  antimeridian), so in each band it spans its candidates are one contiguous run, found by
  two binary searches. The runs are expanded into pairs by NumPy in chunks of 512k; the
  profile table, then the schedule words (the opportunity's day against the mentor's slots
  that day), then the exact haversine within the mentor's radius decide. Mentors whose
  profile admits no in-person opportunity are left out first.
  Virtual pairs from a sparse product mentors x week-slots times slots x opportunities (only
  pairs sharing a slot are ever formed), plus every virtual mentor for each virtual
  opportunity without a fixed schedule, then the profile table. One stable sort by (mentor,
  opportunity) merges both, an "either" pair found both ways staying in person; the
  mentors' marked opportunities are found by binary search in the sorted pairs, and points
  that depend on few values (topics per shared and asked count, equity per opportunity) are
  computed once per value. Time O(M + O + Q log O + P_box + E log E), memory O(E + M),
  where Q is the mentors' bands (a few per mentor), P_box the pairs in their bounding boxes
  (about 1.2 times the pairs within radius) and E the candidates. Caution: a virtual
  opportunity without a schedule is a candidate for every virtual mentor who passes the
  other tests.
- `solve`, `greedy`: the assignment, by the Django-free core `ecotone.assignment` (min-cost
  flow by OR-Tools in mode "score" or "participation", locked and excluded pairs; the greedy
  baseline), with mentors as its left side and opportunities as its right. Lock the reviewed
  pairs and re-solve the rest; when a mentor drops out, lock the other accepted pairs, give
  the mentor capacity 0 (or exclude the pair) and re-solve.
- `solve_round`: what a matching round asks of the engine: candidate pairs, pairs without a
  shared topic left out, the reviewer's locks kept where they still hold, the assignment in
  score, participation or stable mode, and the greedy baseline on the same terms.

Every function's output satisfies the hard constraints: only candidate edges are ever
assigned, and a locked pair must be one of them.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, pairwise
from operator import itemgetter
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ecotone import assignment
from ecotone.assignment import Assignment, Candidates
from ecotone.directory.distance import EARTH_RADIUS_MI, MILES_PER_DEGREE_LAT, haversine_miles

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.integer[Any]]  # int32 codes and pair indices, or int64
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
MaskArray = npt.NDArray[np.uint64]

IN_PERSON = "in_person"
VIRTUAL = "virtual"
EITHER = "either"
SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
WEEK_SLOTS = 7 * SLOTS_PER_DAY
_CHUNK = 1 << 19  # pairs formed at once by the in-person sweep: its temporaries stay in cache
_BANDS_PER_RADIUS = 3  # latitude bands per typical radius: fewer searches vs. fewer stray pairs
_TABLE_CELLS = 1 << 20  # largest lookup table of a pair test (distinct codes x distinct codes)
COMPONENTS = ("base", "topics", "distance", "language", "identity", "interest", "equity")

Window = tuple[int, int, int]  # (weekday 0-6, start minute, end minute) within that day


@dataclass(frozen=True)
class Mentor:
    """One mentor as the engine sees them; sets hold codes, not display text."""

    id: str
    capacity: int = 1
    lat: float | None = None
    lon: float | None = None
    travel_radius_mi: float = 0.0
    modes: frozenset[str] = frozenset({VIRTUAL})
    grade_bands: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    availability: tuple[Window, ...] = ()
    screening: frozenset[str] = frozenset()  # steps current today
    identity_tags: frozenset[str] = frozenset()  # empty unless the mentor opted in
    interests: frozenset[str] = frozenset()  # ids of opportunities the mentor marked


@dataclass(frozen=True)
class Opportunity:
    """One opportunity (a program's need for mentors)."""

    id: str
    capacity: int = 1
    mode: str = EITHER
    lat: float | None = None
    lon: float | None = None
    grade_bands: frozenset[str] = frozenset()
    language_required: str = ""
    languages: frozenset[str] = frozenset()  # the students' languages: points, not a rule
    topics: frozenset[str] = frozenset()
    schedule: tuple[Window, ...] = ()  # empty: no fixed schedule
    required_screening: frozenset[str] = frozenset()
    welcomes_identities: frozenset[str] = frozenset()  # empty unless the program opted in
    equity_priority: float = 0.0
    one_to_one_with_minors: bool = False


@dataclass(frozen=True)
class ScoreWeights:
    """Points per component. Defaults: a match is worth something on its own (base 10); fit
    of topics counts most (40 when the mentor offers all of them); the opportunity's equity
    priority next (25 at priority 1), so high-need programs are filled first among similar
    pairs; closeness 20; the mentor's own interest 15; a shared language and a shared
    identity (both opted in) 10 each."""

    base: int = 10
    topics: int = 40
    distance: int = 20
    language: int = 10
    identity: int = 10
    interest: int = 15
    equity: int = 25


@dataclass(frozen=True)
class Edges:
    """Candidate pairs as parallel arrays, sorted by (mentor, opportunity). `components`
    holds one integer array per reason (COMPONENTS); their sum is `score`."""

    mentor: IntArray
    opportunity: IntArray
    score: IntArray
    in_person: BoolArray
    distance_mi: FloatArray  # NaN for virtual pairs
    components: Mapping[str, IntArray]
    n_mentors: int
    n_opportunities: int

    def __len__(self) -> int:
        return int(self.mentor.shape[0])

    def explain(self, k: int) -> dict[str, int]:
        """Why pair k scores what it does: component -> points, summing to `score[k]`."""
        return {name: int(self.components[name][k]) for name in COMPONENTS}

    @cached_property
    def candidates(self) -> Candidates:
        """The pairs as the assignment core sees them: mentors left, opportunities right
        (one object, so its search keys are built once)."""
        return Candidates(
            self.mentor, self.opportunity, self.score, self.n_mentors, self.n_opportunities
        )

    def find(self, mentor: int, opportunity: int) -> int:
        """Index of the pair (mentor, opportunity), or -1 when it is not a candidate."""
        return self.candidates.find(mentor, opportunity)


# --- candidate generation -------------------------------------------------------------------


def _vocabulary(*families: Iterable[Iterable[str]]) -> dict[str, int]:
    vocab: dict[str, int] = {}
    for family in families:
        for items in family:
            for item in items:
                vocab.setdefault(item, len(vocab))
    return vocab


def _masks(sets: Sequence[Iterable[str]], vocab: Mapping[str, int]) -> MaskArray:
    """Bitmask words (n, ceil(len(vocab)/64)) of each set over the vocabulary."""
    words = max(1, -(-len(vocab) // 64))
    out = np.zeros((len(sets), words), dtype=np.uint64)
    rows: list[int] = []
    bits: list[int] = []
    for i, items in enumerate(sets):
        for item in items:
            if item in vocab:
                rows.append(i)
                bits.append(vocab[item])
    if rows:
        r = np.asarray(rows, dtype=np.int64)
        b = np.asarray(bits, dtype=np.int64)
        np.bitwise_or.at(out, (r, b // 64), np.left_shift(np.uint64(1), (b % 64).astype(np.uint64)))
    return out


def _set_masks(
    sets: Sequence[Collection[str]], flat: list[str], vocab: Mapping[str, int]
) -> MaskArray:
    """`_masks` for many distinct sets: `flat` is their items in order, all in `vocab`."""
    counts = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    bits = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    out = np.zeros((len(sets), max(1, -(-len(vocab) // 64))), dtype=np.uint64)
    rows = np.repeat(np.arange(len(sets), dtype=np.int64), counts)
    np.bitwise_or.at(
        out, (rows, bits // 64), np.left_shift(np.uint64(1), (bits % 64).astype(np.uint64))
    )
    return out


def _intersects(a: MaskArray, b: MaskArray) -> BoolArray:
    if a.ndim == 1:
        flat: BoolArray = (a & b) != 0
        return flat
    result: BoolArray = np.any((a & b) != 0, axis=1)
    return result


def window_slots(windows: Iterable[Window]) -> list[int]:
    """Week slots (0..671) wholly covered by the windows."""
    slots: set[int] = set()
    for day, start, end in windows:
        first = -(-max(0, start) // SLOT_MINUTES)
        last = min(end, 24 * 60) // SLOT_MINUTES
        slots.update(day * SLOTS_PER_DAY + s for s in range(first, last))
    return sorted(slots)


def _columns(people: Sequence[Any]) -> Callable[[str], list[Any]]:
    """The people's fields by name, each as a list, read from their instance dictionaries
    (a dataclass's attribute lookup costs more than the read)."""
    fields = list(map(vars, people))

    def column(name: str) -> list[Any]:
        return list(map(itemgetter(name), fields))

    return column


def _codes(items: list[Hashable]) -> tuple[IndexArray, list[Any]]:
    """Each item's position among the distinct items (in order of first appearance), and the
    distinct items: sets shared by many people are then turned into bitmasks once."""
    index: dict[Hashable, int] = {}
    codes = np.fromiter(
        (index.setdefault(x, len(index)) for x in items), dtype=np.int32, count=len(items)
    )
    return codes, list(index)


def _floats(values: list[float | None]) -> FloatArray:
    """None (no location) as NaN."""
    return np.array(values, dtype=np.float64).reshape(-1)


class _PairTable:
    """A test on (mentor, opportunity) decided by one code per side: a lookup table over the
    distinct codes when it is small, otherwise the test on the pairs' own bitmasks."""

    def __init__(
        self,
        m_code: IndexArray,
        o_code: IndexArray,
        m_masks: MaskArray,
        o_masks: MaskArray,
        test: Callable[[MaskArray, MaskArray], BoolArray],
    ) -> None:
        self.m_code, self.o_code = m_code.astype(np.int32), o_code.astype(np.int32)
        n_u, n_v = m_masks.shape[0], o_masks.shape[0]
        if n_u * n_v <= _TABLE_CELLS:
            grid = test(m_masks[:, None, :], o_masks[None, :, :]).reshape(n_u, n_v)
            self.table: BoolArray | None = grid.reshape(-1)
            self.width = n_v
        else:
            self.table = None
        self.m_masks, self.o_masks, self.test = m_masks, o_masks, test

    def __call__(self, pm: IndexArray, po: IndexArray) -> BoolArray:
        if self.table is not None:
            found: BoolArray = self.table[self.m_code[pm] * self.width + self.o_code[po]]
            return found
        return self.test(self.m_masks[self.m_code[pm]], self.o_masks[self.o_code[po]])

    def points(self, pm: IndexArray, po: IndexArray, value: int) -> IntArray:
        """`value` for the pairs where the test holds, else 0."""
        if self.table is not None:
            worth = np.where(self.table, value, 0).astype(np.int64)
            found: IntArray = worth[self.m_code[pm] * self.width + self.o_code[po]]
            return found
        return np.where(self(pm, po), value, 0).astype(np.int64)

    def groups(
        self, mentors: IntArray, opportunities: IntArray
    ) -> list[tuple[IntArray, IntArray]] | None:
        """`mentors` split by the row of the table their code has, each group with those of
        `opportunities` its row admits: every pair within a group passes the test, and no pair
        across groups does. None without a table."""
        if self.table is None:
            return None
        if not mentors.size or not opportunities.size:
            return []
        grid = self.table.reshape(-1, self.width)
        used, at = np.unique(self.m_code[mentors], return_inverse=True)
        rows, row_of_used = np.unique(grid[used], axis=0, return_inverse=True)
        row_of = row_of_used.reshape(-1)[at.reshape(-1)]
        by_row = np.argsort(row_of, kind="stable")
        starts = np.searchsorted(row_of[by_row], np.arange(rows.shape[0] + 1))
        o_code = self.o_code[opportunities]
        found = []
        for r in range(rows.shape[0]):
            admitted = opportunities[rows[r][o_code]]
            if admitted.size:
                found.append((mentors[by_row[starts[r] : starts[r + 1]]], admitted))
        return found

    def mentors_reaching(self, opportunities: IntArray) -> BoolArray:
        """Per mentor: the test holds with at least one of these opportunities."""
        if self.table is None:
            return np.ones(self.m_code.size, dtype=bool)
        grid = self.table.reshape(-1, self.width)[:, np.unique(self.o_code[opportunities])]
        reach: BoolArray = np.asarray(grid.any(axis=1))[self.m_code]
        return reach


def _window_bits(windows: Sequence[tuple[Window, ...]]) -> tuple[IntArray, MaskArray, MaskArray]:
    """Per window that covers a whole quarter-hour: its row x 7 + weekday, and the slots it
    covers that day as two words (slots 0-63, 64-95), as `window_slots` counts them."""
    counts = np.fromiter(map(len, windows), dtype=np.int64, count=len(windows))
    flat = np.fromiter(
        chain.from_iterable(chain.from_iterable(windows)),
        dtype=np.int64,
        count=3 * int(counts.sum()),
    ).reshape(-1, 3)
    if flat.size and not 0 <= flat[:, 0].min() <= flat[:, 0].max() <= 6:
        raise ValueError("weekday_out_of_range")
    owner = np.repeat(np.arange(len(windows), dtype=np.int64), counts)
    first = -(-np.maximum(flat[:, 1], 0) // SLOT_MINUTES)
    last = np.minimum(flat[:, 2], 24 * 60) // SLOT_MINUTES
    some = last > first
    first, last = first[some], last[some]
    key = owner[some] * 7 + flat[some, 0]
    return key, _run_bits(first, last, 0, 64), _run_bits(first, last, 64, 32)


def _day_masks(
    windows: Sequence[tuple[Window, ...]],
) -> tuple[IntArray, IntArray, MaskArray, MaskArray]:
    """The whole quarter-hours each row's windows cover, per (row, weekday) that has any:
    rows, weekdays and the day's slots as two words, sorted by (row, weekday)."""
    key, low, high = _window_bits(windows)
    order = np.argsort(key, kind="stable")
    key, low, high = key[order], low[order], high[order]
    if key.size:
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        low = np.bitwise_or.reduceat(low, starts)
        high = np.bitwise_or.reduceat(high, starts)
        key = key[starts]
    return key // 7, key % 7, low, high


def _run_bits(first: IntArray, last: IntArray, base: int, width: int) -> MaskArray:
    """Bits first..last-1 of the word that holds slots base..base+width-1."""
    lo = np.clip(first - base, 0, width)
    hi = np.clip(last - base, 0, width)
    return _ones(hi) & ~_ones(lo)


def _ones(n: IntArray) -> MaskArray:
    """The n lowest bits set (0 <= n <= 64)."""
    shifted = np.left_shift(np.uint64(1), np.minimum(n, 63).astype(np.uint64)) - np.uint64(1)
    full: MaskArray = np.where(n >= 64, ~np.uint64(0), shifted)
    return full


class _Schedules:
    """Whether a mentor and an opportunity share a whole quarter-hour, or the opportunity has
    no fixed schedule: per pair, the opportunity's scheduled days against the mentor's slots
    on those days (most opportunities meet on one day, so one pass usually decides)."""

    def __init__(
        self, availability: Sequence[tuple[Window, ...]], schedules: Sequence[tuple[Window, ...]]
    ) -> None:
        n_m, n_o = len(availability), len(schedules)
        key, low, high = _window_bits(availability)
        self.m_low = np.zeros(n_m * 7, dtype=np.uint64)
        self.m_high = np.zeros(n_m * 7, dtype=np.uint64)
        np.bitwise_or.at(self.m_low, key, low)
        np.bitwise_or.at(self.m_high, key, high)
        # A schedule that covers no whole slot still is a schedule: nobody can meet it.
        self.unscheduled = ~np.fromiter(map(bool, schedules), dtype=bool, count=n_o)
        row, self.day, self.low, self.high = _day_masks(schedules)
        self.rows = np.bincount(row, minlength=n_o)
        self.start = np.cumsum(self.rows) - self.rows
        # The first scheduled day of each opportunity, as columns (no day: no slot in common).
        has = self.rows > 0
        self.first_day = np.zeros(n_o, dtype=np.int32)
        self.first_low = np.zeros(n_o, dtype=np.uint64)
        self.first_high = np.zeros(n_o, dtype=np.uint64)
        first = self.start[has]
        self.first_day[has], self.first_low[has] = self.day[first], self.low[first]
        self.first_high[has] = self.high[first]

    def __call__(self, pm: IndexArray, po: IndexArray) -> BoolArray:
        d = pm * 7 + self.first_day[po]
        low = self.m_low[d] & self.first_low[po]
        low |= self.m_high[d] & self.first_high[po]
        ok: BoolArray = low != 0
        ok |= self.unscheduled[po]
        if self.rows.size and self.rows.max() > 1:
            k, todo = 1, np.flatnonzero(~ok & (self.rows[po] > 1))
            while todo.size:
                m, o = pm[todo], po[todo]
                r = self.start[o] + k
                d = m * 7 + self.day[r]
                hit = ((self.m_low[d] & self.low[r]) | (self.m_high[d] & self.high[r])) != 0
                ok[todo[hit]] = True
                k += 1
                todo = todo[~hit & (self.rows[o] > k)]
        return ok


def _wrap(lon: FloatArray) -> FloatArray:
    wrapped: FloatArray = (lon + 180.0) % 360.0 - 180.0
    return wrapped


def _near_pairs(
    lat: FloatArray,
    lon: FloatArray,
    radius: FloatArray,
    o_lat: FloatArray,
    o_lon: FloatArray,
    sweeps: Sequence[tuple[IntArray, IntArray]],
    tests: Sequence[Callable[[IndexArray, IndexArray], BoolArray]],
) -> tuple[IntArray, IntArray, FloatArray]:
    """For each sweep's (mentors, opportunities), every pair of one of its mentors and one of
    its opportunities that passes `tests` and lies within the mentor's radius by haversine,
    with its distance. A mentor belongs to one sweep.

    The opportunities are sorted by latitude band, then longitude, once for all sweeps; a
    mentor's spherical cap has a bounding box (latitudes +-radius, longitudes +-asin(sin
    radius / cos latitude), the whole band when it reaches a pole or the antimeridian), so
    each band it spans holds its candidates as one contiguous run, found by two binary
    searches. The runs are expanded into pairs in chunks, the cheap tests run first, the exact
    haversine last."""
    none = np.empty(0, dtype=np.int64)
    sweeps = [(m, o) for m, o in sweeps if m.size and o.size]
    if not sweeps:
        return none, none, np.empty(0, dtype=np.float64)
    mi = np.concatenate([m for m, _o in sweeps])
    oi = np.unique(np.concatenate([o for _m, o in sweeps]))
    r = radius[mi]
    height = float(np.clip(np.median(r) / MILES_PER_DEGREE_LAT / _BANDS_PER_RADIUS, 1e-3, 1.0))
    o_band = np.floor((o_lat[oi] + 90.0) / height).astype(np.int64)
    o_east = _wrap(o_lon[oi]) + 180.0
    order = np.lexsort((o_east, o_band))
    # Pairs are formed in 32 bits: a chunk's positions, mentors and opportunities fit.
    entries = oi[order].astype(np.int32)
    # Longitude lies in [0, 360] within a band's 512-wide stretch of the key.
    key = o_band[order] * 512.0 + o_east[order]

    m_lat, m_east = lat[mi], _wrap(lon[mi]) + 180.0
    angle = r / EARTH_RADIUS_MI
    margin = np.degrees(angle) * (1 + 1e-9) + 1e-7  # rounding of the haversine and the keys
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.sin(np.minimum(angle, np.pi / 2)) / np.cos(np.radians(m_lat))
        half = np.degrees(np.arcsin(np.minimum(spread, 1.0))) * (1 + 1e-9) + 1e-7
    wide = (m_lat - margin <= -90) | (m_lat + margin >= 90) | ~(spread < 1)
    wide |= (m_east - half < 0) | (m_east + half > 360)
    west = np.where(wide, -1.0, m_east - half)
    east = np.where(wide, 361.0, m_east + half)
    first = np.floor((np.maximum(m_lat - margin, -90.0) + 90.0) / height).astype(np.int64)
    last = np.floor((np.minimum(m_lat + margin, 90.0) + 90.0) / height).astype(np.int64)

    def chunk(
        mentor_of: npt.NDArray[np.int32],
        lo: IntArray,
        count: IntArray,
        entries: npt.NDArray[np.int32],
        positions: npt.NDArray[np.int32],
    ) -> tuple[IntArray, IntArray, FloatArray]:
        pm = np.repeat(mentor_of, count)
        e = np.repeat((lo - (np.cumsum(count) - count)).astype(np.int32), count)
        e += positions[: pm.size]
        po = entries[e]
        for test in tests:
            ok = test(pm, po)
            pm, po = pm[ok], po[ok]
        d = haversine_miles(lat[pm], lon[pm], o_lat[po], o_lon[po])
        near = d <= radius[pm]
        return pm[near].astype(np.int64), po[near].astype(np.int64), d[near]

    found: list[tuple[IntArray, IntArray, FloatArray]] = []
    in_sweep = np.zeros(o_lat.size, dtype=bool)
    start = 0
    for mentors, opportunities in sweeps:
        at = slice(start, start + mentors.size)
        start += mentors.size
        sweep_key, sweep_entries = key, entries
        if len(sweeps) > 1:  # this sweep's opportunities, in the same order
            in_sweep[:] = False
            in_sweep[opportunities] = True
            keep = in_sweep[entries]
            sweep_key, sweep_entries = key[keep], entries[keep]
        bands = last[at] - first[at] + 1
        query = np.repeat(np.arange(mentors.size, dtype=np.int64), bands)
        band = np.repeat(first[at], bands) + _ranks(bands)
        lo = np.searchsorted(sweep_key, band * 512.0 + west[at][query], side="left")
        hi = np.searchsorted(sweep_key, band * 512.0 + east[at][query], side="right")
        count = hi - lo
        ends = np.cumsum(count)
        total = int(ends[-1]) if ends.size else 0
        cuts = np.searchsorted(ends, np.arange(_CHUNK, total, _CHUNK), side="right")
        bounds = np.unique(np.r_[0, cuts, query.size])
        mentor_of = mentors.astype(np.int32)[query]
        widest = int(np.diff(np.r_[0, ends[bounds[1:] - 1]]).max()) if total else 0
        positions = np.arange(widest, dtype=np.int32)
        found.extend(
            chunk(mentor_of[a:b], lo[a:b], count[a:b], sweep_entries, positions)
            for a, b in pairwise(bounds.tolist())
        )
    if not found:
        return none, none, np.empty(0, dtype=np.float64)
    return tuple(np.concatenate(part) for part in zip(*found, strict=True))


def _ranks(counts: IntArray) -> IntArray:
    """0..c-1 for each c in counts, concatenated."""
    total = int(counts.sum())
    ranks: IntArray = np.arange(total, dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    return ranks


def _slot_matrix(windows: Sequence[tuple[Window, ...]]) -> sparse.csr_matrix:
    """Rows x week slots, 1 where the row's windows wholly cover the slot (`window_slots`)."""
    row, day, low, high = _day_masks(windows)
    cols: list[IntArray] = []
    rows: list[IntArray] = []
    for word, base, width in ((low, 0, 64), (high, 64, 32)):
        bits = (word[:, None] >> np.arange(width, dtype=np.uint64)) & np.uint64(1)
        r, k = np.nonzero(bits)
        rows.append(row[r])
        cols.append(day[r] * SLOTS_PER_DAY + base + k)
    r, c = np.concatenate(rows), np.concatenate(cols)
    data = np.ones(r.size, dtype=np.int32)
    return sparse.csr_matrix((data, (r, c)), shape=(len(windows), WEEK_SLOTS))


def _admits(
    screening: slice, language: slice, grades: slice
) -> Callable[[MaskArray, MaskArray], BoolArray]:
    """The test on profile bitmasks (screening, required language, grade bands side by side):
    the mentor holds every required step and the required language, and shares a grade
    band unless the opportunity names none."""

    def admits(m: MaskArray, o: MaskArray) -> BoolArray:
        ok: BoolArray = np.all((o[..., screening] & ~m[..., screening]) == 0, axis=-1)
        ok &= np.all((o[..., language] & ~m[..., language]) == 0, axis=-1)
        grade = np.any((o[..., grades] & m[..., grades]) != 0, axis=-1)
        grade |= np.all(o[..., grades] == 0, axis=-1)
        ok &= grade
        return ok

    return admits


def _meets(m: MaskArray, o: MaskArray) -> BoolArray:
    result: BoolArray = np.any((m & o) != 0, axis=-1)
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector walks every live object whenever allocations pass its
    threshold; with 100,000 people's sets alive, its passes were 15 to 20 % of candidate
    generation at national scale. What is allocated here (arrays, tuples of sets, codes)
    holds no reference cycles, so nothing is left for it to find."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def candidate_edges(
    mentors: Sequence[Mentor],
    opportunities: Sequence[Opportunity],
    *,
    weights: ScoreWeights | None = None,
) -> Edges:
    """Every (mentor, opportunity) pair that satisfies all hard constraints, scored."""
    with _collector_paused():
        return _candidate_edges(mentors, opportunities, weights or ScoreWeights())


def _candidate_edges(
    mentors: Sequence[Mentor], opportunities: Sequence[Opportunity], w: ScoreWeights
) -> Edges:
    n_o = len(opportunities)
    m_field, o_field = _columns(mentors), _columns(opportunities)
    m_lat = _floats(m_field("lat"))
    m_lon = _floats(m_field("lon"))
    o_lat = _floats(o_field("lat"))
    o_lon = _floats(o_field("lon"))
    radius = _floats(m_field("travel_radius_mi"))
    m_modes, mode_sets = _codes(m_field("modes"))
    m_in = np.array([IN_PERSON in s for s in mode_sets], dtype=bool)[m_modes]
    m_in &= ~np.isnan(m_lat) & ~np.isnan(m_lon) & (radius >= 0)
    m_virtual = np.array([VIRTUAL in s for s in mode_sets], dtype=bool)[m_modes]
    o_modes, modes = _codes(o_field("mode"))
    o_in = np.array([m in (IN_PERSON, EITHER) for m in modes], dtype=bool)[o_modes]
    o_in &= ~np.isnan(o_lat) & ~np.isnan(o_lon)
    o_virtual = np.array([m in (VIRTUAL, EITHER) for m in modes], dtype=bool)[o_modes]
    schedules = _Schedules(m_field("availability"), o_field("schedule"))

    # Screening, required language and grade bands decide together: one code per distinct
    # combination on each side, and a table over the combinations.
    m_profile, m_kinds = _codes(
        list(zip(m_field("screening"), m_field("languages"), m_field("grade_bands"), strict=True))
    )
    o_profile, o_kinds = _codes(
        list(
            zip(
                o_field("required_screening"),
                ((x,) if x else () for x in o_field("language_required")),
                o_field("grade_bands"),
                strict=True,
            )
        )
    )
    ol, ol_sets = _codes(o_field("languages"))
    vocabularies = (
        _vocabulary([k[0] for k in m_kinds], [k[0] for k in o_kinds]),
        _vocabulary([k[1] for k in m_kinds], ol_sets, [k[1] for k in o_kinds]),
        _vocabulary([k[2] for k in m_kinds], [k[2] for k in o_kinds]),
    )
    m_parts = [_masks([k[f] for k in m_kinds], v) for f, v in enumerate(vocabularies)]
    o_parts = [_masks([k[f] for k in o_kinds], v) for f, v in enumerate(vocabularies)]
    s_words, l_words = m_parts[0].shape[1], m_parts[1].shape[1]
    admissible = _PairTable(
        m_profile,
        o_profile,
        np.hstack(m_parts),
        np.hstack(o_parts),
        _admits(
            slice(0, s_words),
            slice(s_words, s_words + l_words),
            slice(s_words + l_words, None),
        ),
    )

    # In person: a sweep over latitude bands (`_near_pairs`), one per group of mentors whom
    # the same opportunities admit, over those opportunities only, so that no pair is formed
    # to be refused by its profiles (four in ten of them at national scale).
    oi = np.flatnonzero(o_in)
    mi = np.flatnonzero(m_in & admissible.mentors_reaching(oi)) if oi.size else oi
    groups = admissible.groups(mi, oi)
    if groups is None:
        in_m, in_o, in_d = _near_pairs(
            m_lat, m_lon, radius, o_lat, o_lon, [(mi, oi)], (admissible, schedules)
        )
    else:
        in_m, in_o, in_d = _near_pairs(m_lat, m_lon, radius, o_lat, o_lon, groups, (schedules,))

    # Virtual: pairs are formed only where a week slot is shared (a sparse product).
    vm = np.flatnonzero(m_virtual)
    vo = np.flatnonzero(o_virtual & ~schedules.unscheduled)
    parts_m: list[IntArray] = []
    parts_o: list[IntArray] = []
    if vm.size and vo.size:
        product = (
            _slot_matrix([mentors[i].availability for i in vm.tolist()])
            @ _slot_matrix([opportunities[j].schedule for j in vo.tolist()]).T
        ).tocoo()
        parts_m.append(vm[product.row.astype(np.int64)])
        parts_o.append(vo[product.col.astype(np.int64)])
    anytime = np.flatnonzero(o_virtual & schedules.unscheduled)
    parts_m.append(np.tile(vm, anytime.size))
    parts_o.append(np.repeat(anytime, vm.size))
    v_m, v_o = np.concatenate(parts_m), np.concatenate(parts_o)
    ok = admissible(v_m, v_o)
    v_m, v_o = v_m[ok], v_o[ok]

    # One sort by (mentor, opportunity); an "either" pair found both ways stays in person.
    key = np.concatenate((in_m * n_o + in_o, v_m * n_o + v_o))
    tagged = key * 2
    tagged[in_m.size :] += 1
    order = np.argsort(tagged, kind="stable")  # runs: in person by mentor, virtual
    key = key[order]
    fresh = np.ones(key.size, dtype=bool)
    fresh[1:] = key[1:] != key[:-1]
    order, key = order[fresh], key[fresh]
    pm = np.concatenate((in_m, v_m))[order]
    po = np.concatenate((in_o, v_o))[order]
    distance = np.concatenate((in_d, np.full(v_m.size, np.nan)))[order]
    speaks = _PairTable(m_profile, ol, m_parts[1], _masks(ol_sets, vocabularies[1]), _meets)
    return _score(m_field, o_field, pm, po, key, distance, radius, speaks, w)


def _score(
    m_field: Callable[[str], list[Any]],
    o_field: Callable[[str], list[Any]],
    pm: IntArray,
    po: IntArray,
    key: IntArray,
    distance: FloatArray,
    radius: FloatArray,
    speaks: _PairTable,
    w: ScoreWeights,
) -> Edges:
    """The pairs (sorted, `key` = mentor x n_opportunities + opportunity) scored. Points that
    depend on few values are computed once per value (topic points per shared and asked
    count, equity points per opportunity) with the same arithmetic, then looked up."""
    m_sets, o_sets = m_field("topics"), o_field("topics")
    m_flat, o_flat = list(chain.from_iterable(m_sets)), list(chain.from_iterable(o_sets))
    topics = {x: k for k, x in enumerate(dict.fromkeys(chain(m_flat, o_flat)))}
    n_m, n_o = len(m_sets), len(o_sets)
    m_topics, o_topics = _set_masks(m_sets, m_flat, topics), _set_masks(o_sets, o_flat, topics)
    if m_topics.shape[1] == 1:
        shared = np.bitwise_count(m_topics[:, 0][pm] & o_topics[:, 0][po])
    else:
        shared = np.bitwise_count(m_topics[pm] & o_topics[po]).sum(axis=1, dtype=np.int64)
    wanted = np.fromiter(map(len, o_sets), dtype=np.int64, count=n_o)
    counts = np.arange(max(len(topics), 1) + 1, dtype=np.int64)
    asked = np.arange(int(wanted.max(initial=0)) + 1, dtype=np.int64)
    table = np.rint(w.topics * counts[:, None] / np.maximum(asked[None, :], 1)).astype(np.int64)
    topic_pts = table.reshape(-1)[shared.astype(np.int64) * asked.size + wanted[po]]

    in_person = ~np.isnan(distance)
    ip = np.flatnonzero(in_person)
    closeness = np.clip(1 - distance[ip] / np.maximum(radius[pm[ip]], 1e-9), 0, 1)
    distance_pts = np.zeros(pm.size, dtype=np.int64)
    distance_pts[ip] = np.rint(w.distance * closeness).astype(np.int64)

    language_pts = speaks.points(pm, po, w.language)

    mi, mi_sets = _codes(m_field("identity_tags"))
    oi, oi_sets = _codes(o_field("welcomes_identities"))
    identities = _vocabulary(mi_sets, oi_sets)
    identity = _PairTable(mi, oi, _masks(mi_sets, identities), _masks(oi_sets, identities), _meets)
    identity_pts = identity.points(pm, po, w.identity)

    index = {x: j for j, x in enumerate(o_field("id"))}
    marked = np.fromiter(
        (
            i * n_o + index[x]
            for i, chosen in enumerate(m_field("interests"))
            if chosen
            for x in chosen
            if x in index
        ),
        dtype=np.int64,
    )
    at = np.searchsorted(key, marked)
    hit = at < key.size
    hit[hit] = key[at[hit]] == marked[hit]
    interest_pts = np.zeros(pm.size, dtype=np.int64)
    interest_pts[at[hit]] = w.interest

    priority = np.clip(_floats(o_field("equity_priority")), 0, 1)
    equity_pts = np.rint(w.equity * priority).astype(np.int64)[po]

    components = {
        "base": np.full(pm.size, w.base, dtype=np.int64),
        "topics": topic_pts,
        "distance": distance_pts,
        "language": language_pts,
        "identity": identity_pts,
        "interest": interest_pts,
        "equity": equity_pts,
    }
    score = np.zeros(pm.size, dtype=np.int64)
    for name in COMPONENTS:
        score += components[name]
    return Edges(
        mentor=pm,
        opportunity=po,
        score=score,
        in_person=in_person,
        distance_mi=distance,
        components=components,
        n_mentors=n_m,
        n_opportunities=n_o,
    )


# --- assignment ---------------------------------------------------------------------------


def solve(
    edges: Edges,
    mentor_capacity: Sequence[int] | IntArray,
    opportunity_capacity: Sequence[int] | IntArray,
    *,
    mode: Literal["score", "participation"] = "score",
    locked: Iterable[tuple[int, int]] = (),
    excluded: Iterable[tuple[int, int]] = (),
) -> Assignment:
    """The assignment of maximum total score (mode "score"), or of maximum coverage and then
    maximum score (mode "participation"), among candidate edges, within capacities
    (`assignment.solve`).

    `locked` and `excluded` are (mentor index, opportunity index) pairs; a locked pair must
    be a candidate (ValueError "not_a_candidate") and fit the capacities
    (ValueError "locked_over_capacity")."""
    return assignment.solve(
        edges.candidates,
        mentor_capacity,
        opportunity_capacity,
        mode=mode,
        locked=edges.candidates.indices(locked),
        excluded=edges.candidates.indices(excluded, strict=False),
    )


def greedy(
    edges: Edges,
    mentor_capacity: Sequence[int] | IntArray,
    opportunity_capacity: Sequence[int] | IntArray,
) -> Assignment:
    """Highest score first while both sides have room (ties: mentor, then opportunity)."""
    return assignment.greedy(edges.candidates, mentor_capacity, opportunity_capacity)


def shares_a_topic(
    mentors: Sequence[Mentor], opportunities: Sequence[Opportunity], edges: Edges
) -> BoolArray:
    """Per candidate pair: the mentor offers at least one of the topics the opportunity asks
    for, or it asks for none. Decided from the topic sets, never from the topic points, which
    a low topic weight rounds to 0 for a pair that does share one. O(E) bitmask tests."""
    vocab = _vocabulary((m.topics for m in mentors), (o.topics for o in opportunities))
    o_topics = _masks([o.topics for o in opportunities], vocab)
    shared = _intersects(
        _masks([m.topics for m in mentors], vocab)[edges.mentor], o_topics[edges.opportunity]
    )
    asks = np.array([bool(o.topics) for o in opportunities], dtype=bool)[edges.opportunity]
    result: BoolArray = shared | ~asks
    return result


@dataclass(frozen=True)
class RoundResult:
    """A round's solve: the candidate pairs, the chosen pairs (the kept locks among them),
    the locks kept and the positions of the requested locks that no longer hold, and the
    greedy baseline's total score on the same terms."""

    edges: Edges
    assignment: Assignment
    locked: list[tuple[int, int]]
    refused_locks: list[int]
    greedy_objective: int


def solve_round(
    mentors: Sequence[Mentor],
    opportunities: Sequence[Opportunity],
    *,
    mode: Literal["score", "participation", "stable"],
    weights: ScoreWeights | None = None,
    locked: Sequence[tuple[int, int]] = (),
    excluded: Iterable[tuple[int, int]] = (),
    require_shared_topic: bool = True,
) -> RoundResult:
    """A matching round over these mentors and opportunities (capacities: the room each has
    left), by index: candidate pairs, then the assignment in `mode`.

    - `excluded` pairs are never proposed. With `require_shared_topic`, neither is a pair
      whose mentor offers none of the topics an opportunity asks for (when it asks for any):
      it passes every hard rule and stays open to self-service and to a reviewer's swap, but
      spare time alone is not a reason to propose it.
    - `locked` pairs are kept if they still hold (`assignment.fit_locked`: still a candidate,
      not excluded, room on both sides), in order; `refused_locks` lists the others.
    - Stable mode: both sides rank the other by the pair's score (the engine's only measure
      of fit), so the stable matching is the greedy one up to ties (`assignment.stable`).
    - The greedy baseline is computed on the same terms: locks kept, excluded pairs skipped."""
    edges = candidate_edges(mentors, opportunities, weights=weights)
    cand = edges.candidates
    m_cap = [m.capacity for m in mentors]
    o_cap = [o.capacity for o in opportunities]
    out = cand.indices(excluded, strict=False)
    if require_shared_topic and len(edges):
        no_fit = np.flatnonzero(~shares_a_topic(mentors, opportunities, edges))
        out = np.union1d(out, no_fit)
    locks = assignment.fit_locked(cand, m_cap, o_cap, locked, excluded=out)
    if mode == "stable":
        chosen = assignment.stable(cand, m_cap, o_cap, locked=locks.edges, excluded=out)
    else:
        chosen = assignment.solve(cand, m_cap, o_cap, mode=mode, locked=locks.edges, excluded=out)
    baseline = assignment.greedy(cand, m_cap, o_cap, locked=locks.edges, excluded=out)
    return RoundResult(
        edges=edges,
        assignment=chosen,
        locked=[(int(edges.mentor[k]), int(edges.opportunity[k])) for k in locks.edges],
        refused_locks=locks.refused,
        greedy_objective=baseline.objective,
    )
