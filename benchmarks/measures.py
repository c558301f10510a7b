"""Benchmark shared measurement at national scale (issue 16 item 10): the fact table at 100
million values in PostgreSQL, a dashboard's query on it, a 1,000,000-row partner upload and
the suppression of a 20 x 10 table.

    .venv/bin/python benchmarks/measures.py [--values 100000000] [--runs 20]
        [--upload-rows 1000000] [--keep var/bench-measures-pg] [--only upload|dashboard]

The script runs itself under `scripts/with-postgres.sh` with `WITH_POSTGRES_KEEP=--keep`, so
the database built once (the slow part: about 1 GB of table and indexes per 10 million values)
is reused by later runs of the same `--values`; a run at another size rebuilds the values.

- **Build.** Ecosystems of 400 partners each, 12 indicators and 6 school years, every
  partner reporting every indicator and year by sex, by race and by sex x race (36 values:
  the total, 3 + 8 margins, 24 interior cells, the margins and the total the sums of the
  cells, as a partner's file must add up): 1,036,800 values per ecosystem, as many
  ecosystems as `--values` needs (97 at 100 million; the last one partly filled). The values
  are written inside PostgreSQL by one `INSERT ... SELECT` over `generate_series` per
  ecosystem (no row crosses the socket, faster than COPY from Python), with the table's
  indexes dropped during the load and built after it, as a bulk load does.
- **Dashboard** (`dashboard_p95_ms`): one indicator, one period, sex x race, all partners of
  one ecosystem, through the dashboards service the pages and the API call
  (`measures.services.dashboards.dashboard`: the SQL that sums the fact table's rows, the
  `value_dashboard_idx` index, and the period's family of linked tables suppressed with its
  LP audit), `--runs` times on random (ecosystem, indicator, period), p95; the same for one
  random partner's figures (`dashboard_partner_p95_ms`: small cells, so suppression has work);
  the public page itself (`dashboard_page_p95_ms`: the five latest periods, charts, tables,
  rendered by Django's test client); `dashboard_recovered_cells` the hidden figures an
  independent audit of each published period pins down (must be 0).
- **Upload** (`upload_seconds`, `upload_peak_rss_mb`): a partner's CSV of `--upload-rows`
  rows (one indicator broken down by six dimensions, the interior cells of 275 monthly
  periods) through the real services in a fresh process: `check_submission_file` (stored and
  dry-run checked), `submit_submission`, `approve_submission` (the task applied at once:
  checked again, written whole). The file is written to disk and uploaded from it; peak RSS
  is that process's own from just before the upload (`VmHWM`, reset), CPU its own too; the
  previous run's values of the same cells are deleted and the table vacuumed first.
  `--only upload` (or `--only dashboard`) measures one part on the values built.
- **Audit** (`audit_seconds`): `suppress_linked` (primary and complementary suppression with
  its LP audit) on benchmarks/suppression.py's 20 x 10 table with all its margins, median of
  7 runs; `audit_independent_seconds` an independent `audit` of the result after it;
  `audit_recovered_cells` counts hidden cells either audit pins down (must be 0).

The last line printed is one JSON object with those figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

ORGS = 400
INDICATORS = 12
PERIODS = 6
SEXES = ("Female", "Male", "NotSelected")
RACES = (
    "AmericanIndianOrAlaskaNative",
    "Asian",
    "BlackOrAfricanAmerican",
    "HispanicOrLatino",
    "MiddleEasternOrNorthAfrican",
    "NativeHawaiianOrOtherPacificIslander",
    "White",
    "TwoOrMoreRaces",
)
COMBOS: list[dict[str, str]] = [
    {},
    *({"sex": s} for s in SEXES),
    *({"race": r} for r in RACES),
    *({"sex": s, "race": r} for s in SEXES for r in RACES),
]
PER_ECOSYSTEM = ORGS * INDICATORS * PERIODS * len(COMBOS)
UPLOAD_DIMENSIONS = (
    "sex",
    "race",
    "economic_disadvantage",
    "english_learner",
    "disability",
    "grade",
)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    os.environ["TASKS_BACKEND"] = "immediate"
    import django

    django.setup()


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Build ---------------------------------------------------------------------------------------


def _ecosystem(slug: str) -> Any:
    from ecotone.ecosystems.models import Ecosystem

    ecosystem, _created = Ecosystem.objects.get_or_create(
        slug=slug,
        defaults={
            "name": slug,
            "region_south": 30.0,
            "region_west": -100.0,
            "region_north": 45.0,
            "region_east": -80.0,
        },
    )
    return ecosystem


def _indicator(ecosystem: Any, key: str, dimensions: list[str], period_type: str) -> Any:
    from ecotone.measures.models import Indicator

    indicator, _created = Indicator.objects.get_or_create(
        ecosystem=ecosystem,
        key=key,
        defaults={
            "name": key,
            "definition": key,
            "unit": "count",
            "aggregation": "sum",
            "period_type": period_type,
            "dimensions": dimensions,
            "is_published": True,
        },
    )
    return indicator


def build(n_values: int) -> dict[str, Any]:
    """The fact table at `n_values` values (kept: a later run of the same size reuses it)."""
    from django.db import connection

    from ecotone.ecosystems.models import Ecosystem, Organization
    from ecotone.measures.models import Value
    from ecotone.measures.services import facts

    marker = f"values={n_values}; margins add up"
    first = Ecosystem.objects.filter(slug="bench-0000").first()
    if first is not None and first.description == marker:
        _log(f"reusing the {n_values:,} values built before")
        return {"build_seconds": 0.0, "reused": True}
    start = time.perf_counter()
    n_ecosystems = math.ceil(n_values / PER_ECOSYSTEM)
    _log(f"building {n_values:,} values in {n_ecosystems} ecosystems")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE measures_value")
    Ecosystem.objects.filter(slug__startswith="bench-").exclude(slug="bench-upload").delete()
    combo_ids = [facts.combo(parts).pk for parts in COMBOS]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_unit")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_unit (k int PRIMARY KEY, ecosystem_id bigint, "
            "organization_id bigint, indicator_id bigint, period_id bigint)"
        )
        cursor.execute("DROP TABLE IF EXISTS bench_combo")
        cursor.execute("CREATE UNLOGGED TABLE bench_combo (k int PRIMARY KEY, combo_id bigint)")
        cursor.executemany("INSERT INTO bench_combo VALUES (%s, %s)", list(enumerate(combo_ids)))
        # each combination's sex x race cells: a margin or the total is the sum of its cells,
        # as partners' files must add up (a dashboard publishes no breakdown that does not)
        cursor.execute("DROP TABLE IF EXISTS bench_cover")
        cursor.execute("CREATE UNLOGGED TABLE bench_cover (k int, cell int)")
        cursor.executemany(
            "INSERT INTO bench_cover VALUES (%s, %s)",
            [
                (k, c)
                for k, parts in enumerate(COMBOS)
                for c, cell in enumerate(COMBOS)
                if len(cell) == 2 and parts.items() <= cell.items()
            ],
        )
    for e in range(n_ecosystems):
        ecosystem = _ecosystem(f"bench-{e:04d}")
        organizations = Organization.objects.bulk_create(
            Organization(
                ecosystem=ecosystem, slug=f"p{o}", name=f"Partner {o}", sector="youth_nonprofit"
            )
            for o in range(ORGS)
        )
        indicators = [
            _indicator(ecosystem, f"indicator-{i}", ["sex", "race"], "school_year")
            for i in range(INDICATORS)
        ]
        periods = [facts.school_year(ecosystem, 2019 + p) for p in range(PERIODS)]
        # one row per (partner, indicator, period), numbered as the values are laid out: the
        # rows of one partner together, as its approved submissions write them
        units = [(o.pk, i.pk, p.pk) for o in organizations for i in indicators for p in periods]
        base = e * len(units)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_unit VALUES (%s, %s, %s, %s, %s)",
                [(base + k, ecosystem.pk, *unit) for k, unit in enumerate(units)],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bench_unit")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'measures_value' "
            "AND indexname NOT LIKE '%%_pkey'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # the foreign keys' triggers, per row, would double the load's time; every key is
        # one of the rows made above
        cursor.execute("SET session_replication_role = replica")
    per_unit = len(COMBOS)
    for e in range(n_ecosystems):
        low = e * PER_ECOSYSTEM
        high = min(n_values, low + PER_ECOSYSTEM) - 1
        with connection.cursor() as cursor:
            # sex x race counts from 0 to 79, a tenth of them under 10 (enough small cells to
            # suppress); the margins and the total their sums
            cursor.execute(
                """
                INSERT INTO measures_value (ecosystem_id, indicator_id, indicator_version,
                    period_id, organization_id, combo_id, value)
                SELECT u.ecosystem_id, u.indicator_id, 1, u.period_id, u.organization_id,
                    c.combo_id, SUM(((u.k * %s + v.cell) * 2654435761) %% 80)
                FROM generate_series(%s::bigint, %s::bigint) AS g
                JOIN bench_unit u ON u.k = g / %s
                JOIN bench_combo c ON c.k = g %% %s
                JOIN bench_cover v ON v.k = c.k
                GROUP BY g, u.k, u.ecosystem_id, u.indicator_id, u.period_id, u.organization_id,
                    c.combo_id
                """,
                [per_unit, low, high, per_unit, per_unit],
            )
        _log(f"ecosystem {e + 1}/{n_ecosystems}: {high + 1:,} values")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            _log(f"index {name}")
            cursor.execute(definition)
        cursor.execute("ANALYZE measures_value")
    Ecosystem.objects.filter(slug="bench-0000").update(description=marker)
    seconds = time.perf_counter() - start
    assert Value.objects.filter(ecosystem__slug="bench-0000").exists()
    _log(f"built in {seconds:.0f} s")
    return {"build_seconds": round(seconds, 1), "reused": False}


# Dashboard -----------------------------------------------------------------------------------


def dashboard(indicator: Any, period: Any, organization: Any = None) -> Any:
    """One indicator, one period, all partners (or one): the dashboards service the pages and
    the API call (the fact table's sums, the family of linked tables suppressed and audited)."""
    from ecotone.measures.services import dashboards

    organizations = [organization] if organization is not None else None
    board = dashboards.dashboard(
        indicator, organizations=organizations, period=period, periods=[period]
    )
    return board.current


def _key(parts: dict[str, str]) -> str:
    return ";".join(f"{d}={c}" for d, c in sorted(parts.items()))


def measure_dashboard(runs: int, seed: int) -> dict[str, Any]:
    from django.test import Client

    from ecotone.ecosystems.models import Ecosystem
    from ecotone.measures.models import Indicator, Period

    rng = random.Random(seed)
    ecosystems = list(
        Ecosystem.objects.filter(slug__startswith="bench-").exclude(slug="bench-upload")
    )
    full = [e for e in ecosystems if e.organizations.count() == ORGS]
    samples: list[float] = []
    partner_samples: list[float] = []
    recovered = hidden = partner_hidden = 0
    page_samples: list[float] = []
    client = Client()
    # one page first, not counted: the first request of a process compiles the templates and
    # loads the URL patterns, which a running server did once at start
    warm = full[0]
    client.get(
        f"/e/{warm.slug}/measures/dashboards/{Indicator.objects.filter(ecosystem=warm)[0].key}/",
        HTTP_HOST="localhost",
    )
    for _ in range(runs):
        ecosystem = rng.choice(full)
        indicator = rng.choice(list(Indicator.objects.filter(ecosystem=ecosystem)))
        period = rng.choice(list(Period.objects.filter(ecosystem=ecosystem)))
        threshold = ecosystem.suppression_threshold
        start = time.perf_counter()
        current = dashboard(indicator, period)
        samples.append((time.perf_counter() - start) * 1000)
        recovered = max(recovered, _recovered(current, threshold))
        hidden = max(hidden, current.hidden_count)
        # one partner's table: small cells, so suppression and its audit have work to do
        partner = rng.choice(list(ecosystem.organizations.all()[:ORGS]))
        start = time.perf_counter()
        current = dashboard(indicator, period, partner)
        partner_samples.append((time.perf_counter() - start) * 1000)
        recovered = max(recovered, _recovered(current, threshold))
        partner_hidden = max(partner_hidden, current.hidden_count)
        # the public page: the same figures for the five latest periods, charts and tables
        url = f"/e/{ecosystem.slug}/measures/dashboards/{indicator.key}/"
        start = time.perf_counter()
        response = client.get(url, {"dimension": "race"}, HTTP_HOST="localhost")
        page_samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return {
        "dashboard_page_p95_ms": _p95(page_samples),
        "dashboard_page_median_ms": round(statistics.median(page_samples), 1),
        "dashboard_p95_ms": _p95(samples),
        "dashboard_median_ms": round(statistics.median(samples), 1),
        "dashboard_max_ms": round(max(samples), 1),
        "dashboard_runs": runs,
        "dashboard_hidden_cells_max": hidden,
        "dashboard_partner_p95_ms": _p95(partner_samples),
        "dashboard_partner_median_ms": round(statistics.median(partner_samples), 1),
        "dashboard_partner_hidden_cells_max": partner_hidden,
        "dashboard_recovered_cells": recovered,
    }


def _recovered(current: Any, threshold: int) -> int:
    """Hidden figures an independent audit of everything the period publishes pins down."""
    from ecotone import suppression

    tables = [t for t in current.tables.values() if t.linked is not None]
    if not tables:
        return 0
    family = suppression.table_family(t.linked for t in tables)
    cells = {c: v for t in tables for c, v in t.cells.items()}
    return len(suppression.audit(family, cells, threshold).recovered)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 1)


