"""A scenario's or a preview's figures against today's run: the changes in the summary, the
areas that stop or start being deserts, the young people newly in reach. Read by the scenario
pages and the API (`scenarios`) and kept on a finished preview by its task (`runs`), so it
sits below both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecotone.ecosystems.models import Ecosystem

from ..models import AnalysisRun, RunStatus, Scenario
from ..parameters import Parameters
from . import publish
from .results import AREA_COLUMNS, AreaAccess, RunResult


@dataclass
class ScenarioComparison:
    """One scenario against the baseline. `result` is None while its run is not done; read
    from a preview's stored comparison (`digest`), it holds the summary and no
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


def against(
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


def digest(
    run: AnalysisRun, result: RunResult, baseline_run: AnalysisRun, baseline: RunResult
) -> dict[str, Any]:
    """What a finished preview's page and the API show of its comparison with today's run,
    kept on the preview (`AnalysisRun.digest`): the summary and its published form, whether
    totals are rounded, the changes, the areas that stop or start being deserts, the young
    people newly in reach. `result` and `baseline` are the two runs' whole results."""
    ecosystem = run.analysis.ecosystem
    column = against(
        baseline, result, ScenarioComparison(name="", scenario=None, run=run, result=None)
    )
    figures = column.figures(ecosystem)
    return {
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


def _area_data(area: AreaAccess) -> dict[str, Any]:
    return {name: getattr(area, name) for name in AREA_COLUMNS}


def from_stored(kept: dict[str, Any], column: ScenarioComparison) -> None:
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
