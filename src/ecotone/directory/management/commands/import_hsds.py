"""manage.py import_hsds --ecosystem SLUG PATH [--dry-run]: load Open Referral HSDS 3.0 data.

PATH is a .json file (services, organizations, services at locations, locations, taxonomies or
terms; one record, a list, or an HSDS API page), a folder holding the tabular data package
(CSV files + datapackage.json), or a .zip of one. The file is kept as an import run, like an
upload on the import page, and checked first; with problems nothing is written, each problem is
printed on its own line and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.directory.hsds.imports import ImportReport
from ecotone.directory.imports import runs as import_runs
from ecotone.directory.models import ImportStatus
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import Open Referral HSDS 3.0 into an ecosystem's directory: a .json file, or the "
        "tabular data package as a folder or a .zip. Checks everything first; all or nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", required=True, help="the ecosystem's slug")
        parser.add_argument("path", help="a .json file, a data-package folder, or a .zip of one")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystem = Ecosystem.objects.filter(slug=options["ecosystem"]).first()
        if ecosystem is None:
            raise CommandError(f"No ecosystem has the slug {options['ecosystem']!r}.")
        path = Path(options["path"])
        if path.is_file() and path.suffix.lower() not in (".json", ".zip"):
            raise CommandError(f"{path}: give a .json file, a data-package folder or a .zip.")
        try:
            run = import_runs.check_path(ecosystem, None, path)
            if run.status == ImportStatus.CHECKED and not options["dry_run"]:
                run.status = ImportStatus.APPLYING
                run.save(update_fields=["status"])
                run = import_runs.apply_now(run, None)
        except DomainError as error:
            raise CommandError(str(error)) from error
        report = ImportReport.from_json(run.report)
        self.print_report(report, run.pk, dry_run=options["dry_run"])
        if report.problems:
            raise CommandError(f"{len(report.problems)} problems: nothing was imported.")

    def print_report(self, report: ImportReport, run_id: int, *, dry_run: bool) -> None:
        for problem in report.problems:
            self.stdout.write(f"problem: {problem}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        for flag in report.duplicates:
            if flag.in_file:
                like, undecided = "the earlier", "created unless skipped on the import page"
            else:
                like, undecided = "the existing", "not created until reviewed on the import page"
            self.stdout.write(
                f"likely duplicate: {flag.where} “{flag.name}” looks like {like} "
                f"“{flag.existing_name}” ({flag.existing_id}); {flag.decision or undecided}"
            )
        for kind, counts in sorted(report.counts.items()):
            parts = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
            self.stdout.write(f"{kind}: {parts or 'none'}")
        if not report.problems:
            done = "checked (dry run, nothing changed)" if dry_run else "applied"
            self.stdout.write(f"Import run {run_id} {done}.")
