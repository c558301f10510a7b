"""Email of workgroups and events, sent as tasks after the transaction commits (nobody hears of
a change that was rolled back), in the member's language, plain text and HTML
(`ecotone.mail.send_templated`):

- a registrant: registered (with the calendar invite), on the waitlist, promoted from it (with
  the invite), the event cancelled (with a calendar cancellation), the day-before reminder, and
  "recording and slides" after the event (with the follow-up survey's link when set);
- a workgroup member: the daily digest of new posts (`services.workgroups.send_digests`).

Templates: network/email/event_* (one triple, its `kind` says which) and network/email/digest_*.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from ecotone.mail import send_templated

from .models import Member, Post, Registration
from .services import calendar

KINDS = ("registered", "waitlisted", "promoted", "cancelled", "reminder", "recording")
INVITE_KINDS = ("registered", "promoted")


@dataclass(frozen=True)
class Recipient:
    """A member as `send_templated` addresses them."""

    email: str
    preferred_language: str


def recipient(member: Member) -> Recipient:
    return Recipient(member.email, member.language)


def site_url(name: str, *args: Any) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, args=args)


def registration_mail(registration: Registration, kind: str) -> None:
    pk = registration.pk
    transaction.on_commit(lambda: send_registration_mail.enqueue(pk, kind))


@task()
def send_registration_mail(registration_id: int, kind: str) -> int:
    """One mail about a registration (`kind` of KINDS); returns how many were sent."""
    registration = (
        Registration.objects.select_related("event__ecosystem", "member")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or kind not in KINDS or not registration.member.is_active:
        return 0
    event = registration.event
    attachments: list[tuple[str, str | bytes, str]] = []
    if kind in INVITE_KINDS:
        attachments.append(("invite.ics", calendar.invite(event), "text/calendar"))
    elif kind == "cancelled":
        attachments.append(("cancel.ics", calendar.invite(event, cancelled=True), "text/calendar"))
    context = {
        "kind": kind,
        "event": event,
        "member": registration.member,
        "ecosystem": event.ecosystem,
        "url": site_url("network:event", event.ecosystem.slug, event.pk),
        "slides_url": site_url("network:event_slides", event.ecosystem.slug, event.pk)
        if event.slides
        else "",
    }
    # times as the ecosystem keeps them
    with timezone.override(zoneinfo.ZoneInfo(event.ecosystem.timezone)):
        send_templated(
            "network/email/event",
            context,
            recipient(registration.member),
            event.ecosystem,
            attachments=attachments,
        )
    return 1


def send_digest(member: Member, posts: list[Post]) -> None:
    """The digest of `posts` (new in the member's groups) to one member, now: the caller
    recorded them as sent in the same run (`services.workgroups.send_digests`)."""
    ecosystem = member.ecosystem
    groups: dict[int, dict[str, Any]] = {}
    for post in posts:
        group = groups.setdefault(
            post.workgroup_id,
            {
                "workgroup": post.workgroup,
                "url": site_url("network:discussion", ecosystem.slug, post.workgroup.slug),
                "posts": [],
            },
        )
        group["posts"].append(post)
    context = {"member": member, "ecosystem": ecosystem, "groups": list(groups.values())}
    send_templated("network/email/digest", context, recipient(member), ecosystem)
