"""Properties of the assignment core (ecotone.assignment) on generic bipartite instances,
checked against plain oracles: integer programs (scipy.optimize.milp) for the optimum, and
pair-by-pair checks of capacities and of stability."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from ecotone.assignment import (
    Candidates,
    InfeasibleError,
    fit_locked,
    greedy,
    solve,
    solve_exact,
    stable,
    stable_match,
)

# Strategies are built once, here, never inside the composites (hypothesis validates a
# strategy object the first time it draws from it).
LEFT, RIGHT = st.integers(1, 6), st.integers(1, 5)
CAPACITY = st.integers(0, 3)
# An edge is absent (None) about half the time; scores tie often.
EDGE = st.one_of(st.none(), st.integers(0, 60), st.sampled_from([0, 10, 20]))
MODES = st.sampled_from(["score", "participation"])
RANDOMS = st.randoms(use_true_random=False)


@st.composite
def instances(draw: st.DrawFn) -> tuple[Candidates, list[int], list[int]]:
    """Candidate edges sorted by (left, right) with integer scores, and both capacities."""
    n_l, n_r = draw(LEFT), draw(RIGHT)
    left, right, score = [], [], []
    for i in range(n_l):
        for j in range(n_r):
            points = draw(EDGE)
            if points is not None:
                left.append(i)
                right.append(j)
                score.append(points)
    candidates = Candidates(
        np.array(left, dtype=np.int64),
        np.array(right, dtype=np.int64),
        np.array(score, dtype=np.int64),
        n_l,
        n_r,
    )
    return candidates, [draw(CAPACITY) for _ in range(n_l)], [draw(CAPACITY) for _ in range(n_r)]


INSTANCES = instances()


def best_assignment(
    c: Candidates,
    l_cap: Sequence[int],
    r_cap: Sequence[int],
    *,
    participation: bool = False,
    locked: Sequence[int] = (),
    excluded: Sequence[int] = (),
) -> tuple[int, int]:
    """(objective, coverage) of the optimum by integer programming: x per edge, and in
    participation mode y per right vertex (covered), coverage first then score."""
    n_e, n_r = len(c), c.n_right
    if n_e == 0:
        return 0, 0
    n = n_e + n_r
    rows, upper = [], []
    for i, cap in enumerate(l_cap):
        rows.append(np.r_[c.left == i, np.zeros(n_r, bool)].astype(float))
        upper.append(cap)
    for j, cap in enumerate(r_cap):
        rows.append(np.r_[c.right == j, np.zeros(n_r, bool)].astype(float))
        upper.append(cap)
        row = -np.r_[c.right == j, np.zeros(n_r, bool)].astype(float)
        row[n_e + j] = 1  # covered only if some edge of it is chosen
        rows.append(row)
        upper.append(0)
    lower_x = np.zeros(n)
    upper_x = np.ones(n)
    lower_x[list(locked)] = 1
    upper_x[list(excluded)] = 0
    score = np.r_[c.score.astype(float), np.zeros(n_r)]
    cover = np.r_[np.zeros(n_e), np.ones(n_r)]
    constraints = [LinearConstraint(np.array(rows), -np.inf, np.array(upper, dtype=float))]
    if participation:
        first = milp(
            -cover, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lower_x, upper_x)
        )
        coverage = round(-first.fun)
        constraints.append(LinearConstraint(cover[None, :], coverage, np.inf))
    result = milp(
        -score, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lower_x, upper_x)
    )
    x = np.rint(result.x[:n_e]).astype(bool)
    return round(-result.fun), len(set(c.right[x].tolist()))


def check_assignment(c: Candidates, pairs: list[tuple[int, int]], l_cap, r_cap) -> None:
    candidates = set(zip(c.left.tolist(), c.right.tolist(), strict=True))
    assert set(pairs) <= candidates
    assert len(set(pairs)) == len(pairs)
    per_l: dict[int, int] = defaultdict(int)
    per_r: dict[int, int] = defaultdict(int)
    for i, j in pairs:
        per_l[i] += 1
        per_r[j] += 1
    assert all(per_l[i] <= l_cap[i] for i in per_l)
    assert all(per_r[j] <= r_cap[j] for j in per_r)


def locks_and_exclusions(c: Candidates, l_cap, r_cap, rnd) -> tuple[list[int], list[int]]:
    """Random locked edges that fit the capacities, and random excluded ones."""
    order = list(range(len(c)))
    rnd.shuffle(order)
    left_l, left_r = list(l_cap), list(r_cap)
    locked, excluded = [], []
    for k in order:
        i, j = int(c.left[k]), int(c.right[k])
        if rnd.random() < 0.3 and left_l[i] and left_r[j]:
            left_l[i] -= 1
            left_r[j] -= 1
            locked.append(k)
        elif rnd.random() < 0.3:
            excluded.append(k)
    return locked, excluded


def room_after(c: Candidates, l_cap, r_cap, locked: list[int]) -> tuple[list[int], list[int]]:
    room_l, room_r = list(l_cap), list(r_cap)
    for k in locked:
        room_l[c.left[k]] -= 1
        room_r[c.right[k]] -= 1
    return room_l, room_r


def check_locks(c: Candidates, result, l_cap, r_cap, locked, excluded) -> None:
    check_assignment(c, result.pairs, l_cap, r_cap)
    assert set(locked) <= set(result.edges.tolist())
    assert not set(excluded) & set(result.edges.tolist())


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(INSTANCES)
def test_solve_reaches_the_optimum_within_capacities(instance):
    c, l_cap, r_cap = instance
    result = solve(c, l_cap, r_cap)
    check_assignment(c, result.pairs, l_cap, r_cap)
    assert result.objective == int(c.score[result.edges].sum())
    assert result.objective == best_assignment(c, l_cap, r_cap)[0]
    baseline = greedy(c, l_cap, r_cap)
    check_assignment(c, baseline.pairs, l_cap, r_cap)
    assert baseline.objective <= result.objective


@PROPERTY
@given(INSTANCES)
def test_participation_covers_the_most_right_vertices_then_scores_best(instance):
    c, l_cap, r_cap = instance
    by_score = solve(c, l_cap, r_cap)
    result = solve(c, l_cap, r_cap, mode="participation")
    check_assignment(c, result.pairs, l_cap, r_cap)
    objective, coverage = best_assignment(c, l_cap, r_cap, participation=True)
    assert result.covered >= by_score.covered
    assert result.covered == coverage
    assert result.objective == objective


@PROPERTY
@given(INSTANCES, RANDOMS, MODES)
def test_locked_edges_are_kept_and_excluded_edges_never_appear(instance, rnd, mode):
    c, l_cap, r_cap = instance
    locked, excluded = locks_and_exclusions(c, l_cap, r_cap, rnd)
    result = solve(c, l_cap, r_cap, mode=mode, locked=locked, excluded=excluded)
    check_locks(c, result, l_cap, r_cap, locked, excluded)
    objective, _coverage = best_assignment(
        c,
        l_cap,
        r_cap,
        participation=mode == "participation",
        locked=locked,
        excluded=excluded,
    )
    assert result.objective == objective


@PROPERTY
@given(INSTANCES, RANDOMS)
def test_greedy_around_locks_is_greedy_on_what_is_left_and_never_beats_the_optimum(instance, rnd):
    c, l_cap, r_cap = instance
    locked, excluded = locks_and_exclusions(c, l_cap, r_cap, rnd)
    result = greedy(c, l_cap, r_cap, locked=locked, excluded=excluded)
    check_locks(c, result, l_cap, r_cap, locked, excluded)
    # The free part is plain greedy on the other edges, in the room the locks leave.
    rest = np.array([k for k in range(len(c)) if k not in set(locked) | set(excluded)], dtype=int)
    room_l, room_r = room_after(c, l_cap, r_cap, locked)
    sub = Candidates(c.left[rest], c.right[rest], c.score[rest], c.n_left, c.n_right)
    free = greedy(sub, room_l, room_r)
    assert sorted(rest[free.edges].tolist() + locked) == result.edges.tolist()
    optimum = solve(c, l_cap, r_cap, locked=locked, excluded=excluded)
    assert result.objective <= optimum.objective


@PROPERTY
@given(INSTANCES, RANDOMS, st.sampled_from([1, 2, 3, 1 << 16]))
def test_greedy_takes_the_best_edge_that_still_fits_one_at_a_time(instance, rnd, block):
    """Greedy passes edges to Python in blocks, leaving out those whose vertex is already full;
    whatever the block, it picks what the plain one-edge-at-a-time rule picks."""
    c, l_cap, r_cap = instance
    l_room, r_room, expected = list(l_cap), list(r_cap), []
    for k in sorted(range(len(c)), key=lambda k: (-int(c.score[k]), k)):
        i, j = int(c.left[k]), int(c.right[k])
        if c.score[k] > 0 and l_room[i] > 0 and r_room[j] > 0:
            l_room[i] -= 1
            r_room[j] -= 1
            expected.append(k)
    with patch("ecotone.assignment.GREEDY_BLOCK", block):
        assert greedy(c, l_cap, r_cap).edges.tolist() == sorted(expected)


def prefers(score: dict[tuple[int, int], int], ranked: int, over: int, key) -> bool:
    """Whether an edge to `ranked` beats one to `over` by score, ties to the lower index."""
    return (-score[key(ranked)], ranked) < (-score[key(over)], over)


@PROPERTY
@given(INSTANCES, RANDOMS)
def test_stable_by_score_has_no_blocking_pair_and_keeps_the_locks(instance, rnd):
    c, l_cap, r_cap = instance
    locked, excluded = locks_and_exclusions(c, l_cap, r_cap, rnd)
    result = stable(c, l_cap, r_cap, locked=locked, excluded=excluded)
    check_locks(c, result, l_cap, r_cap, locked, excluded)
    assert result.objective == int(c.score[result.edges].sum())
    # Stability among the free edges, in the room the locks leave.
    score = {(int(c.left[k]), int(c.right[k])): int(c.score[k]) for k in range(len(c))}
    room_l, room_r = room_after(c, l_cap, r_cap, locked)
    held_l: dict[int, list[int]] = defaultdict(list)
    held_r: dict[int, list[int]] = defaultdict(list)
    for k in set(result.edges.tolist()) - set(locked):
        held_l[int(c.left[k])].append(int(c.right[k]))
        held_r[int(c.right[k])].append(int(c.left[k]))
    for k in set(range(len(c))) - set(result.edges.tolist()) - set(excluded):
        i, j = int(c.left[k]), int(c.right[k])
        left_wants = len(held_l[i]) < room_l[i] or any(
            prefers(score, j, h, lambda r, i=i: (i, r)) for h in held_l[i]
        )
        right_wants = len(held_r[j]) < room_r[j] or any(
            prefers(score, i, h, lambda m, j=j: (m, j)) for h in held_r[j]
        )
        assert not (left_wants and right_wants), (i, j)


@given(INSTANCES, RANDOMS)
def test_looking_up_pairs_finds_each_candidates_index_and_nothing_else(instance, rnd):
    c, _l_cap, _r_cap = instance
    index = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(c.left, c.right, strict=True))}
    pairs = [(rnd.randrange(c.n_left), rnd.randrange(c.n_right)) for _ in range(12)]
    assert c.lookup(pairs).tolist() == [index.get(pair, -1) for pair in pairs]
    assert [c.find(i, j) for i, j in pairs] == [index.get(pair, -1) for pair in pairs]
    assert c.lookup([]).tolist() == []


def test_fit_locked_keeps_locks_in_order_while_they_hold():
    c = Candidates(np.array([0, 0, 1, 2]), np.array([0, 1, 0, 1]), np.array([5, 5, 5, 5]), 3, 2)
    locks = fit_locked(
        c,
        [1, 1, 1],
        [1, 2],
        [(0, 0), (1, 0), (0, 1), (2, 1), (2, 0)],
        excluded=[3],
    )
    # (1, 0): opportunity 0 is full; (0, 1): mentor 0 is full; (2, 1): excluded;
    # (2, 0): not a candidate.
    assert locks.edges.tolist() == [0]
    assert locks.refused == [1, 2, 3, 4]
    assert locks.left_room == [0, 1, 1]
    assert locks.right_room == [0, 2]


def test_locked_edges_over_capacity_are_refused():
    c = Candidates(np.array([0]), np.array([0]), np.array([3]), 1, 1)
    for run in (solve, greedy, stable):
        with pytest.raises(ValueError, match="locked_over_capacity"):
            run(c, [0], [1], locked=[0])
    with pytest.raises(ValueError, match="unknown_mode"):
        solve(c, [1], [1], mode="fastest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not_a_candidate"):
        c.indices([(0, 1)])
    assert c.indices([(0, 1), (0, 0)], strict=False).tolist() == [0]


PREF_LEFT, PREF_RIGHT = st.integers(0, 7), st.integers(0, 5)
BOOLEANS = st.booleans()
RIGHT_CAPACITY, LEFT_CAPACITY = st.integers(0, 3), st.integers(0, 2)
# A permutation of every vertex, kept to the acceptable ones: a uniform order of those.
ORDERS = [st.permutations(range(n)) for n in range(8)]


@st.composite
def preferences(draw: st.DrawFn):
    n_m, n_o = draw(PREF_LEFT), draw(PREF_RIGHT)
    acceptable = {
        (m, o) for m in range(n_m) for o in range(n_o) if draw(BOOLEANS) or draw(BOOLEANS)
    }
    m_prefs = [[o for o in draw(ORDERS[n_o]) if (m, o) in acceptable] for m in range(n_m)]
    o_prefs = [[m for m in draw(ORDERS[n_m]) if (m, o) in acceptable] for o in range(n_o)]
    caps = [draw(RIGHT_CAPACITY) for _ in range(n_o)]
    m_caps = [draw(LEFT_CAPACITY) for _ in range(n_m)]
    return m_prefs, o_prefs, caps, m_caps


PREFERENCES = preferences()


@PROPERTY
@given(PREFERENCES)
def test_stable_match_has_no_blocking_pair_and_respects_capacities(prefs):
    m_prefs, o_prefs, caps, m_caps = prefs
    pairs = stable_match(m_prefs, o_prefs, caps, m_caps)
    assert len(set(pairs)) == len(pairs)
    held_by_m: dict[int, list[int]] = defaultdict(list)
    held_by_o: dict[int, list[int]] = defaultdict(list)
    for m, o in pairs:
        assert o in m_prefs[m]
        assert m in o_prefs[o]
        held_by_m[m].append(o)
        held_by_o[o].append(m)
    assert all(len(held_by_m[m]) <= m_caps[m] for m in held_by_m)
    assert all(len(held_by_o[o]) <= caps[o] for o in held_by_o)
    for m, ranked in enumerate(m_prefs):
        for o in ranked:
            if (m, o) in pairs:
                continue
            m_wants = len(held_by_m[m]) < m_caps[m] or any(
                ranked.index(o) < ranked.index(h) for h in held_by_m[m]
            )
            o_wants = len(held_by_o[o]) < caps[o] or any(
                o_prefs[o].index(m) < o_prefs[o].index(h) for h in held_by_o[o]
            )
            assert not (m_wants and o_wants), (m, o)


def test_stable_match_one_to_one_is_left_optimal():
    # The classic instance: the left side gets its first choices when the right side's views
    # conflict, because the left side proposes.
    pairs = stable_match([[0, 1], [1, 0]], [[1, 0], [0, 1]], [1, 1])
    assert pairs == [(0, 0), (1, 1)]


# --- solve_exact: exact demands, minimum loads, the convex group bonus --------------------

SIGNED = st.integers(-20, 40)
GROUPS = st.lists(st.integers(0, 2), min_size=6, max_size=6)
BONUSES = st.sampled_from([(), (15,), (25, 10), (9, 9, 3)])


def exact_reference(c: Candidates, low, high, demand, groups, bonus, locked, excluded):
    """The optimum by integer programming written from the statement (not the flow), or None
    when infeasible: z per (right, group, n) 'an n-th edge of this group', bounded by the
    group's edges."""
    n_e = len(c)
    keys = sorted({(int(j), groups[int(i)]) for i, j in zip(c.left, c.right, strict=True)})
    n = n_e + len(keys) * len(bonus)
    rows, lo, hi = [], [], []
    for i in range(c.n_left):
        rows.append(np.r_[c.left == i, np.zeros(n - n_e, bool)].astype(float))
        lo.append(low[i])
        hi.append(high[i])
    for j in range(c.n_right):
        rows.append(np.r_[c.right == j, np.zeros(n - n_e, bool)].astype(float))
        lo.append(demand[j])
        hi.append(demand[j])
    gain = np.r_[c.score.astype(float), np.zeros(n - n_e)]
    g_of = np.asarray(groups)[c.left] if n_e else np.zeros(0, int)
    for q, (j, g) in enumerate(keys):
        row = np.zeros(n)
        row[:n_e] = -((c.right == j) & (g_of == g)).astype(float)
        for t, b in enumerate(bonus):
            row[n_e + q * len(bonus) + t] = 1
            gain[n_e + q * len(bonus) + t] = b
        rows.append(row)
        lo.append(-np.inf)
        hi.append(0)
    if n == 0:
        return 0 if sum(demand) == 0 and sum(low) == 0 else None
    lower, upper = np.zeros(n), np.ones(n)
    lower[list(locked)] = 1
    upper[list(excluded)] = 0
    result = milp(
        -gain,
        constraints=[LinearConstraint(np.array(rows), np.array(lo), np.array(hi))],
        integrality=np.ones(n),
        bounds=Bounds(lower, upper),
    )
    return None if result.status == 2 else round(-result.fun)


