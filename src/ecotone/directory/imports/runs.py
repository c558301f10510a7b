"""Import runs: an uploaded directory file kept as received, checked, reviewed, then applied.

What the import page, the `import_hsds` command and the background task all call:

- `check_upload` stores the file, reads it by its format and checks it against the ecosystem
  (a dry run: nothing but the run itself is written);
- `decide_duplicates` records the reviewer's choice for each likely duplicate;
- `apply_run` marks the run as applying and queues `apply_import_run`, which re-reads the
  kept file, checks it again (the directory may have changed since) and applies it in one
  transaction (`apply_now`);
- `retry_run` and `discard_run` end a run left applying when its task was lost
  (`ImportRun.is_interrupted`, the rule of `ecotone.stale_runs`).

Each step is the one upload lifecycle of `ecotone.uploads`; what is the directory's own is
reading a file by its format and `import_batch`.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone import uploads
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.uploads import UploadStatus, actor

from ..hsds.imports import ImportReport, import_batch
from ..hsds.readers import MAX_BYTES, read_hsds_json, read_hsds_package
from ..models import ImportFormat, ImportRun
from ..spreadsheet.reading import read_spreadsheet
from .batch import Batch

FORMATS_BY_SUFFIX = {
    ".json": ImportFormat.HSDS_JSON,
    ".zip": ImportFormat.HSDS_PACKAGE,
    ".csv": ImportFormat.SPREADSHEET,
    ".xlsx": ImportFormat.SPREADSHEET,
}


def format_of(filename: str) -> str:
    """The format a file name says; DomainError for any other kind of file."""
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS_BY_SUFFIX:
        raise DomainError(
            _(
                "Ecotone imports HSDS JSON (.json), an HSDS data package (.zip), or a program "
                "spreadsheet (.csv or .xlsx); “%(name)s” is none of these."
            )
            % {"name": filename}
        )
    return FORMATS_BY_SUFFIX[suffix]


def read_file(path: Path, format: str, ecosystem: Ecosystem) -> Batch:
    """The batch a kept file holds, read by its format (never raises on a bad file)."""
    if format == ImportFormat.HSDS_JSON:
        return read_hsds_json(path)
    if format == ImportFormat.HSDS_PACKAGE:
        return read_hsds_package(path)
    return read_spreadsheet(path, ecosystem)


def check_upload(
    ecosystem: Ecosystem, user: Any, upload: IO[bytes] | File[Any], filename: str
) -> ImportRun:
    """Keep the uploaded file and check it (a dry run). The run says what applying would do."""
    format = format_of(filename)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("Upload a file of at most %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    name = Path(filename).name[:200] or "upload"
    run = ImportRun(
        ecosystem=ecosystem, created_by=actor(user), format=format, original_filename=name
    )
    uploads.store(run, upload, name)
    check_run(run, user)
    return run


def check_path(ecosystem: Ecosystem, user: Any, path: Path) -> ImportRun:
    """`check_upload` for a file or a data-package folder on disk (the command line)."""
    if path.is_dir():
        with tempfile.TemporaryDirectory() as scratch:
            archive = Path(scratch) / f"{path.name or 'package'}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
                for file in sorted(path.rglob("*")):
                    if file.is_file():
                        out.write(file, file.relative_to(path).as_posix())
            with archive.open("rb") as handle:
                return check_upload(ecosystem, user, File(handle), archive.name)
    if not path.is_file():
        raise DomainError(_("No file or folder at %(path)s.") % {"path": path})
    with path.open("rb") as handle:
        return check_upload(ecosystem, user, File(handle), path.name)


def check_run(run: ImportRun, user: Any) -> ImportReport:
    """Read the kept file and check it again, keeping the reviewer's decisions."""
    batch = read_file(Path(run.file.path), run.format, run.ecosystem)
    report = import_batch(run.ecosystem, batch, user=user, dry_run=True, decisions=run.decisions)
    uploads.record_check(run, report.to_json(), has_problems=report.has_problems)
    return report


def decide_duplicates(run: ImportRun, user: Any, decisions: dict[str, str]) -> ImportRun:
    """Record what to do with each likely duplicate: create, update the existing one, or skip."""
    if run.status != UploadStatus.CHECKED:
        raise DomainError(_("Only a checked import that is not applied yet can be reviewed."))
    flagged = {
        flag.service_id: flag.choices for flag in ImportReport.from_json(run.report).duplicates
    }
    for service_id, decision in decisions.items():
        if decision not in flagged.get(service_id, ()):
            raise DomainError(_("That choice does not fit this import; reload the page."))
    run.decisions = {**run.decisions, **decisions}
    run.save(update_fields=["decisions", "updated_at"])
    check_run(run, user)
    return run


def apply_run(run: ImportRun, user: Any) -> ImportRun:
    """Queue the run to be applied (a task, so a large file does not hold up the page)."""
    return uploads.queue(run, user, apply_import_run)


def apply_now(run: ImportRun, user: Any) -> ImportRun:
    """Re-read the kept file, check it again and apply it: all of it or, on any problem, none;
    an unexpected failure leaves the run `failed` (`uploads.apply`).

    A run neither checked nor applying is returned as it is: a retried run may meet the apply it
    replaced, and the run's lock lets only the first of them apply."""
    try:
        return uploads.apply(run, user, _write)
    except uploads.NotApplicableError:
        return ImportRun.objects.get(pk=run.pk)


def _write(run: ImportRun, user: Any) -> None:
    batch = read_file(Path(run.file.path), run.format, run.ecosystem)
    report = import_batch(run.ecosystem, batch, user=user, dry_run=False, decisions=run.decisions)
    run.report = report.to_json()
    if report.applied:
        run.status = UploadStatus.APPLIED
    else:
        run.status = UploadStatus.HAS_PROBLEMS if report.has_problems else UploadStatus.CHECKED


@task()
def apply_import_run(run_id: int, user_id: int | None) -> str:
    """Apply a checked import run; returns the run's final status."""
    return uploads.run_queued(ImportRun, run_id, user_id, apply_now)


def retry_run(run: ImportRun, user: Any) -> ImportRun:
    """Apply an interrupted run again (`uploads.retry`)."""
    return uploads.retry(run, user, apply_import_run)


def discard_run(run: ImportRun, user: Any) -> ImportRun:
    """Give up an interrupted run: it is marked failed, with the reason among its problems."""
    return uploads.discard(run)
