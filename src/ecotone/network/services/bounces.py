"""Bounces: a hard bounce (5.x.x) stops every mailing to the address (`Member.email_bounced_at`,
which `Member.objects.mailable()` leaves out) and marks the newsletter's delivery bounced; a soft
one (4.x.x) changes nothing. Reports come from a mailbox file (`manage.py network_bounces`) or a
webhook POST of the raw message (views.newsletters.bounce_webhook)."""

from __future__ import annotations

import mailbox
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ecotone.ecosystems.models import Ecosystem

from .. import dsn
from ..models import Delivery, DeliveryStatus, Member


@dataclass
class Outcome:
    hard: int = 0
    soft: int = 0
    members: int = 0
    deliveries: int = 0
    addresses: list[str] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.hard += other.hard
        self.soft += other.soft
        self.members += other.members
        self.deliveries += other.deliveries
        self.addresses += other.addresses


def record(raw: bytes, ecosystem: Ecosystem | None = None) -> Outcome:
    """Apply one bounce report (to the ecosystem's roll only, when given)."""
    outcome = Outcome()
    now = timezone.now()
    for bounce in dsn.parse(raw):
        if not bounce.hard:
            outcome.soft += 1
            continue
        outcome.hard += 1
        outcome.addresses.append(bounce.recipient)
        members = Member.objects.filter(email=bounce.recipient)
        if ecosystem is not None:
            members = members.filter(ecosystem=ecosystem)
        with transaction.atomic():
            ids = list(members.values_list("pk", flat=True))
            outcome.members += Member.objects.filter(
                pk__in=ids, email_bounced_at__isnull=True
            ).update(email_bounced_at=now)
            deliveries = Delivery.objects.filter(member_id__in=ids, status=DeliveryStatus.SENT)
            if bounce.newsletter_id is not None:
                deliveries = deliveries.filter(newsletter_id=bounce.newsletter_id)
            else:
                latest = deliveries.order_by("-sent_at", "-pk").values_list("pk", flat=True)[:1]
                deliveries = Delivery.objects.filter(pk__in=list(latest))
            outcome.deliveries += deliveries.update(status=DeliveryStatus.BOUNCED)
    return outcome


def record_mailbox(path: Path, ecosystem: Ecosystem | None = None) -> Outcome:
    """Every report in an mbox file."""
    total = Outcome()
    box = mailbox.mbox(str(path), create=False)
    try:
        for message in box:
            total.add(record(message.as_bytes(), ecosystem))
    finally:
        box.close()
    return total
