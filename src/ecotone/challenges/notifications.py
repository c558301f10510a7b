"""Email of reviewing, sent as tasks after the transaction commits (nobody hears of a change
that was rolled back), in plain text and HTML, in the recipient's language:

- a reviewer with reviews still unsubmitted in a round (`services.reviews.send_reminders`,
  from the completion page's button or the daily `challenges_reminders`).

Templates: challenges/email/<kind>_subject.txt, _body.txt and _body.html.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from ecotone.mail import send_templated

from .models import Assignment, ReviewerProfile, ReviewStatus, Round


def _url(name: str, *args: Any) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, args=args)


def reviews_waiting(round_: Round, reviewer_id: int) -> None:
    round_id = round_.pk
    transaction.on_commit(lambda: send_reviews_reminder.enqueue(round_id, reviewer_id))


@task()
def send_reviews_reminder(round_id: int, reviewer_id: int) -> int:
    """Email a reviewer the reviews they have not submitted in a round; returns 1 if sent."""
    profile = ReviewerProfile.objects.select_related("user", "ecosystem").filter(pk=reviewer_id)
    reviewer = profile.first()
    round_ = Round.objects.select_related("call").filter(pk=round_id).first()
    if reviewer is None or round_ is None or not reviewer.user.is_active:
        return 0
    waiting = list(
        Assignment.objects.filter(round=round_, reviewer=reviewer)
        .exclude(review__status=ReviewStatus.SUBMITTED)
        .select_related("application")
        .order_by("application__title")
    )
    if not waiting:
        return 0
    context = {
        "round": round_,
        "call": round_.call,
        "user": reviewer.user,
        "titles": [a.application.title for a in waiting],
        "count": len(waiting),
        "url": _url("challenges:my_reviews", reviewer.ecosystem.slug),
    }
    send_templated("challenges/email/reviews_waiting", context, reviewer.user, reviewer.ecosystem)
    return 1
