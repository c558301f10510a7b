"""Challenges: calls for proposals, their applications, reviews over rounds, and awards.

A `Call` (a challenge, a mini-grant round, an award) belongs to one ecosystem. Its application
form is made of `EligibilityQuestion`s (a "no" where "yes" is required screens the applicant
out, with the question's reason shown) and `Question`s of several kinds; its `Criterion`s carry
weights and a descriptor per level of the call's scoring scale; its `Round`s follow one another
(screening, full review, finalists' revision, final panel).

An `Application` is drafted by a signed-in person on behalf of an organization (a partner of
the directory, or one named by the applicant), with `CoApplicant`s invited by email. Its current
answers live on the application while it is a draft; each submission freezes them as a
`Revision` (one per round the applicant submits in), so a finalist's revision keeps the earlier
version beside it.

Reviewers have a `ReviewerProfile` per ecosystem (expertise and load bounds), `Bid` on
applications and declare `ConflictDeclaration`s; conflicts from the data (same organization,
listed partner, a person on the application) are computed by the Django-free
`reviewing.conflicts`, never stored. A round's `Assignment`s pair reviewers and applications
(`locked` ones are kept by a re-solve); each has at most one `Review`. `Decision`s record who
decided what about an application in a round, and an `Award` its grant, with
`AwardMilestone`s (payments and reports due).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, Organization, Sector, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT

# --- vocabularies ----------------------------------------------------------------------------
# Topics and grade bands are the directory's STEM profile codes (directory.stem_profile);
# regions are two-letter US state codes (places.py); lists of codes are JSON arrays of strings.

TARGET_POPULATIONS: tuple[tuple[str, Any], ...] = (
    ("low_income", _("Students from low-income families")),
    ("students_of_color", _("Students of color")),
    ("girls", _("Girls and young women")),
    ("english_learners", _("English learners")),
    ("disabilities", _("Students with disabilities")),
    ("rural", _("Rural students")),
    ("first_generation", _("First-generation college-bound students")),
    ("all_youth", _("All young people")),
)
TARGET_POPULATION_CODES = frozenset(code for code, _label in TARGET_POPULATIONS)


def _ecosystem_of(record: Any) -> dict[str, Any]:
    # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
    return {"ecosystem_id": record.ecosystem_id}


# --- calls -----------------------------------------------------------------------------------


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    REVIEWING = "reviewing", _("In review")
    DECIDED = "decided", _("Decided")
    ARCHIVED = "archived", _("Archived")


class Call(TimeStamped):
    """A call for proposals. It takes applications from `opens_at` until `deadline` (stored
    in UTC, shown and entered in the ecosystem's time zone) while its status is open."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="calls", verbose_name=_("ecosystem")
    )
    slug = models.SlugField(_("short name in addresses"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    status = models.CharField(
        _("status"), max_length=16, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    scale_min = models.PositiveSmallIntegerField(
        _("lowest score"), default=1, validators=[MaxValueValidator(10)]
    )
    scale_max = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    disagreement_threshold = models.DecimalField(
        _("flag reviews that differ by more than"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Points on the scoring scale between the highest and lowest total."),
    )
    total_funds = models.DecimalField(
        _("funds available (USD)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    winners_published_at = models.DateTimeField(_("winners published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-deadline", "pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "slug"], name="call_slug_unique"),
            models.CheckConstraint(
                condition=Q(scale_min__lt=models.F("scale_max")), name="call_scale_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class Criterion(models.Model):
    """A scoring criterion: its weight in the total and a descriptor per level of the call's
    scale (`descriptors[i]` describes score `scale_min + i`)."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("call")
    )
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what reviewers look for"), blank=True, max_length=SHORT_TEXT)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    descriptors = models.JSONField(_("descriptors per level"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["call", "position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["call", "key"], name="criterion_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class EligibilityQuestion(models.Model):
    """A yes-or-no question; an applicant whose answer differs from `eligible_answer` is
    screened out, and `reason` is what they are told."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="eligibility", verbose_name=_("call")
    )
    text = models.CharField(_("question"), max_length=300)
    eligible_answer = models.BooleanField(_("eligible answer"), default=True)
    reason = models.CharField(_("reason shown when not eligible"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["call", "position", "pk"]
        verbose_name = _("eligibility question")
        verbose_name_plural = _("eligibility questions")

    def __str__(self) -> str:
        return self.text


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    CHOICE = "choice", _("One choice")
    CHOICES = "choices", _("Several choices")
    NUMBER = "number", _("Number")
    BUDGET = "budget", _("Budget table")
    FILE = "file", _("File")
    PARTNERS = "partners", _("Partners from the directory")


class Question(models.Model):
    """A question of the application form. `settings` holds what its kind needs:
    text `{"word_limit": 500}`; choice(s) `{"options": [...]}`; number `{"min": 0, "max": 100}`;
    budget `{"categories": [...], "max_total": 25000}`; file `{"types": ["pdf", ...],
    "max_mb": 10}`; partners `{"max": 10}` (checked by the Django-free `answers` module)."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="questions", verbose_name=_("call")
    )
    key = models.SlugField(_("key"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.TextField(_("help"), blank=True, max_length=SHORT_TEXT)
    required = models.BooleanField(_("required"), default=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["call", "position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["call", "key"], name="question_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class RoundKind(models.TextChoices):
    SCREENING = "screening", _("Screening")
    REVIEW = "review", _("Full review")
    REVISION = "revision", _("Revision")
    PANEL = "panel", _("Final panel")


class RoundStatus(models.TextChoices):
    PENDING = "pending", _("Not started")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Round(TimeStamped):
    """One stage of a call. Review and panel rounds assign `reviews_per_application`
    reviewers to each application in the round, each reviewer between `min_load` and
    `max_load`; a revision round invites the applications advanced into it to revise and
    resubmit by `due_at`."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("call")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=RoundKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.PENDING
    )
    reviews_per_application = models.PositiveSmallIntegerField(
        _("reviews per application"), default=3, validators=[MaxValueValidator(20)]
    )
    min_load = models.PositiveSmallIntegerField(_("fewest applications per reviewer"), default=0)
    max_load = models.PositiveSmallIntegerField(
        _("most applications per reviewer"), default=15, validators=[MinValueValidator(1)]
    )
    exclude_not_willing = models.BooleanField(
        _("never assign a reviewer who said 'not willing'"), default=False
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    feedback_released_at = models.DateTimeField(_("feedback released"), null=True, blank=True)
    # The last solve: objective, refused locks or why none exists (services.assignments).
    solve_report = models.JSONField(_("last assignment"), default=dict, blank=True)
    solved_at = models.DateTimeField(_("assigned"), null=True, blank=True)

    class Meta:
        ordering = ["call", "position"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(fields=["call", "position"], name="round_position_unique"),
            models.CheckConstraint(
                condition=Q(min_load__lte=models.F("max_load")), name="round_loads_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} – {self.name}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.call.ecosystem_id}

    @property
    def is_reviewed(self) -> bool:
        return self.kind in (RoundKind.SCREENING, RoundKind.REVIEW, RoundKind.PANEL)


# --- applications ----------------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    INELIGIBLE = "ineligible", _("Not eligible")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    REVISING = "revising", _("Invited to revise")
    DECLINED = "declined", _("Not selected")
    AWARDED = "awarded", _("Awarded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(TimeStamped):
    """One application to a call. `round` is the round it is in (none while a draft, or
    once out of the running); `answers` and `eligibility_answers` are the working copy
    the applicant edits; each submission is frozen as a `Revision`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="challenge_applications",
        verbose_name=_("ecosystem"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="applications", verbose_name=_("call")
    )
    round = models.ForeignKey(
        Round,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("round"),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="challenge_applications",
        verbose_name=_("lead applicant"),
    )
    # The lead organization: a partner of the directory, or one the applicant names.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="challenge_applications",
        verbose_name=_("organization"),
    )
    organization_name = models.CharField(_("organization"), max_length=200)
    organization_sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    title = models.CharField(_("project title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True, max_length=SHORT_TEXT)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    ineligible_reasons = models.JSONField(_("why not eligible"), default=list, blank=True)
    eligibility_answers = models.JSONField(_("eligibility answers"), default=dict, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # What the application is about, for reviewer fit and the applicant-pool report.
    topics = models.JSONField(_("STEM fields"), default=list, blank=True)
    grade_bands = models.JSONField(_("grade bands"), default=list, blank=True)
    target_populations = models.JSONField(_("young people served"), default=list, blank=True)
    sectors_served = models.JSONField(_("sectors involved"), default=list, blank=True)
    city = models.CharField(_("city or community"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    requested_amount = models.DecimalField(
        _("amount requested (USD)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    partners = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="challenge_partnerships",
        verbose_name=_("partners from the directory"),
    )
    # Partners the applicant names who are not in the directory.
    other_partners = models.JSONField(_("other partners"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    feedback = models.TextField(_("feedback to the applicant"), blank=True, max_length=LONG_TEXT)

    class Meta:
        ordering = ["call", "title", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["ecosystem", "lead"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class CoApplicant(TimeStamped):
    """A person invited onto an application (a coalition's partner): they may edit it and
    see its status once they accept with the invited email's account."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="co_applicants",
        verbose_name=_("application"),
    )
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="challenge_coapplications",
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="challenge_coapplications",
        verbose_name=_("organization"),
    )
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["application", "email"]
        verbose_name = _("co-applicant")
        verbose_name_plural = _("co-applicants")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "email"], name="coapplicant_email_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Revision(models.Model):
    """A submitted version of an application, frozen: the answers as they were when
    submitted in a round. `number` counts from 1 per application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="revisions")
    round = models.ForeignKey(Round, on_delete=models.SET_NULL, null=True, related_name="+")
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("project title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True, max_length=SHORT_TEXT)
    answers = models.JSONField(_("answers"), default=dict)
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["application", "number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="revision_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} v{self.number}"


def attachment_path(record: AnswerFile, filename: str) -> str:
    return f"challenges/{record.application.uuid}/{uuid.uuid4().hex}/{filename}"


class AnswerFile(models.Model):
    """A file answering a file question, checked by `ecotone.attachments` when uploaded;
    answers name it by id, so a revision keeps the file it was submitted with."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["application", "pk"]

    def __str__(self) -> str:
        return self.original_name


# --- reviewers -------------------------------------------------------------------------------


class ReviewerProfile(TimeStamped):
    """A reviewer's expertise in one ecosystem: their background (`sector`, the diversity
    group), STEM fields, regions (state codes) and sectors they know, their organizations
    (conflicts) and the load they will take."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="reviewer_profiles",
        verbose_name=_("ecosystem"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profiles"
    )
    sector = models.CharField(_("background"), max_length=32, choices=Sector.choices)
    expertise = models.CharField(_("expertise in a line"), max_length=200, blank=True)
    topics = models.JSONField(_("STEM fields"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    sectors = models.JSONField(_("sectors they know"), default=list, blank=True)
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="reviewers", verbose_name=_("organizations")
    )
    other_organizations = models.JSONField(_("other organizations"), default=list, blank=True)
    max_load = models.PositiveSmallIntegerField(
        _("most applications I can review"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["ecosystem", "user__email"]
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "user"], name="reviewer_profile_unique"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class ConflictDeclaration(TimeStamped):
    """A conflict declared by the reviewer, the applicant or staff: the pair is never
    assigned."""

    reviewer = models.ForeignKey(
        ReviewerProfile, on_delete=models.CASCADE, related_name="declared_conflicts"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="declared_conflicts"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "application"], name="conflict_declaration_unique"
            ),
        ]


class BidValue(models.TextChoices):
    EAGER = "eager", _("Eager")
    WILLING = "willing", _("Willing")
    NOT_WILLING = "not_willing", _("Not willing")


class Bid(TimeStamped):
    """How much a reviewer wants to review an application (reviewing.Bid)."""

    reviewer = models.ForeignKey(ReviewerProfile, on_delete=models.CASCADE, related_name="bids")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="bids")
    value = models.CharField(_("bid"), max_length=16, choices=BidValue.choices)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "application"], name="bid_unique"),
        ]


# --- assignment and reviews ------------------------------------------------------------------


class Assignment(TimeStamped):
    """A reviewer assigned to an application in a round. `explanation` holds the parts of the
    pair's score (reviewing.Explanation); a `locked` pair is kept by a re-solve."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        ReviewerProfile, on_delete=models.CASCADE, related_name="assignments"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    locked = models.BooleanField(_("locked"), default=False)
    explanation = models.JSONField(_("why this pair"), default=dict, blank=True)
    score = models.IntegerField(_("fit"), default=0)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    class Meta:
        ordering = ["round", "application", "reviewer"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "reviewer", "application"], name="assignment_unique"
            ),
        ]


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Review(TimeStamped):
    """A reviewer's scores on an assignment: `scores` maps criterion keys to levels of the
    call's scale; `total` is their weighted mean (ranking.weighted_totals), set on submit."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comment_to_applicant = models.TextField(
        _("comments to the applicant"), blank=True, max_length=LONG_TEXT
    )
    comment_to_panel = models.TextField(
        _("comments to the panel"), blank=True, max_length=LONG_TEXT
    )
    total = models.FloatField(_("weighted total"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")


class Outcome(models.TextChoices):
    ADVANCE = "advance", _("Advance to the next round")
    DECLINE = "decline", _("Decline")
    AWARD = "award", _("Award")


class Decision(TimeStamped):
    """What was decided about an application at the end of a round, and who decided."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(_("decision"), max_length=16, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True, max_length=SHORT_TEXT)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The ranks shown when it was decided (raw, adjusted), kept with the decision.
    raw_rank = models.PositiveIntegerField(null=True, blank=True)
    adjusted_rank = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["round", "application"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["application", "round"], name="decision_unique"),
        ]

    # --- awards ----------------------------------------------------------------------------------

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.application.ecosystem_id}


class Award(TimeStamped):
    """A grant to an application: cash and in-kind support, the agreement and its state."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="award")
    amount = models.DecimalField(
        _("cash grant (USD)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    in_kind = models.TextField(_("in-kind support"), blank=True, max_length=SHORT_TEXT)
    citation = models.TextField(_("public citation"), blank=True, max_length=SHORT_TEXT)
    agreement = models.FileField(
        _("signed agreement"), upload_to="challenges/agreements/", blank=True, max_length=300
    )
    agreement_signed_at = models.DateField(_("agreement signed"), null=True, blank=True)
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.application.ecosystem_id}


class MilestoneKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REPORT = "report", _("Report due")


class AwardMilestone(models.Model):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    title = models.CharField(_("what"), max_length=200)
    due_on = models.DateField(_("due"))
    amount = models.DecimalField(
        _("amount (USD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["award", "due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title
