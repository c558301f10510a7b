"""Reviewer assignment (ecotone.challenges.reviewing) on random small rounds, checked against
an independent integer program (scipy.optimize.milp, HiGHS) written from the problem's
statement, not from the flow: x per non-conflicted pair, y per (application, sector, n)
'at least n reviewers of this sector' with its bonus, loads and k as linear constraints."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from ecotone.challenges.reviewing import (
    Application,
    Reviewer,
    Weights,
    assign,
    build,
    conflicts,
)

ORGS = ["o1", "o2", "o3", "o4", "o5"]
TOPICS = ["t1", "t2", "t3", "t4"]
REGIONS = ["south", "west", "north"]
SECTORS = ["nonprofit", "school", "industry"]


def subset(items: list[str], max_size: int = 2) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items), max_size=max_size)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[Reviewer], list[Application], int, dict, list]:
    n_r, n_a = draw(st.integers(2, 6)), draw(st.integers(1, 5))
    applications = [
        Application(
            id=f"a{j}",
            organization=draw(st.sampled_from(ORGS)),
            co_applicants=draw(subset(ORGS, 1)),
            partners=draw(subset(ORGS, 1)),
            people=draw(st.frozensets(st.sampled_from([f"r{i}" for i in range(n_r)]), max_size=1)),
            topics=draw(subset(TOPICS)),
            regions=draw(subset(REGIONS, 1)),
            sectors=draw(subset(SECTORS, 1)),
        )
        for j in range(n_a)
    ]
    reviewers = []
    for i in range(n_r):
        low = draw(st.integers(0, 2))
        reviewers.append(
            Reviewer(
                id=f"r{i}",
                sector=draw(st.sampled_from(SECTORS)),
                min_load=low,
                max_load=draw(st.integers(low, 4)),
                organizations=draw(subset(ORGS, 1)),
                topics=draw(subset(TOPICS, 3)),
                regions=draw(subset(REGIONS, 2)),
                sectors=draw(subset(SECTORS, 2)),
                declared_conflicts=draw(
                    st.frozensets(st.sampled_from([a.id for a in applications]), max_size=1)
                ),
            )
        )
    k = draw(st.integers(1, 3))
    bids = {}
    for r in reviewers:
        for a in applications:
            bid = draw(st.sampled_from([None, None, "eager", "willing", "not_willing"]))
            if bid:
                bids[(r.id, a.id)] = bid
    locks = draw(
        st.lists(
            st.tuples(
                st.sampled_from([r.id for r in reviewers]),
                st.sampled_from([a.id for a in applications]),
            ),
            max_size=2,
            unique=True,
        )
    )
    return reviewers, applications, k, bids, locks


ROUNDS = rounds()
WEIGHTS = st.sampled_from([Weights(), Weights(diversity=()), Weights(diversity=(50, 25, 5))])


def reference(reviewers, applications, k, bids, weights, locks):
    """The optimum by integer programming, or None when infeasible."""
    inst = build(reviewers, applications, bids, weights)
    cand = inst.candidates
    n_e = len(cand)
    keys = sorted(
        {(int(j), int(inst.groups[i])) for i, j in zip(cand.left, cand.right, strict=True)}
    )
    levels = len(weights.diversity)
    n = n_e + len(keys) * levels
    rows, low, high = [], [], []
    for i, r in enumerate(reviewers):
        rows.append(np.r_[cand.left == i, np.zeros(n - n_e, bool)].astype(float))
        low.append(r.min_load)
        high.append(r.max_load)
    for j in range(len(applications)):
        rows.append(np.r_[cand.right == j, np.zeros(n - n_e, bool)].astype(float))
        low.append(k)
        high.append(k)
    objective = np.zeros(n)
    objective[:n_e] = cand.score
    for q, (j, g) in enumerate(keys):
        row = np.zeros(n)
        row[:n_e] = -((cand.right == j) & (inst.groups[cand.left] == g)).astype(float)
        for t in range(levels):
            row[n_e + q * levels + t] = 1
            objective[n_e + q * levels + t] = weights.diversity[t]
        rows.append(row)
        low.append(-np.inf)
        high.append(0)
    lower = np.zeros(n)
    row_of = {r.id: i for i, r in enumerate(reviewers)}
    col_of = {a.id: j for j, a in enumerate(applications)}
    # Locks as `assign` keeps them: in order, while a non-conflicted pair with room.
    load, given_ = Counter(), Counter()
    for r, a in locks:
        e = cand.find(row_of[r], col_of[a])
        if e >= 0 and load[r] < reviewers[row_of[r]].max_load and given_[a] < k:
            load[r] += 1
            given_[a] += 1
            lower[e] = 1
    if n == 0:  # no candidate at all: every application needs k >= 1 reviewers
        return None
    result = milp(
        -objective,
        constraints=[LinearConstraint(np.array(rows), np.array(low), np.array(high))],
        integrality=np.ones(n),
        bounds=Bounds(lower, np.ones(n)),
    )
    if result.status == 2:
        return None
    assert result.status == 0
    return round(-result.fun)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROUNDS, WEIGHTS)
def test_optimal_conflict_free_within_bounds(case, weights):
    reviewers, applications, k, bids, locks = case
    result = assign(reviewers, applications, k, bids, weights=weights, locks=locks)
    expected = reference(reviewers, applications, k, bids, weights, locks)
    if expected is None:
        assert result.infeasible is not None
        assert result.pairs == []
        return
    assert result.infeasible is None
    assert result.objective == expected
    conflict = conflicts(reviewers, applications)
    row_of = {r.id: i for i, r in enumerate(reviewers)}
    col_of = {a.id: j for j, a in enumerate(applications)}
    assert not any(conflict[row_of[r], col_of[a]] for r, a in result.pairs)
    assert len(set(result.pairs)) == len(result.pairs)
    per_app = Counter(a for _r, a in result.pairs)
    assert all(per_app[a.id] == k for a in applications)
    for r in reviewers:
        assert r.min_load <= result.loads[r.id] <= r.max_load
    refused = {(r, a) for r, a, _why in result.refused_locks}
    for lock in locks:
        assert lock in refused or lock in set(result.pairs)
        if lock in refused:
            continue
        assert result.explanations[lock].locked
    for r, a, why in result.refused_locks:
        assert why != "conflict" or conflict[row_of[r], col_of[a]]
    assert sum(e.total for e in result.explanations.values()) == result.objective


def test_conflict_kinds_and_explanation():
    apps = [
        Application("a0", "org-a", co_applicants=frozenset({"org-b"}), topics=frozenset({"t"})),
        Application("a1", "org-c", partners=frozenset({"org-d"}), people=frozenset({"r3"})),
    ]
    reviewers = [
        Reviewer("r0", "school", organizations=frozenset({"org-b"})),  # coalition member of a0
        Reviewer("r1", "school", organizations=frozenset({"org-d"})),  # partner of a1
        Reviewer("r2", "school", declared_conflicts=frozenset({"a0"})),
        Reviewer("r3", "industry"),  # a person on a1
    ]
    assert conflicts(reviewers, apps).tolist() == [
        [True, False],
        [False, True],
        [True, False],
        [False, True],
    ]
    reviewers.append(Reviewer("r4", "industry", topics=frozenset({"t"})))
    result = assign(reviewers, apps, 2, {("r4", "a0"): "eager"})
    # r4 (industry) reviews both, beside a school reviewer on each: two sectors per application.
    pairs = set(result.pairs)
    assert {("r1", "a0"), ("r4", "a0"), ("r4", "a1")} <= pairs
    assert len(pairs & {("r0", "a1"), ("r2", "a1")}) == 1
    explanation = result.explanations[("r4", "a0")]
    assert (explanation.topics, explanation.bid) == (10, 20)
    assert sorted(result.explanations[p].diversity for p in [("r1", "a0"), ("r4", "a0")]) == [
        30,
        30,
    ]


def test_infeasible_names_the_applications_short_of_reviewers():
    apps = [Application("a0", "org-a"), Application("a1", "org-b")]
    reviewers = [
        Reviewer("r0", "school", organizations=frozenset({"org-a"})),
        Reviewer("r1", "school"),
        Reviewer("r2", "school", min_load=3, max_load=3),
    ]
    result = assign(reviewers, apps, 2)
    assert result.infeasible is not None
    assert ("a0", 2, 2) not in result.infeasible.applications
    assert set(result.infeasible.reasons) == {"minimum_over_candidates"}
    assert result.infeasible.reviewers == ["r2"]
    result = assign(reviewers[:2], apps, 2)
    assert result.infeasible is not None
    assert result.infeasible.applications == [("a0", 1, 2)]


def test_locks_kept_on_resolve_and_conflicted_lock_refused():
    apps = [Application(f"a{j}", f"org-{j}", topics=frozenset({"t"})) for j in range(3)]
    reviewers = [
        Reviewer("r0", "school", max_load=3, topics=frozenset({"t"})),
        Reviewer("r1", "industry", max_load=3, organizations=frozenset({"org-0"})),
        Reviewer("r2", "nonprofit", max_load=3),
    ]
    first = assign(reviewers, apps, 1)
    assert all(r == "r0" for r, _a in first.pairs)
    again = assign(reviewers, apps, 1, locks=[("r2", "a1"), ("r1", "a0")])
    assert ("r2", "a1") in again.pairs
    assert again.explanations[("r2", "a1")].locked
    assert again.refused_locks == [("r1", "a0", "conflict")]


def test_not_willing_is_a_penalty_unless_excluded():
    apps = [Application("a0", "org-a")]
    reviewers = [Reviewer("r0", "school")]
    bids = {("r0", "a0"): "not_willing"}
    assert assign(reviewers, apps, 1, bids).pairs == [("r0", "a0")]
    excluded = assign(reviewers, apps, 1, bids, weights=Weights(exclude_not_willing=True))
    assert excluded.infeasible is not None
    assert excluded.infeasible.applications == [("a0", 0, 1)]


def test_diversity_prefers_different_sectors():
    apps = [Application("a0", "org-a")]
    reviewers = [
        Reviewer("r0", "school", topics=frozenset()),
        Reviewer("r1", "school"),
        Reviewer("r2", "industry"),
    ]
    result = assign(reviewers, apps, 2)
    assert {r for r, _a in result.pairs} in ({"r0", "r2"}, {"r1", "r2"})
    assert result.objective == 60


def test_decreasing_bonus_is_required():
    with pytest.raises(ValueError, match="bonus_not_decreasing"):
        assign(
            [Reviewer("r0", "s")], [Application("a0", "o")], 1, weights=Weights(diversity=(1, 5))
        )
