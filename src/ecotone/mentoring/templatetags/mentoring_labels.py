"""Labels for codes stored on mentoring records, for templates: `{{ codes|language_names }}`
shows "English, Spanish" for ["en", "es"] (a code without a name stays as it is)."""

from __future__ import annotations

from typing import Any

from django import template

from ..mentor_forms import LANGUAGES

register = template.Library()
_LANGUAGE_NAMES = dict(LANGUAGES)


@register.filter
def language_names(codes: Any) -> str:
    if not codes:
        return ""
    if isinstance(codes, str):
        codes = [codes]
    return ", ".join(str(_LANGUAGE_NAMES.get(code, code)) for code in codes)
