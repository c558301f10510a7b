"""Sending a newsletter: once, to each member of its audience, in their language, in batches
through Django's mail backend (SMTP in production), one connection per batch.

Asking to send (`request_send`) freezes the audience: one `Delivery` per member, queued, made in
the same transaction that moves the newsletter out of draft. The task (`send_newsletter`, which
`run_send` does the work of) then claims a batch in a transaction (its run id on the rows),
sends it, and marks the rows sent in another. A crash leaves at most the one batch claimed and
not marked: a later run sends every row still unclaimed and marks the stale claims failed
without sending them, because some of them may have gone out: nobody receives it twice.

Each mail is multipart (text and HTML), carries its member's one-click unsubscribe link
(RFC 8058: `List-Unsubscribe` and `List-Unsubscribe-Post`) and, in the HTML, the open pixel only
when the ecosystem counts opens. Its links go through the click counter (counts, not who).
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.errors import DomainError

from ..models import (
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    Newsletter,
    NewsletterStatus,
    settings_of,
)
from . import newsletters as composing

BATCH_SIZE = 200
INSERT_CHUNK = 2000
_UNSUBSCRIBE = "https://unsubscribe.placeholder.invalid/"
INTERRUPTED = "interrupted while sending: not sent again, so nobody receives it twice"


def unsubscribe_url(member: Member, ecosystem_slug: str) -> str:
    return composing.absolute(
        reverse(
            "network:unsubscribe",
            kwargs={"ecosystem_slug": ecosystem_slug, "token": member.unsubscribe_token},
        )
    )


class Renderer:
    """The newsletter rendered once per language, each member's unsubscribe link put in."""

    def __init__(self, newsletter: Newsletter) -> None:
        self.newsletter = newsletter
        self.slug = newsletter.ecosystem.slug
        self.opens = settings_of(newsletter.ecosystem).count_newsletter_opens
        self._cache: dict[str, tuple[str, str, str]] = {}

    def rendered(self, language: str, *, test: bool = False) -> tuple[str, str, str]:
        key = f"{language}:{test}"
        if key not in self._cache:
            with translation.override(language):
                context = {
                    "content": composing.content(self.newsletter, language, counted=not test),
                    "unsubscribe_url": _UNSUBSCRIBE,
                    "archive_url": composing.absolute(
                        reverse(
                            "network:newsletter_archive_detail",
                            kwargs={
                                "ecosystem_slug": self.slug,
                                "newsletter_id": self.newsletter.pk,
                            },
                        )
                    ),
                    "pixel_url": composing.open_pixel_url(self.newsletter)
                    if self.opens and not test
                    else "",
                    "test": test,
                }
                text = render_to_string("network/email/newsletter_body.txt", context)
                html = render_to_string("network/email/newsletter_body.html", context)
                subject = self.newsletter.subject_in(language)
                if test:
                    subject = _("[Test] %(subject)s") % {"subject": subject}
            self._cache[key] = (" ".join(subject.split()), text, html)
        return self._cache[key]

    def message(self, member: Member, connection: Any) -> EmailMultiAlternatives:
        subject, text, html = self.rendered(member.language)
        link = unsubscribe_url(member, self.slug)
        message = EmailMultiAlternatives(
            subject,
            text.replace(_UNSUBSCRIBE, link),
            None,
            [member.email],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "X-Ecotone-Newsletter": str(self.newsletter.pk),
            },
        )
        message.attach_alternative(html.replace(_UNSUBSCRIBE, link), "text/html")
        return message


def send_test(newsletter: Newsletter, address: str, language: str) -> None:
    """The newsletter to the editor's own address, marked as a test, links uncounted."""
    subject, text, html = Renderer(newsletter).rendered(language, test=True)
    archive = composing.absolute(
        reverse("network:newsletter_archive", kwargs={"ecosystem_slug": newsletter.ecosystem.slug})
    )
    message = EmailMultiAlternatives(subject, text.replace(_UNSUBSCRIBE, archive), None, [address])
    message.attach_alternative(html.replace(_UNSUBSCRIBE, archive), "text/html")
    message.send()


# --- asking to send ------------------------------------------------------------------------------


