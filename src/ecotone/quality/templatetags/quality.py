"""The public mark of a program's self-assessment, for the directory's templates.

The directory does not import quality (it stands to its left); its templates load this
library (`{% load quality %}`): `program_marks` reads the marks of a page's programs in one
query, `mark_of` picks a program's, and `program_mark` reads one program's; `progress_url`
links the program page to its progress for those who may read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from ..access import sees_progress
from ..models import Assessment, AssessmentStatus

register = template.Library()


def _marks(program_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    shown = (
        Assessment.objects.filter(
            program_id__in=program_ids, show_mark=True, status=AssessmentStatus.COMPLETE
        )
        .order_by("version__rubric__title", "pk")
        .values_list("program_id", "version__rubric__title", "completed_at")
    )
    for program_id, title, completed_at in shown:
        year = completed_at.year if completed_at else ""
        found.setdefault(program_id, []).append(
            _("Self-assessed on the %(rubric)s rubric, %(year)s") % {"rubric": title, "year": year}
        )
    return found


@register.simple_tag
def program_marks(items: Iterable[Any]) -> dict[int, list[str]]:
    """The marks of the programs of a list (programs, or search hits with a `program`), in
    one query: `{% program_marks page.object_list as marks %}`."""
    ids = [getattr(item, "program", item).pk for item in items]
    return _marks(ids) if ids else {}


@register.simple_tag
def mark_of(marks: dict[int, list[str]], program: Any) -> list[str]:
    """`{% mark_of marks program as mark %}`: the program's marks from `program_marks`."""
    return marks.get(program.pk, [])


@register.simple_tag
def program_mark(program: Any) -> list[str]:
    """One program's marks: `{% program_mark program as marks %}`."""
    return _marks([program.pk]).get(program.pk, [])


@register.simple_tag(takes_context=True)
def progress_url(context: dict[str, Any], program: Any) -> str:
    """`{% progress_url program as url %}`: the program's progress page, or "" when the
    person may not read it (`access.sees_progress`)."""
    request = context.get("request")
    if request is None or not sees_progress(request.user, program):
        return ""
    return reverse("quality:program_progress", args=[program.ecosystem.slug, program.slug])
