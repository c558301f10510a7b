"""REST endpoints of challenges, under /api/v1/ecosystems/<slug>/challenges/ (docs/challenges.md,
"API").

Writes are actions that call the services of their areas (`services/`), never a rule of their
own, with the pages' permissions; a service's `DomainError` answers 400 with its sentence
(`ecotone.api.exceptions.handler`). Applications, reviews and awards carry their ETag
(`ConditionalUpdateMixin`): a PATCH with a stale `If-Match` answers 412, checked before the
input and again on the row locked in the write's transaction. Applicants draft, screen,
invite, submit and withdraw their own applications; reviewers bid, declare conflicts and save
their reviews; the backbone solves rounds, locks pairs, reads the ranking, shortlists, awards,
announces, publishes winners and reads the applicant-pool report.

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

import math
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone import concurrency
from ecotone.api.conditional import ConditionalUpdateMixin
from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.ecosystems.models import Sector
from ecotone.errors import DomainError
from ecotone.limits import LONG_TEXT, SHORT_TEXT

from . import access
from .models import (
    AnswerFile,
    Application,
    ApplicationStatus,
    Assignment,
    Award,
    AwardMilestone,
    Bid,
    BidValue,
    Call,
    CallStatus,
    CoApplicant,
    ConflictDeclaration,
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
from .services import applications as application_services
from .services import assignments as assignment_services
from .services import awards as award_services
from .services import decisions as decision_services
from .services import pool as pool_services
from .services import ranking as ranking_services
from .services import reviewers as reviewer_services
from .services import reviews as review_services

VIEW_CALLS = "challenges.view_calls"
SIGNED_IN = "challenges.apply"
VIEW_REVIEWING = "challenges.view_reviewing"
MANAGE = "challenges.manage_calls"
REVIEW = "challenges.review"


class ChallengesViewSet(EcosystemScopedViewSet):
    """Records are scoped by `access` in `scoped_queryset`; the rule of each action is then
    checked against the ecosystem (a review or an assignment has no ecosystem of its own for
    the rules to read, and whoever reached it through `access` may read it)."""

    # Reads only unless a viewset names its writes (the ETag mixin brings an `update` that
    # must not answer where no write is meant).
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


# Awards (read by the backbone on their own and after a call's announcement) -----------------


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
        fields: tuple[str, ...] = (
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
        read_only_fields: tuple[str, ...] = fields


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


class PoolShareSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Of the applications, 0 to 1.")


class PoolOverlapSerializer(serializers.Serializer[Any]):
    first = ChallengeApplicationRefSerializer()
    second = ChallengeApplicationRefSerializer()
    same_area = serializers.BooleanField()
    miles = serializers.FloatField(allow_null=True, help_text="Null: the same city, no map.")
    partners = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())


class PoolPlaceSerializer(serializers.Serializer[Any]):
    application = serializers.IntegerField()
    title = serializers.CharField()
    organization_name = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class PoolReportSerializer(serializers.Serializer[Any]):
    call = serializers.CharField(help_text="The call's slug.")
    applications = serializers.IntegerField(help_text="Submitted applications counted.")
    overlapping_share = serializers.FloatField(
        help_text="Share of the applications in an overlapping pair, 0 to 1."
    )
    in_directory_partners = serializers.IntegerField()
    near_miles = serializers.FloatField(help_text="Closer than this is the same area.")
    sectors = PoolShareSerializer(many=True)
    populations = PoolShareSerializer(many=True)
    grade_bands = PoolShareSerializer(many=True)
    topics = PoolShareSerializer(many=True)
    regions = PoolShareSerializer(many=True)
    states = PoolShareSerializer(many=True)
    partners = PoolShareSerializer(many=True)
    overlaps = PoolOverlapSerializer(many=True)
    places = PoolPlaceSerializer(many=True, help_text="The applications with coordinates.")


def pool_data(report: pool_services.PoolReport) -> dict[str, Any]:
    """The report as the API gives it (`PoolReportSerializer`)."""

    def shares(found: list[pool_services.Share]) -> list[dict[str, Any]]:
        return [
            {"key": s.key, "label": str(s.label), "count": s.count, "share": s.share} for s in found
        ]

    def ref(application: Application) -> dict[str, Any]:
        return {"id": application.pk, "title": application.title, "call": report.call.slug}

    return {
        "call": report.call.slug,
        "applications": report.total,
        "overlapping_share": report.overlapping_share,
        "in_directory_partners": report.in_directory_partners,
        "near_miles": report.near_miles,
        **{
            name: shares(getattr(report, name))
            for name in (
                "sectors",
                "populations",
                "grade_bands",
                "topics",
                "regions",
                "states",
                "partners",
            )
        },
        "overlaps": [
            {
                "first": ref(o.first),
                "second": ref(o.second),
                "same_area": o.same_area,
                "miles": o.miles,
                "partners": list(o.partners),
                "reasons": [str(r) for r in o.reasons()],
            }
            for o in report.overlaps
        ],
        "places": [
            {
                "application": a.pk,
                "title": a.title,
                "organization_name": a.organization_name,
                "city": a.city,
                "state": a.state,
                "latitude": a.latitude,
                "longitude": a.longitude,
            }
            for a in report.applications
            if a.latitude is not None and a.longitude is not None
        ],
    }


class CallViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """The ecosystem's calls, latest deadline first (drafts for the backbone only); a call with
    its criteria, eligibility questions, form and rounds."""

    model = Call
    serializer_class = CallSerializer
    http_method_names = ["get", "post", "head", "options"]
    lookup_field = "slug"
    search_fields = ("title", "summary")
    ordering_fields = ("deadline", "title", "updated_at")
    rules = {
        "list": VIEW_CALLS,
        "retrieve": VIEW_CALLS,
        "announce": MANAGE,
        "publish_winners": MANAGE,
        "pool": MANAGE,
    }
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

    # The backbone's writes on a call's awards and its applicant-pool report (area api2).

    @extend_schema(request=None, responses={200: ChallengeAwardSerializer(many=True)})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def announce(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Announce the call's awards not yet announced: their winners are emailed. Refused
        with 400 when every award was announced already."""
        call = self.get_object()
        done = award_services.announce(call, by=request.user)
        found = Award.objects.filter(pk__in=[a.pk for a in done]).select_related(
            "application__call"
        )
        return Response(
            ChallengeAwardSerializer(found.prefetch_related("milestones"), many=True).data
        )

    @extend_schema(request=None, responses={200: CallSerializer})
    @action(detail=True, methods=["post"], url_path="publish-winners", filter_backends=[])
    def publish_winners(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open the public winners page of the call (its announced awards); refused with 400
        before any award is announced, or when published already."""
        call = award_services.publish_winners(self.get_object(), by=request.user)
        return Response(CallSerializer(call).data)

    @extend_schema(responses={200: PoolReportSerializer})
    @action(detail=True, filter_backends=[], pagination_class=None)
    def pool(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The applicant-pool report of the call (the pool page's figures): the submitted
        applications counted by lead sector, young people targeted, grade band, STEM field,
        census region, state and partner named, and the overlapping pairs (same area or
        partners in common)."""
        return Response(pool_data(pool_services.pool_report(self.get_object())))


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


# Applicants' writes (area api2): the inputs, each checked by a serializer and then by the
# service of `services.applications` (its DomainError answers 400 with the reason).


class ApplicationCreateSerializer(serializers.Serializer[Any]):
    call = serializers.SlugField(help_text="The call's slug (a call taking applications).")
    title = serializers.CharField(max_length=200, help_text="The project's title.")
    organization = serializers.SlugField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The lead organization when it is a partner of the directory (its slug); "
        "else give `organization_name` and `organization_sector`.",
    )
    organization_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    organization_sector = serializers.ChoiceField(
        choices=Sector.choices, required=False, allow_blank=True, default=""
    )


class ApplicationDraftInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT)
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text="Answers by question key, kept with the others (partial); an empty one "
        '(null, "", []) removes the answer. Problems do not refuse the save: they are '
        "listed in `problems`.",
    )


class ApplicationDraftSerializer(ChallengeApplicationDetailSerializer):
    problems = serializers.SerializerMethodField(
        help_text="What the answers still need before a submit, by question key."
    )

    class Meta(ChallengeApplicationDetailSerializer.Meta):
        fields = (*ChallengeApplicationDetailSerializer.Meta.fields, "problems")
        read_only_fields = fields

    @extend_schema_field(
        serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    )
    def get_problems(self, application: Application) -> dict[str, list[str]]:
        found = application_services.problems(application, complete=False)
        return application_services.by_question(found)


class EligibilityInputSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Yes (true) or no (false) by eligibility question id, for every question "
        "of the call. An answer other than the eligible one screens the application out.",
    )

    def validate_answers(self, value: dict[str, bool]) -> dict[int, bool]:
        if not all(key.isdigit() and len(key) < 10 for key in value):
            raise serializers.ValidationError(_("Name each eligibility question by its id."))
        return {int(key): answer for key, answer in value.items()}


class CoApplicantInputSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(help_text="Where the invitation is sent.")
    organization_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


