"""Benchmark a matching round through the database, as a backbone team meets it in a state's
network (issue 15 item 3): `services.rounds.compute` from start to proposals, then a review
re-solve.

    .venv/bin/python benchmarks/matching_round.py [--mentors 6000] [--opportunities 1500]
        [--programs N] [--runs 3] [--mode score] [--seed 11] [--before]
    scripts/with-postgres.sh .venv/bin/python benchmarks/matching_round.py \
        --mentors 100000 --opportunities 20000 --runs 1

`benchmarks/matching.py` times the Django-free engine on arrays at national scale. This times
what wraps it, on a temporary SQLite database (or the PostgreSQL of DATABASE_URL, emptied
first): loading the ecosystem's available mentors (with their screening and saved
opportunities) and open opportunities (with their programs' locations and each one's required
screening), live-match capacities, candidate edges and the solve, the greedy baseline, and the
proposals saved in bulk through the model's safety check, with the round's summary
(`round_seconds`). `--before` also runs the code of BASELINE (services/rounds.py and
engine.py loaded from git, one `Match.save` per proposal, the re-solve in the request) on the
same data, interleaved with this code run by run.

The region is about 60 x 60 miles around Columbus, Ohio up to 6,000 mentors and grows with them
beyond (the same density: about 245 x 245 miles at 100,000); one program per 37.5
opportunities. Mentors: in person and virtual 50 %,
in person only 35 %, virtual only 15 %; radius 5-25 mi; capacity 1 (70 %), 2 (20 %), 3 (10 %);
1-3 grade bands, 2-4 topics of the directory's STEM fields, Spanish 20 %; 2-3 weekly windows;
screening: 65 % fully cleared, 20 % cleared for supervised work only, 15 % not yet. Shared
identity 30 %. Opportunities: in person 70 %, virtual 15 %, either 15 %; relationship 40 %,
the rest episodic; 1-4 mentors needed; one weekly window; 10 % need Spanish; equity priority
0-1. Each run starts from the same state (the previous run's round and its proposals
deleted). After each run the review is timed too: every other proposal locked, one excluded,
the rest re-solved (`resolve_seconds`; in an ecosystem large enough for the re-solve to be
queued, `rounds.resolve` and then the task's work, `compute`). The last line printed is one
JSON object: mentors, opportunities, edges, proposals, `round_seconds` (median of `--runs`),
with min and max, `resolve_seconds`, the queries of one round, the round's own timing of its
solve (`summary_seconds`), the median load average, and with `--before` the same for the old
code.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CENTRE = (39.96, -82.99)  # Columbus, Ohio
BASELINE = "ad29e02"  # main before issue 15 item 3
MILES_PER_DEGREE = 69.0


def _setup(database: Path) -> None:
    """Django on a temporary SQLite database, or on the PostgreSQL of DATABASE_URL when the
    script runs under scripts/with-postgres.sh (the database is emptied first)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    os.environ["TASKS_BACKEND"] = "dummy"  # the benchmark runs the tasks' work itself
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if os.environ["DATABASE_URL"].startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)


