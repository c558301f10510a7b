"""Template helpers shared by every app (registered in settings as the `ecotone` library)."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.translation import gettext

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


def _target(field: BoundField) -> str:
    """The id a summary link jumps to: the input, or a group's first box."""
    if field.is_hidden:
        return ""
    if field.use_fieldset and field.subwidgets:
        return str(field.subwidgets[0].id_for_label or "")
    return str(field.id_for_label or field.auto_id or "")


def _form_entries(form: BaseForm, row: str = "") -> list[tuple[str, str]]:
    entries = [(str(error), "") for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            label = str(field.label or field.name)
            if row:
                label = f"{row}: {label}"
            entries.append((f"{label}: {error}", _target(field)))
    return entries


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """`{% error_summary form formset ... %}`: every error of the forms and formsets of one
    submit, as the summary at the top of the page lists them: each field's linked to it,
    a rule about several fields without a link. A list of messages is listed as it is.

    A formset may name its rows with `row_name` ("Schedule %(n)s") so an entry says which.
    """
    entries: list[tuple[str, str]] = []
    for form in forms:
        if isinstance(form, list | tuple):
            entries += [(str(message), "") for message in form]
        elif isinstance(form, BaseFormSet):
            entries += [(str(error), "") for error in form.non_form_errors()]
            row_name = getattr(form, "row_name", None) or gettext("Row %(n)s")
            for n, member in enumerate(form.forms, start=1):
                entries += _form_entries(member, str(row_name) % {"n": n})
        elif isinstance(form, BaseForm):
            entries += _form_entries(form)
    return {"entries": entries}
