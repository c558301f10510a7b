"""Survey mail, sent as tasks after the transaction commits, each message in its member's
language (`ecotone.mail.send_templated`): the invitation when a survey opens, and the
reminders to those who have not answered (`services.surveys.send_reminders`).

Idempotent: an invitation is claimed (its `sent_at` set by a conditional update) before its
message leaves, so a task that runs twice, or again after a crash, never mails one twice.
Templates: network/email/survey_invitation_* and survey_reminder_*.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from ecotone.mail import send_templated

from .models import Invitation, Survey

BATCH = 200


@dataclass(frozen=True)
class Recipient:
    """What `send_templated` reads of a person: a member may have no account."""

    email: str
    preferred_language: str


def answer_url(invitation: Invitation) -> str:
    path = reverse(
        "network:survey_answer", args=[invitation.survey.ecosystem.slug, invitation.token]
    )
    return str(settings.SITE_URL).rstrip("/") + path


def invitations_ready(survey: Survey) -> None:
    pk = survey.pk
    transaction.on_commit(lambda: send_invitations.enqueue(pk))


def reminders_ready(survey: Survey, invitation_ids: Iterable[int]) -> None:
    ids = list(invitation_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        transaction.on_commit(functools.partial(send_reminder_batch.enqueue, chunk))


def _mail(kind: str, invitation: Invitation) -> None:
    survey = invitation.survey
    context: dict[str, Any] = {
        "survey": survey,
        "title": survey.title_in(invitation.language),
        "intro": survey.intro_in(invitation.language),
        "member": invitation.member,
        "url": answer_url(invitation),
        "ecosystem": survey.ecosystem,
    }
    who = Recipient(invitation.member.email, invitation.language)
    send_templated(f"network/email/survey_{kind}", context, who, survey.ecosystem)


@task()
def send_invitations(survey_id: int) -> int:
    """Mail every invitation of the survey not mailed yet, in batches; returns how many."""
    sent = 0
    while True:
        batch = list(
            Invitation.objects.filter(survey_id=survey_id, sent_at__isnull=True)
            .select_related("survey__ecosystem", "member")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return sent
        for invitation in batch:
            claimed = Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
                sent_at=timezone.now()
            )
            member = invitation.member
            if claimed and invitation.survey.is_open and member.is_active:
                _mail("invitation", invitation)
                sent += 1


@task()
def send_reminder_batch(invitation_ids: list[int]) -> int:
    """Mail a reminder to each invitation (claimed already by `send_reminders`) still
    unanswered, of a survey still open; returns how many."""
    sent = 0
    found = Invitation.objects.filter(pk__in=invitation_ids, responded=False).select_related(
        "survey__ecosystem", "member"
    )
    for invitation in found:
        if invitation.survey.is_open and invitation.member.is_active:
            _mail("reminder", invitation)
            sent += 1
    return sent
