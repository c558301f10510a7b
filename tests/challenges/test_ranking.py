"""Fair ranking (ecotone.challenges.ranking): z-scores, the fixed-effects model of quality and
leniency against a plain constrained least squares on the full design matrix (numpy), its
invariance to a reviewer's constant shift, exact recovery without noise, components."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.challenges.ranking import (
    disagreements,
    fixed_effects,
    rank,
    rank_round,
    weighted_totals,
    zscores,
)


@st.composite
def connected_rounds(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    """Reviews (application, reviewer) of a connected graph: a chain of reviewers across the
    applications, then random extra reviews; and a seed for scores."""
    n_a, n_r = draw(st.integers(2, 8)), draw(st.integers(2, 5))
    pairs = {(j, j % n_r) for j in range(n_a)} | {(j, (j + 1) % n_r) for j in range(n_a)}
    extra = draw(st.lists(st.tuples(st.integers(0, n_a - 1), st.integers(0, n_r - 1))))
    # every reviewer reviews something, so the graph is connected through the chain
    pairs |= set(extra) | {(i % n_a, i) for i in range(n_r)}
    a, r = np.array(sorted(pairs)).T
    return a, r, n_a, n_r, draw(st.integers(0, 2**31))


ROUNDS = connected_rounds()


def reference(a, r, y, n_a, n_r):
    """Least squares on [X; C] with C the sum-zero row of the leniencies (one component),
    and the covariance sigma^2 G X'X G with G = (X'X + C'C)^-1."""
    x = np.zeros((a.size, n_a + n_r))
    x[np.arange(a.size), a] = 1
    x[np.arange(a.size), n_a + r] = 1
    c = np.r_[np.zeros(n_a), np.ones(n_r)][None, :]
    beta = np.linalg.lstsq(np.r_[x, c], np.r_[y, 0.0], rcond=None)[0]
    dof = a.size - (n_a + n_r - 1)
    sigma2 = ((y - x @ beta) ** 2).sum() / dof if dof > 0 else np.nan
    g = np.linalg.inv(x.T @ x + c.T @ c)
    cov = sigma2 * g @ x.T @ x @ g
    return beta[:n_a], beta[n_a:], np.sqrt(np.diag(cov)[:n_a])


@settings(max_examples=60, deadline=None)
@given(ROUNDS)
def test_model_equals_constrained_least_squares(case):
    a, r, n_a, n_r, seed = case
    y = np.random.default_rng(seed).normal(3, 1, a.size)
    model = fixed_effects(a, r, y, n_a, n_r)
    quality, leniency, se = reference(a, r, y, n_a, n_r)
    assert model.components == 1
    np.testing.assert_allclose(model.quality, quality, atol=1e-8)
    np.testing.assert_allclose(model.leniency, leniency, atol=1e-8)
    assert abs(model.leniency.sum()) < 1e-9
    if model.dof > 0:
        np.testing.assert_allclose(model.standard_error, se, rtol=1e-6, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(ROUNDS, st.floats(-3, 3).filter(lambda v: abs(v) > 0.01))
def test_a_reviewers_constant_shift_leaves_the_adjusted_ranking(case, shift):
    a, r, n_a, n_r, seed = case
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 6, a.size).astype(float) + rng.normal(0, 0.3, a.size)
    before = rank_round(a, r, y, n_a, n_r, disagreement_threshold=2)
    who = int(rng.integers(0, n_r))
    shifted = y + np.where(r == who, shift, 0.0)
    after = rank_round(a, r, shifted, n_a, n_r, disagreement_threshold=2)
    # qualities move by one constant, the ranking not at all
    moved = after.quality - before.quality
    np.testing.assert_allclose(moved, moved[0], atol=1e-8)
    assert np.array_equal(before.adjusted_rank, after.adjusted_rank)
    np.testing.assert_allclose(after.mean_z, before.mean_z, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(ROUNDS)
def test_no_noise_recovers_the_true_qualities(case):
    a, r, n_a, n_r, seed = case
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, 1, n_a)
    leniency = rng.normal(0, 1, n_r)
    leniency -= leniency.mean()
    model = fixed_effects(a, r, quality[a] + leniency[r], n_a, n_r)
    np.testing.assert_allclose(model.quality, quality, atol=1e-8)
    np.testing.assert_allclose(model.leniency, leniency, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(1, 5)), min_size=1, max_size=30))
def test_zscores_mean_zero_sd_one_per_reviewer(reviews):
    r = np.array([x for x, _ in reviews])
    y = np.array([v for _, v in reviews])
    z = zscores(r, y)
    for who in set(r.tolist()):
        mine = z[r == who]
        if np.ptp(y[r == who]) > 1e-6:
            assert abs(mine.mean()) < 1e-9
            assert abs(mine.std() - 1) < 1e-9
        else:
            assert (mine == 0).all()


def test_disconnected_components_are_reported():
    # applications 0-1 reviewed by reviewers 0-1; application 2 by reviewer 2 only
    a = np.array([0, 0, 1, 1, 2, 2])
    r = np.array([0, 1, 0, 1, 2, 2])
    y = np.array([4.0, 3.0, 2.0, 1.0, 5.0, 4.0])
    model = fixed_effects(a, r, y, 3, 3)
    assert model.components == 2
    assert model.application_component[0] == model.application_component[1]
    assert model.application_component[2] != model.application_component[0]
    assert model.leniency[2] == pytest.approx(0.0)
    assert model.leniency[0] + model.leniency[1] == pytest.approx(0.0)
    assert model.quality[2] == pytest.approx(4.5)
    assert model.leniency[0] == pytest.approx(0.5)


def test_totals_flags_and_ranks():
    totals = weighted_totals([[4, 2, 3, 5], [1, 1, 1, 1]], [2, 1, 1, 0])
    np.testing.assert_allclose(totals, [3.25, 1.0])
    with pytest.raises(ValueError, match="weights_do_not_match"):
        weighted_totals([[1, 2]], [1])
    spread, flagged = disagreements([0, 0, 1, 1], [1.0, 4.5, 3.0, 3.5], 3, 2.0)
    np.testing.assert_allclose(spread[:2], [3.5, 0.5])
    assert np.isnan(spread[2])
    assert flagged.tolist() == [True, False, False]
    assert rank([3.0, 5.0, 3.0, np.nan, 1.0]).tolist() == [2, 1, 2, 5, 4]


def test_raw_and_adjusted_ranks_differ_for_a_harsh_reviewer():
    # reviewer 1 scores everything 2 points lower; application 2 drew only reviewer 1
    a = np.array([0, 0, 1, 1, 2, 3, 3])
    r = np.array([0, 1, 0, 1, 1, 0, 1])
    truth = np.array([4.0, 3.0, 4.2, 2.5])
    lenient = np.array([1.0, -1.0])
    y = truth[a] + lenient[r]
    result = rank_round(a, r, y, 4, 2, disagreement_threshold=1.5)
    assert result.raw_rank.tolist() == [1, 3, 2, 4]  # the best, application 2, looks second
    assert result.adjusted_rank.tolist() == [2, 3, 1, 4]
    assert result.disagreement.tolist() == [True, True, False, True]
