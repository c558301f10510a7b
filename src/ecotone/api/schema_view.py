"""The view of /api/schema/ (apart from `schema`, which the API settings load while
drf-spectacular's views are still importing)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """/api/schema/, generated once per process and language: the schema follows the code, not
    the caller (it is public, the same for every persona), and generating it walks every
    viewset and serializer (about half a second of CPU), which an API client fetching it on
    every start-up, or a crawler, would otherwise pay again each time."""

    _generated: ClassVar[dict[tuple[str, str | None], Any]] = {}

    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language() or "", version)
        if key not in self._generated:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            self._generated[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=self._generated[key],
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
