"""Benchmark awarding badges in bulk (ecotone.pathways, issue 21): a CSV of recipients checked
and applied through the shared upload lifecycle, every row a signed Open Badges 3.0 credential.

    .venv/bin/python benchmarks/badges.py [--rows 5000] [--achievements 4] [--seed 21]

What is timed, on a throw-away SQLite database migrated here:
- `check_seconds`: `award_imports.check_file` — the file kept as received, read, each row's
  achievement, program and recipient checked (the dry run);
- `apply_seconds`: `award_imports.apply_import` — the file read and checked again, then every
  row awarded in one transaction by `services.awards.award_many` (the partner's status list
  locked once, a random free index per row, each credential built and signed with the
  ecosystem's Ed25519 key, the rows inserted together). The mails go after the commit, inside
  the timing: rendered and handed to Django's in-memory backend (no SMTP round trip).
`credentials_per_second` is rows / apply_seconds; `peak_rss_mb` the process's peak RSS
(ru_maxrss: imports, the database and the file included). One run: applying twice would award
twice.

The instance (seeded): one ecosystem and partner, `--achievements` achievements and a program;
recipients' addresses distinct, 10 % under 13 with a guardian's address and consent, a third
naming the program, languages mixed.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def csv_text(rows: int, achievements: list[str], program: str, seed: int) -> str:
    rng = random.Random(seed)
    lines = ["email,achievement,under_13,guardian_email,guardian_consent,program,language"]
    for i in range(rows):
        child = rng.random() < 0.1
        lines.append(
            ",".join(
                [
                    f"learner{i}@example.org",
                    rng.choice(achievements),
                    "yes" if child else "no",
                    f"guardian{i}@example.org" if child else "",
                    "yes" if child else "",
                    program if rng.random() < 1 / 3 else "",
                    rng.choice(["en", "es", ""]),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--achievements", type=int, default=4)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp())
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    os.environ["TASKS_BACKEND"] = "immediate"
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    settings.MEDIA_ROOT = str(scratch / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)

    from ecotone.directory.models import Program
    from ecotone.ecosystems.models import Ecosystem, Organization
    from ecotone.pathways.models import Achievement, Award
    from ecotone.pathways.services import award_imports
    from ecotone.uploads import UploadStatus

    ecosystem = Ecosystem.objects.create(
        slug="bench",
        name="Benchmark Valley STEM Alliance",
        region_south=39.0,
        region_west=-84.0,
        region_north=41.0,
        region_east=-82.0,
    )
    partner = Organization.objects.create(
        ecosystem=ecosystem, name="Robotics For All", slug="robotics-for-all"
    )
    Program.objects.create(
        ecosystem=ecosystem, organization=partner, slug="bots", name="Saturday Bots"
    )
    names = [f"Badge {i}" for i in range(args.achievements)]
    for name in names:
        Achievement.objects.create(
            ecosystem=ecosystem,
            organization=partner,
            name=name,
            description=f"{name}: earned.",
            criteria="Finish the project.",
            alignments=[{"targetName": "Design", "targetUrl": "https://example.org/design"}],
            valid_days=365,
        )
    data = csv_text(args.rows, names, "Saturday Bots", args.seed).encode()

    started = time.perf_counter()
    run = award_imports.check_file(
        ecosystem,
        partner,
        SimpleUploadedFile("recipients.csv", data, content_type="text/csv"),
        user=None,
    )
    check_seconds = time.perf_counter() - started
    if run.status != UploadStatus.CHECKED:
        raise SystemExit(f"the file has problems: {run.report.get('problems', [])[:5]}")

    started = time.perf_counter()
    run = award_imports.apply_import(run, user=None)
    apply_seconds = time.perf_counter() - started
    awarded = Award.objects.filter(ecosystem=ecosystem).count()
    if run.status != UploadStatus.APPLIED or awarded != args.rows:
        raise SystemExit(f"applied {awarded} of {args.rows}: {run.status}")
    figures = {
        "benchmark": "badges",
        "rows": args.rows,
        "achievements": args.achievements,
        "bytes": len(data),
        "check_seconds": round(check_seconds, 3),
        "apply_seconds": round(apply_seconds, 3),
        "seconds": round(check_seconds + apply_seconds, 3),
        "credentials_per_second": round(args.rows / apply_seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "database": "sqlite",
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
