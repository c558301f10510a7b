"""REST endpoints of mentor matching, under /api/v1/ecosystems/<slug>/ (docs/api.md, "Mentoring").

Read-only, except that either side of a match accepts or declines it (`accept`, `decline`),
through the same services as the pages (`services.matches`), so the same screening and
capacity rules hold. Every queryset starts from the ecosystem and is scoped like the pages:
backbone staff see everything; partner staff their organizations' opportunities, matches and
hours, and screened mentors (without contact details unless matched with one of their programs,
never identity or home location); a mentor only their own profile, matches and hours.
Proposals of a matching round (matches in status proposed) are for backbone staff only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.directory.models import MentoringDepth
from ecotone.ecosystems import roles
from ecotone.ecosystems.api import EcosystemRulePermission, EcosystemScopedViewSet

from . import access
from .models import (
    HourLog,
    HourStatus,
    Match,
    MatchingRound,
    MatchStatus,
    Mentor,
    MentorStatus,
    Mode,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    RoundStatus,
    ScreeningRecord,
    ScreeningStep,
    holding,
    published,
)
from .services import matches, screening

# Who takes part in mentoring at all: backbone and partner staff (post needs), mentors.
PARTICIPANTS = ("mentoring.post_opportunities", "mentoring.browse_opportunities")


class AnyRulePermission(EcosystemRulePermission):
    """`view.rules[action]` may name several permissions: any one of them lets the caller in.
    Otherwise as EcosystemRulePermission: 401 anonymous, 404 outsiders, 403 other members."""

    def _rules(self, view: Any) -> tuple[str, ...]:
        action_name = getattr(view, "action", None) or view.request.method.lower()
        try:
            rule = view.rules[action_name]
        except KeyError as error:
            raise exceptions.MethodNotAllowed(view.request.method) from error
        return (rule,) if isinstance(rule, str) else tuple(rule)

    def has_permission(self, request: Any, view: Any) -> bool:
        if any(request.user.has_perm(rule, request.ecosystem) for rule in self._rules(view)):
            return True
        return self._deny(request)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        object_rules = getattr(view, "object_rules_by_action", {})
        action_name = getattr(view, "action", None) or ""
        rule = object_rules.get(action_name)
        if rule is None or request.user.has_perm(rule, obj):
            return True
        return self._deny(request)


class MentoringViewSet(EcosystemScopedViewSet):
    permission_classes = [AnyRulePermission]
    # A permission, or several of which any one will do (AnyRulePermission).
    rules: dict[str, Any] = {}
    object_rules_by_action: dict[str, str] = {}

    @property
    def is_backbone(self) -> bool:
        return bool(self.request.user.has_perm("mentoring.manage_mentors", self.ecosystem))

    @property
    def organization_ids(self) -> frozenset[int]:
        return roles.organizations_in(self.request.user, self.ecosystem)


def _user_id(request: Request) -> int:
    """The caller's id (the permission class has turned anonymous callers away)."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise exceptions.NotAuthenticated
    return int(user.pk)


# Mentors ---------------------------------------------------------------------------------------