# Writes the application's applicants make; anyone else (the backbone too) finds no such
# application to change: 404, as on the pages (`access.own_applications`).
OWN_ACTIONS = ("partial_update", "screen", "submit", "withdraw", "co_applicants")


class ApplicationViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ChallengesViewSet,
):
    """The applications the caller reaches (`access.applications_of`), by title; one with its
    answers; `revisions/` its submitted versions, oldest first.

    Any signed-in person starts a draft (POST) on behalf of an organization; the application's
    applicants then PATCH its answers (partial, `If-Match` checked), answer its eligibility
    questions (`screen/`), invite co-applicants, `submit/` it before the deadline and
    `withdraw/` it."""

    model = Application
    serializer_class = ChallengeApplicationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ("title", "summary", "organization_name", "city")
    ordering_fields = ("title", "submitted_at", "updated_at", "status")
    rules = {
        "list": SIGNED_IN,
        "retrieve": SIGNED_IN,
        "revisions": SIGNED_IN,
        "create": SIGNED_IN,
        **dict.fromkeys(OWN_ACTIONS, SIGNED_IN),
    }
    query_parameters = {
        "list": [
            OpenApiParameter("call", str, description="A call's slug."),
            OpenApiParameter("status", str, enum=ApplicationStatus.values),
            OpenApiParameter("round", int, description="A round's id."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Application]:
        if self.action in OWN_ACTIONS:
            found = access.own_applications(self.request.user, self.ecosystem)
        else:
            found = access.applications_of(self.request.user, self.ecosystem)
        found = found.select_related("call", "round", "lead", "organization")
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (("call", "call__slug"), ("status", "status"), ("round", "round")):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        if self.action != "list":
            found = found.prefetch_related(
                Prefetch("co_applicants", queryset=CoApplicant.objects.order_by("email")),
                "partners",
                Prefetch("files", queryset=AnswerFile.objects.select_related("question")),
            )
        return found.order_by("title", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action in ("create", "partial_update", "screen", "submit", "withdraw"):
            return ApplicationDraftSerializer
        if self.action == "retrieve":
            return ChallengeApplicationDetailSerializer
        return ChallengeApplicationSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.action != "list" and not getattr(self, "swagger_fake_view", False):
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

    def _answer(self, application: Application, status: int = 200) -> Response:
        """The application as it is now (read again), with its ETag."""
        fresh = self.get_queryset().get(pk=application.pk)
        response = Response(self.get_serializer(fresh).data, status=status)
        response["ETag"] = concurrency.etag(self.version(fresh))
        return response

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationDraftSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a draft on behalf of an organization (`services.applications
        .start_application`): refused with 400 and why when the call is not taking
        applications, or the organization is not named."""
        given = ApplicationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        call = access.calls_of(request.user, self.ecosystem).filter(slug=data["call"]).first()
        if call is None:
            raise exceptions.ValidationError({"call": [_("No call here has this slug.")]})
        organization = None
        if data["organization"]:
            organization = self.ecosystem.organizations.filter(
                slug=data["organization"], archived_at__isnull=True
            ).first()
            if organization is None:
                raise exceptions.ValidationError(
                    {"organization": [_("No partner of this ecosystem has this slug.")]}
                )
        application = application_services.start_application(
            request.user,
            call,
            title=data["title"],
            organization=organization,
            organization_name=data["organization_name"],
            organization_sector=data["organization_sector"],
        )
        return self._answer(application, status=201)

    @extend_schema(
        request=ApplicationDraftInputSerializer, responses={200: ApplicationDraftSerializer}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Save answers of a draft (or of an application invited to revise), the others kept,
        even with problems (listed in `problems`); refused after the deadline. Send the ETag
        you read in `If-Match`: someone else's change since answers 412."""
        application = self.get_object()
        given = ApplicationDraftInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with transaction.atomic():
            concurrency.require(self.expected_version(), concurrency.locked_version(application))
            application_services.save_draft(
                request.user,
                application,
                answers_given=data.get("answers", {}),
                title=data.get("title"),
                summary=data.get("summary"),
            )
        return self._answer(application)

    @extend_schema(request=EligibilityInputSerializer, responses={200: ApplicationDraftSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def screen(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Answer the call's eligibility questions, once, while a draft: a non-eligible answer
        screens the application out (status `ineligible`, the reasons in
        `ineligible_reasons`)."""
        application = self.get_object()
        given = EligibilityInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        application_services.screen(request.user, application, given.validated_data["answers"])
        return self._answer(application)

    @extend_schema(request=None, responses={200: ApplicationDraftSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit before the deadline (or a revision before its round's due time): every
        answer checked and the version frozen. Refused with 400 and why: after the deadline,
        eligibility unanswered, answers needing attention (see `problems` on a PATCH)."""
        application = self.get_object()
        application_services.submit(request.user, application)
        return self._answer(application)

    @extend_schema(request=None, responses={200: ApplicationDraftSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw the application (refused once it is closed: declined, awarded...)."""
        application = self.get_object()
        application_services.withdraw(request.user, application)
        return self._answer(application)

    @extend_schema(
        request=CoApplicantInputSerializer, responses={201: ChallengeCoApplicantSerializer}
    )
    @action(detail=True, methods=["post"], url_path="co-applicants", filter_backends=[])
    def co_applicants(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invite a co-applicant by email: they accept signed in with that address (the link
        in the email), then edit the application with you."""
        application = self.get_object()
        given = CoApplicantInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        invited = application_services.invite_co_applicant(
            request.user, application, **given.validated_data
        )
        return Response(ChallengeCoApplicantSerializer(invited).data, status=201)


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
    http_method_names = ["get", "post", "head", "options"]
    search_fields = ("application__title", "reviewer__user__name")
    ordering_fields = ("created_at", "score")
    rules = {
        "list": VIEW_REVIEWING,
        "retrieve": VIEW_REVIEWING,
        "lock": MANAGE,
        "unlock": MANAGE,
        "review": REVIEW,
    }
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

    def _locked(self, request: Request, locked: bool) -> Response:
        assignment = assignment_services.set_locked(self.get_object(), request.user, locked)
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(request=None, responses={200: ChallengeAssignmentSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def lock(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Lock the pair (backbone): a re-solve of the round keeps it."""
        return self._locked(request, True)

    @extend_schema(request=None, responses={200: ChallengeAssignmentSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def unlock(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Unlock the pair (backbone): a re-solve may drop it unless it has a review."""
        return self._locked(request, False)

    @extend_schema(
        request=None,
        responses={200: ChallengeReviewSerializer, 201: ChallengeReviewSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Begin the review of your assignment (201, an empty draft), or read it when begun
        (200); then PATCH `reviews/{id}/` and POST its `submit/`."""
        pk = str(kwargs["pk"])
        if not (pk.isdigit() and len(pk) < 19):
            raise exceptions.NotFound
        try:
            assignment = review_services.open_assignment(request.user, self.ecosystem, int(pk))
        except DomainError as error:  # not the caller's, or conflicted: as if there were none
            raise exceptions.NotFound from error
        found = review_services.review_of(assignment)
        status = 200
        if found is None:
            found = review_services.save_review(request.user, assignment, scores={})
            status = 201
        fresh = access.reviews_of(request.user, self.ecosystem).get(pk=found.pk)
        data = ChallengeReviewSerializer(
            fresh, context={**self.get_serializer_context(), "backbone": self.is_backbone}
        ).data
        response = Response(data, status=status)
        response["ETag"] = concurrency.etag(concurrency.version_of(fresh))
        return response


class ReviewInputSerializer(serializers.Serializer[Any]):
    scores = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        required=False,
        help_text="A level of the call's scale by criterion key; null clears one (a draft).",
    )
    comment_to_applicant = serializers.CharField(
        required=False, allow_blank=True, max_length=LONG_TEXT
    )
    comment_to_panel = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)


class ReviewViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """Reviews (`access.reviews_of`): a reviewer's own, and the others' of an application they
    reviewed in the same round once theirs is submitted (without the authors); the backbone's
    every one."""

    model = Review
    serializer_class = ChallengeReviewSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]
    rules = {
        "list": VIEW_REVIEWING,
        "retrieve": VIEW_REVIEWING,
        "partial_update": REVIEW,
        "submit": REVIEW,
    }
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
        if self.action in ("partial_update", "submit"):  # the reviewer's own only
            found = found.filter(assignment__reviewer__user_id=self.request.user.pk or 0)
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

    def _save(self, review: Review, request: Request, *, submit: bool) -> Response:
        """The given scores and comments over the review's own (partial), saved by
        `services.reviews.save_review`, which checks every score against the call's scale."""
        given = ReviewInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        scores = {**review.scores, **data.get("scores", {})}
        with transaction.atomic():
            concurrency.require(self.expected_version(), concurrency.locked_version(review))
            saved = review_services.save_review(
                request.user,
                review.assignment,
                scores={k: v for k, v in scores.items() if v is not None},
                comment_to_applicant=data.get("comment_to_applicant", review.comment_to_applicant),
                comment_to_panel=data.get("comment_to_panel", review.comment_to_panel),
                submit=submit,
            )
        fresh = self.get_queryset().get(pk=saved.pk)
        response = Response(self.get_serializer(fresh).data)
        response["ETag"] = concurrency.etag(self.version(fresh))
        return response

    @extend_schema(request=ReviewInputSerializer, responses={200: ChallengeReviewSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Save your draft review: scores by criterion key and comments, the others kept
        (null clears a score). Refused with 400 naming the criterion when a score is out of
        the call's scale, and once submitted; a stale `If-Match` answers 412."""
        return self._save(self.get_object(), request, submit=False)

    @extend_schema(request=ReviewInputSerializer, responses={200: ChallengeReviewSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit your review (with any last scores and comments in the body): every
        criterion scored within the call's scale, or 400 naming the one missing or out of
        scale. A submitted review is final; then the others' reviews of the application in
        the round become readable."""
        return self._save(self.get_object(), request, submit=True)


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


class AwardChangeSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="The cash grant in USD.",
    )
    in_kind = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT)
    citation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SHORT_TEXT,
        help_text="What the public winners page says of it.",
    )


class AwardCreateSerializer(serializers.Serializer[Any]):
    application = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="An application of its call's last round."
    )
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), help_text="The cash grant in USD."
    )
    in_kind = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT
    )
    citation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT
    )


class AwardViewSet(
    ConditionalUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet
):
    """Awards with their milestones (payments and reports due), for the backbone."""

    model = Award
    serializer_class = ChallengeAwardSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ("application__title", "application__organization_name")
    ordering_fields = ("amount", "announced_at")
    rules = {"list": MANAGE, "retrieve": MANAGE, "create": MANAGE, "partial_update": MANAGE}
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

    def _answer(self, granted: Award, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=granted.pk)
        response = Response(self.get_serializer(fresh).data, status=status)
        response["ETag"] = concurrency.etag(self.version(fresh))
        return response

    @extend_schema(request=AwardCreateSerializer, responses={201: ChallengeAwardSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Make an application of its call's last round a winner (`services.awards.award`):
        refused with 400 and why when it is not in the last round, was decided already, or
        the amount passes the call's funds."""
        given = AwardCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        application = (
            access.applications_of(request.user, self.ecosystem)
            .filter(pk=data["application"])
            .first()
        )
        if application is None:
            raise exceptions.ValidationError(
                {"application": [_("No application here has this id.")]}
            )
        granted = award_services.award(
            application,
            by=request.user,
            amount=data["amount"],
            in_kind=data["in_kind"],
            citation=data["citation"],
        )
        return self._answer(granted, status=201)

    @extend_schema(request=AwardChangeSerializer, responses={200: ChallengeAwardSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the amount, the in-kind support or the public citation (the others kept);
        a stale `If-Match` answers 412."""
        granted = self.get_object()
        given = AwardChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with transaction.atomic():
            concurrency.require(self.expected_version(), concurrency.locked_version(granted))
            award_services.update_award(
                granted,
                by=request.user,
                amount=data.get("amount", granted.amount),
                in_kind=data.get("in_kind", granted.in_kind),
                citation=data.get("citation", granted.citation),
            )
        return self._answer(granted)


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


# --- area api2: rounds (assignment, ranking, shortlist), bids and declared conflicts ----------
# Each action calls the service of its area; the rules are the pages' (the backbone runs a
# round; a reviewer bids and declares their own conflicts).


class ChallengeRoundDetailSerializer(ChallengeRoundSerializer):
    call = serializers.CharField(source="call.slug", read_only=True, help_text="The call's slug.")
    solve_report = serializers.JSONField(
        read_only=True,
        help_text="The last assignment: objective, pairs and loads, refused locks, or why no "
        "assignment meets every limit (`infeasible`).",
    )
    queued = serializers.SerializerMethodField(
        help_text="Whether a large round is being assigned in the background."
    )

    class Meta(ChallengeRoundSerializer.Meta):
        fields = (
            *ChallengeRoundSerializer.Meta.fields,
            "call",
            "exclude_not_willing",
            "solve_report",
            "solved_at",
            "queued",
        )
        read_only_fields = fields

    def get_queued(self, round_: Round) -> bool:
        return assignment_services.is_queued(round_)


class RankingRowSerializer(serializers.Serializer[Any]):
    application = ChallengeApplicationRefSerializer()
    organization_name = serializers.CharField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    reviews = serializers.IntegerField(help_text="Submitted reviews.")
    raw_mean = serializers.FloatField(allow_null=True, help_text="Mean weighted total.")
    raw_rank = serializers.IntegerField(allow_null=True)
    mean_z = serializers.FloatField(allow_null=True, help_text="Mean of per-reviewer z-scores.")
    quality = serializers.FloatField(
        allow_null=True, help_text="Adjusted score: the fixed-effects model's estimate."
    )
    standard_error = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="95 % interval, low end.")
    high = serializers.FloatField(allow_null=True, help_text="95 % interval, high end.")
    adjusted_rank = serializers.IntegerField(allow_null=True)
    rank_change = serializers.IntegerField(
        allow_null=True, help_text="Places the adjustment moved it up (negative: down)."
    )
    spread = serializers.FloatField(allow_null=True)
    disagreement = serializers.BooleanField()
    component = serializers.IntegerField(
        help_text="The group of reviewers it was compared in, from 1 (0: no review)."
    )
    criteria = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Mean score by criterion key."
    )
    decision = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)


class RankingReviewerSerializer(serializers.Serializer[Any]):
    reviewer = ChallengePersonSerializer()
    reviews = serializers.IntegerField()
    mean_total = serializers.FloatField()
    leniency = serializers.FloatField(
        allow_null=True, help_text="Above zero: scores higher than the others."
    )


class RankingSerializer(serializers.Serializer[Any]):
    round = ChallengeRoundRefSerializer()
    criteria = serializers.ListField(child=serializers.CharField(), help_text="Criterion keys.")
    reviews = serializers.IntegerField(help_text="Submitted reviews ranked.")
    components = serializers.IntegerField()
    sigma = serializers.FloatField(allow_null=True, help_text="The model's residual spread.")
    notes = serializers.ListField(child=serializers.CharField())
    rows = RankingRowSerializer(many=True)
    reviewers = RankingReviewerSerializer(many=True)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def ranking_data(result: ranking_services.RoundRanking) -> dict[str, Any]:
    keys = [c.key for c in result.criteria]
    round_ = result.round
    return {
        "round": {
            "id": round_.pk,
            "name": round_.name,
            "kind": round_.kind,
            "position": round_.position,
        },
        "criteria": keys,
        "reviews": result.reviews,
        "components": result.components,
        "sigma": _finite(result.sigma),
        "notes": [str(note) for note in result.notes],
        "rows": [
            {
                "application": {
                    "id": row.application.pk,
                    "title": row.application.title,
                    "call": round_.call.slug,
                },
                "organization_name": row.application.organization_name,
                "status": row.application.status,
                "reviews": row.reviews,
                **{
                    name: _finite(getattr(row, name))
                    for name in ("raw_mean", "mean_z", "quality", "standard_error", "low", "high")
                },
                "raw_rank": row.raw_rank,
                "adjusted_rank": row.adjusted_rank,
                "rank_change": row.rank_change,
                "spread": _finite(row.spread),
                "disagreement": row.disagreement,
                "component": row.component,
                "criteria": {
                    key: _finite(value) for key, value in zip(keys, row.criteria, strict=False)
                },
                "decision": None if row.decision is None else row.decision.outcome,
            }
            for row in result.rows
        ],
        "reviewers": [
            {
                "reviewer": {
                    "id": r.profile.user.pk,
                    "name": r.profile.user.name,
                    "email": r.profile.user.email,
                },
                "reviews": r.reviews,
                "mean_total": _finite(r.mean_total) or 0.0,
                "leniency": _finite(r.leniency),
            }
            for r in result.reviewers
        ],
    }


class ShortlistInputSerializer(serializers.Serializer[Any]):
    advance = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10_000,
        help_text="The applications to advance, by id (or give `top`).",
    )
    top = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Advance the first n by adjusted rank (or give `advance`).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2_000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("advance" in attrs) == ("top" in attrs):
            raise serializers.ValidationError(
                _("Give either the applications to advance or how many of the top ones.")
            )
        return attrs


class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ChallengesViewSet):
    """The rounds of the ecosystem's calls, for the backbone: `solve/` assigns reviewers
    (`services.assignments`), `ranking/` reads the round's fair ranking
    (`services.ranking`), `shortlist/` decides it (`services.decisions`)."""

    model = Round
    serializer_class = ChallengeRoundDetailSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list[Any] = []
    rules = {
        "list": MANAGE,
        "retrieve": MANAGE,
        "solve": MANAGE,
        "ranking": MANAGE,
        "shortlist": MANAGE,
    }
    query_parameters = {"list": [OpenApiParameter("call", str, description="A call's slug.")]}

    def scoped_queryset(self) -> QuerySet[Round]:
        calls = access.calls_of(self.request.user, self.ecosystem)
        found = Round.objects.filter(call__in=calls).select_related("call__ecosystem")
        if self.action == "list" and (call := self.request.query_params.get("call")):
            found = found.filter(call__slug=call)
        return found.order_by("-call__deadline", "call__pk", "position")

    @extend_schema(request=None, responses={200: ChallengeRoundDetailSerializer})
    @action(detail=True, methods=["post"])
    def solve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Assign (or re-assign) the round's reviewers: k per application, loads within the
        round's bounds, conflicts never, locked pairs and begun reviews kept. A large round is
        queued (`queued`); `solve_report` says the result or why no assignment exists."""
        round_ = self.get_object()
        assignment_services.request_solve(round_, request.user)
        round_.refresh_from_db()
        return Response(self.get_serializer(round_).data)

    @extend_schema(responses={200: RankingSerializer})
    @action(detail=True, pagination_class=None)
    def ranking(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The round's ranking, as on the ranking page: raw and adjusted ranks side by side,
        the model's estimate with its 95 % interval, disagreement flags and each reviewer's
        leniency."""
        result = ranking_services.round_ranking(self.get_object())
        return Response(ranking_data(result))

    @extend_schema(
        request=ShortlistInputSerializer, responses={200: ChallengeDecisionSerializer(many=True)}
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def shortlist(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Decide the round: the chosen applications (or the top n by adjusted rank) advance
        to the next round, the others are declined, and their applicants are emailed. Refused
        with 400 and why (the last round, decided already, an application not waiting)."""
        round_ = self.get_object()
        given = ShortlistInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        made = decision_services.shortlist(
            round_,
            by=request.user,
            advance=data.get("advance", ()),
            top=data.get("top"),
            note=data["note"],
        )
        found = Decision.objects.filter(pk__in=[d.pk for d in made]).select_related(
            "application__call", "round", "decided_by"
        )
        return Response(
            ChallengeDecisionSerializer(found.order_by("raw_rank", "pk"), many=True).data
        )


class ChallengeBidSerializer(serializers.ModelSerializer[Bid]):
    application = ChallengeApplicationRefSerializer(read_only=True)
    reviewer = ChallengePersonSerializer(source="reviewer.user", read_only=True)

    class Meta:
        model = Bid
        fields = ("application", "reviewer", "value", "updated_at")
        read_only_fields = fields


class BidInputSerializer(serializers.Serializer[Any]):
    value = serializers.ChoiceField(choices=BidValue.choices)


class BidViewSet(mixins.ListModelMixin, ChallengesViewSet):
    """Bids: a reviewer's own (the backbone's every one). PUT `bids/{application}/` bids on an
    application open for review that you are free of conflict with (any other: 404); DELETE
    withdraws the bid."""

    model = Bid
    serializer_class = ChallengeBidSerializer
    http_method_names = ["get", "put", "delete", "head", "options"]
    lookup_field = "application"
    lookup_value_regex = "[0-9]{1,18}"
    filter_backends: list[Any] = []
    rules = {"list": VIEW_REVIEWING, "update": REVIEW, "destroy": REVIEW}
    query_parameters = {
        "list": [
            OpenApiParameter("call", str, description="A call's slug."),
            OpenApiParameter("value", str, enum=BidValue.values),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Bid]:
        found = Bid.objects.filter(reviewer__ecosystem=self.ecosystem)
        if not self.is_backbone:
            found = found.filter(reviewer__user_id=self.request.user.pk or 0)
        if self.action == "list":
            params = self.request.query_params
            for name, lookup in (("call", "application__call__slug"), ("value", "value")):
                if value := params.get(name):
                    found = found.filter(**{lookup: value})
        return found.select_related("application__call", "reviewer__user").order_by(
            "application__title", "reviewer__user__name", "pk"
        )

    def _biddable(self, request: Request, pk: str) -> Application:
        found = access.biddable_applications(request.user, self.ecosystem).filter(pk=int(pk))
        application = found.first()
        if application is None:
            raise exceptions.NotFound
        return application

    @extend_schema(
        request=BidInputSerializer,
        responses={200: ChallengeBidSerializer},
        parameters=[OpenApiParameter("application", int, OpenApiParameter.PATH)],
    )
    def update(self, request: Request, application: str, **kwargs: Any) -> Response:
        """Bid eager, willing or not willing on the application (replacing your bid)."""
        found = self._biddable(request, application)
        given = BidInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        reviewer_services.save_bids(
            request.user, self.ecosystem, {found.pk: given.validated_data["value"]}
        )
        bid = (
            Bid.objects.filter(application=found, reviewer__user_id=request.user.pk or 0)
            .select_related("application__call", "reviewer__user")
            .get()
        )
        return Response(ChallengeBidSerializer(bid).data)

    @extend_schema(
        responses={204: None},
        parameters=[OpenApiParameter("application", int, OpenApiParameter.PATH)],
    )
    def destroy(self, request: Request, application: str, **kwargs: Any) -> Response:
        """Withdraw your bid on the application."""
        found = self._biddable(request, application)
        reviewer_services.save_bids(request.user, self.ecosystem, {found.pk: ""})
        return Response(status=204)


class ChallengeConflictSerializer(serializers.ModelSerializer[ConflictDeclaration]):
    application = ChallengeApplicationRefSerializer(read_only=True)
    reviewer = ChallengePersonSerializer(source="reviewer.user", read_only=True)

    class Meta:
        model = ConflictDeclaration
        fields = ("id", "application", "reviewer", "reason", "created_at")
        read_only_fields = fields


class ConflictInputSerializer(serializers.Serializer[Any]):
    application = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="An application of a call in review."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ConflictViewSet(mixins.ListModelMixin, ChallengesViewSet):
    """Declared conflicts of interest: those a reviewer declared (the backbone's every one); POST
    declares one of yours on an application of a call in review: you are never assigned it
    again and your bid on it is dropped."""

    model = ConflictDeclaration
    serializer_class = ChallengeConflictSerializer
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list[Any] = []
    rules = {"list": VIEW_REVIEWING, "create": REVIEW}
    query_parameters = {"list": [OpenApiParameter("call", str, description="A call's slug.")]}

    def scoped_queryset(self) -> QuerySet[ConflictDeclaration]:
        found = ConflictDeclaration.objects.filter(reviewer__ecosystem=self.ecosystem)
        if not self.is_backbone:
            # those the reviewer declared: one an applicant or the backbone declared about
            # them is not theirs to read (no page shows it to them either)
            user = self.request.user.pk or 0
            found = found.filter(reviewer__user_id=user, declared_by_id=user)
        if self.action == "list" and (call := self.request.query_params.get("call")):
            found = found.filter(application__call__slug=call)
        return found.select_related("application__call", "reviewer__user").order_by(
            "-created_at", "-pk"
        )

    @extend_schema(request=ConflictInputSerializer, responses={201: ChallengeConflictSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Declare a conflict with an application (refused with 400 unless it is in review)."""
        given = ConflictInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        reviewer_services.declare_as_reviewer(
            request.user, self.ecosystem, data["application"], data["reason"]
        )
        declared = (
            self.get_queryset()
            .filter(application_id=data["application"], reviewer__user_id=request.user.pk)
            .get()
        )
        return Response(ChallengeConflictSerializer(declared).data, status=201)
