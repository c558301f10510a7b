"""An ecosystem's rubrics: the shipped ones installed, others imported from JSON or CSV as new
draft versions, or edited on a page as a draft copied from the latest version; a draft
published (then frozen) or deleted, a version exported.

Only backbone admins and staff manage rubrics (`quality.manage_rubrics`); each operation checks
it, runs in one transaction naming the actor, and raises `DomainError` with a message a person
can read. The file is read whole and checked by `rubrics.from_json` / `from_csv` before
anything is written, so a refused file leaves nothing behind.
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translate

from ecotone import exports, tabular_files
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import rubrics
from ..models import Rubric, RubricVersion, VersionStatus

FORMATS = ("json", "csv")
MAX_FILE_BYTES = 2_000_000  # the two shipped rubrics are under 60 kB each
SHOWN_PROBLEMS = 10  # in the error's message; all of them are in `problems`


class RubricFileError(DomainError):
    """The file does not hold a rubric Ecotone can read: `problems` says where and why."""

    def __init__(
        self,
        problems: list[dict[str, str]],
        *,
        refused: str = "",
        found: list[rubrics.Problem] | None = None,
    ) -> None:
        self.problems = problems
        self.found = found or []  # as `rubrics` gave them: a page places each by its fields
        lines = [
            ", ".join(part for part in (p["where"], p["field"], p["message"]) if part)
            for p in problems[:SHOWN_PROBLEMS]
        ]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(_("… and %(count)s more.") % {"count": len(problems) - SHOWN_PROBLEMS})
        refused = refused or _("The rubric was not imported: %(problems)s")
        super().__init__(refused % {"problems": " ".join(lines)})


def describe(problem: rubrics.Problem) -> dict[str, str]:
    """A problem of `rubrics`, in the person's language."""
    message = translate(problem.message)  # a msgid held in a variable: not for makemessages
    if problem.params:
        message = message % problem.params
    where = _("row %(n)s") % {"n": problem.row} if problem.row else problem.where
    return {"where": where, "field": problem.field, "message": message}


def require_manager(actor: Any, ecosystem: Ecosystem) -> None:
    if not (actor is not None and actor.has_perm("quality.manage_rubrics", ecosystem)):
        raise DomainError(_("Only the backbone's admins and staff manage rubrics."))


