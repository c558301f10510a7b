from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone import backups


class Command(BaseCommand):
    help = (
        "Back up the database and MEDIA_ROOT into one archive with a manifest (versions, "
        "migrations, rows per model, checksums). docs/admin-guide.md has the schedule."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "archive",
            nargs="?",
            help="file to write; default ecotone-backup-<UTC time>.tar.gz in the current folder",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        archive = Path(options["archive"] or f"ecotone-backup-{stamp}.tar.gz")
        try:
            manifest = backups.backup(archive, alias=options["database"])
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest.counts.values())
        self.stdout.write(
            f"Backed up {rows} rows and {len(manifest.media)} media files to {archive} "
            f"({archive.stat().st_size} bytes)."
        )