def _old_rounds() -> Any:
    """`services/rounds.py` and `engine.py` as they were before issue 15 (commit ad29e02):
    proposals saved one `Match.save` at a time, screening read record by record, the re-solve
    in the request. Loaded beside the current modules, on the same models."""
    import importlib.util
    import subprocess

    def load(name: str, path: str) -> Any:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BASELINE}:{path}"],  # noqa: S607 (git on PATH)
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        spec = importlib.util.spec_from_loader(name, loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        module.__package__ = name.rsplit(".", 1)[0]
        sys.modules[name] = module
        exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102 (our own history)
        return module

    old_engine = load("ecotone.mentoring.engine_before", "src/ecotone/mentoring/engine.py")
    old = load(
        "ecotone.mentoring.services.rounds_before", "src/ecotone/mentoring/services/rounds.py"
    )
    old.engine = old_engine
    return old


def _point(rng: random.Random, half_mi: float = 30.0) -> tuple[float, float]:
    north = rng.uniform(-half_mi, half_mi)
    east = rng.uniform(-half_mi, half_mi)
    lat = CENTRE[0] + north / MILES_PER_DEGREE
    lon = CENTRE[1] + east / (MILES_PER_DEGREE * 0.766)
    return lat, lon


def _windows(rng: random.Random, n: int, hours: tuple[int, int]) -> list[list[int]]:
    out = []
    for _ in range(n):
        day = rng.randrange(0, 6)
        start = rng.randrange(8 * 4, 19 * 4) * 15
        end = min(start + rng.randint(*hours) * 60, 24 * 60)
        out.append([day, start, end])
    return out


def build(args: argparse.Namespace) -> Any:
    """The ecosystem, its programs, mentors with screening, and open opportunities."""
    from django.utils import timezone

    from ecotone.accounts.models import User
    from ecotone.directory.models import Location, Program, ProgramLocation
    from ecotone.directory.stem_profile import GRADE_BANDS, STEM_FIELDS
    from ecotone.ecosystems.models import Ecosystem, Membership, Organization, Role
    from ecotone.mentoring.models import (
        Mentor,
        Opportunity,
        ScreeningRecord,
        ScreeningStep,
    )

    rng = random.Random(args.seed)
    # 60 x 60 miles up to 6,000 mentors; beyond, the region grows with them (the same density:
    # about 245 x 245 miles, a state, at 100,000).
    half = 30.0 * max(1.0, math.sqrt(args.mentors / 6000))
    topics = [code for code, _label in STEM_FIELDS.terms]
    grades = [code for code, _label in GRADE_BANDS.terms if code != "prek"]
    ecosystem = Ecosystem.objects.create(
        slug="bench",
        name="Benchmark Valley STEM Alliance",
        region_south=CENTRE[0] - half / MILES_PER_DEGREE,
        region_west=CENTRE[1] - half / (MILES_PER_DEGREE * 0.766),
        region_north=CENTRE[0] + half / MILES_PER_DEGREE,
        region_east=CENTRE[1] + half / (MILES_PER_DEGREE * 0.766),
    )
    staff = User.objects.create_user(email="bench-staff@example.org", password="x" * 20)
    Membership.objects.create(user=staff, ecosystem=ecosystem, role=Role.BACKBONE_STAFF)
    steps = list(ScreeningStep.for_ecosystem(ecosystem).active())
    supervised = [s for s in steps if s.for_supervised]

    programs = []
    for p in range(args.programs):
        organization = Organization.objects.create(
            ecosystem=ecosystem, name=f"Partner {p}", slug=f"partner-{p}"
        )
        program = Program.objects.create(
            ecosystem=ecosystem, organization=organization, name=f"Program {p}", slug=f"p-{p}"
        )
        lat, lon = _point(rng, half)
        location = Location.objects.create(
            ecosystem=ecosystem,
            organization=organization,
            name=f"Site {p}",
            latitude=lat,
            longitude=lon,
        )
        ProgramLocation.objects.create(program=program, location=location)
        programs.append((program, location))

    users = User.objects.bulk_create(
        User(email=f"mentor{i}@bench.test", name=f"Mentor {i:04d}") for i in range(args.mentors)
    )
    Membership.objects.bulk_create(
        Membership(user=u, ecosystem=ecosystem, role=Role.MENTOR) for u in users
    )
    mentors = []
    for user in users:
        lat, lon = _point(rng, half)
        roll = rng.random()
        modes = (
            ["in_person", "virtual"]
            if roll < 0.5
            else ["in_person"]
            if roll < 0.85
            else ["virtual"]
        )
        mentors.append(
            Mentor(
                ecosystem=ecosystem,
                user=user,
                modes=modes,
                latitude=lat,
                longitude=lon,
                travel_radius_mi=rng.choice([5, 10, 15, 20, 25]),
                max_matches=rng.choices([1, 2, 3], [70, 20, 10])[0],
                grade_bands=rng.sample(grades, rng.randint(1, 3)),
                topics=rng.sample(topics, rng.randint(2, 4)),
                languages=["en", "es"] if rng.random() < 0.2 else ["en"],
                availability=_windows(rng, rng.randint(2, 3), (1, 3)),
                shares_identity=rng.random() < 0.3,
                identity_tags=rng.sample(["woman", "black", "hispanic", "first_generation"], 1),
            )
        )
    mentors = Mentor.objects.bulk_create(mentors)
    today = timezone.localdate()
    records = []
    for mentor in mentors:
        roll = rng.random()
        held = steps if roll < 0.65 else supervised if roll < 0.85 else []
        for step in held:
            records.append(
                ScreeningRecord(
                    mentor=mentor,
                    step=step,
                    status="passed",
                    completed_on=today - datetime.timedelta(days=30),
                    expires_on=(today + datetime.timedelta(days=step.valid_days - 30))
                    if step.valid_days
                    else None,
                    hours=step.minimum_hours,
                    verified_by=staff,
                    verified_at=timezone.now(),
                )
            )
    ScreeningRecord.objects.bulk_create(records, batch_size=2000)

    kinds = ["career_talk", "judging", "workshop", "project", "tutoring"]
    opportunities = []
    for j in range(args.opportunities):
        program, location = programs[j % len(programs)]
        roll = rng.random()
        mode = "in_person" if roll < 0.7 else "virtual" if roll < 0.85 else "either"
        relationship = rng.random() < 0.4
        opportunities.append(
            Opportunity(
                ecosystem=ecosystem,
                program=program,
                location=location,
                title=f"Need {j}",
                status="open",
                kind="relationship" if relationship else rng.choice(kinds),
                mode=mode,
                one_to_one=relationship and rng.random() < 0.5,
                teacher_present=rng.random() < 0.7,
                topics=rng.sample(topics, rng.randint(1, 3)),
                grade_bands=rng.sample(grades, rng.randint(1, 2)),
                schedule=_windows(rng, 1, (1, 2)),
                mentors_needed=rng.randint(1, 4),
                language_required="es" if rng.random() < 0.1 else "",
                languages=["en", "es"] if rng.random() < 0.3 else ["en"],
                equity_priority=round(rng.random(), 2),
            )
        )
    Opportunity.objects.bulk_create(opportunities)
    return ecosystem, staff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentors", type=int, default=6000)
    parser.add_argument("--opportunities", type=int, default=1500)
    parser.add_argument(
        "--programs", type=int, help="default: one per 37.5 opportunities (40 at 1,500)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mode", default="score", choices=["score", "participation", "stable"])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--before",
        action="store_true",
        help=f"also time the code of {BASELINE} on the same data, interleaved with this code",
    )
    args = parser.parse_args()
    args.programs = args.programs or max(1, round(args.opportunities / 37.5))
    with tempfile.TemporaryDirectory() as scratch:
        _setup(Path(scratch) / "bench.sqlite3")
        figures = measure(args)
    print(json.dumps(figures))


