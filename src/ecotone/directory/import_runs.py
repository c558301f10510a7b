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
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .hsds.readers import MAX_BYTES, read_hsds_json, read_hsds_package
from .hsds_import import DECISIONS, ImportReport, import_batch
from .importing import Batch, Problem
from .models import ImportFormat, ImportRun, ImportStatus
from .spreadsheet import read_spreadsheet

logger = logging.getLogger(__name__)

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


def _save_report(run: ImportRun, report: ImportReport) -> None:
    run.report = report.to_json()
    run.status = ImportStatus.HAS_PROBLEMS if report.has_problems else ImportStatus.CHECKED


def check_upload(
    ecosystem: Ecosystem, user: Any, upload: IO[bytes] | File[Any], filename: str
) -> ImportRun:
    """Keep the uploaded file and check it (a dry run). The run says what applying would do."""
    format = format_of(filename)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    name = Path(filename).name[:200] or "upload"
    run = ImportRun(
        ecosystem=ecosystem,
        created_by=user if getattr(user, "pk", None) else None,
        format=format,
        original_filename=name,
    )
    run.file.save(name, upload if isinstance(upload, File) else File(upload), save=False)
    run.save()
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
    _save_report(run, report)
    run.save(update_fields=["report", "status", "updated_at"])
    return report


def decide_duplicates(run: ImportRun, user: Any, decisions: dict[str, str]) -> ImportRun:
    """Record what to do with each likely duplicate: create, update the existing one, or skip."""
    if run.status != ImportStatus.CHECKED:
        raise DomainError(_("Only a checked import that is not applied yet can be reviewed."))
    flagged = {flag["service_id"] for flag in run.report.get("duplicates", [])}
    for service_id, decision in decisions.items():
        if service_id not in flagged or decision not in DECISIONS:
            raise DomainError(_("That choice does not fit this import; reload the page."))
    run.decisions = {**run.decisions, **decisions}
    run.save(update_fields=["decisions", "updated_at"])
    check_run(run, user)
    return run


def apply_run(run: ImportRun, user: Any) -> ImportRun:
    """Queue the run to be applied (a task, so a large file does not hold up the page)."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ImportStatus.CHECKED:
            raise DomainError(_("This import has problems or is already applied."))
        locked.status = ImportStatus.APPLYING
        locked.save(update_fields=["status", "updated_at"])
    user_id = user.pk if getattr(user, "pk", None) else None
    # With the immediate backend (demo, tests) this applies now; otherwise a worker picks it up.
    apply_import_run.enqueue(run.pk, user_id)
    run.refresh_from_db()
    return run


def apply_now(run: ImportRun, user: Any) -> ImportRun:
    """Re-read the kept file, check it again and apply it: all of it or, on any problem, none.

    A run neither checked nor applying is returned as it is: a retried run may meet the apply it
    replaced, and the run's lock lets only the first of them apply."""
    try:
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().get(pk=run.pk)
            if locked.status not in (ImportStatus.CHECKED, ImportStatus.APPLYING):
                return locked
            batch = read_file(Path(run.file.path), run.format, run.ecosystem)
            report = import_batch(
                run.ecosystem, batch, user=user, dry_run=False, decisions=run.decisions
            )
            _save_report(run, report)
            if report.applied:
                run.status = ImportStatus.APPLIED
                run.applied_at = timezone.now()
                run.applied_by = user if getattr(user, "pk", None) else None
            run.save()
    except Exception:
        # The transaction rolled back; the run must say so rather than stay "applying".
        logger.exception("Import run %s failed", run.pk)
        problem = Problem("", "", _("The import failed unexpectedly; nothing was changed."))
        run.report = {**run.report, "problems": [problem.__dict__]}
        run.status = ImportStatus.FAILED
        run.save(update_fields=["report", "status", "updated_at"])
        raise
    return run


def _interrupted(run: ImportRun) -> ImportRun:
    locked = ImportRun.objects.select_for_update().get(pk=run.pk)
    if not locked.is_interrupted:
        raise DomainError(
            _(
                "Only an import interrupted while it was being applied can be retried or "
                "discarded; this one is %(status)s."
            )
            % {"status": locked.get_status_display().lower()}
        )
    return locked


@task()
def apply_import_run(run_id: int, user_id: int | None) -> str:
    """Apply a checked import run; returns the run's final status."""
    run = ImportRun.objects.select_related("ecosystem").filter(pk=run_id).first()
    if run is None or run.status != ImportStatus.APPLYING:
        return "gone"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        return apply_now(run, user).status
    except Exception:  # logged, and recorded on the run, by apply_now
        return ImportStatus.FAILED


def retry_run(run: ImportRun, user: Any) -> ImportRun:
    """Apply an interrupted run again. Safe: the interrupted apply was one transaction, rolled
    back with its task, so nothing of it was written."""
    with transaction.atomic():
        locked = _interrupted(run)
        locked.save(update_fields=["updated_at"])  # fresh again while the retry runs
    user_id = user.pk if getattr(user, "pk", None) else None
    apply_import_run.enqueue(run.pk, user_id)
    run.refresh_from_db()
    return run


def discard_run(run: ImportRun, user: Any) -> ImportRun:
    """Give up an interrupted run: it is marked failed, with the reason among its problems."""
    with transaction.atomic():
        locked = _interrupted(run)
        problem = Problem(
            "",
            "",
            _(
                "The import was interrupted while it was being applied and was discarded; "
                "nothing was changed. Upload the file again to import it."
            ),
        )
        locked.report = {**locked.report, "problems": [problem.__dict__]}
        locked.status = ImportStatus.FAILED
        locked.save(update_fields=["report", "status", "updated_at"])
    run.refresh_from_db()
    return run
