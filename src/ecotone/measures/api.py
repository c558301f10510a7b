"""REST endpoints of shared measurement, under /api/v1/ecosystems/<slug>/measures/ (docs/api.md,
"Shared measurement").

Read-only for now: the ecosystem's indicators (backbone staff see all of them, archived ones
too; members the backbone admitted the published ones, the same rule as the pages:
`access.visible_indicators`) and the standard code tables partners report in, with their
EDFacts values and the Ed-Fi descriptor URIs and OneRoster values that map to them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import access, codes
from .models import VERSIONED_FIELDS, Indicator


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
