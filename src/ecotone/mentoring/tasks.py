"""The daily reminders of mentoring (a django-tasks task): screening expiring, check-ins due,
hours awaiting approval. Email about one match is sent from `notifications`, a round is computed
by `services.rounds`: each task lives beside what it runs."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django_tasks import task

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem

from .models import CheckIn, HourLog, HourStatus, MatchStatus
from .notifications import notice_once, program_contact, render
from .services import screening

# --- reminders (run daily: `manage.py mentoring_reminders`) -----------------------------------

CHECK_IN_REMIND_DAYS = 3


def _screening_reminders(ecosystem: Ecosystem, on: datetime.date, base_url: str) -> int:
    sent = 0
    for record in screening.expiring(ecosystem, on):
        key = f"screening:{record.pk}:{record.expires_on}"
        context = {"record": record, "ecosystem": ecosystem, "base_url": base_url, "on": on}
        for audience, recipient in (
            ("mentor", record.mentor.user.email),
            ("staff", ecosystem.contact_email),
        ):
            subject, body = render("screening_expiring", {**context, "audience": audience})
            sent += notice_once(ecosystem, "screening_expiring", key, recipient, subject, body)
        record.reminded_at = timezone.now()
        record.save(update_fields=["reminded_at", "updated_at"])
    return sent


def _check_in_reminders(ecosystem: Ecosystem, on: datetime.date, base_url: str) -> int:
    sent = 0
    due = (
        CheckIn.objects.filter(
            match__ecosystem=ecosystem,
            match__status=MatchStatus.ACTIVE,
            done_on__isnull=True,
            reminded_at__isnull=True,
            due_on__lte=on + datetime.timedelta(CHECK_IN_REMIND_DAYS),
        )
        .select_related("match__mentor__user", "match__opportunity__program__organization")
        .order_by("due_on", "pk")
    )
    # One reminder per match: the latest check-in due. Older ones still undone (a match
    # recorded with a start months back) are superseded, not each emailed.
    latest: dict[int, CheckIn] = {}
    superseded: list[int] = []
    for check_in in due:
        if check_in.match_id in latest:
            superseded.append(latest[check_in.match_id].pk)
        latest[check_in.match_id] = check_in
    CheckIn.objects.filter(pk__in=superseded).update(reminded_at=timezone.now())
    for check_in in latest.values():
        match = check_in.match
        key = f"check_in:{check_in.pk}"
        context = {
            "check_in": check_in,
            "match": match,
            "ecosystem": ecosystem,
            "base_url": base_url,
            "overdue": check_in.due_on < on,
        }
        for audience, recipient in (
            ("mentor", match.mentor.user.email),
            ("program", program_contact(match.opportunity.program)),
        ):
            subject, body = render("check_in_due", {**context, "audience": audience})
            sent += notice_once(ecosystem, "check_in_due", key, recipient, subject, body)
        check_in.reminded_at = timezone.now()
        check_in.save(update_fields=["reminded_at", "updated_at"])
    return sent


def _hours_digests(ecosystem: Ecosystem, on: datetime.date, base_url: str) -> int:
    """Once a week (ISO week), each program contact hears how many hours await approval."""
    pending = (
        HourLog.objects.filter(ecosystem=ecosystem, status=HourStatus.PENDING)
        .values("match__opportunity__program_id")
        .annotate(logs=Count("pk"), hours=Sum("hours"))
        .order_by()
    )
    figures = {row["match__opportunity__program_id"]: row for row in pending}
    if not figures:
        return 0
    by_contact: dict[str, list[dict[str, Any]]] = {}
    for program in Program.objects.filter(pk__in=figures).select_related("organization"):
        contact = program_contact(program)
        if contact:
            row = figures[program.pk]
            by_contact.setdefault(contact, []).append(
                {"program": program, "logs": row["logs"], "hours": row["hours"]}
            )
    year, week, _weekday = on.isocalendar()
    key = f"hours:{ecosystem.pk}:{year}-W{week:02d}"
    sent = 0
    for recipient, programs in sorted(by_contact.items()):
        programs.sort(key=lambda row: row["program"].name)
        context = {
            "ecosystem": ecosystem,
            "programs": programs,
            "logs": sum(row["logs"] for row in programs),
            "base_url": base_url,
        }
        subject, body = render("hours_pending", context)
        sent += notice_once(ecosystem, "hours_pending", key, recipient, subject, body)
    return sent


@task()
def send_reminders(ecosystem_id: int, on: str | None = None) -> dict[str, int]:
    """The day's reminders of one ecosystem: screening expiring, check-ins due (or overdue),
    and the weekly digest of hours awaiting approval. Idempotent (Notice): a second run the
    same day (or week, for the digest) sends nothing again. `on` is an ISO date (default
    today). Returns how many emails of each kind were sent."""
    ecosystem = Ecosystem.objects.filter(pk=ecosystem_id, is_active=True).first()
    if ecosystem is None:
        return {}
    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    base_url = settings.SITE_URL.rstrip("/")
    with translation.override(ecosystem.default_language):
        return {
            "screening_expiring": _screening_reminders(ecosystem, day, base_url),
            "check_in_due": _check_in_reminders(ecosystem, day, base_url),
            "hours_pending": _hours_digests(ecosystem, day, base_url),
        }