class MentorSerializer(serializers.ModelSerializer[Mentor]):
    name = serializers.CharField(source="display_name", read_only=True)
    employer = serializers.SerializerMethodField()
    screening_stage = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField(
        help_text="Null unless you may see the mentor's contact details."
    )

    CONTACT = ("email", "phone")
    PRIVATE = (
        "home_postal_code",
        "work_postal_code",
        "latitude",
        "longitude",
        "shares_identity",
        "identity_tags",
    )

    class Meta:
        model = Mentor
        fields = (
            "id",
            "name",
            "status",
            "stem_field",
            "occupation",
            "career_stage",
            "employer",
            "employer_name",
            "bio",
            "topics",
            "skills",
            "languages",
            "grade_bands",
            "modes",
            "travel_radius_mi",
            "availability",
            "hours_per_month",
            "max_matches",
            "screening_stage",
            "email",
            "phone",
            "home_postal_code",
            "work_postal_code",
            "latitude",
            "longitude",
            "shares_identity",
            "identity_tags",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_employer(self, mentor: Mentor) -> dict[str, str] | None:
        if mentor.employer is None:
            return None
        return {"slug": mentor.employer.slug, "name": mentor.employer.name}

    def get_screening_stage(self, mentor: Mentor) -> str:
        steps = self.context.get("screening_steps")
        records = list(mentor.screening_records.all())
        return screening.standing(mentor, records=records, ecosystem_steps=steps).stage

    def get_email(self, mentor: Mentor) -> str:
        return str(mentor.user.email)

    def to_representation(self, mentor: Mentor) -> dict[str, Any]:
        data = super().to_representation(mentor)
        user = self.context["request"].user
        backbone = self.context.get("backbone", False)
        if not (backbone or user.has_perm("mentoring.view_mentor_contact", mentor)):
            for name in self.CONTACT:
                data[name] = None
        # Identity and where the mentor lives: the mentor and backbone staff only, never
        # programs (design.md section 4).
        if not (backbone or mentor.user_id == user.pk):
            for name in self.PRIVATE:
                data[name] = None
        return data


class MentorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MentoringViewSet):
    """Mentors: backbone staff all (with contact details and identity); partner staff the
    available, screened mentors and those matched with their programs (contact details only for
    the latter; never identity or location); a mentor only themself."""

    model = Mentor
    serializer_class = MentorSerializer
    search_fields = ("user__name", "occupation", "employer_name", "stem_field")
    ordering_fields = ("created_at", "updated_at", "status", "user__name")
    rules = {"list": "mentoring.view_mentors", "retrieve": "mentoring.view_mentors"}
    object_rules_by_action = {"retrieve": "mentoring.view_mentor"}

    query_parameters = {"list": [OpenApiParameter("status", str, enum=MentorStatus.values)]}

    def scoped_queryset(self) -> QuerySet[Mentor]:
        mentors = access.visible_mentors(self.request.user, self.ecosystem).select_related(
            "user", "employer", "ecosystem"
        )
        mentors = mentors.prefetch_related(
            Prefetch("screening_records", queryset=ScreeningRecord.objects.select_related("step"))
        )
        if status := self.request.query_params.get("status"):
            mentors = mentors.filter(status=status)
        return mentors.order_by("user__name", "user__email", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["screening_steps"] = screening.steps(self.ecosystem)
            context["backbone"] = self.is_backbone
        return context


# Opportunities ---------------------------------------------------------------------------------


class OpportunitySerializer(serializers.ModelSerializer[Opportunity]):
    program = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()
    room = serializers.SerializerMethodField(help_text="Mentors still needed.")
    direct_contact = serializers.BooleanField(read_only=True)

    class Meta:
        model = Opportunity
        fields = (
            "id",
            "title",
            "description",
            "program",
            "organization",
            "kind",
            "status",
            "mode",
            "one_to_one",
            "teacher_present",
            "direct_contact",
            "topics",
            "skills",
            "grade_bands",
            "language_required",
            "languages",
            "schedule",
            "starts_on",
            "ends_on",
            "mentors_needed",
            "room",
            "depth",
            "duration_weeks",
            "hours_per_month",
            "students_expected",
            "welcomes_shared_identity",
            "welcomes_identities",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_program(self, opportunity: Opportunity) -> dict[str, str]:
        return {"slug": opportunity.program.slug, "name": opportunity.program.name}

    def get_organization(self, opportunity: Opportunity) -> dict[str, str]:
        organization = opportunity.program.organization
        return {"slug": organization.slug, "name": organization.name}

    def get_room(self, opportunity: Opportunity) -> int:
        live = getattr(opportunity, "live", None)
        if live is None:
            return matches.opportunity_room(opportunity)
        return max(0, opportunity.mentors_needed - live)

    def to_representation(self, opportunity: Opportunity) -> dict[str, Any]:
        data = super().to_representation(opportunity)
        # How many students take part is the program's own figure: for backbone staff and the
        # program's staff, not for mentors browsing.
        if not (
            self.context.get("backbone")
            or opportunity.program.organization_id in self.context.get("organizations", ())
        ):
            data["students_expected"] = None
        return data


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MentoringViewSet):
    """Programs' needs for mentors (read-only): backbone staff all; partner staff their
    organizations'; mentors the open ones and those they are matched with."""

    model = Opportunity
    serializer_class = OpportunitySerializer
    search_fields = ("title", "description", "program__name")
    ordering_fields = ("created_at", "updated_at", "title", "starts_on", "mentors_needed")
    rules = {"list": PARTICIPANTS, "retrieve": PARTICIPANTS}

    query_parameters = {
        "list": [
            OpenApiParameter("status", str, enum=OpportunityStatus.values),
            OpenApiParameter("kind", str, enum=OpportunityKind.values),
            OpenApiParameter("mode", str, enum=Mode.values),
            OpenApiParameter(
                "depth", str, enum=[d for d in MentoringDepth.values if d != MentoringDepth.NONE]
            ),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Opportunity]:
        opportunities = Opportunity.objects.filter(ecosystem=self.ecosystem)
        if not self.is_backbone:
            visible = Q(program__organization_id__in=self.organization_ids)
            if self.request.user.has_perm("mentoring.browse_opportunities", self.ecosystem):
                visible |= Q(status=OpportunityStatus.OPEN)
                mine = Match.objects.filter(published()).filter(
                    ecosystem=self.ecosystem, mentor__user_id=_user_id(self.request)
                )
                visible |= Q(pk__in=mine.values("opportunity_id"))
            opportunities = opportunities.filter(visible)
        params = self.request.query_params
        for name in ("status", "kind", "mode", "depth"):
            if value := params.get(name):
                opportunities = opportunities.filter(**{name: value})
        return (
            opportunities.select_related("program__organization", "ecosystem")
            .annotate(live=Count("matches", filter=holding("matches__")))
            .order_by("-created_at", "-pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["backbone"] = self.is_backbone
            context["organizations"] = self.organization_ids
        return context


# Matches ---------------------------------------------------------------------------------------


class MatchSerializer(serializers.ModelSerializer[Match]):
    mentor = serializers.SerializerMethodField()
    opportunity = serializers.SerializerMethodField()
    program = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = (
            "id",
            "status",
            "source",
            "round",
            "mentor",
            "opportunity",
            "program",
            "organization",
            "locked",
            "score",
            "score_breakdown",
            "in_person",
            "distance_mi",
            "message",
            "mentor_accepted_at",
            "program_accepted_at",
            "decline_reason",
            "frequency",
            "duration_weeks",
            "start_on",
            "expected_end_on",
            "closed_on",
            "closure_kind",
            "closure_reason",
            "rematch_requested",
            "held_from",
            "held_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_mentor(self, match: Match) -> dict[str, Any]:
        return {"id": match.mentor_id, "name": match.mentor.display_name}

    def get_opportunity(self, match: Match) -> dict[str, Any]:
        return {"id": match.opportunity_id, "title": match.opportunity.title}

    def get_program(self, match: Match) -> dict[str, str]:
        program = match.opportunity.program
        return {"slug": program.slug, "name": program.name}

    def get_organization(self, match: Match) -> dict[str, str]:
        organization = match.opportunity.program.organization
        return {"slug": organization.slug, "name": organization.name}


class DeclineSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _scoped_to_participant(
    records: QuerySet[Any], viewset: MentoringViewSet, *, match_path: str
) -> QuerySet[Any]:
    """Partner staff: their organizations' records; mentors: their own. `match_path` leads
    from the record to its match ("" for a match itself)."""
    prefix = f"{match_path}__" if match_path else ""
    visible = Q(**{f"{prefix}mentor__user_id": _user_id(viewset.request)})
    if viewset.organization_ids:
        visible |= Q(
            **{f"{prefix}opportunity__program__organization_id__in": viewset.organization_ids}
        )
    return records.filter(visible).filter(published(prefix))


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MentoringViewSet):
    """Matches, scoped like the pages; proposals in review are for backbone staff only. Either
    side accepts or declines an offer."""

    model = Match
    serializer_class = MatchSerializer
    search_fields = ("opportunity__title", "mentor__user__name")
    ordering_fields = ("created_at", "updated_at", "status", "score", "start_on")
    rules = {
        "list": PARTICIPANTS,
        "retrieve": PARTICIPANTS,
        "accept": PARTICIPANTS,
        "decline": PARTICIPANTS,
    }
    object_rules_by_action = {"retrieve": "mentoring.view_match"}

    query_parameters = {
        "list": [
            OpenApiParameter("status", str, enum=MatchStatus.values),
            OpenApiParameter("opportunity", int),
            OpenApiParameter("mentor", int),
            OpenApiParameter("round", int),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Match]:
        records: QuerySet[Match] = Match.objects.filter(ecosystem=self.ecosystem).select_related(
            "mentor__user", "opportunity__program__organization", "ecosystem"
        )
        if not self.is_backbone:
            records = _scoped_to_participant(records, self, match_path="")
        params = self.request.query_params
        if status := params.get("status"):
            records = records.filter(status=status)
        for name in ("opportunity", "mentor", "round"):
            if (value := params.get(name, "")).isdigit():
                records = records.filter(**{f"{name}_id": int(value)})
        return records.order_by("-created_at", "-pk")

    def _side(self, match: Match) -> str:
        """The caller answers as the mentor when it is their match, else for the program."""
        user = self.request.user
        if user.has_perm("mentoring.respond_as_mentor", match):
            return matches.MENTOR
        if user.has_perm("mentoring.respond_as_program", match):
            return matches.PROGRAM
        raise exceptions.PermissionDenied

    @extend_schema(request=None, responses={200: MatchSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        match = self.get_object()
        match = matches.accept(match, request.user, side=self._side(match))
        return Response(self.get_serializer(self.get_queryset().get(pk=match.pk)).data)

    @extend_schema(request=DeclineSerializer, responses={200: MatchSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        match = self.get_object()
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = matches.decline(
            match,
            request.user,
            side=self._side(match),
            reason=body.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=match.pk)).data)


# Hours -----------------------------------------------------------------------------------------


class HourLogSerializer(serializers.ModelSerializer[HourLog]):
    mentor = serializers.SerializerMethodField()
    opportunity = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()

    class Meta:
        model = HourLog
        fields = (
            "id",
            "uid",
            "match",
            "mentor",
            "opportunity",
            "organization",
            "date",
            "hours",
            "activity",
            "status",
            "reviewed_at",
            "review_note",
            "created_at",
        )
        read_only_fields = fields

    def get_mentor(self, log: HourLog) -> dict[str, Any]:
        return {"id": log.mentor_id, "name": log.mentor.display_name}

    def get_opportunity(self, log: HourLog) -> dict[str, Any]:
        return {"id": log.match.opportunity_id, "title": log.match.opportunity.title}

    def get_organization(self, log: HourLog) -> dict[str, str]:
        organization = log.match.opportunity.program.organization
        return {"slug": organization.slug, "name": organization.name}


class HourLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MentoringViewSet):
    """Hours mentors logged (read-only): backbone staff all; partner staff their programs';
    mentors their own."""

    model = HourLog
    serializer_class = HourLogSerializer
    filter_backends: list[Any] = []
    rules = {"list": PARTICIPANTS, "retrieve": PARTICIPANTS}

    query_parameters = {
        "list": [
            OpenApiParameter("status", str, enum=HourStatus.values),
            OpenApiParameter("match", int),
        ]
    }

    def scoped_queryset(self) -> QuerySet[HourLog]:
        logs = HourLog.objects.filter(ecosystem=self.ecosystem).select_related(
            "mentor__user", "match__opportunity__program__organization"
        )
        if not self.is_backbone:
            logs = _scoped_to_participant(logs, self, match_path="match")
        params = self.request.query_params
        if status := params.get("status"):
            logs = logs.filter(status=status)
        if (value := params.get("match", "")).isdigit():
            logs = logs.filter(match_id=int(value))
        return logs.order_by("-date", "-pk")


# Matching rounds and screening steps -----------------------------------------------------------


class MatchingRoundSerializer(serializers.ModelSerializer[MatchingRound]):
    proposals = serializers.IntegerField(read_only=True, help_text="Matches still proposed.")

    class Meta:
        model = MatchingRound
        fields = (
            "id",
            "name",
            "mode",
            "status",
            "weights",
            "require_shared_topic",
            "summary",
            "error",
            "proposals",
            "created_at",
            "started_at",
            "finished_at",
            "published_at",
        )
        read_only_fields = fields


class MatchingRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MentoringViewSet):
    """Runs of the matching engine (backbone staff, read-only)."""

    model = MatchingRound
    serializer_class = MatchingRoundSerializer
    filter_backends: list[Any] = []
    rules = {"list": "mentoring.run_matching", "retrieve": "mentoring.run_matching"}

    query_parameters = {"list": [OpenApiParameter("status", str, enum=RoundStatus.values)]}

    def scoped_queryset(self) -> QuerySet[MatchingRound]:
        rounds = MatchingRound.objects.filter(ecosystem=self.ecosystem).annotate(
            proposals=Count("matches", filter=Q(matches__status=MatchStatus.PROPOSED))
        )
        if status := self.request.query_params.get("status"):
            rounds = rounds.filter(status=status)
        return rounds.order_by("-created_at", "-pk")


class ScreeningStepSerializer(serializers.ModelSerializer[ScreeningStep]):
    class Meta:
        model = ScreeningStep
        fields = ("id", "code", *ScreeningStep.EDITABLE_FIELDS)
        read_only_fields = fields


class ScreeningStepViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MentoringViewSet):
    """The ecosystem's screening steps, in order (members; steps no longer in use are listed
    for backbone staff only)."""

    model = ScreeningStep
    serializer_class = ScreeningStepSerializer
    filter_backends: list[Any] = []
    rules = {"list": "mentoring.view_mentoring", "retrieve": "mentoring.view_mentoring"}

    def scoped_queryset(self) -> QuerySet[ScreeningStep]:
        steps = ScreeningStep.for_ecosystem(self.ecosystem)
        if not self.is_backbone:
            steps = steps.active()
        return steps.order_by("position", "pk")
