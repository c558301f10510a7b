"""Scenarios: hypothetical programs added to an analysis, saved, compared with today, or
previewed without saving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import Analysis, AnalysisRun, RunStatus, Scenario
from ..parameters import Parameters
from . import publish, runs
from .analyses import InvalidInputError, clean_name, parameters_of
from .compute import compute
from .offers import clean_scenario_programs, hypothetical_offers
from .results import AREA_COLUMNS, AreaAccess, RunResult
from .runs import latest_run, result_from, result_of


def scenarios(analysis: Analysis) -> QuerySet[Scenario]:
    return Scenario.objects.filter(analysis=analysis).order_by("name", "pk")


def save_scenario(
    analysis: Analysis,
    *,
    user: Any,
    name: str,
    description: str = "",
    programs: Any,
    scenario: Scenario | None = None,
    expected_version: str | None = None,
) -> Scenario:
    """Save a new scenario, or change `scenario`; InvalidInputError names each bad field. A
    stale `expected_version` (someone else saved the scenario meanwhile) raises
    `EditConflictError`."""
    errors: dict[str, list[str]] = {}
    try:
        name = clean_name(name)
    except InvalidInputError as error:
        errors.update(error.errors)
    try:
        cleaned = clean_scenario_programs(programs)
    except InvalidInputError as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInputError(errors)
    if scenario is not None and scenario.analysis_id != analysis.pk:
        raise DomainError(_("This scenario belongs to another analysis."))
    with acting(user):
        if scenario is None:
            scenario = Scenario(
                analysis=analysis, created_by=user if getattr(user, "pk", None) else None
            )
        else:
            concurrency.require(expected_version, concurrency.locked_version(scenario))
        scenario.name = name
        scenario.description = (description or "").strip()
        scenario.programs = cleaned
        scenario.save()
    return scenario


def delete_scenario(scenario: Scenario, *, user: Any) -> None:
    with acting(user):
        scenario.delete()


@dataclass
class ScenarioComparison:
    """One scenario against the baseline. `result` is None while its run is not done; read
    from a preview's stored comparison (`stored_comparison`), it holds the summary and no
    areas, and `rounded` and `published_summary` what publishing said over all of them."""

    name: str
    scenario: Scenario | None
    run: AnalysisRun | None
    result: RunResult | None
    deltas: dict[str, float | None] = field(default_factory=dict)
    no_longer_deserts: list[AreaAccess] = field(default_factory=list)
    new_deserts: list[AreaAccess] = field(default_factory=list)
    youth_newly_in_reach: int = 0
    areas_newly_in_reach: int = 0
    rounded: bool | None = None
    published: dict[str, Any] | None = None

    @property
    def ready(self) -> bool:
        return self.result is not None

    def figures(self, ecosystem: Ecosystem) -> publish.Figures:
        """The scenario's figures as they may be published (totals rounded as they are over
        all its areas)."""
        areas = self.result.areas if self.result is not None else []
        return publish.Figures(areas, ecosystem, rounded=self.rounded)

    def published_summary(self, ecosystem: Ecosystem) -> dict[str, Any] | None:
        if self.result is None:
            return None
        if self.published is not None:
            return self.published
        return self.figures(ecosystem).summary(self.result.summary)


@dataclass
class Comparison:
    baseline_run: AnalysisRun
    baseline: RunResult | None
    columns: list[ScenarioComparison]

    @property
    def ready(self) -> bool:
        # `baseline` stays None when a preview is read from its stored comparison.
        return self.baseline_run.status == RunStatus.DONE and all(c.ready for c in self.columns)


DELTA_KEYS = (
    "deserts",
    "youth_in_deserts",
    "youth_with_program_in_reach",
    "share_with_program_in_reach",
    "median_seats_per_1000",
    "seats",
    "sites",
    "virtual_programs",
)


def _against(
    baseline: RunResult, result: RunResult, comparison: ScenarioComparison
) -> ScenarioComparison:
    comparison.result = result
    for key in DELTA_KEYS:
        before, after = baseline.summary.get(key), result.summary.get(key)
        comparison.deltas[key] = (
            round(after - before, 4) if before is not None and after is not None else None
        )
    before_areas = baseline.by_id()
    for area in result.areas:
        old = before_areas.get(area.id)
        if old is None:
            continue
        if old.is_desert and not area.is_desert:
            comparison.no_longer_deserts.append(area)
        elif area.is_desert and not old.is_desert:
            comparison.new_deserts.append(area)
        if not old.has_program_in_reach and area.has_program_in_reach:
            comparison.youth_newly_in_reach += area.youth
            comparison.areas_newly_in_reach += 1
    comparison.no_longer_deserts.sort(key=lambda a: before_areas[a.id].rank or 0)
    return comparison


def compare(analysis: Analysis, scenarios: Sequence[Scenario | None]) -> Comparison:
    """Each scenario (None: the baseline itself) against the analysis's baseline: summary
    deltas, areas that stop being deserts, young people newly with a program in reach.

    Runs that are not done yet (large ecosystems) leave their column's result None: the page
    polls and asks again.
    """
    baseline_run = latest_run(analysis)
    baseline = result_of(baseline_run) if baseline_run.status == RunStatus.DONE else None
    columns = []
    for scenario in scenarios:
        if scenario is not None and scenario.analysis_id != analysis.pk:
            raise DomainError(_("This scenario belongs to another analysis."))
        run = baseline_run if scenario is None else latest_run(analysis, scenario)
        column = ScenarioComparison(
            name=scenario.name if scenario is not None else _("Today"),
            scenario=scenario,
            run=run,
            result=None,
        )
        if baseline is not None and run.status == RunStatus.DONE:
            _against(baseline, result_of(run), column)
        columns.append(column)
    return Comparison(baseline_run=baseline_run, baseline=baseline, columns=columns)


def preview_scenario(
    analysis: Analysis, programs: Any, *, user: Any, queue: bool = True
) -> ScenarioComparison:
    """What hypothetical programs would change, saved nowhere. InvalidInputError names each
    bad program field before anything is computed or queued.

    In a small ecosystem (`runs.computes_at_once`), or with `queue=False`, it is computed now,
    the baseline from the cached run (computed now if there is none). In a large one the
    preview is queued as a task (`runs.start_preview`, the baseline's run started too): the
    column's `run` is the preview's and its result None; `preview_comparison` compares it
    with today once both are done.
    """
    cleaned = clean_scenario_programs(programs)
    ecosystem = analysis.ecosystem
    if queue and not runs.computes_at_once(ecosystem):
        latest_run(analysis)  # today's run, started (queued) beside the preview if need be
        run = runs.start_preview(analysis, cleaned, user=user)
        return ScenarioComparison(name=_("Preview"), scenario=None, run=run, result=None)
    params = parameters_of(analysis)
    baseline_run = latest_run(analysis)
    if baseline_run.status == RunStatus.DONE:
        baseline = result_of(baseline_run)
    else:
        baseline = result_from(compute(ecosystem, params), ecosystem)
    result = result_from(compute(ecosystem, params, hypothetical_offers(cleaned)), ecosystem)
    column = ScenarioComparison(name=_("Preview"), scenario=None, run=None, result=None)
    return _against(baseline, result, column)


def preview_comparison(analysis: Analysis, run: AnalysisRun) -> Comparison:
    """A queued preview (`runs.start_preview`) against today's run: its one column's result
    None while the preview or today's run is not done yet (the page polls and asks again).

    Read from the comparison stored on the preview (`store_comparison`, when its task
    finished) while today's run is the one it was compared with; otherwise compared from both
    whole results once, and stored for the next read."""
    baseline_run = latest_run(analysis)
    column = ScenarioComparison(name=_("Preview"), scenario=None, run=run, result=None)
    if baseline_run.status == RunStatus.DONE and run.status == RunStatus.DONE:
        kept = run.digest
        if not kept or kept.get("baseline_run") != baseline_run.pk:
            kept = store_comparison(run, baseline_run)
        _from_stored(kept, column)
    return Comparison(baseline_run=baseline_run, baseline=None, columns=[column])


def store_comparison(run: AnalysisRun, baseline_run: AnalysisRun) -> dict[str, Any]:
    """Compare a finished preview with today's finished run, whole, and keep on the preview
    what its page and the API show (`digest`): the summary and its published form, whether
    totals are rounded, the changes, the areas that stop or start being deserts, the young
    people newly in reach. Returns it."""
    ecosystem = run.analysis.ecosystem
    result = result_of(run)
    column = _against(
        result_of(baseline_run),
        result,
        ScenarioComparison(name="", scenario=None, run=run, result=None),
    )
    figures = column.figures(ecosystem)
    kept = {
        "baseline_run": baseline_run.pk,
        "parameters": result.parameters.to_dict(),
        "summary": result.summary,
        "published_summary": figures.summary(result.summary),
        "rounded": figures.rounded,
        "deltas": column.deltas,
        "no_longer_deserts": [_area_data(a) for a in column.no_longer_deserts],
        "new_deserts": [_area_data(a) for a in column.new_deserts],
        "youth_newly_in_reach": column.youth_newly_in_reach,
        "areas_newly_in_reach": column.areas_newly_in_reach,
    }
    run.digest = kept
    AnalysisRun.objects.filter(pk=run.pk).update(digest=kept)
    return kept


def _area_data(area: AreaAccess) -> dict[str, Any]:
    return {name: getattr(area, name) for name in AREA_COLUMNS}


def _from_stored(kept: dict[str, Any], column: ScenarioComparison) -> None:
    column.result = RunResult(
        summary=kept["summary"], areas=[], parameters=Parameters.from_dict(kept["parameters"])
    )
    column.rounded = kept["rounded"]
    column.published = kept["published_summary"]
    column.deltas = kept["deltas"]
    column.no_longer_deserts = [AreaAccess(**a) for a in kept["no_longer_deserts"]]
    column.new_deserts = [AreaAccess(**a) for a in kept["new_deserts"]]
    column.youth_newly_in_reach = kept["youth_newly_in_reach"]
    column.areas_newly_in_reach = kept["areas_newly_in_reach"]
