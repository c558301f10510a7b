"""The rubrics and assessments a person may reach, each from the request's ecosystem; any other
answers 404.

Backbone admins and staff (`quality.manage_rubrics`) see every rubric of the ecosystem,
archived ones too. Assessments follow `quality.view_assessment` as one query: the backbone sees
the ecosystem's, partner staff their organizations', a reviewer those they were assigned while
they hold the reviewer role.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.directory.models import Program
from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import BACKBONE_ROLES, Ecosystem, Role

from .models import Assessment, PlanAction, PlanGoal, Rubric, RubricVersion


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


def assessments_of(user: object, ecosystem: Ecosystem) -> QuerySet[Assessment]:
    """The ecosystem's assessments the person may see (`quality.view_assessment`)."""
    found = Assessment.objects.filter(ecosystem=ecosystem).select_related(
        "organization", "program", "version__rubric"
    )
    if not getattr(user, "is_authenticated", False):
        return found.none()
    if getattr(user, "is_superuser", False):
        return found
    held = roles.roles_in(user, ecosystem)
    if held & BACKBONE_ROLES:
        return found
    seen = Q(organization_id__in=roles.organizations_in(user, ecosystem.pk))
    if Role.REVIEWER in held:
        seen |= Q(reviews__reviewer=user)
    return found.filter(seen).distinct()


def get_assessment(request: HttpRequest, pk: int) -> Assessment:
    """An assessment of the request's ecosystem the person may see, or 404."""
    return get_object_or_404(assessments_of(request.user, current_ecosystem(request)), pk=pk)


def get_goal(assessment: Assessment, pk: int) -> PlanGoal:
    """A goal of the assessment's plan, or 404."""
    return get_object_or_404(
        PlanGoal.objects.select_related("plan__assessment"), pk=pk, plan__assessment=assessment
    )


def get_action(assessment: Assessment, pk: int) -> PlanAction:
    """An action of the assessment's plan, or 404."""
    return get_object_or_404(
        PlanAction.objects.select_related("goal__plan__assessment", "owner"),
        pk=pk,
        goal__plan__assessment=assessment,
    )


def get_assessed_program(request: HttpRequest, slug: str) -> Program:
    """A program of the request's ecosystem whose progress the person may read: they see one of
    its assessments, or may start one (its organization's staff, the backbone); otherwise 404."""
    ecosystem = current_ecosystem(request)
    program = get_object_or_404(
        Program.objects.filter(ecosystem=ecosystem).select_related("organization", "ecosystem"),
        slug=slug,
    )
    if not sees_progress(request.user, program):
        raise Http404
    return program


def sees_progress(user: Any, program: Program) -> bool:
    """Whether the person may read the program's progress: they may assess it (its
    organization's staff, the backbone) or they see one of its assessments."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            user.has_perm("quality.start_assessment", program.organization)
            or assessments_of(user, program.ecosystem).filter(program=program).exists()
        )
    )
