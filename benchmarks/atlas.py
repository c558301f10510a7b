"""Benchmark the access atlas's algorithms at national scale (ecotone.atlas.reach).

    .venv/bin/python benchmarks/atlas.py [--areas 100000] [--programs 150000] [--runs 3]
        [--pysal-areas 10000] [--naive-areas 500] [--seed 7]

What is timed: `analyse()`, the whole pipeline a run of the atlas does — reach within each
area's catchment (city 2 / suburb 5 / town 10 / rural 20 mi), E2SFCA with Luo & Qi's three
decay zones, distance to the nearest program, seats within the catchment, the need index, the
desert rule and the priority ranking — on a national layout (`national()`): areas in NCES's
locale shares (city 30 %, suburb 30 %, town 13 %, rural 27 %) round 40 named metros and 360
smaller centres of Zipf-like sizes, 4,000 towns across the continental US, rural areas 40 %
on the urban fringe, 35 % 5-25 miles out and 25 % remote; programs likewise but more urban
(50 / 32 / 12 / 6 %), in random order. Each run is a fresh child process, so its peak
RSS (ru_maxrss, inputs and imports included) is that run's alone; the figure is the median wall
time of `analyse()` over `--runs` runs and the largest peak.

Baselines, beside it:
- naive all-pairs: the same E2SFCA, nearest distance and seats from the full area x program
  distance matrix, computed in chunks of areas (two passes: site demand, then access). At
  national scale it would take many minutes, so it is timed on the first `--naive-areas` areas
  against all programs (the areas are in random order, so they are a fair sample) and
  extrapolated linearly in areas (`naive_method`); it is also run in
  full on the PySAL instance.
- PySAL `access` (Access.enhanced_two_stage_fca with weights.step_fn) on a metro region it
  finishes in reasonable time: the `--pysal-areas` areas of the national instance nearest
  Chicago and every program any of them could reach. Its cost table (not timed) holds the
  pairs within the largest catchment, 20 mi; per-area catchments are given to it as
  cost = miles / own radius with max_cost 1 and the zones as fractions, which is the same
  rule. Ours and the naive method are timed on the same region (ours: median of 5 runs,
  PySAL: of 3, naive: 1). `max_rel_diff_vs_pysal`
  compares its E2SFCA with ours on that instance; `max_rel_diff_vs_naive` the naive one.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ecotone.atlas.reach import (  # noqa: E402
    DEFAULT_ZONES,
    AccessInputs,
    DesertRule,
    analyse,
    haversine_miles,
    pairs_within,
)

# The desert rule an analysis uses by default (at least 50 young people; none or more than 30
# per seat in reach): reach.DesertRule's defaults are the analysis's.
DEFAULT_RULE = DesertRule()

# Catchment radius by NCES locale (the example defaults).
RADIUS_MI = {"city": 2.0, "suburb": 5.0, "town": 10.0, "rural": 20.0}
# Share of public schools by locale, roughly as in NCES's Common Core of Data.
AREA_SHARES = {"city": 0.30, "suburb": 0.30, "town": 0.13, "rural": 0.27}
# Programs sit where people are, more so than schools.
PROGRAM_SHARES = {"city": 0.50, "suburb": 0.32, "town": 0.12, "rural": 0.06}
METROS = [
    (40.71, -74.00),
    (34.05, -118.24),
    (41.88, -87.63),
    (29.76, -95.37),
    (33.45, -112.07),
    (39.95, -75.17),
    (29.42, -98.49),
    (32.72, -117.16),
    (32.78, -96.80),
    (37.34, -121.89),
    (30.27, -97.74),
    (39.96, -83.00),
    (35.23, -80.84),
    (47.61, -122.33),
    (39.74, -104.99),
    (38.91, -77.04),
    (42.36, -71.06),
    (36.16, -86.78),
    (45.52, -122.68),
    (35.47, -97.52),
    (36.17, -115.14),
    (43.04, -87.91),
    (35.08, -106.65),
    (38.25, -85.76),
    (33.75, -84.39),
    (25.76, -80.19),
    (44.98, -93.27),
    (37.77, -122.42),
    (27.95, -82.46),
    (39.10, -94.58),
    (38.63, -90.20),
    (40.44, -79.99),
    (39.29, -76.61),
    (41.50, -81.69),
    (42.33, -83.05),
    (29.95, -90.07),
    (40.76, -111.89),
    (35.78, -78.64),
    (43.05, -76.15),
    (41.26, -95.93),
]
SOUTH, NORTH, WEST, EAST = 25.5, 48.5, -123.0, -70.0
CHICAGO = METROS[2]


def national(n_areas: int, n_programs: int, seed: int = 7) -> AccessInputs:
    """A national layout of population areas and program sites (see the module docstring)."""
    rng = np.random.default_rng(seed)
    small = rng.uniform((SOUTH + 4, WEST + 3), (NORTH - 2, EAST - 2), size=(360, 2))
    centres = np.vstack([np.array(METROS), small])
    size = 1.0 / np.arange(1, len(centres) + 1) ** 0.9  # Zipf-like metro sizes
    size /= size.sum()
    towns = rng.uniform((SOUTH + 3, WEST + 2), (NORTH - 1, EAST - 1), size=(4000, 2))

    def offset(lat: np.ndarray, miles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        angle = rng.uniform(0, 2 * np.pi, miles.shape)
        dlat = miles * np.cos(angle) / 69.0
        dlon = miles * np.sin(angle) / (69.0 * np.cos(np.radians(lat)))
        return dlat, dlon

    def near_metro(count: int, inner: float, outer: float) -> tuple[np.ndarray, np.ndarray]:
        """Base points and distances (miles) for a ring round metros, scaled by metro size."""
        centre = rng.choice(len(centres), count, p=size)
        scale = 15 + 35 * np.sqrt(size[centre] / size[0])  # edge of the suburbs, in miles
        return centres[centre], rng.uniform(inner, outer, count) * scale / 50

    def place(locale: str, count: int) -> tuple[np.ndarray, np.ndarray]:
        if locale == "city":
            base, miles = near_metro(count, 0, 12)
            miles = np.abs(rng.normal(0, 1, count)) * miles
        elif locale == "suburb":
            base, miles = near_metro(count, 10, 50)
        elif locale == "town":
            base = towns[rng.integers(0, len(towns), count)]
            miles = np.abs(rng.normal(0, 2.0, count))
        else:
            # NCES rural fringe / distant / remote: within 5 mi of an urbanized area, 5-25 mi,
            # farther; about 40 / 35 / 25 % of rural schools.
            kind = rng.choice(3, count, p=[0.40, 0.35, 0.25])
            base = rng.uniform((SOUTH, WEST), (NORTH, EAST), size=(count, 2))
            miles = np.zeros(count)
            for code, (inner, outer) in enumerate([(50, 57), (57, 85)]):
                chosen = kind == code
                base[chosen], miles[chosen] = near_metro(int(chosen.sum()), inner, outer)
        dlat, dlon = offset(base[:, 0], miles)
        return base[:, 0] + dlat, base[:, 1] + dlon

    def layout(total: int, shares: dict[str, float]) -> tuple[np.ndarray, ...]:
        counts = rng.multinomial(total, list(shares.values()))
        lats, lons, locales = [], [], []
        for (locale, _share), count in zip(shares.items(), counts, strict=True):
            lat, lon = place(locale, int(count))
            lats.append(lat)
            lons.append(lon)
            locales.append(np.full(int(count), locale))
        order = rng.permutation(total)
        return tuple(np.concatenate(part)[order] for part in (lats, lons, locales))

    area_lat, area_lon, area_locale = layout(n_areas, AREA_SHARES)
    site_lat, site_lon, _site_locale = layout(n_programs, PROGRAM_SHARES)
    radius = np.vectorize(RADIUS_MI.__getitem__, otypes=[float])(area_locale)
    school_size = {"city": 520, "suburb": 600, "town": 380, "rural": 220}
    mean_youth = np.vectorize(school_size.__getitem__, otypes=[float])(area_locale)
    youth = np.round(mean_youth * rng.lognormal(0, 0.5, n_areas))
    seats = np.round(rng.lognormal(np.log(30), 0.7, n_programs)) + 5
    indicators = np.column_stack(
        [
            rng.beta(2, 2, n_areas),  # low-income share
            rng.beta(1, 6, n_areas),  # English learners
            rng.beta(2, 2, n_areas),  # students of colour
            (area_locale == "rural").astype(float),
        ]
    )
    indicators[:, :3][rng.random((n_areas, 3)) < 0.05] = np.nan  # unreported shares
    return AccessInputs(
        area_lat=area_lat,
        area_lon=area_lon,
        radius_mi=radius,
        youth=youth,
        site_lat=site_lat,
        site_lon=site_lon,
        seats=seats,
        indicators=indicators,
        need_weights=np.array([0.4, 0.2, 0.2, 0.2]),
    )


def naive_e2sfca(
    inputs: AccessInputs, areas: int | None = None, chunk: int = 100
) -> dict[str, np.ndarray]:
    """E2SFCA, nearest distance and seats within from the full distance matrix, chunked.

    Pass 1 accumulates each site's weighted demand over every area; pass 2 computes access,
    nearest and seats. With `areas`, only the first `areas` areas are visited (for timing by
    extrapolation: the result is then not the instance's).
    """
    n = inputs.n_areas if areas is None else areas
    site_demand = np.zeros(inputs.n_sites)
    zones = DEFAULT_ZONES
    lat, lon, radius = inputs.area_lat, inputs.area_lon, inputs.radius_mi

    def weights(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        miles = haversine_miles(
            lat[start:stop, None], lon[start:stop, None], inputs.site_lat, inputs.site_lon
        )
        w = np.zeros_like(miles)
        for fraction, weight in reversed(zones):
            w[miles <= fraction * radius[start:stop, None]] = weight
        return miles, w

    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        _miles, w = weights(start, stop)
        site_demand += inputs.youth[start:stop] @ w
    ratio = np.divide(
        inputs.seats, site_demand, out=np.zeros_like(site_demand), where=site_demand > 0
    )
    access, nearest, seats = np.zeros(n), np.zeros(n), np.zeros(n)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        miles, w = weights(start, stop)
        access[start:stop] = w @ ratio
        nearest[start:stop] = miles.min(axis=1)
        seats[start:stop] = (miles <= radius[start:stop, None]) @ inputs.seats
    return {"access": access, "nearest": nearest, "seats": seats}


def region(inputs: AccessInputs, n_areas: int, centre: tuple[float, float]) -> AccessInputs:
    """The `n_areas` areas nearest `centre` and every program any of them could reach."""
    to_area = haversine_miles(centre[0], centre[1], inputs.area_lat, inputs.area_lon)
    chosen = np.sort(np.argsort(to_area, kind="stable")[:n_areas])
    reach = float(np.max(to_area[chosen] + inputs.radius_mi[chosen], initial=0.0))
    to_site = haversine_miles(centre[0], centre[1], inputs.site_lat, inputs.site_lon)
    sites = np.flatnonzero(to_site <= reach)
    return AccessInputs(
        area_lat=inputs.area_lat[chosen],
        area_lon=inputs.area_lon[chosen],
        radius_mi=inputs.radius_mi[chosen],
        youth=inputs.youth[chosen],
        site_lat=inputs.site_lat[sites],
        site_lon=inputs.site_lon[sites],
        seats=inputs.seats[sites],
        indicators=inputs.indicators[chosen],
        need_weights=inputs.need_weights,
    )


def pysal_e2sfca(inputs: AccessInputs) -> tuple[np.ndarray, float, int]:
    """PySAL access's E2SFCA: (access per area, seconds, cost-table rows).

    Its cost table holds every area-program pair within the largest catchment (pairs beyond it
    cannot count; found with our pairs_within, untimed), with cost = miles / the area's own
    radius.
    """
    import pandas as pd
    from access import Access
    from access import weights as pysal_weights

    n, m = inputs.n_areas, inputs.n_sites
    table = pairs_within(
        inputs.area_lat,
        inputs.area_lon,
        np.full(n, inputs.radius_mi.max()),
        inputs.site_lat,
        inputs.site_lon,
    )
    site_ids = np.arange(m) + 10_000_000
    costs = pd.DataFrame(
        {
            "origin": table.area,
            "dest": site_ids[table.site],
            "cost": table.miles / inputs.radius_mi[table.area],
        }
    )
    del table
    start = time.perf_counter()
    model = Access(
        demand_df=pd.DataFrame({"youth": inputs.youth}, index=pd.Index(np.arange(n), name="id")),
        demand_value="youth",
        supply_df=pd.DataFrame({"seats": inputs.seats}, index=pd.Index(site_ids, name="id")),
        supply_value="seats",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = model.enhanced_two_stage_fca(
            max_cost=1.0, weight_fn=pysal_weights.step_fn(dict(DEFAULT_ZONES))
        )
    seconds = time.perf_counter() - start
    access = frame.iloc[:, -1].reindex(np.arange(n)).fillna(0.0).to_numpy()
    return access, seconds, len(costs)


def max_rel_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = np.maximum(np.abs(theirs), 1e-300)
    return float(np.max(np.abs(ours - theirs) / scale, initial=0.0))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(areas: int, programs: int, seed: int) -> dict[str, Any]:
    """One timed run of analyse(), in this (fresh) process."""
    inputs = national(areas, programs, seed)
    stages: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def on_progress(_percent: int, stage: str) -> None:
        now = time.perf_counter()
        if last[1]:
            stages[str(last[1])] = round(now - float(last[0]), 3)
        last[0], last[1] = now, stage

    cpu_start = cpu_seconds()
    start = time.perf_counter()
    result = analyse(inputs, rule=DEFAULT_RULE, on_progress=on_progress)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu_start,
        "peak_rss_mb": peak_rss_mb(),
        "pairs": result.pairs,
        "deserts": int(result.is_desert.sum()),
        "stages": stages,
    }


def run_child(args: argparse.Namespace, areas: int, programs: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--areas", str(areas)]
    command += ["--programs", str(programs), "--seed", str(args.seed)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=100_000)
    parser.add_argument("--programs", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs, each in a fresh process")
    parser.add_argument("--pysal-areas", type=int, default=10_000)
    parser.add_argument("--naive-areas", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.areas, args.programs, args.seed)))
        return

    load_before = os.getloadavg()[0]
    runs = [run_child(args, args.areas, args.programs) for _ in range(args.runs)]
    for run in runs:
        print(json.dumps(run), file=sys.stderr, flush=True)
    seconds = statistics.median(run["seconds"] for run in runs)
    figures: dict[str, Any] = {
        "areas": args.areas,
        "programs": args.programs,
        "pairs": runs[0]["pairs"],
        "deserts": runs[0]["deserts"],
        "runs": args.runs,
        "seconds": round(seconds, 3),
        "seconds_min": round(min(run["seconds"] for run in runs), 3),
        "seconds_max": round(max(run["seconds"] for run in runs), 3),
        "cpu_seconds": round(statistics.median(run["cpu_seconds"] for run in runs), 3),
        "peak_rss_mb": round(max(run["peak_rss_mb"] for run in runs), 1),
        "stages": runs[len(runs) // 2]["stages"],
    }

    # Naive all-pairs at national scale, by extrapolation from the first naive_areas areas.
    inputs = national(args.areas, args.programs, args.seed)
    start = time.perf_counter()
    naive_e2sfca(inputs, areas=args.naive_areas)
    naive_part = time.perf_counter() - start
    figures["naive_method"] = (
        f"extrapolated linearly from {args.naive_areas} areas x {args.programs} programs"
    )
    figures["naive_areas"] = args.naive_areas
    figures["naive_seconds"] = round(naive_part * args.areas / args.naive_areas, 1)
    figures["naive_ratio"] = round(figures["naive_seconds"] / seconds, 1)
    del inputs

    # PySAL, naive and ours on the largest instance PySAL finishes: the areas nearest Chicago.
    small = region(national(args.areas, args.programs, args.seed), args.pysal_areas, CHICAGO)
    # Both are quick here, so each is the median of a few runs in this process.
    ours_times = []
    for _ in range(5):
        start = time.perf_counter()
        ours = analyse(small)
        ours_times.append(time.perf_counter() - start)
    ours_small = statistics.median(ours_times)
    pysal_runs = [pysal_e2sfca(small) for _ in range(3)]
    theirs, _seconds, pysal_rows = pysal_runs[0]
    pysal_seconds = statistics.median(run[1] for run in pysal_runs)
    start = time.perf_counter()
    naive = naive_e2sfca(small)
    naive_small = time.perf_counter() - start
    figures.update(
        {
            "pysal_areas": small.n_areas,
            "pysal_programs": small.n_sites,
            "pysal_pairs": ours.pairs,
            "pysal_cost_rows": pysal_rows,
            "pysal_seconds": round(pysal_seconds, 2),
            "ours_seconds_on_pysal_instance": round(ours_small, 4),
            "pysal_ratio": round(pysal_seconds / ours_small, 1),
            "naive_seconds_on_pysal_instance": round(naive_small, 3),
            "naive_ratio_on_pysal_instance": round(naive_small / ours_small, 1),
            "max_rel_diff_vs_pysal": max_rel_diff(ours.access_per_person, theirs),
            "max_rel_diff_vs_naive": max(
                max_rel_diff(ours.access_per_person, naive["access"]),
                max_rel_diff(ours.nearest_miles, naive["nearest"]),
                max_rel_diff(ours.seats_within, naive["seats"]),
            ),
            "zones": [list(zone) for zone in DEFAULT_ZONES],
            "radius_mi": RADIUS_MI,
            "seed": args.seed,
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(),
        }
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
