from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database and MEDIA_ROOT. "
        "Checks the archive's checksums and that its migrations are this code's first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="the backup file (.tar.gz)")
        parser.add_argument("--database", default="default", help="database alias")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace what the database and MEDIA_ROOT hold (refused without it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"No backup at {archive}.")
        try:
            manifest = backups.restore(archive, alias=options["database"], force=options["force"])
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {sum(manifest.counts.values())} rows and {len(manifest.media)} media "
            f"files from the backup of {manifest.data['created_at']} "
            f"(Ecotone {manifest.data['ecotone_version']}); every count matches."
        )
