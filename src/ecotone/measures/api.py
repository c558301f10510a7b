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
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.api.parsers import LargeJSONParser
from ecotone.ecosystems import roles
from ecotone.ecosystems.api import EcosystemScopedViewSet
from ecotone.ecosystems.models import Network
from ecotone.errors import DomainError

from . import access, checks, codes
from .models import (
    VERSIONED_FIELDS,
    DataCollection,
    DataSharingAgreement,
    Indicator,
    LinkageEpoch,
    LinkageRun,
    Period,
    PeriodType,
    PublicFormat,
    PublicSource,
    Review,
    Roster,
    Submission,
)
from .services import (
    agreements,
    collections,
    dashboards,
    enrolment,
    epochs,
    periods,
    public_sources,
    rosters,
    submissions,
)
from .services import network as network_services
from .services.reach import report as reach_report
from .views.dashboards import UnknownFilter, choose, published_board


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
    dynamic = serializers.BooleanField(
        help_text="The codes are the ecosystem's records: its programs' short names in the "
        "directory (a partner reports its own), its population areas' identifiers in the atlas."
    )
    codes = CodeSerializer(many=True)


def _option_set(option_set: codes.OptionSet, ecosystem: Any) -> dict[str, Any]:
    language = get_language() or "en"
    found = [
        {
            "code": c.code,
            "label": c.label(language),
            "edfacts": c.edfacts,
            "edfi": list(c.edfi),
            "oneroster": list(c.oneroster),
        }
        for c in option_set.codes
    ]
    if option_set.dynamic:
        found = [
            {"code": code, "label": name, "edfacts": None, "edfi": [], "oneroster": []}
            for code, name in dashboards.record_names(option_set.key, ecosystem).items()
        ]
    return {
        "key": option_set.key,
        "label": option_set.label(language),
        "ceds": option_set.ceds,
        "edfacts": option_set.edfacts,
        "dynamic": option_set.dynamic,
        "codes": found,
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
        tables = [_option_set(s, self.ecosystem) for s in codes.OPTION_SETS.values()]
        page: list[dict[str, Any]] | None = self.paginate_queryset(tables)  # type: ignore[arg-type]
        return self.get_paginated_response(page if page is not None else tables)

    def retrieve(
        self, request: Request, *args: Any, dimension: str = "", **kwargs: Any
    ) -> Response:
        option_set = codes.OPTION_SETS.get(dimension)
        if option_set is None:
            raise exceptions.NotFound
        return Response(_option_set(option_set, self.ecosystem))


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
    collection = serializers.IntegerField(
        required=False,
        help_text="The id of the open data collection the file answers: rows it does not ask "
        "for are problems (outside_collection).",
    )


class ReturnSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=4000, help_text="What the partner should change.")


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
        "approve": "measures.review_submissions",
        "return_to_partner": "measures.review_submissions",
        "template": "measures.submit_data",
        "submit": "measures.submit_data",
    }
    query_parameters = {
        "list": [OpenApiParameter("review", str, enum=Review.values)],
        "create": [OpenApiParameter("dry_run", bool, description="true (default) or false")],
        "template": [
            OpenApiParameter(
                "organization", str, description="A partner's slug (default: the first one)."
            )
        ],
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
        collection = None
        if "collection" in upload.validated_data:
            collection = (
                access.collections_of(request.user, self.ecosystem)
                .filter(pk=upload.validated_data["collection"])
                .first()
            )
            if collection is None:
                raise exceptions.ValidationError({"collection": [_("No such data collection.")]})
        try:
            run = submissions.check_submission_file(
                organization,
                upload.validated_data["file"],
                user=request.user,
                collection=collection,
            )
            if request.query_params.get("dry_run") == "false" and run.status == "checked":
                run = submissions.submit_submission(run, user=request.user)
        except DomainError as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from None
        return Response(SubmissionSerializer(run).data, status=201)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False)
    def template(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A partner's template (the page's, `services.submissions.template_rows`): `columns`
        and one object per row to fill, the numbers left empty."""
        organizations = access.submitting_organizations(request.user, self.ecosystem)
        slug = request.query_params.get("organization")
        organization = organizations.filter(slug=slug).first() if slug else organizations.first()
        if organization is None:
            raise exceptions.NotFound
        columns = list(checks.COLUMNS)
        rows = submissions.template_rows(self.ecosystem, organization)
        return Response(
            {
                "organization": organization.slug,
                "columns": columns,
                "rows": [dict(zip(columns, row, strict=True)) for row in rows],
            }
        )

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit a checked draft (the page's service) for the backbone's review."""
        run = self.get_object()
        if not request.user.has_perm("measures.submit_for_organization", run.organization):
            raise exceptions.PermissionDenied
        try:
            run = submissions.submit_submission(run, user=request.user)
        except DomainError as error:
            raise exceptions.ValidationError({"review": [str(error)]}) from None
        return self._reviewed(run)

    def _reviewed(self, run: Submission) -> Response:
        run = self.get_queryset().get(pk=run.pk)
        return Response(SubmissionSerializer(run).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Approve a submitted file (the page's service): its values become the partner's
        current ones. `status` says whether it was applied (it is checked once more)."""
        run = self.get_object()
        return self._reviewed(submissions.approve_submission(run, user=request.user))

    @extend_schema(request=ReturnSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_partner(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Return a submitted file to the partner with a comment."""
        run = self.get_object()
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = submissions.return_submission(
            run, user=request.user, comment=body.validated_data["comment"]
        )
        return self._reviewed(run)


class AgreementSerializer(serializers.ModelSerializer[DataSharingAgreement]):
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    indicators = serializers.SerializerMethodField(help_text="Keys of the indicators covered.")
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = DataSharingAgreement
        fields = (
            "id",
            "organization",
            "indicators",
            "signatories",
            "starts_on",
            "ends_on",
            "is_current",
            "updated_at",
        )
        read_only_fields = fields

    def get_indicators(self, agreement: DataSharingAgreement) -> list[str]:
        return sorted(i.key for i in agreement.indicators.all())


class AgreementChangeSerializer(serializers.Serializer[Any]):
    indicators = serializers.ListField(child=serializers.SlugField(), required=False)
    signatories = serializers.CharField(max_length=2000, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)


class AgreementEndSerializer(serializers.Serializer[Any]):
    ends_on = serializers.DateField(required=False, help_text="The last day (default today).")


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Data sharing agreements: partner staff read their own organization's, backbone staff
    all, and change (PATCH) or end them (POST .../end/)."""

    model = DataSharingAgreement
    serializer_class = AgreementSerializer
    filter_backends: list[Any] = []
    rules = {
        "list": "measures.submit_data",
        "retrieve": "measures.submit_data",
        "partial_update": "measures.manage_agreements",
        "end": "measures.manage_agreements",
    }

    def scoped_queryset(self) -> QuerySet[DataSharingAgreement]:
        return (
            access.agreements_of(self.request.user, self.ecosystem)
            .prefetch_related("indicators")
            .order_by("organization__name", "-starts_on", "pk")
        )

    def _fresh(self, agreement: DataSharingAgreement) -> Response:
        return Response(AgreementSerializer(self.get_queryset().get(pk=agreement.pk)).data)

    @extend_schema(request=AgreementChangeSerializer, responses={200: AgreementSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        body = AgreementChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        agreement = agreements.save_agreement(
            agreement.organization,
            request.user,
            indicators=data.get("indicators", [i.key for i in agreement.indicators.all()]),
            signatories=data.get("signatories", agreement.signatories),
            starts_on=data.get("starts_on", agreement.starts_on),
            ends_on=data.get("ends_on", agreement.ends_on),
            agreement=agreement,
        )
        return self._fresh(agreement)

    @extend_schema(request=AgreementEndSerializer, responses={200: AgreementSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        body = AgreementEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agreement = agreements.end_agreement(
            agreement, request.user, ends_on=body.validated_data.get("ends_on")
        )
        return self._fresh(agreement)


class CollectionSerializer(serializers.ModelSerializer[DataCollection]):
    indicators = serializers.SerializerMethodField(help_text="Keys of the indicators asked.")
    periods = serializers.SerializerMethodField(help_text="Labels of the periods asked.")
    organizations = serializers.SerializerMethodField(help_text="Slugs of the partners asked.")
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = DataCollection
        fields = (
            "id",
            "name",
            "indicators",
            "periods",
            "organizations",
            "due_on",
            "remind_days_before",
            "remind_when_overdue",
            "is_open",
            "closed_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_indicators(self, collection: DataCollection) -> list[str]:
        return sorted(i.key for i in collection.indicators.all())

    def get_periods(self, collection: DataCollection) -> list[str]:
        return [p.label for p in sorted(collection.periods.all(), key=lambda p: p.start)]

    def get_organizations(self, collection: DataCollection) -> list[str]:
        return sorted(o.slug for o in collection.organizations.all())


class CollectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Data collections: backbone staff see all, partner staff those asking their
    organizations (`access.collections_of`). `progress/` is the status grid."""

    model = DataCollection
    serializer_class = CollectionSerializer
    filter_backends: list[Any] = []
    rules = {
        "list": "measures.submit_data",
        "retrieve": "measures.submit_data",
        "progress": "measures.submit_data",
    }

    def scoped_queryset(self) -> QuerySet[DataCollection]:
        return (
            access.collections_of(self.request.user, self.ecosystem)
            .prefetch_related("indicators", "periods", "organizations")
            .order_by("-due_on", "pk")
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One row per partner the person may see: `organization` (slug) and `cells`, one per
        indicator x period asked (`indicator`, `period`, `status`: approved, submitted,
        returned, missing or overdue; `submission`: the id of the file waiting or returned)."""
        collection = self.get_object()
        grid = collections.progress(collection)
        mine = roles.organizations_in(request.user, self.ecosystem)
        manages = request.user.has_perm("measures.manage_collections", self.ecosystem)
        return Response(
            {
                "due_on": collection.due_on,
                "rows": [
                    {
                        "organization": row.organization.slug,
                        "cells": [
                            {
                                "indicator": indicator.key,
                                "period": period.label,
                                "status": cell.status,
                                "submission": cell.submission.pk if cell.submission else None,
                            }
                            for (indicator, period), cell in zip(
                                grid.columns, row.cells, strict=True
                            )
                        ],
                    }
                    for row in grid.rows
                    if manages or row.organization.pk in mine
                ],
            }
        )


class DashboardListSerializer(serializers.ModelSerializer[Indicator]):
    class Meta:
        model = Indicator
        fields = ("key", "name", "unit", "dimensions", "is_published")
        read_only_fields = fields


class DashboardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Indicators' dashboards: the partners' approved values summed and published through
    small-cell suppression, the same figures as the pages. Anyone may read those of published
    indicators; backbone staff every active one. `organization` narrows to one partner's
    figures (backbone staff any partner, partner staff their own; another is a 404); `source`
    chooses the partners' submissions or the ecosystem's public files (a state's Perkins file)."""

    model = Indicator
    serializer_class = DashboardListSerializer
    lookup_field = "key"
    search_fields = ("name", "key")
    ordering_fields = ("name",)
    rules = {"list": "measures.view_dashboards", "retrieve": "measures.view_dashboards"}
    query_parameters = {
        "retrieve": [
            OpenApiParameter("period", int, description="A period's id (default: the latest)."),
            OpenApiParameter(
                "organization", str, description="A partner's slug (the partners' source only)."
            ),
            OpenApiParameter(
                "source",
                str,
                enum=["partners", "public", "reach"],
                description="The partners' submissions, the ecosystem's applied public files "
                "of the indicator, or the linked participation rosters' unduplicated counts "
                "(default: the partners' when they have values), never summed: they count the "
                "same students.",
            ),
            OpenApiParameter(
                "program_type",
                str,
                description="A kind of activity of the directory's STEM profile (for "
                "indicators broken down by program): the values of programs of that type.",
            ),
            OpenApiParameter(
                "area",
                str,
                description="An atlas area's identifier (for indicators broken down by area): "
                "the values in that area, a slice of the same suppressed tables.",
            ),
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
        except UnknownFilter as error:
            raise exceptions.ValidationError(
                {str(error): [_("No such choice for this indicator.")]}
            ) from None
        if not chosen["has_periods"]:
            return Response({"indicator": indicator.key, "periods": [], "enrolment": None})
        board = published_board(indicator, chosen)
        data = dashboards.as_data(board)
        data["enrolment"] = enrolment.as_data(
            board, enrolment.enrolment_for(self.ecosystem, board.current.period)
        )
        return Response(data)


class PublicSourceSerializer(serializers.ModelSerializer[PublicSource]):
    indicator: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    period: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="label", read_only=True
    )
    problems = serializers.SerializerMethodField(
        help_text="Each problem of the check: code, where (the row), field (the column), message."
    )
    counts = serializers.SerializerMethodField(
        help_text="rows read, values, left_out, periods; once applied, written and replaced."
    )
    is_interrupted = serializers.BooleanField(read_only=True)

    class Meta:
        model = PublicSource
        fields = (
            "id",
            "format",
            "indicator",
            "period",
            "original_filename",
            "status",
            "is_interrupted",
            "problems",
            "counts",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_problems(self, run: PublicSource) -> list[dict[str, str]]:
        problems: list[dict[str, str]] = run.report.get("problems") or []
        return problems

    def get_counts(self, run: PublicSource) -> dict[str, int]:
        counts: dict[str, int] = run.report.get("counts") or {}
        return counts


class PublicSourceUploadSerializer(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=PublicFormat.choices)
    file = serializers.FileField(help_text="CSV or XLSX: a CCD school file or a Perkins file.")
    indicator = serializers.SlugField(
        required=False, help_text="CCD only: the key of the count indicator it is counted as."
    )
    period = serializers.CharField(
        required=False, help_text="CCD only: the label of its school year (2024–25)."
    )


class ReachViewSet(EcosystemScopedViewSet):
    """The reach report (issue 17): per school year the unduplicated young people, overlaps
    between partners and program types, dose, retention and sequences, every count suppressed
    as on the page (a hidden one is null, with why); for backbone staff also the linkage runs'
    quality figures. Never a hash."""

    model = LinkageRun
    rules = {"list": "measures.view_reach"}

    def scoped_queryset(self) -> QuerySet[LinkageRun]:
        return LinkageRun.objects.filter(ecosystem=self.ecosystem)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        quality = request.user.has_perm("measures.manage_linkage", self.ecosystem)
        return Response(reach_report.as_data(reach_report.build(self.ecosystem, quality=quality)))


class PublicSourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Public files (NCES CCD membership, a state's Perkins file), backbone staff only, through
    the pages' services. POST a file to check it (`dry_run=true`, the default: kept and checked,
    nothing written) or to check it and, when it has no problems, apply it (`dry_run=false`);
    `apply/`, `retry/` and `discard/` as on the file's page."""

    model = PublicSource
    serializer_class = PublicSourceSerializer
    ordering_fields = ("created_at",)
    search_fields = ("original_filename",)
    rules = dict.fromkeys(
        ("list", "retrieve", "create", "apply", "retry", "discard"),
        "measures.import_public_data",
    )
    query_parameters = {
        "create": [OpenApiParameter("dry_run", bool, description="true (default) or false")],
    }

    def scoped_queryset(self) -> QuerySet[PublicSource]:
        return (
            PublicSource.objects.filter(ecosystem=self.ecosystem)
            .select_related("indicator", "period")
            .order_by("-created_at", "-pk")
        )

    def _fresh(self, run: PublicSource) -> Response:
        return Response(PublicSourceSerializer(self.get_queryset().get(pk=run.pk)).data)

    @extend_schema(request=PublicSourceUploadSerializer, responses={201: PublicSourceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = PublicSourceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        indicator = period = None
        if data.get("indicator"):
            indicator = next(
                (
                    i
                    for i in public_sources.ccd_indicators(self.ecosystem)
                    if i.key == data["indicator"]
                ),
                None,
            )
            if indicator is None:
                raise exceptions.ValidationError(
                    {"indicator": [_("Not a count indicator broken down by sex and race.")]}
                )
        if data.get("period"):
            period = self.ecosystem.periods.filter(label=data["period"]).first()
            if period is None:
                raise exceptions.ValidationError({"period": [_("No such period.")]})
        try:
            run = public_sources.check_public_file(
                self.ecosystem,
                data["format"],
                data["file"],
                user=request.user,
                indicator=indicator,
                period=period,
            )
            if request.query_params.get("dry_run") == "false" and run.status == "checked":
                run = public_sources.apply_public_source(run, user=request.user)
        except DomainError as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from None
        return Response(PublicSourceSerializer(self.get_queryset().get(pk=run.pk)).data, status=201)

    @extend_schema(request=None, responses={200: PublicSourceSerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Apply a checked file: it is checked once more and written whole or not at all."""
        return self._fresh(public_sources.apply_public_source(self.get_object(), user=request.user))

    @extend_schema(request=None, responses={200: PublicSourceSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Apply again a file whose apply was interrupted (`is_interrupted`)."""
        return self._fresh(public_sources.retry_public_source(self.get_object(), user=request.user))

    @extend_schema(request=None, responses={200: PublicSourceSerializer})
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Give up a file whose apply was interrupted: it is marked failed, nothing written."""
        return self._fresh(
            public_sources.discard_public_source(self.get_object(), user=request.user)
        )


class PeriodSerializer(serializers.ModelSerializer[Period]):
    class Meta:
        model = Period
        fields = ("id", "type", "start", "end", "label", "updated_at")
        read_only_fields = ("id", "updated_at")


class PeriodChangeSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=PeriodType.choices, required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    label = serializers.CharField(max_length=60, required=False)  # type: ignore[assignment]


class PeriodViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    EcosystemScopedViewSet,
):
    """The periods values are counted over, backbone staff only, through the pages' service:
    an end before the start, a second period of a type starting the same day or a label
    already taken is a 400; so is deleting a period values, a collection or a public file
    use."""

    model = Period
    serializer_class = PeriodSerializer
    search_fields = ("label",)
    ordering_fields = ("start", "label")
    rules = dict.fromkeys(
        ("list", "retrieve", "create", "partial_update", "destroy"), "measures.manage_periods"
    )
    query_parameters = {"list": [OpenApiParameter("type", str, enum=PeriodType.values)]}

    def scoped_queryset(self) -> QuerySet[Period]:
        found = Period.objects.filter(ecosystem=self.ecosystem)
        if self.action == "list" and (kind := self.request.query_params.get("type")):
            found = found.filter(type=kind)
        return found.order_by("-start", "type", "pk")

    def _save(self, data: dict[str, Any], period: Period | None) -> Period:
        try:
            return periods.save_period(self.ecosystem, self.request.user, **data, period=period)
        except DomainError as error:
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PeriodSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: body.validated_data[k] for k in ("type", "start", "end", "label")}
        return Response(PeriodSerializer(self._save(data, None)).data, status=201)

    @extend_schema(request=PeriodChangeSerializer, responses={200: PeriodSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        period = self.get_object()
        body = PeriodChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {
            k: body.validated_data.get(k, getattr(period, k))
            for k in ("type", "start", "end", "label")
        }
        return Response(PeriodSerializer(self._save(data, period)).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        period = self.get_object()
        try:
            periods.delete_period(period, request.user)
        except DomainError as error:
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from None
        return Response(status=204)


class LinkageEpochSerializer(serializers.ModelSerializer[LinkageEpoch]):
    """An epoch of the linkage secret, counts only: neither the check value nor any row."""

    last_year = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="The year its last school year starts in; null for the current epoch.",
    )
    created_by = serializers.CharField(source="created_by.name", default=None, read_only=True)
    roster_count = serializers.IntegerField(read_only=True)
    row_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = LinkageEpoch
        fields = (
            "id",
            "number",
            "first_year",
            "last_year",
            "created_by",
            "created_at",
            "roster_count",
            "row_count",
        )


class LinkageEpochViewSet(mixins.ListModelMixin, EcosystemScopedViewSet):
    """The linkage secret's epochs with the rosters and rows each holds, backbone staff only
    (the data steward's page); a secret is set up or rotated on that page, whose browser
    computes the check value."""

    model = LinkageEpoch
    serializer_class = LinkageEpochSerializer
    pagination_class = None
    rules = {"list": "measures.manage_linkage"}

    def scoped_queryset(self) -> QuerySet[LinkageEpoch]:
        return LinkageEpoch.objects.filter(ecosystem=self.ecosystem)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        listed = epochs.epochs_with_counts(self.ecosystem)
        return Response(LinkageEpochSerializer(listed, many=True).data)


class RosterSerializer(serializers.ModelSerializer[Roster]):
    """A roster's metadata. Its rows (exact hashes, CLKs, blocking keys) are never sent back."""

    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    program: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    program_name = serializers.CharField(source="program.name", read_only=True)
    period_label = serializers.CharField(source="period.label", read_only=True)
    submitted_by = serializers.CharField(
        source="submitted_by.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Roster
        fields = (
            "id",
            "organization",
            "program",
            "program_name",
            "period",
            "period_label",
            "row_count",
            "submitted_by",
            "created_at",
        )
        read_only_fields = fields


class RosterRowSerializer(serializers.Serializer[Any]):
    exact = serializers.CharField(help_text="The exact keyed hash: 64 hex digits.")
    clk = serializers.CharField(help_text="The CLK: 128 bytes in base64.")
    block = serializers.CharField(help_text="The keyed blocking key: 16 hex digits.")
    codes = serializers.DictField(
        child=serializers.CharField(),
        help_text="The row's common code of each of `dimensions` (the roster page reads the "
        "file's spellings into common codes before sending; any spelling the partner's "
        "crosswalk reads is accepted).",
    )


class RosterSubmitSerializer(serializers.Serializer[Any]):
    """What the roster page's browser sends: never a name, a birth date or a school."""

    program = serializers.SlugField(help_text="The program's short name (one of your own).")
    period = serializers.IntegerField(help_text="The id of a school year of the ecosystem.")
    check_value = serializers.CharField(
        max_length=64, help_text="The check value of the linkage secret the rows were encoded with."
    )
    dimensions = serializers.ListField(
        child=serializers.ChoiceField(choices=rosters.ROSTER_DIMENSIONS),
        allow_empty=True,
        help_text="The dimensions every row's `codes` carries.",
    )
    # Rows are checked by the service (every problem by row and field, not DRF's first).
    rows = serializers.ListField(
        child=serializers.JSONField(),
        max_length=rosters.MAX_ROWS,
        help_text="One object per young person: exact, clk, block and codes (RosterRow).",
    )


class RosterBodyParser(LargeJSONParser):
    # about 340 bytes a row with its codes: twice that, for the largest roster
    max_bytes = rosters.MAX_ROWS * 700


class RosterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Participation rosters (docs/reach.md): partner staff list their own organizations',
    backbone staff all; only metadata is ever returned. Partner staff POST a roster their
    browser encoded (the roster page does) for one of their organizations' programs: a refused
    roster is a 400 with `problems`, each with its row (1 is the first row sent), field and
    message, and nothing is stored. DELETE withdraws a roster (its organization's staff)."""

    model = Roster
    serializer_class = RosterSerializer
    parser_classes = [RosterBodyParser]
    ordering_fields = ("created_at", "row_count")
    search_fields = ("program__name", "organization__name")
    rules = {
        "list": "measures.view_rosters",
        "retrieve": "measures.view_rosters",
        "create": "measures.submit_rosters",
        "destroy": "measures.submit_rosters",
    }
    query_parameters = {
        "list": [
            OpenApiParameter("period", int, description="A period's id."),
            OpenApiParameter("organization", str, description="A partner's slug."),
        ]
    }

    def scoped_queryset(self) -> QuerySet[Roster]:
        found = access.rosters_of(self.request.user, self.ecosystem)
        if self.action == "list":
            params = self.request.query_params
            if (period := params.get("period")) and period.isdigit():
                found = found.filter(period_id=int(period))
            if organization := params.get("organization"):
                found = found.filter(organization__slug=organization)
        return found.order_by("-period__start", "organization__name", "pk")

    def get_object(self) -> Roster:
        roster: Roster = super().get_object()
        if not self.request.user.has_perm("measures.view_roster", roster):
            raise exceptions.NotFound
        return roster

    @extend_schema(request=RosterSubmitSerializer, responses={201: RosterSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RosterSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        program = (
            access.roster_programs(request.user, self.ecosystem)
            .filter(slug=data["program"])
            .first()
        )
        if program is None or not request.user.has_perm(
            "measures.submit_roster_for_organization", program.organization
        ):
            raise exceptions.ValidationError(
                {"program": [_("Not a program you may submit rosters for.")]}
            )
        period = rosters.roster_periods(self.ecosystem).filter(pk=data["period"]).first()
        if period is None:
            raise exceptions.ValidationError({"period": [_("Not a school year of the ecosystem.")]})
        try:
            roster = rosters.submit_roster(
                request.user,
                program=program,
                period=period,
                check_value=data["check_value"],
                dimensions=data["dimensions"],
                rows=data["rows"],
            )
        except rosters.RosterRefusedError as refused:
            return Response(
                {
                    "detail": str(refused),
                    "problems": [
                        {"row": p.row, "field": p.field, "message": p.message}
                        for p in refused.problems
                    ],
                },
                status=400,
            )
        except DomainError as error:
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from None
        return Response(RosterSerializer(self.get_queryset().get(pk=roster.pk)).data, status=201)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw a roster: its rows are deleted (the audit log keeps that it was)."""
        roster = self.get_object()
        if not request.user.has_perm("measures.submit_roster_for_organization", roster):
            raise exceptions.PermissionDenied
        rosters.withdraw_roster(roster, request.user)
        return Response(status=204)


NETWORK_SLUG = OpenApiParameter(
    "network_slug", str, OpenApiParameter.PATH, description="The network's short name."
)


class NetworkDashboardViewSet(viewsets.ViewSet):
    """A network's shared measurement, for its operators: the indicators its ecosystems
    publish (matched by starter-library entry or key, unit and period type) and each one
    summed across them, suppressed after summing with every ecosystem's published figures in
    the audit (`services.network`); the same figures as the network's pages. Anyone else gets
    a 404."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "key"
    read_replica = True  # its safe requests read from a replica (ecotone/replicas.py)

    def _network(self, network_slug: str) -> Network:
        network = Network.objects.filter(slug=network_slug).first()
        if network is None or not self.request.user.has_perm(
            "measures.view_network_figures", network
        ):
            raise exceptions.NotFound
        return network

    @extend_schema(
        operation_id="networks_measures_list",
        responses={200: OpenApiTypes.OBJECT},
        parameters=[NETWORK_SLUG],
    )
    def list(self, request: Request, network_slug: str) -> Response:
        network = self._network(network_slug)
        return Response(
            [
                {
                    "key": found.identity,
                    "name": found.name,
                    "unit": found.unit,
                    "period_type": found.period_type,
                    "ecosystems": [e.slug for e in found.ecosystems],
                }
                for found in network_services.network_indicators(network)
            ]
        )

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            NETWORK_SLUG,
            OpenApiParameter(
                "key",
                str,
                OpenApiParameter.PATH,
                description="The indicator: its starter-library entry or its key.",
            ),
            OpenApiParameter(
                "period", str, description="A period's start date (default: the latest)."
            ),
        ],
    )
    def retrieve(self, request: Request, network_slug: str, key: str) -> Response:
        from .views.network import choose_period

        network = self._network(network_slug)
        indicator = network_services.get_network_indicator(network, key)
        if indicator is None:
            raise exceptions.NotFound
        try:
            _periods, period = choose_period(request._request, indicator)
        except Http404:
            raise exceptions.NotFound from None
        found = network_services.network_dashboard(network, indicator, period) if period else None
        if found is None:
            return Response({"network": network.slug, "indicator": key, "periods": []})
        return Response(network_services.as_data(found))
