"""Benchmark the atlas as a backbone team meets it at national scale: a run computed from the
database, then its pages read.

    .venv/bin/python benchmarks/atlas_service.py [--areas 100000] [--programs 150000]
        [--runs 3] [--keep DIR]

`benchmarks/atlas.py` times the Django-free algorithm on arrays. This times what wraps it, on
SQLite: `services.compute_run` (loading the ecosystem's listed programs, their locations,
schedules, languages and STEM profile as sites with the default eligibility, the areas from
the database, `reach.analyse`, the reasons and the summary, storing the result), then, through
the Django test client as a signed-in member, the atlas page (the first and the 50th page of
the priority list), the areas GeoJSON of the map layer, the CSV export and the API's per-area
page. The directory is benchmarks/directory.py's national one (150,000 programs; `--keep DIR`
reuses a database built before, also the directory benchmark's); the areas are
benchmarks/atlas.py's national layout. Each figure is the median of `--runs`; the last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    os.environ["TASKS_BACKEND"] = "immediate"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _areas(slug: str, n_areas: int) -> None:
    """The national layout's areas (benchmarks/atlas.py) as the ecosystem's schools."""
    import numpy as np

    from atlas import national  # benchmarks/atlas.py
    from ecotone.atlas.models import PopulationArea
    from ecotone.ecosystems.models import Ecosystem

    ecosystem = Ecosystem.objects.get(slug=slug)
    if PopulationArea.objects.filter(ecosystem=ecosystem).count() == n_areas:
        return
    PopulationArea.objects.filter(ecosystem=ecosystem).delete()
    layout = national(n_areas, 1)
    locale = {2.0: "city", 5.0: "suburb", 10.0: "town", 20.0: "rural"}

    def share(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    PopulationArea.objects.bulk_create(
        (
            PopulationArea(
                ecosystem=ecosystem,
                kind="school",
                code=f"{i:012d}",
                name=f"School {i}",
                latitude=float(layout.area_lat[i]),
                longitude=float(layout.area_lon[i]),
                locale=locale[float(layout.radius_mi[i])],
                youth_total=int(layout.youth[i]),
                low_income_share=share(layout.indicators[i, 0]),
                english_learner_share=share(layout.indicators[i, 1]),
                students_of_color_share=share(layout.indicators[i, 2]),
            )
            for i in range(n_areas)
        ),
        batch_size=2000,
    )


def _timed(action: Any, runs: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=100_000)
    parser.add_argument("--programs", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="keep the database in DIR and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep).resolve() if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        _setup(folder / "bench.sqlite3")
        figures = measure(args)
    print(json.dumps(figures))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    from directory import build_once  # benchmarks/directory.py
    from ecotone.accounts.models import User
    from ecotone.atlas import services
    from ecotone.atlas.models import AnalysisRun
    from ecotone.ecosystems.models import Ecosystem, Membership, Role

    start = time.perf_counter()
    slug, reused = build_once(args.programs)
    _areas(slug, args.areas)
    print(f"data ready in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    ecosystem = Ecosystem.objects.get(slug=slug)
    analysis = services.default_analysis(ecosystem)

    def compute() -> AnalysisRun:
        AnalysisRun.objects.filter(analysis=analysis).delete()
        run = AnalysisRun.objects.create(analysis=analysis, fingerprint="benchmark")
        return services.compute_run(run)

    compute_seconds, run = _timed(compute, args.runs)
    assert run.status == "done", run.error
    # the pages read the cached run: its fingerprint must be the current one
    run.fingerprint = services.fingerprint(analysis, None)
    run.save(update_fields=["fingerprint"])

    user, _created = User.objects.get_or_create(email="bench-member@example.org")
    Membership.objects.get_or_create(user=user, ecosystem=ecosystem, role=Role.MEMBER)
    client = Client()
    client.force_login(user)
    base = f"/e/{slug}/atlas/"
    api = f"/api/v1/ecosystems/{slug}/analyses/default/"

    def get(url: str) -> tuple[int, int]:
        response = client.get(url, HTTP_HOST="127.0.0.1")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, len(body)

    pages = {
        "page": base,
        "page_50": f"{base}?page=50",
        "geojson": f"{base}areas.geojson",
        "export_csv": f"{base}export.csv",
        "api_results": f"{api}results/?page=3",
    }
    figures: dict[str, Any] = {
        "areas": args.areas,
        "programs": args.programs,
        "database": "sqlite",
        "runs": args.runs,
        "reused_database": reused,
        "compute_seconds": round(compute_seconds, 2),
        "sites": run.result["summary"]["sites"],
        "pairs": run.result["summary"]["pairs_in_reach"],
        "deserts": run.result["summary"]["deserts"],
    }
    for name, url in pages.items():
        seconds, (status, size) = _timed(lambda url=url: get(url), args.runs)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        figures[f"{name}_seconds"] = round(seconds, 3)
        figures[f"{name}_kb"] = size // 1024
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["load_average"] = round(os.getloadavg()[0], 2)
    return figures


if __name__ == "__main__":
    main()
