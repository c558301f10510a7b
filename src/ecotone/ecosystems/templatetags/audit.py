"""How one audit-log change reads: "old → new", or which related records were added/removed."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()

EMPTY = "—"


def _value(value: Any) -> str:
    return EMPTY if value in (None, "", "None") else str(value)


@register.filter
def describe_change(change: Any) -> str:
    if isinstance(change, dict) and change.get("type") == "m2m":
        objects = ", ".join(str(o) for o in change.get("objects", [])) or EMPTY
        if change.get("operation") == "delete":
            return _("removed %(objects)s") % {"objects": objects}
        return _("added %(objects)s") % {"objects": objects}
    if isinstance(change, list | tuple) and len(change) == 2:
        old, new = change
        if _value(old) == EMPTY:
            return _value(new)
        return f"{_value(old)} → {_value(new)}"
    return str(change)