def read(file: IO[bytes] | bytes | str, format: str) -> rubrics.Rubric:
    """The rubric in a JSON or CSV file (an uploaded file, bytes or text), or
    `RubricFileError` naming each problem's place, field and reason."""
    if format not in FORMATS:
        raise DomainError(_("A rubric is imported from a JSON or a CSV file."))
    data = file if isinstance(file, str | bytes) else file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(
            _("The file is larger than %(limit)s MB: a rubric is much smaller.")
            % {"limit": MAX_FILE_BYTES // 1_000_000}
        )
    try:
        if format == "csv":
            # the imports' one CSV reader: its encodings, and a cell a download guarded
            # against formulas ('=...) read back as written
            raw = data.encode() if isinstance(data, str) else data
            return rubrics.from_csv(tabular_files.csv_rows(raw))
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise DomainError(
                    _("The file is not UTF-8 text: save it as UTF-8 and import it again.")
                ) from None
        return rubrics.from_json(data)
    except tabular_files.FileError as error:
        raise DomainError(str(error)) from None
    except rubrics.RubricError as error:
        raise RubricFileError([describe(p) for p in error.problems]) from None


def _document(rubric: rubrics.Rubric) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(rubrics.to_json(rubric))
    return content


def _add_version(
    actor: Any,
    ecosystem: Ecosystem,
    rubric: rubrics.Rubric,
    *,
    publish: bool = False,
    only_new: bool = False,
) -> RubricVersion | None:
    """A new version of the ecosystem's rubric of this key (created when new), in the caller's
    transaction; with `only_new`, none when the ecosystem already has a rubric of that key."""
    record, created = Rubric.objects.get_or_create(
        ecosystem=ecosystem, key=rubric.key, defaults={"title": rubric.title}
    )
    if only_new and not created:
        return None
    record = Rubric.objects.select_for_update().get(pk=record.pk)  # numbers one at a time
    if record.archived_at is not None:
        raise DomainError(
            _("The rubric “%(title)s” is archived: it takes no new versions.")
            % {"title": record.title}
        )
    last = record.versions.aggregate(last=Max("number"))["last"] or 0
    version = RubricVersion(
        rubric=record, number=last + 1, content=_document(rubric), status=VersionStatus.DRAFT
    )
    if publish:
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor
        record.title = rubric.title
        record.save(update_fields=["title", "updated_at"])
    version.save()
    return version


def install_shipped_rubrics(actor: Any, ecosystem: Ecosystem) -> list[RubricVersion]:
    """Add each shipped rubric (`rubrics.shipped`) the ecosystem has no rubric of that key for,
    as a published version 1; rubrics installed or imported before are left alone. Returns
    the versions added (none when run again)."""
    require_manager(actor, ecosystem)
    added = []
    with acting(actor):
        for rubric in rubrics.shipped():
            # by get_or_create on the unique key: a concurrent install adds nothing twice
            version = _add_version(actor, ecosystem, rubric, publish=True, only_new=True)
            if version is not None:
                added.append(version)
    return added


def import_rubric(
    actor: Any,
    ecosystem: Ecosystem,
    file: IO[bytes] | bytes | str,
    format: str,
    *,
    into: Rubric | None = None,
) -> RubricVersion:
    """A new draft version of the rubric the file describes (by its key; a new rubric when the
    ecosystem has none of that key). The file is read and checked whole first: a refused file
    writes nothing, and the error names each problem's row or path, field and reason. With
    `into`, the file must be a version of that rubric (the same key)."""
    require_manager(actor, ecosystem)
    rubric = read(file, format)
    if into is not None and (into.ecosystem_id != ecosystem.pk or into.key != rubric.key):
        raise DomainError(
            _(
                "The file holds the rubric “%(key)s”, not a version of “%(title)s” "
                "(key “%(expected)s”): choose that rubric, or none for a new one."
            )
            % {"key": rubric.key, "title": into.title, "expected": into.key}
        )
    with acting(actor):
        version = _add_version(actor, ecosystem, rubric)
    assert version is not None
    return version


def publish_version(actor: Any, version: RubricVersion) -> RubricVersion:
    """Publish a draft: from now on it is frozen, and the rubric takes its title."""
    ecosystem = version.rubric.ecosystem
    require_manager(actor, ecosystem)
    with acting(actor):
        locked = (
            RubricVersion.objects.select_for_update().select_related("rubric").get(pk=version.pk)
        )
        if locked.is_published:
            raise DomainError(
                _("Version %(number)s is already published; it cannot change.")
                % {"number": locked.number}
            )
        try:
            content = rubrics.from_json(locked.content)
        except rubrics.RubricError as error:
            raise RubricFileError([describe(p) for p in error.problems]) from None
        locked.status = VersionStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.save()
        locked.rubric.title = content.title
        locked.rubric.save(update_fields=["title", "updated_at"])
    return locked


def export_version(version: RubricVersion, format: str) -> str:
    """The version as a JSON document or CSV text, the formats `import_rubric` reads."""
    if format not in FORMATS:
        raise DomainError(_("A rubric is exported as JSON or as CSV."))
    rubric = rubrics.from_json(version.content)
    if format == "json":
        return rubrics.to_json(rubric)
    # the downloads' one CSV writer: a text a spreadsheet would run as a formula is guarded
    return "".join(exports.csv_stream(rubrics.COLUMNS, rubrics.csv_rows(rubric)))


def _draft_of(rubric: Rubric) -> RubricVersion | None:
    return rubric.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()


def new_draft(actor: Any, rubric: Rubric) -> RubricVersion:
    """A new draft version of the rubric, a copy of its latest version, to edit on the page.
    Refused while the rubric has a draft: that one is edited (or deleted) instead, so two
    drafts never compete to be published."""
    require_manager(actor, rubric.ecosystem)
    with acting(actor):
        locked = Rubric.objects.select_for_update().get(pk=rubric.pk)  # one new draft at a time
        draft = _draft_of(locked)
        if draft is not None:
            raise DomainError(
                _(
                    "Version %(number)s of “%(title)s” is a draft already: edit that one, or "
                    "delete it first."
                )
                % {"number": draft.number, "title": locked.title}
            )
        latest = locked.versions.order_by("-number").first()
        if latest is None:
            raise DomainError(_("This rubric has no version to copy: import one."))
        version = _add_version(actor, locked.ecosystem, rubrics.from_json(latest.content))
    assert version is not None
    return version


def save_draft(actor: Any, version: RubricVersion, document: Any) -> RubricVersion:
    """Replace a draft's content by `document` (a rubric JSON document), checked exactly as an
    imported file is: refused whole with `RubricFileError` naming each problem's path and
    field. A draft keeps its rubric's key."""
    require_manager(actor, version.rubric.ecosystem)
    with acting(actor):
        locked = (
            RubricVersion.objects.select_for_update().select_related("rubric").get(pk=version.pk)
        )
        if locked.is_published:
            raise DomainError(
                _(
                    "Version %(number)s is published: it is frozen. Edit the rubric as a new "
                    "draft instead."
                )
                % {"number": locked.number}
            )
        try:
            rubric = rubrics.from_json(document)
        except rubrics.RubricError as error:
            raise RubricFileError(
                [describe(p) for p in error.problems],
                refused=_("The draft was not saved: %(problems)s"),
                found=error.problems,
            ) from None
        if rubric.key != locked.rubric.key:
            raise DomainError(
                _("The key of the rubric “%(title)s” is “%(key)s”: it cannot change.")
                % {"title": locked.rubric.title, "key": locked.rubric.key}
            )
        locked.content = _document(rubric)
        locked.save(update_fields=["content", "updated_at"])
    return locked


def delete_draft(actor: Any, version: RubricVersion) -> None:
    """Delete a draft version; a published one is kept forever."""
    require_manager(actor, version.rubric.ecosystem)
    with acting(actor):
        locked = RubricVersion.objects.select_for_update().get(pk=version.pk)
        if locked.is_published:
            raise DomainError(
                _("Version %(number)s is published: it is kept, and cannot be deleted.")
                % {"number": locked.number}
            )
        locked.delete()