def _one_round(
    code: Any, ecosystem: Any, staff: Any, mode: str
) -> tuple[float, float, int, dict[str, Any], Any]:
    """One round from a clean state with `code` (a rounds module): the round's seconds, the
    review re-solve's seconds (queued and computed when the ecosystem is large, as the task
    does), the queries of the round, its first summary, and the round."""
    from django.db import connection

    from ecotone.mentoring.models import Match, MatchingRound

    Match.objects.filter(round__ecosystem=ecosystem).delete()
    MatchingRound.objects.filter(ecosystem=ecosystem).delete()
    round_ = MatchingRound.objects.create(
        ecosystem=ecosystem, name="Benchmark", mode=mode, created_by=staff
    )
    counted = [0]

    def count(execute: Any, *args: Any) -> Any:
        counted[0] += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        began = time.perf_counter()
        code.compute(round_)
        seconds = time.perf_counter() - began
    if round_.status != "review":
        raise SystemExit(f"the round failed: {round_.error}")
    print(f"  round {seconds:.2f} s, {round_.summary['proposals']} proposals", file=sys.stderr)
    summary = dict(round_.summary)
    # Review: lock every other proposal, exclude one, re-solve the rest.
    ids = list(code.proposals(round_).order_by("pk").values_list("pk", flat=True))
    code.lock(round_, ids[::2], staff)
    code.exclude(round_, ids[1], staff)
    began = time.perf_counter()
    resolved = code.resolve(round_, staff)
    if resolved.status == "queued":  # the task's work, as a worker would run it
        resolved = code.compute(resolved)
    resolve_seconds = time.perf_counter() - began
    if resolved.status != "review" or resolved.error:
        raise SystemExit(f"the re-solve failed: {resolved.error}")
    return seconds, resolve_seconds, counted[0], summary, resolved


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from ecotone.mentoring.services import rounds

    start = time.perf_counter()
    ecosystem, staff = build(args)
    print(f"data ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    codes = {"after": rounds}
    if args.before:
        codes = {"before": _old_rounds(), "after": rounds}
    times: dict[str, list[float]] = {name: [] for name in codes}
    resolve_times: dict[str, list[float]] = {name: [] for name in codes}
    queries: dict[str, int] = {}
    summaries: dict[str, dict[str, Any]] = {}
    loads: list[float] = []
    round_ = None
    for run in range(args.runs):
        for name, code in codes.items():
            seconds, resolve_seconds, queries[name], summaries[name], round_ = _one_round(
                code, ecosystem, staff, args.mode
            )
            times[name].append(seconds)
            resolve_times[name].append(resolve_seconds)
            loads.append(os.getloadavg()[0])
            print(
                f"run {run + 1} {name}: round {seconds:.2f} s, re-solve {resolve_seconds:.2f} s",
                file=sys.stderr,
            )
    assert round_ is not None
    s = summaries["after"]
    figures: dict[str, Any] = {
        "mentors": args.mentors,
        "opportunities": args.opportunities,
        "mode": args.mode,
        "database": connection.vendor,
        "runs": args.runs,
        "edges": s["edges"],
        "proposals": s["proposals"],
        "covered": s["covered"],
        "objective": s["objective"],
        "greedy_objective": s["greedy_objective"],
        "round_seconds": round(statistics.median(times["after"]), 3),
        "min_round_seconds": round(min(times["after"]), 3),
        "max_round_seconds": round(max(times["after"]), 3),
        "summary_seconds": s["seconds"],
        "resolve_seconds": round(statistics.median(resolve_times["after"]), 3),
        "resolve_locked": round_.summary["locked"],
        "queries": queries["after"],
        "load_average": round(statistics.median(loads), 2),
    }
    if "before" in codes:
        b = summaries["before"]
        if (b["proposals"], b["objective"]) != (s["proposals"], s["objective"]):
            raise SystemExit(f"before and after disagree: {b} / {s}")
        figures.update(
            before_round_seconds=round(statistics.median(times["before"]), 3),
            before_resolve_seconds=round(statistics.median(resolve_times["before"]), 3),
            before_queries=queries["before"],
        )
    return figures


if __name__ == "__main__":
    main()
