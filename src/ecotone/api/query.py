"""Query parameters of list endpoints, declared once: the schema documents them and the API
refuses a value they do not allow with a 400 naming the parameter (an unknown filter value
used to filter everything out, or nothing, without a word).

A viewset lists them per action in `query_parameters` (`CheckedQueryMixin` checks them before
the action runs); a custom action may call `check_query` itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request

# The largest id or count a filter may name: PostgreSQL's bigint. A larger one is no record, and
# the database would refuse it with an error (a 500) rather than find nothing.
MAX_INT = 2**63 - 1


def _problem(parameter: OpenApiParameter, value: str) -> str | None:
    if parameter.enum is not None:
        if value not in parameter.enum:
            return _("“%(value)s” is not one of: %(choices)s.") % {
                "value": value,
                "choices": ", ".join(str(choice) for choice in parameter.enum),
            }
        return None
    if parameter.type is int and not (value.isdigit() and int(value) <= MAX_INT):
        return _("A whole number is expected.")
    if parameter.type is bool and value not in ("true", "false"):
        return _("“true” or “false” is expected.")
    if parameter.type is float:
        try:
            number = float(value)
        except ValueError:
            return _("A number is expected.")
        if not math.isfinite(number):
            return _("A number is expected.")
    return None


def check_query(request: Request, parameters: Sequence[OpenApiParameter]) -> None:
    """A 400 naming each query parameter whose value the declaration does not allow."""
    errors: dict[str, list[str]] = {}
    for parameter in parameters:
        values = request.query_params.getlist(parameter.name)
        for value in values if parameter.many else values[-1:]:
            if (problem := _problem(parameter, value)) is not None:
                errors.setdefault(parameter.name, []).append(problem)
    if errors:
        raise exceptions.ValidationError(errors)


class CheckedQueryMixin:
    """Checks the query parameters declared for the current action (after authentication and
    permissions, so outsiders still get their 401/403/404)."""

    query_parameters: ClassVar[dict[str, Sequence[OpenApiParameter]]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        action = getattr(self, "action", None) or ""
        check_query(request, self.query_parameters.get(action, ()))