@PROPERTY
@given(INSTANCES, RANDOMS, GROUPS, BONUSES, st.lists(SIGNED, min_size=40, max_size=40))
def test_solve_exact_meets_every_bound_at_the_optimum(instance, rnd, groups, bonus, signed):
    c, l_cap, r_cap = instance
    # scores of either sign: every demand must be met, so a negative edge may be needed
    c = Candidates(
        c.left, c.right, np.asarray(signed[: len(c)], dtype=np.int64), c.n_left, c.n_right
    )
    # small minimums and demands, so that about half the rounds can be met
    low = [rnd.randint(0, min(cap, 1)) for cap in l_cap]
    demand = [rnd.randint(0, min(cap, 2)) for cap in r_cap]
    locked, excluded = locks_and_exclusions(c, l_cap, demand, rnd)
    expected = exact_reference(c, low, l_cap, demand, groups, bonus, locked, excluded)
    try:
        result = solve_exact(
            c,
            low,
            l_cap,
            demand,
            left_group=groups,
            group_bonus=bonus,
            locked=locked,
            excluded=excluded,
        )
    except InfeasibleError:
        assert expected is None
        return
    assert expected is not None
    assert result.objective == expected
    assert set(locked) <= set(result.edges.tolist())
    assert not set(excluded) & set(result.edges.tolist())
    per_l = np.bincount(c.left[result.edges], minlength=c.n_left)
    per_r = np.bincount(c.right[result.edges], minlength=c.n_right)
    assert per_r.tolist() == demand
    assert all(lo <= x <= hi for lo, x, hi in zip(low, per_l.tolist(), l_cap, strict=True))


def test_solve_exact_explains_an_infeasible_round():
    c = Candidates(np.array([0, 1]), np.array([0, 0]), np.array([5, 5]), 3, 2)
    with pytest.raises(InfeasibleError) as caught:
        solve_exact(c, [0, 0, 1], [2, 2, 2], [2, 1])
    assert set(caught.value.reasons) == {"short_of_candidates", "minimum_over_candidates"}
    assert caught.value.short == [(1, 0, 1)]
    assert caught.value.lonely == [2]
