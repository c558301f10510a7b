"""REST endpoints of program quality, under /api/v1/ecosystems/<slug>/quality/ (docs/api.md,
"Program quality").

Rubrics are read-only, for backbone admins and staff (`quality.manage_rubrics`, the pages' rule
through `access.rubrics_of`): the ecosystem's rubrics, each with its versions, and one
version's whole document in the `ecotone-rubric/1` format the imports read. Assessments are
read by whoever sees them, and each caller saves their own ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translate
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.directory.models import Program
from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access, rollup
from .models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    ConsensusRating,
    PlanAction,
    PlanGoal,
    Rating,
    Review,
    Rubric,
    RubricVersion,
)
from .services import assessments, plans
from .services import progress as progress_services
from .services import rollup as rollup_services

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


# Assessments ---------------------------------------------------------------------------------
# Listed and read by whoever sees them (`access.assessments_of`: the backbone, the
# organization's partner staff, an assigned reviewer); a caller saves their own ratings through
# `services.assessments.save_rating`, as the "My ratings" page does.

VIEW_ASSESSMENTS = "quality.view_assessments"


class RatingSerializer(serializers.ModelSerializer[Rating]):
    class Meta:
        model = Rating
        fields: tuple[str, ...] = ("attribute", "stage", "note", "updated_at")
        read_only_fields: tuple[str, ...] = fields


class RaterRatingSerializer(RatingSerializer):
    rater = serializers.CharField(source="rater.name", help_text="The rater's name.")
    rater_id = serializers.IntegerField()

    class Meta(RatingSerializer.Meta):
        fields = ("rater", "rater_id", *RatingSerializer.Meta.fields)
        read_only_fields = fields


class ConsensusSerializer(serializers.ModelSerializer[ConsensusRating]):
    links = serializers.ListField(child=serializers.URLField(), read_only=True)

    class Meta:
        model = ConsensusRating
        fields = ("attribute", "stage", "note", "evidence", "links", "updated_at")
        read_only_fields = fields


class RaterAgreementSerializer(serializers.Serializer[Any]):
    percent_agreement = serializers.FloatField(
        allow_null=True,
        help_text="Share (0-1) of the attributes rated by two or more on which all agree.",
    )
    alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's alpha for ordinal data; null when undefined."
    )
    alpha_reason = serializers.CharField(
        allow_null=True, help_text="Why alpha is undefined (null when it is given)."
    )
    differing = serializers.ListField(
        child=serializers.CharField(), help_text="The attributes on which the raters differ."
    )


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    program: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    rubric = serializers.CharField(source="version.rubric.key", read_only=True)
    rubric_title = serializers.CharField(source="version.rubric.title", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    consensus = ConsensusSerializer(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    my_ratings = serializers.SerializerMethodField(help_text="The caller's own ratings.")

    class Meta:
        model = Assessment
        fields: tuple[str, ...] = (
            "id",
            "title",
            "organization",
            "program",
            "rubric",
            "rubric_title",
            "version",
            "status",
            "created_at",
            "updated_at",
            "completed_at",
            "consensus",
            "agreement",
            "my_ratings",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(RaterAgreementSerializer)
    def get_agreement(self, assessment: Assessment) -> dict[str, Any]:
        found = assessments.agreement(assessment)
        alpha = found.alpha
        return {
            "percent_agreement": found.percent_agreement,
            "alpha": alpha if isinstance(alpha, float) else None,
            # a msgid held in a variable (marked in `ratings`): not for makemessages
            "alpha_reason": None if isinstance(alpha, float) else translate(alpha.reason),
            "differing": [
                row.attribute for row in found.attributes if len(row.ratings) >= 2 and not row.agree
            ],
        }

    @extend_schema_field(RatingSerializer(many=True))
    def get_my_ratings(self, assessment: Assessment) -> list[dict[str, Any]]:
        user = self.context["request"].user
        mine = [r for r in assessment.ratings.all() if r.rater_id == user.pk]
        return RatingSerializer(mine, many=True).data  # type: ignore[return-value]


class AssessmentDetailSerializer(AssessmentSerializer):
    ratings = serializers.SerializerMethodField(
        help_text="Every rater's ratings (the caller sees the assessment)."
    )

    class Meta(AssessmentSerializer.Meta):
        fields = (*AssessmentSerializer.Meta.fields, "ratings")
        read_only_fields = fields

    @extend_schema_field(RaterRatingSerializer(many=True))
    def get_ratings(self, assessment: Assessment) -> list[dict[str, Any]]:
        return RaterRatingSerializer(assessment.ratings.all(), many=True).data  # type: ignore[return-value]


class RatingInputSerializer(serializers.Serializer[Any]):
    attribute = serializers.CharField(max_length=64)
    stage = serializers.CharField(
        max_length=64, allow_blank=True, help_text="A stage key of the rubric; blank: undecided."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The assessments the caller sees, latest first; one with every rater's ratings; POST
    `ratings/` saves one of the caller's own ratings."""

    model = Assessment
    serializer_class = AssessmentSerializer
    search_fields = ("title", "organization__name", "program__name")
    ordering_fields = ("created_at", "updated_at", "title", "status")
    rules = {"list": VIEW_ASSESSMENTS, "retrieve": VIEW_ASSESSMENTS, "ratings": VIEW_ASSESSMENTS}
    query_parameters = {
        "list": [
            OpenApiParameter("status", str, enum=AssessmentStatus.values),
            OpenApiParameter("rubric", str, description="A rubric's key."),
            OpenApiParameter("organization", str, description="An organization's slug."),
            OpenApiParameter("program", str, description="A program's slug."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Assessment]:
        found = access.assessments_of(self.request.user, self.ecosystem)
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (
                ("status", "status"),
                ("rubric", "version__rubric__key"),
                ("organization", "organization__slug"),
                ("program", "program__slug"),
            ):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        ratings = Rating.objects.select_related("rater").order_by("rater_id", "attribute")
        return found.prefetch_related(Prefetch("ratings", queryset=ratings), "consensus").order_by(
            "-created_at", "-pk"
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return AssessmentDetailSerializer
        return AssessmentSerializer

    @extend_schema(request=RatingInputSerializer, responses={200: RatingSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def ratings(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Save one of the caller's own ratings (replacing what they saved for the attribute);
        refused with 400 and the reason (an unknown attribute or stage, a complete
        assessment, a caller who may not rate it)."""
        assessment = self.get_object()
        given = RatingInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        rating = assessments.save_rating(
            request.user, assessment, data["attribute"], data["stage"], note=data["note"]
        )
        return Response(RatingSerializer(rating).data)


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
        # a hidden band: the least it can be, which the published figures give away already
        "at_lowest_stages_at_least": row.low_at_least,
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
    every count. Filters, the backbone's only (a member's answers 400: quality.md):
    `program_type`, `area` (an atlas area's id, or `none`) and `depth`."""

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
