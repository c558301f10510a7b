from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ecotone.concurrency import EditConflictError
from ecotone.errors import DomainError

from .conditional import PreconditionFailed


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain refusals and model validation become 400s with readable messages."""
    if isinstance(exc, EditConflictError):  # only raised for a request with If-Match
        exc = PreconditionFailed()
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"detail": str(exc)})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 (`handler404`): JSON under /api/, as the schema documents, else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
