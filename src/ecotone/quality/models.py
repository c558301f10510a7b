"""Program quality: an ecosystem's rubrics and their versions.

A rubric's content is data (`rubrics.py`): each version holds the whole rubric as the JSON
document `rubrics.to_json` writes. A published version is frozen, so the assessments that will
use it keep meaning what they meant; a change is a new version.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, TimeStamped
from ecotone.errors import DomainError


class Rubric(TimeStamped):
    """One rubric of an ecosystem, by its key; what it says is in its versions."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="rubrics", verbose_name=_("ecosystem")
    )
    key = models.SlugField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "key"], name="rubric_key_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RubricVersion(TimeStamped):
    """A numbered version of a rubric: a draft until published, then frozen."""

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="versions", verbose_name=_("rubric")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    content = models.JSONField(_("content"))  # a document of rubrics.SCHEMA
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["rubric", "-number"]
        verbose_name = _("rubric version")
        verbose_name_plural = _("rubric versions")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "number"], name="rubric_version_unique"),
            # published exactly when it has a publication date
            models.CheckConstraint(
                condition=(Q(status=VersionStatus.PUBLISHED) & Q(published_at__isnull=False))
                | (Q(status=VersionStatus.DRAFT) & Q(published_at__isnull=True)),
                name="rubric_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rubric} v{self.number}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.rubric.ecosystem_id}

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The one guard of the freeze, whatever path saves: a published row never changes.
        if (
            self.pk is not None
            and RubricVersion.objects.filter(pk=self.pk, status=VersionStatus.PUBLISHED).exists()
        ):
            raise DomainError(_("A published rubric version is frozen: import a new version."))
        super().save(*args, **kwargs)


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RATING = "rating", _("Rating")
    CONSENSUS = "consensus", _("Consensus")
    COMPLETE = "complete", _("Complete")


class Assessment(TimeStamped):
    """A self-assessment of an organization, or of one of its programs, against one published
    rubric version: kept when a newer version is published, so its ratings keep their meaning."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="+", verbose_name=_("ecosystem")
    )
    organization = models.ForeignKey(
        "ecosystems.Organization",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("organization"),
    )
    program = models.ForeignKey(
        "directory.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("program"),
    )
    version = models.ForeignKey(
        RubricVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("rubric version"),
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class Rating(TimeStamped):
    """One rater's stage for one attribute, saved as they go; blank while undecided."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("assessment")
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("rater"),
    )
    attribute = models.SlugField(_("attribute"), max_length=64)
    stage = models.SlugField(_("stage"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)

    class Meta:
        ordering = ["assessment", "rater", "attribute"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "rater", "attribute"], name="rating_one_per_rater_attribute"
            ),
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.assessment.ecosystem_id}


class ConsensusRating(TimeStamped):
    """The stage the raters agreed for one attribute, with why and the evidence for it."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="consensus",
        verbose_name=_("assessment"),
    )
    attribute = models.SlugField(_("attribute"), max_length=64)
    stage = models.SlugField(_("stage"), max_length=64)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    evidence = models.TextField(_("evidence"), blank=True, max_length=4000)
    links = models.JSONField(_("links"), default=list, blank=True)  # a list of URLs

    class Meta:
        ordering = ["assessment", "attribute"]
        verbose_name = _("consensus rating")
        verbose_name_plural = _("consensus ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "attribute"], name="consensus_one_per_attribute"
            ),
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.assessment.ecosystem_id}
