"""Surveys of the network: a survey (sections of questions) sent to members by invitation (one
token link per recipient), and the responses. docs/network-surveys.md.

Anonymity (anonymous surveys). The invitation and the response are written so that nothing
stored links them: the invitation only learns `responded = True` (no time), in its own
transaction; the response, in another transaction, has a random UUID key, no member, no
invitation, no language and no time. Neither model is in the change history (which would
stamp the invitation's change with a time). Named surveys keep the member on the response.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT

from .core import Event, Member, Workgroup, new_token


def lines(text: str) -> list[str]:
    """The non-empty lines of a text (a question's choices)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def likert_labels(language: str) -> list[str]:
    """The five points of agreement, in the language."""
    with translation.override(language):
        return [
            gettext("Strongly disagree"),
            gettext("Disagree"),
            gettext("Neither agree nor disagree"),
            gettext("Agree"),
            gettext("Strongly agree"),
        ]


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SurveyAudience(models.TextChoices):
    MEMBERS = "members", _("Every member who receives email")
    EVENT = "event", _("The attendees of an event")
    SEGMENT = "segment", _("A segment of the roll")
    WORKGROUP = "workgroup", _("The members of a workgroup")


class Survey(TimeStamped):
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True, max_length=LONG_TEXT)
    intro_es = models.TextField(_("introduction (Spanish)"), blank=True, max_length=LONG_TEXT)
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Answers are stored without anything that links them to the person."),
    )
    audience = models.CharField(
        _("sent to"), max_length=16, choices=SurveyAudience.choices, default=SurveyAudience.MEMBERS
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("event"),
    )
    workgroup = models.ForeignKey(
        Workgroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("workgroup"),
    )
    # services/segments.Segment.as_dict()
    segment = models.JSONField(_("segment"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    opens_on = models.DateField(_("opens"), null=True, blank=True)
    closes_on = models.DateField(_("closes"), null=True, blank=True)
    # Reminders to those who have not answered, this many days after the survey opened: one
    # reminder per value ("7,14": two reminders). Empty: no reminders.
    reminder_days = models.JSONField(_("reminders (days after opening)"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["ecosystem", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True)
                | Q(opens_on__isnull=True)
                | Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" and self.title_es else self.title

    def intro_in(self, language: str) -> str:
        return self.intro_es if language == "es" and self.intro_es else self.intro

    @property
    def is_draft(self) -> bool:
        return self.status == SurveyStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class Section(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["survey", "order", "pk"]
        verbose_name = _("survey section")
        verbose_name_plural = _("survey sections")

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" and self.title_es else self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.survey.ecosystem_id}


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Agreement, 1 to 5")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    NUMBER = "number", _("A number")
    TEXT = "text", _("Text")


class Question(models.Model):
    """One question. Choices are lines of `options` (and `options_es`, line for line); a
    Likert question's five labels are its options (the default labels when empty). Answers
    store the choice's position (1-based), so a translation never changes a result."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("section"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    text_es = models.CharField(_("question (Spanish)"), max_length=500, blank=True)
    options = models.TextField(_("choices, one a line"), blank=True, max_length=SHORT_TEXT)
    options_es = models.TextField(
        _("choices in Spanish, one a line"), blank=True, max_length=SHORT_TEXT
    )
    min_value = models.DecimalField(
        _("least number"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("greatest number"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["survey", "order", "pk"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self) -> str:
        return self.text

    def text_in(self, language: str) -> str:
        return self.text_es if language == "es" and self.text_es else self.text

    def option_list(self, language: str = "en") -> list[str]:
        """The choices' labels in the language (English where no Spanish is given)."""
        english = lines(self.options)
        if self.kind == QuestionKind.LIKERT and len(english) != 5:
            return likert_labels(language)
        if language == "es":
            spanish = lines(self.options_es)
            if len(spanish) == len(english):
                return spanish
            if self.kind == QuestionKind.LIKERT:
                return likert_labels(language) if not spanish else english
        return english

    @property
    def has_choices(self) -> bool:
        return self.kind in (QuestionKind.LIKERT, QuestionKind.SINGLE, QuestionKind.MULTIPLE)

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.survey.ecosystem_id}


class Invitation(models.Model):
    """One recipient's link. Not TimeStamped and not in the change history on purpose: nothing
    on it changes with a time when its person answers (models docstring)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    # Leaving the network erases the person: their invitations go with them.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="survey_invitations")
    token = models.CharField(max_length=64, default=new_token, unique=True)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    responded = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey", "pk"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["survey", "member"], name="survey_invitation_unique")
        ]
        indexes = [models.Index(fields=["survey", "responded", "reminders_sent"])]

    def __str__(self) -> str:
        return f"{self.survey} — {self.member}"


class Response(models.Model):
    """One person's answers. Random key; for an anonymous survey nothing else than the survey
    (no member, no invitation, no time); for a named one its member and invitation and the day
    it was given."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    submitted_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return str(self.survey)


class Answer(models.Model):
    """One answer: `choice` (1-based position; a Likert point; one row per choice picked of a
    multiple-choice question), `number` or `text`."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    text = models.TextField(blank=True, max_length=SHORT_TEXT)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self) -> str:
        return str(self.question)