def request_send(newsletter: Newsletter, actor: Any) -> int:
    """Queue the newsletter to its audience as it is now; the task starts after the commit.
    Returns how many members it goes to."""
    with transaction.atomic():
        locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
        if locked.status != NewsletterStatus.DRAFT:
            raise DomainError(_("This newsletter was already sent or is being sent."))
        if not locked.sections.filter(items__isnull=False).exists() and not locked.intro:
            raise DomainError(_("Write an introduction or add an item before sending."))
        ids = list(composing.audience(locked).order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise DomainError(_("Nobody in this audience may be mailed: choose another."))
        for start in range(0, len(ids), INSERT_CHUNK):
            Delivery.objects.bulk_create(
                Delivery(newsletter=locked, member_id=pk)
                for pk in ids[start : start + INSERT_CHUNK]
            )
        locked.links = composing.current_links(locked)
        locked.status = NewsletterStatus.SCHEDULED
        locked.send_requested_at = timezone.now()
        locked.save(update_fields=["links", "status", "send_requested_at", "updated_at"])
        pk = locked.pk
        transaction.on_commit(lambda: send_newsletter.enqueue(pk))
    newsletter.refresh_from_db()
    return len(ids)


# --- the send ------------------------------------------------------------------------------------


def _start(newsletter_id: int, run: str) -> Newsletter | None:
    with transaction.atomic():
        newsletter = (
            Newsletter.objects.select_for_update()
            .select_related("ecosystem")
            .filter(pk=newsletter_id)
            .first()
        )
        if newsletter is None or newsletter.status not in (
            NewsletterStatus.SCHEDULED,
            NewsletterStatus.SENDING,
        ):
            return None
        # Batches claimed by a run that stopped midway: some may have gone out.
        newsletter.deliveries.filter(status=DeliveryStatus.QUEUED).exclude(claim="").update(
            status=DeliveryStatus.FAILED, error=INTERRUPTED
        )
        newsletter.status = NewsletterStatus.SENDING
        newsletter.send_run = run
        newsletter.save(update_fields=["status", "send_run", "updated_at"])
    return newsletter


def _claim(newsletter: Newsletter, run: str, batch_size: int) -> list[int]:
    with transaction.atomic():
        current = Newsletter.objects.select_for_update().filter(pk=newsletter.pk)
        if current.values_list("send_run", flat=True).first() != run:
            return []  # another run took over
        pks = list(
            newsletter.deliveries.filter(status=DeliveryStatus.QUEUED, claim="")
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        Delivery.objects.filter(pk__in=pks, claim="").update(claim=run)
    return pks


def _mailable(member: Member) -> bool:
    return (
        member.status == MemberStatus.ACTIVE
        and member.email_consent
        and member.email_bounced_at is None
    )


def _send_batch(renderer: Renderer, deliveries: Iterable[Delivery], run: str) -> int:
    sent: list[int] = []
    skipped: list[int] = []
    refused: list[int] = []
    pending = list(deliveries)
    connection = get_connection()
    try:
        connection.open()
        for delivery in pending:
            if not _mailable(delivery.member):
                skipped.append(delivery.pk)
                continue
            try:
                connection.send_messages([renderer.message(delivery.member, connection)])
            except smtplib.SMTPRecipientsRefused:
                refused.append(delivery.pk)
                continue
            except Exception:
                # The connection broke: the rows not tried yet go back to the queue; this one
                # may or may not have gone out, so it keeps its claim (failed on resume).
                tried = {*sent, *skipped, *refused, delivery.pk}
                Delivery.objects.filter(
                    pk__in=[d.pk for d in pending if d.pk not in tried], claim=run
                ).update(claim="")
                raise
            sent.append(delivery.pk)
    finally:
        _record(sent, skipped, refused, run)
        connection.close()
    return len(sent)


def _record(sent: list[int], skipped: list[int], refused: list[int], run: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk__in=sent, claim=run).update(
            status=DeliveryStatus.SENT, sent_at=now, claim=""
        )
        Delivery.objects.filter(pk__in=skipped, claim=run).update(
            status=DeliveryStatus.FAILED, claim="", error="no longer mailable when sent"
        )
        Delivery.objects.filter(pk__in=refused, claim=run).update(
            status=DeliveryStatus.FAILED, claim="", error="the mail server refused the address"
        )


def _finish(newsletter: Newsletter, run: str) -> None:
    with transaction.atomic():
        locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
        if (
            locked.send_run != run
            or locked.deliveries.filter(status=DeliveryStatus.QUEUED).exists()
        ):
            return
        locked.status = NewsletterStatus.SENT
        locked.sent_at = timezone.now()
        locked.send_run = ""
        locked.figures = composing.progress(locked)
        locked.save(update_fields=["status", "sent_at", "send_run", "figures", "updated_at"])


def run_send(
    newsletter_id: int, *, batch_size: int = BATCH_SIZE, max_batches: int | None = None
) -> int:
    """Send what is still queued, batch by batch; returns how many mails went out. With
    `max_batches` it stops after that many, as a crash between batches would (tests)."""
    run = uuid.uuid4().hex
    newsletter = _start(newsletter_id, run)
    if newsletter is None:
        return 0
    renderer = Renderer(newsletter)
    total = batches = 0
    while max_batches is None or batches < max_batches:
        pks = _claim(newsletter, run, batch_size)
        if not pks:
            break
        deliveries = (
            Delivery.objects.filter(pk__in=pks)
            .select_related("member")
            .only(
                "pk",
                "member",
                "member__id",
                "member__email",
                "member__language",
                "member__status",
                "member__email_consent",
                "member__email_bounced_at",
                "member__unsubscribe_token",
            )
            .order_by("pk")
        )
        total += _send_batch(renderer, deliveries, run)
        batches += 1
    else:
        return total
    _finish(newsletter, run)
    return total


@task()
def send_newsletter(newsletter_id: int) -> int:
    """Send a newsletter queued by `request_send` (resumes one that was interrupted)."""
    return run_send(
        newsletter_id, batch_size=int(getattr(settings, "NEWSLETTER_BATCH_SIZE", BATCH_SIZE))
    )
