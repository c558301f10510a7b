"""Benchmark the mentor matching engine at national scale (ecotone.mentoring.solver).

    .venv/bin/python benchmarks/matching.py [--mentors 100000] [--opportunities 20000]
        [--runs 3] [--lapjv-mentors 2000] [--seed 7]
        [--baseline OLD_SOLVER.py [--baseline-assignment OLD_ASSIGNMENT.py]]

What is timed: `candidate_edges()` + `solve()` (mode "score"), the whole of a matching round
after the people are loaded, on a national layout (`national()`): mentors and opportunities
round 28 named metros and 300 smaller centres of Zipf-like sizes, 12 % of mentors and 15 %
of opportunities rural (anywhere in the continental US).
Mentors: in person only 93 %, virtual only 3 %, both 4 %; travel radius 5, 10, 15 or 20 mi
(30/30/25/15 %); capacity 1 (60 %), 2 (25 %), 3-10 (15 %); 1-3 grade bands of 4; English,
Spanish 20 %, one of 4 other languages 5 %; 2-5 topics of 30; 2-4 weekly windows of 1-3
hours starting 8:00-20:00, Monday-Saturday; screening complete (background check, training,
code of conduct) for 75 %, partial for the rest; identity tags shared by 30 %; 10 % marked
1-3 opportunities.
Opportunities: in person 92 %, virtual 3 %, either 5 %; capacity 1-10 (half of them 1-2);
1-2 grade bands; Spanish required for 8 %; 1-3 topics; one weekly window of 1-2 hours (15 %
of in-person ones have no fixed schedule; every virtual one has one, since a virtual
opportunity without a schedule is a candidate for every virtual mentor in the country);
background check and training required in person or one-to-one, code of conduct only for
virtual group sessions; 15 % welcome mentors who share their students' identities; equity
priority 0-1 (a third high).
The figure is the median over `--runs` runs in this process (each on the same instance, after
the instance is built; garbage collected between runs), with min and max; peak RSS is the
process's (ru_maxrss), instance included (and, with `--baseline`, the baseline's runs).
Each run times the engine, then OR-Tools called directly on the same edges (below), then the
baseline if any: interleaved, so that the machine's load, which moves on a shared machine,
falls on all of them alike. `engine_vs_ortools` is the median over the runs of the engine's
time (candidate pairs + solve) over OR-Tools' in the same run (each run's in
`engine_vs_ortools_runs`): the budget is 1.5. With `--baseline`, another version of
`ecotone/mentoring/solver.py` (for example
`git show e6d376f:src/ecotone/mentoring/solver.py > /tmp/solver_before.py`) is loaded from
that file and timed the same way in the same process, its solve through
`--baseline-assignment` (an older `ecotone/assignment.py`) when given, and its candidate pairs
are compared with ours (`baseline_identical`: same pairs, order, scores, components and
distances); `speedup_vs_baseline` is its median time over ours.

Baselines, on the same candidate edges:
- OR-Tools called directly: SimpleMinCostFlow on the edges, built here without the engine
  and in a different but equivalent form (positive costs: a pair costs S - score and an
  unused unit S on a bypass arc, S = the largest score + 1); its optimum must equal ours;
- greedy: highest score first while both sides have room (`solver.greedy`), and our gain
  over it in %;
- SciPy's LAPJVsp (`scipy.sparse.csgraph.min_weight_full_bipartite_matching`) solves
  one-to-one assignment only, so it runs on a capacity-expanded sub-instance: the first
  `--lapjv-mentors` mentors of capacity 1 (with a candidate pair) and every opportunity one
  of them can reach; each opportunity becomes `capacity` columns, plus one private dummy
  column per mentor (so a full matching exists: a mentor left unmatched takes its dummy).
  Expanding mentors too would let one mentor take two places of the same opportunity.
  Its optimum is compared with ours on the same sub-instance.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from directory import CITIES  # noqa: E402  (benchmarks/directory.py)
from ecotone.mentoring.solver import (  # noqa: E402
    Edges,
    Mentor,
    Opportunity,
    candidate_edges,
    greedy,
    solve,
)

# Metros as the directory benchmark weights them (lat, lon, weight): one national layout.
METROS = CITIES
GRADES = ["k-5", "6-8", "9-12", "postsecondary"]
OTHER_LANGUAGES = ["vi", "zh", "ar", "ht"]
TOPICS = [f"topic-{i}" for i in range(30)]
IDENTITIES = ["women", "first_gen", "black", "latinx", "native", "lgbtq", "disability"]
FULL = frozenset({"background_check", "training", "code_of_conduct"})
SAFE = frozenset({"background_check", "training"})


def centres(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, weight, spread in miles) of 28 metros and 300 smaller centres."""
    n_small = 300
    lat = np.r_[[c[0] for c in METROS], rng.uniform(26, 48.5, n_small)]
    lon = np.r_[[c[1] for c in METROS], rng.uniform(-123, -70, n_small)]
    weight = np.r_[[c[2] * 3.0 for c in METROS], 3.0 / np.arange(1, n_small + 1) ** 0.6]
    spread = np.r_[np.full(len(METROS), 14.0), np.full(n_small, 6.0)]
    return lat, lon, weight / weight.sum(), spread


