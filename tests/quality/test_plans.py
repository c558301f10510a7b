"""Improvement plans through the services: written from a complete assessment's lowest-rated
attributes, goals and actions edited by the organization's staff or the backbone, owners
reminded by email of actions due within a week or overdue (once a day at most), and the next
assessment started from the plan, which then shows what it follows up."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ecotone.ecosystems.models import Role
from ecotone.errors import DomainError
from ecotone.quality.models import ActionStatus, AssessmentStatus, PlanAction, PlanGoal
from ecotone.quality.services import assessments, plans

from .cycle_builders import completed, person, started, version


def test_a_plan_starts_from_the_lowest_rated_attributes_of_a_complete_assessment(
    world: Any,
) -> None:
    ana = world.users["partner_a"]
    with pytest.raises(DomainError, match="Complete the assessment first"):
        plans.write_plan(ana, started(world, "Open"))
    assessment = completed(world)
    plan = plans.write_plan(ana, assessment)
    goals = list(plan.goals.values_list("attribute", "target_stage", "goal"))
    assert goals == [
        ("outreach", "developing", "Outreach is developing"),
        ("data", "developing", "Data is developing"),
        ("cost", "established", "Cost is established"),
    ]
    assert plan.created_by == ana
    with pytest.raises(DomainError, match="already has a plan"):
        plans.write_plan(ana, assessment)


def test_the_number_of_goals_to_start_from_is_chosen(world: Any) -> None:
    plan = plans.write_plan(world.users["staff"], completed(world), goals=10)
    # belonging is at the top stage already: nothing above it to reach
    assert set(plan.goals.values_list("attribute", flat=True)) == {
        "outreach",
        "data",
        "cost",
        "transport",
    }


@pytest.mark.parametrize("persona", ["partner_b", "reviewer", "member", "outsider"])
def test_only_the_organizations_staff_and_the_backbone_plan(world: Any, persona: str) -> None:
    assessment = completed(world)
    with pytest.raises(DomainError, match="write its plan"):
        plans.write_plan(world.users[persona], assessment)
    plan = plans.write_plan(world.users["partner_a"], assessment)
    goal = plan.goals.first()
    with pytest.raises(DomainError, match="write its plan"):
        plans.save_action(world.users[persona], goal, description="Sneak in")
    with pytest.raises(DomainError, match="write its plan"):
        plans.remove_goal(world.users[persona], goal)


def test_goals_are_edited_one_per_attribute_toward_a_higher_stage(world: Any) -> None:
    ana = world.users["partner_a"]
    plan = plans.write_plan(ana, completed(world), goals=1)
    with pytest.raises(DomainError, match="already at this stage"):
        plans.save_goal(ana, plan, attribute="cost", target_stage="developing", goal="Stay")
    with pytest.raises(DomainError, match="already has a goal"):
        plans.save_goal(ana, plan, attribute="outreach", target_stage="established", goal="Again")
    with pytest.raises(DomainError, match="Say what the goal is"):
        plans.save_goal(ana, plan, attribute="cost", target_stage="accomplished", goal="  ")
    cost = plans.save_goal(
        ana, plan, attribute="cost", target_stage="accomplished", goal="Free for every family"
    )
    plans.save_goal(
        ana, plan, attribute="cost", target_stage="established", goal="Sliding fees", instance=cost
    )
    cost.refresh_from_db()
    assert (cost.target_stage, cost.goal) == ("established", "Sliding fees")
    plans.save_action(ana, cost, description="Ask the foundation")
    plans.remove_goal(ana, cost)
    assert list(PlanGoal.objects.values_list("attribute", flat=True)) == ["outreach"]
    assert not PlanAction.objects.exists()


def test_an_action_is_owned_by_the_organizations_staff_or_the_backbone(world: Any) -> None:
    ana = world.users["partner_a"]
    plan = plans.write_plan(ana, completed(world), goals=1)
    goal = plan.goals.get()
    assert set(plans.owners(plan.assessment)) == {ana, world.users["staff"], world.users["admin"]}
    with pytest.raises(DomainError, match="neither partner staff of Robotics For All"):
        plans.save_action(ana, goal, description="Flyers", owner=world.users["partner_b"])
    action = plans.save_action(
        ana,
        goal,
        description="Flyers in Spanish",
        owner=world.users["staff"],
        due_on=datetime.date(2027, 3, 1),
    )
    assert action.status == ActionStatus.NOT_STARTED
    plans.set_action_status(ana, action, ActionStatus.IN_PROGRESS)
    with pytest.raises(DomainError, match="not a status"):
        plans.set_action_status(ana, action, "finished")
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    plans.remove_action(ana, action)
    assert not PlanAction.objects.exists()


def _action(world: Any, due_on: datetime.date, status: str = ActionStatus.NOT_STARTED) -> Any:
    ana = world.users["partner_a"]
    plan = plans.write_plan(ana, completed(world), goals=1)
    return plans.save_action(
        ana,
        plan.goals.get(),
        description="Print flyers in Spanish",
        owner=ana,
        due_on=due_on,
        status=status,
    )


def test_owners_are_reminded_of_actions_due_within_a_week_once_a_day(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    due = datetime.date(2027, 3, 10)
    action = _action(world, due)
    with django_capture_on_commit_callbacks(execute=True):
        assert plans.send_plan_reminders(due - datetime.timedelta(days=8)) == 0
        assert plans.send_plan_reminders(due - datetime.timedelta(days=7)) == 1
        assert plans.send_plan_reminders(due - datetime.timedelta(days=7)) == 0  # same day
    assert [m.to for m in mail.outbox] == [[world.users["partner_a"].email]]
    message = mail.outbox[0]
    assert "Spring" in message.subject
    assert "Print flyers in Spanish" in message.body
    assert "is due on" in message.body
    assert f"/e/alpha/quality/assessments/{action.goal.plan.assessment_id}/plan/" in message.body
    assert "Print flyers in Spanish" in message.alternatives[0][0]
    with django_capture_on_commit_callbacks(execute=True):
        assert plans.send_plan_reminders(due + datetime.timedelta(days=1)) == 1
    assert "was due on" in mail.outbox[1].body
    assert "Overdue" in mail.outbox[1].subject
    action.refresh_from_db()
    assert action.reminded_on == due + datetime.timedelta(days=1)


@pytest.mark.parametrize("status", [ActionStatus.DONE, ActionStatus.DROPPED])
def test_done_or_dropped_actions_are_not_reminded(world: Any, status: str) -> None:
    due = datetime.date(2027, 3, 10)
    _action(world, due, status)
    assert plans.send_plan_reminders(due + datetime.timedelta(days=3)) == 0


def test_the_daily_reminders_command_and_task_send_them(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _action(world, timezone.localdate() - datetime.timedelta(days=2))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("quality_reminders", stdout=out)
    assert "1 action owner(s) reminded" in out.getvalue()
    assert len(mail.outbox) == 1
    assert plans.remind_plans.call() == 0  # reminded today already


def test_the_next_assessment_starts_from_the_plan_and_shows_what_it_follows_up(
    world: Any,
) -> None:
    ana = world.users["partner_a"]
    first = completed(world)
    with pytest.raises(DomainError, match="Complete this assessment"):
        plans.start_next_assessment(ana, started(world, "Open"))
    plan = plans.write_plan(ana, first, goals=2)
    outreach = plan.goals.get(attribute="outreach")
    plans.save_action(ana, outreach, description="Flyers", status=ActionStatus.DONE)
    newer = version(world, number=2, title="Five practices, revised")
    with pytest.raises(DomainError, match="assess it"):
        plans.start_next_assessment(world.users["partner_b"], first)

    following = plans.start_next_assessment(ana, first)
    assert (following.follows, following.version, following.organization) == (
        first,
        newer,
        world.org_a,
    )
    assert following.status == AssessmentStatus.DRAFT
    assert following.title == "Follow-up of Spring"
    with pytest.raises(DomainError, match="already follows"):
        plans.start_next_assessment(ana, first)

    assessments.save_consensus(ana, following, "outreach", "established")
    rows = {g.goal.attribute: g for g in plans.followed_goals(following)}
    assert set(rows) == {"outreach", "data"}
    assert (rows["outreach"].stage_then, rows["outreach"].target) == ("Undeveloped", "Developing")
    assert (rows["outreach"].stage_now, rows["outreach"].reached) == ("Established", True)
    assert [(a.description, a.status) for a in rows["outreach"].actions] == [("Flyers", "done")]
    assert (rows["data"].stage_now, rows["data"].reached) == ("", False)
    assert plans.followed_goals(first) == []


def test_a_person_who_leaves_is_not_reminded(world: Any) -> None:
    due = datetime.date(2027, 3, 10)
    leaving = person(world, "leaving@alpha.test", Role.PARTNER_STAFF, [world.org_a])
    action = _action(world, due)
    plans.save_action(
        world.users["partner_a"],
        action.goal,
        description=action.description,
        owner=leaving,
        due_on=due,
        instance=action,
    )
    leaving.is_active = False
    leaving.save()
    assert plans.send_plan_reminders(due) == 0
