"""Fair ranking of a round's applications from its reviews. Django-free, strictly typed.

- `weighted_totals`: a review's total is the weighted mean of its criterion scores,
  sum(w_c x s_c) / sum(w_c), on the scoring scale.
- `zscores`: each reviewer's totals standardised by their own mean and standard deviation
  (population sd, ddof 0): mean 0 and sd 1 for a reviewer with two or more distinct totals;
  0 for a reviewer with one review or all totals equal (nothing to tell apart).
- `fixed_effects`: the least-squares model total = quality(application) +
  leniency(reviewer) + noise. The model sees only differences, so it is identified by
  making the leniencies of each connected component of the reviewer-application graph sum
  to zero (a lenient reviewer's scores are lowered, a harsh one's raised, the component's
  mean kept). Applications in different components are compared on their raw scale only:
  each application's `component` is reported and `components` > 1 should be shown.
  Solution: the applications' qualities are eliminated (each is the mean of its reviews
  minus their reviewers' leniencies), leaving the reviewers' system S l = b with S =
  D_r - N' D_a^-1 N (N the application x reviewer counts, D the counts per application and
  per reviewer), singular only along each component's constant; it is solved with those
  constants added (S + sum_c 1_c 1_c' / n_c), which returns the sum-zero solution.
  Standard errors: sigma^2 = residual sum of squares / (reviews - applications - reviewers
  + components), and Var(q_a) = sigma^2 (1/n_a + n_a' S^+ n_a / n_a^2), the diagonal of
  sigma^2 (D_a^-1 + D_a^-1 N S^+ N' D_a^-1), S^+ the pseudo-inverse. With no degrees of
  freedom left the standard errors are NaN. Time: O(reviews + reviewers^3).
- `disagreements`: applications whose reviews' totals spread (max - min) more than a
  threshold.
- `rank`: competition ranks (1 = best, ties share the best rank).
- `rank_round`: the above together: per application the raw mean, its rank, the adjusted
  quality, its standard error and rank, the spread and the flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def weighted_totals(
    scores: FloatArray | Sequence[Sequence[float]], weights: Sequence[float]
) -> FloatArray:
    """Each review's weighted mean of its criterion scores (reviews x criteria)."""
    matrix = np.asarray(scores, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or matrix.ndim != 2 or matrix.shape[1] != w.size:
        raise ValueError("weights_do_not_match")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights_not_positive")
    totals: FloatArray = matrix @ w / w.sum()
    return totals


def zscores(reviewer: IntArray | Sequence[int], totals: FloatArray | Sequence[float]) -> FloatArray:
    """Each total standardised within its reviewer (module docstring)."""
    who = np.asarray(reviewer, dtype=np.int64)
    y = np.asarray(totals, dtype=np.float64)
    if who.size == 0:
        return np.zeros(0)
    n = np.bincount(who).astype(np.float64)
    mean = np.bincount(who, weights=y) / np.maximum(n, 1)
    centred = y - mean[who]
    sd = np.sqrt(np.bincount(who, weights=centred**2) / np.maximum(n, 1))
    scale = sd[who]
    out: FloatArray = np.divide(
        centred, scale, out=np.zeros_like(centred), where=scale > 1e-12 * (1 + np.abs(y))
    )
    return out


@dataclass(frozen=True)
class Model:
    """The fixed-effects fit: quality and its standard error per application, leniency per
    reviewer, the component of each, the residual sd and degrees of freedom."""

    quality: FloatArray
    standard_error: FloatArray
    leniency: FloatArray
    application_component: IntArray
    reviewer_component: IntArray
    components: int
    sigma: float
    dof: int


def fixed_effects(
    application: IntArray | Sequence[int],
    reviewer: IntArray | Sequence[int],
    totals: FloatArray | Sequence[float],
    n_applications: int,
    n_reviewers: int,
) -> Model:
    """Fit total = quality + leniency + noise (module docstring). Applications or reviewers
    without reviews get NaN and a component of their own."""
    a = np.asarray(application, dtype=np.int64)
    r = np.asarray(reviewer, dtype=np.int64)
    y = np.asarray(totals, dtype=np.float64)
    n_a, n_r = n_applications, n_reviewers
    ones = np.ones(a.size)
    counts = sparse.csr_matrix((ones, (a, r)), shape=(n_a, n_r))  # N, duplicates summed
    d_a = np.bincount(a, minlength=n_a).astype(np.float64)
    d_r = np.bincount(r, minlength=n_r).astype(np.float64)
    y_a = np.bincount(a, weights=y, minlength=n_a)
    y_r = np.bincount(r, weights=y, minlength=n_r)
    inv_a = np.divide(1.0, d_a, out=np.zeros(n_a), where=d_a > 0)

    graph = sparse.bmat([[None, counts], [counts.T, None]], format="csr")
    n_comp, labels = connected_components(graph, directed=False)
    a_comp, r_comp = labels[:n_a].astype(np.int64), labels[n_a:].astype(np.int64)

    scaled = sparse.diags(inv_a) @ counts  # D_a^-1 N
    s = np.diag(d_r) - (counts.T @ scaled).toarray()
    b = y_r - scaled.T @ y_a
    # The null space: per component, its reviewers' constant (unit-normalised projector).
    sizes = np.bincount(r_comp, minlength=n_comp).astype(np.float64)
    same = r_comp[:, None] == r_comp[None, :]
    projector = np.where(same, 1.0 / np.maximum(sizes[r_comp][:, None], 1.0), 0.0)
    reviewed = d_r > 0
    projector[~reviewed, :] = 0.0
    projector[:, ~reviewed] = 0.0
    projector[~reviewed, ~reviewed] = 1.0  # a reviewer with no review: leniency 0
    inverse = np.linalg.inv(s + projector)
    leniency = inverse @ b
    s_plus = inverse - projector

    quality = inv_a * y_a - scaled @ leniency
    fitted = quality[a] + leniency[r]
    rss = float(((y - fitted) ** 2).sum())
    used = int((d_a > 0).sum()) + int(reviewed.sum())
    comps = len(set(a_comp[d_a > 0].tolist()))
    dof = int(y.size - used + comps)
    sigma2 = rss / dof if dof > 0 else float("nan")
    spread = np.asarray((scaled @ sparse.csr_matrix(s_plus)).multiply(scaled).sum(axis=1))
    variance = sigma2 * (inv_a + spread.ravel())
    quality[d_a == 0] = np.nan
    leniency[~reviewed] = np.nan
    variance[d_a == 0] = np.nan
    return Model(
        quality=quality,
        standard_error=np.sqrt(np.maximum(variance, 0.0)),
        leniency=leniency,
        application_component=a_comp,
        reviewer_component=r_comp,
        components=comps,
        sigma=float(np.sqrt(sigma2)),
        dof=dof,
    )


def rank(values: FloatArray | Sequence[float]) -> IntArray:
    """Competition ranks, highest first (1 = best; ties share the best rank; NaN last)."""
    v = np.asarray(values, dtype=np.float64)
    key = np.where(np.isnan(v), -np.inf, v)
    order = np.argsort(-key, kind="stable")
    ranks = np.empty(v.size, dtype=np.int64)
    sorted_keys = key[order]
    first = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if v.size else np.zeros(0, bool)
    position = np.arange(1, v.size + 1)
    ranks[order] = np.maximum.accumulate(np.where(first, position, 0))
    return ranks


def disagreements(
    application: IntArray | Sequence[int],
    totals: FloatArray | Sequence[float],
    n_applications: int,
    threshold: float,
) -> tuple[FloatArray, BoolArray]:
    """Per application the spread (max - min) of its reviews' totals (0 with one review, NaN
    with none) and whether it exceeds `threshold`."""
    a = np.asarray(application, dtype=np.int64)
    y = np.asarray(totals, dtype=np.float64)
    high = np.full(n_applications, -np.inf)
    low = np.full(n_applications, np.inf)
    np.maximum.at(high, a, y)
    np.minimum.at(low, a, y)
    spread = np.where(np.isfinite(high), high - low, np.nan)
    flagged: BoolArray = np.nan_to_num(spread, nan=0.0) > threshold
    return spread, flagged


@dataclass(frozen=True)
class Ranking:
    raw_mean: FloatArray
    raw_rank: IntArray
    mean_z: FloatArray
    quality: FloatArray
    standard_error: FloatArray
    adjusted_rank: IntArray
    spread: FloatArray
    disagreement: BoolArray
    model: Model


def rank_round(
    application: IntArray | Sequence[int],
    reviewer: IntArray | Sequence[int],
    totals: FloatArray | Sequence[float],
    n_applications: int,
    n_reviewers: int,
    *,
    disagreement_threshold: float,
) -> Ranking:
    """Raw and adjusted ranks side by side, with the z-score means and the flags."""
    a = np.asarray(application, dtype=np.int64)
    y = np.asarray(totals, dtype=np.float64)
    n = np.bincount(a, minlength=n_applications).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.bincount(a, weights=y, minlength=n_applications) / n
        z = np.bincount(a, weights=zscores(reviewer, y), minlength=n_applications) / n
    model = fixed_effects(a, reviewer, y, n_applications, n_reviewers)
    spread, flagged = disagreements(a, y, n_applications, disagreement_threshold)
    return Ranking(
        raw_mean=raw,
        raw_rank=rank(raw),
        mean_z=z,
        quality=model.quality,
        standard_error=model.standard_error,
        adjusted_rank=rank(model.quality),
        spread=spread,
        disagreement=flagged,
        model=model,
    )
