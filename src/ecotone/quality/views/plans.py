"""Improvement plan pages under `assessments/<pk>/plan/`: the plan with its goals and actions
(written from the lowest-rated attributes once the assessment is complete), adding, changing
and removing goals and actions (removal behind a confirmation), an action's status, the
actions as CSV or XLSX; and `assessments/<pk>/next/`, the next assessment started from the
plan. Anyone who sees the assessment reads its plan; `quality.plan_improvement` changes it
(403 otherwise). The assessment page shows the plan's panel, `quality/assessments/_plan.html`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import table_response

from ..access import get_action, get_assessment, get_goal
from ..cycle_forms import (
    ActionForm,
    ActionStatusForm,
    GoalForm,
    NextAssessmentForm,
    WritePlanForm,
)
from ..models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    ImprovementPlan,
    PlanAction,
    PlanGoal,
)
from ..services import plans as services
from .reviews import back

MEMBERS = "ecosystems.enter_member_area"
PLAN = "quality.plan_improvement"
FORMATS = ("csv", "xlsx")


def _plan_url(assessment: Assessment) -> str:
    return reverse("quality:plan", args=[assessment.ecosystem.slug, assessment.pk])


def assessment_page(assessment: Assessment) -> str:
    return reverse("quality:assessment", args=[assessment.ecosystem.slug, assessment.pk])


def _may_plan(request: HttpRequest, assessment: Assessment) -> None:
    if not request.user.has_perm(PLAN, assessment):
        raise PermissionDenied


def _plan_of(assessment: Assessment) -> ImprovementPlan:
    plan = ImprovementPlan.objects.filter(assessment=assessment).first()
    if plan is None:
        raise Http404
    return plan


def _goal_rows(assessment: Assessment, plan: ImprovementPlan) -> list[dict[str, Any]]:
    rubric = services.rubric_of(assessment)
    titles = {a.key: (a.title, s.title) for s in rubric.sections for a in s.attributes}
    names = {s.key: s.name for s in rubric.stages}
    agreed = services.consensus_of(assessment)
    today = timezone.localdate()
    rows = []
    for goal in plan.goals.prefetch_related("actions__owner"):
        title, section = titles.get(goal.attribute, (goal.attribute, ""))
        actions = [
            {
                "action": action,
                "overdue": services.is_overdue(action, today),
                "form": ActionStatusForm(
                    initial={"status": action.status}, prefix=f"action-{action.pk}"
                ),
            }
            for action in goal.actions.all()
        ]
        rows.append(
            {
                "goal": goal,
                "title": title,
                "section": section,
                "stage": names.get(agreed.get(goal.attribute, ""), "—"),
                "target": names.get(goal.target_stage, goal.target_stage),
                "actions": actions,
            }
        )
    return rows


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    found = ImprovementPlan.objects.filter(assessment=assessment).first()
    can_plan = request.user.has_perm(PLAN, assessment)
    form = WritePlanForm(request.POST or None)
    if request.method == "POST":
        if not can_plan:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.write_plan(request.user, assessment, goals=form.cleaned_data["goals"])
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("The plan is written: edit its goals and add actions with owners.")
                )
            return redirect(_plan_url(assessment))
    context: dict[str, Any] = {
        "assessment": assessment,
        "plan": found,
        "can_plan": can_plan,
        "form": form,
        "back": assessment_page(assessment),
        "has_assessment_page": assessment_page(assessment) != _plan_url(assessment),
    }
    if found is not None:
        context["goals"] = _goal_rows(assessment, found)
        context["status_choices"] = ActionStatus.choices
    elif assessment.status == AssessmentStatus.COMPLETE:
        context["suggestions"] = services.suggestions(assessment)
    return render(request, "quality/plans/plan.html", context)


def _goal_form_page(
    request: HttpRequest, assessment: Assessment, goal: PlanGoal | None
) -> HttpResponse:
    plan_ = _plan_of(assessment)
    rubric = services.rubric_of(assessment)
    form = GoalForm(request.POST or None, rubric=rubric, instance=goal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_goal(
                request.user,
                plan_,
                attribute=data["attribute"],
                target_stage=data["target_stage"],
                goal=data["goal"],
                instance=goal,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The goal is saved."))
            return redirect(_plan_url(assessment))
    return render(
        request,
        "quality/plans/goal_form.html",
        {"assessment": assessment, "goal": goal, "form": form, "back": _plan_url(assessment)},
    )


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def add_goal(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    return _goal_form_page(request, assessment, None)


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def edit_goal(request: HttpRequest, ecosystem_slug: str, pk: int, goal_pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    return _goal_form_page(request, assessment, get_goal(assessment, goal_pk))


def _title_of(assessment: Assessment, attribute: str) -> str:
    titles = {a.key: a.title for a in services.rubric_of(assessment).attributes()}
    return titles.get(attribute, attribute)


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def remove_goal(request: HttpRequest, ecosystem_slug: str, pk: int, goal_pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    goal = get_goal(assessment, goal_pk)
    if request.method == "POST":
        try:
            services.remove_goal(request.user, goal)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The goal and its actions are removed."))
        return redirect(_plan_url(assessment))
    return render(
        request,
        "quality/plans/remove.html",
        {
            "assessment": assessment,
            "title": _("Remove the goal for “%(attribute)s”?")
            % {"attribute": _title_of(assessment, goal.attribute)},
            "text": goal.goal,
            "warning": _("Its actions are removed with it."),
            "back": _plan_url(assessment),
        },
    )


def _action_form_page(
    request: HttpRequest, assessment: Assessment, goal: PlanGoal, action: PlanAction | None
) -> HttpResponse:
    form = ActionForm(request.POST or None, owners=services.owners(assessment), instance=action)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_action(
                request.user,
                goal,
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"],
                status=data["status"],
                instance=action,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The action is saved."))
            return redirect(_plan_url(assessment))
    return render(
        request,
        "quality/plans/action_form.html",
        {
            "assessment": assessment,
            "goal_title": _title_of(assessment, goal.attribute),
            "goal": goal,
            "action": action,
            "form": form,
            "back": _plan_url(assessment),
        },
    )


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def add_action(request: HttpRequest, ecosystem_slug: str, pk: int, goal_pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    return _action_form_page(request, assessment, get_goal(assessment, goal_pk), None)


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def edit_action(request: HttpRequest, ecosystem_slug: str, pk: int, action_pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    action = get_action(assessment, action_pk)
    return _action_form_page(request, assessment, action.goal, action)


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def remove_action(
    request: HttpRequest, ecosystem_slug: str, pk: int, action_pk: int
) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    action = get_action(assessment, action_pk)
    if request.method == "POST":
        try:
            services.remove_action(request.user, action)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The action is removed."))
        return redirect(_plan_url(assessment))
    return render(
        request,
        "quality/plans/remove.html",
        {
            "assessment": assessment,
            "title": _("Remove this action?"),
            "text": action.description,
            "warning": "",
            "back": _plan_url(assessment),
        },
    )


@ecosystem_view(MEMBERS)
@require_POST
def action_status(
    request: HttpRequest, ecosystem_slug: str, pk: int, action_pk: int
) -> HttpResponse:
    assessment = get_assessment(request, pk)
    _may_plan(request, assessment)
    action = get_action(assessment, action_pk)
    form = ActionStatusForm(request.POST, prefix=f"action-{action.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses."))
    else:
        try:
            services.set_action_status(request.user, action, form.cleaned_data["status"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The action is now “%(status)s”.")
                % {"status": ActionStatus(action.status).label},
            )
    return redirect(f"{_plan_url(assessment)}#action-{action.pk}")


@ecosystem_view(MEMBERS)
def export_plan(request: HttpRequest, ecosystem_slug: str, pk: int, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    assessment = get_assessment(request, pk)
    found = _plan_of(assessment)
    today = timezone.localdate()
    headers = [
        _("Attribute"),
        _("Stage agreed"),
        _("Stage to reach"),
        _("Goal"),
        _("Action"),
        _("Owner"),
        _("Due"),
        _("Status"),
        _("Overdue"),
    ]
    rows = []
    for row in _goal_rows(assessment, found):
        for entry in row["actions"] or [None]:
            action = entry["action"] if entry else None
            rows.append(
                [
                    row["title"],
                    row["stage"],
                    row["target"],
                    row["goal"].goal,
                    action.description if action else "",
                    (action.owner.name or action.owner.email) if action and action.owner else "",
                    action.due_on.isoformat() if action and action.due_on else "",
                    ActionStatus(action.status).label if action else "",
                    (_("yes") if services.is_overdue(action, today) else "") if action else "",
                ]
            )
    return table_response(f"plan-{assessment.pk}", fmt, headers, rows)


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def start_next(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    if not request.user.has_perm("quality.start_assessment", assessment.organization):
        raise PermissionDenied
    form = NextAssessmentForm(
        request.POST or None, initial={"title": services.next_title(assessment)}
    )
    if request.method == "POST":
        title = form.cleaned_data["title"] if form.is_valid() else ""
        try:
            started = services.start_next_assessment(request.user, assessment, title=title)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(_plan_url(assessment))
        messages.success(
            request,
            _("The next assessment is started; it follows up the plan of this one."),
        )
        return redirect(assessment_page(started))
    version = services.latest_version(assessment)
    return render(
        request,
        "quality/plans/start_next.html",
        {
            "assessment": assessment,
            "version": version,
            "plan": ImprovementPlan.objects.filter(assessment=assessment).first(),
            "form": form,
            "back": back(request, _plan_url(assessment)),
        },
    )


urlpatterns = [
    path("assessments/<int:pk>/plan/", plan, name="plan"),
    path("assessments/<int:pk>/plan/goals/new/", add_goal, name="add_goal"),
    path("assessments/<int:pk>/plan/goals/<int:goal_pk>/", edit_goal, name="edit_goal"),
    path("assessments/<int:pk>/plan/goals/<int:goal_pk>/remove/", remove_goal, name="remove_goal"),
    path(
        "assessments/<int:pk>/plan/goals/<int:goal_pk>/actions/new/",
        add_action,
        name="add_action",
    ),
    path("assessments/<int:pk>/plan/actions/<int:action_pk>/", edit_action, name="edit_action"),
    path(
        "assessments/<int:pk>/plan/actions/<int:action_pk>/remove/",
        remove_action,
        name="remove_action",
    ),
    path(
        "assessments/<int:pk>/plan/actions/<int:action_pk>/status/",
        action_status,
        name="action_status",
    ),
    path("assessments/<int:pk>/plan/export/<slug:fmt>/", export_plan, name="export_plan"),
    path("assessments/<int:pk>/next/", start_next, name="start_next"),
]
