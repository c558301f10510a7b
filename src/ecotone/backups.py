"""Backup and restore: the database and every uploaded file in one archive, with a manifest.

The archive is a gzipped tar holding
- `manifest.json`: the Ecotone version, the database vendor, the migrations applied, the row
  count of every model, and a SHA-256 checksum of every other member;
- `database.dump` (PostgreSQL, `pg_dump -Fc`, a consistent snapshot while the site runs) or
  `database.sqlite3` (SQLite, its online backup API, consistent too);
- `media/…`: the files under MEDIA_ROOT (uploaded imports), as they are.

A restore checks every checksum and that the code's migrations are the backup's before it
touches anything, refuses a database that has tables (or a MEDIA_ROOT that has files) unless
forced, and checks the row counts afterwards. `manage.py backup` and `manage.py restore` call
these; docs/admin-guide.md has the schedule and the restore drill.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data["counts"])

    @property
    def media(self) -> dict[str, str]:
        return dict(self.data["media"])


def ecotone_version() -> str:
    try:
        return version("ecotone")
    except PackageNotFoundError:
        return "unknown"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def model_counts(alias: str) -> dict[str, int]:
    """Rows per model (many-to-many tables included), by model label."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        return _count(cursor, connection.ops.quote_name)


def applied_migrations(alias: str) -> list[list[str]]:
    recorder = MigrationRecorder(connections[alias])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def code_migrations() -> list[list[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted([app, name] for app, name in loader.disk_migrations)


def media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


# PostgreSQL's tools -----------------------------------------------------------------------------


def _major(text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)*", text)
    return int(match.group(1)) if match else 0


def pg_tool(name: str, server_major: int) -> str:
    """`pg_dump` or `pg_restore` of the server's major version (Debian keeps one per version in
    /usr/lib/postgresql/N/bin, as scripts/with-postgres.sh finds them), else the one on PATH
    if it is at least as new."""
    candidate = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if candidate.is_file():
        return str(candidate)
    on_path = shutil.which(name)
    if on_path:
        output = subprocess.run(  # noqa: S603 (a fixed tool name)
            [on_path, "--version"], capture_output=True, text=True, check=False
        ).stdout
        if _major(output) >= server_major:
            return on_path
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} was found: install the PostgreSQL "
        f"{server_major} client tools (Debian: postgresql-client-{server_major})."
    )


def _pg_command(alias: str) -> tuple[list[str], dict[str, str], int]:
    """Connection arguments, environment (the password stays out of the process list) and the
    server's major version."""
    connection = connections[alias]
    connection.ensure_connection()
    params = connection.settings_dict
    arguments = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        arguments += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        arguments += ["--port", str(params["PORT"])]
    if params.get("USER"):
        arguments += ["--username", str(params["USER"])]
    environment = dict(os.environ)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    if sslmode := params.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = str(sslmode)
    return arguments, environment, connection.pg_version // 10000  # type: ignore[attr-defined]


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (our own arguments)
        command, capture_output=True, text=True, env=environment, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


# Backup ---------------------------------------------------------------------------------------


def _tables() -> dict[str, str]:
    """Every model's table (many-to-many tables included), by model label."""
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _count(cursor: Any, quote: Any) -> dict[str, int]:
    counts = {}
    for label, table in _tables().items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (our table names)
        counts[label] = int(cursor.fetchone()[0])
    return counts


