"""Improvement plans: after a complete assessment, the organization's staff (or the backbone)
write a plan from its lowest-rated attributes (`planning.lowest`): goals, each with the stage to
reach, and actions with an owner, a due date and a status. Owners hear of an action due within a
week or overdue, once a day at most (`send_plan_reminders`, run daily by
`manage.py quality_reminders` or the task `remind_plans`). The next assessment starts from the
plan (`start_next_assessment`): same organization or program, the rubric's latest published
version, and `follows` pointing back, so its page shows what the plan asked and what came of it.

Every change checks `quality.plan_improvement` against the assessment and runs in one
transaction naming the actor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.accounts.models import User
from ecotone.ecosystems.models import BACKBONE_ROLES, Role
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import notifications, planning, rubrics
from ..models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    ImprovementPlan,
    PlanAction,
    PlanGoal,
    RubricVersion,
    VersionStatus,
)
from . import assessments

REMIND_DAYS = 7  # an action's owner hears of it this many days before it is due, and after
TEXT_LENGTH = 4000
TITLE_LENGTH = 200
OPEN = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)


def _require(actor: Any, assessment: Assessment) -> None:
    if not (actor is not None and actor.has_perm("quality.plan_improvement", assessment)):
        raise DomainError(
            _("Only the organization's partner staff and the backbone's staff write its plan.")
        )


def _text(value: str, empty: str, too_long: str) -> str:
    value = value.strip()
    if not value:
        raise DomainError(empty)
    if len(value) > TEXT_LENGTH:
        raise DomainError(too_long % {"limit": TEXT_LENGTH})
    return value


def consensus_of(assessment: Assessment) -> dict[str, str]:
    return dict(assessment.consensus.values_list("attribute", "stage"))


def suggestions(assessment: Assessment, count: int | None = None) -> list[planning.Suggestion]:
    """The attributes the plan would start from, lowest first (all when `count` is None)."""
    return planning.lowest(assessments.content(assessment.version), consensus_of(assessment), count)


def write_plan(
    actor: Any, assessment: Assessment, *, goals: int = planning.DEFAULT_GOALS
) -> ImprovementPlan:
    """The assessment's plan, with a suggested goal for each of its `goals` lowest-rated
    attributes (the next stage up, in the rubric's words); every goal stays editable."""
    _require(actor, assessment)
    with acting(actor):
        locked = (
            Assessment.objects.select_for_update().select_related("version").get(pk=assessment.pk)
        )
        if locked.status != AssessmentStatus.COMPLETE:
            raise DomainError(
                _("Complete the assessment first: the plan starts from its agreed ratings.")
            )
        if ImprovementPlan.objects.filter(assessment=locked).exists():
            raise DomainError(_("This assessment already has a plan."))
        plan = ImprovementPlan.objects.create(assessment=locked, created_by=actor)
        for suggestion in suggestions(locked, goals):
            PlanGoal.objects.create(
                plan=plan,
                attribute=suggestion.attribute,
                target_stage=suggestion.target.key,
                goal=(suggestion.descriptor or suggestion.target.name)[:TEXT_LENGTH],
            )
    return plan


def _check_goal(assessment: Assessment, attribute: str, target_stage: str) -> None:
    rubric = assessments.content(assessment.version)
    titles = {a.key: a.title for a in rubric.attributes()}
    if attribute not in titles:
        raise DomainError(
            _("The rubric “%(rubric)s” has no attribute “%(attribute)s”.")
            % {"rubric": rubric.title, "attribute": attribute}
        )
    keys = [s.key for s in rubric.stages]
    if target_stage not in keys:
        raise DomainError(
            _("The rubric “%(rubric)s” has no stage “%(stage)s”.")
            % {"rubric": rubric.title, "stage": target_stage}
        )
    now = consensus_of(assessment).get(attribute, "")
    if now in keys and keys.index(target_stage) <= keys.index(now):
        raise DomainError(
            _("“%(attribute)s” is already at this stage: choose a stage above it.")
            % {"attribute": titles[attribute]}
        )


def save_goal(
    actor: Any,
    plan: ImprovementPlan,
    *,
    attribute: str,
    target_stage: str,
    goal: str,
    instance: PlanGoal | None = None,
) -> PlanGoal:
    """Add a goal to the plan, or change `instance`: one goal per attribute, a stage above
    the one agreed, and what reaching it means."""
    assessment = plan.assessment
    _require(actor, assessment)
    text = _text(
        goal,
        _("Say what the goal is."),
        _("The goal is longer than %(limit)s characters."),
    )
    _check_goal(assessment, attribute, target_stage)
    others = plan.goals.filter(attribute=attribute)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise DomainError(_("The plan already has a goal for this attribute."))
    with acting(actor):
        if instance is None:
            return PlanGoal.objects.create(
                plan=plan, attribute=attribute, target_stage=target_stage, goal=text
            )
        instance.attribute = attribute
        instance.target_stage = target_stage
        instance.goal = text
        instance.save(update_fields=["attribute", "target_stage", "goal", "updated_at"])
    return instance


def remove_goal(actor: Any, goal: PlanGoal) -> None:
    """Remove a goal and its actions."""
    _require(actor, goal.plan.assessment)
    with acting(actor):
        goal.delete()


def owners(assessment: Assessment) -> QuerySet[User]:
    """Who may own an action: the organization's partner staff and the backbone's staff."""
    return (
        User.objects.filter(is_active=True, memberships__ecosystem_id=assessment.ecosystem_id)
        .filter(
            Q(
                memberships__role=Role.PARTNER_STAFF,
                memberships__organizations=assessment.organization_id,
            )
            | Q(memberships__role__in=BACKBONE_ROLES)
        )
        .distinct()
        .order_by("name", "email")
    )


def save_action(
    actor: Any,
    goal: PlanGoal,
    *,
    description: str,
    owner: User | None = None,
    due_on: datetime.date | None = None,
    status: str = ActionStatus.NOT_STARTED,
    instance: PlanAction | None = None,
) -> PlanAction:
    """Add an action toward a goal, or change `instance`."""
    assessment = goal.plan.assessment
    _require(actor, assessment)
    text = _text(
        description,
        _("Say what the action is."),
        _("The action is longer than %(limit)s characters."),
    )
    if status not in ActionStatus.values:
        raise DomainError(_("“%(status)s” is not a status of an action.") % {"status": status})
    if owner is not None and not owners(assessment).filter(pk=owner.pk).exists():
        raise DomainError(
            _("%(name)s is neither partner staff of %(organization)s nor the backbone's staff.")
            % {"name": owner.name or owner.email, "organization": assessment.organization.name}
        )
    values = {"description": text, "owner": owner, "due_on": due_on, "status": status}
    with acting(actor):
        if instance is None:
            return PlanAction.objects.create(goal=goal, **values)
        if instance.due_on != due_on or instance.owner_id != getattr(owner, "pk", None):
            instance.reminded_on = None  # a new date or owner is reminded afresh
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
    return instance


def set_action_status(actor: Any, action: PlanAction, status: str) -> PlanAction:
    """Move an action to `status` (not started, in progress, done, dropped)."""
    _require(actor, action.goal.plan.assessment)
    if status not in ActionStatus.values:
        raise DomainError(_("“%(status)s” is not a status of an action.") % {"status": status})
    with acting(actor):
        action.status = status
        action.save(update_fields=["status", "updated_at"])
    return action


def remove_action(actor: Any, action: PlanAction) -> None:
    _require(actor, action.goal.plan.assessment)
    with acting(actor):
        action.delete()


def is_overdue(action: PlanAction, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return action.status in OPEN and action.due_on is not None and action.due_on < today


def send_plan_reminders(today: datetime.date | None = None, *, ecosystem: Any = None) -> int:
    """Email the owner of each open action due within `REMIND_DAYS` days or overdue, at most
    once a day per action (`reminded_on`); returns how many reminders were queued."""
    today = today or timezone.localdate()
    due = PlanAction.objects.filter(
        status__in=OPEN,
        due_on__lte=today + datetime.timedelta(days=REMIND_DAYS),
        owner__is_active=True,
        goal__plan__assessment__ecosystem__is_active=True,
    ).filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
    if ecosystem is not None:
        due = due.filter(goal__plan__assessment__ecosystem=ecosystem)
    sent = 0
    for pk in due.order_by("due_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            # claimed by the update, so two runs at once remind it once
            claimed = (
                PlanAction.objects.filter(pk=pk)
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                .update(reminded_on=today)
            )
            if claimed:
                notifications.action_due(PlanAction(pk=pk))
                sent += 1
    return sent


@task()
def remind_plans() -> int:
    """The day's reminders of improvement plans' actions, in every active ecosystem."""
    return send_plan_reminders()


def latest_version(assessment: Assessment) -> RubricVersion | None:
    return (
        RubricVersion.objects.filter(
            rubric_id=assessment.version.rubric_id, status=VersionStatus.PUBLISHED
        )
        .order_by("-number")
        .first()
    )


def next_title(assessment: Assessment) -> str:
    return (_("Follow-up of %(title)s") % {"title": assessment.title})[:TITLE_LENGTH]


def start_next_assessment(actor: Any, assessment: Assessment, *, title: str = "") -> Assessment:
    """Start the assessment that follows this one up: the same organization and program, the
    latest published version of the same rubric, `follows` this one; titled "Follow-up of ..."
    unless `title` is given."""
    with acting(actor):
        locked = (
            # the program is an outer join, which PostgreSQL cannot lock: lock the row alone
            Assessment.objects.select_for_update(of=("self",))
            .select_related("organization", "program", "version__rubric")
            .get(pk=assessment.pk)
        )
        if locked.status != AssessmentStatus.COMPLETE:
            raise DomainError(_("Complete this assessment before starting the next one."))
        following = locked.followed_by.first()
        if following is not None:
            raise DomainError(
                _("“%(title)s” already follows this assessment up.") % {"title": following.title}
            )
        version = latest_version(locked)
        if version is None:  # a published version is never unpublished; kept for safety
            raise DomainError(_("The rubric has no published version."))
        started = assessments.start_assessment(
            actor,
            locked.organization,
            version,
            program=locked.program,
            title=title.strip() or next_title(locked),
        )
        started.follows = locked
        started.save(update_fields=["follows", "updated_at"])
    return started


@dataclass
class FollowedGoal:
    """A goal of the plan an assessment follows up: the stage then, the target, the stage
    agreed now (blank until agreed) and the actions with their status."""

    goal: PlanGoal
    title: str
    stage_then: str
    target: str
    stage_now: str
    reached: bool
    actions: list[PlanAction] = field(default_factory=list)


def followed_goals(assessment: Assessment) -> list[FollowedGoal]:
    """What the plan of the assessment this one follows asked, and what came of it."""
    previous = assessment.follows
    if previous is None:
        return []
    plan = ImprovementPlan.objects.filter(assessment=previous).first()
    if plan is None:
        return []
    rubric = assessments.content(previous.version)
    titles = {a.key: a.title for a in rubric.attributes()}
    names = {s.key: s.name for s in rubric.stages}
    keys = [s.key for s in rubric.stages]
    then = consensus_of(previous)
    now = consensus_of(assessment)
    found = []
    for goal in plan.goals.prefetch_related("actions__owner"):
        stage_now = now.get(goal.attribute, "")
        found.append(
            FollowedGoal(
                goal=goal,
                title=titles.get(goal.attribute, goal.attribute),
                stage_then=names.get(then.get(goal.attribute, ""), ""),
                target=names.get(goal.target_stage, goal.target_stage),
                stage_now=names.get(stage_now, stage_now),
                reached=stage_now in keys
                and goal.target_stage in keys
                and keys.index(stage_now) >= keys.index(goal.target_stage),
                actions=list(goal.actions.all()),
            )
        )
    return found


def rubric_of(assessment: Assessment) -> rubrics.Rubric:
    return assessments.content(assessment.version)
