"""Email of shared measurement, sent as tasks after the transaction commits (nobody hears of a
change that was rolled back), each in plain text and HTML, in the recipient's language:

- partner staff, when their organization's submission is approved or returned (with the
  backbone's comments), and when a collection's reminder is due;
- backbone staff, when a partner submits a file for review.

Templates: measures/email/<kind>_subject.txt, _body.txt and _body.html.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from ecotone.accounts.models import User
from ecotone.ecosystems.models import BACKBONE_ROLES, Ecosystem, Organization, Role
from ecotone.mail import send_templated

from .models import CollectionReminder, Review, Submission


def partner_staff(organization: Organization) -> list[User]:
    """The active people who keep this organization's records."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__ecosystem_id=organization.ecosystem_id,
            memberships__role=Role.PARTNER_STAFF,
            memberships__organizations=organization,
        )
        .distinct()
        .order_by("pk")
    )


def backbone_staff(ecosystem: Ecosystem) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__ecosystem=ecosystem,
            memberships__role__in=BACKBONE_ROLES,
        )
        .distinct()
        .order_by("pk")
    )


def _send(kind: str, context: dict[str, Any], user: User, ecosystem: Ecosystem) -> None:
    send_templated(f"measures/email/{kind}", context, user, ecosystem)


def _base_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def submission_reviewed(run: Submission) -> None:
    """Tell the partner's staff that their file was approved or returned."""
    pk = run.pk
    transaction.on_commit(lambda: send_review_notice.enqueue(pk))


def submission_arrived(run: Submission) -> None:
    """Tell backbone staff that a partner's file waits for review."""
    pk = run.pk
    transaction.on_commit(lambda: send_arrival_notice.enqueue(pk))


def remind_collection(reminder: CollectionReminder) -> None:
    pk = reminder.pk
    transaction.on_commit(lambda: send_collection_reminder.enqueue(pk))


def _submission(pk: int) -> Submission | None:
    return (
        Submission.objects.select_related("ecosystem", "organization", "collection")
        .filter(pk=pk)
        .first()
    )


@task()
def send_review_notice(submission_id: int) -> int:
    """Email the partner's staff the review of their file; returns how many were sent."""
    run = _submission(submission_id)
    if run is None or run.review not in (Review.APPROVED, Review.RETURNED):
        return 0
    context = {"run": run, "url": _base_url() + run.get_absolute_url()}
    kind = "submission_approved" if run.review == Review.APPROVED else "submission_returned"
    people = partner_staff(run.organization)
    for user in people:
        _send(kind, {**context, "user": user}, user, run.ecosystem)
    return len(people)


@task()
def send_arrival_notice(submission_id: int) -> int:
    """Email backbone staff that a file waits for review; returns how many were sent."""
    run = _submission(submission_id)
    if run is None or run.review != Review.SUBMITTED:
        return 0
    context = {"run": run, "url": _base_url() + run.get_absolute_url()}
    people = backbone_staff(run.ecosystem)
    for user in people:
        _send("submission_arrived", {**context, "user": user}, user, run.ecosystem)
    return len(people)


@task()
def send_collection_reminder(reminder_id: int) -> int:
    """Email a partner's staff that a collection is due soon or overdue."""
    reminder = (
        CollectionReminder.objects.select_related("collection__ecosystem", "organization")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return 0
    collection = reminder.collection
    ecosystem = collection.ecosystem
    context = {
        "collection": collection,
        "organization": reminder.organization,
        "overdue": reminder.stage == "overdue",
        "url": _base_url() + collection.get_absolute_url(),
        "upload_url": _base_url()
        + reverse("measures:submission_create", args=[ecosystem.slug])
        + f"?collection={collection.pk}",
    }
    people = partner_staff(reminder.organization)
    for user in people:
        _send("collection_reminder", {**context, "user": user}, user, ecosystem)
    reminder.recipients = len(people)
    reminder.save(update_fields=["recipients"])
    return len(people)
