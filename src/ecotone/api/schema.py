"""What drf-spectacular writes at /api/schema/ beyond its defaults, so the schema says what the
API answers: error responses on every operation, blank choices of read-only fields, and the
query parameters each viewset checks (`ecotone.api.query`)."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

# The bodies `ecotone.api.exceptions.handler` (DRF's handler underneath) answers with.
ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "What was refused: each field (or query parameter) named with its messages, or "
        "`detail` for the request as a whole."
    ),
    "additionalProperties": {},
}
ERROR_RESPONSES = {
    "400": ("ValidationError", "The request was refused: see the named fields."),
    "401": ("Error", "Not signed in, or the token is not valid."),
    "403": ("Error", "Signed in without the permission this needs."),
    "404": ("Error", "No such record here (or the ecosystem is not one the caller may see)."),
    "415": ("Error", "The body is not in a media type the operation reads."),
    "429": ("Error", "Too many requests; try again later."),
}


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self) -> list[Any]:
        declared = getattr(self.view, "query_parameters", {}).get(getattr(self.view, "action", ""))
        return [*super().get_override_parameters(), *(declared or ())]

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        # A ModelSerializer drops `allow_blank` from read-only fields, yet a blank choice of the
        # model is still written out as "": the schema must allow it.
        if (
            isinstance(field, serializers.ChoiceField)
            and field.read_only
            and not field.allow_blank
            and _blank_in_model(field)
        ):
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _blank_in_model(field: serializers.Field[Any, Any, Any, Any]) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.source, str) or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:  # not a model field (a property, an annotation)
        return False
    return bool(model_field.blank) and isinstance(model_field, (models.CharField, models.TextField))


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the error responses every operation may give, with their bodies.
    400 where there is something to refuse: query parameters, a body, or a change (a service
    may refuse it with a DomainError)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            takes_input = method != "get" or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            )
            responses = operation.setdefault("responses", {})
            for status, (component, description) in ERROR_RESPONSES.items():
                if (
                    status in responses
                    or (status == "400" and not takes_input)
                    or (status == "415" and "requestBody" not in operation)
                ):
                    continue
                responses[status] = {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{component}"}
                        }
                    },
                }
    return result
