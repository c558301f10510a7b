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
