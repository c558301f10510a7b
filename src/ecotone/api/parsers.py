"""Request bodies of the API: JSON with a bound on nesting."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No record of the API nests deeper than a few levels; anything far deeper is an attack on
# the recursive code that walks it (the decoder, serializers, error rendering).
MAX_DEPTH = 32


def nested_deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and objects in `data` nest more than `limit` levels (walked without
    recursion, in time linear in the number of values)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 to nesting too deep to read instead of a 500 from a
    RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The request body is nested too deeply to read.")) from None
        if nested_deeper_than(data, MAX_DEPTH):
            raise ParseError(_("The request body is nested too deeply to read."))
        return data
