"""REST endpoints of challenges, under /api/v1/ecosystems/<slug>/challenges/ (docs/challenges.md,
"API").

Read-only for now: the writes (applying, reviewing, deciding) are services of their own areas
and join these viewsets as actions that call them, as quality's `ratings` does. The records
people will edit (calls, applications, reviews, profiles, awards) already carry their ETag on
a read (`ConditionalUpdateMixin`), so a later PATCH checks `If-Match` like every other.

Every queryset starts from `access`, the one rule of who reaches what, so the API shows no
more than the pages:

- calls: everyone the calls that are no longer drafts, the backbone drafts too, each with its
  criteria (and their descriptors), eligibility questions, form questions and rounds;
- applications (and their frozen revisions): an applicant their own, a reviewer those assigned
  to them and never one in conflict, the backbone every submitted one. A reviewer reads the
  application as submitted (answers, organizations, partners) without the applicants' contact
  details, the feedback or who else reviews it;
- assignments: a reviewer their own, the backbone all, with the explanation of each pair;
- reviews: a reviewer their own and, once theirs is submitted, the others' on the same
  application and round without who wrote them; the backbone all;
- reviewer profiles: the backbone all, a reviewer their own;
- decisions and awards: the backbone; `winners` is public: the awards of calls whose winners
  were published, with their public fields only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.api.conditional import ConditionalUpdateMixin
from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access
from .models import (
    AnswerFile,
    Application,
    ApplicationStatus,
    Assignment,
    Award,
    AwardMilestone,
    Call,
    CallStatus,
    CoApplicant,
    Criterion,
    Decision,
    EligibilityQuestion,
    Outcome,
    Question,
    Review,
    ReviewerProfile,
    ReviewStatus,
    Revision,
    Round,
)

VIEW_CALLS = "challenges.view_calls"
SIGNED_IN = "challenges.apply"
VIEW_REVIEWING = "challenges.view_reviewing"
MANAGE = "challenges.manage_calls"


class ChallengesViewSet(EcosystemScopedViewSet):
    """Records are scoped by `access` in `scoped_queryset`; the rule of each action is then
    checked against the ecosystem (a review or an assignment has no ecosystem of its own for
    the rules to read, and whoever reached it through `access` may read it)."""

    # Reads only, until a write arrives with its service (the ETag mixin brings an `update`
    # that must not answer before then).
    http_method_names = ["get", "head", "options"]

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        super().check_object_permissions(request, self.ecosystem)

    @property
    def is_backbone(self) -> bool:
        return access.is_backbone(self.request.user, self.ecosystem)


# Small nested records -----------------------------------------------------------------------


class ChallengeRoundRefSerializer(serializers.ModelSerializer[Round]):
    class Meta:
        model = Round
        fields = ("id", "name", "kind", "position")
        read_only_fields = fields


class ChallengeApplicationRefSerializer(serializers.ModelSerializer[Application]):
    call = serializers.CharField(source="call.slug", read_only=True, help_text="The call's slug.")

    class Meta:
        model = Application
        fields = ("id", "title", "call")
        read_only_fields = fields


class ChallengePersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)


class ChallengeOrganizationRefSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


# Calls --------------------------------------------------------------------------------------


class ChallengeCriterionSerializer(serializers.ModelSerializer[Criterion]):
    descriptors = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="A descriptor per level of the call's scale, from its lowest score.",
    )

    class Meta:
        model = Criterion
        fields = ("key", "name", "description", "weight", "descriptors", "position")
        read_only_fields = fields


class ChallengeEligibilityQuestionSerializer(serializers.ModelSerializer[EligibilityQuestion]):
    class Meta:
        model = EligibilityQuestion
        fields = ("id", "text", "eligible_answer", "reason", "position")
        read_only_fields = fields


class ChallengeQuestionSerializer(serializers.ModelSerializer[Question]):
    settings = serializers.JSONField(
        read_only=True,
        help_text="What the kind needs: word_limit, options, min/max, categories and "
        "max_total, types and max_mb, max partners.",
    )

    class Meta:
        model = Question
        fields = ("key", "kind", "label", "help_text", "required", "settings", "position")
        read_only_fields = fields


class ChallengeRoundSerializer(serializers.ModelSerializer[Round]):
    class Meta:
        model = Round
        fields = (
            "id",
            "position",
            "name",
            "kind",
            "status",
            "reviews_per_application",
            "min_load",
            "max_load",
            "due_at",
            "feedback_released_at",
        )
        read_only_fields = fields


class CallSerializer(serializers.ModelSerializer[Call]):
    class Meta:
        model = Call
        fields: tuple[str, ...] = (
            "slug",
            "title",
            "summary",
            "status",
            "opens_at",
            "deadline",
            "total_funds",
            "winners_published_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields


class CallDetailSerializer(CallSerializer):
    criteria = ChallengeCriterionSerializer(many=True, read_only=True)
    eligibility = ChallengeEligibilityQuestionSerializer(many=True, read_only=True)
    questions = ChallengeQuestionSerializer(many=True, read_only=True)
    rounds = ChallengeRoundSerializer(many=True, read_only=True)

    class Meta(CallSerializer.Meta):
        fields = (
            *CallSerializer.Meta.fields,
            "description",
            "scale_min",
            "scale_max",
            "contact_email",
            "criteria",
            "eligibility",
            "questions",
            "rounds",
        )
        read_only_fields = fields


class CallViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """The ecosystem's calls, latest deadline first (drafts for the backbone only); a call with
    its criteria, eligibility questions, form and rounds."""

    model = Call
    serializer_class = CallSerializer
    lookup_field = "slug"
    search_fields = ("title", "summary")
    ordering_fields = ("deadline", "title", "updated_at")
    rules = {"list": VIEW_CALLS, "retrieve": VIEW_CALLS}
    query_parameters = {"list": [OpenApiParameter("status", str, enum=CallStatus.values)]}

    def scoped_queryset(self) -> QuerySet[Call]:
        found = access.calls_of(self.request.user, self.ecosystem)
        if self.action == "list" and (status := self.request.query_params.get("status")):
            found = found.filter(status=status)
        if self.action == "retrieve":
            found = found.prefetch_related("criteria", "eligibility", "questions", "rounds")
        return found.order_by("-deadline", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return CallDetailSerializer
        return CallSerializer


# Applications -------------------------------------------------------------------------------
# Who reads what of an application: its applicants and the backbone all of it; an assigned
# reviewer what they score (answers, organizations, partners, files) but not the applicants'
# contact details nor the feedback (the context says who reads in full: `_full`).


class ChallengeCoApplicantSerializer(serializers.ModelSerializer[CoApplicant]):
    email = serializers.EmailField(
        read_only=True, allow_null=True, help_text="Null for reviewers (contact details)."
    )
    accepted = serializers.SerializerMethodField()

    class Meta:
        model = CoApplicant
        fields = ("email", "organization_name", "accepted")
        read_only_fields = fields

    def get_accepted(self, co: CoApplicant) -> bool:
        return co.accepted_at is not None


class ChallengeAnswerFileSerializer(serializers.ModelSerializer[AnswerFile]):
    question = serializers.CharField(source="question.key", read_only=True)

    class Meta:
        model = AnswerFile
        fields = ("id", "question", "original_name", "content_type", "size", "uploaded_at")
        read_only_fields = fields


class ChallengeApplicationSerializer(serializers.ModelSerializer[Application]):
    call = serializers.CharField(source="call.slug", read_only=True, help_text="The call's slug.")
    round = ChallengeRoundRefSerializer(read_only=True, allow_null=True)
    lead = serializers.CharField(source="lead.name", read_only=True, help_text="The lead's name.")
    organization = serializers.SerializerMethodField(
        help_text="The lead organization when it is a partner of the directory."
    )

    class Meta:
        model = Application
        fields: tuple[str, ...] = (
            "id",
            "call",
            "round",
            "title",
            "status",
            "lead",
            "organization",
            "organization_name",
            "organization_sector",
            "city",
            "state",
            "requested_amount",
            "submitted_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(ChallengeOrganizationRefSerializer(allow_null=True))
    def get_organization(self, application: Application) -> dict[str, str] | None:
        organization = application.organization
        if organization is None:
            return None
        return {"slug": organization.slug, "name": organization.name}


class ChallengeApplicationDetailSerializer(ChallengeApplicationSerializer):
    partners = ChallengeOrganizationRefSerializer(many=True, read_only=True)
    files = ChallengeAnswerFileSerializer(many=True, read_only=True)
    answers = serializers.JSONField(
        read_only=True, help_text="The answers by question key (the working copy)."
    )
    eligibility_answers = serializers.JSONField(
        read_only=True, help_text="Yes or no by eligibility question id."
    )
    lead_email = serializers.SerializerMethodField(
        help_text="Null for reviewers: the applicants' contact details are theirs and staff's."
    )
    co_applicants = serializers.SerializerMethodField(
        help_text="Reviewers see only the organizations (conflicts), not the people."
    )
    feedback = serializers.SerializerMethodField(
        help_text="The feedback to the applicant; null for reviewers."
    )

    class Meta(ChallengeApplicationSerializer.Meta):
        fields = (
            *ChallengeApplicationSerializer.Meta.fields,
            "summary",
            "lead_email",
            "co_applicants",
            "partners",
            "other_partners",
            "topics",
            "grade_bands",
            "target_populations",
            "sectors_served",
            "latitude",
            "longitude",
            "eligibility_answers",
            "ineligible_reasons",
            "answers",
            "files",
            "feedback",
        )
        read_only_fields = fields

    def _full(self, application: Application) -> bool:
        """Read in full: by the backbone and the application's own applicants."""
        return bool(self.context.get("backbone")) or application.pk in self.context.get("own", ())

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_lead_email(self, application: Application) -> str | None:
        return str(application.lead.email) if self._full(application) else None

    @extend_schema_field(ChallengeCoApplicantSerializer(many=True))
    def get_co_applicants(self, application: Application) -> list[dict[str, Any]]:
        listed = list(application.co_applicants.all())
        if self._full(application):
            return ChallengeCoApplicantSerializer(listed, many=True).data  # type: ignore[return-value]
        return [
            {"email": None, "organization_name": c.organization_name, "accepted": True}
            for c in listed
            if c.accepted_at is not None and c.organization_name
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_feedback(self, application: Application) -> str | None:
        return application.feedback if self._full(application) else None


class ChallengeRevisionSerializer(serializers.ModelSerializer[Revision]):
    round = ChallengeRoundRefSerializer(read_only=True, allow_null=True)
    answers = serializers.JSONField(read_only=True)

    class Meta:
        model = Revision
        fields = ("id", "number", "round", "title", "summary", "answers", "submitted_at")
        read_only_fields = fields


class ApplicationViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """The applications the caller reaches (`access.applications_of`), by title; one with its
    answers; `revisions/` its submitted versions, oldest first."""

    model = Application
    serializer_class = ChallengeApplicationSerializer
    search_fields = ("title", "summary", "organization_name", "city")
    ordering_fields = ("title", "submitted_at", "updated_at", "status")
    rules = {"list": SIGNED_IN, "retrieve": SIGNED_IN, "revisions": SIGNED_IN}
    query_parameters = {
        "list": [
            OpenApiParameter("call", str, description="A call's slug."),
            OpenApiParameter("status", str, enum=ApplicationStatus.values),
            OpenApiParameter("round", int, description="A round's id."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Application]:
        found = access.applications_of(self.request.user, self.ecosystem).select_related(
            "lead", "organization"
        )
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (("call", "call__slug"), ("status", "status"), ("round", "round")):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        if self.action == "retrieve":
            found = found.prefetch_related(
                Prefetch("co_applicants", queryset=CoApplicant.objects.order_by("email")),
                "partners",
                Prefetch("files", queryset=AnswerFile.objects.select_related("question")),
            )
        return found.order_by("title", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return ChallengeApplicationDetailSerializer
        return ChallengeApplicationSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.action in ("retrieve", "revisions") and not getattr(
            self, "swagger_fake_view", False
        ):
            context["backbone"] = self.is_backbone
            own = access.own_applications(self.request.user, self.ecosystem)
            context["own"] = set(own.values_list("pk", flat=True))
        return context

    @extend_schema(responses={200: ChallengeRevisionSerializer(many=True)})
    @action(detail=True, filter_backends=[], pagination_class=None)
    def revisions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The application's submitted versions, oldest first (each frozen when submitted)."""
        application = self.get_object()
        found = application.revisions.select_related("round").order_by("number")
        return Response(ChallengeRevisionSerializer(found, many=True).data)


# Reviewers, assignments and reviews ---------------------------------------------------------


class ChallengeReviewerProfileSerializer(serializers.ModelSerializer[ReviewerProfile]):
    person = ChallengePersonSerializer(source="user", read_only=True)
    organizations = ChallengeOrganizationRefSerializer(many=True, read_only=True)
    assignments = serializers.IntegerField(
        source="assignment_count", read_only=True, help_text="Assignments in every round."
    )

    class Meta:
        model = ReviewerProfile
        fields = (
            "id",
            "person",
            "sector",
            "expertise",
            "topics",
            "regions",
            "sectors",
            "organizations",
            "other_organizations",
            "max_load",
            "active",
            "assignments",
            "updated_at",
        )
        read_only_fields = fields


class ReviewerProfileViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """Reviewer profiles: the backbone every one, a reviewer their own."""

    model = ReviewerProfile
    serializer_class = ChallengeReviewerProfileSerializer
    search_fields = ("user__name", "user__email", "expertise")
    ordering_fields = ("user__name", "updated_at")
    rules = {"list": VIEW_REVIEWING, "retrieve": VIEW_REVIEWING}
    query_parameters = {
        "list": [OpenApiParameter("active", bool, description="true: active profiles only.")]
    }

    def scoped_queryset(self) -> QuerySet[ReviewerProfile]:
        found = ReviewerProfile.objects.filter(ecosystem=self.ecosystem)
        if not self.is_backbone:
            found = found.filter(user_id=self.request.user.pk or 0)  # anonymous: none
        if self.action == "list" and (active := self.request.query_params.get("active")):
            found = found.filter(active=active == "true")
        return (
            found.select_related("user")
            .prefetch_related("organizations")
            .annotate(assignment_count=Count("assignments"))
            .order_by("user__name", "user__email", "pk")
        )


class ChallengeAssignmentSerializer(serializers.ModelSerializer[Assignment]):
    round = ChallengeRoundRefSerializer(read_only=True)
    application = ChallengeApplicationRefSerializer(read_only=True)
    reviewer = ChallengePersonSerializer(source="reviewer.user", read_only=True)
    explanation = serializers.JSONField(
        read_only=True, help_text="The parts of the pair's fit (the assignment's explanation)."
    )
    review_status = serializers.SerializerMethodField(help_text="Null: no review begun.")

    class Meta:
        model = Assignment
        fields = (
            "id",
            "round",
            "application",
            "reviewer",
            "locked",
            "score",
            "explanation",
            "review_status",
            "reminded_at",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(choices=ReviewStatus.choices, allow_null=True, read_only=True)
    )
    def get_review_status(self, assignment: Assignment) -> str | None:
        review = getattr(assignment, "review", None)
        return None if review is None else str(review.status)


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet):
    """Assignments (`access.assignments_of`): a reviewer their own, never one in conflict; the
    backbone every one."""

    model = Assignment
    serializer_class = ChallengeAssignmentSerializer
    search_fields = ("application__title", "reviewer__user__name")
    ordering_fields = ("created_at", "score")
    rules = {"list": VIEW_REVIEWING, "retrieve": VIEW_REVIEWING}
    query_parameters = {
        "list": [
            OpenApiParameter("call", str, description="A call's slug."),
            OpenApiParameter("round", int, description="A round's id."),
            OpenApiParameter("application", int, description="An application's id."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Assignment]:
        found = access.assignments_of(self.request.user, self.ecosystem).select_related(
            "review", "application__call"
        )
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (
                ("call", "round__call__slug"),
                ("round", "round"),
                ("application", "application"),
            ):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        return found.order_by(
            "round__call__deadline", "round__position", "application__title", "pk"
        )


class ChallengeReviewSerializer(serializers.ModelSerializer[Review]):
    assignment = serializers.IntegerField(source="assignment_id", read_only=True)
    application = ChallengeApplicationRefSerializer(source="assignment.application", read_only=True)
    round = ChallengeRoundRefSerializer(source="assignment.round", read_only=True)
    scores = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Level by criterion key."
    )
    mine = serializers.SerializerMethodField(help_text="Whether the caller wrote it.")
    reviewer = serializers.SerializerMethodField(
        help_text="Who wrote it: the backbone and its author only; null for peers."
    )

    class Meta:
        model = Review
        fields = (
            "id",
            "assignment",
            "application",
            "round",
            "mine",
            "reviewer",
            "status",
            "scores",
            "total",
            "comment_to_applicant",
            "comment_to_panel",
            "submitted_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_mine(self, review: Review) -> bool:
        return bool(review.assignment.reviewer.user_id == self.context["request"].user.pk)

    @extend_schema_field(ChallengePersonSerializer(allow_null=True))
    def get_reviewer(self, review: Review) -> dict[str, Any] | None:
        if not (self.context.get("backbone") or self.get_mine(review)):
            return None
        return ChallengePersonSerializer(review.assignment.reviewer.user).data


class ReviewViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """Reviews (`access.reviews_of`): a reviewer's own, and the others' of an application they
    reviewed in the same round once theirs is submitted (without the authors); the backbone's
    every one."""

    model = Review
    serializer_class = ChallengeReviewSerializer
    filter_backends: list[Any] = []
    rules = {"list": VIEW_REVIEWING, "retrieve": VIEW_REVIEWING}
    query_parameters = {
        "list": [
            OpenApiParameter("call", str, description="A call's slug."),
            OpenApiParameter("round", int, description="A round's id."),
            OpenApiParameter("application", int, description="An application's id."),
            OpenApiParameter("status", str, enum=ReviewStatus.values),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Review]:
        found = access.reviews_of(self.request.user, self.ecosystem).select_related(
            "assignment__application__call"
        )
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (
                ("call", "assignment__round__call__slug"),
                ("round", "assignment__round"),
                ("application", "assignment__application"),
                ("status", "status"),
            ):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        return found.order_by("assignment__application__title", "assignment__round__position", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["backbone"] = self.is_backbone
        return context


# Decisions and awards -----------------------------------------------------------------------


class ChallengeDecisionSerializer(serializers.ModelSerializer[Decision]):
    application = ChallengeApplicationRefSerializer(read_only=True)
    round = ChallengeRoundRefSerializer(read_only=True)
    decided_by = serializers.SerializerMethodField(help_text="Who decided (their name).")

    class Meta:
        model = Decision
        fields = (
            "id",
            "application",
            "round",
            "outcome",
            "note",
            "decided_by",
            "raw_rank",
            "adjusted_rank",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, decision: Decision) -> str | None:
        person = decision.decided_by
        return None if person is None else str(person.name or person.email)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet):
    """What was decided about each application in each round, and who decided (backbone)."""

    model = Decision
    serializer_class = ChallengeDecisionSerializer
    filter_backends: list[Any] = []
    rules = {"list": MANAGE, "retrieve": MANAGE}
    query_parameters = {
        "list": [
            OpenApiParameter("call", str, description="A call's slug."),
            OpenApiParameter("round", int, description="A round's id."),
            OpenApiParameter("outcome", str, enum=Outcome.values),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Decision]:
        found = Decision.objects.filter(
            application__in=access.applications_of(self.request.user, self.ecosystem)
        ).select_related("application__call", "round", "decided_by")
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (
                ("call", "application__call__slug"),
                ("round", "round"),
                ("outcome", "outcome"),
            ):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        return found.order_by("round__call__deadline", "round__position", "raw_rank", "pk")


class ChallengeAwardMilestoneSerializer(serializers.ModelSerializer[AwardMilestone]):
    class Meta:
        model = AwardMilestone
        fields = ("id", "kind", "title", "due_on", "amount", "done_on")
        read_only_fields = fields


class ChallengeAwardSerializer(serializers.ModelSerializer[Award]):
    application = ChallengeApplicationRefSerializer(read_only=True)
    organization_name = serializers.CharField(
        source="application.organization_name", read_only=True
    )
    has_agreement = serializers.SerializerMethodField(help_text="Whether the agreement is on file.")
    milestones = ChallengeAwardMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Award
        fields = (
            "id",
            "application",
            "organization_name",
            "amount",
            "in_kind",
            "citation",
            "has_agreement",
            "agreement_signed_at",
            "announced_at",
            "milestones",
        )
        read_only_fields = fields

    def get_has_agreement(self, award: Award) -> bool:
        return bool(award.agreement)


class AwardViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """Awards with their milestones (payments and reports due), for the backbone."""

    model = Award
    serializer_class = ChallengeAwardSerializer
    search_fields = ("application__title", "application__organization_name")
    ordering_fields = ("amount", "announced_at")
    rules = {"list": MANAGE, "retrieve": MANAGE}
    query_parameters = {"list": [OpenApiParameter("call", str, description="A call's slug.")]}

    def scoped_queryset(self) -> QuerySet[Award]:
        found = Award.objects.filter(
            application__in=access.applications_of(self.request.user, self.ecosystem)
        ).select_related("application__call")
        if self.action == "list" and (call := self.request.query_params.get("call")):
            found = found.filter(application__call__slug=call)
        return found.prefetch_related("milestones").order_by(
            "application__call__deadline", "application__title", "pk"
        )


class ChallengeWinnerSerializer(serializers.ModelSerializer[Award]):
    call = serializers.CharField(source="application.call.slug", read_only=True)
    call_title = serializers.CharField(source="application.call.title", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    organization_name = serializers.CharField(
        source="application.organization_name", read_only=True
    )
    city = serializers.CharField(source="application.city", read_only=True)
    state = serializers.CharField(source="application.state", read_only=True)
    summary = serializers.CharField(source="application.summary", read_only=True)

    class Meta:
        model = Award
        fields = (
            "id",
            "call",
            "call_title",
            "title",
            "organization_name",
            "city",
            "state",
            "summary",
            "amount",
            "in_kind",
            "citation",
        )
        read_only_fields = fields


class WinnerViewSet(mixins.ListModelMixin, ChallengesViewSet):
    """The public list of winners: the awards of calls whose winners are published, with what
    the public page shows (no agreements, milestones or applicants)."""

    model = Award
    serializer_class = ChallengeWinnerSerializer
    search_fields = ("application__title", "application__organization_name")
    ordering_fields = ("amount",)
    rules = {"list": VIEW_CALLS}
    query_parameters = {"list": [OpenApiParameter("call", str, description="A call's slug.")]}

    def scoped_queryset(self) -> QuerySet[Award]:
        published = access.calls_of(self.request.user, self.ecosystem).filter(
            Q(winners_published_at__lte=timezone.now()) & ~Q(status=CallStatus.DRAFT)
        )
        found = Award.objects.filter(application__call__in=published).select_related(
            "application__call"
        )
        if call := self.request.query_params.get("call"):
            found = found.filter(application__call__slug=call)
        return found.order_by("-application__call__deadline", "application__title", "pk")
