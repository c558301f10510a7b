"""Labels for codes and figures stored on mentoring records, for templates:
`{{ codes|language_names }}` shows "English, Spanish" for ["en", "es"] (a code without a name
stays as it is); `{{ cell|figure }}` shows hours and counts as people write them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats

from ..forms.mentors import LANGUAGES
from ..services.hours import hours_label

register = template.Library()
_LANGUAGE_NAMES = dict(LANGUAGES)


@register.filter
def language_names(codes: Any) -> str:
    if not codes:
        return ""
    if isinstance(codes, str):
        codes = [codes]
    return ", ".join(str(_LANGUAGE_NAMES.get(code, code)) for code in codes)


@register.filter
def figure(value: Any) -> Any:
    """A table cell as people read it: hours (Decimal) without trailing zeros, "2" not
    "2.00"; counts with thousands separators ("1,234", "1.234" in Spanish); anything else
    unchanged."""
    if isinstance(value, Decimal):
        return hours_label(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return value


@register.filter
def is_figure(value: Any) -> bool:
    """Whether a table cell is a number (aligned to the end of its column)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


@register.filter
def figure_column(rows: Any, index: int) -> bool:
    """Whether a column of table rows holds numbers (its header aligns with them)."""
    return bool(index) and any(is_figure(row[index]) for row in rows or [] if len(row) > index)
