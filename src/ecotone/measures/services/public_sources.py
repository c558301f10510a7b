"""Public sources: published aggregate files imported for the whole ecosystem, beside the
partners' submissions (NCES CCD membership by race and sex, a state's Perkins CTE file).

The one upload lifecycle (`ecotone.uploads`): `check_public_file` stores the file as received
and checks it (a dry run: `measures.public_files`, every problem coded on its row and field,
as a partner's file); `apply_public_source` queues it and its task applies it: the kept file
is read and checked again and its values written in one transaction, whole or not at all, with
no organization and the source named on each value. They replace the ecosystem-wide values of
the same indicators and periods (an earlier file's).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.db.models import Q
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone import tabular_files, uploads
from ecotone.cells import fold
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.uploads import UploadStatus, actor

from .. import checks, public_files
from ..models import Indicator, Period, PublicFormat, PublicSource, Unit, Value
from .crosswalk import Resolver
from .facts import combos, write_values
from .submissions import MAX_BYTES, MAX_UNPACKED_BYTES, SUFFIXES, _problem

MAX_COLUMNS = 600  # a CCD school file has about 300
# The starter library's indicators a Perkins file's values are counted as.
PERKINS_INDICATORS = ("cte-concentrators", "nontraditional-concentrators")


def perkins_indicators(ecosystem: Ecosystem) -> tuple[Indicator, Indicator]:
    """The ecosystem's CTE concentrators and non-traditional concentrators indicators."""
    found = {
        i.starter_key or i.key: i
        for i in ecosystem.indicators.active().filter(
            Q(starter_key__in=PERKINS_INDICATORS) | Q(key__in=PERKINS_INDICATORS)
        )
    }
    if any(key not in found for key in PERKINS_INDICATORS):
        raise DomainError(
            _(
                "A Perkins file is counted as the starter library's “CTE concentrators” and "
                "“Non-traditional concentrators”: install the starter library first."
            )
        )
    return found[PERKINS_INDICATORS[0]], found[PERKINS_INDICATORS[1]]


def ccd_indicators(ecosystem: Ecosystem) -> Any:
    """The indicators a CCD file's membership may be counted as: counts broken down by sex and
    race (for example the students enrolled in the region's schools)."""
    return [
        i
        for i in ecosystem.indicators.active().filter(unit=Unit.COUNT)
        if {"sex", "race"} <= set(i.dimensions)
    ]


def _definition(indicator: Indicator) -> checks.IndicatorDef:
    return checks.IndicatorDef(indicator.key, indicator.unit, tuple(indicator.dimensions))


def _read(run: PublicSource) -> tuple[public_files.PublicFile | None, dict[str, Any]]:
    """(what the kept file holds, the report)."""
    ecosystem = run.ecosystem
    try:
        rows = tabular_files.rows(
            Path(run.file.path), max_columns=MAX_COLUMNS, max_unpacked_bytes=MAX_UNPACKED_BYTES
        )
        if run.format == PublicFormat.CCD_MEMBERSHIP:
            if run.indicator is None or run.period is None:
                raise DomainError(_("Choose the indicator and the school year."))
            found = public_files.read_ccd(
                rows, indicator=run.indicator.key, period=fold(run.period.label)
            )
        else:
            concentrators, nontraditional = perkins_indicators(ecosystem)
            found = public_files.read_perkins(
                rows,
                concentrators=_definition(concentrators),
                nontraditional=_definition(nontraditional),
                periods={fold(p.label) for p in ecosystem.periods.all()},
                resolve=Resolver(ecosystem).code,
            )
    except (tabular_files.FileError, DomainError) as error:
        return None, {"problems": [{"where": "", "field": "", "message": str(error)}]}
    if not found.read and not found.problems:
        found.problems.append(checks.no_rows())
    counts = {
        "rows": found.read,
        "values": len(found.rows),
        "left_out": found.left_out,
        "periods": len({r.period for r in found.rows}),
    }
    return found, {"problems": [_problem(p) for p in found.problems], "counts": counts}


