"""Benchmark unduplicated reach's linkage (ecotone.measures.linkage, issue 17 item 7).

    .venv/bin/python benchmarks/reach.py [--rows 2000000] [--partners 500] [--years 3]
        [--overlap 0.15] [--typos 0.05] [--fuzzy-records 200000] [--runs 3]
        [--baseline-sample 20000] [--cache var/bench-reach] [--seed 17]

Two timed parts, each in a fresh child process so that its peak RSS (ru_maxrss, inputs
included) is its own; the figures are medians over `--runs` runs.

- Exact: `--rows` roster rows from `--partners` partners over `--years` years (one roster per
  partner and year), `--overlap` of young people on more than one roster of a year, a quarter
  reached again the next year, `--typos` of rows written with a slip (demo/rosters.py). Timed:
  one person per exact hash (`linkage.exact_people`) and the unduplicated counts by period and
  by sex, race/ethnicity and grade (`linkage.unduplicated_counts`). Budget 10 s.
- Fuzzy: `--fuzzy-records` rows on each of two rosters (the same generator, 15 % of young people
  on both, the same slips), with their CLKs. Timed: `linkage.link`, exact hashes then CLKs
  within blocks (anonlink), greedy solving. Precision and recall over pairs of rows against the
  generator's truth. Budget 60 s.

Baselines beside them: summing the rosters' counts and taking the largest (DATIM's range);
the exact part in plain Python (a dict of hashes, a dict per period and dimension: the same
counts, checked equal); linkage without
blocking, timed on the first `--baseline-sample` fuzzy rows and extrapolated by the square of
the rows.

The inputs are generated once (names, then normalisation, exact hashes and, for the fuzzy
part, CLKs by clkhash itself) and kept in `--cache` (under var/, not in git); how long that
took is reported (`generation_seconds`), not timed. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ecotone.demo.rosters import synthetic_rosters  # noqa: E402
from ecotone.measures import linkage  # noqa: E402

SECRET = "7K2M-9QXH-4TRW-0ZCB-VN8D-3JFS-P6EA-Y1GH"  # noqa: S105 (the benchmark's own)
SEXES, RACES, GRADES = 2, 5, 14


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def exact_path(args: argparse.Namespace) -> Path:
    sizes = f"{args.rows}-{args.partners}-{args.years}-{args.overlap}-{args.typos}-{args.seed}"
    return Path(args.cache) / f"exact-{sizes}.npz"


def fuzzy_path(args: argparse.Namespace) -> Path:
    return (
        Path(args.cache) / f"fuzzy-{args.fuzzy_records}-{args.overlap}-{args.typos}-{args.seed}.npz"
    )


def generate_exact(args: argparse.Namespace) -> float:
    started = time.perf_counter()
    rosters = synthetic_rosters(
        args.rows,
        args.partners * args.years,
        args.years,
        overlap=args.overlap,
        retention=0.25,
        typos=args.typos,
        seed=args.seed,
    )
    key = linkage.exact_key(linkage.parse_secret(SECRET))
    digests = np.empty((len(rosters), 32), dtype=np.uint8)
    for row, record in enumerate(
        zip(
            rosters.given_name, rosters.family_name, rosters.birth_date, rosters.school, strict=True
        )
    ):
        digests[row] = np.frombuffer(
            bytes.fromhex(linkage.exact_hash(key, linkage.normalise_record(*record))), np.uint8
        )
    path = exact_path(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        digests=digests,
        roster=rosters.column("roster"),
        period=rosters.column("period"),
        person=rosters.column("person"),
        sex=rosters.column("sex"),
        race=rosters.column("race"),
        grade=rosters.column("grade"),
    )
    return time.perf_counter() - started


def generate_fuzzy(args: argparse.Namespace) -> float:
    started = time.perf_counter()
    rosters = synthetic_rosters(
        2 * args.fuzzy_records, 2, 1, overlap=args.overlap, typos=args.typos, seed=args.seed + 1
    )
    records = list(
        zip(
            rosters.given_name, rosters.family_name, rosters.birth_date, rosters.school, strict=True
        )
    )
    encoded, refused = linkage.encode_roster(records, linkage.parse_secret(SECRET))
    assert not refused
    rows = [row for row in encoded if row is not None]
    path = fuzzy_path(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        digests=np.frombuffer(
            b"".join(bytes.fromhex(row.exact_hash) for row in rows), np.uint8
        ).reshape(-1, 32),
        clks=np.frombuffer(b"".join(row.clk for row in rows), np.uint8).reshape(len(rows), -1),
        blocks=np.asarray([row.block for row in rows]),
        roster=rosters.column("roster"),
        person=rosters.column("person"),
    )
    return time.perf_counter() - started


def exact_child(args: argparse.Namespace) -> dict[str, Any]:
    data = dict(np.load(exact_path(args)))
    period, periods = data["period"], args.years
    started = time.perf_counter()
    people = linkage.exact_people(data["digests"])
    counts = {
        name: linkage.unduplicated_counts(people, period, periods, data[name], size)
        for name, size in (("sex", SEXES), ("race", RACES), ("grade", GRADES))
    }
    exact_seconds = time.perf_counter() - started

    started = time.perf_counter()
    baseline = plain_python_counts(data, periods)
    baseline_seconds = time.perf_counter() - started
    assert baseline == {name: table.tolist() for name, table in counts.items()}

    truth = [len(set(data["person"][period == p].tolist())) for p in range(periods)]
    per_roster = np.bincount(data["roster"])
    return {
        "exact_seconds": exact_seconds,
        "baseline_python_seconds": baseline_seconds,
        "unduplicated_by_period": counts["sex"].sum(axis=1).tolist(),
        "true_people_by_period": truth,
        "sum_of_rosters_by_period": [int(per_roster[p::periods].sum()) for p in range(periods)],
        "largest_roster_by_period": [int(per_roster[p::periods].max()) for p in range(periods)],
        "peak_rss_mb": peak_rss_mb(),
    }


def plain_python_counts(data: dict[str, np.ndarray], periods: int) -> dict[str, list[list[int]]]:
    """The same counts with a dict of hashes and a dict per period and dimension."""
    person_of: dict[bytes, int] = {}
    flat, width = data["digests"].tobytes(), data["digests"].shape[1]
    people = [
        person_of.setdefault(flat[row * width : (row + 1) * width], len(person_of))
        for row in range(len(flat) // width)
    ]
    counts: dict[str, list[list[int]]] = {}
    for name, size in (("sex", SEXES), ("race", RACES), ("grade", GRADES)):
        first: list[dict[int, int]] = [{} for _ in range(periods)]
        for person, period, code in zip(
            people, data["period"].tolist(), data[name].tolist(), strict=True
        ):
            first[period].setdefault(person, code)
        counts[name] = [
            [list(codes.values()).count(code) for code in range(size)] for codes in first
        ]
    return counts


def fuzzy_child(args: argparse.Namespace) -> dict[str, Any]:
    data = dict(np.load(fuzzy_path(args)))
    exact = [digest.tobytes().hex() for digest in data["digests"]]
    clks = [clk.tobytes() for clk in data["clks"]]
    blocks = data["blocks"].tolist()
    rosters = data["roster"]
    started = time.perf_counter()
    people = linkage.link(rosters, exact, clks, blocks)
    fuzzy_seconds = time.perf_counter() - started
    precision, recall = linkage.pairwise_quality(people, data["person"])
    exact_people = linkage.exact_people(data["digests"])
    exact_precision, exact_recall = linkage.pairwise_quality(exact_people, data["person"])

    sample = min(args.baseline_sample, len(exact))
    started = time.perf_counter()
    linkage.link(rosters[:sample], exact[:sample], clks[:sample], ["all"] * sample)
    unblocked_sample_seconds = time.perf_counter() - started
    return {
        "fuzzy_records": len(exact),
        "fuzzy_seconds": fuzzy_seconds,
        "precision": precision,
        "recall": recall,
        "exact_only_precision": exact_precision,
        "exact_only_recall": exact_recall,
        "people_found": int(people.max()) + 1,
        "true_people": len(set(data["person"].tolist())),
        "blocks": len(set(blocks)),
        "unblocked_sample_rows": sample,
        "unblocked_sample_seconds": unblocked_sample_seconds,
        "unblocked_extrapolated_seconds": unblocked_sample_seconds * (len(exact) / sample) ** 2,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(args: argparse.Namespace, part: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", part, *sys.argv[1:]]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--overlap", type=float, default=0.15)
    parser.add_argument("--typos", type=float, default=0.05)
    parser.add_argument(
        "--fuzzy-records", type=int, default=200_000, help="rows on each of the two rosters"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-sample", type=int, default=20_000)
    parser.add_argument("--cache", default=str(ROOT / "var" / "bench-reach"))
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--child", choices=("exact", "fuzzy"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = exact_child if args.child == "exact" else fuzzy_child
        print(json.dumps(child(args)))
        return

    generation: dict[str, float] = {}
    if not exact_path(args).exists():
        generation["exact"] = generate_exact(args)
        print(f"exact inputs generated in {generation['exact']:.0f} s", file=sys.stderr, flush=True)
    if not fuzzy_path(args).exists():
        generation["fuzzy"] = generate_fuzzy(args)
        print(
            f"fuzzy inputs (CLKs) generated in {generation['fuzzy']:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    exact_runs, fuzzy_runs = [], []
    for _ in range(args.runs):
        exact_runs.append(run_child(args, "exact"))
        print(json.dumps(exact_runs[-1]), file=sys.stderr, flush=True)
        fuzzy_runs.append(run_child(args, "fuzzy"))
        print(json.dumps(fuzzy_runs[-1]), file=sys.stderr, flush=True)

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    exact, fuzzy = exact_runs[0], fuzzy_runs[0]
    result = {
        "roster_rows": args.rows,
        "rosters": args.partners * args.years,
        "exact_seconds": median(exact_runs, "exact_seconds"),
        "exact_seconds_min_max": [
            round(min(r["exact_seconds"] for r in exact_runs), 3),
            round(max(r["exact_seconds"] for r in exact_runs), 3),
        ],
        "exact_budget_seconds": 10,
        "baseline_python_seconds": median(exact_runs, "baseline_python_seconds"),
        "unduplicated_by_period": exact["unduplicated_by_period"],
        "true_people_by_period": exact["true_people_by_period"],
        "sum_of_rosters_by_period": exact["sum_of_rosters_by_period"],
        "largest_roster_by_period": exact["largest_roster_by_period"],
        "exact_peak_rss_mb": round(max(r["peak_rss_mb"] for r in exact_runs), 1),
        "fuzzy_records": fuzzy["fuzzy_records"],
        "fuzzy_seconds": median(fuzzy_runs, "fuzzy_seconds"),
        "fuzzy_seconds_min_max": [
            round(min(r["fuzzy_seconds"] for r in fuzzy_runs), 3),
            round(max(r["fuzzy_seconds"] for r in fuzzy_runs), 3),
        ],
        "fuzzy_budget_seconds": 60,
        "precision": round(fuzzy["precision"], 5),
        "recall": round(fuzzy["recall"], 5),
        "exact_only_precision": round(fuzzy["exact_only_precision"], 5),
        "exact_only_recall": round(fuzzy["exact_only_recall"], 5),
        "people_found": fuzzy["people_found"],
        "true_people": fuzzy["true_people"],
        "blocks": fuzzy["blocks"],
        "unblocked_sample_rows": fuzzy["unblocked_sample_rows"],
        "unblocked_sample_seconds": median(fuzzy_runs, "unblocked_sample_seconds"),
        "unblocked_extrapolated_seconds": median(fuzzy_runs, "unblocked_extrapolated_seconds"),
        "fuzzy_peak_rss_mb": round(max(r["peak_rss_mb"] for r in fuzzy_runs), 1),
        "generation_seconds": {part: round(seconds, 1) for part, seconds in generation.items()},
        "runs": args.runs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
