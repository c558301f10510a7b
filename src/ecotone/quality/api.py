"""REST endpoints of program quality, under /api/v1/ecosystems/<slug>/quality/ (docs/api.md,
"Program quality").

Read-only, for backbone admins and staff (`quality.manage_rubrics`, the pages' rule through
`access.rubrics_of`): the ecosystem's rubrics, each with its versions, and one version's whole
document in the `ecotone-rubric/1` format the imports read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access
from .models import (
    ActionStatus,
    Assessment,
    PlanAction,
    PlanGoal,
    Rating,
    Review,
    Rubric,
    RubricVersion,
)
from .services import plans

MANAGE = "quality.manage_rubrics"
REVIEW = "quality.review_assessments"
VIEW_ASSESSMENT = "quality.view_assessment"
PLAN = "quality.plan_improvement"


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


# --- peer review and improvement plans (issue 18: review-plan) -------------------------------
# The reviewer's own reviews; an assessment's plan with its goals and actions, for whoever sees
# the assessment (`quality.view_assessment`); an action's status changed through
# `plans.set_action_status` (`quality.plan_improvement`).


class ReviewSerializer(serializers.ModelSerializer[Review]):
    assessment = serializers.IntegerField(source="assessment_id", read_only=True)
    assessment_title = serializers.CharField(source="assessment.title", read_only=True)
    organization = serializers.CharField(source="assessment.organization.slug", read_only=True)
    program = serializers.CharField(
        source="assessment.program.slug", read_only=True, allow_null=True, default=None
    )
    rubric = serializers.CharField(source="assessment.version.rubric.key", read_only=True)
    rubric_version = serializers.IntegerField(source="assessment.version.number", read_only=True)
    assigned_at = serializers.DateTimeField(source="created_at", read_only=True)
    rated = serializers.IntegerField(
        read_only=True, help_text="How many attributes the reviewer has given a stage."
    )

    class Meta:
        model = Review
        fields = (
            "id",
            "assessment",
            "assessment_title",
            "organization",
            "program",
            "rubric",
            "rubric_version",
            "assigned_at",
            "rated",
            "comment",
            "submitted_at",
        )
        read_only_fields = fields


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The reviews assigned to the caller (a reviewer), open ones first."""

    model = Review
    serializer_class = ReviewSerializer
    filter_backends: list[Any] = []
    rules = {"list": REVIEW, "retrieve": REVIEW}

    def scoped_queryset(self) -> QuerySet[Review]:
        user = self.request.user
        rated = (
            Rating.objects.filter(assessment=OuterRef("assessment"), rater_id=user.pk)
            .exclude(stage="")
            .values("assessment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            Review.objects.filter(
                reviewer_id=user.pk, assessment__in=access.assessments_of(user, self.ecosystem)
            )
            .select_related(
                "assessment__organization", "assessment__program", "assessment__version__rubric"
            )
            .annotate(rated=Coalesce(Subquery(rated), 0))
            .order_by(F("submitted_at").desc(nulls_first=True), "-created_at", "pk")
        )

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        # the rules read a review's assessment (its ecosystem)
        super().check_object_permissions(request, obj.assessment)


class PlanActionSerializer(serializers.ModelSerializer[PlanAction]):
    owner = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlanAction
        fields = ("id", "description", "owner", "due_on", "status", "overdue", "updated_at")
        read_only_fields = fields

    def get_owner(self, action: PlanAction) -> str | None:
        return action.owner.email if action.owner else None

    def get_overdue(self, action: PlanAction) -> bool:
        return plans.is_overdue(action)


class PlanGoalSerializer(serializers.ModelSerializer[PlanGoal]):
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = PlanGoal
        fields = ("id", "attribute", "target_stage", "goal", "actions")
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer[Assessment]):
    assessment = serializers.IntegerField(source="pk", read_only=True)
    follows = serializers.IntegerField(source="follows_id", read_only=True, allow_null=True)
    written_at = serializers.DateTimeField(source="plan.created_at", read_only=True)
    goals = PlanGoalSerializer(source="plan.goals", many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ("assessment", "title", "status", "follows", "written_at", "goals")
        read_only_fields = fields


class PlanViewSet(mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """An assessment's improvement plan (by the assessment's id), with its goals and actions."""

    model = Assessment
    serializer_class = PlanSerializer
    filter_backends: list[Any] = []
    rules = {"retrieve": VIEW_ASSESSMENT}
    object_rules = (VIEW_ASSESSMENT,)

    def scoped_queryset(self) -> QuerySet[Assessment]:
        return (
            access.assessments_of(self.request.user, self.ecosystem)
            .filter(plan__isnull=False)
            .select_related("plan")
            .prefetch_related("plan__goals__actions__owner")
        )


class ActionStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ActionStatus.choices)


class PlanActionViewSet(mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """One action of a plan; PATCH its `status` (not_started, in_progress, done, dropped)."""

    model = PlanAction
    serializer_class = PlanActionSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "patch", "head", "options"]
    rules = {"retrieve": VIEW_ASSESSMENT, "partial_update": PLAN}
    object_rules = (VIEW_ASSESSMENT, PLAN)

    def scoped_queryset(self) -> QuerySet[PlanAction]:
        seen = access.assessments_of(self.request.user, self.ecosystem)
        return PlanAction.objects.filter(goal__plan__assessment__in=seen).select_related(
            "owner", "goal__plan__assessment__ecosystem", "goal__plan__assessment__organization"
        )

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        # the rules read an action's assessment (its organization and ecosystem)
        super().check_object_permissions(request, obj.goal.plan.assessment)

    @extend_schema(request=ActionStatusSerializer, responses={200: PlanActionSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        body = ActionStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = plans.set_action_status(request.user, found, body.validated_data["status"])
        return Response(PlanActionSerializer(found).data)
