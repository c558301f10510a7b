"""REST endpoints of program quality, under /api/v1/ecosystems/<slug>/quality/ (docs/api.md,
"Program quality").

Read-only, for backbone admins and staff (`quality.manage_rubrics`, the pages' rule through
`access.rubrics_of`): the ecosystem's rubrics, each with its versions, and one version's whole
document in the `ecotone-rubric/1` format the imports read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access
from .models import Rubric, RubricVersion

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
