"""`manage.py backup` and `manage.py restore` (ecotone/backups.py): a backup restored into an
empty database has every record and every uploaded file. Runs on both databases: SQLite's
online backup API in the sqlite phase, pg_dump and pg_restore in the postgres phase."""

from __future__ import annotations

import copy
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.utils import load_backend

from ecotone import backups
from ecotone.directory.imports import runs as import_runs
from ecotone.directory.models import ImportRun, Program
from tests.conftest import World
from tests.directory.test_hsds_export import build_directory
from tests.directory.test_hsds_import import EXAMPLES


@pytest.fixture
def empty_database(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """A new, empty database beside the test database, as the alias `restored`: a connection
    made here, outside settings.DATABASES (Django's test case allows those)."""
    base = connections["default"].settings_dict
    settings_dict = copy.deepcopy(base)
    vendor = connections["default"].vendor
    if vendor == "postgresql":
        settings_dict["NAME"] = f"{base['NAME']}_restored"
        with connections["default"].cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}"')
            cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    else:
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    connections["restored"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, "restored"
    )
    try:
        yield "restored"
    finally:
        connections["restored"].close()
        del connections["restored"]
        if vendor == "postgresql":
            with connections["default"].cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


def _models() -> list[Any]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): backups.sha256(path)
        for path in backups.media_files(root)
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_has_every_record_and_file(
    world: World, empty_database: str, tmp_path: Path, settings: Any
) -> None:
    build_directory(world)
    example = EXAMPLES / "service_full.json"
    with example.open("rb") as handle:
        import_runs.check_upload(world.alpha, world.users["staff"], handle, "services.json")
    default_storage.save(
        "area_imports/alpha/schools.csv", ContentFile(b"id,name\n1,\xc3\xa9cole\n")
    )
    media = Path(settings.MEDIA_ROOT)
    files = _checksums(media)
    assert len(files) == 2
    assert ImportRun.objects.exists()
    assert Program.objects.count() >= 3
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", str(archive), stdout=io.StringIO())
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    out = io.StringIO()
    call_command("restore", str(archive), "--database", empty_database, stdout=out)

    assert "every count matches" in out.getvalue()
    counts = backups.model_counts("default")
    assert backups.model_counts(empty_database) == counts
    assert counts["directory.Program"] >= 3
    assert counts["accounts.User"] == 9
    for model in _models():
        rows = model._base_manager.order_by("pk")
        assert list(rows.using(empty_database).values()[:25]) == list(rows.values()[:25]), model
    assert _checksums(Path(settings.MEDIA_ROOT)) == files
    manifest = backups.read_manifest(archive).data
    assert manifest["counts"] == counts
    assert manifest["migrations"] == backups.code_migrations()
    assert manifest["ecotone_version"] == backups.ecotone_version()


def _rewrite_manifest(archive: Path, change: Any) -> Path:
    """A copy of `archive` whose manifest `change` edits."""
    changed = archive.with_name("changed.tar.gz")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(changed, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member)
            data = content.read() if content else b""
            if member.name == backups.MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return changed


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_full_database_other_migrations_and_a_damaged_archive_unless_forced(
    empty_database: str, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())

    def forget_a_migration(manifest: dict[str, Any]) -> None:
        manifest["migrations"].remove(["directory", "0002_stem_taxonomy"])

    older = _rewrite_manifest(archive, forget_a_migration)
    with pytest.raises(CommandError, match=r"Only in this code: directory\.0002_stem_taxonomy"):
        call_command("restore", str(older), "--database", empty_database, stdout=io.StringIO())

    def damage(manifest: dict[str, Any]) -> None:
        manifest["database"]["sha256"] = "0" * 64

    damaged = _rewrite_manifest(archive, damage)
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), "--database", empty_database, stdout=io.StringIO())
    assert connections[empty_database].introspection.table_names() == []

    call_command("restore", str(archive), "--database", empty_database, stdout=io.StringIO())
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(archive), "--database", empty_database, stdout=io.StringIO())
    out = io.StringIO()
    call_command("restore", str(archive), "--database", empty_database, "--force", stdout=out)
    assert "every count matches" in out.getvalue()
