"""Template helpers shared by every app (registered in settings as the `ecotone` library)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination, sorting)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return str(query.urlencode())


@register.simple_tag(takes_context=True)
def can(context: dict[str, Any], permission: str, obj: Any = None) -> bool:
    """`{% can "ecosystems.add_organization" ecosystem as can_add %}`: the rules decide."""
    return bool(context["request"].user.has_perm(permission, obj))


@register.filter
def column_header(headers: Any, index: int) -> str:
    """The header of column `index`: a cell's label when its table shows as cards on a phone."""
    return str(headers[index]) if 0 <= index < len(headers or []) else ""
