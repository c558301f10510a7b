"""The pathways' and badges' REST API (/api/v1/ecosystems/<slug>/pathways/ and beside it):
scoped by `access`, writes through the services.

`PathwayViewSet` (read): the published pathways with their stages of steps and resources for
home, for everyone, anonymous callers included; a curator also reads the drafts and archived
pathways they curate (`access.pathways_visible_to`). Texts come in both languages (`name` and
`name_es`...); the families' page chooses one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import mixins, serializers

from ecotone.directory import stem_profile
from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access
from .models import HomeResource, Pathway, PathwayStatus, Step

VIEW = "pathways.view_pathways"


class StepProgramSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


class PathwayStepSerializer(serializers.ModelSerializer[Step]):
    program = serializers.SerializerMethodField()
    is_kind = serializers.BooleanField(read_only=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "stage",
            "position",
            "title",
            "title_es",
            "gains",
            "gains_es",
            "is_kind",
            "program",
            "activity_types",
            "stem_fields",
            "grade_bands",
        ]

    @extend_schema_field(StepProgramSerializer(allow_null=True))
    def get_program(self, step: Step) -> dict[str, str] | None:
        """The program of a program-step (its slug in the programs endpoint), else null."""
        program = step.program
        if program is None:
            return None
        return {"slug": program.slug, "name": program.name}


class HomeResourceSerializer(serializers.ModelSerializer[HomeResource]):
    class Meta:
        model = HomeResource
        fields = ["title", "title_es", "url", "description", "description_es"]


class PathwaySerializer(serializers.ModelSerializer[Pathway]):
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    steps = PathwayStepSerializer(many=True, read_only=True)
    resources = HomeResourceSerializer(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = [
            "slug",
            "name",
            "name_es",
            "summary",
            "summary_es",
            "stem_field",
            "grade_bands",
            "status",
            "organization",
            "steps",
            "resources",
            "updated_at",
        ]


class PathwayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Pathways with their steps (stage by stage; the steps of one stage are alternatives) and
    resources for home. Everyone reads the published ones; curators their drafts too."""

    model = Pathway
    serializer_class = PathwaySerializer
    lookup_field = "slug"
    http_method_names = ["get", "head", "options"]
    search_fields = ("name", "name_es", "summary")
    ordering_fields = ("name", "updated_at")
    rules = {"list": VIEW, "retrieve": VIEW}
    query_parameters = {
        "list": [
            OpenApiParameter("status", str, enum=PathwayStatus.values),
            OpenApiParameter(
                "stem_field", str, enum=[code for code, _label in stem_profile.STEM_FIELDS.terms]
            ),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Pathway]:
        found = access.pathways_visible_to(self.request.user, self.ecosystem)
        params = self.request.query_params
        if self.action == "list":
            if status := params.get("status"):
                found = found.filter(status=status)
            if field := params.get("stem_field"):
                found = found.filter(stem_field=field)
        steps = Step.objects.select_related("program").order_by("stage", "position", "pk")
        return (
            found.select_related("organization")
            .prefetch_related(Prefetch("steps", queryset=steps), "resources")
            .order_by("name", "pk")
        )
