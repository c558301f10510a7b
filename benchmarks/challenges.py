"""Benchmark the challenges core at the issue's size (ecotone.challenges, issue 20 item 10).

    .venv/bin/python benchmarks/challenges.py [--applications 5000] [--reviewers 600] [--k 3]
        [--runs 3] [--seed 20] [--skip-reference]

What is timed:
- `assign_seconds`: `reviewing.assign()` whole, scoring every reviewer x application pair
  (topics, regions, sectors, bids), the conflict matrix, then the optimum of
  `assignment.solve_exact` (OR-Tools min-cost flow) with the diversity layer;
- `normalize_seconds`: `ranking.rank_round()` over the k x applications reviews of that
  assignment (z-scores, the fixed-effects model with standard errors, flags, ranks); the
  totals come from four criterion scores 1-5 made up as quality + the reviewer's leniency +
  noise, weighted 3/2/2/1.
Medians over `--runs` runs on the same instance, in this process, garbage collected between;
wall time (`*_seconds`) and, since the machine is shared, the process's CPU time
(`*_cpu_seconds`, all threads; NumPy's BLAS may use two).

The instance (seeded): 3,000 organizations; each application a lead organization, a
co-applicant organization for 20 % (a coalition), 0-3 listed partners, 1-3 of 30 topics, one
of 12 regions, 1-2 of 6 sectors served, one or two people; each reviewer 1-2 organizations,
a background sector among 5, 2-6 topics, 1-3 regions, 1-3 sectors, a load between 15 and 35
(min) or 20 and 35 (a third keep min 0), two declared conflicts, and 1 % of them people on
some application; bids on 40 applications each: 30 % eager, 50 % willing, 20 % not willing.

Reference (`reference_objective`): the same instance as a linear program, solved by HiGHS
(`scipy.optimize.linprog`, dual simplex), written from the problem, not from the flow: a
variable in [0, 1] per non-conflicted pair, one per (application, sector, n) "an n-th
reviewer of this sector" bounded by the pairs of that sector, loads and k as rows. Its
optimum is an upper bound on every integral assignment's objective, so equality with ours
proves ours optimal (the program is a network flow, so the two agree). `conflicted_pairs`
counts assigned pairs in conflict, recomputed from the inputs.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ecotone.challenges import ranking, reviewing  # noqa: E402
from ecotone.challenges.reviewing import Application, Reviewer, Weights  # noqa: E402

TOPICS = [f"topic-{i}" for i in range(30)]
REGIONS = [f"region-{i}" for i in range(12)]
SERVED = ["youth", "schools", "families", "rural", "tribal", "girls"]
BACKGROUNDS = ["nonprofit", "school", "industry", "university", "funder"]


def pick(rng: np.random.Generator, items: list[str], low: int, high: int) -> frozenset[str]:
    return frozenset(rng.choice(items, int(rng.integers(low, high + 1)), replace=False).tolist())


def instance(n_a: int, n_r: int, seed: int):
    rng = np.random.default_rng(seed)
    orgs = [f"org-{i}" for i in range(3000)]
    applications = []
    for j in range(n_a):
        applications.append(
            Application(
                id=f"a{j}",
                organization=str(rng.choice(orgs)),
                co_applicants=pick(rng, orgs, 1, 1) if rng.random() < 0.2 else frozenset(),
                partners=pick(rng, orgs, 0, 3),
                people=frozenset({f"p{j}"} | ({f"p{j}b"} if rng.random() < 0.5 else set())),
                topics=pick(rng, TOPICS, 1, 3),
                regions=pick(rng, REGIONS, 1, 1),
                sectors=pick(rng, SERVED, 1, 2),
            )
        )
    reviewers = []
    for i in range(n_r):
        # 1 % of reviewers are people on some application
        person = f"p{int(rng.integers(n_a))}" if rng.random() < 0.01 else f"reviewer-{i}"
        low = 0 if rng.random() < 1 / 3 else int(rng.integers(15, 21))
        reviewers.append(
            Reviewer(
                id=person,
                sector=str(rng.choice(BACKGROUNDS)),
                min_load=low,
                max_load=int(rng.integers(max(low, 20), 36)),
                organizations=pick(rng, orgs, 1, 2),
                topics=pick(rng, TOPICS, 2, 6),
                regions=pick(rng, REGIONS, 1, 3),
                sectors=pick(rng, SERVED, 1, 3),
                declared_conflicts=frozenset(f"a{x}" for x in rng.integers(0, n_a, 2)),
            )
        )
    bids: dict[tuple[str, str], reviewing.Bid] = {}
    kinds: list[reviewing.Bid] = ["eager", "willing", "not_willing"]
    for r in reviewers:
        for j in rng.choice(n_a, 40, replace=False).tolist():
            bids[(r.id, f"a{j}")] = kinds[int(rng.choice(3, p=[0.3, 0.5, 0.2]))]
    return reviewers, applications, bids


def reference(inst: reviewing.Instance, reviewers, n_a: int, k: int, weights: Weights):
    """(objective, seconds) of the LP by HiGHS (module docstring)."""
    started = time.perf_counter()
    cand = inst.candidates
    n_e, n_r = len(cand), len(reviewers)
    levels = len(weights.diversity)
    n_g = len(inst.sectors)
    key = cand.right * n_g + inst.groups[cand.left]
    keys, which = np.unique(key, return_inverse=True)
    n_z = keys.size * levels
    cols_x = np.arange(n_e)
    # rows: loads (n_r), applications (n_a, equality), groups (keys, <= 0)
    load = sparse.csr_matrix((np.ones(n_e), (cand.left, cols_x)), shape=(n_r, n_e + n_z))
    demand = sparse.csr_matrix((np.ones(n_e), (cand.right, cols_x)), shape=(n_a, n_e + n_z))
    z_cols = n_e + np.arange(n_z)
    z_rows = np.repeat(np.arange(keys.size), levels)
    group = sparse.csr_matrix(
        (
            np.r_[-np.ones(n_e), np.ones(n_z)],
            (np.r_[which, z_rows], np.r_[cols_x, z_cols]),
        ),
        shape=(keys.size, n_e + n_z),
    )
    cost = -np.r_[
        cand.score.astype(float), np.tile(np.asarray(weights.diversity, float), keys.size)
    ]
    lo = np.array([r.min_load for r in reviewers], float)
    hi = np.array([r.max_load for r in reviewers], float)
    a_ub = sparse.vstack([load, -load, group]).tocsr()
    b_ub = np.r_[hi, -lo, np.zeros(keys.size)]
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=demand,
        b_eq=np.full(n_a, float(k)),
        bounds=(0, 1),
        method="highs-ds",
    )
    seconds = time.perf_counter() - started
    if result.status != 0:
        raise SystemExit(f"reference LP failed: {result.message}")
    return -result.fun, seconds


def reviews_of(result: reviewing.Result, reviewers, applications, seed: int):
    rng = np.random.default_rng(seed + 1)
    row = {r.id: i for i, r in enumerate(reviewers)}
    col = {a.id: j for j, a in enumerate(applications)}
    a = np.array([col[x] for _r, x in result.pairs], dtype=np.int64)
    r = np.array([row[x] for x, _a in result.pairs], dtype=np.int64)
    quality = rng.normal(3, 0.7, len(applications))
    leniency = rng.normal(0, 0.5, len(reviewers))
    raw = quality[a, None] + leniency[r, None] + rng.normal(0, 0.4, (a.size, 4))
    scores = np.clip(np.rint(raw), 1, 5)
    return a, r, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=5_000)
    parser.add_argument("--reviewers", type=int, default=600)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    reviewers, applications, bids = instance(args.applications, args.reviewers, args.seed)
    build_seconds = time.perf_counter() - started
    weights = Weights()

    assign_runs, normalize_runs, assign_cpu, normalize_cpu = [], [], [], []
    for _ in range(args.runs):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = reviewing.assign(reviewers, applications, args.k, bids, weights=weights)
        assign_runs.append(time.perf_counter() - t0)
        assign_cpu.append(time.process_time() - c0)
        if result.infeasible is not None:
            raise SystemExit(f"infeasible: {result.infeasible}")
        a, r, scores = reviews_of(result, reviewers, applications, args.seed)
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        totals = ranking.weighted_totals(scores, [3, 2, 2, 1])
        ranked = ranking.rank_round(
            a, r, totals, len(applications), len(reviewers), disagreement_threshold=1.5
        )
        normalize_runs.append(time.perf_counter() - t0)
        normalize_cpu.append(time.process_time() - c0)
        print(
            json.dumps(
                {"assign": round(assign_runs[-1], 3), "normalize": round(normalize_runs[-1], 3)}
            ),
            file=sys.stderr,
            flush=True,
        )
    inst = reviewing.build(reviewers, applications, bids, weights)
    figures: dict[str, object] = {
        "applications": args.applications,
        "reviewers": args.reviewers,
        "k": args.k,
        "candidate_pairs": len(inst.candidates),
        "conflicts": int(inst.conflict.sum()),
        "bids": len(bids),
        "runs": args.runs,
        "assign_seconds": round(statistics.median(assign_runs), 3),
        "assign_seconds_min": round(min(assign_runs), 3),
        "assign_seconds_max": round(max(assign_runs), 3),
        "assign_cpu_seconds": round(statistics.median(assign_cpu), 3),
        "objective": result.objective,
        "diversity_bonus": sum(e.diversity for e in result.explanations.values()),
        "conflicted_pairs": reviewing.conflicted_pairs(inst, result, reviewers, applications),
        "reviews": len(result.pairs),
        "not_willing_assigned": sum(1 for p in result.pairs if bids.get(p) == "not_willing"),
        "normalize_seconds": round(statistics.median(normalize_runs), 3),
        "normalize_seconds_min": round(min(normalize_runs), 3),
        "normalize_seconds_max": round(max(normalize_runs), 3),
        "normalize_cpu_seconds": round(statistics.median(normalize_cpu), 3),
        "components": ranked.model.components,
        "disagreements": int(ranked.disagreement.sum()),
        "build_instance_seconds": round(build_seconds, 3),
    }
    if not args.skip_reference:
        objective, seconds = reference(inst, reviewers, args.applications, args.k, weights)
        figures["reference_objective"] = round(objective, 6)
        figures["reference_solver"] = "HiGHS dual simplex (scipy.optimize.linprog) on the LP"
        figures["reference_seconds"] = round(seconds, 3)
        figures["optimal"] = abs(objective - result.objective) < 1e-6 * max(1, abs(objective))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
