"""Peer review and improvement plan pages through the test client: the reviewer's queue and
its empty state, the backbone's assign form (conflicts left out with the reason) and unassign
behind a confirmation, the reviewer's comment and submission behind a confirmation, the plan
written, edited and exported, an action's status, overdue actions marked, and the next
assessment started from the plan with what it follows up."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.test import Client
from django.utils import timezone

from ecotone.ecosystems.models import Membership, Role
from ecotone.quality.models import ActionStatus, Assessment, PlanAction, PlanGoal, Review
from ecotone.quality.services import assessments, plans, reviews

from .cycle_builders import completed, started

BASE = "/e/alpha/quality"


def signed_in(world: Any, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_the_reviewers_queue_lists_their_reviews_or_says_there_is_none(world: Any) -> None:
    client = signed_in(world, "reviewer")
    empty = client.get(f"{BASE}/reviews/").content.decode()
    assert "Nothing to review" in empty
    assessment = started(world)
    reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    assessments.save_rating(world.users["reviewer"], assessment, "cost", "developing")
    page = client.get(f"{BASE}/reviews/").content.decode()
    assert "Spring review" in page
    assert "In progress: 1 attribute rated" in page
    assert f'href="{BASE}/assessments/{assessment.pk}/review/"' in page
    assert 'class="striped cards-on-phone"' in page


def test_the_backbone_assigns_from_the_ecosystems_reviewers_conflicts_left_out(
    world: Any,
) -> None:
    assessment = started(world)
    insider = world.users["partner_a"]
    Membership.objects.create(user=insider, ecosystem=world.alpha, role=Role.REVIEWER)
    url = f"{BASE}/assessments/{assessment.pk}/reviewers/"
    staff = signed_in(world, "staff")
    page = staff.get(url).content.decode()
    assert f'<option value="{world.users["reviewer"].pk}">Reviewer</option>' in page
    assert f'<option value="{insider.pk}">' not in page
    assert "Partner A: Partner staff of Robotics For All." in page

    response = staff.post(url, {"reviewer": world.users["reviewer"].pk}, follow=True)
    assert "Reviewer reviews this assessment now" in response.content.decode()
    assert Review.objects.get().reviewer == world.users["reviewer"]
    refused = staff.post(url, {"reviewer": insider.pk, "next": "/e/alpha/"}, follow=True)
    assert refused.redirect_chain[-1][0] == "/e/alpha/"
    assert "cannot review this assessment" in refused.content.decode()
    # elsewhere than this site, `next` is ignored
    away = staff.post(url, {"reviewer": 0, "next": "https://evil.example/"})
    assert away["Location"] == url


def test_unassigning_asks_first(world: Any) -> None:
    assessment = started(world)
    review = reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    url = f"{BASE}/assessments/{assessment.pk}/reviewers/{review.pk}/unassign/"
    staff = signed_in(world, "staff")
    confirm = staff.get(url).content.decode()
    assert "Take Reviewer off “Spring review”?" in confirm
    assert Review.objects.exists()
    staff.post(url)
    assert not Review.objects.exists()


def test_the_reviewer_comments_then_submits_behind_a_confirmation(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assessment = started(world)
    review = reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    client = signed_in(world, "reviewer")
    own = f"{BASE}/assessments/{assessment.pk}/review/"
    page = client.get(own).content.decode()
    assert "You rated 0 of 5 attributes." in page
    client.post(own, {"comment": "Strong outreach"})
    review.refresh_from_db()
    assert review.comment == "Strong outreach"

    submit = f"{BASE}/assessments/{assessment.pk}/review/submit/"
    refused = client.post(submit, {"comment": "Done", "confirm": "on"})
    assert "Rate at least one attribute" in refused.content.decode()
    assessments.save_rating(world.users["reviewer"], assessment, "cost", "developing")
    assert 'name="confirm"' in client.get(submit).content.decode()
    unconfirmed = client.post(submit, {"comment": "Done"})
    assert unconfirmed.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit, {"comment": "Done", "confirm": "on"})
    review.refresh_from_db()
    assert review.submitted_at is not None
    # the panel shows the comment once submitted, to the organization's staff too
    shown = signed_in(world, "staff").get(f"{BASE}/assessments/{assessment.pk}/reviewers/")
    assert "Done" in shown.content.decode()
    assert "Submitted" in shown.content.decode()


def test_the_review_page_is_the_assigned_reviewers_alone(world: Any) -> None:
    assessment = started(world)
    own = f"{BASE}/assessments/{assessment.pk}/review/"
    assert signed_in(world, "reviewer").get(own).status_code == 404
    reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    assert signed_in(world, "reviewer").get(own).status_code == 200
    assert signed_in(world, "staff").get(own).status_code == 404
    assert signed_in(world, "partner_a").get(own).status_code == 404


def test_the_plan_is_written_from_the_page_and_edited(world: Any) -> None:
    assessment = completed(world)
    url = f"{BASE}/assessments/{assessment.pk}/plan/"
    client = signed_in(world, "partner_a")
    page = client.get(url).content.decode()
    assert "Outreach (Access): from Undeveloped to Developing" in page
    client.post(url, {"goals": 2})
    assert list(PlanGoal.objects.values_list("attribute", flat=True)) == ["outreach", "data"]
    goal = PlanGoal.objects.get(attribute="outreach")

    added = client.post(
        f"{url}goals/{goal.pk}/actions/new/",
        {
            "description": "Flyers in Spanish",
            "owner": world.users["partner_a"].pk,
            "due_on": "2020-01-31",
            "status": "not_started",
        },
    )
    assert added.status_code == 302
    action = PlanAction.objects.get()
    assert action.due_on == datetime.date(2020, 1, 31)
    form = client.get(f"{url}actions/{action.pk}/").content.decode()
    assert 'type="date"' in form
    assert 'value="2020-01-31"' in form

    page = client.get(url).content.decode()
    assert 'class="tag tag-overdue">Overdue' in page
    assert 'class="striped cards-on-phone"' in page
    client.post(f"{url}actions/{action.pk}/status/", {f"action-{action.pk}-status": "done"})
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert "tag-overdue" not in client.get(url).content.decode()

    bad = client.post(
        f"{url}goals/{goal.pk}/",
        {"attribute": "outreach", "target_stage": "undeveloped", "goal": "Less"},
    )
    assert "already at this stage" in bad.content.decode()
    assert "remove" in client.get(f"{url}goals/{goal.pk}/remove/").content.decode().lower()
    assert PlanGoal.objects.filter(pk=goal.pk).exists()
    client.post(f"{url}goals/{goal.pk}/remove/")
    assert not PlanGoal.objects.filter(pk=goal.pk).exists()


def test_a_reviewer_reads_the_plan_but_does_not_change_it(world: Any) -> None:
    assessment = started(world)
    reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    client = signed_in(world, "reviewer")
    url = f"{BASE}/assessments/{assessment.pk}/plan/"
    assert "once the assessment is complete" in client.get(url).content.decode()
    assert client.post(url, {"goals": 3}).status_code == 403


def test_the_actions_export_as_csv_and_xlsx(world: Any) -> None:
    assessment = completed(world)
    ana = world.users["partner_a"]
    plan = plans.write_plan(ana, assessment, goals=2)
    plans.save_action(
        ana,
        plan.goals.get(attribute="outreach"),
        description="Flyers",
        owner=ana,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    client = signed_in(world, "staff")
    response = client.get(f"{BASE}/assessments/{assessment.pk}/plan/export/csv/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["Attribute", "Stage agreed", "Stage to reach", "Goal", "Action"]
    assert rows[1][0] == "Outreach"
    assert rows[1][4:6] == ["Flyers", "Partner A"]
    assert rows[1][-2:] == ["Not started", "yes"]
    assert rows[2][0] == "Data"  # a goal without actions keeps its row
    assert rows[2][4] == ""
    xlsx = client.get(f"{BASE}/assessments/{assessment.pk}/plan/export/xlsx/")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"{BASE}/assessments/{assessment.pk}/plan/export/pdf/").status_code == 404


def test_the_next_assessment_is_started_from_the_plan_page(world: Any) -> None:
    first = completed(world)
    ana = world.users["partner_a"]
    plan = plans.write_plan(ana, first, goals=1)
    plans.save_action(ana, plan.goals.get(), description="Flyers", status="in_progress")
    client = signed_in(world, "partner_a")
    url = f"{BASE}/assessments/{first.pk}/next/"
    confirm = client.get(url).content.decode()
    assert "Start the assessment that follows up" in confirm
    assert 'value="Follow-up of Spring"' in confirm
    response = client.post(url, {"title": "Spring, a year on"}, follow=True)
    following = Assessment.objects.get(follows=first)
    assert following.title == "Spring, a year on"
    page = response.content.decode()
    assert "What this assessment follows up" in page
    assert "Flyers" in page
    assert "In progress" in page
    assert following.pk != first.pk
    again = client.post(url, follow=True).content.decode()
    assert "already follows this assessment up" in again


def test_the_queue_and_its_api_ask_the_same_few_queries_whatever_the_reviews(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(world, "reviewer")
    for n in range(3):
        assessment = started(world, f"Review {n}")
        reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
        assessments.save_rating(world.users["reviewer"], assessment, "cost", "developing")
    client.get(f"{BASE}/reviews/")  # the session and roles, once
    with django_assert_max_num_queries(8):
        page = client.get(f"{BASE}/reviews/").content.decode()
    assert page.count("In progress: 1 attribute rated") == 3
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/ecosystems/alpha/quality/reviews/").json()
    assert len(listed["results"]) == 3


def _panel(template: str, assessment: Any, user: Any) -> str:
    """A partial as the assessment page includes it: with `assessment`, `user` and `perms`."""
    from django.contrib.auth.context_processors import PermWrapper
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get(f"{BASE}/assessments/{assessment.pk}/")
    request.user = user
    context = {"assessment": assessment, "user": user, "perms": PermWrapper(user)}
    return render_to_string(template, context, request=request)


def test_the_assessment_pages_plan_panel_offers_to_write_then_open_and_follow_up(
    world: Any,
) -> None:
    first = completed(world)
    ana = world.users["partner_a"]
    panel = _panel("quality/assessments/_plan.html", first, ana)
    assert "No plan yet: write it from the attributes rated lowest." in panel
    assert f'href="{BASE}/assessments/{first.pk}/plan/"' in panel
    assert f"{BASE}/assessments/{first.pk}/next/" in panel
    assert "No plan yet." in _panel(
        "quality/assessments/_plan.html", first, world.users["reviewer"]
    )

    plan = plans.write_plan(ana, first, goals=2)
    plans.save_action(ana, plan.goals.first(), description="Flyers", status="done")
    panel = _panel("quality/assessments/_plan.html", first, ana)
    assert "2 goals, 1 of 1 actions done." in panel
    following = plans.start_next_assessment(ana, first)
    assert "Followed up by:" in _panel("quality/assessments/_plan.html", first, ana)
    panel = _panel("quality/assessments/_plan.html", following, ana)
    assert "What this assessment follows up" in panel
    assert "Flyers" in panel
    assert "Not agreed yet" in panel


def test_the_assessment_pages_review_panel_differs_by_person(world: Any) -> None:
    assessment = started(world)
    reviews.assign_reviewer(world.users["staff"], assessment, world.users["reviewer"])
    staff = _panel("quality/assessments/_reviews.html", assessment, world.users["staff"])
    assert "Assign a reviewer" in staff
    assert "/unassign/?next=" in staff
    own = _panel("quality/assessments/_reviews.html", assessment, world.users["reviewer"])
    assert "Your review" in own
    assert 'name="comment"' in own
    assert "Assign a reviewer" not in own
    partner = _panel("quality/assessments/_reviews.html", assessment, world.users["partner_a"])
    assert "Shown once submitted." in partner
    assert "Assign a reviewer" not in partner
    assert 'name="comment"' not in partner
