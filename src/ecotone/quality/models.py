"""Program quality: an ecosystem's rubrics and their versions.

A rubric's content is data (`rubrics.py`): each version holds the whole rubric as the JSON
document `rubrics.to_json` writes. A published version is frozen, so the assessments that will
use it keep meaning what they meant; a change is a new version.
"""

from __future__ import annotations

import uuid
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
    # The assessment whose improvement plan this one follows up (the cycle: assess, plan,
    # improve, assess again); the next assessment starts from the plan.
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows"),
    )
    # The partner chooses to show a complete assessment of a program on its directory listing.
    show_mark = models.BooleanField(_("shown on the program's listing"), default=False)

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


def _evidence_upload_to(evidence: Evidence, filename: str) -> str:
    return f"quality/evidence/{evidence.assessment_id}/{uuid.uuid4().hex}/{filename}"


class Evidence(TimeStamped):
    """A file kept as evidence for one attribute of an assessment (its type and size checked
    when it was uploaded); the consensus rating of the attribute cites it."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("assessment")
    )
    attribute = models.SlugField(_("attribute"), max_length=64)
    file = models.FileField(_("file"), upload_to=_evidence_upload_to, max_length=400)
    name = models.CharField(_("name"), max_length=255)  # as uploaded
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["assessment", "attribute", "created_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.assessment.ecosystem_id}


class Review(TimeStamped):
    """A reviewer the backbone assigned to an assessment (peer or external review). The
    reviewer's stages are `Rating` rows under their own name, so agreement counts them; the
    comment is their overall word, `submitted_at` when they handed the review in."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("assessment")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quality_reviews",
        verbose_name=_("reviewer"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    comment = models.TextField(_("comment"), blank=True, max_length=8000)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["assessment", "created_at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "reviewer"], name="review_one_per_reviewer"
            ),
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.assessment.ecosystem_id}


class ImprovementPlan(TimeStamped):
    """What a program will do after an assessment: goals for its lowest-rated attributes."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="plan", verbose_name=_("assessment")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.assessment.ecosystem_id}


class PlanGoal(TimeStamped):
    """A goal of a plan: one attribute, the stage to reach, and what reaching it means."""

    plan = models.ForeignKey(
        ImprovementPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan")
    )
    attribute = models.SlugField(_("attribute"), max_length=64)
    target_stage = models.SlugField(_("stage to reach"), max_length=64)
    goal = models.TextField(_("goal"), max_length=4000)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["plan", "attribute"], name="plan_goal_per_attribute"),
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.plan.assessment.ecosystem_id}


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class PlanAction(TimeStamped):
    """One action toward a goal, with its owner, due date and status; `reminded_on` is the day
    its owner was last reminded (one reminder a day at most)."""

    goal = models.ForeignKey(
        PlanGoal, on_delete=models.CASCADE, related_name="actions", verbose_name=_("goal")
    )
    description = models.TextField(_("action"), max_length=4000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    reminded_on = models.DateField(_("reminded"), null=True, blank=True)

    class Meta:
        ordering = ["goal", "due_on", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.goal.plan.assessment.ecosystem_id}
