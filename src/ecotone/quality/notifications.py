"""Email of peer review and improvement plans, sent as tasks after the transaction commits
(nobody hears of a change that was rolled back), each in plain text and HTML, in the
recipient's language, as shared measurement's are:

- a reviewer, when the backbone assigns them an assessment (with the link to it);
- the assessment's raters, when a reviewer submits their review;
- the owner of a plan's action due within a week or overdue (`services.plans.send_plan_reminders`).

Templates: quality/email/<kind>_subject.txt, _body.txt and _body.html.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from ecotone.accounts.models import User
from ecotone.ecosystems.models import Ecosystem
from ecotone.mail import send_templated

from .models import Assessment, PlanAction, Review


def _send(kind: str, context: dict[str, Any], user: User, ecosystem: Ecosystem) -> None:
    send_templated(f"quality/email/{kind}", context, user, ecosystem)


def _url(name: str, *args: Any) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, args=args)


def raters(assessment: Assessment) -> list[User]:
    """The active people who rated the assessment or started it, reviewers left out."""
    reviewers = set(assessment.reviews.values_list("reviewer_id", flat=True))
    ids = set(assessment.ratings.values_list("rater_id", flat=True))
    if assessment.created_by_id is not None:
        ids.add(assessment.created_by_id)
    return list(User.objects.filter(is_active=True, pk__in=ids - reviewers).order_by("pk"))


def reviewer_assigned(review: Review) -> None:
    pk = review.pk
    transaction.on_commit(lambda: send_assignment_notice.enqueue(pk))


def review_submitted(review: Review) -> None:
    pk = review.pk
    transaction.on_commit(lambda: send_submission_notice.enqueue(pk))


def action_due(action: PlanAction) -> None:
    pk = action.pk
    transaction.on_commit(lambda: send_action_reminder.enqueue(pk))


def _review(pk: int) -> Review | None:
    return (
        Review.objects.select_related(
            "reviewer", "assessment__ecosystem", "assessment__organization", "assessment__program"
        )
        .filter(pk=pk)
        .first()
    )


@task()
def send_assignment_notice(review_id: int) -> int:
    """Email a reviewer the assessment they were assigned; returns how many were sent."""
    review = _review(review_id)
    if review is None or not review.reviewer.is_active:
        return 0
    assessment = review.assessment
    context = {
        "assessment": assessment,
        "user": review.reviewer,
        "url": _url("quality:review", assessment.ecosystem.slug, assessment.pk),
        "queue_url": _url("quality:reviews", assessment.ecosystem.slug),
    }
    _send("reviewer_assigned", context, review.reviewer, assessment.ecosystem)
    return 1


@task()
def send_submission_notice(review_id: int) -> int:
    """Email the assessment's raters that a reviewer submitted their review."""
    review = _review(review_id)
    if review is None or review.submitted_at is None:
        return 0
    assessment = review.assessment
    context = {
        "assessment": assessment,
        "review": review,
        "url": _url("quality:assign_reviewer", assessment.ecosystem.slug, assessment.pk),
    }
    people = raters(assessment)
    for user in people:
        _send("review_submitted", {**context, "user": user}, user, assessment.ecosystem)
    return len(people)


@task()
def send_action_reminder(action_id: int) -> int:
    """Email an action's owner that it is due soon or overdue."""
    action = (
        PlanAction.objects.select_related(
            "owner", "goal__plan__assessment__ecosystem", "goal__plan__assessment__organization"
        )
        .filter(pk=action_id)
        .first()
    )
    if action is None or action.owner is None or not action.owner.is_active:
        return 0
    assessment = action.goal.plan.assessment
    today = action.reminded_on or timezone.localdate()
    context = {
        "action": action,
        "assessment": assessment,
        "overdue": action.due_on is not None and action.due_on < today,
        "user": action.owner,
        "url": _url("quality:plan", assessment.ecosystem.slug, assessment.pk),
    }
    _send("action_due", context, action.owner, assessment.ecosystem)
    return 1
