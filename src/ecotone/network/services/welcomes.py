"""The personal welcome rotation: the backbone names the welcomers (in order, each possibly
away until a date); each newly confirmed member is assigned to the next one in turn
(`rotation.next_welcomer`), who is told by mail and sends a welcome from the app or marks it
sent; a welcome still waiting after the network's `escalate_welcome_after_days` is escalated
to the backbone once."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .. import notifications_members
from ..models import (
    Member,
    MemberStatus,
    Welcome,
    WelcomeHow,
    Welcomer,
    WorkgroupMembership,
    settings_of,
)
from ..rotation import next_welcomer


def welcomers(ecosystem: Ecosystem) -> QuerySet[Welcomer]:
    return Welcomer.objects.filter(
        ecosystem=ecosystem, member__status=MemberStatus.ACTIVE
    ).select_related("member")


@transaction.atomic
def add_welcomers(ecosystem: Ecosystem, members: Iterable[Member]) -> int:
    """Put members at the end of the rotation (those already in it stay where they are)."""
    top = Welcomer.objects.filter(ecosystem=ecosystem).aggregate(top=Max("position"))["top"]
    position = (top or 0) + 1
    added = 0
    for member in members:
        if member.ecosystem_id != ecosystem.pk or member.status != MemberStatus.ACTIVE:
            continue
        _found, created = Welcomer.objects.get_or_create(
            member=member, defaults={"ecosystem": ecosystem, "position": position}
        )
        if created:
            position += 1
            added += 1
    return added


def add_workgroup(ecosystem: Ecosystem, workgroup_id: int) -> int:
    members = Member.objects.filter(
        pk__in=WorkgroupMembership.objects.filter(
            workgroup_id=workgroup_id, workgroup__ecosystem=ecosystem
        ).values("member_id"),
        status=MemberStatus.ACTIVE,
    ).order_by("name", "pk")
    return add_welcomers(ecosystem, members)


def set_away(welcomer: Welcomer, until: datetime.date | None) -> Welcomer:
    welcomer.away_until = until
    welcomer.save(update_fields=["away_until", "updated_at"])
    return welcomer


def remove_welcomer(welcomer: Welcomer) -> None:
    welcomer.delete()


@transaction.atomic
def assign(newcomer: Member) -> Welcome | None:
    """Give the newcomer (just on the roll) to the next welcomer in turn; None when there are
    no welcomers, or the newcomer was already given one (re-confirming never re-assigns)."""
    ecosystem = newcomer.ecosystem
    if Welcome.objects.filter(newcomer=newcomer).exists():
        return None
    # one assignment at a time per ecosystem: the settings row is the lock
    settings_row = settings_of(ecosystem)
    type(settings_row).objects.select_for_update().filter(pk=settings_row.pk).first()
    today = timezone.localdate()
    standing = [w for w in welcomers(ecosystem) if w.member_id != newcomer.pk]
    order = [w.member_id for w in standing]
    away = {w.member_id for w in standing if w.is_away(today)}
    last = (
        Welcome.objects.filter(ecosystem=ecosystem, welcomer__isnull=False)
        .order_by("-assigned_at", "-pk")
        .values_list("welcomer_id", flat=True)
        .first()
    )
    chosen = next_welcomer(order, last, away)
    welcome = Welcome.objects.create(ecosystem=ecosystem, newcomer=newcomer, welcomer_id=chosen)
    if chosen is not None:
        notifications_members.welcomer_assigned(welcome)
    return welcome


def forget_welcomer(member: Member) -> None:
    """A welcomer left: their unsent welcomes go to the rotation again."""
    for welcome in Welcome.objects.filter(welcomer=member, sent_at__isnull=True):
        welcome.delete()
        assign(welcome.newcomer)


def template_for(welcome: Welcome) -> tuple[str, str]:
    """The welcome's subject and body, from the network's template in the newcomer's language
    (or a default), with the newcomer's and the welcomer's names."""
    found = settings_of(welcome.ecosystem)
    spanish = welcome.newcomer.language == "es"
    subject = (found.welcome_subject_es if spanish else "") or found.welcome_subject
    body = (found.welcome_body_es if spanish else "") or found.welcome_body
    with override(welcome.newcomer.language):
        subject = subject or _("Welcome to %(network)s") % {"network": welcome.ecosystem.name}
        body = body or _(
            "Hello {name},\n\nwelcome to the network! I am {welcomer}, one of its members. "
            "Tell me what brings you here, and I will point you to the people and workgroups "
            "you may like.\n\nSee you soon,\n{welcomer}"
        )
    names = {
        "{name}": welcome.newcomer.name,
        "{welcomer}": welcome.welcomer.name if welcome.welcomer else "",
        "{network}": welcome.ecosystem.name,
    }
    for placeholder, value in names.items():
        subject = subject.replace(placeholder, value)
        body = body.replace(placeholder, value)
    return subject, body


def _unsent(welcome: Welcome) -> Welcome:
    welcome = Welcome.objects.select_for_update().get(pk=welcome.pk)
    if welcome.sent_at is not None:
        raise DomainError(_("This newcomer has already been welcomed."))
    if welcome.newcomer.status != MemberStatus.ACTIVE:
        raise DomainError(_("This newcomer is no longer on the roll."))
    return welcome


@transaction.atomic
def send(welcome: Welcome, subject: str, body: str, sender: Member | None) -> Welcome:
    """Mail the newcomer the welcome (answers go to the welcomer) and record it."""
    welcome = _unsent(welcome)
    welcome.sent_at = timezone.now()
    welcome.how = WelcomeHow.APP
    if sender is not None and welcome.welcomer_id is None:
        welcome.welcomer = sender
    welcome.save(update_fields=["sent_at", "how", "welcomer", "updated_at"])
    notifications_members.welcome_written(welcome, subject, body)
    return welcome


@transaction.atomic
def mark_sent(welcome: Welcome, sender: Member | None) -> Welcome:
    welcome = _unsent(welcome)
    welcome.sent_at = timezone.now()
    welcome.how = WelcomeHow.OTHER
    if sender is not None and welcome.welcomer_id is None:
        welcome.welcomer = sender
    welcome.save(update_fields=["sent_at", "how", "welcomer", "updated_at"])
    return welcome


def overdue(ecosystem: Ecosystem, now: datetime.datetime | None = None) -> QuerySet[Welcome]:
    days = settings_of(ecosystem).escalate_welcome_after_days
    before = (now or timezone.now()) - datetime.timedelta(days=days)
    return Welcome.objects.filter(
        ecosystem=ecosystem,
        sent_at__isnull=True,
        assigned_at__lte=before,
        newcomer__status=MemberStatus.ACTIVE,
    )


@transaction.atomic
def escalate(ecosystem: Ecosystem, now: datetime.datetime | None = None) -> int:
    """Tell the backbone, once, of the newcomers still unwelcomed past the network's delay."""
    found = list(
        overdue(ecosystem, now).filter(escalated_at__isnull=True).values_list("pk", flat=True)
    )
    if not found:
        return 0
    Welcome.objects.filter(pk__in=found).update(escalated_at=now or timezone.now())
    notifications_members.welcomes_escalated(ecosystem, found)
    return len(found)


