"""Request bodies of the API: JSON with a bound on nesting."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError

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


class BodyTooLarge(APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class LargeJSONParser(parsers.BaseParser):
    """JSON bodies larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), for an endpoint that
    receives them by design (a participation roster of 50,000 encoded rows is about 17 MB),
    bounded by `max_bytes` instead: DRF reads a JSONParser's body through `request.body`, which
    that setting caps for every endpoint, so this one reads the stream itself and then parses
    like `JSONParser`. Subclass it with `max_bytes` set."""

    media_type = "application/json"
    max_bytes = 0

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise BodyTooLarge(
                _("The request body is larger than %(megabytes)s MB.")
                % {"megabytes": self.max_bytes >> 20}
            )
        return JSONParser().parse(io.BytesIO(body), media_type, parser_context)
