"""The atlas pages: the ecosystem's access at a glance, its analysis settings, and scenarios.

Views stay thin: every number comes from `services` (which runs, caches and compares the
analyses); the views filter, sort and page the per-area results the run stored, and show
whatever they say about students through `publish.Figures` (small-cell suppression).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecotone import concurrency
from ecotone.charts import bar_spec
from ecotone.directory.clustering import BoundingBox, cell_size, grid_clusters
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.templatetags.ecotone import rounded

from .access import get_scenario
from .colours import ACCESS_COLOURS, UNKNOWN_COLOUR, AccessScale, NeedScale
from .forms import (
    AnalysisSettingsForm,
    ProgramFormSet,
    ScenarioForm,
    initial_from_program,
    kept_forms,
)
from .models import AnalysisRun, AreaKind, AreaResult, Locale, RunStatus, Scenario
from .parameters import PRESETS, Parameters
from .services import analyses, publish, runs, scenarios, stored

# The presets' texts are msgids marked in parameters.py (Django-free); translated here.
translated = _

PAGE_SIZE = 25
# A name search counts at most this many matches ("more than 1,000": narrow the search); its
# pages go as far. Counting every match scanned every stored row of a national run.
SEARCH_COUNT_CAP = 1000
MAX_COMPARED = 3
# The priority list's sorts: each area's place under them is stored with the run (stored.py).
SORTS: dict[str, Any] = {
    "rank": gettext_lazy("Priority"),
    "need": gettext_lazy("Most need"),
    "access": gettext_lazy("Least access"),
    "youth": gettext_lazy("Most young people"),
    "nearest": gettext_lazy("Farthest from a program"),
    "name": gettext_lazy("Name (A–Z)"),
}


# The pieces every atlas page shares ----------------------------------------------------------


def _export_urls(request: HttpRequest, ecosystem: Ecosystem) -> dict[str, str]:
    """The per-area table's downloads (export_views.py), for those who may."""
    if not request.user.has_perm("atlas.export_atlas", ecosystem):
        return {}
    return {
        fmt: reverse("atlas:export", kwargs={"ecosystem_slug": ecosystem.slug, "fmt": fmt})
        for fmt in ("csv", "xlsx")
    }


def _tiles() -> dict[str, Any]:
    return {"tile_url": settings.TILE_URL, "tile_attribution": settings.TILE_ATTRIBUTION}


def _run_context(run: AnalysisRun) -> dict[str, Any]:
    return {"run": run, "polling": run.status in (RunStatus.QUEUED, RunStatus.RUNNING)}