def _dump_database(alias: str, target: Path) -> dict[str, int]:
    """Dump the database into `target`; the rows per model of exactly what was dumped."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        arguments, environment, major = _pg_command(alias)
        tool = pg_tool("pg_dump", major)
        # The counts and the dump read one snapshot, however busy the site is.
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count(cursor, quote)
            options = ["--format=custom", "--no-owner", f"--snapshot={snapshot}"]
            _run([tool, *options, "--file", str(target), *arguments], environment)
        return counts
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
        counts = _count(copy.cursor(), quote)
    copy.close()
    return counts


def backup(archive: Path, *, alias: str = "default") -> Manifest:
    """Write the database and MEDIA_ROOT into `archive` (a .tar.gz) and return its manifest."""
    vendor = connections[alias].vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="ecotone-backup-") as scratch:
        dump = Path(scratch) / DUMP_NAMES[vendor]
        counts = _dump_database(alias, dump)
        files = media_files(media_root)
        data = {
            "format": FORMAT,
            "ecotone_version": ecotone_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "vendor": vendor,
            "database": {"file": dump.name, "sha256": sha256(dump)},
            "migrations": applied_migrations(alias),
            "counts": counts,
            "media": {path.relative_to(media_root).as_posix(): sha256(path) for path in files},
        }
        manifest_file = Path(scratch) / MANIFEST
        manifest_file.write_text(json.dumps(data, indent=2, sort_keys=True))
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(manifest_file, MANIFEST)
            tar.add(dump, dump.name)
            for path in files:
                tar.add(path, f"{MEDIA}/{path.relative_to(media_root).as_posix()}")
        partial.replace(archive)  # never a half-written archive under the final name
    return Manifest(data)


# Restore --------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> Manifest:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise BackupError(f"{archive} has no {MANIFEST}: it is not an Ecotone backup.")
        data = json.load(member)
    if data.get("format") != FORMAT:
        raise BackupError(f"{archive} is a backup of format {data.get('format')}, not {FORMAT}.")
    return Manifest(data)


def _check_migrations(manifest: Manifest) -> None:
    backed_up = {tuple(pair) for pair in manifest.data["migrations"]}
    here = {tuple(pair) for pair in code_migrations()}
    if backed_up == here:
        return
    only_backup = sorted(f"{app}.{name}" for app, name in backed_up - here)
    only_code = sorted(f"{app}.{name}" for app, name in here - backed_up)
    raise BackupError(
        "The backup's migrations differ from this code's "
        f"(the backup was made by Ecotone {manifest.data['ecotone_version']}). "
        f"Only in the backup: {', '.join(only_backup) or 'none'}. "
        f"Only in this code: {', '.join(only_code) or 'none'}. Restore with the code the "
        "backup was made by, then upgrade and migrate."
    )


def _check_checksums(manifest: Manifest, unpacked: Path) -> None:
    database = manifest.data["database"]
    if sha256(unpacked / database["file"]) != database["sha256"]:
        raise BackupError(f"The database in the backup is damaged ({database['file']}).")
    present = {
        path.relative_to(unpacked / MEDIA).as_posix() for path in media_files(unpacked / MEDIA)
    }
    if present != set(manifest.media):
        raise BackupError("The backup's media files are not those its manifest lists.")
    for name, checksum in manifest.media.items():
        if sha256(unpacked / MEDIA / name) != checksum:
            raise BackupError(f"The media file {name} in the backup is damaged.")


def _restore_database(alias: str, dump: Path, *, force: bool) -> None:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        arguments, environment, major = _pg_command(alias)
        tool = pg_tool("pg_restore", major)
        clean = ["--clean", "--if-exists"] if force else []
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        connection.close()
        _run([tool, *options, *clean, *arguments, str(dump)], environment)
    else:
        connection.ensure_connection()
        with sqlite3.connect(dump) as source:
            source.backup(connection.connection)
        source.close()


def restore(archive: Path, *, alias: str = "default", force: bool = False) -> Manifest:
    """Put the backup in `archive` back into the database `alias` and MEDIA_ROOT."""
    manifest = read_manifest(archive)
    vendor = connections[alias].vendor
    if manifest.data["vendor"] != vendor:
        raise BackupError(
            f"The backup is of a {manifest.data['vendor']} database; this one is {vendor}."
        )
    _check_migrations(manifest)
    media_root = Path(settings.MEDIA_ROOT)
    if not force:
        tables = connections[alias].introspection.table_names()
        if tables:
            raise BackupError(
                f"The database is not empty ({len(tables)} tables). Restore into an empty "
                "database, or pass --force to replace everything in it."
            )
        if media_files(media_root):
            raise BackupError(
                f"MEDIA_ROOT ({media_root}) holds files. Restore into an empty folder, or pass "
                "--force to replace them."
            )
    with tempfile.TemporaryDirectory(prefix="ecotone-restore-") as scratch:
        unpacked = Path(scratch)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        _check_checksums(manifest, unpacked)
        _restore_database(alias, unpacked / manifest.data["database"]["file"], force=force)
        if media_root.is_dir() and force:
            shutil.rmtree(media_root)
        if (unpacked / MEDIA).is_dir():
            shutil.copytree(unpacked / MEDIA, media_root, dirs_exist_ok=True)
        else:
            media_root.mkdir(parents=True, exist_ok=True)
    restored = model_counts(alias)
    differ = {
        label: (count, restored.get(label))
        for label, count in manifest.counts.items()
        if restored.get(label) != count
    }
    if differ:
        raise BackupError(f"Restored, but rows differ from the backup's (backup, now): {differ}")
    return manifest
