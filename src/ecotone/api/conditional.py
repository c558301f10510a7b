"""Conditional requests on API records: an ETag on every read, `If-Match` on PATCH and PUT.

The tag is the record's version (`ecotone.concurrency`). A write whose `If-Match` names
another version answers 412 Precondition Failed, before validation and again inside the
service's transaction; a write without `If-Match` is saved as before (it is not required).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from ecotone import concurrency


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Someone else changed this record after you read it. Read it again (GET) and send "
        "your change with its new ETag in If-Match."
    )
    default_code = "precondition_failed"


class ConditionalUpdateMixin:
    """For a viewset with retrieve and update: its `perform_update` passes
    `self.expected_version()` to the service as `expected_version`."""

    def version(self, instance: Any) -> str:
        return concurrency.version_of(instance)

    def get_object(self) -> Any:
        return self.versioned(super().get_object())  # type: ignore[misc]

    def versioned(self, instance: Any) -> Any:
        """Remember the record for its ETag; on a write, check `If-Match` against it (a viewset
        that finds its record another way passes it here)."""
        self._versioned = instance
        request: Request = self.request  # type: ignore[attr-defined]
        wanted = concurrency.if_match(request.headers.get("If-Match"))
        if request.method in ("PUT", "PATCH") and wanted is not None:
            current = self.version(instance)
            if current not in wanted:
                raise PreconditionFailed()
            self._expected_version = current
        return instance

    def expected_version(self) -> str | None:
        return getattr(self, "_expected_version", None)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().retrieve(request, *args, **kwargs)  # type: ignore[misc]
        response["ETag"] = concurrency.etag(self.version(self._versioned))
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().update(request, *args, **kwargs)  # type: ignore[misc]
        # The service may have saved another copy of the row: read the new version back.
        instance = self._versioned
        instance.refresh_from_db()
        response["ETag"] = concurrency.etag(self.version(instance))
        return response