# Upload --------------------------------------------------------------------------------------


def upload_file(rows: int, path: Path) -> int:
    """Write a partner's file of `rows` interior cells to `path`, a line at a time; the number
    of monthly periods it spans."""
    from ecotone.measures import codes

    combos: list[list[str]] = [[]]
    for dimension in UPLOAD_DIMENSIONS:
        combos = [[*c, code.code] for c in combos for code in codes.OPTION_SETS[dimension].codes]
    n_periods = math.ceil(rows / len(combos))
    with path.open("w") as out:
        out.write("indicator,period," + ",".join(UPLOAD_DIMENSIONS) + ",value\n")
        written = 0
        for p in range(n_periods):
            for combo in combos:
                if written == rows:
                    break
                out.write(f"served,M{p:03d},{','.join(combo)},{(written * 7) % 50}\n")
                written += 1
    return n_periods


def _peak_rss_mb() -> float:
    """This process's peak resident memory since `_reset_peak_rss` (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM to the current resident size
    Path("/proc/self/clear_refs").write_text("5")


def upload_child(rows: int, resubmit: bool = False) -> None:
    """In its own process, so that its peak RSS is the upload's."""
    _setup()
    from django.core.files import File
    from django.db import connection

    from ecotone.accounts.models import User
    from ecotone.ecosystems.models import Organization
    from ecotone.measures.models import Period, Value
    from ecotone.measures.services import agreements, submissions

    # uploaded from disk, as a web server hands over a large file
    path = Path(tempfile.mkdtemp()) / "values.csv"
    n_periods = upload_file(rows, path)
    file_mb = round(path.stat().st_size / 1e6, 1)
    ecosystem = _ecosystem("bench-upload")
    organization, _created = Organization.objects.get_or_create(
        ecosystem=ecosystem,
        slug="partner",
        defaults={"name": "Partner", "sector": "youth_nonprofit"},
    )
    indicator = _indicator(ecosystem, "served", list(UPLOAD_DIMENSIONS), "month")
    for p in range(n_periods):
        first_day = datetime.date(2000, 1, 1) + datetime.timedelta(days=31 * p)
        Period.objects.get_or_create(
            ecosystem=ecosystem,
            type="month",
            start=first_day,
            defaults={"end": first_day, "label": f"M{p:03d}"},
        )
    user, _created = User.objects.get_or_create(
        email="bench@example.org", defaults={"is_superuser": True}
    )
    if not organization.data_sharing_agreements.exists():
        agreements.save_agreement(
            organization,
            user,
            indicators=[indicator.key],
            signatories="Bench",
            starts_on=datetime.date(2000, 1, 1),
        )
    # --resubmit: the partner's values of these cells stay, and the upload replaces them
    deleted = 0
    if not resubmit:
        deleted, _by_model = Value.objects.filter(ecosystem=ecosystem).delete()
    if deleted:
        # a first upload of these cells, as on the first run: the unique index's entries of
        # the deleted values would otherwise each send the new value's check to the heap
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE measures_value")
    _reset_peak_rss()
    baseline_mb = _peak_rss_mb()
    start = time.perf_counter()
    start_cpu = time.process_time()
    with path.open("rb") as handle:
        run = submissions.check_submission_file(organization, File(handle, "values.csv"), user=user)
    checked = time.perf_counter()
    checked_cpu = time.process_time() - start_cpu
    assert run.status == "checked", run.report["problems"][:3]
    submissions.submit_submission(run, user=user)
    submissions.approve_submission(run, user=user)
    run.refresh_from_db()
    end = time.perf_counter()
    cpu = time.process_time() - start_cpu
    path.unlink()
    assert run.status == "applied", run.report.get("problems", [])[:3]
    written = Value.objects.filter(submission=run).count()
    print(
        json.dumps(
            {
                "upload_rows": rows,
                "upload_written": written,
                "upload_replaced": run.report["counts"].get("replaced", 0),
                "upload_check_seconds": round(checked - start, 1),
                "upload_seconds": round(end - start, 1),
                "upload_check_cpu_seconds": round(checked_cpu, 1),
                "upload_cpu_seconds": round(cpu, 1),
                "upload_peak_rss_mb": round(_peak_rss_mb()),
                "upload_rss_before_mb": round(baseline_mb),
                "upload_file_mb": file_mb,
            }
        )
    )


