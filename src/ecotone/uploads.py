"""The one upload lifecycle: a file stored as received, checked, applied whole or not at all.

Every import of a file (the directory's HSDS and spreadsheet imports, the atlas's school and
area files; later the measures, network and challenges uploads) is a model deriving from
`Upload` and goes through the same steps, here and nowhere else:

- `store` keeps the file as received, before anything reads it;
- `record_check` keeps what the dry run found: `checked` (ready to apply) or `has_problems`,
  each `Problem` (`ecotone.cells`) naming its row and column;
- `queue` marks a checked upload `applying` and hands it to its task, whose body is
  `run_queued`: a large file does not hold up the page;
- `apply` reads the kept file again, checks it again and writes it in one transaction, by the
  app's `write` (the one part each kind of upload has of its own); an unexpected failure is
  logged and recorded here, as `failed` with the reason among its problems, whoever called;
- `retry` and `discard` end an upload left `applying` when its task was lost
  (`ecotone.stale_runs`).

The pages of an upload share `act_on_upload` (its apply, retry and discard buttons),
`announce_apply` and the template `uploads/status.html` (its status, counts and problems).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translate
from django.utils.translation import gettext_lazy

from ecotone import tabular_files
from ecotone.cells import CellError, Problem, cell_text, fold, header_positions
from ecotone.errors import DomainError
from ecotone.stale_runs import is_stale

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from django_tasks.base import Task

logger = logging.getLogger(__name__)


class UploadStatus(models.TextChoices):
    CHECKED = "checked", gettext_lazy("Checked, ready to apply")
    HAS_PROBLEMS = "has_problems", gettext_lazy("Has problems")
    APPLYING = "applying", gettext_lazy("Applying")
    APPLIED = "applied", gettext_lazy("Applied")
    FAILED = "failed", gettext_lazy("Failed")


def upload_path(folder: str, run: Any, filename: str) -> str:
    """Where an upload's file is kept: a folder per kind and ecosystem, a random one per file."""
    return f"{folder}/{run.ecosystem.slug}/{uuid.uuid4().hex}/{filename}"


