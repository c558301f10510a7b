"""Badges awarded in bulk from a CSV (or XLSX) of recipients, on the shared upload lifecycle of
`ecotone.uploads`: the file is kept as received, checked (a dry run listing every problem by
row and column), then applied all or nothing in one transaction by `awards.award`, each
recipient mailed after the commit.

The columns (`COLUMNS`, documented on the page with a template): email, achievement (its id or
its name, among the organization's achievements not archived), under_13, guardian_email,
guardian_consent, program (its id or name, among the organization's programs), language.

The kept file holds addresses: once the import is applied (or discarded, or has failed) it is
deleted; the report names rows and columns, never an address.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone import uploads
from ecotone.cells import Problem, cell_flag, fold
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError
from ecotone.uploads import UploadStatus, actor

from ..models import Achievement, Award, AwardImport
from . import awards

COLUMNS = (
    "email",
    "achievement",
    "under_13",
    "guardian_email",
    "guardian_consent",
    "program",
    "language",
)
REQUIRED = ("email", "achievement")
MAX_BYTES = 10 << 20
MAX_ROWS = 50_000
SUFFIXES = (".csv", ".xlsx", ".txt")
# Applied at once below this many rows; above, by the task (the page shows its progress).
SYNC_MAX_ROWS = 500
TEMPLATE_ROWS = (
    ("ana@example.org", "Robot builder", "no", "", "", "", "es"),
    ("kid@example.org", "Robot builder", "yes", "parent@example.org", "yes", "", "en"),
)


@dataclass(frozen=True)
class Row:
    number: int
    achievement: Achievement
    recipient: awards.Recipient
    program: Program | None


@dataclass
class Content:
    rows: list[Row]
    problems: list[Problem]
    read: int


class _Names:
    """An organization's achievements and programs by id or folded name."""

    def __init__(self, organization: Organization) -> None:
        self.achievements: dict[str, Achievement | None] = {}
        for a in Achievement.objects.filter(
            organization=organization, archived_at__isnull=True
        ).select_related("organization__ecosystem", "ecosystem"):
            self.achievements[str(a.pk)] = a
            self.achievements[str(a.public_id)] = a
            for name in {fold(a.name), fold(a.name_es)} - {""}:
                # the same name twice is ambiguous: None says so
                self.achievements[name] = None if name in self.achievements else a
        self.programs: dict[str, Program | None] = {}
        for p in Program.objects.filter(organization=organization):
            self.programs[str(p.pk)] = p
            name = fold(p.name)
            self.programs[name] = None if name in self.programs else p


def read(path: Path, organization: Organization) -> Content:
    """The rows of a kept file, each checked; every problem names its row and column."""
    problems: list[Problem] = []
    found: list[Row] = []
    names = _Names(organization)
    languages = uploads.choice_names(settings.LANGUAGES)
    count = 0
    for number, cells in uploads.table_rows(
        path, COLUMNS, REQUIRED, max_rows=MAX_ROWS, max_bytes=MAX_BYTES, problems=problems
    ):
        count += 1
        row, row_problems = _row(number, cells, names, languages)
        problems.extend(row_problems)
        if row is not None:
            found.append(row)
    if not count and not problems:
        problems.append(Problem("", "", _("The file has no recipients.")))
    return Content(found, problems, count)


def _row(
    number: int,
    cells: dict[str, str],
    names: _Names,
    languages: dict[str, str],
) -> tuple[Row | None, list[Problem]]:
    where = _("row %(n)d") % {"n": number}
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(where, field, message))

    achievement = names.achievements.get(cells.get("achievement", "").strip())
    if achievement is None:
        achievement = names.achievements.get(fold(cells.get("achievement", "")))
    if not cells.get("achievement"):
        problem("achievement", _("Name the achievement (its name or id)."))
    elif achievement is None:
        problem(
            "achievement",
            _("No achievement of this partner (not archived) has this name or id, or two do."),
        )
    flags: dict[str, bool] = {}
    for name in ("under_13", "guardian_consent"):
        value = cell_flag(cells.get(name, ""), empty=False)
        if value is None:
            problem(name, _("Write yes or no."))
        flags[name] = bool(value)
    language = ""
    if cells.get("language"):
        language = languages.get(fold(cells["language"]), "")
        if not language:
            problem("language", _("Write en or es (or leave it empty)."))
    program = None
    if cells.get("program"):
        program = names.programs.get(cells["program"].strip()) or names.programs.get(
            fold(cells["program"])
        )
        if program is None:
            problem("program", _("No program of this partner has this name or id, or two do."))
    recipient = awards.Recipient(
        email=cells.get("email", "").strip(),
        under_13=flags["under_13"],
        guardian_email=cells.get("guardian_email", "").strip(),
        guardian_consent=flags["guardian_consent"],
        language=language,
    )
    for field, message in awards.check_recipient(recipient).items():
        problem(field if field in COLUMNS else "email", message)
    if problems or achievement is None:
        return None, problems
    return Row(number, achievement, recipient, program), []


