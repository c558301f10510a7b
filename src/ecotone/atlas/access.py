"""The access helpers of the atlas: an analysis, a scenario or an area import of the request's
ecosystem, or 404.

Each starts from the ecosystem (or from an analysis already fetched through it), so a record of
another ecosystem answers 404 on the pages, the export and the API alike. (The reach
algorithm, E2SFCA, is `reach.py`.)
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Ecosystem

from .models import Analysis, AreaImport, Scenario
from .services import analyses, scenarios


def get_analysis(ecosystem: Ecosystem, analysis_id: int) -> Analysis:
    """One of the ecosystem's analyses."""
    return get_object_or_404(analyses.analyses(ecosystem), pk=analysis_id)


def get_scenario(request: HttpRequest, scenario_id: int) -> Scenario:
    """A scenario of any of this ecosystem's analyses, with its analysis."""
    ecosystem = current_ecosystem(request)
    return get_object_or_404(
        Scenario.objects.filter(analysis__ecosystem=ecosystem).select_related("analysis"),
        pk=scenario_id,
    )


def get_analysis_scenario(analysis: Analysis, scenario_id: int) -> Scenario:
    """A scenario of `analysis` (itself fetched through its ecosystem)."""
    return get_object_or_404(scenarios.scenarios(analysis), pk=scenario_id)


def get_area_import(request: HttpRequest, import_id: int) -> AreaImport:
    """One of this ecosystem's area imports."""
    ecosystem = current_ecosystem(request)
    return get_object_or_404(
        ecosystem.area_imports.select_related("created_by", "applied_by", "ecosystem"),
        pk=import_id,
    )
