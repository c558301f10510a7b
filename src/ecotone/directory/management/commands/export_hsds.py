"""manage.py export_hsds --ecosystem SLUG PATH: one ecosystem's directory in Open Referral HSDS 3.0.

PATH ending in .json gets one JSON array of fully nested services; any other PATH is a folder
(created if missing) that gets the HSDS tabular data package: one CSV file per table and
datapackage.json. Either way only published programs are written, streamed in chunks, so the
memory used does not grow with the size of the directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.directory.hsds import export as hsds
from ecotone.directory.hsds import tabular as hsds_tabular
from ecotone.ecosystems.models import Ecosystem


class Command(BaseCommand):
    help = (
        "Export an ecosystem's published programs in Open Referral HSDS 3.0: a .json file of "
        "full services, or a folder holding the tabular data package (CSV + datapackage.json)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", required=True, help="the ecosystem's slug")
        parser.add_argument("path", help="a .json file, or a folder for the CSV data package")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=hsds.CHUNK_SIZE,
            help="programs loaded at a time (memory against number of queries)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystem = Ecosystem.objects.filter(slug=options["ecosystem"]).first()
        if ecosystem is None:
            raise CommandError(f"No ecosystem has the slug {options['ecosystem']!r}.")
        chunk_size = options["chunk_size"]
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        path = Path(options["path"])
        if path.suffix.lower() == ".json":
            count = self.write_json(ecosystem, path, chunk_size)
            self.stdout.write(f"Wrote {count} services to {path}.")
            return
        if path.exists() and not path.is_dir():
            raise CommandError(f"{path} is a file: give a .json file or a folder.")
        counts = hsds_tabular.write_package(ecosystem, path, chunk_size=chunk_size)
        self.stdout.write(
            f"Wrote the HSDS data package to {path}: {counts['service']} services, "
            f"{counts['location']} locations, {counts['organization']} organizations."
        )

    def write_json(self, ecosystem: Ecosystem, path: Path, chunk_size: int) -> int:
        if path.parent and not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        # Written beside the target and renamed at the end: never a half-written file at PATH.
        partial = path.with_name(path.name + ".partial")
        count = -2  # every piece but the opening and closing brackets is one service
        try:
            with partial.open("w", encoding="utf-8") as handle:
                for piece in hsds.iter_services_json(ecosystem, chunk_size=chunk_size):
                    handle.write(piece)
                    count += 1
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return count
