"""Email about matches, sent as tasks after the transaction commits (so nobody is told about a
change that was rolled back), and the once-only sending the daily reminders share (`Notice`).
Templates: mentoring/email/<kind>_subject.txt and _body.txt."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from .models import Match, MatchStatus, Notice

KINDS = (
    "match_proposed",
    "match_requested",
    "match_invited",
    "match_accepted",
    "match_declined",
    "check_in_flagged",
    "match_resumed",
)


def notify(kind: str, match: Match) -> None:
    if kind not in KINDS:
        raise ValueError(kind)
    pk = match.pk
    transaction.on_commit(lambda: send_match_notice.enqueue(kind, pk))


def notify_hold(match: Match) -> None:
    """The mentor, the program's contact and the ecosystem's contact hear, once each, that the
    match is on hold (the key names this hold: a later hold of the same match is told again)."""
    pk = match.pk
    key = f"{match.pk}:{match.held_at.isoformat() if match.held_at else ''}"
    transaction.on_commit(lambda: send_hold_notices.enqueue(pk, key))


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


def notice_once(
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


def render(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    subject = render_to_string(f"mentoring/email/{kind}_subject.txt", context).strip()
    body = render_to_string(f"mentoring/email/{kind}_body.txt", context)
    return " ".join(subject.split()), body


def program_contact(program: Any) -> str:
    return str(program.email or program.organization.email or "")


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
            ("program", program_contact(match.opportunity.program)),
            ("staff", ecosystem.contact_email),
        ):
            subject, body = render("match_on_hold", {**context, "audience": audience})
            sent += notice_once(ecosystem, "match_on_hold", key, recipient, subject, body)
    return sent