def _needs_areas(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponse | None:
    """The empty atlas (no population areas yet): what it needs and who can give it."""
    if ecosystem.population_areas.exists():
        return None
    return render(
        request,
        "atlas/empty.html",
        {"can_import": request.user.has_perm("atlas.manage_areas", ecosystem)},
    )


# The atlas page ------------------------------------------------------------------------------


@ecosystem_view("atlas.view_atlas")
def atlas_home(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Summary figures, charts, the map and the ranked priority list of one ecosystem."""
    ecosystem = current_ecosystem(request)
    empty = _needs_areas(request, ecosystem)
    if empty is not None:
        return empty
    analysis = analyses.default_analysis(ecosystem)
    run = runs.latest_run(analysis)
    context: dict[str, Any] = {
        "analysis": analysis,
        "can_change": request.user.has_perm("atlas.change_analysis", ecosystem),
        "export_urls": _export_urls(request, ecosystem),
        **_run_context(run),
        **_tiles(),
    }
    # While a new run computes, the last finished one is shown under its progress.
    shown = run if run.status == RunStatus.DONE else runs.last_done_run(analysis)
    if shown is None:
        return render(request, "atlas/home.html", context)
    # The run's stored rows and digest (services/stored.py): a page of rows, never the run.
    digest = runs.digest_of(shown)
    context.update(_area_listing(request, shown, digest))
    context["shown_run"] = shown
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "area-list":
        return render(request, "atlas/_area_list.html", context)
    context.update(
        {
            "summary": _summary(digest, ecosystem),
            "charts": _charts(digest, ecosystem),
            "legends": _legends(digest, ecosystem),
            "has_programs": bool(digest["summary"].get("sites")),
        }
    )
    return render(request, "atlas/home.html", context)


def _area_listing(request: HttpRequest, run: AnalysisRun, digest: dict[str, Any]) -> dict[str, Any]:
    """The priority list's filters, sort and page: all in the address, so it can be shared.
    One page of the run's stored rows (filtered and ordered in the database)."""
    q = request.GET.get("q", "").strip()
    locale = request.GET.get("locale", "")
    kind = request.GET.get("kind", "")
    deserts_only = request.GET.get("desert") == "1"
    sort = request.GET.get("sort", "rank")
    if sort not in SORTS:
        sort = "rank"
    chosen = runs.area_results(run)
    if q:
        chosen = chosen.filter(search_text__contains=q.casefold())
    if locale in Locale.values:
        chosen = chosen.filter(locale=locale)
    if kind in AreaKind.values:
        chosen = chosen.filter(kind=kind)
    if deserts_only:
        chosen = chosen.filter(is_desert=True)
    more_than = None
    if q:
        # The matches' keys, at most SEARCH_COUNT_CAP + 1, from the search's narrow index
        # (models.AreaResult): the count, and, under the cap, the only rows the page sorts.
        matches = list(chosen.order_by().values_list("pk", flat=True)[: SEARCH_COUNT_CAP + 1])
        if len(matches) > SEARCH_COUNT_CAP:  # many: a page of them is near the sort's start
            more_than = number_format(SEARCH_COUNT_CAP, force_grouping=True)
        else:
            chosen = AreaResult.objects.filter(pk__in=matches)
        paginator = Paginator(stored.page_order(chosen, sort), PAGE_SIZE)
        paginator.count = min(len(matches), SEARCH_COUNT_CAP)
    else:  # counted when the run was stored: no count over 100,000 rows per page
        paginator = Paginator(stored.page_order(chosen, sort), PAGE_SIZE)
        paginator.count = stored.count(
            digest,
            locale if locale in Locale.values else "",
            kind if kind in AreaKind.values else "",
            True if deserts_only else None,
        )
    page = paginator.get_page(request.GET.get("page"))
    found = list(page.object_list)
    hidden_words = publish.hidden_text(run.analysis.ecosystem)
    return {
        "page": page,
        "rows": [
            _row(area, stored.published(row, hidden_words))
            for row, area in zip(found, runs.stored_areas(run, found), strict=True)
        ],
        "filters": {"q": q, "locale": locale, "kind": kind, "desert": deserts_only, "sort": sort},
        "sorts": list(SORTS.items()),
        "locales": Locale.choices,
        "kinds": [(v, label) for v, label in AreaKind.choices if v in digest["kinds"]],
        "area_count": digest["area_count"],
        "more_than": more_than,
    }


def _row(area: Any, shown: publish.AreaFigures) -> dict[str, Any]:
    return {
        "area": area,
        "youth": shown.youth_label,
        "suppressed": shown.hidden,
        "need": shown.need,
        "nearest": area.nearest_miles
        if area.nearest_miles is not None and math.isfinite(area.nearest_miles)
        else None,
    }


def _summary(digest: dict[str, Any], ecosystem: Ecosystem) -> dict[str, Any]:
    """Headline figures, youth counts suppressed like any other published number."""
    summary = digest["summary"]
    figures = stored.figures_of(digest, ecosystem)
    by_locale = []
    for code, label in Locale.choices:
        local = (summary.get("by_locale") or {}).get(code)
        if not local:
            continue
        shown = stored.figures_of(digest, ecosystem, code)
        by_locale.append(
            {
                "label": label,
                "areas": local.get("areas", 0),
                "youth": shown.total_label(local.get("youth")),
                "deserts": local.get("deserts", 0),
                "youth_in_deserts": shown.total_label(local.get("youth_in_deserts")),
                "share_with_program_in_reach": _percent(local.get("share_with_program_in_reach")),
                "median_seats_per_1000": local.get("median_seats_per_1000"),
            }
        )
    return {
        "areas": summary.get("areas", 0),
        "youth": figures.total_label(summary.get("youth")),
        "deserts": summary.get("deserts", 0),
        "youth_in_deserts": figures.total_label(summary.get("youth_in_deserts")),
        "share_with_program_in_reach": _percent(summary.get("share_with_program_in_reach")),
        "median_seats_per_1000": summary.get("median_seats_per_1000"),
        "virtual_programs": summary.get("virtual_programs", 0),
        "by_locale": by_locale,
        "rounded": figures.rounded,
    }


def _charts(digest: dict[str, Any], ecosystem: Ecosystem) -> list[dict[str, Any]]:
    """Two charts, each with the table of its numbers: deserts by locale, areas by access."""
    deserts_rows: list[dict[str, Any]] = []
    for code, label in Locale.choices:
        local = digest["locales"].get(code)
        if not local:
            continue
        shown = stored.figures_of(digest, ecosystem, code)
        youth, in_deserts = local["youth"], local["in_deserts"]
        share = in_deserts / youth if youth else 0.0
        hidden = shown.is_hidden(in_deserts)
        deserts_rows.append(
            {
                "label": str(label),
                "value": None if hidden else share * 100,
                "shown": "—" if hidden else _percent(share),
                "youth": shown.total_label(youth),
                "in_deserts": shown.total_label(in_deserts),
                "deserts": local["deserts"],
                "areas": local["areas"],
            }
        )
    scale = stored.access_scale(digest)
    access_rows: list[dict[str, Any]] = []
    for index, class_label in _access_labels(scale):
        count = digest["access_classes"].get(str(index), 0)
        access_rows.append(
            {
                "label": class_label,
                "value": float(count),
                "shown": number_format(count, force_grouping=True),
                "colour": ACCESS_COLOURS[index],
            }
        )
    return [
        {
            "id": "chart-deserts",
            "title": _("Share of young people in a desert, by locale"),
            "description": _(
                "For each locale, the percentage of its young people who live in an area "
                "the analysis counts as a desert."
            ),
            "spec": bar_spec(
                deserts_rows, label_title=_("Locale"), value_title=_("Share in deserts")
            ),
            "headers": [
                _("Locale"),
                _("Areas"),
                _("Deserts"),
                _("Young people"),
                _("In deserts"),
                _("Share in deserts"),
            ],
            "rows": [
                [r["label"], r["areas"], r["deserts"], r["youth"], r["in_deserts"], r["shown"]]
                for r in deserts_rows
            ],
        },
        {
            "id": "chart-access",
            "title": _("Areas by access to programs"),
            "description": _(
                "How many areas fall in each access class of the map: seats in reach per "
                "1,000 young people, weighted by distance."
            ),
            "spec": bar_spec(
                access_rows, label_title=_("Seats per 1,000 young people"), value_title=_("Areas")
            ),
            "headers": [_("Seats per 1,000 young people"), _("Areas")],
            "rows": [[r["label"], r["shown"]] for r in access_rows],
        },
    ]


def _percent(share: float | None) -> str:
    if share is None:
        return "—"
    return _("%(n)s%%") % {"n": number_format(round(share * 100))}


def _decimal(value: float) -> str:
    return rounded(value, 1 if value < 10 else 0, grouping=True)


def _access_labels(scale: AccessScale) -> list[tuple[int, str]]:
    labels = [(0, _("No seat in reach"))]
    for index, low, high in scale.ranges():
        if low is None and high is None:
            labels.append((index, _("Some seats in reach")))
        else:
            labels.append((index, _range_label(low, high)))
    return labels


def _range_label(low: float | None, high: float | None, digits: int | None = None) -> str:
    def shown(value: float) -> str:
        return _decimal(value) if digits is None else number_format(round(value, digits))

    if low is None and high is None:
        return _("All")
    if low is None:
        return _("Under %(high)s") % {"high": shown(high or 0)}
    if high is None:
        return _("%(low)s or more") % {"low": shown(low)}
    return _("%(low)s to %(high)s") % {"low": shown(low), "high": shown(high)}


def _legends(digest: dict[str, Any], ecosystem: Ecosystem) -> dict[str, dict[str, Any]]:
    return {
        "access": _access_legend(stored.access_scale(digest)),
        "need": _need_legend(stored.need_scale(digest), ecosystem),
    }


def _access_legend(scale: AccessScale) -> dict[str, Any]:
    return {
        "title": _("Seats in reach per 1,000 young people"),
        "entries": [
            {"color": ACCESS_COLOURS[index], "label": label}
            for index, label in _access_labels(scale)
        ]
        + [{"color": "", "label": _("Thick edge: a desert"), "outline": "strong"}],
    }


def _need_legend(scale: NeedScale, ecosystem: Ecosystem) -> dict[str, Any]:
    entries = []
    for _index, low, high in scale.ranges():
        probe = low if low is not None else (high or 0) - 1
        entries.append({"color": scale.colour(probe), "label": _range_label(low, high, 0)})
    return {
        "title": _("Need index (0 to 100), in fifths of the areas"),
        "entries": [
            *entries,
            {
                "color": UNKNOWN_COLOUR,
                "label": _("Not shown: unknown, or fewer than %(n)s young people")
                % {"n": ecosystem.suppression_threshold},
            },
            {"color": "", "label": _("Thick edge: a desert"), "outline": "strong"},
        ],
    }


@ecosystem_view("atlas.view_atlas")
def run_status(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The default analysis's run, for the atlas page to poll while it computes."""
    ecosystem = current_ecosystem(request)
    analysis = analyses.default_analysis(ecosystem)
    run = runs.latest_run(analysis)
    response = render(request, "atlas/_run_status.html", _run_context(run))
    if run.status == RunStatus.DONE and request.headers.get("HX-Request"):
        # The whole page changes once results exist: let htmx load it again.
        response["HX-Refresh"] = "true"
    return response


@ecosystem_view("atlas.view_atlas")
def areas_geojson(request: HttpRequest, ecosystem_slug: str) -> JsonResponse:
    """The areas as points coloured by access (`?color=access`) or need (`?color=need`), with
    their legend, for the atlas map and the opportunity map's atlas layer (maplayers.py).

    `?bbox=west,south,east,north` limits them to a viewport; more than MAP_MAX_POINTS are
    clustered into a grid as the program map is (directory/clustering.py): a cluster is a
    grey point saying how many areas it holds."""
    ecosystem = current_ecosystem(request)
    colouring = "need" if request.GET.get("color") == "need" else "access"
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": [], "legend": []}
    box = BoundingBox.parse(request.GET["bbox"]) if request.GET.get("bbox") else None
    if ecosystem.population_areas.exists():
        analysis = analyses.default_analysis(ecosystem)
        run = runs.latest_run(analysis)
        if run.status == RunStatus.DONE:
            collection = _feature_collection(run, colouring, box)
        else:
            collection["note"] = _("The atlas is computing; try again in a moment.")
    return JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"separators": (",", ":")},
    )


MAP_MAX_POINTS = 2_000


def _inside(box: BoundingBox) -> Q:
    inside = Q(latitude__range=(box.south, box.north))
    if box.is_whole_width:
        return inside
    if box.crosses_antimeridian:
        return inside & (Q(longitude__gte=box.west) | Q(longitude__lte=box.east))
    return inside & Q(longitude__range=(box.west, box.east))


def _feature_collection(
    run: AnalysisRun, colouring: str, box: BoundingBox | None
) -> dict[str, Any]:
    """Two queries: where the run's areas in the viewport are, then the rows of those not in a
    cluster."""
    ecosystem = run.analysis.ecosystem
    digest = runs.digest_of(run)
    scale, need_scale = stored.access_scale(digest), stored.need_scale(digest)
    legend = _access_legend(scale) if colouring == "access" else _need_legend(need_scale, ecosystem)
    atlas_url = reverse("atlas:home", kwargs={"ecosystem_slug": ecosystem.slug})
    places = runs.area_results(run)
    if box is not None:
        places = places.filter(_inside(box))
    points = list(places.order_by("area_id").values_list("pk", "latitude", "longitude"))
    clustered = len(points) > MAP_MAX_POINTS
    cells = []
    if clustered:
        lats = np.array([p[1] for p in points], dtype=np.float64)
        lons = np.array([p[2] for p in points], dtype=np.float64)
        extent = box or BoundingBox(
            float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())
        )
        cells = grid_clusters(lats, lons, cell_size(extent))
        singles = [points[cell.member][0] for cell in cells if cell.count == 1]
    else:
        singles = [p[0] for p in points]
    rows = {row.pk: row for row in AreaResult.objects.filter(pk__in=singles)}
    hidden_words = publish.hidden_text(ecosystem)
    locales = dict(Locale.choices)

    def point(row: AreaResult) -> dict[str, Any]:
        shown = stored.published(row, hidden_words)
        if colouring == "access":
            colour = scale.colour(row.access_per_1000)
        else:
            colour = need_scale.colour(shown.need)
        return _point(
            row.latitude,
            row.longitude,
            {
                "id": row.area_id,
                "name": row.name,
                "color": colour,
                "outline": "strong" if row.is_desert else "",
                "details": _details(row, shown, locales),
            },
        )

    if clustered:
        features = [
            point(rows[points[cell.member][0]])
            if cell.count == 1
            else _point(
                cell.latitude,
                cell.longitude,
                {
                    "name": _("%(n)s areas")
                    % {"n": number_format(cell.count, force_grouping=True)},
                    "color": UNKNOWN_COLOUR,
                    "details": [_("Zoom in to see each area.")],
                    "cluster": True,
                    "count": cell.count,
                },
            )
            for cell in cells
        ]
    else:
        features = [point(rows[pk]) for pk, _lat, _lon in points]
    return {
        "type": "FeatureCollection",
        "features": features,
        "clustered": clustered,
        "total": len(points),
        "legend": legend["entries"],
        "title": legend["title"],
        "atlas_url": atlas_url,
    }


