"""Template helpers shared by every app (registered in settings as the `ecotone` library)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils import formats
from django.utils.translation import gettext

register = template.Library()


@register.filter
def rounded(value: float | Decimal | int, places: int = 1, grouping: bool = False) -> str:
    """A figure rounded half up to `places` decimals, written as the language writes numbers
    ("1.06", "1,06"). Every figure with decimals is shown through this: number_format alone
    cuts the decimals past `places` (1.057 read "1.05")."""
    step = Decimal(1).scaleb(-int(places))
    number = Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)
    return str(formats.number_format(number, int(places), force_grouping=grouping))


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


def _form_entries(
    form: BaseForm, row: str = "", fields: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    entries = [(str(error), "") for error in form.non_field_errors()]
    names = list(fields) if fields is not None else list(form.fields)
    for name in names:
        field = form[name]
        for error in field.errors:
            label = str(field.label or field.name)
            if row:
                label = f"{row}: {label}"
            entries.append((f"{label}: {error}", _target(field)))
    return entries


def error_entries(*forms: Any, fields: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Every error of the forms and formsets of one submit, as (text, id of the field or "").
    A field's error names the field (and a formset's row: its `row_name`, "Schedule %(n)s");
    a rule about several fields has no field. A list holds entries or messages already made.
    `fields` keeps only those fields of the forms, in that order (a page showing part of a form).
    """
    entries: list[tuple[str, str]] = []
    for form in forms:
        if isinstance(form, list | tuple):
            entries += [
                (str(item[0]), str(item[1])) if isinstance(item, tuple) else (str(item), "")
                for item in form
            ]
        elif isinstance(form, BaseFormSet):
            entries += [(str(error), "") for error in form.non_form_errors()]
            row_name = getattr(form, "row_name", None) or gettext("Row %(n)s")
            for n, member in enumerate(form.forms, start=1):
                entries += _form_entries(member, str(row_name) % {"n": n})
        elif isinstance(form, BaseForm):
            entries += _form_entries(form, fields=fields)
    return entries


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """`{% error_summary form formset ... %}`: the summary at the top of a form shown again
    after a failed submit (`error_entries`), each field's error linked to the field."""
    return {"entries": error_entries(*forms)}


@register.filter
def column_header(headers: Any, index: int) -> str:
    """The header of column `index`: a cell's label when its table shows as cards on a phone."""
    return str(headers[index]) if 0 <= index < len(headers or []) else ""