@dataclass(frozen=True)
class WelcomeSpeed:
    sent: int
    waiting: int
    median_hours: float | None


def speed_of(hours: Iterable[Iterable[float]]) -> float | None:
    """The median of the hours newcomers waited for their welcome (over the groups given),
    to a tenth; None without any. The one reading of "how fast", for the welcomes page and the
    health dashboard."""
    every = [h for group in hours for h in group]
    return round(statistics.median(every), 1) if every else None


def speed(ecosystem: Ecosystem) -> WelcomeSpeed:
    welcomes = Welcome.objects.filter(ecosystem=ecosystem)
    hours = [
        w.hours
        for w in welcomes.filter(sent_at__isnull=False).only("assigned_at", "sent_at")
        if w.hours is not None
    ]
    return WelcomeSpeed(
        sent=len(hours),
        waiting=welcomes.filter(sent_at__isnull=True, newcomer__status=MemberStatus.ACTIVE).count(),
        median_hours=speed_of([hours]),
    )


def report_rows(ecosystem: Ecosystem) -> Iterable[list[Any]]:
    for w in Welcome.objects.filter(ecosystem=ecosystem).select_related("newcomer", "welcomer"):
        yield [
            w.newcomer.name,
            w.welcomer.name if w.welcomer else "",
            w.assigned_at,
            w.sent_at or "",
            w.get_how_display(),
            round(w.hours, 1) if w.hours is not None else "",
        ]


def is_welcomer(user: Any, ecosystem: Ecosystem) -> Any:
    return Welcomer.objects.filter(
        ecosystem=ecosystem, member__user=user, member__status=MemberStatus.ACTIVE
    ).exists()
