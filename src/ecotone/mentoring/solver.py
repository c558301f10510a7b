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
- `candidate_edges`: never all mentor x opportunity pairs. Sets become bitmasks (uint64 words
  per vocabulary). In-person pairs come from a k-d tree (scipy cKDTree) on unit vectors of the
  opportunities, one ball query per mentor with its own radius (as a chord), then exact
  haversine; virtual pairs from a sparse product mentors x week-slots times slots x
  opportunities (only pairs sharing a slot are ever formed), plus a masked scan for virtual
  opportunities without a fixed schedule. Screening, grade and language are then vectorised
  bitmask tests on the survivors. Time O(M log O + P_in + sum over slots of mentors x
  opportunities in it + E), memory O(E), where P_in is the pairs within radius and E the
  candidates. Caution: a virtual opportunity without a schedule is a candidate for every
  virtual mentor who passes the other tests.
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.spatial import cKDTree

from ecotone import assignment
from ecotone.assignment import Assignment, Candidates
from ecotone.directory.distance import chord_of_miles, haversine_miles, unit_vectors

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
MaskArray = npt.NDArray[np.uint64]

IN_PERSON = "in_person"
VIRTUAL = "virtual"
EITHER = "either"
SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
WEEK_SLOTS = 7 * SLOTS_PER_DAY
_CHUNK = 1 << 20
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

    @property
    def candidates(self) -> Candidates:
        """The pairs as the assignment core sees them: mentors left, opportunities right."""
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


def _intersects(a: MaskArray, b: MaskArray) -> BoolArray:
    if a.ndim == 1:
        flat: BoolArray = (a & b) != 0
        return flat
    result: BoolArray = np.any((a & b) != 0, axis=1)
    return result


def _subset(required: MaskArray, held: MaskArray) -> BoolArray:
    if required.ndim == 1:
        flat: BoolArray = (required & ~held) == 0
        return flat
    result: BoolArray = np.all((required & ~held) == 0, axis=1)
    return result


def _narrow(masks: MaskArray) -> MaskArray:
    """One word per row as a flat array: small vocabularies (grades, screening steps,
    languages) are then tested without an axis reduction."""
    return masks[:, 0].copy() if masks.shape[1] == 1 else masks


def _common(a: MaskArray, b: MaskArray) -> IntArray:
    result: IntArray = np.bitwise_count(a & b).sum(axis=1, dtype=np.int64)
    return result


def window_slots(windows: Iterable[Window]) -> list[int]:
    """Week slots (0..671) wholly covered by the windows."""
    slots: set[int] = set()
    for day, start, end in windows:
        first = -(-max(0, start) // SLOT_MINUTES)
        last = min(end, 24 * 60) // SLOT_MINUTES
        slots.update(day * SLOTS_PER_DAY + s for s in range(first, last))
    return sorted(slots)


def _slot_matrix(windows: Sequence[tuple[Window, ...]]) -> sparse.csr_matrix:
    """Rows x week slots, 1 where the row's windows wholly cover the slot (`window_slots`,
    vectorised: one run of consecutive slots per window)."""
    owner = np.fromiter(
        chain.from_iterable([i] * len(w) for i, w in enumerate(windows)), dtype=np.int64
    )
    flat = np.array([x for w in windows for x in w], dtype=np.int64).reshape(-1, 3)
    first = -(-np.maximum(flat[:, 1], 0) // SLOT_MINUTES)
    last = np.minimum(flat[:, 2], 24 * 60) // SLOT_MINUTES
    length = np.maximum(last - first, 0)
    rows = np.repeat(owner, length)
    offset = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    cols = np.repeat(flat[:, 0] * SLOTS_PER_DAY + first, length) + offset
    data = np.ones(rows.size, dtype=np.int32)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(windows), WEEK_SLOTS))
    matrix.data[:] = 1  # overlapping windows of one row count once
    return matrix


