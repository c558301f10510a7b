"""REST endpoints of shared measurement, under /api/v1/ecosystems/<slug>/measures/ (docs/api.md,
"Shared measurement").

Partners' submissions (list, read, and POST a file with `dry_run`) follow the pages' rules
(`access.submissions_of`). Read-only for the rest: the ecosystem's indicators (backbone staff
see all of them, archived ones too; members the backbone admitted the published ones, the same
rule as the pages: `access.visible_indicators`) and the standard code tables partners report
in, with their EDFacts values and the Ed-Fi descriptor URIs and OneRoster values that map to
them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.errors import DomainError

from . import access, codes
from .models import VERSIONED_FIELDS, Indicator, Review, Submission
from .services import dashboards, submissions
from .views.dashboards import choose


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    class Meta:
        model = Indicator
        fields = ("key", *VERSIONED_FIELDS, "is_published", "archived_at", "version", "updated_at")
        read_only_fields = fields


class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """The ecosystem's common indicators, by name."""

    model = Indicator
    serializer_class = IndicatorSerializer
    lookup_field = "key"
    search_fields = ("name", "definition", "key")
    ordering_fields = ("name", "updated_at")
    rules = {"list": "measures.view_indicators", "retrieve": "measures.view_indicators"}

    def scoped_queryset(self) -> QuerySet[Indicator]:
        indicators = access.visible_indicators(self.request.user, self.ecosystem)
        if self.action == "list":
            indicators = indicators.filter(archived_at__isnull=True)
        return indicators.order_by("name", "pk")

    def get_object(self) -> Indicator:
        indicator: Indicator = super().get_object()
        if not self.request.user.has_perm("measures.view_indicator", indicator):
            raise exceptions.NotFound
        return indicator


class CodeSerializer(serializers.Serializer[codes.Code]):
    code = serializers.CharField(help_text="The common code (the CEDS option).")
    # "label" is also an attribute of DRF's Field; as a field it is only the documented output
    label = serializers.CharField(help_text="In the language of the request.")  # type: ignore[assignment]
    edfacts = serializers.CharField(allow_null=True, help_text="The EDFacts permitted value.")
    edfi = serializers.ListField(
        child=serializers.CharField(), help_text="Ed-Fi descriptor URIs that mean this code."
    )
    oneroster = serializers.ListField(child=serializers.CharField())


class OptionSetSerializer(serializers.Serializer[codes.OptionSet]):
    key = serializers.CharField(help_text="The dimension, as indicators name it.")
    label = serializers.CharField()  # type: ignore[assignment]
    ceds = serializers.CharField(help_text="The CEDS element.")
    edfacts = serializers.CharField(help_text="The EDFacts category.")
    codes = CodeSerializer(many=True)


def _option_set(option_set: codes.OptionSet) -> dict[str, Any]:
    language = get_language() or "en"
    return {
        "key": option_set.key,
        "label": option_set.label(language),
        "ceds": option_set.ceds,
        "edfacts": option_set.edfacts,
        "codes": [
            {
                "code": c.code,
                "label": c.label(language),
                "edfacts": c.edfacts,
                "edfi": list(c.edfi),
                "oneroster": list(c.oneroster),
            }
            for c in option_set.codes
        ],
    }