def check_public_file(
    ecosystem: Ecosystem,
    format: str,
    upload: IO[bytes] | File[Any],
    *,
    user: Any,
    indicator: Indicator | None = None,
    period: Period | None = None,
) -> PublicSource:
    """Keep a public file and check it (a dry run: nothing else is written)."""
    if format not in PublicFormat.values:
        raise DomainError(_("Choose the file's format."))
    filename = Path(getattr(upload, "name", "") or "public.csv").name
    if Path(filename).suffix.lower() not in SUFFIXES:
        raise DomainError(
            _("Upload a CSV (.csv) or Excel (.xlsx) file; “%(name)s” is neither.")
            % {"name": filename}
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("Upload a file of at most %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    if format == PublicFormat.CCD_MEMBERSHIP:
        if indicator is None or indicator not in ccd_indicators(ecosystem):
            raise DomainError(
                _("Choose the count indicator, broken down by sex and race, the membership is.")
            )
        if period is None or period.ecosystem_id != ecosystem.pk:
            raise DomainError(_("Choose the school year of the file."))
    else:
        perkins_indicators(ecosystem)
        indicator = period = None
    run = PublicSource(
        ecosystem=ecosystem,
        format=format,
        indicator=indicator,
        period=period,
        created_by=actor(user),
        original_filename=filename[:200],
    )
    uploads.store(run, upload, filename[:200])
    return check_public_source(run)


def check_public_source(run: PublicSource) -> PublicSource:
    """Check the kept file again (after the crosswalk or the indicators changed)."""
    _found, report = _read(run)
    return uploads.record_check(run, report, has_problems=bool(report["problems"]))


def apply_public_source(run: PublicSource, *, user: Any) -> PublicSource:
    """Apply a checked file: queued to its task (at once with the immediate backend)."""
    return uploads.queue(run, user, apply_public_source_run)


def write_public_source(run: PublicSource, *, user: Any) -> PublicSource:
    """Re-read the kept file, check it again and write its values: all or none."""
    return uploads.apply(run, user, _write)


def _write(run: PublicSource, user: Any) -> None:
    found, report = _read(run)
    if found is None or report["problems"]:
        run.report = report
        run.status = UploadStatus.HAS_PROBLEMS
        return
    ecosystem = run.ecosystem
    indicators = {i.key: i for i in ecosystem.indicators.all()}
    periods = {fold(p.label): p for p in ecosystem.periods.all()}
    replaced = Q(pk__in=[])
    for key, period in {(r.indicator, r.period) for r in found.rows}:
        replaced |= Q(indicator=indicators[key], period=periods[period])
    replaced_count, _by_model = Value.objects.filter(
        replaced, ecosystem=ecosystem, organization=None
    ).delete()
    keyed = combos(r.parts for r in found.rows)
    written = write_values(
        (
            "ecosystem_id",
            "indicator_id",
            "indicator_version",
            "period_id",
            "combo_id",
            "value",
            "numerator",
            "denominator",
            "source_id",
        ),
        (
            (
                ecosystem.pk,
                indicators[r.indicator].pk,
                indicators[r.indicator].version,
                periods[r.period].pk,
                keyed[tuple(sorted(r.parts.items()))].pk,
                r.value,
                r.numerator,
                r.denominator,
                run.pk,
            )
            for r in found.rows
        ),
    )
    report["counts"] = {**report["counts"], "written": written, "replaced": replaced_count}
    run.report = report
    run.status = UploadStatus.APPLIED


@task()
def apply_public_source_run(run_id: int, user_id: int | None) -> str:
    """Apply a queued public file; returns its final status ("gone" if not queued)."""
    return uploads.run_queued(
        PublicSource, run_id, user_id, lambda run, user: write_public_source(run, user=user)
    )


def retry_public_source(run: PublicSource, *, user: Any) -> PublicSource:
    """Apply an interrupted file again (`uploads.retry`)."""
    return uploads.retry(run, user, apply_public_source_run)


def discard_public_source(run: PublicSource, *, user: Any) -> PublicSource:
    """Give up an interrupted file: it is marked failed, nothing was written."""
    return uploads.discard(run)
