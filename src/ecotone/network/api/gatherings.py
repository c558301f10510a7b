"""The gatherings' REST API (/api/v1/ecosystems/<slug>/network/...): workgroups and events
(public reads, scoped by `access`), an event's registrations with the check-in action (the
backbone), and registration-to-attendance rates (the backbone). Writes go through the
services. No video link is served here but to the backbone."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.errors import DomainError

from .. import access
from ..models import Event, Registration, Workgroup, WorkgroupRole
from ..services import events as event_services

MANAGE_EVENTS = "network.manage_events"


class WorkgroupSerializer(serializers.ModelSerializer[Workgroup]):
    chairs = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Workgroup
        fields = [
            "slug",
            "name",
            "charter",
            "is_open",
            "is_steering_committee",
            "chairs",
            "member_count",
        ]

    def get_chairs(self, workgroup: Workgroup) -> list[str]:
        return [m.member.name for m in workgroup.memberships.all() if m.role == WorkgroupRole.CHAIR]


class WorkgroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Workgroups not archived, with their charters and chairs (public)."""

    model = Workgroup
    serializer_class = WorkgroupSerializer
    lookup_field = "slug"
    http_method_names = ["get", "head", "options"]
    rules = {"list": "network.view_workgroups", "retrieve": "network.view_workgroups"}

    def scoped_queryset(self) -> QuerySet[Workgroup]:
        return (
            access.workgroups(self.ecosystem)
            .annotate(member_count=Count("memberships", distinct=True))
            .prefetch_related("memberships__member")
            .order_by("name", "pk")
        )


class EventSerializer(serializers.ModelSerializer[Event]):
    workgroup: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "location",
            "capacity",
            "members_only",
            "workgroup",
            "published_at",
            "cancelled_at",
        ]


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Published events (every event for the backbone), without the video link."""

    model = Event
    serializer_class = EventSerializer
    http_method_names = ["get", "head", "options"]
    rules = {"list": "network.view_events", "retrieve": "network.view_events"}
    query_parameters = {
        "list": [
            OpenApiParameter("when", str, enum=["upcoming"], description="upcoming: not ended yet.")
        ]
    }

    def scoped_queryset(self) -> QuerySet[Event]:
        found = access.events_visible_to(self.request.user, self.ecosystem)
        if self.action == "list" and self.request.query_params.get("when") == "upcoming":
            found = found.filter(ends_at__gte=timezone.now())
        return found.select_related("workgroup").order_by("-starts_at", "pk")


class RegistrationSerializer(serializers.ModelSerializer[Registration]):
    member = serializers.CharField(source="member.name", read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)

    class Meta:
        model = Registration
        fields = ["id", "event", "member", "status", "registered_at", "attended_at"]


class CheckInSerializer(serializers.Serializer[dict[str, Any]]):
    undo = serializers.BooleanField(default=False)


class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Registrations of the ecosystem's events (the backbone); `?event=<id>` narrows to one
    event; `check_in` checks a registrant in (or out with `undo`)."""

    model = Registration
    serializer_class = RegistrationSerializer
    http_method_names = ["get", "post", "head", "options"]
    rules = {"list": MANAGE_EVENTS, "retrieve": MANAGE_EVENTS, "check_in": MANAGE_EVENTS}
    query_parameters = {"list": [OpenApiParameter("event", int, description="An event's id.")]}

    def scoped_queryset(self) -> QuerySet[Registration]:
        found = Registration.objects.filter(event__ecosystem=self.ecosystem).select_related(
            "member"
        )
        value = self.request.query_params.get("event", "")
        if self.action == "list" and value:
            if not value.isdigit() or len(value) > 12:
                raise exceptions.ValidationError({"event": ["Give an id (a number)."]})
            found = found.filter(event_id=int(value))
        return found.order_by("event_id", "registered_at", "pk")

    @extend_schema(request=CheckInSerializer, responses={200: RegistrationSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        registration = self.get_object()
        given = CheckInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            done = event_services.check_in(
                request.user, registration, undo=given.validated_data["undo"]
            )
        except DomainError as error:
            raise exceptions.ValidationError({"status": [str(error)]}) from error
        return Response(self.get_serializer(done).data)


class AttendanceViewSet(EcosystemScopedViewSet):
    """Registration-to-attendance rates of past events: by event and by quarter and kind."""

    model = Event
    rules = {"list": MANAGE_EVENTS}

    def scoped_queryset(self) -> QuerySet[Event]:
        return Event.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        events = list(event_services.past_events(self.ecosystem))
        return Response(
            {
                "events": [
                    {
                        "id": e.pk,
                        "title": e.title,
                        "kind": e.kind,
                        "starts_at": e.starts_at,
                        "registered": r.registered,
                        "attended": r.attended,
                        "rate": r.rate,
                    }
                    for e, r in event_services.rates_by_event(events)
                ],
                "quarters": [
                    {
                        "quarter": q,
                        "kind": k,
                        "registered": r.registered,
                        "attended": r.attended,
                        "rate": r.rate,
                    }
                    for q, k, r in event_services.rates_by_quarter(events, self.ecosystem.timezone)
                ],
            }
        )
