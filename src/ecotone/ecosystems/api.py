"""REST endpoints of the ecosystems domain. Every write goes through `services`."""

from __future__ import annotations

from typing import Any, cast

from auditlog.models import LogEntry
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ecotone.accounts.models import User
from ecotone.api.conditional import ConditionalUpdateMixin
from ecotone.api.query import CheckedQueryMixin
from ecotone.limits import CONTACTS

from . import audit, roles, services, stats
from .models import (
    Contact,
    Ecosystem,
    Invitation,
    Membership,
    Network,
    NetworkOperator,
    Organization,
    Role,
    Sector,
)

# Permissions ---------------------------------------------------------------------------------


class EcosystemRulePermission(permissions.BasePermission):
    """Checks `view.rules[action]` against the request's ecosystem (and then the object).

    People outside the ecosystem get 404, as on the web pages; members lacking the permission
    get 403; anonymous callers get 401.
    """

    def _rule(self, view: Any) -> str:
        action = getattr(view, "action", None) or view.request.method.lower()
        try:
            return str(view.rules[action])
        except KeyError as error:
            raise exceptions.MethodNotAllowed(view.request.method) from error

    def _deny(self, request: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            raise exceptions.NotAuthenticated
        if not (user.is_superuser or roles.roles_in(user, request.ecosystem)):
            raise exceptions.NotFound
        raise exceptions.PermissionDenied

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.user.has_perm(self._rule(view), request.ecosystem):
            return True
        # Object-level rules (partner staff editing their own organization) decide later.
        if (
            self._rule(view) in getattr(view, "object_rules", ())
            and request.user.is_authenticated
            and roles.roles_in(request.user, request.ecosystem)
        ):
            return True
        return self._deny(request)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.user.has_perm(self._rule(view), obj):
            return True
        return self._deny(request)


# Serializers -----------------------------------------------------------------------------------


class EcosystemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ecosystem
        fields = (
            "slug",
            "name",
            "description",
            "contact_email",
            "region_south",
            "region_west",
            "region_north",
            "region_east",
            "region_geojson",
            "timezone",
            "default_language",
            "suppression_threshold",
        )


class ContactSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="Give it to update a contact.")

    class Meta:
        model = Contact
        fields = ("id", *services.CONTACT_FIELDS)


class OrganizationSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(  # type: ignore[call-arg]  # max_length goes to the list
        many=True,
        max_length=CONTACTS,
        required=False,
        allow_null=True,
        help_text="Null unless you may see contacts. When written, the whole list: entries with "
        "an id update that contact, entries without one add a contact, the rest are removed. "
        "At most 50.",
    )

    class Meta:
        model = Organization
        fields = (
            "id",
            "slug",
            *services.ORGANIZATION_FIELDS,
            "archived_at",
            "updated_at",
            "contacts",
        )
        read_only_fields = ("id", "slug", "archived_at", "updated_at")

    def to_representation(self, organization: Organization) -> dict[str, Any]:
        data = super().to_representation(organization)
        user = self.context["request"].user
        if not user.has_perm("ecosystems.view_organization_contacts", organization):
            data["contacts"] = None  # only people allowed to see contacts get them
        return data


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class _OrganizationsInEcosystem(serializers.ModelSerializer):
    """`organizations` by slug, chosen only among the request's ecosystem's partners."""

    organizations = serializers.SlugRelatedField(
        many=True, slug_field="slug", queryset=Organization.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ecosystem = getattr(self.context.get("request"), "ecosystem", None)
        if ecosystem is not None:
            field = self.fields["organizations"]
            field.child_relation.queryset = ecosystem.organizations.active()  # type: ignore[attr-defined]


class MembershipSerializer(_OrganizationsInEcosystem):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "user", "role", "organizations", "created_at")
        read_only_fields = ("id", "user", "created_at")


class InvitationSerializer(_OrganizationsInEcosystem):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = (
            "id",
            "email",
            "role",
            "organizations",
            "message",
            "status",
            "expires_at",
            "created_at",
        )
        read_only_fields = ("id", "status", "expires_at", "created_at")


class ReadableChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name, as in `raw_changes`.")
    # DRF takes declared fields out of the class, so this shadows `Field.label` only for mypy.
    label = serializers.CharField(help_text="The field's name as people read it.")  # type: ignore[assignment]
    change = serializers.CharField(help_text="What changed, as the audit page writes it.")


