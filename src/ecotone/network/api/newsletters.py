"""The newsletters' REST API (/api/v1/ecosystems/<slug>/network/...): scoped by `access`.

`NewsletterViewSet`: the sent newsletters (the public archive) for everyone, anonymous callers
included; drafts and newsletters being sent too for the backbone. `NewsletterEngagementViewSet`:
per newsletter delivered, bounced, clicks per link and in total, opens when counted (counts
only, as on the engagement page). `SegmentCountViewSet`: how many members a segment reaches
(the audience form's live count). No address or per-person figure is ever returned.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet

from .. import access
from ..models import (
    Item,
    Member,
    Newsletter,
    NewsletterSection,
    NewsletterStatus,
    Suggestion,
    SuggestionStatus,
)
from ..services import newsletters as service
from ..services.segments import Segment, mailable_in

VIEW = "network.view_newsletters"
MANAGE = "network.manage_newsletters"


class ItemSerializer(serializers.ModelSerializer[Item]):
    class Meta:
        model = Item
        fields = ["kind", "title", "title_es", "text", "text_es", "link"]


class SectionSerializer(serializers.ModelSerializer[NewsletterSection]):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = NewsletterSection
        fields = ["title", "title_es", "items"]


class NewsletterSerializer(serializers.ModelSerializer[Newsletter]):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = Newsletter
        fields = [
            "id",
            "subject",
            "subject_es",
            "intro",
            "intro_es",
            "status",
            "segment",
            "sent_at",
            "sections",
            "updated_at",
        ]


class NewsletterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Newsletters with their sections and items. Everyone reads the sent ones; the backbone
    every one."""

    model = Newsletter
    serializer_class = NewsletterSerializer
    http_method_names = ["get", "head", "options"]
    search_fields = ("subject", "subject_es")
    ordering_fields = ("sent_at", "created_at", "subject")
    rules = {"list": VIEW, "retrieve": VIEW}
    query_parameters = {"list": [OpenApiParameter("status", str, enum=NewsletterStatus.values)]}

    def scoped_queryset(self) -> QuerySet[Newsletter]:
        found = access.newsletters_visible_to(self.request.user, self.ecosystem)
        if self.action == "list" and (status := self.request.query_params.get("status")):
            found = found.filter(status=status)
        sections = NewsletterSection.objects.prefetch_related(
            Prefetch("items", queryset=Item.objects.order_by("position", "pk"))
        ).order_by("position", "pk")
        return found.prefetch_related(Prefetch("sections", queryset=sections)).order_by(
            "-created_at", "-pk"
        )


class SuggestionSerializer(serializers.ModelSerializer[Suggestion]):
    class Meta:
        model = Suggestion
        fields = ["id", "kind", "title", "text", "link", "status", "created_at", "decided_at"]


class SuggestionViewSet(mixins.ListModelMixin, EcosystemScopedViewSet):
    """Members' suggestions for the newsletter (the backbone's list; who suggested is left
    out). `?status=pending|picked|declined`."""

    model = Suggestion
    serializer_class = SuggestionSerializer
    http_method_names = ["get", "head", "options"]
    search_fields = ("title", "text")
    ordering_fields = ("created_at", "title")
    rules = {"list": MANAGE}
    query_parameters = {"list": [OpenApiParameter("status", str, enum=SuggestionStatus.values)]}

    def scoped_queryset(self) -> QuerySet[Suggestion]:
        found = Suggestion.objects.filter(ecosystem=self.ecosystem)
        if status := self.request.query_params.get("status"):
            found = found.filter(status=status)
        return found.order_by("-created_at", "-pk")


class NewsletterEngagementViewSet(EcosystemScopedViewSet):
    """Engagement per newsletter sent, in aggregate (services.newsletters.engagement)."""

    model = Newsletter
    rules = {"list": MANAGE}

    def scoped_queryset(self) -> QuerySet[Newsletter]:
        return Newsletter.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # an object, as the schema says and the other lists answer: {"results": [...]}
        return Response({"results": [e.as_dict() for e in service.engagement(self.ecosystem)]})


def _values(request: Request, name: str) -> list[str]:
    found: list[str] = []
    for value in request.query_params.getlist(name):
        found += [v.strip() for v in value.split(",") if v.strip()]
    return found


class SegmentCountViewSet(EcosystemScopedViewSet):
    """How many members a segment reaches: those on the roll who may be mailed, matching every
    part given (within a part, any value). Parts: sectors, regions, interests, languages,
    workgroups (ids), each repeated or comma-separated."""

    model = Member
    rules = {"list": MANAGE}
    query_parameters = {
        "list": [
            OpenApiParameter(name, str, many=True)
            for name in ("sectors", "regions", "interests", "languages", "workgroups")
        ]
    }

    def scoped_queryset(self) -> QuerySet[Member]:
        return Member.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data: dict[str, Any] = {
            name: _values(request, name)
            for name in ("sectors", "regions", "interests", "languages")
        }
        workgroups = _values(request, "workgroups")
        if not all(w.isdigit() for w in workgroups):
            raise serializers.ValidationError({"workgroups": "workgroup ids are whole numbers"})
        data["workgroups"] = workgroups
        segment = Segment.from_dict(data)
        return Response(
            {"segment": segment.as_dict(), "count": mailable_in(self.ecosystem, segment).count()}
        )
