"""Scenarios: hypothetical programs added to an analysis, saved, compared with today, or
previewed without saving."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import Analysis, AnalysisRun, RunStatus, Scenario
from . import runs
from .analyses import InvalidInputError, clean_name, parameters_of
from .comparisons import Comparison, ScenarioComparison, against, from_stored
from .compute import compute
from .offers import clean_scenario_programs, hypothetical_offers
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
            against(baseline, result_of(run), column)
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
    return against(baseline, result, column)


def preview_comparison(analysis: Analysis, run: AnalysisRun) -> Comparison:
    """A queued preview (`runs.start_preview`) against today's run: its one column's result
    None while the preview or today's run is not done yet (the page polls and asks again).

    Read from the comparison stored on the preview (`runs.store_comparison`, when its task
    finished) while today's run is the one it was compared with; otherwise compared from both
    whole results once, and stored for the next read."""
    baseline_run = latest_run(analysis)
    column = ScenarioComparison(name=_("Preview"), scenario=None, run=run, result=None)
    if baseline_run.status == RunStatus.DONE and run.status == RunStatus.DONE:
        kept = run.digest
        if not kept or kept.get("baseline_run") != baseline_run.pk:
            kept = runs.store_comparison(run, baseline_run)
        from_stored(kept, column)
    return Comparison(baseline_run=baseline_run, baseline=None, columns=[column])