class CodeTableViewSet(EcosystemScopedViewSet):
    """The standard code tables (one per dimension) that partners' values are coded in."""

    model = Indicator  # the tables are data, not rows; only the schema asks for a model
    serializer_class = OptionSetSerializer
    lookup_field = "dimension"
    lookup_value_regex = "[a-z_]+"
    filter_backends: list[Any] = []
    rules = {"list": "measures.view_indicators", "retrieve": "measures.view_indicators"}

    @extend_schema(responses=OptionSetSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tables = [_option_set(s) for s in codes.OPTION_SETS.values()]
        page: list[dict[str, Any]] | None = self.paginate_queryset(tables)  # type: ignore[arg-type]
        return self.get_paginated_response(page if page is not None else tables)

    def retrieve(
        self, request: Request, *args: Any, dimension: str = "", **kwargs: Any
    ) -> Response:
        option_set = codes.OPTION_SETS.get(dimension)
        if option_set is None:
            raise exceptions.NotFound
        return Response(_option_set(option_set))


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    problems = serializers.SerializerMethodField(
        help_text="Each problem of the check: code, where (the row), field (the column), "
        "message (what to do), in the language of the request when it was checked."
    )
    counts = serializers.SerializerMethodField(
        help_text="rows, indicators and periods read; once approved, values written and "
        "earlier values replaced."
    )

    class Meta:
        model = Submission
        fields = (
            "id",
            "organization",
            "original_filename",
            "status",
            "review",
            "review_comment",
            "problems",
            "counts",
            "created_at",
            "submitted_at",
            "reviewed_at",
        )
        read_only_fields = fields

    def get_problems(self, run: Submission) -> list[dict[str, str]]:
        problems: list[dict[str, str]] = run.report.get("problems") or []
        return problems

    def get_counts(self, run: Submission) -> dict[str, int]:
        counts: dict[str, int] = run.report.get("counts") or {}
        return counts


class SubmissionUploadSerializer(serializers.Serializer[Any]):
    organization = serializers.SlugField(help_text="The partner whose values these are.")
    file = serializers.FileField(help_text="CSV or XLSX in the long format of data-formats.md.")


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Partners' files of values: partner staff see their own organization's, backbone staff
    all. POST a file to check it (`dry_run=true`, the default: kept as a draft, the problems
    in the answer) or to check it and, when it has no problems, submit it for review
    (`dry_run=false`)."""

    model = Submission
    serializer_class = SubmissionSerializer
    ordering_fields = ("created_at",)
    search_fields = ("original_filename",)
    rules = {
        "list": "measures.submit_data",
        "retrieve": "measures.submit_data",
        "create": "measures.submit_data",
    }
    query_parameters = {
        "list": [OpenApiParameter("review", str, enum=Review.values)],
        "create": [OpenApiParameter("dry_run", bool, description="true (default) or false")],
    }

    def scoped_queryset(self) -> QuerySet[Submission]:
        found = access.submissions_of(self.request.user, self.ecosystem)
        if self.action == "list" and (review := self.request.query_params.get("review")):
            found = found.filter(review=review)
        return found.order_by("-created_at", "-pk")

    @extend_schema(request=SubmissionUploadSerializer, responses={201: SubmissionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = SubmissionUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        organization = (
            access.submitting_organizations(request.user, self.ecosystem)
            .filter(slug=upload.validated_data["organization"])
            .first()
        )
        if organization is None:
            raise exceptions.ValidationError(
                {"organization": [_("Not an organization you may submit values for.")]}
            )
        try:
            run = submissions.check_submission_file(
                organization, upload.validated_data["file"], user=request.user
            )
            if request.query_params.get("dry_run") == "false" and run.status == "checked":
                run = submissions.submit_submission(run, user=request.user)
        except DomainError as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from None
        return Response(SubmissionSerializer(run).data, status=201)


class DashboardListSerializer(serializers.ModelSerializer[Indicator]):
    class Meta:
        model = Indicator
        fields = ("key", "name", "unit", "dimensions", "is_published")
        read_only_fields = fields


class DashboardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Indicators' dashboards: the partners' approved values summed and published through
    small-cell suppression, the same figures as the pages. Anyone may read those of published
    indicators; backbone staff every active one. `organization` narrows to one partner's
    figures (backbone staff any partner, partner staff their own; another is a 404)."""

    model = Indicator
    serializer_class = DashboardListSerializer
    lookup_field = "key"
    search_fields = ("name", "key")
    ordering_fields = ("name",)
    rules = {"list": "measures.view_dashboards", "retrieve": "measures.view_dashboards"}
    query_parameters = {
        "retrieve": [
            OpenApiParameter("period", int, description="A period's id (default: the latest)."),
            OpenApiParameter("organization", str, description="A partner's slug."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Indicator]:
        return dashboards.dashboard_indicators(self.request.user, self.ecosystem).order_by(
            "name", "pk"
        )

    def get_object(self) -> Indicator:
        indicator: Indicator = super().get_object()
        if not self.request.user.has_perm("measures.view_dashboard", indicator):
            raise exceptions.NotFound
        return indicator

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        indicator = self.get_object()
        try:
            chosen = choose(request._request, indicator)
        except Http404:
            raise exceptions.NotFound from None
        if not chosen["has_periods"]:
            return Response({"indicator": indicator.key, "periods": []})
        board = dashboards.dashboard(
            indicator,
            period=chosen["period"],
            organizations=[chosen["organization"]] if chosen["organization"] else None,
            periods=chosen["periods"],
        )
        return Response(dashboards.as_data(board))
