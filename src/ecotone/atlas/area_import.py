"""Area imports: a file of schools or areas kept as received, checked, then applied or not at all.

What the import page, the `import_areas` command and the demo all call:

- `check_area_file` keeps the upload as an `AreaImport` and checks it (a dry run): its report
  lists every problem by row and column, and how many areas would be created, updated or left
  unchanged;
- `apply_area_import` reads the kept file again, checks it again (the areas may have changed
  since) and writes it in one transaction, with one audit entry, or writes nothing.

Areas are matched by their identifier (`code`: NCESSCH, GEOID, ZIP or the file's id), so
importing a newer file updates the areas it shares with the old one. Areas the file does not
mention are left as they are: an import never deletes (`delete_areas` does, by kind, on its own).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone import uploads
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.uploads import UploadStatus, actor

from .area_files import MAX_BYTES, AreaFile, AreaRecord, read_area_file
from .models import AreaImport, AreaImportFormat, AreaKind, PopulationArea

SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")
# Compared to tell an updated area from an unchanged one (not `source`: which file said it).
COMPARED_FIELDS = tuple(name for name in AreaRecord.__dataclass_fields__ if name not in ("row",))
WRITTEN_FIELDS = (*COMPARED_FIELDS, "source", "updated_at")


def check_area_file(
    ecosystem: Ecosystem, upload: IO[bytes] | File[Any], *, user: Any, format: str
) -> AreaImport:
    """Keep the uploaded file and check it (a dry run). The report says what applying would do."""
    if format not in AreaImportFormat.values:
        raise DomainError(_("Choose the file's format: NCES public schools, or areas."))
    filename = Path(getattr(upload, "name", "") or "areas.csv").name
    if Path(filename).suffix.lower() not in SUFFIXES:
        raise DomainError(
            _("Upload a CSV (.csv) or Excel (.xlsx) file; “%(name)s” is neither.")
            % {"name": filename}
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("Upload a file of at most %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    run = AreaImport(
        ecosystem=ecosystem, created_by=actor(user), format=format, original_filename=filename[:200]
    )
    uploads.store(run, upload, filename[:200])
    check_area_import(run)
    return run


def check_path(ecosystem: Ecosystem, path: Path, *, user: Any, format: str) -> AreaImport:
    """`check_area_file` for a file on disk (the command line)."""
    if not path.is_file():
        raise DomainError(_("No file at %(path)s.") % {"path": path})
    with path.open("rb") as handle:
        return check_area_file(ecosystem, File(handle, name=path.name), user=user, format=format)


def _read(run: AreaImport) -> AreaFile:
    return read_area_file(Path(run.file.path), run.format, run.ecosystem.region_contains)


def _plan(
    ecosystem: Ecosystem, content: AreaFile
) -> tuple[list[AreaRecord], list[tuple[PopulationArea, dict[str, Any]]], int]:
    """(records to create, (area, values to write) pairs to update, how many are unchanged)."""
    existing = {area.code: area for area in ecosystem.population_areas.all()}
    new, changed, unchanged = [], [], 0
    for record in content.records:
        area = existing.get(record.code)
        if area is None:
            new.append(record)
            continue
        values = {
            name: value
            for name, value in record.fields().items()
            if content.fields is None or name in content.fields
        }
        if any(getattr(area, name) != value for name, value in values.items()):
            changed.append((area, values))
        else:
            unchanged += 1
    return new, changed, unchanged


def _report(content: AreaFile, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "problems": [asdict(problem) for problem in content.problems],
        "notes": content.notes,
        "counts": counts,
        "rows": content.rows,
    }


def check_area_import(run: AreaImport) -> AreaImport:
    """Read the kept file and check it against the ecosystem's areas; nothing else is written."""
    content = _read(run)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": content.skipped}
    if not content.problems:
        new, changed, unchanged = _plan(run.ecosystem, content)
        counts.update(created=len(new), updated=len(changed), unchanged=unchanged)
    return uploads.record_check(run, _report(content, counts), has_problems=bool(content.problems))


def queue_area_import(run: AreaImport, *, user: Any) -> AreaImport:
    """Queue a checked import to be applied by a task: a state's CCD file (100,000 schools)
    takes longer to write than a page may wait. The run is `applying` until the task is done;
    with the immediate task backend (the demo, the tests) it is applied at once."""
    return uploads.queue(run, user, apply_area_import_run)


def apply_area_import(run: AreaImport, *, user: Any) -> AreaImport:
    """Re-read the kept file, check it again and write it: all of it or, on any problem, none.

    Returns the run: `applied`, or `has_problems` when the check found something new (the
    report says what). DomainError when the run is not a checked one waiting to be applied
    (or queued by `queue_area_import`); an unexpected failure leaves it `failed`
    (`uploads.apply`)."""
    return uploads.apply(run, user, _write)


def _write(run: AreaImport, user: Any) -> None:
    content = _read(run)
    if content.problems:
        run.report = _report(content, run.report.get("counts", {}))
        run.status = UploadStatus.HAS_PROBLEMS
        return
    ecosystem = run.ecosystem
    new, changed, unchanged = _plan(ecosystem, content)
    now = timezone.now()
    source = run.original_filename[:200]
    with disable_auditlog():
        PopulationArea.objects.bulk_create(
            [
                PopulationArea(ecosystem=ecosystem, source=source, **record.fields())
                for record in new
            ],
            batch_size=1000,
        )
        for area, values in changed:
            for name, value in values.items():
                setattr(area, name, value)
            area.source = source
            area.updated_at = now
        PopulationArea.objects.bulk_update(
            [area for area, _values in changed], WRITTEN_FIELDS, batch_size=500
        )
        counts = {
            "created": len(new),
            "updated": len(changed),
            "unchanged": unchanged,
            "skipped": content.skipped,
        }
        LogEntry.objects.log_create(
            ecosystem,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={
                "area import": [
                    "",
                    _("%(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                    % {"file": run.original_filename, **counts},
                ]
            },
            additional_data={"ecosystem_id": ecosystem.pk},
            actor=actor(user),
        )
    run.report = _report(content, counts)
    run.status = UploadStatus.APPLIED
    run.applied_at = now


@task()
def apply_area_import_run(run_id: int, user_id: int | None) -> str:
    """Apply a queued area import; returns the run's final status ("gone" if not queued)."""
    return uploads.run_queued(
        AreaImport, run_id, user_id, lambda run, user: apply_area_import(run, user=user)
    )


def retry_area_import(run: AreaImport, *, user: Any) -> AreaImport:
    """Apply an interrupted import again (`uploads.retry`)."""
    return uploads.retry(run, user, apply_area_import_run)


def discard_area_import(run: AreaImport, *, user: Any) -> AreaImport:
    """Give up an interrupted import: it is marked failed, with the reason among its problems."""
    return uploads.discard(run)


def delete_areas(ecosystem: Ecosystem, *, user: Any, kind: str) -> int:
    """Delete every area of one kind (to start again from a new file). Returns how many."""
    if kind not in AreaKind.values:
        raise DomainError(_("Choose which kind of areas to delete."))
    with transaction.atomic(), disable_auditlog():
        deleted, _by_model = ecosystem.population_areas.filter(kind=kind).delete()
        if deleted:
            LogEntry.objects.log_create(
                ecosystem,
                force_log=True,
                action=LogEntry.Action.UPDATE,
                changes={"areas deleted": [str(deleted), f"0 ({kind})"]},
                additional_data={"ecosystem_id": ecosystem.pk},
                actor=actor(user),
            )
    return deleted
