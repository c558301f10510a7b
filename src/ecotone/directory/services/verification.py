"""Verification: a partner confirms a listing is still accurate; listings not verified within the
ecosystem's re-verification age are stale, and their partner staff are reminded by email.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem, Membership, Role
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import Program, VerificationReminder
from ..tasks import send_verification_reminder


def verify_program(program: Program, actor: Any) -> Program:
    """ "Still accurate": the listing was checked today. No review needed: nothing changes."""
    if program.is_archived:
        raise DomainError(_("An archived listing cannot be verified. Restore it first."))
    with acting(actor):
        program.assured_date = timezone.localdate()
        program.assurer_email = getattr(actor, "email", "") or ""
        program.save(update_fields=["assured_date", "assurer_email", "updated_at"])
    return program


def stale_programs(ecosystem: Ecosystem, today: date | None = None) -> QuerySet[Program]:
    """Listed programs not verified within the ecosystem's re-verification age.

    A program never verified counts from the day it was created.
    """
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=ecosystem.reverify_after_days)
    cutoff_moment = timezone.make_aware(datetime.combine(cutoff, time()))
    return (
        Program.objects.filter(ecosystem=ecosystem)
        .listed()
        .filter(
            Q(assured_date__lt=cutoff) | Q(assured_date__isnull=True, created_at__lt=cutoff_moment)
        )
    )


def send_verification_reminders(ecosystem: Ecosystem, now: datetime | None = None) -> int:
    """Email each partner staff member the stale listings of their organizations.

    Idempotent within the re-verification period: a person is not reminded twice about the
    same listing until the period has passed again. Returns the number of emails sent.
    """
    now = now or timezone.now()
    since = now - timedelta(days=ecosystem.reverify_after_days)
    stale = list(
        stale_programs(ecosystem, timezone.localdate(now)).order_by("organization_id", "name")
    )
    by_organization: dict[int, list[Program]] = defaultdict(list)
    for program in stale:
        by_organization[program.organization_id].append(program)
    staff = Membership.objects.filter(
        ecosystem=ecosystem, role=Role.PARTNER_STAFF, organizations__in=list(by_organization)
    ).values_list("user_id", "organizations")
    already = set(
        VerificationReminder.objects.filter(program__in=stale, sent_at__gt=since).values_list(
            "program_id", "recipient_id"
        )
    )
    per_person: dict[int, list[int]] = defaultdict(list)
    for user_id, organization_id in staff:
        for program in by_organization.get(organization_id, []):
            if (program.pk, user_id) not in already and program.pk not in per_person[user_id]:
                per_person[user_id].append(program.pk)
    sent = 0
    with transaction.atomic():
        for user_id, program_ids in per_person.items():
            if not program_ids:
                continue
            VerificationReminder.objects.bulk_create(
                [
                    VerificationReminder(program_id=pk, recipient_id=user_id, sent_at=now)
                    for pk in program_ids
                ]
            )
            send_verification_reminder.enqueue(ecosystem.pk, user_id, program_ids)
            sent += 1
    return sent


@task()
def remind_verification(ecosystem_id: int | None = None) -> int:
    """Send re-verification reminders for one ecosystem, or every active one (schedule daily)."""
    ecosystems = Ecosystem.objects.filter(is_active=True)
    if ecosystem_id is not None:
        ecosystems = ecosystems.filter(pk=ecosystem_id)
    return sum(send_verification_reminders(ecosystem) for ecosystem in ecosystems)
