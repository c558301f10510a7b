"""An analysis's runs: computed once and cached under a fingerprint of everything they were
computed from (settings, scenario, programs, areas, the suppression threshold), reused until one
of those changes. A small ecosystem's run is computed at once; a large one's is queued as the task
`compute_analysis_run`, its progress and stage saved as it goes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time as clock
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from ecotone.directory.models import (
    Language,
    Location,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    ServiceCapacity,
)
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from ..models import Analysis, AnalysisRun, AreaResult, PopulationArea, RunStatus, Scenario
from ..parameters import Parameters
from . import comparisons, stored
from .analyses import parameters_of
from .compute import RESULT_VERSION, compute
from .offers import clean_scenario_programs, hypothetical_offers
from .results import AREA_COLUMNS, AreaAccess, RunResult
from .wording import field_word, reasons

logger = logging.getLogger(__name__)

STAGES = {
    "queued": gettext_lazy("Waiting to start"),
    "loading": gettext_lazy("Reading programs and areas"),
    "reach": gettext_lazy("Finding the programs within reach"),
    "access": gettext_lazy("Sharing seats among the areas in reach"),
    "nearest": gettext_lazy("Finding the nearest program"),
    "seats": gettext_lazy("Counting seats within reach"),
    "need": gettext_lazy("Weighing need"),
    "ranking": gettext_lazy("Finding deserts and ranking"),
    "saving": gettext_lazy("Saving the results"),
    "done": gettext_lazy("Done"),
    "failed": gettext_lazy("Failed"),
}


def sync_max_areas() -> int:
    """Ecosystems with fewer areas than this are analysed at once; larger ones in a task."""
    return int(settings.ATLAS_SYNC_MAX_AREAS)


def computes_at_once(ecosystem: Ecosystem) -> bool:
    """Whether the ecosystem's runs and previews are computed in the request (fewer areas than
    ATLAS_SYNC_MAX_AREAS) rather than queued as `compute_analysis_run`."""
    return PopulationArea.objects.filter(ecosystem=ecosystem).count() < sync_max_areas()


def stage_label(run: AnalysisRun) -> str:
    return str(STAGES.get(run.stage, run.stage))


STATE_SOURCES = (
    Program,
    Location,
    ProgramLocation,
    Schedule,
    ProgramAttribute,
    Language,
    ServiceCapacity,
    PopulationArea,
)
_STATE_GENERATION = "atlas:state-generation"


def state_cache_seconds() -> float:
    """How long `ecosystem_state` is kept in the cache (ATLAS_STATE_CACHE_SECONDS, default 60;
    0 asks the database every time)."""
    return float(settings.ATLAS_STATE_CACHE_SECONDS)


def forget_states(**_kwargs: Any) -> None:
    """Any saved or deleted row of STATE_SOURCES makes every cached state old (signals in
    apps.py); so does its commit, when a request between saw the state before it."""

    def bump() -> None:
        try:
            cache.incr(_STATE_GENERATION)
        except ValueError:
            cache.set(_STATE_GENERATION, 1, None)

    bump()
    transaction.on_commit(bump)


def ecosystem_state(ecosystem: Ecosystem) -> dict[str, Any]:
    """What a run depends on in the ecosystem: per table, how many rows and the latest change.
    Any edit (a program, a location, a schedule, a term, an area) moves it.

    At national scale the query counts millions of rows (about 0.4 s on a quiet machine) and
    every atlas page, map layer and API read asks it, so it is cached for
    `state_cache_seconds()`; a save or delete through the ORM forgets it at once (signals), so
    only writes that bypass them (bulk updates, raw SQL, another process with a cache of its
    own) are seen up to that many seconds late."""
    seconds = state_cache_seconds()
    if seconds <= 0:
        return _ecosystem_state(ecosystem)
    key = f"atlas:state:{ecosystem.pk}:{cache.get(_STATE_GENERATION, 0)}"
    state = cache.get(key)
    if state is None:
        state = _ecosystem_state(ecosystem)
        cache.set(key, state, seconds)
    return state


def _ecosystem_state(ecosystem: Ecosystem) -> dict[str, Any]:
    sources: dict[str, tuple[type[Any], str, bool]] = {
        "programs": (Program, "ecosystem", True),
        "locations": (Location, "ecosystem", True),
        "program_locations": (ProgramLocation, "program__ecosystem", False),
        "schedules": (Schedule, "program__ecosystem", True),
        "attributes": (ProgramAttribute, "program__ecosystem", False),
        "languages": (Language, "program__ecosystem", False),
        "capacities": (ServiceCapacity, "program__ecosystem", True),
        "areas": (PopulationArea, "ecosystem", True),
    }
    annotations: dict[str, Any] = {}
    for name, (model, path, stamped) in sources.items():
        rows = model.objects.filter(**{path: OuterRef("pk")}).order_by().values(path)
        annotations[f"{name}_n"] = Coalesce(
            Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), Value(0)
        )
        if stamped:
            annotations[f"{name}_at"] = Subquery(
                rows.annotate(at=Max("updated_at")).values("at")[:1]
            )
    row = Ecosystem.objects.filter(pk=ecosystem.pk).values(**annotations).get()
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in row.items()
    }


def fingerprint(
    analysis: Analysis,
    scenario: Scenario | None = None,
    *,
    programs: list[dict[str, Any]] | None = None,
) -> str:
    """The hash of everything a run is computed from (`programs`: a preview's)."""
    if scenario is not None:
        programs = scenario.programs
    seed = {
        "version": RESULT_VERSION,
        "parameters": parameters_of(analysis).to_dict(),
        "scenario": programs,
        "state": ecosystem_state(analysis.ecosystem),
        "suppression": analysis.ecosystem.suppression_threshold,
    }
    text = json.dumps(seed, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _runs(analysis: Analysis, scenario: Scenario | None) -> QuerySet[AnalysisRun]:
    # A run's result is read only where the whole of it is needed (`result_of`). Unsaved
    # previews are never the baseline nor a saved scenario's run.
    return (
        AnalysisRun.objects.filter(analysis=analysis, scenario=scenario, is_preview=False)
        .defer("result", "digest")
        .order_by("-created_at", "-pk")
    )


def is_current(run: AnalysisRun) -> bool:
    return run.fingerprint == fingerprint(run.analysis, run.scenario)


def latest_run(
    analysis: Analysis, scenario: Scenario | None = None, *, start: bool = True
) -> AnalysisRun:
    """The run for the current fingerprint: the cached one when there is one (done, queued,
    running, or failed — see `start_run` to try a failed one again); otherwise, with `start`, a
    new one, computed at once in a small ecosystem and queued as a task in a large one.

    With `start=False` and nothing current: the newest run of any fingerprint (stale), or an
    unsaved queued run when there has never been one.
    """
    current = fingerprint(analysis, scenario)
    run = _runs(analysis, scenario).filter(fingerprint=current).first()
    if run is not None and start and _abandoned(run):
        run = None  # its worker died: start again
    if run is None and not start:
        run = _runs(analysis, scenario).first() or AnalysisRun(fingerprint=current, stage="queued")
    if run is None:
        return start_run(analysis, scenario, fingerprint_=current)
    run.analysis, run.scenario = analysis, scenario  # already loaded by the caller
    return run


def _abandoned(run: AnalysisRun) -> bool:
    """A run queued or running for longer than ATLAS_RUN_TIMEOUT seconds (default an hour):
    its worker was stopped or lost; a national analysis takes well under a minute."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return False
    return timezone.now() - run.updated_at > _run_timeout()


def _run_timeout() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "ATLAS_RUN_TIMEOUT", 3600)))


def last_done_run(analysis: Analysis, scenario: Scenario | None = None) -> AnalysisRun | None:
    """The newest finished run, current or not: what a page shows while a new one computes."""
    run = _runs(analysis, scenario).filter(status=RunStatus.DONE).first()
    if run is not None:
        run.analysis, run.scenario = analysis, scenario
    return run


def start_run(
    analysis: Analysis, scenario: Scenario | None = None, *, fingerprint_: str | None = None
) -> AnalysisRun:
    """A new run: computed now when the ecosystem has fewer areas than ATLAS_SYNC_MAX_AREAS,
    else queued (`compute_analysis_run`), its progress and stage saved as it goes."""
    current = fingerprint_ or fingerprint(analysis, scenario)
    with transaction.atomic():
        # One run at a time per fingerprint: two people opening a stale atlas at once, or a
        # page polled while a worker computes, share the run in flight (the analysis row's
        # lock orders them on PostgreSQL; SQLite runs one writer at a time anyway).
        Analysis.objects.select_for_update().filter(pk=analysis.pk).first()
        in_flight = (
            _runs(analysis, scenario)
            .filter(fingerprint=current, status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
            .first()
        )
        if in_flight is not None and not _abandoned(in_flight):
            in_flight.analysis, in_flight.scenario = analysis, scenario
            return in_flight
        run = AnalysisRun.objects.create(
            analysis=analysis, scenario=scenario, fingerprint=current, stage="queued"
        )
    if computes_at_once(analysis.ecosystem):
        compute_run(run)
    else:
        _enqueue(run)
    return run


def _enqueue(run: AnalysisRun) -> None:
    # With the immediate backend (demo, tests) this computes now; else a worker picks it up.
    compute_analysis_run.enqueue(run.pk)
    run.refresh_from_db()


# How long a finished preview is kept: the person reads it, then previews again or saves.
PREVIEW_KEPT = timedelta(days=1)


def start_preview(analysis: Analysis, programs: list[dict[str, Any]], *, user: Any) -> AnalysisRun:
    """An unsaved preview of cleaned hypothetical `programs`, queued as `compute_analysis_run`
    (a large ecosystem's preview takes as long as its analysis): the programs are kept on the
    run, which only `user` may read (`preview_of`). The same programs asked again while the
    ecosystem is unchanged share the run. Starting one deletes the person's finished previews
    of the analysis and everyone's older than PREVIEW_KEPT."""
    current = fingerprint(analysis, programs=programs)
    mine = _previews(analysis).filter(requested_by=user)
    same = mine.filter(fingerprint=current).exclude(status=RunStatus.FAILED).first()
    if same is not None and not _abandoned(same):
        same.analysis = analysis
        return same
    settled = ~Q(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
    old = Q(updated_at__lt=timezone.now() - max(PREVIEW_KEPT, _run_timeout()))
    AnalysisRun.objects.filter(is_preview=True).filter(
        (Q(analysis=analysis, requested_by=user) & settled) | old
    ).delete()
    run = AnalysisRun.objects.create(
        analysis=analysis,
        is_preview=True,
        preview_programs=programs,
        requested_by=user,
        fingerprint=current,
        stage="queued",
    )
    _enqueue(run)
    run.analysis = analysis
    return run


def _previews(analysis: Analysis) -> QuerySet[AnalysisRun]:
    # A preview's digest is its comparison with today, a few kilobytes: read with the run.
    return (
        AnalysisRun.objects.filter(analysis=analysis, is_preview=True)
        .defer("result")
        .order_by("-created_at", "-pk")
    )


def preview_of(analysis: Analysis, run_id: int, user: Any) -> AnalysisRun | None:
    """The preview `run_id` of `analysis` when `user` asked for it; None for anyone else
    (backbone staff included: an unsaved preview is the person's own draft)."""
    if not getattr(user, "pk", None):
        return None
    run = _previews(analysis).filter(pk=run_id, requested_by=user).first()
    if run is not None:
        run.analysis = analysis
    return run


def compute_run(run: AnalysisRun) -> AnalysisRun:
    """Compute a queued run now, saving progress as it goes; a failure is recorded on the run."""
    started = clock.monotonic()
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.progress = 0
    run.stage = "loading"
    run.save(update_fields=["status", "started_at", "progress", "stage", "updated_at"])
    last = [-1]

    def on_progress(percent: int, stage: str) -> None:
        if percent != last[0]:
            last[0] = percent
            AnalysisRun.objects.filter(pk=run.pk).update(
                progress=percent, stage=stage, updated_at=timezone.now()
            )

    try:
        params = parameters_of(run.analysis)
        if run.is_preview:  # cleaned when it was asked for
            extra = hypothetical_offers(run.preview_programs)
        elif run.scenario is not None:
            extra = hypothetical_offers(clean_scenario_programs(run.scenario.programs))
        else:
            extra = []
        run.result = compute(run.analysis.ecosystem, params, extra, on_progress)
        ecosystem = run.analysis.ecosystem
        # Older results of the same analysis and scenario are superseded: keep the table small.
        superseded = (
            []
            if run.is_preview
            else list(
                _runs(run.analysis, run.scenario)
                .filter(created_at__lt=run.created_at)
                .exclude(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
                .values_list("pk", flat=True)
            )
        )
        # One transaction: the rows, the run done, the runs it supersedes gone (a page reads
        # the old run's rows until the new ones are there).
        with transaction.atomic():
            if not run.is_preview:  # a preview is compared whole, never listed or mapped
                result = result_from(run.result, ecosystem)
                run.digest = stored.store(run, result, ecosystem, replacing=superseded)
            _finish(run, started, RunStatus.DONE)
            AnalysisRun.objects.filter(pk__in=superseded).delete()
            if run.is_preview:
                _compare_preview(run)
    except Exception as error:
        logger.exception("Analysis run %s failed", run.pk)
        run.digest = None
        run.error = (
            str(error)
            if isinstance(error, DomainError)
            else _(
                "The analysis failed unexpectedly. Try again, or tell the people who run this site."
            )
        )
        _finish(run, started, RunStatus.FAILED)
    return run


def _compare_preview(run: AnalysisRun) -> None:
    """Keep on a finished preview its comparison with today's run when that is done and
    current, so that its page reads it rather than both whole results (`preview_comparison`
    compares them on the first read otherwise)."""
    analysis = run.analysis
    baseline = (
        _runs(analysis, None).filter(fingerprint=fingerprint(analysis), status=RunStatus.DONE)
    ).first()
    if baseline is not None:
        baseline.analysis, baseline.scenario = analysis, None
        store_comparison(run, baseline)


def store_comparison(run: AnalysisRun, baseline_run: AnalysisRun) -> dict[str, Any]:
    """Compare a finished preview with today's finished run, whole, and keep the comparison on
    the preview (`comparisons.digest`). Returns it."""
    kept = comparisons.digest(run, result_of(run), baseline_run, result_of(baseline_run))
    run.digest = kept
    AnalysisRun.objects.filter(pk=run.pk).update(digest=kept)
    return kept


def _finish(run: AnalysisRun, started: float, status: str) -> None:
    run.status = status
    if status == RunStatus.DONE:
        run.progress = 100
        run.stage = "done"
    else:
        run.stage = "failed"
    run.finished_at = timezone.now()
    run.seconds = round(clock.monotonic() - started, 3)
    run.save()


@task()
def compute_analysis_run(run_id: int) -> str:
    """Compute a queued analysis run, saving its progress and stage as it goes; returns the
    run's final status ("gone" when it was deleted meanwhile)."""
    run = (
        AnalysisRun.objects.select_related("analysis__ecosystem", "scenario")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        return "gone"
    if run.status != RunStatus.QUEUED:
        return str(run.status)
    return str(compute_run(run).status)


def result_of(run: AnalysisRun) -> RunResult:
    """A finished run's result, typed, with each priority area's reasons in the reader's
    language. DomainError when the run has no result (queued, running or failed)."""
    if run.status != RunStatus.DONE or not run.result:
        raise DomainError(_("This analysis has no result yet."))
    return result_from(run.result, run.analysis.ecosystem)


def result_from(data: dict[str, Any], ecosystem: Ecosystem) -> RunResult:
    """A run's stored JSON, typed, with each priority area's reasons in the reader's language."""
    params = Parameters.from_dict(data["parameters"])
    columns = data["areas"]
    areas = [
        AreaAccess(**dict(zip(AREA_COLUMNS, values, strict=True)))
        for values in zip(*(columns[name] for name in AREA_COLUMNS), strict=True)
    ]
    result = RunResult(
        summary=data["summary"], areas=areas, parameters=params, field_word=field_word(params)
    )
    _explain(result, result.areas, ecosystem)
    return result


def _explain(result: RunResult, areas: list[AreaAccess], ecosystem: Ecosystem) -> None:
    """Let each priority area among `areas` say why, in the reader's language, when read."""
    language = translation.get_language()

    def explain(area: AreaAccess) -> str:
        with translation.override(language):
            return reasons(area, result, ecosystem)

    for area in areas:
        if area.rank is not None:
            area.explain = explain


def digest_of(run: AnalysisRun) -> dict[str, Any]:
    """A finished run's published figures over all its areas (`stored.digest`), its rows
    stored first when the run was finished before rows were (read once from its result)."""
    if run.status != RunStatus.DONE:
        raise DomainError(_("This analysis has no result yet."))
    if run.digest is None:
        ecosystem = run.analysis.ecosystem
        run.digest = stored.store(run, result_of(run), ecosystem)
        AnalysisRun.objects.filter(pk=run.pk).update(digest=run.digest)
    return run.digest


def area_results(run: AnalysisRun) -> QuerySet[AreaResult]:
    """A finished run's stored rows (`digest_of` first: they exist after it)."""
    digest_of(run)
    return AreaResult.objects.filter(run=run)


def stored_areas(run: AnalysisRun, rows: Iterable[AreaResult]) -> list[AreaAccess]:
    """Stored rows of a finished run as its areas, each priority able to say why."""
    data = digest_of(run)
    params = Parameters.from_dict(data["parameters"])
    result = RunResult(
        summary=data["summary"], areas=[], parameters=params, field_word=field_word(params)
    )
    areas = [stored.area_of(row) for row in rows]
    _explain(result, areas, run.analysis.ecosystem)
    return areas
