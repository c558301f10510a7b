"""REST endpoints of the access atlas, under /api/v1/ecosystems/<slug>/ (docs/api.md).

Members read analyses, their per-area results and summaries, scenarios and population areas;
backbone staff change settings and create, preview and compare scenarios. Everything goes
through `services`; every count of young people passes small-cell suppression through
`publish` (a suppressed count is null, with `youth_suppressed` true, and the area's shares and
need are null too).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone import limits
from ecotone.api.conditional import ConditionalUpdateMixin
from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.ecosystems.models import Ecosystem

from .access import get_analysis, get_analysis_scenario
from .models import (
    YOUTH_BAND_FIELDS,
    Analysis,
    AnalysisRun,
    AreaKind,
    AreaResult,
    PopulationArea,
    RunStatus,
    Scenario,
)
from .parameters import LOCALES
from .services import analyses, publish, runs, scenarios, stored
from .services.results import AreaAccess

# `?ordering=` of the per-area results: each area's place under them is stored with the run.
AREA_ORDERINGS = stored.API_ORDERINGS


def _field_errors(error: analyses.InvalidInputError) -> serializers.ValidationError:
    return serializers.ValidationError(error.errors)


def run_state(run: AnalysisRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "progress": run.progress,
        "stage": run.stage,
        "stage_label": runs.stage_label(run),
        "error": run.error,
        "finished_at": run.finished_at,
        "seconds": run.seconds,
    }


def published_area(area: AreaAccess, figures: publish.Figures) -> dict[str, Any]:
    return published_fields(area, figures.area(area))


def published_fields(area: AreaAccess, shown: publish.AreaFigures) -> dict[str, Any]:
    return {
        "id": area.id,
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "locale": area.locale,
        "latitude": area.latitude,
        "longitude": area.longitude,
        "youth": shown.youth,
        "youth_suppressed": shown.hidden,
        "need": shown.need,
        "low_income_share": shown.low_income_share,
        "access_per_1000": area.access_per_1000,
        "seats_within": area.seats_within,
        "catchment_mi": area.catchment_mi,
        "nearest_miles": area.nearest_miles,
        "nearest_program_name": area.nearest_program_name,
        "nearest_program_slug": area.nearest_program_slug,
        "virtual_programs": area.virtual_programs,
        "is_desert": area.is_desert,
        "rank": area.rank,
        "supply_index": area.supply_index,
        "demand_index": area.demand_index,
        "reasons": area.reasons,
    }


# Analyses --------------------------------------------------------------------------------------


class AnalysisSerializer(serializers.ModelSerializer[Analysis]):
    parameters = serializers.JSONField(
        required=False,
        validators=[limits.MaxJSONSize(limits.ANALYSIS_SETTINGS)],
        help_text="The settings (docs/atlas.md); keys left out take their defaults. At most "
        f"{limits.ANALYSIS_SETTINGS:,} characters of JSON.",
    )

    class Meta:
        model = Analysis
        fields = ("id", "name", "description", "is_default", "parameters", "updated_at")
        read_only_fields = ("id", "is_default", "updated_at")


RESULT_PARAMETERS = [
    OpenApiParameter("scenario", int, description="A saved scenario's id (default: none)."),
    OpenApiParameter("desert", bool, description="Only deserts (true) or only the rest (false)."),
    OpenApiParameter("locale", str, enum=list(LOCALES)),
    OpenApiParameter("kind", str, enum=["school", "tract", "zip", "neighborhood"]),
    OpenApiParameter(
        "ordering",
        str,
        enum=[p + key for key in AREA_ORDERINGS for p in ("", "-")],
        description="Default: rank (priorities first), then name.",
    ),
]


class AnalysisViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    EcosystemScopedViewSet,
):
    """Configured ways of measuring access; `default` stands for the ecosystem's default one."""

    model = Analysis
    serializer_class = AnalysisSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"[0-9]+|default"
    rules = {
        "list": "atlas.view_atlas",
        "retrieve": "atlas.view_atlas",
        "summary": "atlas.view_atlas",
        "results": "atlas.view_atlas",
        "create": "atlas.change_analysis",
        "update": "atlas.change_analysis",
        "partial_update": "atlas.change_analysis",
    }

    query_parameters = {"summary": RESULT_PARAMETERS[:1], "results": RESULT_PARAMETERS}

    def scoped_queryset(self) -> QuerySet[Analysis]:
        return analyses.analyses(self.ecosystem)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        analyses.default_analysis(self.ecosystem)  # there is always one to read
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Analysis:
        if self.kwargs.get(self.lookup_field) == "default":
            analysis = analyses.default_analysis(self.ecosystem)
            self.check_object_permissions(self.request, analysis)
            return self.versioned(analysis)
        return super().get_object()

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = analyses.create_analysis(
                self.ecosystem,
                user=self.request.user,
                name=data.get("name", ""),
                description=data.get("description", ""),
                data=data.get("parameters") or {},
            )
        except analyses.InvalidInputError as error:
            raise _field_errors(error) from error

    def perform_update(self, serializer: Any) -> None:
        analysis = serializer.instance
        data = serializer.validated_data
        parameters = data.get("parameters")
        if parameters is not None and self.action == "partial_update":
            parameters = {**analysis.parameters, **parameters}
        try:
            serializer.instance = analyses.update_parameters(
                analysis,
                user=self.request.user,
                data=parameters if parameters is not None else analysis.parameters,
                name=data.get("name"),
                description=data.get("description"),
                expected_version=self.expected_version(),
            )
        except analyses.InvalidInputError as error:
            raise _field_errors(error) from error

    def _run(self, analysis: Analysis) -> tuple[AnalysisRun, Scenario | None]:
        scenario = None
        if raw := self.request.query_params.get("scenario"):
            if not raw.isdigit():
                raise serializers.ValidationError({"scenario": _("Give a scenario's number.")})
            scenario = get_analysis_scenario(analysis, int(raw))
        return runs.latest_run(analysis, scenario), scenario

    @extend_schema(
        responses={200: dict, 202: dict},
        description="Headline figures; 202 with the run's progress while it computes.",
    )
    @action(detail=True)
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        analysis = self.get_object()
        run, scenario = self._run(analysis)
        body: dict[str, Any] = {
            "analysis": analysis.pk,
            "scenario": scenario.pk if scenario else None,
            "run": run_state(run),
        }
        if run.status != RunStatus.DONE:
            return Response(body, status=202 if run.status != RunStatus.FAILED else 200)
        digest = runs.digest_of(run)
        body["summary"] = digest["published_summary"]
        body["parameters"] = digest["parameters"]
        return Response(body)

    @extend_schema(
        responses={200: dict, 202: dict},
        description="Per-area results, paginated; 202 with the run's progress while it computes.",
    )
    @action(detail=True)
    def results(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        analysis = self.get_object()
        run, _scenario = self._run(analysis)
        if run.status != RunStatus.DONE:
            return Response(
                {"run": run_state(run)}, status=202 if run.status != RunStatus.FAILED else 200
            )
        rows = runs.area_results(run)  # stored, published rows (services/stored.py)
        params = request.query_params
        if (desert := params.get("desert")) in ("true", "false"):
            rows = rows.filter(is_desert=desert == "true")
        if locale := params.get("locale"):
            rows = rows.filter(locale=locale)
        if kind := params.get("kind"):
            rows = rows.filter(kind=kind)
        ordering = params.get("ordering", "rank")
        column = stored.API_COLUMNS.get(ordering.lstrip("-"))
        if column is None:
            raise serializers.ValidationError(
                {"ordering": _("Order by one of: %(keys)s.") % {"keys": ", ".join(AREA_ORDERINGS)}}
            )
        # Counted when the run was stored: a page never counts 100,000 rows.
        known = stored.count(
            runs.digest_of(run),
            locale or "",
            kind or "",
            None if desert not in ("true", "false") else desert == "true",
        )
        ordered = stored.Counted(stored.order_by(rows, column, ordering.startswith("-")), known)
        page: list[AreaResult] = self.paginate_queryset(ordered) or []  # type: ignore[arg-type]
        hidden_words = publish.hidden_text(self.ecosystem)
        response = self.get_paginated_response(
            [
                published_fields(area, stored.published(row, hidden_words))
                for row, area in zip(page, runs.stored_areas(run, page), strict=True)
            ]
        )
        response.data["run"] = run_state(run)
        return response


# Scenarios -------------------------------------------------------------------------------------


class ScenarioSerializer(serializers.ModelSerializer[Scenario]):
    analysis = serializers.IntegerField(
        source="analysis_id",
        required=False,
        help_text="The analysis it belongs to (default: the ecosystem's default analysis).",
    )
    programs = serializers.JSONField(help_text="Hypothetical programs (docs/api.md).")

    class Meta:
        model = Scenario
        fields = ("id", "analysis", "name", "description", "programs", "updated_at")
        read_only_fields = ("id", "updated_at")


class PreviewSerializer(serializers.Serializer[Any]):
    analysis = serializers.IntegerField(required=False)
    programs = serializers.JSONField()


def comparison_column(column: scenarios.ScenarioComparison, ecosystem: Ecosystem) -> dict[str, Any]:
    figures = column.figures(ecosystem)
    return {
        "name": column.name,
        "scenario": column.scenario.pk if column.scenario else None,
        "run": run_state(column.run) if column.run is not None else None,
        "ready": column.ready,
        "summary": column.published_summary(ecosystem),
        "deltas": figures.changes(column.deltas),
        "no_longer_deserts": [
            {"id": a.id, "code": a.code, "name": a.name, "youth": figures.area(a).youth}
            for a in column.no_longer_deserts
        ],
        "new_deserts": [{"id": a.id, "code": a.code, "name": a.name} for a in column.new_deserts],
        "youth_newly_in_reach": figures.total(column.youth_newly_in_reach),
        "areas_newly_in_reach": column.areas_newly_in_reach,
    }


class ScenarioViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    EcosystemScopedViewSet,
):
    """Hypothetical programs added to an analysis; compare them, or preview without saving."""

    model = Scenario
    serializer_class = ScenarioSerializer
    filter_backends: list[Any] = []
    rules = {
        "list": "atlas.view_atlas",
        "retrieve": "atlas.view_atlas",
        "compare": "atlas.view_atlas",
        "create": "atlas.change_analysis",
        "preview": "atlas.change_analysis",
        "preview_result": "atlas.change_analysis",
    }

    query_parameters = {"list": [OpenApiParameter("analysis", int)]}

    def scoped_queryset(self) -> QuerySet[Scenario]:
        found = Scenario.objects.filter(analysis__ecosystem=self.ecosystem).select_related(
            "analysis__ecosystem"
        )
        if (raw := self.request.query_params.get("analysis", "")).isdigit():
            found = found.filter(analysis_id=int(raw))
        return found.order_by("name", "pk")

    def _analysis(self, pk: Any) -> Analysis:
        if pk in (None, "", "default"):
            return analyses.default_analysis(self.ecosystem)
        if not str(pk).isdigit():
            raise serializers.ValidationError({"analysis": _("Give an analysis's number.")})
        return get_analysis(self.ecosystem, int(pk))

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        analysis = self._analysis(data.get("analysis_id"))
        try:
            serializer.instance = scenarios.save_scenario(
                analysis,
                user=self.request.user,
                name=data.get("name", ""),
                description=data.get("description", ""),
                programs=data.get("programs"),
            )
        except analyses.InvalidInputError as error:
            raise _field_errors(error) from error

    @extend_schema(
        parameters=[
            OpenApiParameter("analysis", str, description="An analysis's id or default."),
            OpenApiParameter(
                "ids", str, description="Scenario ids, comma separated; 0 is the baseline."
            ),
        ],
        responses={200: dict},
    )
    @action(detail=False)
    def compare(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        analysis = self._analysis(request.query_params.get("analysis"))
        raw = [p for p in request.query_params.get("ids", "").split(",") if p.strip()]
        if not raw or not all(p.strip().isdigit() for p in raw) or len(raw) > 6:
            raise serializers.ValidationError(
                {"ids": _("Give from 1 to 6 scenario numbers, separated by commas.")}
            )
        ids = [int(p) for p in raw]
        found = {s.pk: s for s in scenarios.scenarios(analysis).filter(pk__in=ids)}
        if any(pk and pk not in found for pk in ids):
            raise serializers.ValidationError({"ids": _("Some of these scenarios do not exist.")})
        comparison = scenarios.compare(analysis, [found[pk] if pk else None for pk in ids])
        return Response(
            {
                "analysis": analysis.pk,
                "ready": comparison.ready,
                "baseline": run_state(comparison.baseline_run),
                "columns": [comparison_column(c, self.ecosystem) for c in comparison.columns],
            }
        )

    @extend_schema(
        request=PreviewSerializer,
        responses={200: dict, 202: dict},
        description="One column as in compare, saved nowhere. In a large ecosystem "
        "(ATLAS_SYNC_MAX_AREAS areas or more) it is queued: 202 with the preview's run and "
        "`poll`, where to read it.",
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        analysis = self._analysis(body.validated_data.get("analysis"))
        try:
            # Queued in a large ecosystem, as the page's preview (`scenarios.preview_scenario`).
            column = scenarios.preview_scenario(
                analysis, body.validated_data["programs"], user=request.user
            )
        except analyses.InvalidInputError as error:
            raise _field_errors(error) from error
        if column.run is not None:
            return self._queued_preview(
                analysis, scenarios.preview_comparison(analysis, column.run)
            )
        return Response({"analysis": analysis.pk, **comparison_column(column, self.ecosystem)})

    @extend_schema(
        parameters=[OpenApiParameter("analysis", str, description="An analysis's id or default.")],
        responses={200: dict, 202: dict},
        description="A queued preview: 202 with its run's and today's run's progress while "
        "they compute, then its column as in compare. Only the person who asked reads it.",
    )
    @action(detail=False, url_path=r"preview/(?P<run_id>[0-9]+)")
    def preview_result(self, request: Request, run_id: str, *args: Any, **kwargs: Any) -> Response:
        analysis = self._analysis(request.query_params.get("analysis"))
        run = runs.preview_of(analysis, int(run_id), request.user)
        if run is None:
            raise Http404
        return self._queued_preview(analysis, scenarios.preview_comparison(analysis, run))

    def _queued_preview(self, analysis: Analysis, comparison: scenarios.Comparison) -> Response:
        column = comparison.columns[0]
        assert column.run is not None  # a queued preview's column has its run
        body = {
            "analysis": analysis.pk,
            "poll": self.request.build_absolute_uri(
                reverse(
                    "api:scenario-preview-result",
                    kwargs={"ecosystem_slug": self.ecosystem.slug, "run_id": column.run.pk},
                )
                + f"?analysis={analysis.pk}"
            ),
            "baseline": run_state(comparison.baseline_run),
            **comparison_column(column, self.ecosystem),
        }
        failed = RunStatus.FAILED in (column.run.status, comparison.baseline_run.status)
        status = 200 if column.ready or failed else 202
        return Response(body, status=status, headers={"Location": body["poll"]})


# Population areas ------------------------------------------------------------------------------


class PopulationAreaSerializer(serializers.ModelSerializer[PopulationArea]):
    # Set with the published counts (`publish.published_population_area`), the one place that
    # decides whether the area's count is hidden; declared here for the schema.
    youth_suppressed = serializers.BooleanField(read_only=True)

    class Meta:
        model = PopulationArea
        fields = (
            "id",
            "kind",
            "code",
            "name",
            "district_code",
            "district_name",
            "city",
            "latitude",
            "longitude",
            "locale_code",
            "locale",
            "lowest_grade",
            "highest_grade",
            "youth_total",
            "youth_suppressed",
            *YOUTH_BAND_FIELDS.values(),
            *publish.SHARE_FIELDS,
            "race_counts",
            "source",
            "updated_at",
        )

    def to_representation(self, area: PopulationArea) -> dict[str, Any]:
        data = super().to_representation(area)
        data.update(publish.published_population_area(area, area.ecosystem))
        return data


class PopulationAreaViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet
):
    """Where the ecosystem's young people are counted (read-only; loaded by imports)."""

    model = PopulationArea
    serializer_class = PopulationAreaSerializer
    search_fields = ("name", "code", "city", "district_name")
    ordering_fields = ("name", "code", "youth_total", "updated_at")
    rules = {"list": "atlas.view_atlas", "retrieve": "atlas.view_atlas"}

    query_parameters = {
        "list": [
            OpenApiParameter("kind", str, enum=AreaKind.values),
            OpenApiParameter("locale", str, enum=list(LOCALES)),
        ]
    }

    def scoped_queryset(self) -> QuerySet[PopulationArea]:
        areas = PopulationArea.objects.filter(ecosystem=self.ecosystem).select_related("ecosystem")
        if kind := self.request.query_params.get("kind"):
            areas = areas.filter(kind=kind)
        if locale := self.request.query_params.get("locale"):
            areas = areas.filter(locale=locale)
        return areas.order_by("name", "pk")
