"""Partners' submissions: a file of values kept as received, checked, submitted, then approved
(its values become the partner's current ones) or returned with comments.

The file goes through the one upload lifecycle (`ecotone.uploads`): `check_submission_file`
stores and checks it (the dry run, `measures.checks`, every problem coded on its row and
field); `submit_submission` hands a checked one to the backbone; `approve_submission` queues
it, and its task applies it: the kept file is read and checked again and its values written in
one transaction, whole or not at all, replacing the partner's earlier values of the same
indicators and periods (the earlier submission is then superseded; it keeps its file and its
report). `return_submission` sends it back with comments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translate
from django_tasks import task

from ecotone import tabular_files, uploads
from ecotone.cells import cell_text, fold
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError
from ecotone.uploads import UploadStatus, actor

from .. import checks, codes, notifications
from ..models import DataCollection, Indicator, Period, Review, Submission, Value
from . import agreements, facts
from .crosswalk import Resolver, dynamic_codes

SUFFIXES = (".csv", ".xlsx")
MAX_BYTES = 100 << 20  # a million rows of values in CSV: about 60 MB
MAX_UNPACKED_BYTES = 200 << 20
MAX_COLUMNS = len(checks.COLUMNS) + 10


@dataclass
class Context:
    """What a file is checked against: the ecosystem's published indicators and periods, the
    partner's crosswalk and agreement."""

    indicators: dict[str, Indicator]
    periods: dict[str, Period]
    resolver: Resolver
    allowed: set[str] | None
    collection: checks.CollectionScope | None = None

    @classmethod
    def of(
        cls,
        ecosystem: Ecosystem,
        organization: Organization,
        collection: DataCollection | None = None,
    ) -> Context:
        scope = None
        if collection is not None:
            scope = checks.CollectionScope(
                frozenset(collection.indicators.values_list("key", flat=True)),
                frozenset(
                    fold(label) for label in collection.periods.values_list("label", flat=True)
                ),
            )
        return cls(
            indicators={i.key: i for i in ecosystem.indicators.published()},
            periods={fold(p.label): p for p in ecosystem.periods.all()},
            resolver=Resolver(ecosystem, organization),
            allowed=agreements.covered(organization),
            collection=scope,
        )

    def definitions(self) -> dict[str, checks.IndicatorDef]:
        return {
            key: checks.IndicatorDef(key, i.unit, tuple(i.dimensions))
            for key, i in self.indicators.items()
        }


