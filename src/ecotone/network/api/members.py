"""The members area's REST API (/api/v1/ecosystems/<slug>/network/...), read-only, with the
pages' filters (`services.listing`, `services.resources`):

- `members`: the roll for the backbone (addresses included, as on its pages);
- `member-directory`: the opt-in directory for members and the backbone (never an address);
- `resources`: the resource library for members and the backbone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import mixins, serializers

from ecotone.directory.stem_profile import GRADE_BANDS
from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.ecosystems.models import Sector

from .. import access
from ..models import Member, MemberSource, MemberStatus, Resource, ResourceKind
from ..profile import INTERESTS
from ..services import listing
from ..services import resources as resource_services

INTEREST_CODES = [code for code, _label in INTERESTS]
_DIRECTORY_FILTERS = [
    OpenApiParameter("q", str, description="words of the name or organization"),
    OpenApiParameter("sector", str, enum=Sector.values),
    OpenApiParameter("region", str),
    OpenApiParameter("interest", str, enum=INTEREST_CODES),
]


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class _Interests(serializers.Field):
    """The member's interest codes (`profile.INTERESTS`)."""

    def to_representation(self, value: Any) -> list[str]:
        return [i.code for i in value.all()]


class DirectoryMemberSerializer(serializers.ModelSerializer[Member]):
    interests = _Interests(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "organization_name",
            "sector",
            "network_role",
            "region",
            "bio",
            "interests",
        ]


class MemberSerializer(serializers.ModelSerializer[Member]):
    interests = _Interests(read_only=True)
    # a code of settings.LANGUAGES ("en", "es"), as the accounts' own
    language = serializers.CharField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "email",
            "status",
            "source",
            "organization_name",
            "organization",
            "sector",
            "network_role",
            "region",
            "postal_code",
            "language",
            "bio",
            "email_consent",
            "in_directory",
            "interests",
            "joined_at",
            "confirmed_at",
        ]


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The roll, for the backbone."""

    model = Member
    serializer_class = MemberSerializer
    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []
    rules = {"list": "network.manage_members", "retrieve": "network.manage_members"}
    query_parameters = {
        "list": [
            *_DIRECTORY_FILTERS,
            OpenApiParameter("status", str, enum=MemberStatus.values),
            OpenApiParameter("source", str, enum=MemberSource.values),
            OpenApiParameter("sort", str, enum=list(listing.SORTS)),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Member]:
        found = access.roll(self.ecosystem)
        if self.action == "list":
            found = listing.narrow(found, self.request.query_params.dict(), search_email=True)
        return found.prefetch_related("interests")


class DirectoryViewSet(mixins.ListModelMixin, EcosystemScopedViewSet):
    """The opt-in member directory, for members and the backbone."""

    model = Member
    serializer_class = DirectoryMemberSerializer
    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []
    rules = {"list": "network.view_member_directory"}
    query_parameters = {"list": _DIRECTORY_FILTERS}

    def scoped_queryset(self) -> QuerySet[Member]:
        found = listing.narrow(access.directory(self.ecosystem), self.request.query_params.dict())
        return found.prefetch_related("interests")


class ResourceSerializer(serializers.ModelSerializer[Resource]):
    shared_by = serializers.CharField(source="shared_by.name", read_only=True, default="")

    class Meta:
        model = Resource
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "url",
            "topics",
            "grade_bands",
            "recommendation_count",
            "shared_by",
            "created_at",
        ]


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The resource library, for members and the backbone."""

    model = Resource
    serializer_class = ResourceSerializer
    http_method_names = ["get", "head", "options"]
    filter_backends: list[Any] = []
    rules = {"list": "network.view_resources", "retrieve": "network.view_resources"}
    query_parameters = {
        "list": [
            OpenApiParameter("q", str),
            OpenApiParameter("kind", str, enum=ResourceKind.values),
            OpenApiParameter("topic", str, enum=INTEREST_CODES),
            OpenApiParameter("grade_band", str, enum=[code for code, _label in GRADE_BANDS.terms]),
            OpenApiParameter("sort", str, enum=list(resource_services.SORTS)),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Resource]:
        found = resource_services.library(self.ecosystem)
        if self.action == "list":
            found = resource_services.narrow(found, self.request.query_params.dict())
        return found
