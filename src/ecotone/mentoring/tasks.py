"""Background work of mentoring (django-tasks): notification email and the daily reminders."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem

from .models import CheckIn, HourLog, HourStatus, Match, MatchStatus, Notice
from .services import screening


def _recipients(kind: str, match: Match) -> list[str]:
    """Who hears about it: the mentor when the program acted (or a round proposed), the
    program's contact when the mentor acted, both when the match is accepted or declined."""
    mentor = [match.mentor.user.email]
    program = [
        e for e in (match.opportunity.program.email, match.opportunity.organization.email) if e
    ][:1]
    if kind in ("match_proposed", "match_accepted", "match_declined", "match_resumed"):
        return mentor + program
    if kind == "match_invited":
        return mentor
    return program


@task()
def send_match_notice(kind: str, match_id: int) -> int:
    """Email about one match; returns how many messages were sent."""
    match = (
        Match.objects.select_related(
            "mentor__user", "opportunity__program__organization", "ecosystem"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None or match.status == MatchStatus.WITHDRAWN:
        return 0
    base_url = settings.SITE_URL.rstrip("/")
    sent = 0
    with translation.override(match.ecosystem.default_language):
        context = {"match": match, "kind": kind, "base_url": base_url}
        subject = render_to_string(f"mentoring/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"mentoring/email/{kind}_body.txt", context)
    for address in _recipients(kind, match):
        send_mail(subject, body, None, [address])
        sent += 1
    return sent


# --- reminders (run daily: `manage.py mentoring_reminders`) -----------------------------------

CHECK_IN_REMIND_DAYS = 3


def _notice_once(
    ecosystem: Any, kind: str, key: str, recipient: str, subject: str, body: str
) -> bool:
    """Send one email unless this (kind, key, recipient) was sent before; True when sent.
    The Notice row and the email go together: if sending fails, the row is rolled back and the
    next run tries again."""
    if not recipient or Notice.objects.filter(kind=kind, key=key, recipient=recipient).exists():
        return False
    try:
        with transaction.atomic():
            Notice.objects.create(ecosystem=ecosystem, kind=kind, key=key, recipient=recipient)
            send_mail(subject, body, None, [recipient])
    except IntegrityError:  # another run sent it just now
        return False
    return True


def _render(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    subject = render_to_string(f"mentoring/email/{kind}_subject.txt", context).strip()
    body = render_to_string(f"mentoring/email/{kind}_body.txt", context)
    return " ".join(subject.split()), body


def _program_contact(program: Any) -> str:
    return str(program.email or program.organization.email or "")


def _screening_reminders(ecosystem: Ecosystem, on: datetime.date, base_url: str) -> int:
    sent = 0
    for record in screening.expiring(ecosystem, on):
        key = f"screening:{record.pk}:{record.expires_on}"
        context = {"record": record, "ecosystem": ecosystem, "base_url": base_url, "on": on}
        for audience, recipient in (
            ("mentor", record.mentor.user.email),
            ("staff", ecosystem.contact_email),
        ):
            subject, body = _render("screening_expiring", {**context, "audience": audience})
            sent += _notice_once(ecosystem, "screening_expiring", key, recipient, subject, body)
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
            ("program", _program_contact(match.opportunity.program)),
        ):
            subject, body = _render("check_in_due", {**context, "audience": audience})
            sent += _notice_once(ecosystem, "check_in_due", key, recipient, subject, body)
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
        contact = _program_contact(program)
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
        subject, body = _render("hours_pending", context)
        sent += _notice_once(ecosystem, "hours_pending", key, recipient, subject, body)
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


@task()
def send_hold_notices(match_id: int, key: str) -> int:
    """Tell the mentor, the program's contact and the ecosystem's contact (backbone staff) that
    a match is on hold, once each per hold (`key`); returns how many emails were sent. The
    program hears that the mentor's screening does not cover the work, not which step."""
    match = (
        Match.objects.select_related(
            "mentor__user", "opportunity__program__organization", "ecosystem"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        return 0
    ecosystem = match.ecosystem
    context = {"match": match, "ecosystem": ecosystem, "base_url": settings.SITE_URL.rstrip("/")}
    sent = 0
    with translation.override(ecosystem.default_language):
        for audience, recipient in (
            ("mentor", match.mentor.user.email),
            ("program", _program_contact(match.opportunity.program)),
            ("staff", ecosystem.contact_email),
        ):
            subject, body = _render("match_on_hold", {**context, "audience": audience})
            sent += _notice_once(ecosystem, "match_on_hold", key, recipient, subject, body)
    return sent


@task()
def run_round(round_id: int) -> str:
    """Compute a queued matching round; returns its final status ("gone" when it was deleted,
    its status unchanged when it was not queued: a task delivered twice does nothing)."""
    from .models import MatchingRound, RoundStatus
    from .services.rounds import compute

    round_ = MatchingRound.objects.select_related("ecosystem").filter(pk=round_id).first()
    if round_ is None:
        return "gone"
    if round_.status != RoundStatus.QUEUED:
        return str(round_.status)
    return str(compute(round_).status)