def places(rng: np.random.Generator, n: int, rural: float) -> tuple[np.ndarray, np.ndarray]:
    lat, lon, weight, spread = centres(np.random.default_rng(1))
    which = rng.choice(lat.size, n, p=weight)
    r = np.abs(rng.normal(0, spread[which]))
    theta = rng.uniform(0, 2 * np.pi, n)
    out_lat = lat[which] + r * np.cos(theta) / 69.0
    out_lon = lon[which] + r * np.sin(theta) / (69.0 * np.cos(np.radians(lat[which])))
    remote = rng.random(n) < rural
    out_lat[remote] = rng.uniform(30, 48, remote.sum())
    out_lon[remote] = rng.uniform(-120, -72, remote.sum())
    return out_lat, out_lon


def pick(rng: np.random.Generator, items: list[str], low: int, high: int) -> frozenset[str]:
    k = int(rng.integers(low, high + 1))
    return frozenset(rng.choice(items, k, replace=False).tolist())


def window(rng: np.random.Generator, hours: tuple[int, int]) -> tuple[int, int, int]:
    day = int(rng.integers(0, 6))  # Monday-Saturday: school day, after school, evening
    start = int(rng.integers(8 * 4, 20 * 4)) * 15
    return day, start, min(24 * 60, start + int(rng.integers(hours[0] * 4, hours[1] * 4 + 1)) * 15)


def priority(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.6, 1) if rng.random() < 0.33 else rng.uniform(0, 0.6))


