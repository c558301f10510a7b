"""A program's progress over time (`programs/<slug>/`), its public mark, and the ecosystem's
roll-up (`rollup/`) with its downloads. The figures are the services' (`services.progress`,
`services.rollup`); these pages only lay them out, each chart with its table.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import charts, exports
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.templatetags.ecotone import rounded

from .. import rollup as figures
from ..access import assessments_of, get_assessed_program
from ..forms import RollupFilterForm
from ..models import Rubric
from ..services import progress as progress_services
from ..services import rollup as rollup_services

MEMBERS = "ecosystems.view_ecosystem"  # any member; the access helper decides the program
ROLLUP = "quality.view_rollup"
FORMATS = ("csv", "xlsx")


# A program's progress ---------------------------------------------------------------------


def _period_labels(progress: progress_services.RubricProgress) -> list[str]:
    labels: list[str] = []
    for assessment in progress.assessments:
        label = date_format(assessment.completed_at, "M Y") if assessment.completed_at else "—"
        while label in labels:  # two in one month: each point its own place on the axis
            label += "′"
        labels.append(label)
    return labels


def _section_charts(progress: progress_services.RubricProgress) -> list[dict[str, Any]]:
    labels = _period_labels(progress)
    top = len(progress.content.stages)
    found = []
    for index, (section, scores) in enumerate(progress.sections):
        points = [
            {
                "period": label,
                "group": section.title,
                "value": s.score,
                "shown": "—" if s.score is None else rounded(s.score, 2),
            }
            for label, s in zip(labels, scores, strict=True)
        ]
        spec = charts.line_spec(
            points,
            period_title=_("Completed"),
            value_title=_("Score (1 to %(top)s)") % {"top": top},
            group_title=_("Section"),
            description=section.title,
        )
        spec["encoding"]["y"]["scale"] = {"domain": [1, top]}
        spec["encoding"]["color"]["legend"] = None  # one line: the chart's title names it
        found.append(
            charts.chart(
                f"section-{progress.rubric.pk}-{index}",
                section.title,
                spec,
                [_("Completed"), _("Score (1 to %(top)s)") % {"top": top}],
                [[p["period"], p["shown"]] for p in points],
            )
        )
    return found


@ecosystem_view(MEMBERS)
def program_progress(request: HttpRequest, ecosystem_slug: str, program_slug: str) -> HttpResponse:
    program = get_assessed_program(request, program_slug)
    progress = progress_services.program_progress(request.user, program)
    chosen = request.GET.get("rubric")
    current = next(
        (p for p in progress if p.rubric.key == chosen), progress[0] if progress else None
    )
    marks = []
    if current is not None:
        # the toggle: each complete assessment the person may show, with whether it is shown
        for assessment in reversed(current.assessments):
            if request.user.has_perm("quality.agree_consensus", assessment):
                marks.append(assessment)
    return render(
        request,
        "quality/progress/program.html",
        {
            "program": program,
            "progress": progress,
            "current": current,
            "charts": _section_charts(current) if current else [],
            "marks": marks,
            "changes": {
                "improved": progress_services.IMPROVED,
                "declined": progress_services.DECLINED,
            },
            "counts": {
                kind: sum(1 for a in current.attributes if a.change == kind) if current else 0
                for kind in ("improved", "declined")
            },
        },
    )


@ecosystem_view(MEMBERS)
@require_POST
def show_mark(
    request: HttpRequest, ecosystem_slug: str, program_slug: str, pk: int
) -> HttpResponseBase:
    program = get_assessed_program(request, program_slug)
    assessment = get_object_or_404(
        assessments_of(request.user, current_ecosystem(request)), pk=pk, program=program
    )
    shown = request.POST.get("shown") == "1"
    try:
        progress_services.show_mark(request.user, assessment, shown)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The listing now shows “%(title)s”.") % {"title": assessment.title}
            if shown
            else _("The listing no longer shows “%(title)s”.") % {"title": assessment.title},
        )
    url = program_progress_url(program.ecosystem.slug, program.slug)
    return redirect(f"{url}?rubric={assessment.version.rubric.key}")


def program_progress_url(ecosystem_slug: str, program_slug: str) -> str:
    return reverse("quality:program_progress", args=[ecosystem_slug, program_slug])


# The roll-up ------------------------------------------------------------------------------


def hidden_text(reason: str | None, threshold: int) -> str:
    """The words a hidden figure is shown with (the dashboards' marks, and ours for a row of
    too few programs)."""
    if reason == figures.FEW:
        return _("hidden (fewer than %(n)s programs)") % {"n": threshold}
    if reason == "small":
        return _("fewer than %(n)s") % {"n": threshold}
    if reason == "complement":
        return _("hidden (would reveal a small group)")
    return _("hidden (protects a small group)")


def _shown(value: int | None, reason: str | None, threshold: int) -> str:
    return str(value) if value is not None else hidden_text(reason, threshold)


def _share(row: figures.PublishedRow) -> str:
    share = row.low_share
    return "—" if share is None else _("%(n)s%%") % {"n": rounded(share * 100, 0)}


def _least_share(row: figures.PublishedRow) -> str | None:
    """A hidden band's least share (what the page's other figures give away), or None."""
    share = None if row.low is not None else row.low_share_at_least
    return None if share is None else _("%(n)s%%") % {"n": rounded(share * 100, 0)}


def _chosen(request: HttpRequest) -> tuple[list[Rubric], Rubric | None]:
    ecosystem = current_ecosystem(request)
    choices = list(rollup_services.rollup_rubrics(ecosystem))
    key = request.GET.get("rubric")
    if key and not any(r.key == key for r in choices):
        raise Http404
    return choices, next((r for r in choices if r.key == key), choices[0] if choices else None)


def _rollup(request: HttpRequest) -> tuple[RollupFilterForm, rollup_services.Rollup | None]:
    ecosystem = current_ecosystem(request)
    choices, rubric = _chosen(request)
    rubric_choices = [(r.key, r.title) for r in choices]
    if rubric is None:
        return RollupFilterForm(None, rubrics=rubric_choices), None
    wanted = rollup_services.Filters()
    if request.user.has_perm("quality.view_rollup_exact", ecosystem):  # filters: module docstring
        wanted = rollup_services.Filters(
            program_type=request.GET.get("program_type", ""),
            area=request.GET.get("area", ""),
            depth=request.GET.get("depth", ""),
        )
    result = rollup_services.build(request.user, ecosystem, rubric, wanted)
    form = RollupFilterForm(
        {**request.GET.dict(), "rubric": rubric.key},
        rubrics=rubric_choices,
        program_types=result.choices.program_types,
        areas=result.choices.areas,
        depths=result.choices.depths,
    )
    if not form.is_valid():  # a filter value the programs do not have: every program
        result = rollup_services.build(request.user, ecosystem, rubric)
    return form, result


def export_rows(result: rollup_services.Rollup) -> tuple[list[str], list[list[Any]]]:
    """The roll-up as one table: a row per section and attribute, a column per stage."""
    headers = [
        _("Section"),
        _("Attribute"),
        *(s.name for s in result.stages),
        _("Programs"),
        _("Share at the lowest stages"),
    ]
    rows: list[list[Any]] = []

    def line(section: str, attribute: str, row: figures.PublishedRow) -> list[Any]:
        return [
            section,
            attribute,
            *(_shown(v, r, result.threshold) for v, r in zip(row.counts, row.reasons, strict=True)),
            _shown(row.total, figures.FEW if result.hidden else "protects", result.threshold),
            _share(row),
        ]

    for section in result.sections:
        rows.append(line(section.section.title, _("(the section)"), section.row))
        for attribute in section.attributes:
            rows.append(line(section.section.title, attribute.attribute.title, attribute.row))
    return headers, rows


HIDDEN_COLOUR = charts.HIDDEN_COLOUR


def _segments(
    result: rollup_services.Rollup, row: figures.PublishedRow
) -> list[tuple[str, int | None, str, int]]:
    """A row's bar: (group, value, shown, order) per segment. The stages shown are drawn as
    they are; what a member may not see split by stage is drawn as one grey "hidden" segment
    per band (or for the whole row), its size what the published figures already give (the
    band, or the row's programs, less the stages shown): nothing more is told."""
    stages = list(result.stages)
    low = {s.key for s in result.low_stages}
    bands = {
        figures.LOW: row.low,
        figures.HIGH: None if row.low is None or row.total is None else row.total - row.low,
    }
    found: list[tuple[str, int | None, str, int]] = []
    unplaced = 0
    drawn = 0
    for band in (figures.LOW, figures.HIGH):
        members = [
            (i, s, v)
            for i, (s, v) in enumerate(zip(stages, row.counts, strict=True))
            if (s.key in low) == (band == figures.LOW)
        ]
        for i, stage, value in members:
            if value is not None:
                found.append((stage.name, value, str(value), 2 * i))
                drawn += value
        if any(v is None for _i, _s, v in members):
            known = bands[band]
            if known is None:
                unplaced += 1
                continue
            rest = known - sum(v for _i, _s, v in members if v is not None)
            found.append(
                (_("Hidden"), rest, _("%(n)s, split hidden") % {"n": rest}, 2 * members[-1][0] + 1)
            )
            drawn += rest
    if unplaced and row.total is not None:
        rest = row.total - drawn
        found.append((_("Hidden"), rest, _("%(n)s, split hidden") % {"n": rest}, 2 * len(stages)))
    return found


def _band_cells(result: rollup_services.Rollup, row: figures.PublishedRow) -> list[str]:
    reason = figures.FEW if row.total is None else "protects"
    low = (
        _shown(None, reason, result.threshold) if row.low is None else f"{row.low} ({_share(row)})"
    )
    return [_shown(row.total, reason, result.threshold), low]


def _rollup_charts(result: rollup_services.Rollup) -> list[dict[str, Any]]:
    stages = [s.name for s in result.stages]
    groups = [*stages, _("Hidden")]
    colours = [*charts.stage_colours(len(stages)), HIDDEN_COLOUR]
    found = []
    for index, section in enumerate(result.sections):
        points: list[dict[str, Any]] = []
        rows = []
        for attribute in section.attributes:
            row = attribute.row
            cells = [
                _shown(v, r, result.threshold) for v, r in zip(row.counts, row.reasons, strict=True)
            ]
            points.extend(
                {
                    "label": attribute.attribute.title,
                    "group": group,
                    "value": value,
                    "shown": shown,
                    "order": order,
                }
                for group, value, shown, order in _segments(result, row)
            )
            rows.append([attribute.attribute.title, *cells, *_band_cells(result, row)])
        section_cells = [
            _shown(v, r, result.threshold)
            for v, r in zip(section.row.counts, section.row.reasons, strict=True)
        ]
        rows.append(
            [_("The section as a whole"), *section_cells, *_band_cells(result, section.row)]
        )
        spec = charts.stacked_bar_spec(
            points,
            label_title=_("Attribute"),
            group_title=_("Stage"),
            value_title=_("Programs"),
            groups=groups if not result.exact else stages,
            colours=colours if not result.exact else colours[:-1],
            description=section.section.title,
        )
        found.append(
            charts.chart(
                f"rollup-section-{index}",
                section.section.title,
                spec,
                [_("Attribute"), *stages, _("Programs"), _("At the lowest stages")],
                rows,
            )
        )
    return found


@ecosystem_view(ROLLUP)
def rollup_page(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    form, result = _rollup(request)
    weakest = []
    if result is not None and not result.hidden:
        weakest = [
            {
                "attribute": a,
                "share": _share(a.row),
                "low": a.row.low,
                "at_least": _least_share(a.row),
            }
            for a in result.weakest(limit=5)
        ]
    return render(
        request,
        "quality/progress/rollup.html",
        {
            "form": form,
            "result": result,
            "weakest": weakest,
            "charts": _rollup_charts(result) if result and not result.hidden else [],
            "formats": FORMATS,
        },
    )


@ecosystem_view(ROLLUP)
@require_http_methods(["GET"])
def rollup_export(request: HttpRequest, ecosystem_slug: str, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    _form, result = _rollup(request)
    if result is None:
        raise Http404
    headers, rows = export_rows(result)
    name = f"{slugify(result.ecosystem.slug)}-{result.rubric.key}-rollup"
    return exports.table_response(name, fmt, headers, rows)


urlpatterns = [
    path("rollup/", rollup_page, name="rollup"),
    path("rollup/download/<str:fmt>/", rollup_export, name="rollup_export"),
    path("programs/<slug:program_slug>/", program_progress, name="program_progress"),
    path("programs/<slug:program_slug>/mark/<int:pk>/", show_mark, name="show_mark"),
]
