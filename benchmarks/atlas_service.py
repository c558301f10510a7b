"""Benchmark the atlas as a backbone team meets it at national scale: a run computed from the
database, then its pages read (issue 15 item 1's budgets).

    .venv/bin/python benchmarks/atlas_service.py [--areas 100000] [--programs 150000]
        [--runs 3] [--requests 20] [--before-requests 3] [--keep DIR] [--only ...] [--src DIR]
    WITH_POSTGRES_KEEP=DIR/pg scripts/with-postgres.sh .venv/bin/python \
        benchmarks/atlas_service.py --keep DIR ...    # the same on PostgreSQL

`benchmarks/atlas.py` times the Django-free algorithm on arrays. This times what wraps it, on
SQLite (or the PostgreSQL of DATABASE_URL under scripts/with-postgres.sh): runs computed from
the database by the task `compute_analysis_run` (programs and areas loaded, `reach.analyse`,
the result and its published per-area rows stored, the run before it deleted), then, through
the Django test client as a signed-in member, the atlas page (six pages of the priority list),
the map layer for a state-sized viewport and for the whole country, the API's per-area pages
and the CSV export (its time, and the peak of Python's allocations while it streams).
"Before" is the same pages served by the views, export and API of BEFORE loaded from git into
this process, timed in the same run. The directory is benchmarks/directory.py's national one
(150,000 programs; `--keep DIR` reuses a database built before); the areas are
benchmarks/atlas.py's national layout. The last line printed is one JSON object with
`page_p95_ms`, `map_p95_ms`, `map_bytes`, `api_p95_ms`, `export_seconds`, `export_peak_mb`,
`run_seconds` (the median; each run's wall and CPU seconds and load beside it) and their
"before" counterparts, then `search_p95_ms` (the priority list's name searches, against
`--search-before`'s page without the search's index) and a large scenario preview's
`preview_request_ms`, `preview_task_seconds` and its finished page's `preview_page_p95_ms`
(`--requests` reads; against `preview_in_request_seconds_before`, left out with
`--before-requests 0`). `--only run,preview` (or `search`, `preview`, `run`) times just those
on a kept database; `--src DIR` times another tree's code (a checkout of an older commit) on
the same database, to run old and new by turns on a busy machine; `--no-extras` leaves the
search and preview out (to time a tree from before them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# `--src DIR`: time another tree's code (its src/) on the same database, e.g. a checkout of the
# commit before a change, run by turns with this one.
SRC = (
    Path(sys.argv[sys.argv.index("--src") + 1]).resolve()
    if "--src" in sys.argv[:-1]
    else ROOT / "src"
)
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _setup(database: Path) -> None:
    """SQLite in `database`, or the PostgreSQL of DATABASE_URL when the script runs under
    scripts/with-postgres.sh (with WITH_POSTGRES_KEEP=DIR to keep the data it builds)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
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


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


# The pages before their rows were stored: views, export and API of BEFORE, loaded from git into
# the same process and served under the same addresses by a URL configuration of their own.
BEFORE = "ad29e02"
OLD_URLCONF = "benchmark_atlas_before_urls"
SEARCH_BEFORE_URLCONF = "benchmark_atlas_search_before_urls"


def _old_module(name: str, commit: str = BEFORE) -> types.ModuleType:
    source = subprocess.check_output(
        ["git", "show", f"{commit}:src/ecotone/atlas/{name}.py"],  # noqa: S607
        cwd=ROOT,
        text=True,
    )
    module = types.ModuleType(f"ecotone.atlas._before_{commit}_{name}")
    module.__package__ = "ecotone.atlas"
    sys.modules[module.__name__] = module
    exec(compile(source, f"{commit}:{name}.py", "exec"), module.__dict__)  # noqa: S102 (our own code at BEFORE)
    return module


def _install_search_before_urlconf(commit: str) -> None:
    """The atlas page of `commit` (its name search counted every match) at the same address."""
    from django.urls import path

    from ecotone import urls

    views = _old_module("views", commit)
    module = types.ModuleType(SEARCH_BEFORE_URLCONF)
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("e/<slug:ecosystem_slug>/atlas/", views.atlas_home),
        *urls.urlpatterns,
    ]
    sys.modules[SEARCH_BEFORE_URLCONF] = module