def national(n_mentors: int, n_opportunities: int, seed: int):
    rng = np.random.default_rng(seed)
    m_lat, m_lon = places(rng, n_mentors, 0.12)
    o_lat, o_lon = places(rng, n_opportunities, 0.15)
    o_ids = [f"o{j}" for j in range(n_opportunities)]
    mentors = []
    for i in range(n_mentors):
        u = rng.random()
        modes = {"in_person"} if u < 0.93 else {"virtual"} if u < 0.96 else {"in_person", "virtual"}
        languages = {"en"}
        if rng.random() < 0.2:
            languages.add("es")
        if rng.random() < 0.05:
            languages.add(str(rng.choice(OTHER_LANGUAGES)))
        c = rng.random()
        capacity = 1 if c < 0.6 else 2 if c < 0.85 else int(rng.integers(3, 11))
        mentors.append(
            Mentor(
                id=f"m{i}",
                capacity=capacity,
                lat=float(m_lat[i]),
                lon=float(m_lon[i]),
                travel_radius_mi=float(rng.choice([5, 10, 15, 20], p=[0.3, 0.3, 0.25, 0.15])),
                modes=frozenset(modes),
                grade_bands=pick(rng, GRADES, 1, 3),
                languages=frozenset(languages),
                topics=pick(rng, TOPICS, 2, 5),
                availability=tuple(window(rng, (1, 3)) for _ in range(int(rng.integers(2, 5)))),
                screening=FULL if rng.random() < 0.75 else pick(rng, sorted(FULL), 0, 2),
                identity_tags=pick(rng, IDENTITIES, 1, 2) if rng.random() < 0.3 else frozenset(),
                interests=pick(rng, o_ids, 1, 3) if rng.random() < 0.1 else frozenset(),
            )
        )
    opportunities = []
    for j in range(n_opportunities):
        u = rng.random()
        mode = "in_person" if u < 0.92 else "virtual" if u < 0.95 else "either"
        one_to_one = rng.random() < 0.4
        scheduled = mode != "in_person" or rng.random() >= 0.15
        c = rng.random()
        capacity = int(rng.integers(1, 3)) if c < 0.5 else int(rng.integers(3, 11))
        needs = SAFE if mode != "virtual" or one_to_one else frozenset({"code_of_conduct"})
        opportunities.append(
            Opportunity(
                id=o_ids[j],
                capacity=capacity,
                mode=mode,
                lat=float(o_lat[j]),
                lon=float(o_lon[j]),
                grade_bands=pick(rng, GRADES, 1, 2),
                language_required="es" if rng.random() < 0.08 else "",
                languages=frozenset({"en", "es"}) if rng.random() < 0.3 else frozenset({"en"}),
                topics=pick(rng, TOPICS, 1, 3),
                schedule=(window(rng, (1, 2)),) if scheduled else (),
                required_screening=needs,
                welcomes_identities=pick(rng, IDENTITIES, 1, 2)
                if rng.random() < 0.15
                else frozenset(),
                equity_priority=priority(rng),
                one_to_one_with_minors=one_to_one,
            )
        )
    return mentors, opportunities


def ortools_direct(edges: Edges, m_cap: np.ndarray, o_cap: np.ndarray) -> tuple[int, float]:
    """Max-score assignment straight on SimpleMinCostFlow, positive costs; (objective, s)."""
    started = time.perf_counter()
    n_m, n_o = edges.n_mentors, edges.n_opportunities
    source, sink = n_m + n_o, n_m + n_o + 1
    big = int(edges.score.max()) + 1
    supply = int(min(m_cap.sum(), o_cap.sum()))
    tails = np.r_[np.full(n_m, source), edges.mentor, n_m + np.arange(n_o), source]
    heads = np.r_[np.arange(n_m), n_m + edges.opportunity, np.full(n_o, sink), sink]
    caps = np.r_[m_cap, np.ones(len(edges), dtype=np.int64), o_cap, supply]
    costs = np.r_[np.zeros(n_m), big - edges.score, np.zeros(n_o), big].astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools did not find the optimum")
    objective = big * supply - flow.optimal_cost()
    return int(objective), time.perf_counter() - started