class LogEntrySerializer(serializers.ModelSerializer):
    """An entry, read as the audit page reads it (`changes`), with the values as stored."""

    actor = serializers.CharField(source="actor.email", default=None)
    kind = serializers.CharField(source="content_type.model")
    action = serializers.CharField(source="get_action_display")
    changes = ReadableChangeSerializer(source="readable_changes", many=True, read_only=True)
    raw_changes = serializers.JSONField(source="changes", read_only=True)

    class Meta:
        model = LogEntry
        fields = (
            "id",
            "timestamp",
            "actor",
            "action",
            "kind",
            "object_pk",
            "object_repr",
            "changes",
            "raw_changes",
        )


# Viewsets --------------------------------------------------------------------------------------


class EcosystemViewSet(viewsets.ReadOnlyModelViewSet):
    """The ecosystems hosted here (public)."""

    read_replica = True  # its safe requests read from a replica (ecotone/replicas.py)

    serializer_class = EcosystemSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"
    search_fields = ("name", "description")
    ordering_fields = ("name",)

    def get_queryset(self) -> QuerySet[Ecosystem]:
        return Ecosystem.objects.filter(is_active=True).order_by("name")


class NetworkSerializer(serializers.ModelSerializer):
    ecosystems: serializers.RelatedField[Ecosystem, Any, Any] = serializers.SlugRelatedField(
        many=True, slug_field="slug", read_only=True
    )

    class Meta:
        model = Network
        fields = ("slug", "name", "description", "ecosystems")


class NetworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Networks the caller operates, with aggregate counts across their ecosystems."""

    read_replica = True  # its safe requests read from a replica (ecotone/replicas.py)

    serializer_class = NetworkSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "slug"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Network]:
        networks = Network.objects.prefetch_related("ecosystems")
        if self.request.user.is_superuser:
            return networks
        return networks.filter(pk__in=roles.operated_network_ids(self.request.user))

    @extend_schema(responses={200: dict})
    @action(detail=True)
    def summary(self, request: Request, slug: str) -> Response:
        network = self.get_object()
        ecosystems = stats.member_ecosystems(network)
        rows = [
            {
                "ecosystem": row["ecosystem"].slug,
                "organizations": row["organizations"],
                "organizations_by_sector": {code: n for code, _label, n in row["by_sector"]},
                "people": row["people"],
                "people_by_role": {code: n for code, _label, n in row["by_role"]},
                "figures": {m.key: row["figures"].get(m.key) for m in stats.measures()},
                "place": {"latitude": row["place"][0], "longitude": row["place"][1]},
            }
            for row in stats.network_summary(network, ecosystems)
        ]
        trends = [
            {
                "key": trend.measure.key,
                "months": [
                    {"month": month.isoformat(), "value": value} for month, value in trend.months
                ],
            }
            for trend in stats.network_trends(network, ecosystems)
        ]
        return Response({"network": network.slug, "ecosystems": rows, "trends": trends})


class EcosystemScopedViewSet(CheckedQueryMixin, viewsets.GenericViewSet):
    """Base for everything under /api/v1/ecosystems/<slug>/: querysets start from it. Query
    parameters declared in `query_parameters` are documented and checked (`ecotone.api.query`).
    """

    read_replica = True  # its safe requests read from a replica (ecotone/replicas.py)

    permission_classes = [EcosystemRulePermission]
    model: type[Any]
    rules: dict[str, str] = {}
    object_rules: tuple[str, ...] = ()

    @property
    def ecosystem(self) -> Ecosystem:
        return self.request.ecosystem  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no ecosystem
            return self.model.objects.none()
        return self.scoped_queryset()

    def scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError


class OrganizationViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    EcosystemScopedViewSet,
):
    """Partner organizations. Reading is public; partner staff edit their own."""

    model = Organization
    serializer_class = OrganizationSerializer
    lookup_field = "slug"
    search_fields = ("name", "alternate_name", "city", "description")
    ordering_fields = ("name", "updated_at", "sector")
    rules = {
        "list": "ecosystems.view_organization",
        "retrieve": "ecosystems.view_organization",
        "create": "ecosystems.add_organization",
        "update": "ecosystems.change_organization",
        "partial_update": "ecosystems.change_organization",
        "archive": "ecosystems.archive_organization",
        "restore": "ecosystems.archive_organization",
    }
    object_rules = ("ecosystems.change_organization",)
    query_parameters = {
        "list": [
            OpenApiParameter(
                "archived", bool, description="true: archived partners too (backbone staff)."
            ),
            OpenApiParameter("sector", str, enum=Sector.values),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Organization]:
        organizations = self.ecosystem.organizations.prefetch_related("contacts")
        archived = self.action in ("restore",) or (
            self.request.query_params.get("archived") == "true"
            and self.request.user.has_perm("ecosystems.archive_organization", self.ecosystem)
        )
        if not archived:
            organizations = organizations.filter(archived_at__isnull=True)
        if sector := self.request.query_params.get("sector"):
            organizations = organizations.filter(sector=sector)
        return organizations.order_by("name", "pk")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.create_organization(
            self.ecosystem, self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_organization(
            serializer.instance,
            self.request.user,
            expected_version=self.expected_version(),
            **serializer.validated_data,
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, ecosystem_slug: str, slug: str) -> Response:
        organization = services.archive_organization(self.get_object(), request.user)
        return Response(self.get_serializer(organization).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, ecosystem_slug: str, slug: str) -> Response:
        organization = services.restore_organization(self.get_object(), request.user)
        return Response(self.get_serializer(organization).data)


class MembershipViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    EcosystemScopedViewSet,
):
    """Who holds which role. New members arrive through invitations."""

    model = Membership
    serializer_class = MembershipSerializer
    search_fields = ("user__email", "user__name")
    ordering_fields = ("created_at", "role")
    rules = {
        "list": "ecosystems.view_members",
        "retrieve": "ecosystems.view_members",
        "update": "ecosystems.change_membership",
        "partial_update": "ecosystems.change_membership",
        "destroy": "ecosystems.change_membership",
    }

    query_parameters = {"list": [OpenApiParameter("role", str, enum=Role.values)]}

    def scoped_queryset(self) -> QuerySet[Membership]:
        memberships = self.ecosystem.memberships.select_related("user").prefetch_related(
            "organizations"
        )
        if role := self.request.query_params.get("role"):
            memberships = memberships.filter(role=role)
        return memberships.order_by("user__email", "role")

    def perform_update(self, serializer: Any) -> None:
        membership = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.change_membership(
            membership,
            self.request.user,
            role=data.get("role", membership.role),
            organizations=data.get("organizations", membership.organizations.all()),
            expected_version=self.expected_version(),
        )

    def perform_destroy(self, instance: Membership) -> None:
        services.remove_membership(instance, self.request.user)


class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    EcosystemScopedViewSet,
):
    """Invitations sent by backbone staff; creating one emails it."""

    model = Invitation
    serializer_class = InvitationSerializer
    search_fields = ("email",)
    rules = {
        "list": "ecosystems.invite_members",
        "retrieve": "ecosystems.invite_members",
        "create": "ecosystems.invite_members",
        "revoke": "ecosystems.invite_members",
    }

    def scoped_queryset(self) -> QuerySet[Invitation]:
        return self.ecosystem.invitations.prefetch_related("organizations").order_by(
            "-created_at", "-pk"
        )

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.invite(
            self.ecosystem,
            self.request.user,
            email=data["email"],
            role=data["role"],
            organizations=data.get("organizations", ()),
            message=data.get("message", ""),
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, ecosystem_slug: str, pk: str) -> Response:
        invitation = services.revoke_invitation(self.get_object(), request.user)
        return Response(self.get_serializer(invitation).data)


class AuditLogViewSet(mixins.ListModelMixin, EcosystemScopedViewSet):
    """Change history of the ecosystem's records (backbone admins)."""

    model = LogEntry
    serializer_class = LogEntrySerializer
    rules = {"list": "ecosystems.view_audit_log"}
    filter_backends: list[Any] = []

    query_parameters = {
        "list": [
            OpenApiParameter(
                "kind",
                str,
                enum=audit.tracked_kinds(),
                description="Only changes to this kind of record.",
            )
        ]
    }

    def scoped_queryset(self) -> QuerySet[LogEntry]:
        return audit.log_for(self.ecosystem, self.request.query_params.get("kind", ""))

    def paginate_queryset(self, queryset: Any) -> list[LogEntry] | None:
        page = super().paginate_queryset(queryset)
        audit.readable(page if page is not None else [])
        return page


class MeView(APIView):
    """Who the caller is, and every role they hold."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "email": serializers.EmailField(),
                "name": serializers.CharField(),
                "preferred_language": serializers.CharField(),
                "memberships": serializers.ListField(child=serializers.DictField()),
                "networks": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated
        memberships = Membership.objects.held_by(user)
        return Response(
            {
                "email": user.email,
                "name": user.name,
                "preferred_language": user.preferred_language,
                "memberships": [
                    {
                        "ecosystem": m.ecosystem.slug,
                        "role": m.role,
                        "organizations": [o.slug for o in m.organizations.all()],
                    }
                    for m in memberships
                ],
                "networks": list(
                    NetworkOperator.objects.filter(user=user).values_list(
                        "network__slug", flat=True
                    )
                ),
            }
        )
