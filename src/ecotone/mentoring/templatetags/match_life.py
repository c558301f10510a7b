"""Template filters of a match's life: `{{ log.hours|hours }}` shows 1.5 and 20, not 1.50 or
2E+1 (localized)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from ecotone.mentoring.services.hours import hours_label

register = template.Library()


@register.filter(name="hours")
def hours_filter(value: Any) -> str:
    if value is None or value == "":
        return ""
    return hours_label(value if isinstance(value, Decimal) else Decimal(str(value)))