def lapjv(edges: Edges, m_cap: np.ndarray, o_cap: np.ndarray, n_mentors: int) -> dict[str, object]:
    """LAPJVsp on the first `n_mentors` mentors of capacity 1 and the opportunities they
    reach, opportunities expanded to one column per place. (Expanding both sides would let
    a mentor take two places of one opportunity, which the flow rightly forbids.)"""
    chosen = np.flatnonzero(m_cap == 1)[:n_mentors]
    keep = np.isin(edges.mentor, chosen)
    sub_m, sub_o, sub_s = edges.mentor[keep], edges.opportunity[keep], edges.score[keep]
    _, sub_m = np.unique(sub_m, return_inverse=True)
    opps, sub_o = np.unique(sub_o, return_inverse=True)
    n_mentors = int(sub_m.max()) + 1 if sub_m.size else 0
    row_cap, col_cap = np.ones(n_mentors, dtype=np.int64), o_cap[opps]
    row_start = np.r_[0, np.cumsum(row_cap)]
    col_start = np.r_[0, np.cumsum(col_cap)]
    n_rows, n_cols = int(row_start[-1]), int(col_start[-1])
    big = int(sub_s.max()) + 1 if sub_s.size else 1
    rows, cols, weights = [], [], []
    for m, o, s in zip(sub_m.tolist(), sub_o.tolist(), sub_s.tolist(), strict=True):
        r = np.arange(row_start[m], row_start[m + 1])
        c = np.arange(col_start[o], col_start[o + 1])
        rows.append(np.repeat(r, c.size))
        cols.append(np.tile(c, r.size))
        weights.append(np.full(r.size * c.size, big - s))
    rows.append(np.arange(n_rows))
    cols.append(n_cols + np.arange(n_rows))
    weights.append(np.full(n_rows, big))
    graph = sparse.csr_matrix(
        (np.concatenate(weights).astype(np.float64), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n_cols + n_rows),
    )
    started = time.perf_counter()
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    seconds = time.perf_counter() - started
    cost = int(graph[row_ind, col_ind].sum())
    objective = big * n_rows - cost
    sub = Edges(
        mentor=sub_m,
        opportunity=sub_o,
        score=sub_s,
        in_person=edges.in_person[keep],
        distance_mi=edges.distance_mi[keep],
        components={k: v[keep] for k, v in edges.components.items()},
        n_mentors=n_mentors,
        n_opportunities=int(opps.size),
    )
    started = time.perf_counter()
    ours = solve(sub, row_cap, col_cap)
    ours_seconds = time.perf_counter() - started
    return {
        "lapjv_subinstance": f"{n_mentors} mentors of capacity 1 x {opps.size} opportunities",
        "lapjv_edges": int(sub_s.size),
        "lapjv_expanded_arcs": int(graph.nnz),
        "lapjv_rows": n_rows,
        "lapjv_objective": int(objective),
        "lapjv_seconds": round(seconds, 3),
        "lapjv_ours_objective": ours.objective,
        "lapjv_ours_seconds": round(ours_seconds, 3),
    }


