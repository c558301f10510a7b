"""The members area: the welcome rotation (who welcomes, and each newcomer's welcome) and the
resource library members share."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, TimeStamped
from ecotone.limits import SHORT_TEXT
from ecotone.uploads import Upload, upload_path

from .core import Member


class Welcomer(TimeStamped):
    """A member the backbone named to welcome newcomers, in the rotation's order; away until a
    date, they are skipped."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="welcomers")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="welcomer")
    position = models.PositiveIntegerField(_("order"), default=0)
    away_until = models.DateField(_("away until"), null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("welcomer")
        verbose_name_plural = _("welcomers")

    def __str__(self) -> str:
        return str(self.member)

    def is_away(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return self.away_until is not None and self.away_until >= day

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class WelcomeHow(models.TextChoices):
    APP = "app", _("Sent from Ecotone")
    OTHER = "other", _("Welcomed another way")


class Welcome(TimeStamped):
    """A newcomer's personal welcome: assigned to the next welcomer in turn when they join,
    sent from the app or marked sent, escalated to the backbone when it waits too long."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="welcomes")
    newcomer = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="welcome")
    welcomer = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="welcomes_to_send",
        verbose_name=_("welcomer"),
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    sent_at = models.DateTimeField(_("welcomed"), null=True, blank=True)
    how = models.CharField(_("how"), max_length=8, choices=WelcomeHow.choices, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        verbose_name = _("welcome")
        verbose_name_plural = _("welcomes")
        indexes = [models.Index(fields=["ecosystem", "sent_at", "assigned_at"])]

    def __str__(self) -> str:
        return str(self.newcomer)

    @property
    def hours(self) -> float | None:
        if self.sent_at is None:
            return None
        return (self.sent_at - self.assigned_at).total_seconds() / 3600

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class ResourceKind(models.TextChoices):
    LESSON = "lesson", _("Lesson or activity")
    GUIDE = "guide", _("Guide or toolkit")
    RESEARCH = "research", _("Research or report")
    VIDEO = "video", _("Video")
    TOOL = "tool", _("Tool or software")
    OPPORTUNITY = "opportunity", _("Opportunity or funding")
    OTHER = "other", _("Other")


def _resource_path(resource: Resource, filename: str) -> str:
    return upload_path("network/resources", resource, filename)


class Resource(TimeStamped):
    """A link or file a member shares with the network."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="network_resources"
    )
    shared_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="resources"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=SHORT_TEXT)
    kind = models.CharField(_("type"), max_length=16, choices=ResourceKind.choices)
    url = models.URLField(_("link"), blank=True, max_length=500)
    file = models.FileField(_("file"), upload_to=_resource_path, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # profile.INTERESTS codes
    topics = models.JSONField(_("topics"), default=list, blank=True)
    # directory stem_profile GRADE_BANDS codes
    grade_bands = models.JSONField(_("grade bands"), default=list, blank=True)
    recommendation_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [models.Index(fields=["ecosystem", "created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class Recommendation(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="recommendations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recommendations")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "member"], name="recommendation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.resource}"


__all__ = [
    "Recommendation",
    "Resource",
    "ResourceKind",
    "Welcome",
    "WelcomeHow",
    "Welcomer",
]


def _import_path(run: MemberImport, filename: str) -> str:
    return upload_path("network/imports", run, filename)


class MemberImport(TimeStamped, Upload):
    """An existing list of members (CSV or XLSX) the backbone brings onto the roll: kept as
    received, checked (a dry run naming each problem's row and column) and applied all or
    nothing (`ecotone.uploads`). The file holds addresses: it is deleted once the import is
    applied, has problems or is discarded; the report keeps rows and problems only."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="member_imports"
    )
    file = models.FileField(_("file"), upload_to=_import_path, max_length=400, blank=True)
    # Mail the imported members who consented that they are on the roll (off unless asked).
    notify = models.BooleanField(_("tell the imported members"), default=False)

    class Meta(Upload.Meta):
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}