class Upload(models.Model):
    """What every uploaded file is: who uploaded it, as what, its status and report, who
    applied it. A kind of upload adds its `ecosystem` (with its own related name), `format`
    (its own choices) and `file` (its own folder, `upload_path`), and derives from
    `TimeStamped` too: `is_interrupted` reads `updated_at`."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("uploaded by"),
    )
    original_filename = models.CharField(gettext_lazy("file name"), max_length=255)
    status = models.CharField(
        gettext_lazy("status"),
        max_length=20,
        choices=UploadStatus.choices,
        default=UploadStatus.CHECKED,
    )
    # {"problems": [{"where", "field", "message"}], "counts": {...}, ...what the kind adds}
    report = models.JSONField(gettext_lazy("report"), default=dict, blank=True)
    applied_at = models.DateTimeField(gettext_lazy("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("applied by"),
    )

    if TYPE_CHECKING:  # declared by each kind of upload (see above)
        ecosystem: Any
        file: Any
        updated_at: datetime

        def get_status_display(self) -> str: ...

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (UploadStatus.APPLIED, UploadStatus.FAILED)

    @property
    def can_apply(self) -> bool:
        return self.status == UploadStatus.CHECKED

    @property
    def is_interrupted(self) -> bool:
        """Still applying long after any apply ends: its task was lost (retry or discard it)."""
        return is_stale(self.status, self.updated_at)

    @property
    def problems(self) -> list[Problem]:
        return [Problem(**problem) for problem in self.report.get("problems", [])]


U = TypeVar("U", bound=Upload)


class NotApplicableError(DomainError):
    """The upload is not a checked one waiting to be applied (or queued to be)."""


def actor(user: Any) -> Any:
    """The user to record, or None for the command line and the demo (no signed-in person)."""
    return user if getattr(user, "pk", None) else None


def _user_id(user: Any) -> int | None:
    return user.pk if getattr(user, "pk", None) else None


def store(run: U, upload: IO[bytes] | File[Any], filename: str) -> U:
    """Keep the uploaded file as received, with the upload (`run`, not saved yet)."""
    run.file.save(filename, upload if isinstance(upload, File) else File(upload), save=False)
    run.save()
    return run


def record_check(run: U, report: dict[str, Any], *, has_problems: bool) -> U:
    """Keep what checking the file found; nothing else is written."""
    run.report = report
    run.status = UploadStatus.HAS_PROBLEMS if has_problems else UploadStatus.CHECKED
    run.save(update_fields=["report", "status", "updated_at"])
    return run


def queue(run: U, user: Any, task: Task[[int, int | None], str]) -> U:
    """Queue a checked upload to be applied by its task. It is `applying` until the task is
    done; with the immediate task backend (the demo, the tests) it is applied at once."""
    with transaction.atomic():
        locked = type(run)._default_manager.select_for_update().get(pk=run.pk)
        if locked.status != UploadStatus.CHECKED:
            raise DomainError(_("This import has problems or is already applied."))
        locked.status = UploadStatus.APPLYING
        locked.save(update_fields=["status", "updated_at"])
    task.enqueue(run.pk, _user_id(user))
    run.refresh_from_db()
    return run


def apply(run: U, user: Any, write: Callable[[U, Any], None]) -> U:
    """Apply an upload: `write(locked, user)` re-reads the kept file, checks it again and
    writes it, setting the upload's report and status (`applied`, or `has_problems` when the
    check found something new), all in one transaction with the upload locked, so one apply at
    a time sees its status.

    NotApplicableError when the upload is not checked or applying. Any other failure rolls the
    transaction back, is logged, and leaves the upload `failed` with the reason among its
    problems (unless another apply finished it meanwhile); then the error goes on up."""
    model = type(run)
    try:
        with transaction.atomic():
            locked = (
                model._default_manager.select_for_update()
                .select_related("ecosystem")
                .get(pk=run.pk)
            )
            if locked.status not in (UploadStatus.CHECKED, UploadStatus.APPLYING):
                raise NotApplicableError(_("This import has problems or is already applied."))
            write(locked, user)
            if locked.status == UploadStatus.APPLIED:
                locked.applied_at = locked.applied_at or timezone.now()
                locked.applied_by = actor(user)
            locked.save()
    except NotApplicableError:
        raise
    except Exception as error:
        logger.exception("%s %s failed", model.__name__, run.pk)
        message = (
            str(error)
            if isinstance(error, DomainError)
            else _("The import failed unexpectedly; nothing was changed.")
        )
        _fail(run, message)
        raise
    return locked


def _fail(run: Upload, message: str) -> None:
    report = (
        type(run)._default_manager.filter(pk=run.pk).values_list("report", flat=True).first() or {}
    )
    problem = Problem("", "", message)
    type(run)._default_manager.filter(
        pk=run.pk, status__in=(UploadStatus.CHECKED, UploadStatus.APPLYING)
    ).update(
        status=UploadStatus.FAILED,
        report={**report, "problems": [problem.__dict__]},
        updated_at=timezone.now(),
    )


def run_queued(
    model: type[U], run_id: int, user_id: int | None, apply_run: Callable[[U, Any], U]
) -> str:
    """The body of an upload's task: apply it if it is still queued; its final status ("gone"
    when it is not queued any more: applied by the retry that replaced this task, or
    discarded)."""
    run = model._default_manager.select_related("ecosystem").filter(pk=run_id).first()
    if run is None or run.status != UploadStatus.APPLYING:
        return "gone"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        return str(apply_run(run, user).status)
    except DomainError:
        run.refresh_from_db()
        return str(run.status)
    except Exception:  # logged, and recorded on the upload, by `apply`
        return str(UploadStatus.FAILED)


def _interrupted(run: U) -> U:
    locked = type(run)._default_manager.select_for_update().get(pk=run.pk)
    if not locked.is_interrupted:
        raise DomainError(
            _(
                "Only an import interrupted while it was being applied can be retried or "
                "discarded; this one is %(status)s."
            )
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def retry(run: U, user: Any, task: Task[[int, int | None], str]) -> U:
    """Apply an interrupted upload again. Safe: the interrupted apply was one transaction,
    rolled back with its task, and the upload's lock lets one apply at a time check its
    status."""
    with transaction.atomic():
        locked = _interrupted(run)
        locked.save(update_fields=["updated_at"])  # fresh again while the retry runs
    task.enqueue(run.pk, _user_id(user))
    run.refresh_from_db()
    return run


def discard(run: U) -> U:
    """Give up an interrupted upload: it is marked failed, with the reason among its problems."""
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
        locked.status = UploadStatus.FAILED
        locked.save(update_fields=["report", "status", "updated_at"])
    run.refresh_from_db()
    return run


# Pages ---------------------------------------------------------------------------------------


def cell_message(error: CellError) -> str:
    """What a cell that cannot be used says to the person, in their language: the shared
    parsers of `ecotone.cells` give an English msgid and its parameters, an app's own parser a
    message already translated (which the catalogue gives back as it is)."""
    message = translate(error.message)  # a msgid held in a variable: not for makemessages
    return message % error.params if error.params else message


def table_rows(
    path: Path,
    columns: Collection[str],
    required: Iterable[str],
    *,
    max_rows: int,
    max_bytes: int,
    problems: list[Problem],
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a kept CSV or XLSX file with a header row, for an import's dry run: each
    non-empty row as its number in the file and {column: cell text} of the `columns` it has.
    What is wrong with the file as a whole (unreadable, empty, a required column missing, more
    than `max_rows` rows) is added to `problems`, and no further row comes."""
    try:
        lines: Iterator[list[Any]] = tabular_files.rows(
            path, max_columns=len(columns) + 20, max_unpacked_bytes=max_bytes * 5
        )
        header = next(lines, None)
    except tabular_files.FileError as error:
        problems.append(Problem("", "", str(error)))
        return
    if header is None:
        problems.append(Problem("", "", _("The file is empty.")))
        return
    positions, missing = header_positions(header, required)
    if missing:
        problems.extend(
            Problem("row 1", name, _("This column is missing from the first row."))
            for name in missing
        )
        return
    count = 0
    try:
        for number, raw in enumerate(lines, start=2):
            cells = {
                name: cell_text(raw[i]) if i < len(raw) else ""
                for name, i in positions.items()
                if name in columns
            }
            if not any(cells.values()):
                continue
            count += 1
            if count > max_rows:
                problems.append(
                    Problem("", "", _("A file may hold up to %(n)d rows.") % {"n": max_rows})
                )
                return
            yield number, cells
    except tabular_files.FileError as error:
        problems.append(Problem("", "", str(error)))