def _install_old_urlconf() -> None:
    from django.urls import path

    from ecotone import urls

    views, export_views, api = (_old_module(n) for n in ("views", "export_views", "api"))
    module = types.ModuleType(OLD_URLCONF)
    atlas = "e/<slug:ecosystem_slug>/atlas/"
    module.urlpatterns = [  # type: ignore[attr-defined]
        path(atlas, views.atlas_home),
        path(f"{atlas}areas.geojson", views.areas_geojson),
        path(f"{atlas}export.<str:fmt>", export_views.export_areas),
        path(
            "api/v1/ecosystems/<slug:ecosystem_slug>/analyses/<str:pk>/results/",
            api.AnalysisViewSet.as_view({"get": "results"}, detail=True),
        ),
        *urls.urlpatterns,
    ]
    sys.modules[OLD_URLCONF] = module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=100_000)
    parser.add_argument("--programs", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of the analysis and exports")
    parser.add_argument("--requests", type=int, default=20, help="requests per page, after")
    parser.add_argument(
        "--before-requests", type=int, default=3, help="requests per page, before (0: skip)"
    )
    parser.add_argument("--keep", metavar="DIR", help="keep the database in DIR and reuse it")
    parser.add_argument(
        "--only",
        choices=("search", "preview", "search,preview", "run", "run,preview"),
        help="only the name search (before/after), runs from the database and/or a large "
        "preview, on the kept database",
    )
    parser.add_argument("--src", help="time this tree's src/ instead (see SRC)")
    parser.add_argument(
        "--search-before",
        default="21caf9c",
        help="the commit whose atlas page counted every match of a name search",
    )
    parser.add_argument(
        "--no-extras",
        action="store_true",
        help="no name-search or preview figures (to time a tree from before them)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep).resolve() if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        _setup(folder / "bench.sqlite3")
        figures = measure_only(args) if args.only else measure(args)
    print(json.dumps(figures))


# A state-sized viewport (Ohio) and the national one.
STATE_BBOX = "-84.9,38.4,-80.5,42.0"


def time_runs(analysis: Any, n: int) -> tuple[dict[str, Any], Any]:
    """A run from the database as the task computes it (its progress saved as it goes), `n`
    times, each replacing the run before it (deleted by the task, as when the ecosystem
    changed): the median and each run's seconds, CPU seconds of this process and load."""
    from ecotone.atlas import services
    from ecotone.atlas.models import AnalysisRun
    from ecotone.atlas.services import runs as atlas_runs

    walls, cpus, loads, run = [], [], [], None
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        run = AnalysisRun.objects.create(
            analysis=analysis, fingerprint=services.fingerprint(analysis, None), stage="queued"
        )
        atlas_runs.compute_analysis_run.enqueue(run.pk)  # TASKS_BACKEND=immediate
        run = AnalysisRun.objects.select_related("analysis__ecosystem").get(pk=run.pk)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        loads.append(round(os.getloadavg()[0], 2))
        assert run.status == "done", run.error
        assert run.progress == 100
        print(f"run {walls[-1]:.1f} s ({cpus[-1]:.1f} s CPU), load {loads[-1]}", file=sys.stderr)
    figures = {
        "run_seconds": round(statistics.median(walls), 2),
        "run_seconds_each": [round(x, 2) for x in walls],
        "run_cpu_seconds_each": [round(x, 2) for x in cpus],
        "run_load_each": loads,
        "run_final_stage": f"{run.stage}:{run.progress}",
        "run_rows_kept": AnalysisRun.objects.filter(analysis=analysis, is_preview=False).count(),
    }
    return figures, run


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client, override_settings

    from directory import build_once  # benchmarks/directory.py
    from ecotone.accounts.models import User
    from ecotone.atlas import services
    from ecotone.atlas.services import runs as atlas_runs
    from ecotone.atlas.services import stored
    from ecotone.ecosystems.models import Ecosystem, Membership, Role

    start = time.perf_counter()
    slug, reused = build_once(args.programs)
    _areas(slug, args.areas)
    print(f"data ready in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    ecosystem = Ecosystem.objects.get(slug=slug)
    analysis = services.default_analysis(ecosystem)

    run_figures, run = time_runs(analysis, args.runs)
    run_seconds = run_figures["run_seconds"]
    # What storing the rows adds to a run: the run before rows were stored took the rest.
    result = atlas_runs.result_of(run)
    store_seconds, _digest = _timed(lambda: stored.store(run, result, ecosystem), 1)
    print(f"run {run_seconds:.1f} s (storing rows {store_seconds:.1f} s)", file=sys.stderr)

    user, _created = User.objects.get_or_create(email="bench-member@example.org")
    Membership.objects.get_or_create(user=user, ecosystem=ecosystem, role=Role.MEMBER)
    client = Client()
    client.force_login(user)
    base = f"/e/{slug}/atlas/"
    api = f"/api/v1/ecosystems/{slug}/analyses/default/"
    if args.before_requests:
        _install_old_urlconf()  # BEFORE's code, loaded only when it is timed

    def get(url: str, before: bool) -> tuple[float, int]:
        # Before: the old views, and the ecosystem's state counted on every request.
        old = override_settings(ROOT_URLCONF=OLD_URLCONF, ATLAS_STATE_CACHE_SECONDS=0)
        with old if before else contextlib.nullcontext():
            started = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            # A stream is read and let go, as a client saving it to a file would.
            size = (
                sum(len(part) for part in response.streaming_content)
                if response.streaming
                else len(response.content)
            )
            seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return seconds, size

    # Several pages of each kind, as people and clients move through them.
    pages = {
        "page": [
            base,
            f"{base}?page=50",
            f"{base}?sort=need&page=3",
            f"{base}?desert=1",
            f"{base}?locale=rural&sort=nearest",
            f"{base}?q=school%2012",
        ],
        "map": [
            f"{base}areas.geojson?bbox={STATE_BBOX}",
            f"{base}areas.geojson?color=need&bbox={STATE_BBOX}",
        ],
        "map_national": [f"{base}areas.geojson"],
        "api": [
            f"{api}results/?page=3",
            f"{api}results/?ordering=-need&page=10",
            f"{api}results/?desert=true&locale=rural",
        ],
    }
    figures: dict[str, Any] = {
        "areas": args.areas,
        "programs": args.programs,
        "database": connection.vendor,
        "src": str(SRC),
        "reused_database": reused,
        **run_figures,
        "run_store_seconds": round(store_seconds, 2),
        "sites": run.result["summary"]["sites"],
        "pairs": run.result["summary"]["pairs_in_reach"],
        "deserts": run.result["summary"]["deserts"],
    }
    for name, urls in pages.items():
        after: list[float] = []
        before: list[float] = []
        sizes: dict[str, list[int]] = {"after": [], "before": []}
        # After, then before on the same pages: blocks, so that a slow request before (seconds)
        # does not let the state cached after expire between every two requests.
        for i in range(args.requests):
            seconds, size = get(urls[i % len(urls)], False)
            after.append(seconds)
            sizes["after"].append(size)
        for i in range(args.before_requests):
            seconds, size = get(urls[i % len(urls)], True)
            before.append(seconds)
            sizes["before"].append(size)
        figures[f"{name}_p95_ms"] = round(_p95(after) * 1000, 1)
        figures[f"{name}_median_ms"] = round(statistics.median(after) * 1000, 1)
        if before:
            figures[f"{name}_median_ms_before"] = round(statistics.median(before) * 1000, 1)
        if name.startswith("map"):
            figures[f"{name}_bytes"] = max(sizes["after"])
            if sizes["before"]:
                figures[f"{name}_bytes_before"] = max(sizes["before"])
        print(f"{name}: {figures[f'{name}_p95_ms']} ms", file=sys.stderr)
    # The CSV export: its time (median of --runs), and the peak of Python's allocations while it
    # streams (tracemalloc, one more pass: it slows what it watches).
    export = f"{base}export.csv"
    for label, before_ in (("", False), ("_before", True)):
        if before_ and not args.before_requests:
            continue
        seconds, (_took, size) = _timed(lambda b=before_: get(export, b), args.runs)
        tracemalloc.start()
        get(export, before_)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[f"export_seconds{label}"] = round(seconds, 2)
        figures[f"export_peak_mb{label}"] = round(peak / 2**20, 1)
        figures[f"export_kb{label}"] = size // 1024
        print(f"export{label}: {seconds:.1f} s, {peak / 2**20:.0f} MB", file=sys.stderr)
    figures["budgets_met"] = {
        "page_p95_ms<300": figures["page_p95_ms"] < 300,
        "map_p95_ms<300": figures["map_p95_ms"] < 300,
        "map_bytes<1MB": figures["map_bytes"] < 2**20,
        "api_p95_ms<200": figures["api_p95_ms"] < 200,
        "run_seconds<20": figures["run_seconds"] < 20,
    }
    if not args.no_extras:
        figures.update(search_figures(client, base, args))
        figures.update(
            preview_figures(client, base, analysis, args.requests, args.before_requests > 0)
        )
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return figures


# Name searches: one common ("school 1", 11,111 matches at 100,000 areas), the page's own
# ("school 12", 1,111), one rare ("school 9999", 11).
SEARCHES = ("school%201", "school%2012", "school%209999")


SEARCH_INDEX = (
    "CREATE INDEX atlas_result_search ON atlas_arearesult "
    "(run_id, search_text, locale, kind, is_desert)"
)


def search_figures(client: Any, base: str, args: argparse.Namespace) -> dict[str, Any]:
    """The priority list's name searches, before (`--search-before`: its page counted every
    match, and the search's index did not exist) and after, in two rounds of blocks: before
    without the index; then, with it, after, and before with the index. Each block's first
    request is not counted: changing ROOT_URLCONF makes the next request build every URL
    pattern again (about 200 ms), so the addresses are not switched request by request."""
    from django.db import connection
    from django.test import override_settings

    _install_search_before_urlconf(args.search_before)
    samples: dict[str, list[float]] = {"after": [], "before": [], "before_indexed": []}
    per_block = max(len(SEARCHES), args.requests // 2)

    def block(label: str) -> None:
        urlconf = settings_urlconf() if label == "after" else SEARCH_BEFORE_URLCONF
        with override_settings(ROOT_URLCONF=urlconf):
            for i in range(-1, per_block):
                url = f"{base}?q={SEARCHES[i % len(SEARCHES)]}"
                started = time.perf_counter()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                if i >= 0:
                    samples[label].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{url} ({label}) answered {response.status_code}")

    for _round in range(2):
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS atlas_result_search")
        block("before")
        with connection.cursor() as cursor:
            cursor.execute(SEARCH_INDEX)
        block("after")
        block("before_indexed")
    figures: dict[str, Any] = {"search_commit_before": args.search_before}
    for label, suffix in (
        ("after", ""),
        ("before", "_before"),
        ("before_indexed", "_before_indexed"),
    ):
        figures[f"search_p95_ms{suffix}"] = round(_p95(samples[label]) * 1000, 1)
        figures[f"search_median_ms{suffix}"] = round(statistics.median(samples[label]) * 1000, 1)
    print(
        f"search: {figures['search_p95_ms']} ms, before {figures['search_p95_ms_before']}",
        file=sys.stderr,
    )
    return figures


def settings_urlconf() -> str:
    from django.conf import settings

    return str(settings.ROOT_URLCONF)


PREVIEW_PROGRAM = {
    "program-TOTAL_FORMS": "1",
    "program-INITIAL_FORMS": "0",
    "program-MIN_NUM_FORMS": "1",
    "program-MAX_NUM_FORMS": "10",
    "program-0-name": "Mobile lab",
    "program-0-delivery": "in_person",
    "program-0-latitude": "39.9612",
    "program-0-longitude": "-82.9988",
    "program-0-seats": "200",
    "program-0-grade_bands": ["6-8"],
    "program-0-days_per_week": "4",
    "program-0-after_school": "on",
    "program-0-cost_band": "free",
    "action": "preview",
}


def preview_figures(
    client: Any, base: str, analysis: Any, requests: int, before: bool = True
) -> dict[str, Any]:
    """A large ecosystem's scenario preview: the request that queues it (no worker: the dummy
    backend keeps it), the task computing it, and the page showing the finished comparison
    (`requests` times: p95 and median); before (unless `before` is false), the same preview
    computed in the request (ATLAS_SYNC_MAX_AREAS above the size)."""
    from django.test import override_settings

    from ecotone.atlas.models import AnalysisRun
    from ecotone.atlas.services import runs as atlas_runs

    url = f"{base}scenarios/new/"
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    AnalysisRun.objects.filter(analysis=analysis, is_preview=True).delete()
    with override_settings(TASKS=dummy):
        started = time.perf_counter()
        response = client.post(url, PREVIEW_PROGRAM, HTTP_HOST="127.0.0.1")
        request_seconds = time.perf_counter() - started
    if response.status_code != 302:
        raise SystemExit(f"the preview answered {response.status_code}")
    run = AnalysisRun.objects.get(analysis=analysis, is_preview=True)
    started = time.perf_counter()
    status = atlas_runs.compute_analysis_run.call(run.pk)
    task_seconds = time.perf_counter() - started
    assert status == "done", status
    pages = []
    for _ in range(max(1, requests)):
        started = time.perf_counter()
        page = client.get(response["Location"], HTTP_HOST="127.0.0.1")
        pages.append(time.perf_counter() - started)
        assert page.status_code == 200
        assert b"desert" in page.content
    figures = {
        "preview_request_ms": round(request_seconds * 1000, 1),
        "preview_task_seconds": round(task_seconds, 2),
        "preview_page_seconds": round(pages[0], 2),
        "preview_page_p95_ms": round(_p95(pages) * 1000, 1),
        "preview_page_median_ms": round(statistics.median(pages) * 1000, 1),
        "preview_page_requests": len(pages),
    }
    if before:
        with override_settings(ATLAS_SYNC_MAX_AREAS=10**9):
            started = time.perf_counter()
            old = client.post(url, PREVIEW_PROGRAM, HTTP_HOST="127.0.0.1")
            figures["preview_in_request_seconds_before"] = round(time.perf_counter() - started, 2)
        assert old.status_code == 200
    print(f"preview: {figures}", file=sys.stderr)
    return figures


def measure_only(args: argparse.Namespace) -> dict[str, Any]:
    """`--only`: the name search and/or a preview on the kept database's run (computed once
    if it has none current)."""
    from django.db import connection
    from django.test import Client

    from directory import build_once  # benchmarks/directory.py
    from ecotone.accounts.models import User
    from ecotone.atlas import services
    from ecotone.ecosystems.models import Ecosystem, Membership, Role

    slug, _reused = build_once(args.programs)
    _areas(slug, args.areas)
    ecosystem = Ecosystem.objects.get(slug=slug)
    analysis = services.default_analysis(ecosystem)
    services.latest_run(analysis)  # current, or computed now (immediate backend)
    user, _created = User.objects.get_or_create(email="bench-member@example.org")
    Membership.objects.get_or_create(user=user, ecosystem=ecosystem, role=Role.MEMBER)
    client = Client()
    client.force_login(user)
    base = f"/e/{slug}/atlas/"
    figures: dict[str, Any] = {"areas": args.areas, "programs": args.programs}
    figures["database"], figures["src"] = connection.vendor, str(SRC)
    figures["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    if "run" in args.only:
        figures.update(time_runs(analysis, args.runs)[0])
    if "search" in args.only:
        client.get(base, HTTP_HOST="127.0.0.1")  # the state cached, as between requests
        figures.update(search_figures(client, base, args))
    if "preview" in args.only:
        figures.update(
            preview_figures(client, base, analysis, args.requests, args.before_requests > 0)
        )
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return figures


if __name__ == "__main__":
    main()