def measure_upload(rows: int, resubmit: bool = False) -> dict[str, Any]:
    command = [sys.executable, __file__, "--upload-child", f"--upload-rows={rows}"]
    if resubmit:
        command.append("--resubmit")
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


# Audit ---------------------------------------------------------------------------------------


def measure_audit(runs: int = 7) -> dict[str, Any]:
    from suppression import table  # benchmarks/suppression.py

    from ecotone.suppression import audit, suppress_linked

    tables = table(20, 10, 16)
    suppress: list[float] = []
    independent: list[float] = []
    recovered = 0
    for _ in range(runs):
        start = time.perf_counter()
        result = suppress_linked(tables, 10)  # its LP audit included
        middle = time.perf_counter()
        check = audit(tables, result.cells, 10)
        suppress.append(middle - start)
        independent.append(time.perf_counter() - middle)
        recovered = max(recovered, len(result.audit.recovered), len(check.recovered))
    return {
        "audit_seconds": round(statistics.median(suppress), 3),
        "audit_seconds_max": round(max(suppress), 3),
        "audit_independent_seconds": round(statistics.median(independent), 3),
        "audit_hidden_cells": len(result.hidden),
        "audit_recovered_cells": recovered,
    }


# Main ----------------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    figures: dict[str, Any] = {"values": args.values}
    figures.update(build(args.values))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('measures_value')")
        figures["fact_table_gb"] = round(cursor.fetchone()[0] / 1e9, 2)
    if args.only in (None, "dashboard"):
        _log("dashboard")
        figures.update(measure_dashboard(args.runs, args.seed))
        _log("audit")
        figures.update(measure_audit())
    if args.upload_rows and args.only in (None, "upload"):
        _log(f"upload of {args.upload_rows:,} rows")
        figures.update(measure_upload(args.upload_rows, args.resubmit))
    figures["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--values", type=int, default=100_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--upload-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--keep", default=str(ROOT / "var" / "bench-measures-pg"))
    parser.add_argument(
        "--only",
        choices=("dashboard", "upload"),
        help="measure only the dashboard (and the "
        "audit) or only the upload, on the values built (or reused)",
    )
    parser.add_argument(
        "--resubmit",
        action="store_true",
        help="upload over the previous run's values of the same cells, which it replaces",
    )
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--upload-child", action="store_true")
    args = parser.parse_args()
    if args.upload_child:
        upload_child(args.upload_rows, args.resubmit)
        return
    if args.child or os.environ.get("DATABASE_URL", "").startswith("postgres"):
        child(args)
        return
    env = {**os.environ, "WITH_POSTGRES_KEEP": args.keep}
    command = [
        str(ROOT / "scripts" / "with-postgres.sh"),
        sys.executable,
        __file__,
        "--child",
        f"--values={args.values}",
        f"--runs={args.runs}",
        f"--upload-rows={args.upload_rows}",
        f"--seed={args.seed}",
        *([f"--only={args.only}"] if args.only else []),
        *(["--resubmit"] if args.resubmit else []),
    ]
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True)
    print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
