"""Benchmark linked-table suppression and its LP audit (ecotone.suppression).

    .venv/bin/python benchmarks/suppression.py [--rows 20] [--cols 10] [--threshold 10]
        [--runs 7] [--seed 16]

The table (issue 16, item 10's budget): counts of students by `--rows` programs x `--cols`
groups (say sex x five races), published with every margin: the full cross, by program, by
group and the grand total (231 figures for 20 x 10). Programs have lognormal sizes (median
about 150 students); each program splits its students over the groups by a multinomial draw
from shares that fall from 35 % to 0.5 % (perturbed per program by a Dirichlet draw), so the
small groups give the table its small cells, as in an equity breakdown. Seeded.

What is timed, each `--runs` times on the same table (the figure is the median, with min and
max):
- `suppress_seconds`: `suppress_linked` (primary, then MILP rounds each checked by the audit,
  until the audit passes: the LP audit of what it publishes is inside this figure, which is the
  one the budget of 1 s is for);
- `audit_seconds`: `audit` of the published result again from scratch, as an independent
  check (`audit_recovered_cells` must be 0);
- `total_seconds`: the two together;
- `*_cpu_seconds`: the process's CPU time for the same (medians): on a shared, busy machine
  the wall time includes waiting for a core; `load_average_1min` says how busy it was;
- baselines: `audit_exact_seconds`, the audit solving both programs of every hidden cell
  (`exact=True`), and the same suppression minimising the number of hidden cells
  (`cells_*`) rather than their total count.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ecotone.suppression import (  # noqa: E402
    LinkedTables,
    audit,
    linked_tables,
    suppress_linked,
)

SHARES = np.array([0.35, 0.25, 0.12, 0.08, 0.06, 0.05, 0.04, 0.03, 0.015, 0.005])


def table(rows: int, cols: int, seed: int) -> LinkedTables:
    rng = np.random.default_rng(seed)
    shares = np.resize(SHARES, cols)
    shares = shares / shares.sum()
    counts: dict[tuple[int, int], int] = {}
    for r in range(rows):
        size = int(rng.lognormal(np.log(150), 0.8))
        split = rng.multinomial(size, rng.dirichlet(shares * 50))
        counts.update({(r, c): int(v) for c, v in enumerate(split)})
    return linked_tables({"program": list(range(rows)), "group": list(range(cols))}, counts)


def timed(runs: int, work: object) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()  # type: ignore[operator]
        seconds.append(time.perf_counter() - start)
    return seconds, result


def stats(name: str, seconds: list[float]) -> dict[str, float]:
    return {
        f"{name}_seconds": round(statistics.median(seconds), 3),
        f"{name}_seconds_min": round(min(seconds), 3),
        f"{name}_seconds_max": round(max(seconds), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--cols", type=int, default=10)
    parser.add_argument("--threshold", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    tables = table(args.rows, args.cols, args.seed)
    values = tables.values
    totals: list[float] = []
    suppress_s: list[float] = []
    audit_s: list[float] = []
    suppress_cpu: list[float] = []
    audit_cpu: list[float] = []
    recovered = 0
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = suppress_linked(tables, args.threshold)
        middle, middle_cpu = time.perf_counter(), time.process_time()
        check = audit(tables, result.cells, args.threshold)
        end, end_cpu = time.perf_counter(), time.process_time()
        suppress_s.append(middle - start)
        audit_s.append(end - middle)
        totals.append(end - start)
        suppress_cpu.append(middle_cpu - start_cpu)
        audit_cpu.append(end_cpu - middle_cpu)
        recovered = max(recovered, len(check.recovered))
    exact_s, exact = timed(
        args.runs, lambda: audit(tables, result.cells, args.threshold, exact=True)
    )
    cells_s, by_cells = timed(
        args.runs, lambda: suppress_linked(tables, args.threshold, cost="cells")
    )
    small = sum(1 for v in values.values() if 0 < v < args.threshold)
    figures: dict[str, object] = {
        "table": f"{args.rows}x{args.cols}",
        "figures": len(values),
        "students": values[tables.cell()],
        "threshold": args.threshold,
        "runs": args.runs,
        "small_cells": small,
        "zero_cells": sum(1 for v in values.values() if v == 0),
        "primary_hidden": len(result.primary),
        "complementary_hidden": len(result.complementary),
        "cells_hidden": len(result.hidden),
        "value_hidden": sum(values[c] for c in result.hidden),
        "milp_rounds": result.rounds,
        **stats("suppress", suppress_s),
        **stats("audit", audit_s),
        **stats("total", totals),
        "suppress_cpu_seconds": round(statistics.median(suppress_cpu), 3),
        "audit_cpu_seconds": round(statistics.median(audit_cpu), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "audit_recovered_cells": recovered,
        "audit_exact_recovered_cells": len(exact.recovered),  # type: ignore[attr-defined]
        **stats("audit_exact", exact_s),
        "cells_cost_cells_hidden": len(by_cells.hidden),  # type: ignore[attr-defined]
        "cells_cost_value_hidden": sum(values[c] for c in by_cells.hidden),  # type: ignore[attr-defined]
        **stats("cells_cost_suppress", cells_s),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
