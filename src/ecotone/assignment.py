"""Capacitated bipartite assignment: the one solver behind mentor matching (and the reviewer
assignment to come). Django-free: NumPy arrays in, edge indices out.

Problem. Left vertices 0..L-1 and right vertices 0..R-1, each with a capacity (how many
edges it may take), and candidate edges (left, right) with integer scores, sorted by
(left, right), each pair at most once; capacities are non-negative. Only candidate edges are
ever chosen. Choose a set of edges within both capacities that
- mode "score": maximises the total score;
- mode "participation": maximises first the number of right vertices with at least one
  edge ("covered"), then the total score (lexicographic);
with some edges `locked` (always chosen; capacities are reduced by them and their score
counts) and some `excluded` (never chosen). Scores are meant to be non-negative: a negative
edge is never chosen, and an edge of score 0 only in participation mode, where it may cover.
For mentoring, left = mentors, right = opportunities; for reviewing, left = reviewers (a
capacity each), right = applications (capacity k, the reviews each needs), conflicts excluded.

Methods.
- `solve`: global optimum by min-cost flow (OR-Tools SimpleMinCostFlow, cost scaling):
  source -> left (capacity) -> right (one unit per candidate edge, cost -score) -> sink
  (capacity), plus a source -> sink bypass of cost 0, so the amount of flow is free and the
  result maximises total score, leaving vertices unmatched rather than lowering it. In
  participation mode each right vertex's sink arc is split in two: its first unit earns a
  bonus larger than any achievable total score (each left vertex's best edge times its usable
  capacity, plus one), so coverage is maximised first. OR-Tools gets these costs shifted to
  be non-negative (every unit of flow crosses one pair arc or the bypass: S - score per pair
  arc, S on the bypass, S = the largest score + 1), which its cost scaling solves about 10 %
  faster at national scale; the optimum is the same. Time O(E log(N C)) for E edges, N
  vertices and C the largest cost; memory O(N + E).
- `greedy`: highest score first while both capacities last (ties: the lower edge index, so
  left, then right); the baseline a solve is compared with. O(E log E).
- `stable_match`: left-proposing deferred acceptance (Gale-Shapley) on explicit preference
  lists, with capacities on both sides (responsive preferences): pairwise stable, O(total
  length of the lists x log capacity).
- `stable`: `stable_match` where both sides rank by the edge's score, best first (ties by the
  other side's index). With one shared score the stable assignment is the greedy one up to
  ties: no left and right vertex would both rather hold each other than what they hold.
- `fit_locked`: which requested locks can be kept, in order: a candidate edge, not excluded,
  with room left on both sides; the others are refused. O(number of locks).
- `solve_exact`: the variant for reviewer assignment. Every right vertex takes EXACTLY its
  demand, every left vertex a number of edges within [minimum, maximum], and, optionally,
  a convex diversity term: each left vertex belongs to a group (a reviewer's sector), and on
  one right vertex the n-th edge from the same group earns `group_bonus[n-1]` (non-increasing,
  0 past its end). Flow network: left i has supply `minimum[i]` and an arc from the source of
  capacity `maximum[i] - minimum[i]`; right j has demand `demand[j]`; a pair arc (i, j) goes
  through a middle node (j, group of i), which reaches j by parallel unit arcs of costs
  -group_bonus[0], -group_bonus[1], ... and one more arc of cost 0 for the rest: since the
  bonuses never increase, a min-cost flow fills them in order, so the diversity term is
  modelled exactly (a concave reward is a convex cost). Scores may be negative here (every
  demand must be met). Locked edges take their places first (their group counts start the
  bonus sequence); when no assignment meets every bound the function raises `InfeasibleError`
  with what it can say about why (right vertices with fewer usable candidates than demand,
  minimums summing past the demand, maximums summing short of it).

Every result holds only candidate edges, within capacities, locked ones included.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

IntArray = npt.NDArray[np.int64]
# How many edges `greedy` passes to Python at a time, once those that no longer fit are dropped.
GREEDY_BLOCK = 1 << 16
BoolArray = npt.NDArray[np.bool_]
Capacities = Sequence[int] | IntArray
Mode = Literal["score", "participation"]


@dataclass(frozen=True)
class Candidates:
    """Candidate edges as parallel arrays, sorted by (left, right), each pair at most once."""

    left: IntArray
    right: IntArray
    score: IntArray
    n_left: int
    n_right: int

    def __len__(self) -> int:
        return int(self.left.shape[0])

    @cached_property
    def _keys(self) -> IntArray:
        """left * n_right + right per edge: ascending, since the edges are sorted. Built once
        per candidate set (a search per pair over a fresh key array was O(E) each: 30,000
        locks over 10 million edges would take hours)."""
        keys: IntArray = self.left.astype(np.int64) * self.n_right + self.right
        return keys

    def find(self, left: int, right: int) -> int:
        """Index of the edge (left, right), or -1 when it is not a candidate."""
        return int(self.lookup([(left, right)])[0])

    def lookup(self, pairs: Iterable[tuple[int, int]]) -> IntArray:
        """The index of each (left, right) pair in order, -1 where it is not a candidate: one
        binary search for all of them."""
        flat = np.fromiter(itertools.chain.from_iterable(pairs), dtype=np.int64)
        wanted = flat[0::2] * self.n_right + flat[1::2]
        keys = self._keys
        if not keys.size:
            return np.full(wanted.size, -1, dtype=np.int64)
        found = np.searchsorted(keys, wanted)
        hit = (found < keys.size) & (keys[np.minimum(found, keys.size - 1)] == wanted)
        out: IntArray = np.where(hit, found, -1).astype(np.int64)
        return out

    def indices(self, pairs: Iterable[tuple[int, int]], *, strict: bool = True) -> IntArray:
        """Sorted distinct indices of these (left, right) pairs. A pair that is not a
        candidate raises ValueError "not_a_candidate", or is skipped when not `strict`."""
        found = self.lookup(pairs)
        if strict and bool((found < 0).any()):
            raise ValueError("not_a_candidate")
        return np.unique(found[found >= 0])


@dataclass(frozen=True)
class Assignment:
    """The chosen edges (sorted indices into the candidates), their total score, how many
    right vertices got at least one edge, and the pairs (left, right) in edge order."""

    edges: IntArray
    objective: int
    covered: int
    mode: str
    pairs: list[tuple[int, int]] = field(default_factory=list)
    # `solve_exact` only: the diversity bonus included in `objective` (0 elsewhere).
    bonus: int = 0


@dataclass(frozen=True)
class Locks:
    """What `fit_locked` kept: the edges (in request order), the positions in the request it
    refused, and the room left on both sides once the kept locks are placed."""

    edges: IntArray
    refused: list[int]
    left_room: list[int]
    right_room: list[int]


def _indices(edges: Iterable[int] | IntArray) -> IntArray:
    array = edges if isinstance(edges, np.ndarray) else np.fromiter(edges, dtype=np.int64)
    unique: IntArray = np.unique(array.astype(np.int64))
    return unique


def _around_locks(
    candidates: Candidates,
    left_capacity: Capacities,
    right_capacity: Capacities,
    locked: Iterable[int] | IntArray,
    excluded: Iterable[int] | IntArray,
) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """The locked edges, the capacities left once they take their places (ValueError
    "locked_over_capacity" when they do not fit), and which edges are free: neither locked
    nor excluded."""
    lock = _indices(locked)
    l_room = np.asarray(left_capacity, dtype=np.int64).copy()
    r_room = np.asarray(right_capacity, dtype=np.int64).copy()
    np.subtract.at(l_room, candidates.left[lock], 1)
    np.subtract.at(r_room, candidates.right[lock], 1)
    if (l_room < 0).any() or (r_room < 0).any():
        raise ValueError("locked_over_capacity")
    free = np.ones(len(candidates), dtype=bool)
    free[lock] = False
    free[_indices(excluded)] = False
    return lock, l_room, r_room, free


def solve(
    candidates: Candidates,
    left_capacity: Capacities,
    right_capacity: Capacities,
    *,
    mode: Mode = "score",
    locked: Iterable[int] | IntArray = (),
    excluded: Iterable[int] | IntArray = (),
) -> Assignment:
    """The assignment of maximum total score (mode "score"), or of maximum coverage and then
    maximum score (mode "participation"), within capacities. `locked` and `excluded` are
    edge indices; the locked edges must fit the capacities (ValueError
    "locked_over_capacity")."""
    if mode not in ("score", "participation"):
        raise ValueError("unknown_mode")
    lock, l_cap, r_cap, free = _around_locks(
        candidates, left_capacity, right_capacity, locked, excluded
    )
    already = np.zeros(candidates.n_right, dtype=bool)
    already[candidates.right[lock]] = True
    free &= (l_cap[candidates.left] > 0) & (r_cap[candidates.right] > 0)
    # An edge worth nothing changes no score; in participation mode it may still cover.
    free &= candidates.score >= 0 if mode == "participation" else candidates.score > 0
    cand = np.flatnonzero(free)

    chosen = cand[:0]
    if cand.size:
        chosen = cand[_flow(candidates, cand, l_cap, r_cap, already, mode == "participation")]
    return _assignment(candidates, np.concatenate((lock, chosen)), mode)


def _assignment(candidates: Candidates, picked: IntArray, mode: str) -> Assignment:
    picked = np.sort(picked)
    left, right = candidates.left[picked].tolist(), candidates.right[picked].tolist()
    return Assignment(
        edges=picked,
        objective=int(candidates.score[picked].sum()),
        covered=len(set(right)),
        mode=mode,
        pairs=list(zip(left, right, strict=True)),
    )


def _flow(
    candidates: Candidates,
    cand: IntArray,
    l_cap: IntArray,
    r_cap: IntArray,
    already: BoolArray,
    participation: bool,
) -> BoolArray:
    """Which of the candidate edges `cand` carry flow in the optimum.

    Costs are shifted to be non-negative (OR-Tools' cost scaling runs about a tenth faster on
    them here): every unit of flow crosses exactly one pair arc or the bypass, and one sink
    arc or the bypass, so adding `top` to both and `bonus` to the sink side of both changes
    every solution's cost by the same amount."""
    if cand.size == len(candidates):
        el, er, score = candidates.left, candidates.right, candidates.score
    else:
        el, er, score = candidates.left[cand], candidates.right[cand], candidates.score[cand]
    n_l, n_r = candidates.n_left, candidates.n_right
    source, sink = n_l + n_r, n_l + n_r + 1
    degree = np.bincount(el, minlength=n_l)
    ls = np.flatnonzero(degree)
    rs = np.flatnonzero(np.bincount(er, minlength=n_r))
    supply = int(min(l_cap[ls].sum(), r_cap[rs].sum()))
    top = int(score.max()) + 1
    bonus = 0
    if participation:
        # Bound on any assignment's total score: each left vertex's best edge times its capacity.
        best = np.zeros(n_l, dtype=np.int64)
        np.maximum.at(best, el, score)
        bonus = int((best[ls] * np.minimum(l_cap[ls], degree[ls])).sum()) + 1
    first = rs[~already[rs]] if participation else rs[:0]
    sink_cap = r_cap[rs] - (~already[rs]).astype(np.int64) if participation else r_cap[rs]
    sizes = (ls.size, cand.size, rs.size, first.size, 1)
    tails = np.empty(sum(sizes), dtype=np.int32)
    heads = np.empty_like(tails)
    caps = np.empty(tails.size, dtype=np.int64)
    costs = np.empty(tails.size, dtype=np.int64)
    a, b, c, d = np.cumsum(sizes)[:4]
    tails[:a], heads[:a], caps[:a], costs[:a] = source, ls, l_cap[ls], 0
    tails[a:b], heads[a:b], caps[a:b] = el, n_l + er, 1
    np.subtract(top, score, out=costs[a:b])
    tails[b:c], heads[b:c], caps[b:c], costs[b:c] = n_l + rs, sink, sink_cap, bonus
    tails[c:d], heads[c:d], caps[c:d], costs[c:d] = n_l + first, sink, 1, 0
    tails[d], heads[d], caps[d], costs[d] = source, sink, supply, top + bonus

    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_l + n_r + 2, dtype=np.int64)
    supplies[source], supplies[sink] = supply, -supply
    smcf.set_nodes_supplies(np.arange(supplies.size, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min_cost_flow_status_{status}")
    flows = smcf.flows(arcs[a:b])
    result: BoolArray = np.asarray(flows) > 0
    return result


def greedy(
    candidates: Candidates,
    left_capacity: Capacities,
    right_capacity: Capacities,
    *,
    locked: Iterable[int] | IntArray = (),
    excluded: Iterable[int] | IntArray = (),
) -> Assignment:
    """Highest score first while both sides have room (ties: the lower edge index), after the
    locked edges take their places; excluded edges are skipped. The locked edges must fit
    (ValueError "locked_over_capacity")."""
    lock, l_room, r_room, free = _around_locks(
        candidates, left_capacity, right_capacity, locked, excluded
    )
    left, right = candidates.left, candidates.right
    order = np.argsort(-candidates.score, kind="stable")
    order = order[free[order] & (candidates.score[order] > 0)]
    l_list, r_list = l_room.tolist(), r_room.tolist()
    picked: list[int] = []
    # The edges in score order, a block at a time: an edge whose vertex filled up in an earlier
    # block is passed over in NumPy (rooms only shrink), so Python visits only the edges that may
    # still fit, not all of them (15 million in a state's round, for 50,000 picked).
    for start in range(0, order.size, GREEDY_BLOCK):
        block = order[start : start + GREEDY_BLOCK]
        block = block[(l_room[left[block]] > 0) & (r_room[right[block]] > 0)]
        first = len(picked)
        for k, i, j in zip(
            block.tolist(), left[block].tolist(), right[block].tolist(), strict=True
        ):
            if l_list[i] > 0 and r_list[j] > 0:
                l_list[i] -= 1
                r_list[j] -= 1
                picked.append(k)
        taken = np.asarray(picked[first:], dtype=np.int64)
        np.subtract.at(l_room, left[taken], 1)
        np.subtract.at(r_room, right[taken], 1)
    chosen = np.concatenate((lock, np.asarray(picked, dtype=np.int64)))
    return _assignment(candidates, chosen, "greedy")


def stable_match(
    left_prefs: Sequence[Sequence[int]],
    right_prefs: Sequence[Sequence[int]],
    capacities: Sequence[int],
    left_capacities: Sequence[int] | None = None,
) -> list[tuple[int, int]]:
    """Left-proposing deferred acceptance. `left_prefs[i]` lists right indices best first,
    `right_prefs[j]` left indices best first; a pair is acceptable only when each lists the
    other (build the lists from candidate edges, so hard constraints hold). `capacities[j]`
    is how many left vertices right j takes; `left_capacities[i]` how many right vertices
    left i takes (default 1). Returns sorted (left, right) pairs: no left and right vertex
    both prefer each other to what they hold (pairwise stable)."""
    n_l = len(left_prefs)
    l_cap = list(left_capacities) if left_capacities is not None else [1] * n_l
    rank = [{i: r for r, i in enumerate(prefs)} for prefs in right_prefs]
    held: list[list[tuple[int, int]]] = [[] for _ in right_prefs]  # heap of (-rank, left)
    next_choice = [0] * n_l
    holding = [0] * n_l
    queue = [i for i in range(n_l) if l_cap[i] > 0]
    while queue:
        i = queue.pop()
        while holding[i] < l_cap[i] and next_choice[i] < len(left_prefs[i]):
            j = left_prefs[i][next_choice[i]]
            next_choice[i] += 1
            if i not in rank[j] or capacities[j] <= 0:
                continue
            heapq.heappush(held[j], (-rank[j][i], i))
            holding[i] += 1
            if len(held[j]) > capacities[j]:
                _, loser = heapq.heappop(held[j])
                holding[loser] -= 1
                if loser != i:
                    queue.append(loser)
    return sorted((i, j) for j, h in enumerate(held) for _, i in h)


def stable(
    candidates: Candidates,
    left_capacity: Capacities,
    right_capacity: Capacities,
    *,
    locked: Iterable[int] | IntArray = (),
    excluded: Iterable[int] | IntArray = (),
) -> Assignment:
    """A pairwise stable assignment where both sides rank the other by the edge's score, best
    first (ties by index); an edge is acceptable when it is not excluded. The locked edges
    take their places first (ValueError "locked_over_capacity" when they do not fit)."""
    lock, l_room, r_room, free = _around_locks(
        candidates, left_capacity, right_capacity, locked, excluded
    )
    left_prefs: list[list[tuple[int, int]]] = [[] for _ in range(candidates.n_left)]
    right_prefs: list[list[tuple[int, int]]] = [[] for _ in range(candidates.n_right)]
    for k in np.flatnonzero(free).tolist():
        i, j, score = int(candidates.left[k]), int(candidates.right[k]), int(candidates.score[k])
        left_prefs[i].append((-score, j))
        right_prefs[j].append((-score, i))
    pairs = stable_match(
        [[j for _s, j in sorted(p)] for p in left_prefs],
        [[i for _s, i in sorted(p)] for p in right_prefs],
        r_room.tolist(),
        l_room.tolist(),
    )
    chosen = candidates.lookup(pairs)
    return _assignment(candidates, np.concatenate((lock, chosen)), "stable")


def fit_locked(
    candidates: Candidates,
    left_capacity: Capacities,
    right_capacity: Capacities,
    requested: Sequence[tuple[int, int]],
    *,
    excluded: Iterable[int] | IntArray = (),
) -> Locks:
    """Keep the requested (left, right) locks that still hold, in order: a candidate edge,
    not excluded, with room on both sides once the earlier ones are placed."""
    l_room = np.asarray(left_capacity, dtype=np.int64).tolist()
    r_room = np.asarray(right_capacity, dtype=np.int64).tolist()
    out = set(_indices(excluded).tolist())
    kept: list[int] = []
    refused: list[int] = []
    found = candidates.lookup(requested).tolist()
    for position, ((i, j), k) in enumerate(zip(requested, found, strict=True)):
        if k < 0 or l_room[i] <= 0 or r_room[j] <= 0 or k in out:
            refused.append(position)
            continue
        l_room[i] -= 1
        r_room[j] -= 1
        kept.append(k)
    return Locks(np.asarray(kept, dtype=np.int64), refused, l_room, r_room)


class InfeasibleError(ValueError):
    """No assignment meets every demand and bound. `short` lists (right vertex, usable
    candidates, demand) for the right vertices with fewer usable candidates than their
    demand (counting their locks); `reasons` are codes: "short_of_candidates",
    "minimums_exceed_demand", "maximums_short_of_demand", and "no_flow" when none of those
    explains it (a subset of right vertices shares too few left vertices);
    "minimum_over_candidates" with `lonely`, the left vertices with fewer usable candidates
    than their minimum."""

    def __init__(
        self,
        reasons: list[str],
        short: list[tuple[int, int, int]],
        lonely: list[int] | None = None,
    ) -> None:
        super().__init__("infeasible: " + ", ".join(reasons))
        self.reasons = reasons
        self.short = short
        self.lonely = lonely or []


def group_bonus_total(counts: Iterable[int], group_bonus: Sequence[int]) -> int:
    """The diversity bonus of groups holding `counts` edges on one right vertex each:
    the n-th edge of a group earns group_bonus[n-1] (0 past the end)."""
    prefix = np.concatenate(([0], np.cumsum(np.asarray(group_bonus, dtype=np.int64))))
    return int(sum(int(prefix[min(c, len(group_bonus))]) for c in counts))


def exact_objective(
    candidates: Candidates,
    edges: IntArray,
    left_group: Sequence[int] | IntArray | None = None,
    group_bonus: Sequence[int] = (),
) -> tuple[int, int]:
    """(total score + bonus, bonus) of a set of edges, as `solve_exact` counts them."""
    edges = np.asarray(edges, dtype=np.int64)
    score = int(candidates.score[edges].sum())
    if left_group is None or not len(group_bonus):
        return score, 0
    groups = np.asarray(left_group, dtype=np.int64)[candidates.left[edges]]
    keys = candidates.right[edges] * (int(groups.max(initial=0)) + 1) + groups
    _, counts = np.unique(keys, return_counts=True)
    bonus = group_bonus_total(counts.tolist(), group_bonus)
    return score + bonus, bonus


def solve_exact(
    candidates: Candidates,
    left_minimum: Capacities,
    left_maximum: Capacities,
    right_demand: Capacities,
    *,
    left_group: Sequence[int] | IntArray | None = None,
    group_bonus: Sequence[int] = (),
    locked: Iterable[int] | IntArray = (),
    excluded: Iterable[int] | IntArray = (),
) -> Assignment:
    """The assignment of maximum total score plus diversity bonus in which right vertex j
    takes exactly `right_demand[j]` edges and left vertex i between `left_minimum[i]` and
    `left_maximum[i]` (both counting locked edges). `left_group[i]` is left vertex i's group
    (non-negative ints) and `group_bonus` the non-increasing bonus of the 1st, 2nd, ... edge
    of one group on one right vertex (ValueError "bonus_not_decreasing" otherwise). Locked
    edges must fit the maximums and demands (ValueError "locked_over_capacity"); raises
    `InfeasibleError` when no assignment meets every bound. Mode "exact"."""
    bonuses = [int(b) for b in group_bonus]
    if any(b < c for b, c in itertools.pairwise(bonuses)):
        raise ValueError("bonus_not_decreasing")
    if any(b < 0 for b in bonuses):
        raise ValueError("bonus_negative")
    lock, l_max, r_dem, free = _around_locks(
        candidates, left_maximum, right_demand, locked, excluded
    )
    n_l, n_r = candidates.n_left, candidates.n_right
    l_min = np.asarray(left_minimum, dtype=np.int64).copy()
    np.subtract.at(l_min, candidates.left[lock], 1)
    l_min = np.maximum(l_min, 0)
    if (l_min > l_max).any():
        raise ValueError("minimum_over_maximum")
    free &= l_max[candidates.left] > 0
    free &= r_dem[candidates.right] > 0
    cand = np.flatnonzero(free)
    el, er, score = candidates.left[cand], candidates.right[cand], candidates.score[cand]

    usable = np.bincount(er, minlength=n_r)
    short = np.flatnonzero(usable < r_dem)
    reasons = []
    if short.size:
        reasons.append("short_of_candidates")
    demand = int(r_dem.sum())
    if int(l_min.sum()) > demand:
        reasons.append("minimums_exceed_demand")
    if int(l_max.sum()) < demand:
        reasons.append("maximums_short_of_demand")
    lonely = np.flatnonzero(np.bincount(el, minlength=n_l) < l_min)
    if lonely.size:
        reasons.append("minimum_over_candidates")
    locked_count = np.bincount(candidates.right[lock], minlength=n_r)
    short_list = [
        (int(j), int(usable[j] + locked_count[j]), int(r_dem[j] + locked_count[j])) for j in short
    ]
    if reasons:
        raise InfeasibleError(reasons, short_list, lonely.tolist())

    chosen = cand[:0]
    if demand:
        use_groups = left_group is not None and bool(bonuses)
        groups = (
            np.asarray(left_group, dtype=np.int64)
            if use_groups and left_group is not None
            else np.zeros(n_l, dtype=np.int64)
        )
        start = np.zeros(0, dtype=np.int64)
        if use_groups:
            # The locked edges' groups already hold the first places of each sequence.
            n_g = int(groups.max(initial=0)) + 1
            start = candidates.right[lock] * n_g + groups[candidates.left[lock]]
        flows = _exact_flow(el, er, score, groups, bonuses, start, l_min, l_max, r_dem, n_l, n_r)
        if flows is None:
            raise InfeasibleError(["no_flow"], [])
        chosen = cand[flows]
    picked = np.sort(np.concatenate((lock, chosen)))
    objective, bonus = exact_objective(candidates, picked, left_group, bonuses)
    left, right = candidates.left[picked].tolist(), candidates.right[picked].tolist()
    return Assignment(
        edges=picked,
        objective=objective,
        covered=len(set(right)),
        mode="exact",
        pairs=list(zip(left, right, strict=True)),
        bonus=bonus,
    )


def _exact_flow(
    el: IntArray,
    er: IntArray,
    score: IntArray,
    groups: IntArray,
    bonuses: list[int],
    locked_keys: IntArray,
    l_min: IntArray,
    l_max: IntArray,
    r_dem: IntArray,
    n_l: int,
    n_r: int,
) -> BoolArray | None:
    """Which edges carry flow in the min-cost flow of `solve_exact`, or None when no flow
    meets the bounds. Costs are shifted to be non-negative: every unit crosses exactly one
    pair arc and one group arc, so adding `top` to each pair arc and `bonus_top` to each
    group arc changes every feasible flow's cost by the same amount."""
    n_g = int(groups.max(initial=0)) + 1
    keys = er * n_g + groups[el]
    middle, edge_middle = np.unique(keys, return_inverse=True)
    n_m = middle.size
    middle_right = middle // n_g
    # Places of each middle node's sequence already held by locked edges.
    held = np.zeros(n_m, dtype=np.int64)
    if locked_keys.size:
        pos = np.searchsorted(middle, locked_keys)
        ok = (pos < n_m) & (middle[np.minimum(pos, n_m - 1)] == locked_keys)
        np.add.at(held, pos[ok], 1)
    size = np.bincount(edge_middle, minlength=n_m)  # the most flow a middle node can carry
    bonus_top = max(bonuses) if bonuses else 0
    top = int(score.max()) + 1 if score.size else 1
    source = n_l + n_r + n_m
    t_list: list[IntArray] = []
    h_list: list[IntArray] = []
    c_list: list[IntArray] = []
    w_list: list[IntArray] = []
    ls = np.flatnonzero(l_max - l_min > 0)
    t_list.append(np.full(ls.size, source, dtype=np.int64))
    h_list.append(ls.astype(np.int64))
    c_list.append((l_max - l_min)[ls])
    w_list.append(np.zeros(ls.size, dtype=np.int64))
    pair_start = ls.size
    t_list.append(el.astype(np.int64))
    h_list.append(n_l + n_r + edge_middle.astype(np.int64))
    c_list.append(np.ones(el.size, dtype=np.int64))
    w_list.append(top - score)
    # Middle -> right: a unit arc for each bonus place not held by a locked edge (place
    # held + t, while there is a pair arc to fill it), then one arc at no bonus for the rest.
    table = np.asarray(bonuses, dtype=np.int64)
    n_bonus = np.minimum(size, np.clip(len(bonuses) - held, 0, None))
    for t in range(len(bonuses)):
        sel = np.flatnonzero(n_bonus > t)
        t_list.append(n_l + n_r + sel)
        h_list.append(n_l + middle_right[sel])
        c_list.append(np.ones(sel.size, dtype=np.int64))
        w_list.append(bonus_top - table[held[sel] + t])
    sel = np.flatnonzero(size > n_bonus)
    t_list.append(n_l + n_r + sel)
    h_list.append(n_l + middle_right[sel])
    c_list.append(size[sel] - n_bonus[sel])
    w_list.append(np.full(sel.size, bonus_top, dtype=np.int64))
    tails = np.concatenate(t_list).astype(np.int32)
    heads = np.concatenate(h_list).astype(np.int32)
    caps = np.concatenate(c_list).astype(np.int64)
    costs = np.concatenate(w_list).astype(np.int64)

    supplies = np.zeros(source + 1, dtype=np.int64)
    supplies[:n_l] = l_min
    supplies[n_l : n_l + n_r] = -r_dem
    supplies[source] = int(r_dem.sum()) - int(l_min.sum())
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(supplies.size, dtype=np.int32), supplies)
    status = smcf.solve()
    if status == smcf.INFEASIBLE:
        return None
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min_cost_flow_status_{status}")
    flows = smcf.flows(arcs[pair_start : pair_start + el.size])
    result: BoolArray = np.asarray(flows) > 0
    return result