def choice_names(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Each choice's code, English label and Spanish label, folded (`cells.fold`) -> its code:
    a cell may name a choice in either language, whatever its case or accents."""
    found: dict[str, str] = {}
    for code, label in choices:
        found[fold(code)] = code
        for language in ("en", "es"):
            with translation.override(language):
                found.setdefault(fold(str(label)), code)
    return found


def announce_apply(request: HttpRequest, status: str) -> None:
    """Tell the person what became of an import they applied, or applied again."""
    if status == UploadStatus.APPLIED:
        messages.success(request, _("The import is applied."))
    elif status == UploadStatus.APPLYING:
        messages.info(request, _("The import is being applied; this page updates itself."))
    else:
        messages.error(request, _("The import was not applied: see the problems below."))


def act_on_upload(
    request: HttpRequest,
    url: str,
    action: Callable[[], Any],
    *,
    unconfirmed: StrOrPromise,
    done: StrOrPromise | None = None,
) -> HttpResponse:
    """What the apply, retry and discard buttons of an import's page do: nothing unless the
    person ticked the confirm box (`unconfirmed` says so); else run `action` (the service) and
    say how it went, `done` or, when there is none, what became of the import; then back to the
    import's page (`url`)."""
    if request.POST.get("confirm") != "yes":
        messages.error(request, unconfirmed)
        return redirect(url)
    try:
        run = action()
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if done is not None:
            messages.success(request, done)
        else:
            announce_apply(request, run.status)
    return redirect(url)
