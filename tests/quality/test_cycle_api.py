"""The API of peer review and plans: a reviewer lists their reviews; whoever sees an assessment
reads its plan with goals and actions; the organization's staff and the backbone PATCH an
action's status through the same service as the page."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from ecotone.quality.models import PlanAction
from ecotone.quality.services import assessments, plans, reviews

from .cycle_builders import completed, started

API = "/api/v1/ecosystems/alpha/quality"


def signed_in(world: Any, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_a_reviewer_lists_their_reviews(world: Any) -> None:
    client = signed_in(world, "reviewer")
    assert client.get(f"{API}/reviews/").json()["results"] == []
    assessment = started(world)
    reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    assessments.save_rating(world.users["reviewer"], assessment, "cost", "developing")
    listed = client.get(f"{API}/reviews/").json()["results"]
    assert [(r["assessment"], r["organization"], r["rubric"], r["rated"]) for r in listed] == [
        (assessment.pk, "robotics-for-all", "five", 1)
    ]
    assert listed[0]["submitted_at"] is None
    assert signed_in(world, "staff").get(f"{API}/reviews/").status_code == 403


def _plan(world: Any) -> Any:
    ana = world.users["partner_a"]
    assessment = completed(world)
    plan = plans.write_plan(ana, assessment, goals=1)
    plans.save_action(ana, plan.goals.get(), description="Flyers", owner=ana)
    return assessment


def test_the_plan_is_read_with_its_goals_and_actions(world: Any) -> None:
    assessment = _plan(world)
    body = signed_in(world, "partner_a").get(f"{API}/plans/{assessment.pk}/").json()
    assert body["assessment"] == assessment.pk
    assert [(g["attribute"], g["target_stage"]) for g in body["goals"]] == [
        ("outreach", "developing")
    ]
    action = body["goals"][0]["actions"][0]
    assert (action["description"], action["owner"], action["status"], action["overdue"]) == (
        "Flyers",
        "partner_a@alpha.test",
        "not_started",
        False,
    )
    assert signed_in(world, "partner_b").get(f"{API}/plans/{assessment.pk}/").status_code == 404
    no_plan = started(world, "No plan")
    assert signed_in(world, "staff").get(f"{API}/plans/{no_plan.pk}/").status_code == 404


def test_an_actions_status_is_patched_through_the_service(world: Any) -> None:
    _plan(world)
    action = PlanAction.objects.get()
    url = f"{API}/plan-actions/{action.pk}/"

    def patch(persona: str, status: str) -> Any:
        return signed_in(world, persona).patch(
            url, json.dumps({"status": status}), content_type="application/json"
        )

    assert patch("partner_a", "done").json()["status"] == "done"
    action.refresh_from_db()
    assert action.status == "done"
    assert patch("staff", "finished").status_code == 400
    assert patch("partner_b", "dropped").status_code == 404
    assert patch("member", "dropped").status_code == 404
    action.refresh_from_db()
    assert action.status == "done"
