"""manage.py import_areas FILE --ecosystem SLUG [--format nces|areas_csv] [--dry-run]

Loads schools in the NCES Common Core of Data layout, or areas in the atlas's own columns
(docs/atlas-data.md), into an ecosystem's access atlas. The file is kept as an area import,
like an upload on the import page, and checked first; with problems nothing is written, each
problem is printed on its own line and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.atlas import area_import
from ecotone.atlas.models import AreaImportFormat, AreaImportStatus
from ecotone.cells import Problem
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import population areas into an ecosystem's access atlas: NCES public schools (CCD "
        "layout) or the atlas's areas CSV/XLSX. Checks everything first; all or nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="a .csv or .xlsx file")
        parser.add_argument("--ecosystem", required=True, help="the ecosystem's slug")
        parser.add_argument(
            "--format",
            choices=AreaImportFormat.values,
            default=AreaImportFormat.NCES,
            help="nces (the CCD school file, the default) or areas_csv",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystem = Ecosystem.objects.filter(slug=options["ecosystem"]).first()
        if ecosystem is None:
            raise CommandError(f"No ecosystem has the slug {options['ecosystem']!r}.")
        try:
            run = area_import.check_path(
                ecosystem, Path(options["path"]), user=None, format=options["format"]
            )
            if run.status == AreaImportStatus.CHECKED and not options["dry_run"]:
                run = area_import.apply_area_import(run, user=None)
        except DomainError as error:
            raise CommandError(str(error)) from error
        report = run.report
        problems = [Problem(**problem) for problem in report.get("problems", [])]
        for problem in problems:
            self.stdout.write(f"problem: {problem}")
        for note in report.get("notes", []):
            self.stdout.write(f"note: {note}")
        counts = report.get("counts", {})
        self.stdout.write(
            "areas: "
            + ", ".join(
                f"{counts.get(outcome, 0)} {label}"
                for outcome, label in (
                    ("created", "created"),
                    ("updated", "updated"),
                    ("unchanged", "unchanged"),
                    ("skipped", "left out"),
                )
            )
        )
        if problems:
            raise CommandError(f"{len(problems)} problems: nothing was imported.")
        done = "checked (dry run, nothing changed)" if options["dry_run"] else "applied"
        self.stdout.write(f"Area import {run.pk} {done}.")
