"""The pathways' and badges' REST API (/api/v1/ecosystems/<slug>/pathways/ and beside it):
scoped by `access`, writes through the services.

`PathwayViewSet` (read): the published pathways with their stages of steps and resources for
home, for everyone, anonymous callers included; a curator also reads the drafts and archived
pathways they curate (`access.pathways_visible_to`). Texts come in both languages (`name` and
`name_es`...); the families' page chooses one.

`AchievementViewSet`, `AwardViewSet` (with `revoke`) and `BadgeCountsViewSet` (bissue): a
partner's achievements and awards, scoped by `access.achievements_of` / `awards_of`, writes
through `services.achievements` and `services.awards`; counts through suppression.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.directory import stem_profile
from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.limits import LONG_TEXT

from . import access
from .models import (
    Achievement,
    AchievementType,
    Award,
    AwardStatus,
    HomeResource,
    Pathway,
    PathwayStatus,
    Step,
)
from .services import achievements as achievement_services
from .services import awards as award_services
from .services import counts as count_services

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


# --- achievements, awards, counts (bissue) -----------------------------------------------------
# Achievements and awards: partner staff their own organizations', the backbone every
# partner's (`access.achievements_of`, `access.awards_of`, as on the pages). No address is ever
# returned: an award is its id, achievement, program, dates and status.

MANAGE_BADGES = "pathways.manage_badges"
AWARD_BADGES = "pathways.award_badges"


def _members_who_keep_badges(request: Request, ecosystem: Any) -> None:
    """Writes are checked against the record (`object_rules`); a member who keeps no partner's
    badges is refused before that, as on the pages (403, not 400 or 404)."""
    if request.user.is_authenticated and not request.user.has_perm(MANAGE_BADGES, ecosystem):
        raise exceptions.PermissionDenied


class BadgeAlignmentSerializer(serializers.Serializer[dict[str, str]]):
    targetName = serializers.CharField(max_length=300)  # noqa: N815 (Open Badges' names)
    targetUrl = serializers.URLField(max_length=300)  # noqa: N815
    targetFramework = serializers.CharField(max_length=300, required=False, allow_blank=True)  # noqa: N815
    targetCode = serializers.CharField(max_length=300, required=False, allow_blank=True)  # noqa: N815


class BadgeAchievementSerializer(serializers.ModelSerializer[Achievement]):
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    alignments = BadgeAlignmentSerializer(many=True, read_only=True)
    image = serializers.SerializerMethodField()

    class Meta:
        model = Achievement
        fields = (
            "id",
            "public_id",
            "organization",
            "name",
            "name_es",
            "description",
            "description_es",
            "criteria",
            "criteria_es",
            "achievement_type",
            "image",
            "step",
            "alignments",
            "valid_days",
            "archived_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_image(self, obj: Achievement) -> str | None:
        return obj.image.url if obj.image else None


class BadgeAchievementWriteSerializer(serializers.Serializer[dict[str, Any]]):
    organization = serializers.SlugField(
        required=False, help_text="The awarding partner's slug (on create; one of yours)."
    )
    name = serializers.CharField(max_length=160)
    name_es = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=LONG_TEXT)
    description_es = serializers.CharField(
        max_length=LONG_TEXT, required=False, allow_blank=True, default=""
    )
    criteria = serializers.CharField(max_length=LONG_TEXT)
    criteria_es = serializers.CharField(
        max_length=LONG_TEXT, required=False, allow_blank=True, default=""
    )
    achievement_type = serializers.ChoiceField(
        choices=AchievementType.choices, default=AchievementType.BADGE
    )
    step = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    alignments = BadgeAlignmentSerializer(many=True, required=False, default=list)
    valid_days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=36_500
    )


class AchievementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """A partner's achievements (what its badges recognise). Partner staff read and write their
    own organizations', the backbone every partner's. The image is set on the page (a PNG)."""

    model = Achievement
    serializer_class = BadgeAchievementSerializer
    http_method_names = ["get", "post", "put", "head", "options"]
    search_fields = ("name", "name_es")
    ordering_fields = ("name", "created_at")
    rules = {
        "list": MANAGE_BADGES,
        "retrieve": MANAGE_BADGES,
        "create": AWARD_BADGES,
        "update": AWARD_BADGES,
    }
    object_rules = (AWARD_BADGES,)
    query_parameters = {
        "list": [OpenApiParameter("archived", bool, description="true: archived ones too.")]
    }

    def scoped_queryset(self) -> QuerySet[Achievement]:
        found = access.achievements_of(self.request.user, self.ecosystem)
        if self.action == "list" and self.request.query_params.get("archived") != "true":
            found = found.filter(archived_at__isnull=True)
        return found.order_by("name", "pk")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _members_who_keep_badges(request, self.ecosystem)

    def _data(self, request: Request, *, creating: bool) -> achievement_services.AchievementData:
        given = BadgeAchievementWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        organization = None
        if creating:
            organization = (
                access.partners_of(request.user, self.ecosystem)
                .filter(slug=data.pop("organization", "") or "")
                .first()
            )
            if organization is None or not request.user.has_perm(AWARD_BADGES, organization):
                raise exceptions.ValidationError(
                    {"organization": [_("Name one of your organizations by its slug.")]}
                )
        else:
            data.pop("organization", None)
        step_id = data.pop("step", None)
        step = None
        if step_id is not None:
            step = achievement_services.steps_of(self.ecosystem).filter(pk=step_id).first()
            if step is None:
                raise exceptions.ValidationError(
                    {"step": [_("No step of this ecosystem's pathways has this id.")]}
                )
        data["alignments"] = tuple(data.get("alignments") or ())
        return achievement_services.AchievementData(organization=organization, step=step, **data)

    @extend_schema(
        request=BadgeAchievementWriteSerializer, responses={201: BadgeAchievementSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Define an achievement of one of your organizations (`organization`: its slug)."""
        achievement = achievement_services.create_achievement(
            request.user, self.ecosystem, self._data(request, creating=True)
        )
        return Response(self.get_serializer(achievement).data, status=201)

    @extend_schema(
        request=BadgeAchievementWriteSerializer, responses={200: BadgeAchievementSerializer}
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change an achievement (every field; badges already awarded keep theirs)."""
        achievement = self.get_object()
        achievement_services.update_achievement(
            request.user, achievement, self._data(request, creating=False)
        )
        return Response(self.get_serializer(achievement).data)


class BadgeAwardSerializer(serializers.ModelSerializer[Award]):
    achievement: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    program: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = Award
        fields = (
            "id",
            "public_id",
            "achievement",
            "program",
            "status",
            "sent_to_guardian",
            "awarded_at",
            "valid_until",
            "revoked_at",
            "revocation_reason",
        )
        read_only_fields = fields


class BadgeAwardCreateSerializer(serializers.Serializer[dict[str, Any]]):
    achievement = serializers.IntegerField(min_value=1)
    email = serializers.EmailField(help_text="The recipient's address; only keyed hashes are kept.")
    under_13 = serializers.BooleanField(default=False)
    guardian_email = serializers.EmailField(required=False, allow_blank=True, default="")
    guardian_consent = serializers.BooleanField(default=False)
    program = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    language = serializers.ChoiceField(choices=["", "en", "es"], default="")


class BadgeRevokeSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=300)


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Awarded badges of the achievements you keep (no addresses). `create` awards one (the
    credential is signed and mailed after the commit); `revoke` revokes one with a reason."""

    model = Award
    serializer_class = BadgeAwardSerializer
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ("awarded_at",)
    rules = {
        "list": MANAGE_BADGES,
        "retrieve": MANAGE_BADGES,
        "create": AWARD_BADGES,
        "revoke": AWARD_BADGES,
    }
    object_rules = (AWARD_BADGES,)
    query_parameters = {
        "list": [
            OpenApiParameter("achievement", int, description="An achievement's id."),
            OpenApiParameter("program", int, description="A program's id."),
            OpenApiParameter("status", str, enum=AwardStatus.values),
        ]
    }

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _members_who_keep_badges(request, self.ecosystem)

    def scoped_queryset(self) -> QuerySet[Award]:
        found = access.awards_of(self.request.user, self.ecosystem)
        if self.action == "list":
            params = self.request.query_params
            for name in ("achievement", "program"):
                value = params.get(name, "")
                if value:
                    if not value.isdigit() or len(value) > 12:
                        raise exceptions.ValidationError({name: [_("Give an id (a number).")]})
                    found = found.filter(**{f"{name}_id": int(value)})
            if status := params.get("status"):
                found = found.filter(status=status)
        return found.order_by("-awarded_at", "-pk")

    @extend_schema(request=BadgeAwardCreateSerializer, responses={201: BadgeAwardSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Award an achievement you keep to one recipient (a guardian's address and consent for
        a child under 13)."""
        given = BadgeAwardCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        achievement = (
            access.achievements_of(request.user, self.ecosystem)
            .filter(pk=data["achievement"], archived_at__isnull=True)
            .first()
        )
        if achievement is None or not request.user.has_perm(AWARD_BADGES, achievement):
            raise exceptions.ValidationError(
                {"achievement": [_("No achievement of yours (not archived) has this id.")]}
            )
        program = None
        if data["program"] is not None:
            program = award_services.programs_of(achievement).filter(pk=data["program"]).first()
            if program is None:
                raise exceptions.ValidationError(
                    {"program": [_("No program of this partner has this id.")]}
                )
        recipient = award_services.Recipient(
            email=data["email"],
            under_13=data["under_13"],
            guardian_email=data["guardian_email"],
            guardian_consent=data["guardian_consent"],
            language=data["language"],
        )
        problems = award_services.check_recipient(recipient)
        if problems:
            raise exceptions.ValidationError({k: [v] for k, v in problems.items()})
        granted = award_services.award(request.user, achievement, recipient, program=program)
        return Response(self.get_serializer(granted).data, status=201)

    @extend_schema(request=BadgeRevokeSerializer, responses={200: BadgeAwardSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Revoke a live badge with a reason (shown to whoever verifies it)."""
        award = self.get_object()
        given = BadgeRevokeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        award = award_services.revoke(request.user, award, given.validated_data["reason"])
        return Response(self.get_serializer(award).data)


class BadgeCountsViewSet(EcosystemScopedViewSet):
    """Badges awarded by pathway, achievement and program, and pathway progress (distinct
    learners per stage): every figure through small-cell suppression (null when hidden, with
    `hidden_because`), as on the counts page."""

    model = Award
    rules = {"list": "pathways.view_badge_counts"}

    def scoped_queryset(self) -> QuerySet[Award]:
        return Award.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(count_services.as_data(count_services.badge_counts(self.ecosystem)))