def _report(content: Content) -> dict[str, Any]:
    achievements: dict[str, int] = {}
    for row in content.rows:
        achievements[row.achievement.name] = achievements.get(row.achievement.name, 0) + 1
    return {
        "problems": [asdict(p) for p in content.problems],
        "counts": {
            "awards": len(content.rows),
            "to_guardians": sum(1 for r in content.rows if r.recipient.under_13),
        },
        "achievements": sorted(achievements.items()),
        "rows": content.read,
    }


def check_file(
    ecosystem: Ecosystem, organization: Organization, upload: IO[bytes] | File[Any], *, user: Any
) -> AwardImport:
    """Keep the uploaded file and check it (a dry run): nothing is awarded."""
    if organization.ecosystem_id != ecosystem.pk:
        raise DomainError(_("Choose the partner that awards the badges."))
    filename = Path(getattr(upload, "name", "") or "recipients.csv").name[:200]
    if Path(filename).suffix.lower() not in SUFFIXES:
        raise DomainError(
            _("Upload a CSV (.csv) or Excel (.xlsx) file; “%(name)s” is neither.")
            % {"name": filename}
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("Upload a file of at most %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    run = AwardImport(
        ecosystem=ecosystem,
        organization=organization,
        created_by=actor(user),
        original_filename=filename,
    )
    uploads.store(run, upload, filename)
    return check_import(run)


def check_import(run: AwardImport) -> AwardImport:
    content = read(Path(run.file.path), run.organization)
    run = uploads.record_check(run, _report(content), has_problems=bool(content.problems))
    if content.problems:
        # a file with problems is never applied (it is fixed and uploaded again): its
        # addresses go now, the report naming rows and columns stays
        transaction.on_commit(lambda: _forget_file(run.pk))
    return run


def apply_import(run: AwardImport, *, user: Any) -> AwardImport:
    """Re-read the kept file, check it again and award every row in one transaction: all of
    them or, on any problem, none (`uploads.apply`). Mail goes after the commit. An import
    that ends with problems or failed cannot be applied again: its file is deleted."""
    try:
        applied = uploads.apply(run, user, _write)
    except uploads.NotApplicableError:
        raise
    except Exception:
        _forget_file(run.pk)
        raise
    if applied.status == UploadStatus.HAS_PROBLEMS:
        _forget_file(run.pk)
    return applied


def start_apply(run: AwardImport, *, user: Any) -> AwardImport:
    """Apply now when small; queue for the task when large (the page follows its progress)."""
    if run.report.get("rows", 0) <= SYNC_MAX_ROWS:
        try:
            return apply_import(run, user=user)
        except uploads.NotApplicableError:
            raise
        except Exception:  # recorded on the import as failed by `uploads.apply`
            run.refresh_from_db()
            return run
    return uploads.queue(run, user, apply_award_import_run)


def _write(run: AwardImport, user: Any) -> None:
    content = read(Path(run.file.path), run.organization)
    if content.problems:
        run.report = _report(content)
        run.status = UploadStatus.HAS_PROBLEMS
        return
    award_rows(user, content.rows)
    run.report = _report(content)
    run.status = UploadStatus.APPLIED
    transaction.on_commit(lambda: _forget_file(run.pk))


def award_rows(user: Any, rows: list[Row]) -> list[Award]:
    """Award every row in one transaction, all or none (`awards.award_many`)."""
    return awards.award_many(
        user, [awards.Row(row.achievement, row.recipient, row.program) for row in rows]
    )


def _forget_file(run_id: int) -> None:
    """The file held addresses: delete it (the report keeps rows and problems only)."""
    run = AwardImport._default_manager.filter(pk=run_id).first()
    if run is not None and run.file:
        run.file.delete(save=False)
        AwardImport._default_manager.filter(pk=run_id).update(file="")


@task()
def apply_award_import_run(run_id: int, user_id: int | None) -> str:
    """Apply a queued badge import; returns its final status ("gone" if not queued)."""
    return uploads.run_queued(
        AwardImport, run_id, user_id, lambda run, user: apply_import(run, user=user)
    )


def retry_import(run: AwardImport, *, user: Any) -> AwardImport:
    return uploads.retry(run, user, apply_award_import_run)


def discard_import(run: AwardImport, *, user: Any) -> AwardImport:
    run = uploads.discard(run)
    _forget_file(run.pk)
    return run


def queue_import(run: AwardImport, *, user: Any) -> AwardImport:
    return start_apply(run, user=user)
