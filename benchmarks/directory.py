"""Benchmark the program directory at national scale, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/directory.py [--programs 150000] [--queries 40] [--runs 5]
        [--keep DIR] [--skip-export] [--only sqlite|postgres] [--baseline DIR]

For each database it builds a national directory (programs spread over the continental US,
about 2 locations per 3 programs, a full STEM profile each; `--keep DIR` builds it once and
reuses it), then measures, Django test client, server time only:
- search: `--queries` searches as a family types them (a keyword or short phrase, one or two
  facets, 10-25 miles round a populated ZIP code), through the search page (hits, total, facet
  counts, online matches: all it renders) and through the API, after one untimed pass; p50
  and p95 of each run, the median over `--runs` runs; plus bare keywords, the worst case for
  facet counts;
- geojson: the map endpoint for a viewport holding about 12,700 program locations;
- export: streaming the whole HSDS export in a child process: its peak RSS, time, size.
PostgreSQL runs in its own cluster (scripts/with-postgres.sh). The last line printed is one
JSON object with every figure; the budget's are `page_p95_ms`, `api_p95_ms` and
`keyword_page_p95_ms` per database.

`--baseline DIR` times older code on the same databases in the same session: DIR holds its
`src` (e.g. `git archive COMMIT src | tar -x -C DIR`); each database's phase then runs
alternately with the baseline and with this code, `--runs` times each, one run a phase, and the
baseline's figures are reported with the prefix `baseline_`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# Cities to cluster programs around (lat, lon, weight): a national spread, denser in metros.
CITIES = [
    (40.71, -74.0, 8),
    (34.05, -118.24, 7),
    (41.88, -87.63, 6),
    (29.76, -95.37, 5),
    (33.45, -112.07, 4),
    (39.95, -75.17, 4),
    (29.42, -98.49, 3),
    (32.72, -117.16, 3),
    (32.78, -96.8, 4),
    (37.34, -121.89, 3),
    (30.27, -97.74, 3),
    (39.96, -83.0, 3),
    (35.23, -80.84, 3),
    (47.61, -122.33, 3),
    (39.74, -104.99, 3),
    (38.91, -77.04, 4),
    (42.36, -71.06, 4),
    (36.16, -86.78, 2),
    (45.52, -122.68, 2),
    (35.47, -97.52, 2),
    (36.17, -115.14, 2),
    (43.04, -87.91, 2),
    (35.08, -106.65, 2),
    (46.87, -96.79, 1),
    (44.08, -103.23, 1),
    (41.26, -95.93, 1),
    (38.25, -85.76, 2),
    (33.75, -84.39, 4),
]
WORDS = ["robotics", "coding", "science", "engineering", "math", "nature", "camp", "club"]


def build(n_programs: int, seed: int = 7) -> str:
    """A national ecosystem with `n_programs` programs; returns its slug."""
    from django.db import connection, transaction
    from django.utils.text import slugify

    from ecotone.directory import stem_profile
    from ecotone.directory.models import (
        Delivery,
        Language,
        Location,
        Program,
        ProgramAttribute,
        ProgramLocation,
        Schedule,
        TaxonomyTerm,
    )
    from ecotone.ecosystems.models import Ecosystem, Organization, Sector

    rng = random.Random(seed)
    ecosystem = Ecosystem.objects.create(
        slug="national",
        name="National",
        region_south=24,
        region_west=-125,
        region_north=50,
        region_east=-66,
    )
    terms = {t.code: t for t in TaxonomyTerm.objects.exclude(code="")}
    facet_codes = {f.code: [c for c, _ in f.terms] for f in stem_profile.FACETS}
    weights = [c[2] for c in CITIES]
    batch = 5000
    with transaction.atomic():
        organizations = Organization.objects.bulk_create(
            [
                Organization(
                    ecosystem=ecosystem,
                    slug=f"org-{i}",
                    name=f"Organization {i}",
                    sector=rng.choice(Sector.values),
                )
                for i in range(max(10, n_programs // 50))
            ],
            batch_size=batch,
        )
        locations = []
        for i in range(max(10, n_programs * 2 // 3)):
            lat, lon, _w = rng.choices(CITIES, weights=weights)[0]
            locations.append(
                Location(
                    ecosystem=ecosystem,
                    name=f"Site {i}",
                    postal_code=f"{10000 + i % 89999}",
                    latitude=lat + rng.gauss(0, 0.4),
                    longitude=lon + rng.gauss(0, 0.5),
                )
            )
        locations = Location.objects.bulk_create(locations, batch_size=batch)
        for start in range(0, n_programs, batch):
            programs = []
            for i in range(start, min(n_programs, start + batch)):
                field = rng.choice(facet_codes["stem_field"])
                activity = rng.choice(facet_codes["activity_type"])
                words = (rng.choice(WORDS), field, activity)
                name = " ".join(w.replace("-", " ").title() for w in words) + f" {i}"
                programs.append(
                    Program(
                        ecosystem=ecosystem,
                        organization=rng.choice(organizations),
                        slug=slugify(name)[:110],
                        name=name,
                        description=f"Hands-on {field} for young people: {rng.choice(WORDS)}.",
                        delivery=rng.choice([Delivery.IN_PERSON] * 9 + [Delivery.VIRTUAL]),
                        cost_band=rng.choice(["free", "free", "low", "moderate"]),
                        transportation_provided=rng.random() < 0.2,
                    )
                )
            programs = Program.objects.bulk_create(programs, batch_size=batch)
            attributes, links, schedules, languages = [], [], [], []
            for program in programs:
                codes = {
                    f"grade_band/{rng.choice(facet_codes['grade_band'])}",
                    f"stem_field/{rng.choice(facet_codes['stem_field'])}",
                    f"activity_type/{rng.choice(facet_codes['activity_type'])}",
                }
                if rng.random() < 0.3:
                    codes.add(f"focus_population/{rng.choice(facet_codes['focus_population'])}")
                attributes += [ProgramAttribute(program=program, term=terms[c]) for c in codes]
                links.append(ProgramLocation(program=program, location=rng.choice(locations)))
                schedules.append(
                    Schedule(program=program, byday=rng.choice(["MO,WE", "TU,TH", "FR", "SA"]))
                )
                languages.append(Language(program=program, code="en"))
            ProgramAttribute.objects.bulk_create(attributes, batch_size=batch)
            ProgramLocation.objects.bulk_create(links, batch_size=batch)
            Schedule.objects.bulk_create(schedules, batch_size=batch)
            Language.objects.bulk_create(languages, batch_size=batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as after any bulk load (autovacuum would, later)
    return ecosystem.slug


# Populated ZIP codes of the metros above: where a family would search from.
ZIPS = [
    "10001", "90012", "60601", "77002", "85003", "19103", "78205", "92101", "75201", "95113",
    "78701", "43215", "28202", "98101", "80202", "20001", "02108", "30303", "37203", "97204",
]  # fmt: skip
# What people type: single words and short phrases of the STEM vocabulary.
PHRASES = ["robotics", "coding", "science camp", "engineering", "math club", "nature", "science"]


def queries(n: int, seed: int = 11) -> list[str]:
    """Keyword + one or two facets + a 10-25 mile radius around a populated ZIP code."""
    from urllib.parse import urlencode

    from ecotone.directory import stem_profile

    rng = random.Random(seed)
    facet_codes = {f.code: [c for c, _ in f.terms] for f in stem_profile.FACETS}
    result = []
    for _ in range(n):
        params = [("q", rng.choice(PHRASES))]
        for facet in rng.sample(["grade_band", "activity_type", "stem_field", "free"], 2)[
            : rng.choice([1, 2])
        ]:
            params.append(
                ("free", "1") if facet == "free" else (facet, rng.choice(facet_codes[facet]))
            )
        params += [("near", rng.choice(ZIPS)), ("radius", str(rng.choice([10, 15, 20, 25])))]
        result.append(urlencode(params))
    return result


def keyword_only_queries() -> list[str]:
    """The worst case for facet counts: a bare keyword matching tens of thousands of programs."""
    return [f"q={p.replace(' ', '+')}" for p in PHRASES]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def phase(args: argparse.Namespace) -> dict[str, object]:
    """Runs inside one database: build, then measure. Returns the figures."""
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve() / "src"))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        # A migration may have rewritten every row of a kept database (0011 recomputes each
        # program's words); the cluster runs without autovacuum, so vacuum as it would have.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # Pages name their static files; whether `collectstatic` ran here is not what is measured.
    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": plain}}).enable()
    started = time.perf_counter()
    slug, reused = build_once(args.programs)
    built = time.perf_counter() - started
    client = Client()
    page = f"/e/{slug}/programs/"
    api = f"/api/v1/ecosystems/{slug}/programs/"
    mixed = queries(args.queries)
    # Not timed: imports, and the database's own cache (a freshly started PostgreSQL server has
    # none), so that the runs measure a server in use rather than one just started.
    for url in (page, api):
        for qs in mixed:
            cache.clear()
            client.get(f"{url}?{qs}")
    figures: dict[str, object] = {
        "database": connection.vendor,
        "load_average": os.getloadavg()[0],
        "build_seconds": None if reused else round(built, 1),
        "runs": args.runs,
    }
    # Each run times every query once; a figure is the median over runs of that run's figure.
    measured: dict[str, list[float]] = {}
    hits: list[int] = []
    for _run in range(args.runs):
        for name, url, mix in (
            ("search", page, mixed),
            ("api_search", api, mixed),
            ("keyword_only", page, keyword_only_queries()),
        ):
            timings = []
            for qs in mix:
                cache.clear()  # the API's anonymous throttle counts in the cache; not timed
                t0 = time.perf_counter()
                response = client.get(f"{url}?{qs}")
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.content[:300]
                if name == "api_search" and _run == 0:
                    hits.append(response.json()["count"])
            measured.setdefault(f"{name}_p50_ms", []).append(percentile(timings, 50))
            measured.setdefault(f"{name}_p95_ms", []).append(percentile(timings, 95))
    for key, values in measured.items():
        figures[key] = round(statistics.median(values), 1)
    figures["search_p95_ms_runs"] = [round(v, 1) for v in measured["search_p95_ms"]]
    # The budget's names (issue 15): the search page, the API search, bare keywords on the page.
    figures["page_p95_ms"] = figures["search_p95_ms"]
    figures["api_p95_ms"] = figures["api_search_p95_ms"]
    figures["keyword_page_p95_ms"] = figures["keyword_only_p95_ms"]
    figures["search_median_hits"] = statistics.median(hits)
    figures["search_hits_range"] = [min(hits), max(hits)]
    print(json.dumps(figures), file=sys.stderr, flush=True)  # progress, in case a later part hangs
    geojson = _geojson_ms(client, slug, args.runs)
    if geojson is not None:
        figures.update(geojson)
    export = None if args.skip_export else _export_peak_rss_mb(slug)
    if export is not None:
        figures.update(export)
    return figures


def build_once(n_programs: int) -> tuple[str, bool]:
    """The national ecosystem, built unless a kept database (--keep) already holds it."""
    from ecotone.directory.models import Program
    from ecotone.ecosystems.models import Ecosystem

    existing = Ecosystem.objects.filter(slug="national").first()
    if existing is None:
        return build(n_programs), False
    found = Program.objects.filter(ecosystem=existing).count()
    if found != n_programs:
        raise SystemExit(f"the kept database holds {found} programs, not {n_programs}")
    return existing.slug, True


def _geojson_ms(client: object, slug: str, runs: int) -> dict[str, object] | None:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("directory:map_geojson", kwargs={"ecosystem_slug": slug})
    except NoReverseMatch:
        return None
    # A viewport around the New York area holds roughly 10,000 programs at national scale.
    bbox = "-75.2,39.9,-72.8,41.5"
    timings = []
    count = 0
    for _ in range(max(5, runs)):
        t0 = time.perf_counter()
        response = client.get(f"{url}?bbox={bbox}")  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - t0) * 1000)
        body = response.json()
        count = sum(f["properties"].get("count", 1) for f in body["features"])
    return {"geojson_ms": round(statistics.median(timings), 1), "geojson_programs": count}


def _export_peak_rss_mb(slug: str) -> dict[str, object] | None:
    """Stream the HSDS export in a child process: its peak RSS in MB, time and output size."""
    command = ROOT / "src" / "ecotone" / "directory" / "management" / "commands" / "export_hsds.py"
    if not command.exists():
        return None
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "services.json"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "export_hsds",
                "--ecosystem",
                slug,
                str(target),
            ],
            check=True,
            env=os.environ.copy(),
        )
        seconds = time.perf_counter() - t0
        size = target.stat().st_size
    return {
        "export_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "export_seconds": round(seconds, 1),
        "export_file_mb": round(size / 2**20, 1),
    }


def _run_phase(name: str, command: list[str], env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        command, env=env, stdout=subprocess.PIPE, text=True, check=False
    )  # the phase's progress goes straight to our stderr
    if out.returncode != 0:
        print(out.stdout[-2000:], file=sys.stderr)
        raise SystemExit(f"{name} phase failed")
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{name}: {figures}", file=sys.stderr)
    return figures


def _medians(phases: list[dict[str, object]]) -> dict[str, object]:
    """Each numeric figure's median over phases of one run each; the p95s of each run too."""
    result: dict[str, object] = {"database": phases[0]["database"]}
    for key, value in phases[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values = [float(p[key]) for p in phases if isinstance(p.get(key), (int, float))]
            result[key] = round(statistics.median(values), 1)
    for key in ("page_p95_ms", "api_p95_ms", "keyword_page_p95_ms"):
        result[f"{key}_runs"] = [p[key] for p in phases]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=150_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5, help="timed passes over the queries")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the databases in DIR and reuse them on the next run instead of building anew",
    )
    parser.add_argument(
        "--skip-export", action="store_true", help="leave out the (slow) HSDS export"
    )
    parser.add_argument(
        "--baseline", metavar="DIR", help="also time the code in DIR/src, interleaved (see above)"
    )
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="run one database only")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args)))
        return
    results: dict[str, dict[str, object]] = {}
    base = [
        sys.executable,
        __file__,
        "--phase",
        "--programs",
        str(args.programs),
        "--queries",
        str(args.queries),
        "--runs",
        str(args.runs),
        *(["--skip-export"] if args.skip_export else []),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep).resolve() if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        kept = {"WITH_POSTGRES_KEEP": str(folder / "postgres")} if args.keep else {}
        runs = {
            "sqlite": (base, {"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"}),
            "postgres": ([str(ROOT / "scripts" / "with-postgres.sh"), *base], kept),
        }
        for name, (command, extra) in runs.items():
            if args.only and name != args.only:
                continue
            env = {**os.environ, **extra, "ECOTONE_BENCHMARK": "1"}
            if not args.baseline:
                results[name] = _run_phase(name, command, env)
                continue
            # Before and after on the same database, alternating, one run a phase.
            one = [*command, "--skip-export"]
            one[one.index("--runs") + 1] = "1"
            by_code: dict[str, list[dict[str, object]]] = {"baseline": [], "current": []}
            for _ in range(args.runs):
                by_code["baseline"].append(
                    _run_phase(f"{name} baseline", [*one, "--code", args.baseline], env)
                )
                by_code["current"].append(_run_phase(name, one, env))
            results[name] = _medians(by_code["current"])
            for key, value in _medians(by_code["baseline"]).items():
                results[name][f"baseline_{key}"] = value
            results[name]["load_averages"] = [
                f.get("load_average") for f in by_code["current"] + by_code["baseline"]
            ]
    summary: dict[str, object] = {
        "programs": args.programs,
        "queries": args.queries,
        "runs": args.runs,
        "load_average": os.getloadavg()[0],
    }
    for name, figures in results.items():
        for key, value in figures.items():
            if key != "database":
                summary[f"{key}_{name}"] = value
    peaks = [f["export_peak_rss_mb"] for f in results.values() if "export_peak_rss_mb" in f]
    if peaks:
        summary["export_peak_rss_mb"] = max(peaks)  # type: ignore[type-var]
    summary["machine"] = (
        f"{os.cpu_count()} cores, {os.uname().machine}, Python {sys.version.split()[0]}"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
