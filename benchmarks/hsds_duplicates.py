"""Benchmark the HSDS import's likely-duplicate check on one organization's many services.

    .venv/bin/python benchmarks/hsds_duplicates.py [--services 1000] [--runs 5] [--seed 5]
        [--skip-import]

An import compares each new service with its organization's programs in the directory (the
most similar look-alike) and with those the same file created before it (the first
look-alike). This times both ways of doing it in the same run, on the same names:

- *reference*: the all-pairs comparison the importer did before (`likely_duplicate` over
  every candidate, and over each earlier service in turn), kept here as the baseline, with
  names read into words afresh each time as it did;
- *indexed*: `duplicates.LookAlikes`, which the importer uses now.

Both are timed twice: the check alone (Django-free, `check_*`), and a whole dry run of an
HSDS JSON file through `import_batch` on a temporary SQLite database (`dry_run_*`; the
reference patched in for the baseline). Each figure is the median of `--runs` runs, with min
and max; both ways must flag the same services, or the script fails.

The file: `--services` services of one organization, all at its one site (so that the place
tells none apart and the names decide), named with two or three made-up words ("Qwelb
Tirnado"): dissimilar. With `--shared-words`, one made-up word and two common ones
("Qwelbira Robotics Club"), which bring many pairs near the threshold. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ecotone.directory import duplicates  # noqa: E402

TOPICS = [
    "Robotics",
    "Coding",
    "Science",
    "Math",
    "Engineering",
    "Astronomy",
    "Chemistry",
    "Biology",
    "Ecology",
    "Physics",
    "Rocketry",
    "Electronics",
    "Gaming",
    "Design",
    "Data",
    "Nature",
    "Health",
    "Energy",
    "Weather",
    "Geology",
    "Aviation",
    "Drones",
    "Circuits",
    "Computing",
    "Tinkering",
    "Making",
    "Oceans",
    "Botany",
    "Genetics",
    "Statistics",
]
KINDS = [
    "Club",
    "Camp",
    "Lab",
    "Academy",
    "Workshop",
    "Team",
    "Circle",
    "Studio",
    "Night",
    "Series",
    "Explorers",
    "Scholars",
]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SITE = (39.96, -82.99)


def names(n: int, seed: int, *, shared_words: bool = False) -> list[str]:
    """`n` names of two or three made-up words of 4 to 9 letters, such as "Qwelb Tirnado":
    dissimilar. With `shared_words`, one made-up word and a common pair, such as "Qwelbira
    Robotics Club": listings whose common words bring many pairs near the threshold."""
    rng = random.Random(seed)

    def word(low: int, high: int) -> str:
        return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high))).capitalize()

    if shared_words:
        return [f"{word(6, 10)} {rng.choice(TOPICS)} {rng.choice(KINDS)}" for _ in range(n)]
    return [" ".join(word(4, 9) for _ in range(rng.randint(2, 3))) for _ in range(n)]


class AllPairs:
    """The importer's comparison before `LookAlikes`: every candidate, in order."""

    def __init__(self, rarity: Any = None, **_options: Any) -> None:
        self.candidates: list[duplicates.Candidate] = []

    def add(self, candidate: duplicates.Candidate) -> None:
        self.candidates.append(candidate)

    def best(self, name: str, places: Any) -> duplicates.Match | None:
        return duplicates.likely_duplicate(name, places, self.candidates)

    def first(self, name: str, places: Any) -> duplicates.Match | None:
        found = (duplicates.likely_duplicate(name, places, [c]) for c in self.candidates)
        return next(filter(None, found), None)


@contextmanager
def reference() -> Iterator[None]:
    """The importer as it was: all pairs, and names read into words afresh on every call."""
    cached, index = duplicates._tokens, duplicates.LookAlikes
    duplicates._tokens = cached.__wrapped__  # type: ignore[assignment]
    duplicates.LookAlikes = AllPairs  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        duplicates._tokens, duplicates.LookAlikes = cached, index  # type: ignore[misc]


def check(services: list[str]) -> list[tuple[int, str]]:
    """The import's check, as `_Applier.programs` runs it: (service, look-alike) flagged."""
    place = [duplicates.Place(*SITE)]
    rarity = duplicates.Rarity(services)
    in_directory = duplicates.LookAlikes(rarity)  # the organization has no programs yet
    in_file = duplicates.LookAlikes(rarity)
    flagged = []
    for i, name in enumerate(services):
        match = in_directory.best(name, place) or in_file.first(name, place)
        if match is not None:
            flagged.append((i, str(match.candidate.key)))
        else:
            in_file.add(duplicates.Candidate(i, name, tuple(place)))
    return flagged


def timed(runs: int, work: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    seconds, result = [], None
    for _ in range(runs):
        getattr(duplicates._tokens, "cache_clear", lambda: None)()
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return {
        "median": round(statistics.median(seconds), 3),
        "min": round(min(seconds), 3),
        "max": round(max(seconds), 3),
    }, result


def dry_run(services: list[str], scratch: Path) -> Callable[[], Any]:
    """A dry run of an HSDS JSON file of the services through `import_batch`."""
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ecotone.directory.hsds.imports import import_batch
    from ecotone.directory.hsds.readers import read_hsds_json
    from ecotone.ecosystems.models import Ecosystem, Organization

    ecosystem = Ecosystem.objects.create(
        slug="bench",
        name="Benchmark Valley STEM Alliance",
        region_south=SITE[0] - 0.5,
        region_west=SITE[1] - 0.6,
        region_north=SITE[0] + 0.5,
        region_east=SITE[1] + 0.6,
    )
    organization = Organization.objects.create(
        ecosystem=ecosystem, name="Science Center", slug="science-center"
    )
    site = {
        "id": str(uuid.uuid4()),
        "location_type": "physical",
        "name": "Main site",
        "latitude": SITE[0],
        "longitude": SITE[1],
    }
    records = [
        {
            "id": str(uuid.uuid4()),
            "name": name,
            "status": "active",
            "organization_id": str(organization.hsds_id),
            "service_at_locations": [{"id": str(uuid.uuid4()), "location": site}],
        }
        for name in services
    ]
    path = scratch / "services.json"
    path.write_text(json.dumps(records))

    def run() -> list[tuple[str, str]]:
        report = import_batch(ecosystem, read_hsds_json(path), user=None, dry_run=True)
        assert not report.problems, report.problems[:3]
        return sorted((d.service_id, d.existing_id) for d in report.duplicates)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--shared-words", action="store_true")
    args = parser.parse_args()
    services = names(args.services, args.seed, shared_words=args.shared_words)
    figures: dict[str, Any] = {
        "services": args.services,
        "runs": args.runs,
        "names": "shared words" if args.shared_words else "dissimilar",
    }
    with reference():
        figures["check_reference_s"], before = timed(args.runs, lambda: check(services))
    figures["check_indexed_s"], after = timed(args.runs, lambda: check(services))
    if before != after:
        raise SystemExit(f"the two ways flag different services: {before} != {after}")
    figures["flagged"] = len(after)
    if not args.skip_import:
        with tempfile.TemporaryDirectory() as scratch:
            run = dry_run(services, Path(scratch))
            with reference():
                figures["dry_run_reference_s"], before = timed(args.runs, run)
            figures["dry_run_indexed_s"], after = timed(args.runs, run)
        if before != after:
            raise SystemExit("the two dry runs flag different services")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
