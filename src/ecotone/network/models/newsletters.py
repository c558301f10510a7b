"""Newsletters (issue 19, item 5): composed from sections of curated items, sent to a segment of
the roll in batches, with one delivery row per newsletter and member (what makes a resumed send
never mail anyone twice), and engagement counted only in aggregate: clicks per link, opens only
when the ecosystem turns them on. Nothing here records who clicked or who opened."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT

from .core import Member


class NewsletterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # sending was asked for: the deliveries are queued, the task has not started
    SCHEDULED = "scheduled", _("Queued for sending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class Newsletter(TimeStamped):
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="newsletters")
    subject = models.CharField(_("subject"), max_length=200)
    subject_es = models.CharField(_("subject (Spanish)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True, max_length=LONG_TEXT)
    intro_es = models.TextField(_("introduction (Spanish)"), blank=True, max_length=LONG_TEXT)
    # Who it goes to: read by services.segments.Segment.from_dict.
    segment = models.JSONField(_("audience"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NewsletterStatus.choices, default=NewsletterStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    send_requested_at = models.DateTimeField(_("sending asked for"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The links of the items in order, frozen when sending is asked for: the click redirect
    # sends index i to links[i], so a later edit cannot turn a mailed link into another place.
    links = models.JSONField(default=list, blank=True)
    # The running send's id: a task that finds another id here stops (services.sending).
    send_run = models.CharField(max_length=32, blank=True)
    # Aggregate counts only (never who): opens, when NetworkSettings.count_newsletter_opens.
    opens = models.PositiveIntegerField(_("opens"), default=0)
    # The figures when sending finished (recipients, sent, failed), for the archive and reports.
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        indexes = [models.Index(fields=["ecosystem", "status", "sent_at"])]

    def __str__(self) -> str:
        return self.subject

    def subject_in(self, language: str) -> str:
        return self.subject_es if language == "es" and self.subject_es else self.subject

    def intro_in(self, language: str) -> str:
        return self.intro_es if language == "es" and self.intro_es else self.intro

    @property
    def is_draft(self) -> bool:
        return self.status == NewsletterStatus.DRAFT

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class NewsletterSection(models.Model):
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("section title"), max_length=200)
    title_es = models.CharField(_("section title (Spanish)"), max_length=200, blank=True)

    class Meta:
        ordering = ["newsletter", "position", "pk"]
        verbose_name = _("newsletter section")
        verbose_name_plural = _("newsletter sections")

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" and self.title_es else self.title


class ItemKind(models.TextChoices):
    NEWS = "news", _("News")
    RESOURCE = "resource", _("Resource")
    PROGRAM = "program", _("Program from the directory")
    NEED = "need", _("Mentoring opportunity")


class Item(models.Model):
    """One curated entry of a section. A program or a mentoring need is read from the directory
    or mentoring (never written); its title and link are copied when picked so the newsletter
    reads the same after the program changes."""

    section = models.ForeignKey(NewsletterSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True, max_length=SHORT_TEXT)
    text_es = models.TextField(_("text (Spanish)"), blank=True, max_length=SHORT_TEXT)
    link = models.URLField(_("link"), blank=True, max_length=500)
    program = models.ForeignKey(
        "directory.Program", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opportunity = models.ForeignKey(
        "mentoring.Opportunity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggestion = models.ForeignKey(
        "Suggestion", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )

    class Meta:
        ordering = ["section", "position", "pk"]
        verbose_name = _("newsletter item")
        verbose_name_plural = _("newsletter items")

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" and self.title_es else self.title

    def text_in(self, language: str) -> str:
        return self.text_es if language == "es" and self.text_es else self.text


class SuggestionKind(models.TextChoices):
    NEWS = "news", _("News")
    RESOURCE = "resource", _("Resource")
    OPPORTUNITY = "opportunity", _("Opportunity")


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the editor")
    PICKED = "picked", _("Picked for a newsletter")
    DECLINED = "declined", _("Declined")


class Suggestion(TimeStamped):
    """An item a member suggests for a newsletter; the editor picks it into a section or
    declines it."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="newsletter_suggestions"
    )
    # Leaving erases the person; what they suggested stays without them.
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SuggestionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what it is"), blank=True, max_length=SHORT_TEXT)
    link = models.URLField(_("link"), blank=True, max_length=500)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("newsletter suggestion")
        verbose_name_plural = _("newsletter suggestions")
        indexes = [models.Index(fields=["ecosystem", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One newsletter to one member. Made for the whole audience when sending is asked for; a
    batch is claimed (`claim` = the run's id) in a transaction before its mail goes out and
    marked sent after, so a resumed send skips what was sent and never mails a claimed batch
    again (services.sending). Delivery only: no opens or clicks per person."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["newsletter", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "member"], name="delivery_unique"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=False) | Q(status__in=["queued", "failed"]),
                name="delivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["newsletter", "status", "claim"])]

    def __str__(self) -> str:
        return f"{self.newsletter_id}:{self.member_id}"


class LinkClick(models.Model):
    """How many times link `index` of a newsletter was followed: a count, never who."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="clicks")
    index = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["newsletter", "index"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "index"], name="link_click_unique")
        ]

    def __str__(self) -> str:
        return f"{self.newsletter_id}#{self.index}: {self.count}"
