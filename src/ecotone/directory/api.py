"""REST endpoints of the directory: the same search as the public pages, read-only for now.

Lists answer conditional requests (ETag and Last-Modified), so a map or a partner's site can
poll cheaply: an unchanged directory costs one aggregate query and a 304.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any

from django.db.models import Max, Prefetch, QuerySet
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone import program_filters
from ecotone.ecosystems.api import EcosystemScopedViewSet

from . import search, stem_profile
from .models import Location, Program, ProgramLocation


class LocationSerializer(serializers.ModelSerializer[Location]):
    id = serializers.UUIDField(source="hsds_id", read_only=True)
    approximate = serializers.BooleanField(source="is_approximate", read_only=True)

    class Meta:
        model = Location
        fields = (
            "id",
            "name",
            "location_type",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "latitude",
            "longitude",
            "approximate",
            "url",
            "updated_at",
        )


class ProgramSerializer(serializers.ModelSerializer[Program]):
    id = serializers.UUIDField(source="hsds_id", read_only=True)
    organization = serializers.SerializerMethodField()
    profile = serializers.SerializerMethodField()
    languages = serializers.SerializerMethodField()
    locations = serializers.SerializerMethodField()
    distance_mi = serializers.SerializerMethodField()
    web_page = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = (
            "id",
            "slug",
            "name",
            "organization",
            "description",
            "url",
            "email",
            "phone",
            "status",
            "minimum_age",
            "maximum_age",
            "delivery",
            "transportation_provided",
            "cost_band",
            "scholarships",
            "mentoring_depth",
            "seats",
            "term",
            "profile",
            "languages",
            "locations",
            "distance_mi",
            "assured_date",
            "updated_at",
            "web_page",
        )

    def get_organization(self, program: Program) -> dict[str, str]:
        return {"slug": program.organization.slug, "name": program.organization.name}

    def get_profile(self, program: Program) -> dict[str, list[str]]:
        """STEM-profile term codes by facet, e.g. {"stem_field": ["robotics"]}."""
        profile: dict[str, list[str]] = {facet.code: [] for facet in stem_profile.FACETS}
        for attribute in program.attributes.all():
            code = attribute.term.code
            if attribute.term.facet in profile and "/" in code:
                profile[attribute.term.facet].append(code.split("/", 1)[1])
        return profile

    def get_languages(self, program: Program) -> list[str]:
        return [language.code for language in program.languages.all()]

    def get_locations(self, program: Program) -> list[dict[str, Any]]:
        serializer = self._location_serializer
        return [
            serializer.to_representation(link.location) for link in program.program_locations.all()
        ]

    @cached_property
    def _location_serializer(self) -> LocationSerializer:
        # One for the whole response: building a model serializer's fields anew for every
        # location took longer than the rest of a hit.
        return LocationSerializer()

    def get_distance_mi(self, program: Program) -> float | None:
        distances: dict[int, float | None] = self.context.get("distances", {})
        value = distances.get(program.pk)
        return round(value, 2) if value is not None else None

    def get_web_page(self, program: Program) -> str:
        request = self.context.get("request")
        url = program.get_absolute_url()
        return request.build_absolute_uri(url) if request is not None else url


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Keywords."),
    OpenApiParameter("near", str, description='A US ZIP code or "latitude,longitude".'),
    OpenApiParameter(
        "radius", float, description="Miles around `near`, from 0.5 to 100 (default 10)."
    ),
    *[
        OpenApiParameter(
            facet.code,
            str,
            many=True,
            enum=[code for code, _label in facet.terms],
            description=f"{facet.code.replace('_', ' ').capitalize()} (any of).",
        )
        for facet in stem_profile.FACETS
    ],
    OpenApiParameter("day", str, many=True, enum=["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
    OpenApiParameter("after_school", str, enum=["1"]),
    OpenApiParameter("free", str, enum=["1"]),
    OpenApiParameter("transportation", str, enum=["1"]),
    OpenApiParameter("language", str, description="ISO 639-1 code, e.g. es."),
    OpenApiParameter("delivery", str, enum=["in_person", "virtual", "hybrid"]),
    OpenApiParameter("sort", str, enum=list(search.SORTS)),
    # Filters other apps register (ecotone/program_filters.py), e.g. `pathway`: a short name.
    *[
        OpenApiParameter(
            extra.key, str, description=f"{extra.label} (its short name; unknown: no filter)."
        )
        for extra in program_filters.registered()
    ],
]


def _with_details(programs: QuerySet[Program]) -> QuerySet[Program]:
    return programs.select_related("organization", "ecosystem").prefetch_related(
        "attributes__term",
        "languages",
        Prefetch("program_locations", queryset=ProgramLocation.objects.select_related("location")),
    )


class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Programs of the ecosystem's public directory, filtered exactly like its search page."""

    model = Program
    serializer_class = ProgramSerializer
    lookup_field = "slug"
    filter_backends: list[Any] = []
    rules = {"list": "directory.view_program", "retrieve": "directory.view_program"}
    query_parameters = {"list": SEARCH_PARAMETERS}

    def scoped_queryset(self) -> QuerySet[Program]:
        return _with_details(Program.objects.filter(ecosystem=self.ecosystem).listed())

    def _version(self) -> tuple[str, Any]:
        """(ETag, last change) of the ecosystem's directory as this query sees it."""
        programs = Program.objects.filter(ecosystem=self.ecosystem)
        changed = max(
            filter(
                None,
                (
                    programs.aggregate(latest=Max("updated_at"))["latest"],
                    Location.objects.filter(ecosystem=self.ecosystem).aggregate(
                        latest=Max("updated_at")
                    )["latest"],
                ),
            ),
            default=None,
        )
        seed = f"{self.request.get_full_path()}|{changed.isoformat() if changed else ''}"
        # A registered filter in the query (`?pathway=`) changes with its own records.
        for extra in program_filters.registered():
            if self.request.query_params.get(extra.key):
                seed += f"|{extra.version(self.ecosystem)!r}"
        return f'"{hashlib.sha256(seed.encode()).hexdigest()[:32]}"', changed

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if problems := search.problems(request.query_params):
            # The search page's rule: it says so beside its results, the API refuses.
            raise serializers.ValidationError({k: [v] for k, v in problems.items()})
        etag, changed = self._version()
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        query = search.parse(request.query_params)
        try:
            result = search.search(self.ecosystem, query, summary=False)
        except search.PlaceNotFoundError as error:
            raise serializers.ValidationError(
                {"near": f"Unknown place {error.args[0]!r}: give a US ZIP code or lat,lon."}
            ) from error
        # The page's programs are fetched once, with what the serializer reads.
        result.hits.details = _with_details(result.hits.details)
        page: list[search.Hit] = self.paginate_queryset(result.hits) or []  # type: ignore[arg-type]
        ordered = [h.program for h in page]
        context = {
            **self.get_serializer_context(),
            "distances": {h.program.pk: h.distance_mi for h in page},
        }
        response = self.get_paginated_response(
            ProgramSerializer(ordered, many=True, context=context).data
        )
        response["ETag"] = etag
        if changed is not None:
            response["Last-Modified"] = http_date(changed.timestamp())
        return response


class LocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EcosystemScopedViewSet):
    """Where the ecosystem's listed programs happen."""

    model = Location
    serializer_class = LocationSerializer
    lookup_field = "hsds_id"
    search_fields = ("name", "city", "postal_code")
    ordering_fields = ("name", "city", "updated_at")
    rules = {"list": "directory.view_program", "retrieve": "directory.view_program"}

    def scoped_queryset(self) -> QuerySet[Location]:
        listed = Program.objects.filter(ecosystem=self.ecosystem).listed()
        locations = Location.objects.filter(
            ecosystem=self.ecosystem, program_locations__program__in=listed.values("pk")
        ).distinct()
        if postal_code := self.request.query_params.get("postal_code"):
            locations = locations.filter(postal_code=postal_code)
        return locations.order_by("name", "pk")
