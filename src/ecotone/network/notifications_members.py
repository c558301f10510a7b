"""Mail of the members area, sent as tasks after the transaction commits, in the recipient's
language (a member's `language`, an account's preferred one):

- the confirmation link of someone who joined on the public page (double opt-in);
- a welcomer, when a newcomer is assigned to them;
- the newcomer, the welcome their welcomer wrote (answers go to the welcomer: Reply-To);
- the backbone, once, of newcomers still unwelcomed after the network's delay.

Templates: network/email/<kind>_subject.txt, _body.txt and _body.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem
from ecotone.mail import send_templated
from ecotone.measures.notifications import backbone_staff

from . import access
from .models import Member, MemberStatus, Welcome


@dataclass(frozen=True)
class Recipient:
    """A member as `send_templated` reads a person: their address and language."""

    email: str
    preferred_language: str


def _of(member: Member) -> Recipient:
    return Recipient(member.email, member.language)


def _url(name: str, **kwargs: Any) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, kwargs=kwargs)


def confirmation_requested(member: Member) -> None:
    pk = member.pk
    transaction.on_commit(lambda: send_confirmation.enqueue(pk))


def welcomer_assigned(welcome: Welcome) -> None:
    pk = welcome.pk
    transaction.on_commit(lambda: send_welcomer_notice.enqueue(pk))


def welcome_written(welcome: Welcome, subject: str, body: str) -> None:
    pk = welcome.pk
    transaction.on_commit(lambda: send_welcome.enqueue(pk, subject, body))


def welcomes_escalated(ecosystem: Ecosystem, welcome_ids: list[int]) -> None:
    pk = ecosystem.pk
    transaction.on_commit(lambda: send_escalation.enqueue(pk, welcome_ids))


@task()
def send_confirmation(member_id: int) -> int:
    member = access.claimable(
        Member.objects.select_related("ecosystem").filter(pk=member_id)
    ).first()
    if member is None:
        return 0
    context = {
        "member": member,
        "ecosystem": member.ecosystem,
        "confirm_url": _url(
            "network:confirm",
            ecosystem_slug=member.ecosystem.slug,
            token=member.confirmation_token,
        ),
    }
    send_templated("network/email/confirm", context, _of(member), member.ecosystem)
    return 1


def _welcome(pk: int) -> Welcome | None:
    return (
        Welcome.objects.select_related("ecosystem", "newcomer", "welcomer")
        .filter(pk=pk, newcomer__status=MemberStatus.ACTIVE)
        .first()
    )


@task()
def send_welcomer_notice(welcome_id: int) -> int:
    welcome = _welcome(welcome_id)
    if welcome is None or welcome.welcomer is None or welcome.welcomer.status != "active":
        return 0
    context = {
        "welcome": welcome,
        "ecosystem": welcome.ecosystem,
        "welcome_url": _url(
            "network:welcome", ecosystem_slug=welcome.ecosystem.slug, pk=welcome.pk
        ),
    }
    send_templated("network/email/welcomer", context, _of(welcome.welcomer), welcome.ecosystem)
    return 1


@task()
def send_welcome(welcome_id: int, subject: str, body: str) -> int:
    welcome = _welcome(welcome_id)
    if welcome is None:
        return 0
    reply_to = [welcome.welcomer.email] if welcome.welcomer and welcome.welcomer.email else None
    context = {
        "welcome": welcome,
        "ecosystem": welcome.ecosystem,
        "subject": subject,
        "body": body,
        "home_url": _url("network:home", ecosystem_slug=welcome.ecosystem.slug),
    }
    send_templated(
        "network/email/welcome",
        context,
        _of(welcome.newcomer),
        welcome.ecosystem,
        reply_to=reply_to,
    )
    return 1


@task()
def send_escalation(ecosystem_id: int, welcome_ids: list[int]) -> int:
    ecosystem = Ecosystem.objects.filter(pk=ecosystem_id).first()
    if ecosystem is None:
        return 0
    waiting = list(
        Welcome.objects.filter(pk__in=welcome_ids, sent_at__isnull=True).select_related(
            "newcomer", "welcomer"
        )
    )
    if not waiting:
        return 0
    context = {
        "ecosystem": ecosystem,
        "waiting": waiting,
        "welcomes_url": _url("network:welcomes", ecosystem_slug=ecosystem.slug),
    }
    sent = 0
    for user in backbone_staff(ecosystem):
        send_templated("network/email/escalation", context, user, ecosystem)
        sent += 1
    return sent


def imported(member_ids: list[int], ecosystem: Ecosystem) -> None:
    """The backbone asked to tell the imported members (only those who consented)."""
    ids = list(member_ids)
    if ids:
        transaction.on_commit(lambda: send_import_notice.enqueue(ids))


@task()
def send_import_notice(member_ids: list[int]) -> int:
    sent = 0
    for member in Member.objects.mailable().filter(pk__in=member_ids).select_related("ecosystem"):
        context = {
            "member": member,
            "ecosystem": member.ecosystem,
            "home_url": _url("network:home", ecosystem_slug=member.ecosystem.slug),
        }
        send_templated("network/email/imported", context, _of(member), member.ecosystem)
        sent += 1
    return sent
