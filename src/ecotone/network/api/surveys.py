"""The surveys' and the health dashboard's API (the backbone's): surveys with their questions,
a survey's results as published (suppressed: null where hidden, with `hidden_because`), and
the health dashboard's figures. Read-only: the builder's changes go through the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet

from .. import access
from ..models import Member, Question, Survey, SurveyStatus
from ..services import health, survey_results
from ..services import surveys as services

MANAGE = "network.manage_surveys"


class SurveyQuestionSerializer(serializers.ModelSerializer[Question]):
    section = serializers.CharField(source="section.title", default="", read_only=True)
    choices = serializers.SerializerMethodField()
    choices_es = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "section",
            "kind",
            "text",
            "text_es",
            "choices",
            "choices_es",
            "min_value",
            "max_value",
            "required",
            "order",
        ]

    def get_choices(self, obj: Question) -> list[str]:
        return obj.option_list("en") if obj.has_choices else []

    def get_choices_es(self, obj: Question) -> list[str]:
        return obj.option_list("es") if obj.has_choices else []


class SurveySerializer(serializers.ModelSerializer[Survey]):
    invited = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "title_es",
            "intro",
            "intro_es",
            "anonymous",
            "audience",
            "event",
            "workgroup",
            "segment",
            "status",
            "opens_on",
            "closes_on",
            "reminder_days",
            "opened_at",
            "closed_at",
            "invited",
            "answered",
            "questions",
        ]


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The ecosystem's surveys with their questions and response counts (never who answered).
    `results/`: the published results (`?by=` a breakdown: sector or region for a named
    survey, `q<id>` a one-choice question for an anonymous one)."""

    model = Survey
    serializer_class = SurveySerializer
    http_method_names = ["get", "head", "options"]
    search_fields = ("title", "title_es")
    ordering_fields = ("created_at", "title", "status")
    rules = {"list": MANAGE, "retrieve": MANAGE, "results": MANAGE}
    query_parameters = {
        "list": [OpenApiParameter("status", str, enum=SurveyStatus.values)],
        "results": [OpenApiParameter("by", str, description="sector, region or q<id>")],
    }

    def scoped_queryset(self) -> QuerySet[Survey]:
        found = access.surveys(self.ecosystem)
        if self.action == "list" and (status := self.request.query_params.get("status")):
            found = found.filter(status=status)
        questions = Question.objects.select_related("section").order_by("order", "pk")
        return (
            services.response_counts(found)
            .prefetch_related(Prefetch("questions", queryset=questions))
            .order_by("-created_at", "-pk")
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def results(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        survey = self.get_object()
        found = survey_results.results(survey, breakdown=request.query_params.get("by", ""))
        return Response(survey_results.as_data(found))


class HealthViewSet(EcosystemScopedViewSet):
    """The network health dashboard's figures, section by section (each its table's headers
    and rows, as the page's downloads)."""

    model = Member
    rules = {"list": "network.view_health"}

    def scoped_queryset(self) -> QuerySet[Member]:
        return Member.objects.none()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(health.as_data(health.dashboard(self.ecosystem)))