def load_module(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def time_baseline(
    old: Any, mentors, opportunities, m_cap, o_cap
) -> tuple[tuple[float, float, float], Edges, Any]:
    """One timed run of another version of the solver module, in this process."""
    gc.collect()
    t0 = time.perf_counter()
    theirs = old.candidate_edges(mentors, opportunities)
    t1 = time.perf_counter()
    result = old.solve(theirs, m_cap, o_cap)
    t2 = time.perf_counter()
    print(json.dumps({"baseline_seconds": round(t2 - t0, 3)}), file=sys.stderr, flush=True)
    return (t2 - t0, t1 - t0, t2 - t1), theirs, result


def same_edges(theirs: Edges, edges: Edges) -> bool:
    return bool(
        np.array_equal(theirs.mentor, edges.mentor)
        and np.array_equal(theirs.opportunity, edges.opportunity)
        and np.array_equal(theirs.score, edges.score)
        and np.array_equal(theirs.in_person, edges.in_person)
        and np.allclose(theirs.distance_mi, edges.distance_mi, rtol=1e-12, equal_nan=True)
        and all(np.array_equal(theirs.components[k], edges.components[k]) for k in edges.components)
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentors", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--lapjv-mentors", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", help="another solver.py to time the same way")
    parser.add_argument("--baseline-assignment", help="the assignment.py its solve uses")
    args = parser.parse_args()

    started = time.perf_counter()
    mentors, opportunities = national(args.mentors, args.opportunities, args.seed)
    build_seconds = time.perf_counter() - started
    m_cap = np.array([m.capacity for m in mentors], dtype=np.int64)
    o_cap = np.array([o.capacity for o in opportunities], dtype=np.int64)

    # Each run times the engine, then OR-Tools alone on the same edges, then (--baseline) the
    # other solver: interleaved, so that a change in the machine's load between runs falls on
    # all three alike, and the ratio is taken within each run.
    old = None
    if args.baseline:
        old = load_module("baseline_solver", args.baseline)
        if args.baseline_assignment:
            old.assignment = load_module("baseline_assignment", args.baseline_assignment)
    runs, direct, theirs_runs = [], [], []
    for _ in range(args.runs):
        gc.collect()
        t0 = time.perf_counter()
        edges = candidate_edges(mentors, opportunities)
        t1 = time.perf_counter()
        result = solve(edges, m_cap, o_cap)
        t2 = time.perf_counter()
        runs.append((t2 - t0, t1 - t0, t2 - t1))
        gc.collect()
        direct.append(ortools_direct(edges, m_cap, o_cap))
        print(
            json.dumps(
                {
                    "seconds": round(t2 - t0, 3),
                    "candidates": round(t1 - t0, 3),
                    "ortools_seconds": round(direct[-1][1], 3),
                }
            ),
            file=sys.stderr,
            flush=True,
        )
        if old is not None:
            timed, theirs, their_result = time_baseline(old, mentors, opportunities, m_cap, o_cap)
            theirs_runs.append(timed)
    seconds = [r[0] for r in runs]
    ratios = [r[0] / d[1] for r, d in zip(runs, direct, strict=True)]
    t0 = time.perf_counter()
    participation = solve(edges, m_cap, o_cap, mode="participation")
    participation_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    baseline = greedy(edges, m_cap, o_cap)
    greedy_seconds = time.perf_counter() - t0
    figures: dict[str, object] = {
        "mentors": args.mentors,
        "opportunities": args.opportunities,
        "edges": len(edges),
        "in_person_edges": int(edges.in_person.sum()),
        "mentor_slots": int(m_cap.sum()),
        "opportunity_slots": int(o_cap.sum()),
        "runs": args.runs,
        "seconds": round(statistics.median(seconds), 3),
        "seconds_min": round(min(seconds), 3),
        "seconds_max": round(max(seconds), 3),
        "candidate_seconds": round(statistics.median(r[1] for r in runs), 3),
        "solve_seconds": round(statistics.median(r[2] for r in runs), 3),
        "build_instance_seconds": round(build_seconds, 3),
        "objective": result.objective,
        "matched_pairs": len(result.pairs),
        "covered": result.covered,
        "participation_objective": participation.objective,
        "participation_covered": participation.covered,
        "participation_seconds": round(participation_seconds, 3),
        "ortools_objective": direct[0][0],
        "ortools_seconds": round(statistics.median(d[1] for d in direct), 3),
        "engine_vs_ortools": round(statistics.median(ratios), 3),
        "engine_vs_ortools_runs": [round(r, 3) for r in ratios],
        "greedy_objective": baseline.objective,
        "greedy_covered": baseline.covered,
        "greedy_seconds": round(greedy_seconds, 3),
        "gain_vs_greedy_pct": round(100 * (result.objective / baseline.objective - 1), 3),
    }
    figures.update(lapjv(edges, m_cap, o_cap, args.lapjv_mentors))
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if old is not None:
        figures.update(
            {
                "baseline": args.baseline,
                "baseline_seconds": round(statistics.median(r[0] for r in theirs_runs), 3),
                "baseline_candidate_seconds": round(
                    statistics.median(r[1] for r in theirs_runs), 3
                ),
                "baseline_solve_seconds": round(statistics.median(r[2] for r in theirs_runs), 3),
                "baseline_objective": their_result.objective,
                "baseline_identical": same_edges(theirs, edges),
                "speedup_vs_baseline": round(
                    statistics.median(r[0] for r in theirs_runs) / statistics.median(seconds), 3
                ),
            }
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
