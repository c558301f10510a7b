"""The per-area table of an analysis (or a scenario) as CSV or Excel, with small counts
suppressed as on every page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem
from ecotone.exports import FORMATS, table_response
from ecotone.replicas import read_replica

from .access import get_analysis, get_analysis_scenario
from .models import AnalysisRun, AreaKind, AreaResult, Locale, RunStatus
from .services import analyses, publish, runs, stored


def _headers() -> list[str]:
    return [
        _("Identifier"),
        _("Name"),
        _("Kind"),
        _("Locale"),
        _("Latitude"),
        _("Longitude"),
        _("Young people"),
        _("Share low-income (%)"),
        _("Need index (0-100)"),
        _("Seats per 1,000 young people (E2SFCA)"),
        _("Seats within reach"),
        _("Reach (miles)"),
        _("Nearest program (miles)"),
        _("Nearest program"),
        _("Online programs"),
        _("Desert"),
        _("Priority"),
        _("Supply index (0-100)"),
        _("Demand index (0-100)"),
        _("Why it is a priority"),
    ]


def area_rows(run: AnalysisRun, ecosystem: Ecosystem) -> Iterator[list[Any]]:
    """The table's rows, priorities first, from the run's stored rows as `publish` returned
    them: youth counts below the threshold suppressed (and then the area's share low-income and
    need index left empty). Read a chunk at a time, so a national table streams in bounded
    memory."""
    kinds, locales = dict(AreaKind.choices), dict(Locale.choices)
    hidden_words = publish.hidden_text(ecosystem)
    yes, no = _("yes"), _("no")
    rows = stored.page_order(runs.area_results(run), "rank")
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        for row, area in zip(chunk, runs.stored_areas(run, chunk), strict=True):
            shown = stored.published(row, hidden_words)
            yield [
                area.code,
                area.name,
                kinds.get(area.kind, area.kind),
                locales.get(area.locale, area.locale),
                area.latitude,
                area.longitude,
                shown.hidden_text if shown.hidden else shown.youth,
                None if shown.low_income_share is None else round(shown.low_income_share * 100),
                shown.need,
                area.access_per_1000,
                area.seats_within,
                area.catchment_mi,
                area.nearest_miles,
                area.nearest_program_name,
                area.virtual_programs,
                yes if area.is_desert else no,
                area.rank,
                area.supply_index,
                area.demand_index,
                area.reasons,
            ]


CHUNK = 2000


def _chunks(rows: Iterator[AreaResult], size: int) -> Iterator[list[AreaResult]]:
    chunk: list[AreaResult] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@read_replica
@ecosystem_view("atlas.export_atlas")
def export_areas(request: HttpRequest, ecosystem_slug: str, fmt: str = "") -> HttpResponseBase:
    """export.csv or export.xlsx (or ?format=); ?analysis=<id> and ?scenario=<id> choose what
    (default: the ecosystem's default analysis as it is today)."""
    ecosystem = current_ecosystem(request)
    fmt = request.GET.get("format", fmt)
    if fmt not in FORMATS:
        raise Http404
    analysis_id = request.GET.get("analysis", "")
    if analysis_id.isdigit():
        analysis = get_analysis(ecosystem, int(analysis_id))
    else:
        analysis = analyses.default_analysis(ecosystem)
    scenario = None
    if (scenario_id := request.GET.get("scenario", "")).isdigit():
        scenario = get_analysis_scenario(analysis, int(scenario_id))
    run = runs.latest_run(analysis, scenario)
    if run.status != RunStatus.DONE:
        # A large ecosystem's analysis is still computing: the last finished one, if any.
        run = runs.last_done_run(analysis, scenario) or run
    if run.status != RunStatus.DONE:
        return HttpResponse(
            _("The analysis is still being computed; try again in a minute."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    runs.digest_of(run)  # its rows stored (once, for a run finished before they were)
    name = f"{ecosystem.slug}-atlas" + (f"-scenario-{scenario.pk}" if scenario else "")
    return table_response(name, fmt, _headers(), area_rows(run, ecosystem))