def _week_masks(slots: sparse.csr_matrix) -> MaskArray:
    """The slot matrix as bitmask words, 11 per row."""
    coo = slots.tocoo()
    out = np.zeros((slots.shape[0], -(-WEEK_SLOTS // 64)), dtype=np.uint64)
    col = coo.col.astype(np.int64)
    bit = np.left_shift(np.uint64(1), (col % 64).astype(np.uint64))
    np.bitwise_or.at(out, (coo.row.astype(np.int64), col // 64), bit)
    return out


def _coordinates(people: Sequence[Mentor] | Sequence[Opportunity]) -> tuple[FloatArray, FloatArray]:
    lat = np.array([np.nan if p.lat is None else p.lat for p in people], dtype=np.float64)
    lon = np.array([np.nan if p.lon is None else p.lon for p in people], dtype=np.float64)
    return lat, lon


def candidate_edges(
    mentors: Sequence[Mentor],
    opportunities: Sequence[Opportunity],
    *,
    weights: ScoreWeights | None = None,
) -> Edges:
    """Every (mentor, opportunity) pair that satisfies all hard constraints, scored."""
    w = weights or ScoreWeights()
    n_m, n_o = len(mentors), len(opportunities)
    m_lat, m_lon = _coordinates(mentors)
    o_lat, o_lon = _coordinates(opportunities)
    m_in = np.array([IN_PERSON in m.modes for m in mentors], dtype=bool) & ~np.isnan(m_lat)
    m_virtual = np.array([VIRTUAL in m.modes for m in mentors], dtype=bool)
    o_mode = [o.mode for o in opportunities]
    o_in = np.array([m in (IN_PERSON, EITHER) for m in o_mode], dtype=bool) & ~np.isnan(o_lat)
    o_virtual = np.array([m in (VIRTUAL, EITHER) for m in o_mode], dtype=bool)
    # A schedule that covers no whole slot still is a schedule: nobody can meet it.
    o_scheduled = np.array([bool(o.schedule) for o in opportunities], dtype=bool)

    # Screening, grade bands and language, as bitmasks, tested on pairs as they are formed.
    screening = _vocabulary(
        (m.screening for m in mentors), (o.required_screening for o in opportunities)
    )
    m_screen = _narrow(_masks([m.screening for m in mentors], screening))
    o_screen = _narrow(_masks([o.required_screening for o in opportunities], screening))
    grades = _vocabulary((m.grade_bands for m in mentors), (o.grade_bands for o in opportunities))
    o_grades = _masks([o.grade_bands for o in opportunities], grades)
    any_grade = ~np.any(o_grades != 0, axis=1)
    o_grades = _narrow(o_grades)
    m_grades = _narrow(_masks([m.grade_bands for m in mentors], grades))
    languages = _vocabulary(
        (m.languages for m in mentors),
        (o.languages for o in opportunities),
        ([o.language_required] if o.language_required else [] for o in opportunities),
    )
    m_lang = _masks([m.languages for m in mentors], languages)
    m_speaks = _narrow(m_lang)
    o_required = _narrow(
        _masks(
            [[o.language_required] if o.language_required else [] for o in opportunities],
            languages,
        )
    )

    def admissible(pm: IntArray, po: IntArray) -> tuple[IntArray, IntArray]:
        ok = np.zeros(pm.size, dtype=bool)
        for lo in range(0, pm.size, _CHUNK):
            m, o = pm[lo : lo + _CHUNK], po[lo : lo + _CHUNK]
            good = _subset(o_screen[o], m_screen[m]) & _subset(o_required[o], m_speaks[m])
            good &= any_grade[o] | _intersects(m_grades[m], o_grades[o])
            ok[lo : lo + _CHUNK] = good
        return pm[ok], po[ok]

    # In person: a ball query per mentor on the opportunities' unit vectors, radius as chord.
    in_m = np.empty(0, dtype=np.int64)
    in_o = np.empty(0, dtype=np.int64)
    in_d = np.empty(0, dtype=np.float64)
    mi = np.flatnonzero(m_in)
    oi = np.flatnonzero(o_in)
    if mi.size and oi.size:
        radius = np.array([mentors[i].travel_radius_mi for i in mi], dtype=np.float64)
        chord = chord_of_miles(radius) * (1 + 1e-9)
        tree = cKDTree(unit_vectors(o_lat[oi], o_lon[oi]))
        found = tree.query_ball_point(
            unit_vectors(m_lat[mi], m_lon[mi]), r=chord, return_sorted=False, workers=-1
        )
        counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if counts.sum():
            in_m = np.repeat(mi, counts)
            flat = chain.from_iterable(found)
            in_o = oi[np.fromiter(flat, dtype=np.int64, count=int(counts.sum()))]
            in_m, in_o = admissible(in_m, in_o)
            radius_of = np.zeros(n_m)
            radius_of[mi] = radius
            d = haversine_miles(m_lat[in_m], m_lon[in_m], o_lat[in_o], o_lon[in_o])
            near = d <= radius_of[in_m]
            in_m, in_o, in_d = in_m[near], in_o[near], d[near]
    m_slots = _slot_matrix([m.availability for m in mentors])
    o_slots = _slot_matrix([o.schedule for o in opportunities])
    if in_m.size:
        m_week, o_week = _week_masks(m_slots), _week_masks(o_slots)
        keep = ~o_scheduled[in_o]
        for lo in range(0, in_m.size, _CHUNK):
            m, o = in_m[lo : lo + _CHUNK], in_o[lo : lo + _CHUNK]
            keep[lo : lo + _CHUNK] |= _intersects(m_week[m], o_week[o])
        in_m, in_o, in_d = in_m[keep], in_o[keep], in_d[keep]

    # Virtual: pairs are formed only where a week slot is shared (a sparse product).
    vm = np.flatnonzero(m_virtual)
    vo = np.flatnonzero(o_virtual & o_scheduled)
    parts_m: list[IntArray] = []
    parts_o: list[IntArray] = []
    if vm.size and vo.size:
        product = (m_slots[vm] @ o_slots[vo].T).tocoo()
        parts_m.append(vm[product.row.astype(np.int64)])
        parts_o.append(vo[product.col.astype(np.int64)])
    for j in np.flatnonzero(o_virtual & ~o_scheduled):
        parts_m.append(vm)
        parts_o.append(np.full(vm.size, j, dtype=np.int64))
    v_m = np.concatenate(parts_m) if parts_m else np.empty(0, dtype=np.int64)
    v_o = np.concatenate(parts_o) if parts_o else np.empty(0, dtype=np.int64)
    v_m, v_o = admissible(v_m, v_o)
    # Only an "either" opportunity and a mentor who also comes in person can be both.
    both = np.flatnonzero(m_in[v_m] & o_in[v_o])
    if both.size and in_m.size:
        fresh = np.ones(v_m.size, dtype=bool)
        fresh[both] = ~np.isin(v_m[both] * n_o + v_o[both], in_m * n_o + in_o)
        v_m, v_o = v_m[fresh], v_o[fresh]

    pm = np.concatenate((in_m, v_m))
    po = np.concatenate((in_o, v_o))
    distance = np.concatenate((in_d, np.full(v_m.size, np.nan)))

    order = np.argsort(pm * n_o + po, kind="stable")
    pm, po, distance = pm[order], po[order], distance[order]
    return _score(mentors, opportunities, pm, po, distance, m_lang, languages, w)


def _score(
    mentors: Sequence[Mentor],
    opportunities: Sequence[Opportunity],
    pm: IntArray,
    po: IntArray,
    distance: FloatArray,
    m_lang: MaskArray,
    languages: Mapping[str, int],
    w: ScoreWeights,
) -> Edges:
    n_m, n_o = len(mentors), len(opportunities)
    topics = _vocabulary((m.topics for m in mentors), (o.topics for o in opportunities))
    o_topics = _masks([o.topics for o in opportunities], topics)
    shared = _common(_masks([m.topics for m in mentors], topics)[pm], o_topics[po])
    wanted = np.array([len(o.topics) for o in opportunities], dtype=np.int64)[po]
    topic_pts = np.rint(w.topics * shared / np.maximum(wanted, 1)).astype(np.int64)

    in_person = ~np.isnan(distance)
    ip = np.flatnonzero(in_person)
    radius = np.array([m.travel_radius_mi for m in mentors], dtype=np.float64)[pm[ip]]
    closeness = np.clip(1 - distance[ip] / np.maximum(radius, 1e-9), 0, 1)
    distance_pts = np.zeros(pm.size, dtype=np.int64)
    distance_pts[ip] = np.rint(w.distance * closeness).astype(np.int64)

    o_lang = _masks([o.languages for o in opportunities], languages)
    language_pts = np.where(_intersects(m_lang[pm], o_lang[po]), w.language, 0).astype(np.int64)

    identities = _vocabulary(
        (m.identity_tags for m in mentors), (o.welcomes_identities for o in opportunities)
    )
    identity = _intersects(
        _masks([m.identity_tags for m in mentors], identities)[pm],
        _masks([o.welcomes_identities for o in opportunities], identities)[po],
    )
    identity_pts = np.where(identity, w.identity, 0).astype(np.int64)

    index = {o.id: j for j, o in enumerate(opportunities)}
    keys = [i * n_o + index[x] for i, m in enumerate(mentors) for x in m.interests if x in index]
    marked = np.array(sorted(keys), dtype=np.int64)
    interest_pts = np.where(np.isin(pm * n_o + po, marked), w.interest, 0).astype(np.int64)

    priority = np.clip(np.array([o.equity_priority for o in opportunities], dtype=np.float64), 0, 1)
    equity_pts = np.rint(w.equity * priority[po]).astype(np.int64)

    components = {
        "base": np.full(pm.size, w.base, dtype=np.int64),
        "topics": topic_pts,
        "distance": distance_pts,
        "language": language_pts,
        "identity": identity_pts,
        "interest": interest_pts,
        "equity": equity_pts,
    }
    score = np.sum([components[c] for c in COMPONENTS], axis=0, dtype=np.int64).reshape(-1)
    return Edges(
        mentor=pm.astype(np.int64),
        opportunity=po.astype(np.int64),
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