def _point(lat: float, lon: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
        "properties": properties,
    }


def _details(area: Any, shown: publish.AreaFigures, locales: dict[str, Any]) -> list[str]:
    need = shown.need
    lines = [
        _("%(youth)s young people · %(locale)s")
        % {"youth": shown.youth_label, "locale": locales[area.locale]},
    ]
    if area.access_per_1000 is not None and math.isfinite(area.access_per_1000):
        lines.append(
            _("%(n)s seats in reach per 1,000 young people") % {"n": _decimal(area.access_per_1000)}
        )
    if area.nearest_miles is not None and math.isfinite(area.nearest_miles):
        lines.append(_("Nearest program: %(mi)s mi") % {"mi": _decimal(area.nearest_miles)})
    else:
        lines.append(_("No eligible program"))
    if need is not None and math.isfinite(need):
        lines.append(_("Need index: %(n)s of 100") % {"n": round(need)})
    if area.is_desert:
        lines.append(_("A desert (priority %(rank)s)") % {"rank": area.rank or "—"})
    return lines


# The analysis settings -----------------------------------------------------------------------


@ecosystem_view("atlas.change_analysis")
@require_http_methods(["GET", "POST"])
def analysis_settings(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Backbone staff set what reach, eligibility, need and a desert mean for the atlas."""
    ecosystem = current_ecosystem(request)
    analysis = analyses.default_analysis(ecosystem)
    saved = Parameters.from_dict(analysis.parameters or {}).to_dict()
    preset = request.POST.get("preset", "")
    # A preset fills the form from the stored settings: the page then shows this version.
    edit = concurrency.EditPage(
        None if preset else request.POST,
        concurrency.version_of(analysis),
        AnalysisSettingsForm.initial_from(saved),
    )
    if request.method == "POST" and preset in PRESETS:
        # A preset fills the form from the saved settings; nothing changes until Save.
        changed = Parameters.from_dict(saved).with_preset(preset).to_dict()
        messages.info(
            request,
            _("“%(preset)s” is filled in below. Review the settings and save to use them.")
            % {"preset": translated(PRESETS[preset].label)},
        )
        form = AnalysisSettingsForm(initial=AnalysisSettingsForm.initial_from(changed))
    elif request.method == "POST" and not preset:
        form = AnalysisSettingsForm(request.POST)
        if not form.is_valid():
            # Check what did clean against the Parameters' rules too: every mistake at once.
            try:
                analyses.parse_parameters(form.to_parameters(fallback=saved))
            except analyses.InvalidInputError as error:
                form.add_parameter_errors(error.errors)
        else:
            try:
                analyses.update_parameters(
                    analysis,
                    user=request.user,
                    data=form.to_parameters(),
                    expected_version=edit.expected_version,
                )
            except analyses.InvalidInputError as error:
                form.add_parameter_errors(error.errors)
            except concurrency.EditConflictError as error:
                edit.refused(error, form)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("The settings are saved; the atlas is computed again with them.")
                )
                return redirect("atlas:home", ecosystem_slug=ecosystem.slug)
    else:
        form = AnalysisSettingsForm(initial=AnalysisSettingsForm.initial_from(saved))
    return render(
        request,
        "atlas/settings.html",
        {
            **edit.context(),
            "analysis": analysis,
            "form": form,
            "presets": [
                {
                    "code": code,
                    "label": translated(p.label),
                    "description": translated(p.description),
                }
                for code, p in PRESETS.items()
            ],
        },
    )


# Scenarios -----------------------------------------------------------------------------------


@ecosystem_view("atlas.view_atlas")
def scenario_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Saved scenarios of the default analysis; choose two or three to compare."""
    ecosystem = current_ecosystem(request)
    empty = _needs_areas(request, ecosystem)
    if empty is not None:
        return empty
    analysis = analyses.default_analysis(ecosystem)
    saved = list(analysis.scenarios.select_related("created_by"))
    for scenario in saved:
        scenario.seats = sum(int(p.get("seats") or 0) for p in scenario.programs)  # type: ignore[attr-defined]
    return render(
        request,
        "atlas/scenario_list.html",
        {
            "analysis": analysis,
            "scenarios": saved,
            "can_change": request.user.has_perm("atlas.change_analysis", ecosystem),
            "max_compared": MAX_COMPARED,
        },
    )


def _formset_with_one_more(data: Any) -> Any:
    """The posted programs plus an empty one (the "Add another program" button, no JS)."""
    data = data.copy()
    total = int(data.get("program-TOTAL_FORMS", "1") or 1)
    data["program-TOTAL_FORMS"] = str(min(total + 1, 10))
    formset = ProgramFormSet(data, prefix="program")
    return formset


@ecosystem_view("atlas.view_atlas")
@require_http_methods(["GET", "POST"])
def scenario_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Place hypothetical programs, preview what they change, and (backbone) save them."""
    ecosystem = current_ecosystem(request)
    empty = _needs_areas(request, ecosystem)
    if empty is not None:
        return empty
    analysis = analyses.default_analysis(ecosystem)
    return _scenario_editor(request, analysis, None)


@ecosystem_view("atlas.view_atlas")
@require_http_methods(["GET", "POST"])
def scenario_detail(request: HttpRequest, ecosystem_slug: str, scenario_id: int) -> HttpResponse:
    """A saved scenario: its programs and what they change; backbone staff may change it."""
    scenario = get_scenario(request, scenario_id)
    return _scenario_editor(request, scenario.analysis, scenario)


def _scenario_editor(
    request: HttpRequest, analysis: Any, scenario: Scenario | None
) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    can_save = request.user.has_perm("atlas.change_analysis", ecosystem)
    action = request.POST.get("action", "preview")
    preview: dict[str, Any] | None = None
    today: AnalysisRun | None = None  # today's run, when the preview read it already
    extra_errors: list[str] = []  # what the services refused about the programs as a whole
    initial = {"name": scenario.name, "description": scenario.description} if scenario else None
    scenario_form = ScenarioForm(
        request.POST if request.method == "POST" and action == "save" else None, initial=initial
    )
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(scenario) if scenario else "",
        {**initial, "programs": scenario.programs} if scenario and initial else {},
    )
    if request.method == "POST" and action == "add":
        formset = _formset_with_one_more(request.POST)
    elif request.method == "POST":
        formset = ProgramFormSet(request.POST, prefix="program")
        if formset.is_valid():
            kept = kept_forms(formset)
            programs = [form.to_program() for form in kept]
            if action == "save" and not can_save:
                raise PermissionDenied
            if action == "save" and scenario_form.is_valid():
                try:
                    saved = scenarios.save_scenario(
                        analysis,
                        user=request.user,
                        name=scenario_form.cleaned_data["name"],
                        description=scenario_form.cleaned_data["description"],
                        programs=programs,
                        scenario=scenario,
                        expected_version=edit.expected_version,
                    )
                except analyses.InvalidInputError as error:
                    _add_program_errors(extra_errors, kept, scenario_form, error.errors)
                except concurrency.EditConflictError as error:
                    edit.refused(error, ScenarioForm(), {"programs": _("Programs")})
                except DomainError as error:
                    scenario_form.add_error(None, str(error))
                else:
                    messages.success(request, _("The scenario is saved."))
                    return redirect(
                        "atlas:scenario", ecosystem_slug=ecosystem.slug, scenario_id=saved.pk
                    )
            if formset.is_valid():
                try:
                    column = scenarios.preview_scenario(analysis, programs, user=request.user)
                except analyses.InvalidInputError as error:
                    _add_program_errors(extra_errors, kept, scenario_form, error.errors)
                except DomainError as error:
                    extra_errors.append(str(error))
                else:
                    if column.run is not None:  # queued (a large ecosystem): at its own address
                        return redirect(_preview_url(ecosystem, scenario, column.run))
                    preview = _comparison_context(column, ecosystem, _("With these programs"))
                    preview["is_unsaved"] = True
    elif request.GET.get("preview", "").isdigit():
        # A queued preview: only the person who asked reads it (404 for anyone else).
        run = runs.preview_of(analysis, int(request.GET["preview"]), request.user)
        if run is None:
            raise Http404
        if (
            request.headers.get("HX-Request")
            and run.status == RunStatus.DONE
            and runs.latest_run(analysis).status == RunStatus.DONE
        ):
            # The poll that finds it ready: load the page again (map markers and all) without
            # comparing here first, which decodes both whole results.
            return HttpResponse(headers={"HX-Refresh": "true"})
        formset = ProgramFormSet(
            prefix="program", initial=[initial_from_program(p) for p in run.preview_programs]
        )
        comparison = scenarios.preview_comparison(analysis, run)
        today = comparison.baseline_run
        preview = _queued_preview_context(comparison, ecosystem)
    elif scenario is not None:
        formset = ProgramFormSet(
            prefix="program", initial=[initial_from_program(p) for p in scenario.programs]
        )
        comparison = scenarios.compare(analysis, [scenario])
        preview = _comparison_context(comparison.columns[0], ecosystem, scenario.name)
    else:
        formset = ProgramFormSet(prefix="program")
    return render(
        request,
        "atlas/scenario_form.html",
        {
            **edit.context(),
            "analysis": analysis,
            "scenario": scenario,
            "formset": formset,
            "scenario_form": scenario_form,
            "preview": preview,
            "extra_errors": extra_errors,
            "can_save": can_save,
            "legend": _access_legend(_baseline_scale(analysis, today)),
            **_tiles(),
        },
    )


def _preview_url(ecosystem: Ecosystem, scenario: Scenario | None, run: AnalysisRun) -> str:
    if scenario is None:
        page = reverse("atlas:scenario_new", kwargs={"ecosystem_slug": ecosystem.slug})
    else:
        page = reverse(
            "atlas:scenario",
            kwargs={"ecosystem_slug": ecosystem.slug, "scenario_id": scenario.pk},
        )
    return f"{page}?preview={run.pk}#preview"


def _queued_preview_context(
    comparison: scenarios.Comparison, ecosystem: Ecosystem
) -> dict[str, Any]:
    """A queued preview: the comparison once it and today's run are done; until then each
    run's progress (polled), or the error of the one that failed."""
    column = comparison.columns[0]
    preview = _comparison_context(column, ecosystem, _("With these programs"))
    preview["is_unsaved"] = True
    if preview["ready"]:
        return preview
    assert column.run is not None  # a queued preview's column has its run
    steps = [(_("Today"), comparison.baseline_run), (_("With these programs"), column.run)]
    failed = [run for _name, run in steps if run.status == RunStatus.FAILED]
    preview.update(
        {
            "steps": [
                {"name": name, "stage": runs.stage_label(run), "progress": run.progress}
                for name, run in steps
            ],
            "error": (failed[0].error or _("The preview could not be computed.")) if failed else "",
            "polling": not failed,
        }
    )
    return preview


def _baseline_scale(analysis: Any, run: AnalysisRun | None = None) -> AccessScale:
    """The colours of today's run (`run`, when the caller read it already)."""
    run = run or runs.latest_run(analysis)
    if run.status != RunStatus.DONE:
        return AccessScale.from_values([])
    return stored.access_scale(runs.digest_of(run))


# Errors services report by key ("programs.0.seats") -> the field the person typed it in.
_PROGRAM_FIELD_OF = {"latitude": "latitude", "longitude": "longitude", "stops": "stops"}


def _add_program_errors(
    extra_errors: list[str],
    kept: list[Any],
    scenario_form: ScenarioForm,
    errors: dict[str, list[str]],
) -> None:
    for key, found in errors.items():
        parts = key.split(".")
        if parts[0] == "programs" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            form = kept[index] if index < len(kept) else None
            field = parts[2] if len(parts) > 2 else None
            if form is not None:
                for message in found:
                    form.add_error(field if field in form.fields else None, message)
                continue
        if key in ("name", "description"):
            for message in found:
                scenario_form.add_error(key, message)
            continue
        extra_errors.extend(found)


SUMMARY_ROWS = (
    ("deserts", gettext_lazy("Deserts"), "count"),
    ("youth_in_deserts", gettext_lazy("Young people in deserts"), "youth"),
    ("youth_with_program_in_reach", gettext_lazy("Young people with a program in reach"), "youth"),
    ("share_with_program_in_reach", gettext_lazy("Share with a program in reach"), "share"),
    ("median_seats_per_1000", gettext_lazy("Median seats in reach per 1,000"), "decimal"),
    ("virtual_programs", gettext_lazy("Virtual programs"), "count"),
)
# Fewer deserts and fewer young people in them is better; more of the rest is.
LOWER_IS_BETTER = {"deserts", "youth_in_deserts"}


def _figure(value: Any, kind: str, figures: publish.Figures) -> str:
    if value is None:
        return "—"
    if kind == "youth":
        return figures.total_label(int(value))
    if kind == "share":
        return _percent(float(value))
    if kind == "decimal":
        return _decimal(float(value))
    return number_format(value, force_grouping=True)


def _change(delta: Any, kind: str, key: str, figures: publish.Figures) -> tuple[str, str]:
    """ "+120" / "-3" (a minus sign) and whether it is better or worse; nothing for no change."""
    if delta is None or not delta:
        return "", ""
    text = ("+" if delta > 0 else "\u2212") + _figure(abs(delta), kind, figures)
    better = (delta < 0) if key in LOWER_IS_BETTER else (delta > 0)
    return text, "better" if better else "worse"


def _labelled(areas: Sequence[Any], figures: publish.Figures) -> list[Any]:
    for area in areas:
        area.youth_label = figures.youth_label(area.youth)
        area.locale_label = Locale(area.locale).label if area.locale in Locale.values else ""
    return list(areas)


def _comparison_context(column: Any, ecosystem: Ecosystem, name: str) -> dict[str, Any]:
    """One scenario against today, for the scenario page."""
    if not column.ready:
        return {"ready": False}
    after = column.result.summary
    before = {
        key: (after[key] - column.deltas[key])
        if after.get(key) is not None and column.deltas.get(key) is not None
        else None
        for key, _label, _kind in SUMMARY_ROWS
    }
    figures = column.figures(ecosystem)
    rows = []
    for key, label, kind in SUMMARY_ROWS:
        text, direction = _change(column.deltas.get(key), kind, key, figures)
        rows.append(
            {
                "label": label,
                "cells": [
                    {"value": _figure(before.get(key), kind, figures)},
                    {
                        "value": _figure(after.get(key), kind, figures),
                        "change": text,
                        "direction": direction,
                    },
                ],
            }
        )
    _labelled(column.no_longer_deserts, figures)
    return {
        "ready": True,
        "column": column,
        "youth_newly_in_reach": figures.total_label(column.youth_newly_in_reach),
        "caption": _("Today and with the scenario"),
        "columns": [{"name": _("Today")}, {"name": name}],
        "rows": rows,
    }


@ecosystem_view("atlas.change_analysis")
@require_http_methods(["GET", "POST"])
def scenario_delete(request: HttpRequest, ecosystem_slug: str, scenario_id: int) -> HttpResponse:
    """Asks first; deleting a scenario removes its cached results with it."""
    scenario = get_scenario(request, scenario_id)
    if request.method == "POST":
        name = scenario.name
        scenarios.delete_scenario(scenario, user=request.user)
        messages.success(request, _("The scenario “%(name)s” is deleted.") % {"name": name})
        return redirect("atlas:scenarios", ecosystem_slug=ecosystem_slug)
    return render(request, "atlas/scenario_delete.html", {"scenario": scenario})


@ecosystem_view("atlas.view_atlas")
def scenario_compare(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Two or three saved scenarios side by side with the baseline."""
    ecosystem = current_ecosystem(request)
    analysis = analyses.default_analysis(ecosystem)
    ids = [value for value in request.GET.getlist("scenario") if value.isdigit()]
    chosen = list(analysis.scenarios.filter(pk__in=ids))
    if not 1 <= len(chosen) <= MAX_COMPARED:
        messages.error(
            request,
            _("Choose from one to %(n)s scenarios to compare.") % {"n": MAX_COMPARED},
        )
        return redirect("atlas:scenarios", ecosystem_slug=ecosystem.slug)
    comparison = scenarios.compare(analysis, chosen)
    return render(
        request,
        "atlas/scenario_compare.html",
        {"analysis": analysis, **_compare_context(comparison, ecosystem)},
    )


def _compare_context(comparison: Any, ecosystem: Ecosystem) -> dict[str, Any]:
    """Today and each scenario side by side: a column per scenario, a row per figure."""
    columns = comparison.columns
    if not comparison.ready:
        return {"ready": False, "columns": columns}
    today = comparison.baseline.summary
    figures = publish.Figures(comparison.baseline.areas, ecosystem)
    rows = []
    for key, label, kind in SUMMARY_ROWS:
        cells = [{"value": _figure(today.get(key), kind, figures)}]
        for column in columns:
            text, direction = _change(column.deltas.get(key), kind, key, figures)
            cells.append(
                {
                    "value": _figure(column.result.summary.get(key), kind, figures),
                    "change": text,
                    "direction": direction,
                }
            )
        rows.append({"label": label, "cells": cells})
    for column in columns:
        _labelled(column.no_longer_deserts, figures)
        column.youth_newly_label = figures.total_label(column.youth_newly_in_reach)
        column.seats_added = sum(int(p.get("seats") or 0) for p in column.scenario.programs)
    return {
        "ready": True,
        "columns": columns,
        "header": [{"name": _("Today")}, *({"name": c.name} for c in columns)],
        "rows": rows,
        "caption": _("Today and with each scenario"),
    }