def _table(path: Path) -> tuple[list[str], Iterator[list[Any]]]:
    """The file's header (its columns' names) and its other rows, read as they are needed."""
    found = tabular_files.rows(path, max_columns=MAX_COLUMNS, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    first = next(found, None)
    if first is None:
        raise tabular_files.FileError(_("The file is empty: start from the template."))
    return [cell_text(c).casefold() for c in first], found


def _problem(problem: checks.CodedProblem) -> dict[str, str]:
    message = translate(problem.message)  # a msgid held in a variable: not for makemessages
    if problem.params:
        message = message % problem.params
    return {
        "where": _("row %(n)s") % {"n": problem.row} if problem.row else "",
        "field": problem.field,
        "message": message,
        "code": problem.code,
    }


def _check(
    run: Submission, context: Context, sink: Callable[[checks.CheckedRow], object]
) -> tuple[checks.CheckResult | None, dict[str, Any]]:
    """(the result, the report) of checking the kept file; each row that reads goes to `sink`
    as it is read."""
    try:
        header, rows = _table(Path(run.file.path))
        result = checks.check_table(
            header,
            rows,
            indicators=context.definitions(),
            periods=context.periods,
            resolve=context.resolver.code,
            allowed_indicators=context.allowed,
            collection=context.collection,
            sink=sink,
        )
    except tabular_files.FileError as error:
        return None, {"problems": [{"where": "", "field": "", "message": str(error)}]}
    counts = {
        "rows": result.count,
        "indicators": len({indicator for indicator, _period in result.cells}),
        "periods": len({period for _indicator, period in result.cells}),
    }
    # Which indicator and period each row was for: the collection's progress grid reads it.
    cells = sorted(
        (indicator, context.periods[period].pk)
        for indicator, period in result.cells
        if period in context.periods
    )
    return result, {
        "problems": [_problem(p) for p in result.problems],
        "counts": counts,
        "cells": [list(cell) for cell in cells],
    }


def _ignore(row: checks.CheckedRow) -> None:
    """The dry run keeps nothing of the rows that read."""


def check_submission_file(
    organization: Organization,
    upload: IO[bytes] | File[Any],
    *,
    user: Any,
    collection: DataCollection | None = None,
) -> Submission:
    """Keep the partner's file and check it (a dry run: nothing else is written); when it
    answers `collection`, rows outside what the collection asks for are problems."""
    filename = Path(getattr(upload, "name", "") or "values.csv").name
    if Path(filename).suffix.lower() not in SUFFIXES:
        raise DomainError(
            _("Upload a CSV (.csv) or Excel (.xlsx) file; “%(name)s” is neither.")
            % {"name": filename}
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("Upload a file of at most %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    if collection is not None:
        _require_answerable(collection, organization)
    run = Submission(
        ecosystem=organization.ecosystem,
        organization=organization,
        collection=collection,
        created_by=actor(user),
        original_filename=filename[:200],
    )
    uploads.store(run, upload, filename[:200])
    return check_submission(run)


def _require_answerable(collection: DataCollection, organization: Organization) -> None:
    if collection.ecosystem_id != organization.ecosystem_id or not (
        collection.organizations.filter(pk=organization.pk).exists()
    ):
        raise DomainError(_("This collection does not ask this partner for values."))
    if not collection.is_open:
        raise DomainError(_("This collection is closed: upload the file without naming it."))


def check_submission(run: Submission) -> Submission:
    """Check the kept file again (after the crosswalk or the indicators changed)."""
    context = Context.of(run.ecosystem, run.organization, run.collection)
    _result, report = _check(run, context, _ignore)
    return uploads.record_check(run, report, has_problems=bool(report["problems"]))


def submit_submission(run: Submission, *, user: Any) -> Submission:
    """The partner hands a checked file to the backbone for review."""
    if run.review != Review.DRAFT:
        raise DomainError(_("This file is already submitted."))
    if run.status != UploadStatus.CHECKED:
        raise DomainError(_("Fix the problems and upload the file again before submitting it."))
    with acting(user):
        run.review = Review.SUBMITTED
        run.submitted_at = timezone.now()
        run.submitted_by = actor(user)
        run.save(update_fields=["review", "submitted_at", "submitted_by", "updated_at"])
        notifications.submission_arrived(run)
    return run


def _require_submitted(run: Submission) -> None:
    if run.review != Review.SUBMITTED:
        raise DomainError(
            _(
                "Only a submitted file waiting for review can be approved or returned; this one "
                "is %(review)s."
            )
            % {"review": run.get_review_display().lower()}
        )


def approve_submission(run: Submission, *, user: Any) -> Submission:
    """Approve a submitted file: it is applied by its task (at once with the immediate
    backend); its values become the partner's current ones."""
    _require_submitted(run)
    return uploads.queue(run, user, apply_submission_run)


def return_submission(run: Submission, *, user: Any, comment: str) -> Submission:
    """Send a submitted file back to the partner with what to change."""
    _require_submitted(run)
    comment = comment.strip()
    if not comment:
        raise DomainError(_("Say what the partner should change."))
    with acting(user):
        run.review = Review.RETURNED
        run.review_comment = comment
        run.reviewed_at = timezone.now()
        run.reviewed_by = actor(user)
        run.save(
            update_fields=["review", "review_comment", "reviewed_at", "reviewed_by", "updated_at"]
        )
        notifications.submission_reviewed(run)
    return run


def apply_submission(run: Submission, *, user: Any) -> Submission:
    """Re-read the kept file, check it again and write its values: all or none."""
    return uploads.apply(run, user, _write)


def _write(run: Submission, user: Any) -> None:
    context = Context.of(run.ecosystem, run.organization, run.collection)
    keys = {key: (i.pk, i.version) for key, i in context.indicators.items()}
    period_ids = {key: period.pk for key, period in context.periods.items()}
    with facts.staging() as stage:

        def stage_row(row: checks.CheckedRow) -> None:
            stage.add(
                *keys[row.indicator],
                period_ids[row.period],
                row.parts,
                row.value,
                row.numerator,
                row.denominator,
            )

        result, report = _check(run, context, stage_row)
        stage.close()
        if result is None or report["problems"]:
            run.report = report
            run.status = UploadStatus.HAS_PROBLEMS
            return
        replaced = Q()
        for indicator_key, period_key in result.cells:
            replaced |= Q(
                indicator=context.indicators[indicator_key], period=context.periods[period_key]
            )
        # the submissions whose values are replaced: a few ids, not one per value
        earlier = set(
            Value.objects.filter(replaced, organization=run.organization)
            .exclude(submission=None)
            .values_list("submission_id", flat=True)
            .distinct()
        )
        replaced_count, _by_model = Value.objects.filter(
            replaced, organization=run.organization
        ).delete()
        written = stage.move(
            ecosystem_id=run.ecosystem_id, organization_id=run.organization_id, submission_id=run.pk
        )
    now = timezone.now()
    with acting(user):
        for old in Submission.objects.filter(pk__in=earlier, review=Review.APPROVED):
            if not old.values.exists():
                old.review = Review.SUPERSEDED
                old.superseded_by = run
                old.save(update_fields=["review", "superseded_by", "updated_at"])
    report["counts"] = {**report["counts"], "written": written, "replaced": replaced_count}
    run.report = report
    run.status = UploadStatus.APPLIED
    run.review = Review.APPROVED
    run.reviewed_at = now
    run.reviewed_by = actor(user)
    run.applied_at = now
    notifications.submission_reviewed(run)


@task()
def apply_submission_run(run_id: int, user_id: int | None) -> str:
    """Apply an approved submission; returns its final status ("gone" if not queued)."""
    return uploads.run_queued(
        Submission, run_id, user_id, lambda run, user: apply_submission(run, user=user)
    )


def retry_submission(run: Submission, *, user: Any) -> Submission:
    """Apply an interrupted approval again (`uploads.retry`)."""
    return uploads.retry(run, user, apply_submission_run)


def discard_submission(run: Submission, *, user: Any) -> Submission:
    """Give up an interrupted approval: the file is marked failed, nothing was written."""
    return uploads.discard(run)


def record_codes(ecosystem: Ecosystem, organization: Organization) -> dict[str, list[str]]:
    """The codes of the dynamic dimensions this partner reports in: its programs' short names,
    the ecosystem's areas' identifiers."""
    return {
        dimension: sorted(set(dynamic_codes(dimension, ecosystem, organization).values()))
        for dimension in codes.DYNAMIC
    }


def breakdown_rows(
    indicator: Indicator, records: dict[str, list[str]] | None = None
) -> list[dict[str, str]]:
    """The combinations of codes a partner reports an indicator for: the total ({}) and one
    per code of each dimension it is broken down by (the template's rows, the web form's);
    `records`: the codes of the dynamic dimensions (`record_codes`)."""
    combos: list[dict[str, str]] = [{}]
    for dimension in indicator.dimensions:
        if dimension in codes.DYNAMIC:
            combos += [{dimension: code} for code in (records or {}).get(dimension, [])]
        elif dimension in codes.OPTION_SETS:
            combos += [{dimension: c.code} for c in codes.OPTION_SETS[dimension].codes]
    return combos


def template_rows(
    ecosystem: Ecosystem, organization: Organization, collection: DataCollection | None = None
) -> list[list[str]]:
    """The rows of a partner's template (after the header `checks.COLUMNS`): for each published
    indicator its current agreements cover, in the latest period of its type, the total and one
    row per code of each dimension it is broken down by, with the numbers left to fill. For a
    data collection: its indicators (still within the agreement) in each of its periods of the
    indicator's type."""
    scope = agreements.covered(organization)
    found = ecosystem.indicators.published().filter(key__in=scope).order_by("name", "pk")
    periods_of: dict[str, list[Period]] = {}
    if collection is None:
        for each in ecosystem.periods.order_by("start"):
            periods_of[each.type] = [each]
    else:
        found = found.filter(pk__in=collection.indicators.values("pk"))
        for each in collection.periods.order_by("start"):
            periods_of.setdefault(each.type, []).append(each)
    rows = []
    dynamic = any(d in codes.DYNAMIC for indicator in found for d in indicator.dimensions)
    records = record_codes(ecosystem, organization) if dynamic else {}
    for indicator in found:
        combos = breakdown_rows(indicator, records)
        for period in periods_of.get(indicator.period_type, []):
            for parts in combos:
                row = {checks.INDICATOR: indicator.key, checks.PERIOD: period.label, **parts}
                rows.append([row.get(column, "") for column in checks.COLUMNS])
    return rows
