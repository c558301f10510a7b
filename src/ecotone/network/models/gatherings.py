"""Gatherings (issue 19, items 3 and 4): what workgroups keep (invitations, goals with tasks,
monthly progress notes, the steering committee's compiled report, shared files and links, a
discussion thread and its digests) and what events keep beside `core.Event` (slides)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT

from .core import Member, Workgroup


def _of_workgroup(record: Any) -> dict[str, Any]:
    return {"ecosystem_id": record.workgroup.ecosystem_id}


class WorkgroupInvitation(TimeStamped):
    """A chair's or the backbone's invitation of a member to a (closed) workgroup, accepted
    from the member's network home or the workgroup's page."""

    workgroup = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="workgroup_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workgroup", "member"],
                condition=models.Q(answered_at__isnull=True),
                name="workgroup_invitation_open_unique",
            )
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return _of_workgroup(self)


class Goal(TimeStamped):
    workgroup = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=SHORT_TEXT)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("goal")

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return _of_workgroup(self)


class TaskStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("Doing")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")


class Task(TimeStamped):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="tasks")
    # the goal's workgroup, kept on the task so the rules' object checks read it
    workgroup = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workgroup_tasks",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.TODO
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("task")

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return _of_workgroup(self)


class SteeringReport(TimeStamped):
    """The steering committee's report of one month, compiled by the backbone from every
    workgroup's latest progress note and task figures (a snapshot in `rows`)."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="steering_reports"
    )
    month = models.DateField(_("month"))  # its first day
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rows = models.JSONField(default=list)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "month"], name="steering_report_month")
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class ProgressNote(TimeStamped):
    """A chair's note of one month: what moved, what is blocked, what is next. Editable until
    the month's report is compiled (`report` set)."""

    workgroup = models.ForeignKey(
        Workgroup, on_delete=models.CASCADE, related_name="progress_notes"
    )
    month = models.DateField(_("month"))  # its first day
    moved = models.TextField(_("what moved"), max_length=SHORT_TEXT)
    blocked = models.TextField(_("what is blocked"), blank=True, max_length=SHORT_TEXT)
    next = models.TextField(_("what is next"), blank=True, max_length=SHORT_TEXT)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    report = models.ForeignKey(
        SteeringReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["workgroup", "month"], name="progress_note_month")
        ]

    def get_additional_data(self) -> dict[str, Any]:
        return _of_workgroup(self)


def _file_upload_to(record: WorkgroupFile, filename: str) -> str:
    return f"network/workgroups/{record.workgroup_id}/{uuid.uuid4().hex}/{filename}"


class WorkgroupFile(TimeStamped):
    """A file (checked by `ecotone.attachments`) or a link shared in a workgroup's space."""

    workgroup = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to=_file_upload_to, max_length=400, blank=True)
    name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def get_additional_data(self) -> dict[str, Any]:
        return _of_workgroup(self)


class Post(TimeStamped):
    """A post of a workgroup's discussion, or a reply to one (`parent`)."""

    workgroup = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # leaving erases the person: their posts stay, by "a former member"
    author = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), max_length=LONG_TEXT)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["workgroup", "created_at"])]

    def get_additional_data(self) -> dict[str, Any]:
        return _of_workgroup(self)


class DigestEntry(models.Model):
    """A post listed in a member's digest: the digest never lists a post twice."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "post"], name="digest_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.post_id}"
