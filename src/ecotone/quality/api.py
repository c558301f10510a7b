"""REST endpoints of program quality, under /api/v1/ecosystems/<slug>/quality/ (docs/api.md,
"Program quality").

Read-only, for backbone admins and staff (`quality.manage_rubrics`, the pages' rule through
`access.rubrics_of`): the ecosystem's rubrics, each with its versions, and one version's whole
document in the `ecotone-rubric/1` format the imports read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.directory.models import Program
from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access, rollup
from .models import Rubric, RubricVersion
from .services import progress as progress_services
from .services import rollup as rollup_services

MANAGE = "quality.manage_rubrics"


class RubricVersionSerializer(serializers.ModelSerializer[RubricVersion]):
    class Meta:
        model = RubricVersion
        fields = ("number", "status", "published_at", "created_at")
        read_only_fields = fields


class RubricSerializer(serializers.ModelSerializer[Rubric]):
    latest_version = serializers.SerializerMethodField(
        help_text="The highest version number, whatever its status."
    )

    class Meta:
        model = Rubric
        fields: tuple[str, ...] = ("key", "title", "latest_version", "archived_at", "updated_at")
        read_only_fields: tuple[str, ...] = fields

    def get_latest_version(self, rubric: Rubric) -> int | None:
        numbers = [v.number for v in rubric.versions.all()]
        return max(numbers, default=None)


class RubricDetailSerializer(RubricSerializer):
    versions = RubricVersionSerializer(many=True, read_only=True)

    class Meta(RubricSerializer.Meta):
        fields = (*RubricSerializer.Meta.fields, "versions")
        read_only_fields = fields


class RubricViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The ecosystem's rubrics, by title; a rubric with its versions; a version's document."""

    model = Rubric
    serializer_class = RubricSerializer
    lookup_field = "key"
    search_fields = ("title", "key")
    ordering_fields = ("title", "updated_at")
    rules = {"list": MANAGE, "retrieve": MANAGE, "version": MANAGE}

    def scoped_queryset(self) -> QuerySet[Rubric]:
        found = access.rubrics_of(self.request.user, self.ecosystem)
        return found.prefetch_related("versions").order_by("title", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return RubricDetailSerializer
        return RubricSerializer

    @extend_schema(
        parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH)],
        responses={200: OpenApiTypes.OBJECT},
        description="The version's whole rubric as an `ecotone-rubric/1` JSON document (the "
        "format the import reads and the page's Download JSON writes).",
    )
    @action(detail=True, url_path=r"versions/(?P<number>[0-9]+)", filter_backends=[])
    def version(self, request: Request, number: str, **kwargs: Any) -> Response:
        rubric = self.get_object()
        # a number past the column's range is no version (PostgreSQL would refuse to compare)
        found = rubric.versions.filter(number=int(number)).first() if len(number) < 10 else None
        if found is None:
            raise exceptions.NotFound
        return Response(found.content)


# The roll-up and a program's progress (quality.views.progress's figures) -----------------------


def published_row(row: rollup.PublishedRow, stages: Sequence[str]) -> dict[str, Any]:
    """One row of the roll-up as published: None where hidden, with why."""
    return {
        "counts": dict(zip(stages, row.counts, strict=True)),
        "hidden_because": {
            stage: reason for stage, reason in zip(stages, row.reasons, strict=True) if reason
        },
        "programs": row.total,
        "at_lowest_stages": row.low,
        "share_at_lowest_stages": None if row.low_share is None else round(row.low_share, 4),
    }


def rollup_data(result: rollup_services.Rollup) -> dict[str, Any]:
    stages = [s.key for s in result.stages]
    return {
        "rubric": result.rubric.key,
        "stages": [{"key": s.key, "name": s.name} for s in result.stages],
        "lowest_stages": [s.key for s in result.low_stages],
        "filters": {
            "program_type": result.filters.program_type or None,
            "area": result.filters.area or None,
            "depth": result.filters.depth or None,
        },
        "exact": result.exact,
        "threshold": result.threshold,
        "programs": result.programs_shown,
        "weakest": [
            {"key": a.attribute.key, "section": a.section.key, **published_row(a.row, stages)}
            for a in result.weakest()
        ],
        "sections": [
            {
                "key": s.section.key,
                "title": s.section.title,
                **published_row(s.row, stages),
                "attributes": [
                    {
                        "key": a.attribute.key,
                        "title": a.attribute.title,
                        **published_row(a.row, stages),
                    }
                    for a in s.attributes
                ],
            }
            for s in result.sections
        ],
    }


class RollupViewSet(EcosystemScopedViewSet):
    """The ecosystem's roll-up of one rubric (by its key): the programs' latest complete
    assessments counted by stage per section and attribute, the weakest practices first, for
    members suppressed as on the page (a hidden count is null, with why); the backbone reads
    every count. Filters as the page: `program_type`, `area` (an atlas area's id, or `none`)
    and `depth`."""

    model = Rubric
    lookup_field = "key"
    rules = {"retrieve": "quality.view_rollup"}
    query_parameters = {
        "retrieve": [
            OpenApiParameter(
                "program_type", str, description="A program type (first kind of activity)."
            ),
            OpenApiParameter("area", str, description="An atlas area's id, or `none`."),
            OpenApiParameter("depth", str, description="A mentoring depth."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Rubric]:
        return rollup_services.rollup_rubrics(self.ecosystem)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rubric = self.get_object()
        wanted = rollup_services.Filters(
            program_type=request.query_params.get("program_type", ""),
            area=request.query_params.get("area", ""),
            depth=request.query_params.get("depth", ""),
        )
        result = rollup_services.build(request.user, self.ecosystem, rubric, wanted)
        offered = {
            "program_type": result.choices.program_types,
            "area": result.choices.areas,
            "depth": result.choices.depths,
        }
        for name, choices in offered.items():
            value = getattr(wanted, name)
            if value and value not in {code for code, _label in choices}:
                raise exceptions.ValidationError({name: [_("No assessed program has this value.")]})
        return Response(rollup_data(result))


class ProgramProgressViewSet(EcosystemScopedViewSet):
    """A program's progress on each rubric it was assessed against: per section the score
    (the mean stage of its attributes, from 1) at each complete assessment, and each
    attribute's stage then and now. For those who see the program's assessments."""

    model = Program
    lookup_field = "slug"
    rules = {"progress": "ecosystems.view_ecosystem"}

    def scoped_queryset(self) -> QuerySet[Program]:
        return Program.objects.filter(ecosystem=self.ecosystem)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, filter_backends=[])
    def progress(self, request: Request, slug: str, **kwargs: Any) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated
        try:
            program = access.get_assessed_program(request._request, slug)
        except Http404:
            raise exceptions.NotFound from None
        found = progress_services.program_progress(request.user, program)
        return Response(
            {
                "program": program.slug,
                "rubrics": [
                    {
                        "rubric": p.rubric.key,
                        "assessments": [
                            {
                                "id": a.pk,
                                "completed_at": a.completed_at,
                                "shown_on_listing": a.show_mark,
                            }
                            for a in p.assessments
                        ],
                        "sections": [
                            {
                                "key": section.key,
                                "scores": [
                                    {"assessment": s.assessment.pk, "score": s.score}
                                    for s in scores
                                ],
                            }
                            for section, scores in p.sections
                        ],
                        "attributes": [
                            {
                                "key": a.attribute.key,
                                "section": a.section.key,
                                "then": a.then.key if a.then else None,
                                "now": a.now.key if a.now else None,
                                "change": a.change,
                            }
                            for a in p.attributes
                        ],
                    }
                    for p in found
                ],
            }
        )
