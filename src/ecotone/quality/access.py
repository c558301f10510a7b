"""The rubrics a person may reach, each from the request's ecosystem; any other answers 404.

For now only backbone admins and staff (`quality.manage_rubrics`) see rubrics, every one of
the ecosystem's, archived ones too; assessments will open the published versions to partners.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Ecosystem

from .models import Rubric, RubricVersion


def rubrics_of(user: object, ecosystem: Ecosystem) -> QuerySet[Rubric]:
    found = Rubric.objects.filter(ecosystem=ecosystem).select_related("ecosystem")
    if user.has_perm("quality.manage_rubrics", ecosystem):  # type: ignore[attr-defined]
        return found
    return found.none()


def get_version(request: HttpRequest, key: str, number: int) -> RubricVersion:
    """A version of a rubric of the request's ecosystem the person may see, or 404."""
    rubrics = rubrics_of(request.user, current_ecosystem(request))
    return get_object_or_404(
        RubricVersion.objects.select_related("rubric__ecosystem", "published_by"),
        rubric__in=rubrics,
        rubric__key=key,
        number=number,
    )


def get_rubric(request: HttpRequest, key: str) -> Rubric:
    """A rubric of the request's ecosystem the person may see, or 404."""
    return get_object_or_404(rubrics_of(request.user, current_ecosystem(request)), key=key)
