"""Mentor matching: STEM professionals, their screening, programs' needs and the matches between.

A `Mentor` is a person's volunteer profile in one ecosystem (a user may mentor in several).
`ScreeningStep`s are the ecosystem's configurable screening (application, interview, references,
background check, training hours, code of conduct), each with an expiry; a mentor's
`ScreeningRecord` per step says where they stand and who verified it. An `Opportunity` is a
program's need for mentors (relationship mentoring or episodic volunteering). A `Match` joins
a mentor and an opportunity and follows it through its life (proposed -> offered -> accepted ->
active -> closed), with `CheckIn`s and `HourLog`s. A `MatchingRound` is one run of the engine
(`solver.py`) whose proposals staff review before anyone else sees them.

Youth safety (design.md section 4) lives here, in the model layer, so that no path (page, API,
import, admin, shell) can skip it: `Match.save` refuses to save a live match (created, moved
into a live status, or changed while live) for a mentor who lacks a current, verified screening
step the opportunity requires (`MatchSafetyError`; the rule is `Match.safety_problem`). Changes
elsewhere that could leave a live match unsafe (the opportunity, a screening record, the step
settings, time passing) go through `services.matches.hold_unsafe_matches` or are refused
(`services.opportunities.update_opportunity`). Which steps an opportunity requires is
`Opportunity.required_steps`: an opportunity with direct contact (in person, one-to-one, or
without a teacher present) always needs a background check and training, whatever the
ecosystem configured.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecotone.directory.models import Location, MentoringDepth, Program
from ecotone.ecosystems.models import Ecosystem, Organization, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT
from ecotone.stale_runs import is_stale

# --- vocabularies ---------------------------------------------------------------------------
# Topics and grade bands use the directory's STEM profile codes (directory.stem_profile:
# STEM_FIELDS, GRADE_BANDS); languages are ISO 639-1 codes ("en", "es", ...); identity tags are
# the codes of IDENTITY_TAGS below. Lists of codes are stored as JSON arrays of strings.


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIRTUAL = "virtual", _("Virtual")
    EITHER = "either", _("In person or virtual")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


IDENTITY_TAGS: tuple[tuple[str, Any], ...] = (
    ("woman", _("Woman")),
    ("nonbinary", _("Nonbinary")),
    ("black", _("Black or African American")),
    ("hispanic", _("Hispanic or Latino")),
    ("native", _("American Indian or Alaska Native")),
    ("asian", _("Asian")),
    ("pacific", _("Native Hawaiian or Pacific Islander")),
    ("first_generation", _("First in my family to go to college")),
    ("disability", _("Person with a disability")),
    ("lgbtq", _("LGBTQ+")),
    ("rural", _("Grew up in a rural community")),
    ("english_learner", _("Learned English as a new language")),
    ("veteran", _("Veteran")),
)
IDENTITY_CODES = frozenset(code for code, _label in IDENTITY_TAGS)


def validate_windows(value: Any) -> None:
    """Weekly availability/schedule: a list of [weekday 0-6, start minute, end minute]."""
    if not isinstance(value, list):
        raise ValidationError(_("Give a list of weekly time windows."))
    for window in value:
        if (
            not isinstance(window, list | tuple)
            or len(window) != 3
            or not all(isinstance(x, int) for x in window)
        ):
            raise ValidationError(_("Give each window as [weekday, start minute, end minute]."))
        day, start, end = window
        if not (0 <= day <= 6 and 0 <= start < end <= 24 * 60):
            raise ValidationError(
                _("Keep each window within one day; %(window)s is not."), params={"window": window}
            )


def validate_codes(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise ValidationError(_("Give a list of codes."))


# --- mentors ---------------------------------------------------------------------------------


class MentorStatus(models.TextChoices):
    ACTIVE = "active", _("Available")
    PAUSED = "paused", _("Paused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CareerStage(models.TextChoices):
    STUDENT = "student", _("College student")
    EARLY = "early", _("Early career")
    MID = "mid", _("Mid career")
    SENIOR = "senior", _("Senior")
    RETIRED = "retired", _("Retired")


# `Mentor.screening_stage_until` before the stage was ever stored, and when no date changes it.
STAGE_UNSET = datetime.date.min
STAGE_NEVER = datetime.date.max


# The columns of a mentor whose values alone decide the engine's answer for a virtual
# opportunity, given the steps held, a saved opportunity and room (`engine.SOLVER_MENTOR_JSON`
# but the identity, which a program's ranking leaves out): stored together as one key,
# `Mentor.engine_profile`, so that the partner's browse groups mentors by an index.
ENGINE_PROFILE_COLUMNS = ("modes", "grade_bands", "languages", "topics", "skills", "availability")


class ProfileDigest(models.Func):
    """The digest of a text (MD5 on PostgreSQL, so that any profile fits an index entry; the
    text itself elsewhere)."""

    function = "MD5"
    output_field = models.CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return compiler.compile(self.get_source_expressions()[0])


def _engine_profile() -> ProfileDigest:
    # Each JSON text is self-delimiting (brackets, quoted strings), so the joined texts of two
    # mentors are equal exactly when every column is.
    texts: list[Any] = []
    for name in ENGINE_PROFILE_COLUMNS:
        texts += [Cast(name, models.TextField()), models.Value("|")]
    return ProfileDigest(Concat(*texts[:-1], output_field=models.TextField()))


class Mentor(TimeStamped):
    """A person's mentoring profile in one ecosystem. Contact details (the user's email,
    `phone`) are for backbone staff and the programs the mentor is matched with only."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="mentors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profiles"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MentorStatus.choices, default=MentorStatus.ACTIVE
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    stem_field = models.CharField(_("STEM field"), max_length=40, blank=True)
    occupation = models.CharField(_("occupation"), max_length=150, blank=True)
    career_stage = models.CharField(
        _("career stage"), max_length=16, choices=CareerStage.choices, blank=True
    )
    employer = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employed_mentors",
        verbose_name=_("employer (partner organization)"),
    )
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    bio = models.TextField(_("about me"), blank=True, max_length=LONG_TEXT)
    topics = models.JSONField(_("topics"), default=list, blank=True, validators=[validate_codes])
    skills = models.JSONField(_("skills"), default=list, blank=True, validators=[validate_codes])
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[validate_codes]
    )
    grade_bands = models.JSONField(
        _("grade bands"), default=list, blank=True, validators=[validate_codes]
    )
    modes = models.JSONField(_("ways to mentor"), default=list, validators=[validate_codes])
    home_postal_code = models.CharField(_("home ZIP code"), max_length=10, blank=True)
    work_postal_code = models.CharField(_("work ZIP code"), max_length=10, blank=True)
    # Where in-person travel is measured from: the work ZIP's center, else the home ZIP's.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    travel_radius_mi = models.PositiveSmallIntegerField(
        _("travel radius (miles)"), default=10, validators=[MaxValueValidator(200)]
    )
    availability = models.JSONField(
        _("weekly availability"), default=list, blank=True, validators=[validate_windows]
    )
    hours_per_month = models.PositiveSmallIntegerField(
        _("hours per month"), default=4, validators=[MaxValueValidator(160)]
    )
    max_matches = models.PositiveSmallIntegerField(
        _("matches at a time"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # Self-identification is optional and used only when the mentor opts in (and only then for
    # identity-aware matching); it is never shown to programs.
    shares_identity = models.BooleanField(_("use my identity for matching"), default=False)
    identity_tags = models.JSONField(
        _("identity"), default=list, blank=True, validators=[validate_codes]
    )
    saved_opportunities: models.ManyToManyField[Opportunity, Any] = models.ManyToManyField(
        "Opportunity", blank=True, related_name="saved_by", verbose_name=_("saved opportunities")
    )
    # The screening stage as `services.screening.stage_expression` gave it on the day it was
    # stored, and the last day it stays so by time alone (a passed step's expiry; STAGE_NEVER
    # when no date changes it; STAGE_UNSET, the default, before it was first stored). Written
    # only by `screening.refresh_stages`; read by `screening.stage_of`/`with_stage`, which fall
    # back to the rule for a mentor whose stored stage has run out.
    screening_stage = models.CharField(max_length=16, default="not_started", editable=False)
    screening_stage_until = models.DateField(default=STAGE_UNSET, editable=False)
    # Written by the database from ENGINE_PROFILE_COLUMNS: equal for two mentors exactly when
    # those columns are.
    engine_profile = models.GeneratedField(
        expression=_engine_profile(),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )

    class Meta:
        ordering: ClassVar = ["user__name", "user__email"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ecosystem", "user"], name="mentor_once_per_ecosystem")
        ]
        indexes: ClassVar = [
            models.Index(fields=["ecosystem", "status"]),
            models.Index(
                fields=["ecosystem", "status", "screening_stage", "screening_stage_until"],
                name="mentor_stage_idx",
            ),
            models.Index(fields=["ecosystem", "screening_stage"], name="mentor_stage_filter_idx"),
            models.Index(
                fields=["ecosystem", "screening_stage_until"], name="mentor_stage_until_idx"
            ),
            # The partner's browse: mentors at a stage, counted by profile from the index alone
            # (PostgreSQL; `include` is ignored elsewhere).
            models.Index(
                fields=[
                    "ecosystem",
                    "status",
                    "screening_stage",
                    "screening_stage_until",
                    "engine_profile",
                ],
                include=["id", "max_matches"],
                name="mentor_profile_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}

    @property
    def display_name(self) -> str:
        """The mentor's name; never their email address, which is contact data (programs see
        names before a match, contact details only after)."""
        if self.user.name:
            return str(self.user.name)
        return str(_("Mentor no. %(number)s") % {"number": self.pk})

    @property
    def employer_label(self) -> str:
        return self.employer.name if self.employer_id and self.employer else self.employer_name

    def current_step_codes(self, on: datetime.date | None = None) -> frozenset[str]:
        """Codes of the screening steps this mentor holds, verified and unexpired, on `on`."""
        return current_step_codes([self.pk], on).get(self.pk, frozenset())


class ConsentKind(models.TextChoices):
    TERMS = "terms", _("Mentor agreement and code of conduct")
    BACKGROUND_CHECK = "background_check", _("A background check before working with youth")
    IDENTITY = "identity", _("Using my self-identification for matching")
    EMPLOYER = "employer", _("My employer seeing my status and hours")


class Consent(TimeStamped):
    """What a mentor agreed to, when, and to which version of the text; withdrawing keeps the
    record (with `withdrawn_at`), so the history of consent is never lost."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent"), max_length=24, choices=ConsentKind.choices)
    version = models.CharField(_("text version"), max_length=20, default="2026-1")
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["mentor", "kind", "-given_at"]
        indexes: ClassVar = [models.Index(fields=["mentor", "kind"])]

    def __str__(self) -> str:
        return f"{self.mentor}: {self.get_kind_display()}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.mentor.ecosystem_id}


# --- screening -------------------------------------------------------------------------------


class StepKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    INTERVIEW = "interview", _("Interview")
    REFERENCES = "references", _("References")
    BACKGROUND_CHECK = "background_check", _("Background check")
    TRAINING = "training", _("Training")
    CODE_OF_CONDUCT = "code_of_conduct", _("Code of conduct")
    OTHER = "other", _("Other")


# The steps a new ecosystem starts with (MENTOR's Elements of Effective Practice): code,
# kind, name, valid days (None: does not expire), minimum hours, required for direct contact,
# required for supervised (virtual, teacher present) work.
DEFAULT_STEPS: tuple[tuple[str, str, Any, int | None, Decimal | None, bool, bool], ...] = (
    ("application", StepKind.APPLICATION, _("Application"), None, None, True, True),
    ("code_of_conduct", StepKind.CODE_OF_CONDUCT, _("Code of conduct"), 365, None, True, True),
    ("interview", StepKind.INTERVIEW, _("Interview"), None, None, True, False),
    ("references", StepKind.REFERENCES, _("Two references"), None, None, True, False),
    ("background_check", StepKind.BACKGROUND_CHECK, _("Background check"), 730, None, True, False),
    ("training", StepKind.TRAINING, _("Mentor training"), 730, Decimal("2.0"), True, False),
)
# Kinds every direct-contact opportunity requires, whatever the ecosystem configured.
DIRECT_CONTACT_FLOOR = frozenset({StepKind.BACKGROUND_CHECK, StepKind.TRAINING})


class ScreeningStepQuerySet(models.QuerySet["ScreeningStep"]):
    def active(self) -> ScreeningStepQuerySet:
        return self.filter(is_active=True)


class ScreeningStep(TimeStamped):
    """One step of an ecosystem's mentor screening."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="screening_steps"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=StepKind.choices)
    description = models.TextField(_("what it involves"), blank=True, max_length=LONG_TEXT)
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Empty: does not expire.")
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind this many days before expiry"), default=30
    )
    minimum_hours = models.DecimalField(
        _("minimum hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    for_direct_contact = models.BooleanField(
        _("required for in-person or one-to-one work with youth"), default=True
    )
    for_supervised = models.BooleanField(
        _("required for supervised virtual work (a teacher present)"), default=False
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ScreeningStepQuerySet.as_manager()

    # What backbone admins configure (the page's form, the services and the API agree on it).
    EDITABLE_FIELDS: ClassVar = (
        "name",
        "kind",
        "description",
        "valid_days",
        "remind_days_before",
        "minimum_hours",
        "for_direct_contact",
        "for_supervised",
        "position",
        "is_active",
    )

    class Meta:
        ordering: ClassVar = ["ecosystem", "position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ecosystem", "code"], name="screening_step_code")
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}

    @classmethod
    def for_ecosystem(cls, ecosystem: Ecosystem) -> ScreeningStepQuerySet:
        """The ecosystem's steps, created from DEFAULT_STEPS the first time they are asked for."""
        steps = cls.objects.filter(ecosystem=ecosystem)
        if not steps.exists():
            for position, (code, kind, name, days, hours, direct, supervised) in enumerate(
                DEFAULT_STEPS
            ):
                cls.objects.get_or_create(
                    ecosystem=ecosystem,
                    code=code,
                    defaults={
                        "kind": kind,
                        "name": str(name),
                        "valid_days": days,
                        "minimum_hours": hours,
                        "for_direct_contact": direct,
                        "for_supervised": supervised,
                        "position": position,
                    },
                )
        return steps


class ScreeningStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")


class ScreeningRecord(TimeStamped):
    """Where one mentor stands on one step. Renewal updates the record (its history is in the
    audit log). Current = passed, verified by staff, completed, not expired, and for a step
    with minimum hours, at least that many hours."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="screening_records")
    # A step with records cannot be deleted on its own (deactivate it instead); deleting the
    # whole ecosystem takes both.
    step = models.ForeignKey(ScreeningStep, on_delete=models.RESTRICT, related_name="records")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ScreeningStatus.choices,
        default=ScreeningStatus.NOT_STARTED,
    )
    started_on = models.DateField(_("started"), null=True, blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True, db_index=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=LONG_TEXT)
    reminded_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["mentor", "step__position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mentor", "step"], name="screening_record_once"),
            # Passed means verified: the database refuses a pass nobody vouched for.
            models.CheckConstraint(
                condition=~Q(status="passed")
                | (Q(verified_by__isnull=False) & Q(completed_on__isnull=False)),
                name="screening_pass_is_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor}: {self.step} ({self.get_status_display()})"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.mentor.ecosystem_id}

    def is_current(self, on: datetime.date | None = None) -> bool:
        return record_is_current(
            self.status,
            self.verified_by_id,
            self.completed_on,
            self.expires_on,
            self.hours,
            self.step.minimum_hours,
            on or timezone.localdate(),
        )


def record_is_current(
    status: str,
    verified_by_id: int | None,
    completed_on: datetime.date | None,
    expires_on: datetime.date | None,
    hours: Decimal | None,
    minimum_hours: Decimal | None,
    on: datetime.date,
) -> bool:
    """Whether a screening record counts on `on`: passed, verified by staff, completed, not
    expired, and for a step with minimum hours, at least that many (`ScreeningRecord`'s rule,
    on its columns so that `current_step_codes` can read many without building records)."""
    if status != ScreeningStatus.PASSED or verified_by_id is None:
        return False
    if completed_on is None or completed_on > on:
        return False
    if expires_on is not None and expires_on < on:
        return False
    return minimum_hours is None or (hours is not None and hours >= minimum_hours)


def current_step_codes(
    mentor_ids: Iterable[int], on: datetime.date | None = None
) -> dict[int, frozenset[str]]:
    """Mentor id -> codes of the screening steps current on `on` (default today), for many
    mentors in two queries (mentors holding none are left out)."""
    on = on or timezone.localdate()
    mentor_ids = list(mentor_ids)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(mentor_ids), 20000):  # within SQLite's parameter limit
        rows.extend(
            ScreeningRecord.objects.filter(
                mentor_id__in=mentor_ids[start : start + 20000], status=ScreeningStatus.PASSED
            )
            .order_by()
            .values_list(
                "mentor_id", "step_id", "verified_by_id", "completed_on", "expires_on", "hours"
            )
        )
    steps = {
        pk: (code, minimum)
        for pk, code, minimum in ScreeningStep.objects.filter(
            pk__in={row[1] for row in rows}
        ).values_list("pk", "code", "minimum_hours")
    }
    held: dict[int, set[str]] = {}
    for mentor_id, step_id, verified_by_id, completed_on, expires_on, hours in rows:
        code, minimum_hours = steps[step_id]
        passed = ScreeningStatus.PASSED
        if record_is_current(
            passed, verified_by_id, completed_on, expires_on, hours, minimum_hours, on
        ):
            held.setdefault(mentor_id, set()).add(code)
    return {k: frozenset(v) for k, v in held.items()}


# --- opportunities ---------------------------------------------------------------------------


class OpportunityKind(models.TextChoices):
    RELATIONSHIP = "relationship", _("Relationship mentoring")
    CAREER_TALK = "career_talk", _("Career talk")
    JUDGING = "judging", _("Judging")
    WORKSHOP = "workshop", _("Workshop or demonstration")
    PROJECT = "project", _("Project or team support")
    TUTORING = "tutoring", _("Tutoring")


EPISODIC_KINDS = frozenset(
    {OpportunityKind.CAREER_TALK, OpportunityKind.JUDGING, OpportunityKind.WORKSHOP}
)


class OpportunityStatus(models.TextChoices):
    # Contexts: Spanish agrees the adjective with the noun (una oportunidad abierta, un
    # emparejamiento cerrado).
    DRAFT = "draft", pgettext_lazy("opportunity status", "Draft")
    OPEN = "open", pgettext_lazy("opportunity status", "Open")
    CLOSED = "closed", pgettext_lazy("opportunity status", "Closed")


class Opportunity(TimeStamped):
    """A program's need for mentors."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="mentoring_opportunities"
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="mentoring_opportunities"
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    kind = models.CharField(_("kind"), max_length=16, choices=OpportunityKind.choices)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
    )
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.EITHER)
    one_to_one = models.BooleanField(_("one mentor with one young person"), default=False)
    teacher_present = models.BooleanField(
        _("a teacher or program staff member is always present"), default=True
    )
    topics = models.JSONField(_("topics"), default=list, blank=True, validators=[validate_codes])
    skills = models.JSONField(_("skills"), default=list, blank=True, validators=[validate_codes])
    grade_bands = models.JSONField(
        _("grade bands"), default=list, blank=True, validators=[validate_codes]
    )
    language_required = models.CharField(_("language required"), max_length=8, blank=True)
    languages = models.JSONField(
        _("students' languages"), default=list, blank=True, validators=[validate_codes]
    )
    schedule = models.JSONField(
        _("weekly schedule"), default=list, blank=True, validators=[validate_windows]
    )
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    mentors_needed = models.PositiveSmallIntegerField(
        _("mentors needed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    depth = models.CharField(
        _("depth"),
        max_length=8,
        choices=[c for c in MentoringDepth.choices if c[0] != MentoringDepth.NONE],
        default=MentoringDepth.MEDIUM,
    )
    duration_weeks = models.PositiveSmallIntegerField(
        _("duration (weeks)"), default=12, validators=[MinValueValidator(1)]
    )
    hours_per_month = models.PositiveSmallIntegerField(_("hours per month"), default=4)
    students_expected = models.PositiveIntegerField(
        _("students taking part"), null=True, blank=True
    )
    # The program welcomes mentors who share its students' identities (e.g. women engineers for
    # a girls' robotics club); used for matching only when the mentor opted in too.
    welcomes_shared_identity = models.BooleanField(
        _("welcomes mentors who share our students' identities"), default=False
    )
    welcomes_identities = models.JSONField(
        _("identities"), default=list, blank=True, validators=[validate_codes]
    )
    # 0-1 from the access atlas (high-need or rural students) when the atlas has the program.
    equity_priority = models.FloatField(
        _("equity priority"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["ecosystem", "-created_at"]
        verbose_name_plural = _("opportunities")
        indexes: ClassVar = [models.Index(fields=["ecosystem", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}

    @property
    def organization(self) -> Organization:
        """Whose need this is (the rules check partner staff against it)."""
        return self.program.organization

    @property
    def direct_contact(self) -> bool:
        """In person, one-to-one, or without a teacher present: the full screening applies."""
        return self.mode != Mode.VIRTUAL or self.one_to_one or not self.teacher_present

    @staticmethod
    def direct_contact_q(prefix: str = "") -> Q:
        """`direct_contact` as a filter (on opportunities, or through `prefix`, e.g.
        "opportunity__"); a test holds the two to the same answer."""
        return (
            ~Q(**{f"{prefix}mode": Mode.VIRTUAL})
            | Q(**{f"{prefix}one_to_one": True})
            | Q(**{f"{prefix}teacher_present": False})
        )

    @property
    def is_relationship(self) -> bool:
        return self.kind == OpportunityKind.RELATIONSHIP

    def required_steps(self, steps: list[ScreeningStep] | None = None) -> list[ScreeningStep]:
        """The screening steps a mentor must hold, current, to be matched here. `steps`: the
        ecosystem's steps when the caller has them loaded (inactive ones are skipped)."""
        if steps is None:
            steps = list(ScreeningStep.for_ecosystem(self.ecosystem))
        active = [s for s in steps if s.is_active]
        if self.direct_contact:
            return [s for s in active if s.for_direct_contact or s.kind in DIRECT_CONTACT_FLOOR]
        return [s for s in active if s.for_supervised]

    def missing_floor(self, steps: list[ScreeningStep] | None = None) -> list[str]:
        """Kinds of the safety floor the ecosystem has no active step for (a direct-contact
        opportunity cannot be matched until it has)."""
        if not self.direct_contact:
            return []
        if steps is None:
            steps = list(ScreeningStep.for_ecosystem(self.ecosystem))
        have = {s.kind for s in steps if s.is_active}
        return sorted(k for k in DIRECT_CONTACT_FLOOR if k not in have)


# --- matching rounds and matches -------------------------------------------------------------


class RoundMode(models.TextChoices):
    SCORE = "score", _("Highest total score")
    PARTICIPATION = "participation", _("Most programs get a mentor")
    STABLE = "stable", _("Stable (both sides' rankings)")


class RoundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    DISCARDED = "discarded", _("Discarded")
    FAILED = "failed", _("Failed")


class MatchingRound(TimeStamped):
    """One run of the matching engine over the ecosystem's open opportunities and available
    mentors. Its proposals are `Match`es in status proposed, seen by backbone staff only until
    the round is published."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="matching_rounds"
    )
    name = models.CharField(_("name"), max_length=120)
    mode = models.CharField(
        _("optimise for"), max_length=16, choices=RoundMode.choices, default=RoundMode.SCORE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.QUEUED
    )
    weights = models.JSONField(_("score weights"), default=dict, blank=True)
    # Propose a pair only when the mentor offers at least one of the topics or skills the
    # opportunity asks for (an opportunity that asks for none takes anyone).
    require_shared_topic = models.BooleanField(
        _("propose only mentors who share a topic with the opportunity"), default=True
    )
    # Figures of the last solve: mentors, opportunities, edges, objective, covered, seconds,
    # greedy_objective, ...
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # How far the task computing the round (or re-solving it) has come, for the page to show.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=12, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["ecosystem", "-created_at"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}

    @property
    def is_interrupted(self) -> bool:
        """Queued or computing long after any computation ends: its task was lost."""
        return is_stale(self.status, self.updated_at)


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (in review)")
    OFFERED = "offered", _("Awaiting acceptance")
    ACCEPTED = "accepted", pgettext_lazy("match status", "Accepted")
    ACTIVE = "active", pgettext_lazy("match status", "Active")
    CLOSED = "closed", pgettext_lazy("match status", "Closed")
    DECLINED = "declined", pgettext_lazy("match status", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("match status", "Withdrawn")
    # The mentor's screening stopped covering the work (a step revoked, failed or lapsed, the
    # work or the step settings changed): not live, nobody meets until staff resume it.
    ON_HOLD = "on_hold", pgettext_lazy("match status", "On hold")


# Statuses in which a match must be safe (its mentor screened for the work: `Match.save`).
LIVE_STATUSES = frozenset(
    {MatchStatus.PROPOSED, MatchStatus.OFFERED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE}
)
# Statuses in which a match holds a place on both sides (the mentor's limit, the opportunity's
# mentors needed): live and out of review. A round's proposal is backbone staff's draft: it
# holds places only inside its own round, and its round checks them again when publishing.
HOLDING_STATUSES = LIVE_STATUSES - {MatchStatus.PROPOSED}


def holding(prefix: str = "") -> Q:
    """The matches that hold a place on both sides (`HOLDING_STATUSES`); `prefix` leads to the
    match from another model ("matches__" from a mentor or an opportunity)."""
    return Q(**{f"{prefix}status__in": sorted(HOLDING_STATUSES)})


def published(prefix: str = "") -> Q:
    """The matches people outside the backbone see: every match but a round's proposal that
    never went out (still in review, or withdrawn in review when its round was discarded or
    published without it, or when its mentor's screening lapsed). `prefix` as for `holding`."""
    went_out = Q(**{f"{prefix}round__isnull": True}) | Q(**{f"{prefix}published_at__isnull": False})
    return went_out & ~Q(**{f"{prefix}status": MatchStatus.PROPOSED})


class MatchSource(models.TextChoices):
    ENGINE = "engine", _("Matching round")
    MENTOR = "mentor", _("Mentor asked to join")
    PROGRAM = "program", _("Program invited")
    STAFF = "staff", _("Backbone staff")


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class ClosureKind(models.TextChoices):
    PLANNED = "planned", _("Planned: reached its agreed end")
    EARLY = "early", _("Early")


class MatchSafetyError(ValidationError):
    """A match would put a mentor without current, verified screening into work that needs it."""


def unsafe_matches(
    matches: Sequence[Match], on: datetime.date | None = None
) -> list[tuple[Match, MatchSafetyError]]:
    """The live matches among `matches` (saved or not) that `Match.safety_problem` refuses on
    `on` (default today), each with its reason: what `Match.save` and the bulk paths of
    `MatchQuerySet` check before writing. The mentors' screening is read in one query and each
    ecosystem's steps in one, whatever the number of matches (their opportunities should be
    loaded, as they are when the caller builds the matches from its own lists)."""
    on = on or timezone.localdate()
    live = [m for m in matches if m.status in LIVE_STATUSES]
    if not live:
        return []
    held = current_step_codes({m.mentor_id for m in live}, on)
    steps: dict[int, list[ScreeningStep]] = {}
    unsafe = []
    for match in live:
        opportunity = match.opportunity
        if opportunity.ecosystem_id not in steps:
            steps[opportunity.ecosystem_id] = list(
                ScreeningStep.for_ecosystem(opportunity.ecosystem)
            )
        problem = match.safety_problem(
            on, steps[opportunity.ecosystem_id], held.get(match.mentor_id, frozenset())
        )
        if problem is not None:
            unsafe.append((match, problem))
    return unsafe


class MatchQuerySet(models.QuerySet["Match"]):
    """Writing many matches at once goes through the same youth-safety rule as `Match.save`
    (`unsafe_matches`): `bulk_create` and `bulk_update` refuse the whole batch
    (MatchSafetyError, nothing written) when one live match in it is unsafe. (`update()` on a
    queryset of matches skips the rule: nothing in Ecotone changes a match's status or people
    with it.)"""

    def _refuse_unsafe(self, objs: Sequence[Match]) -> None:
        unsafe = unsafe_matches(objs)
        if unsafe:
            raise unsafe[0][1]

    def bulk_create(self, objs: Iterable[Match], *args: Any, **kwargs: Any) -> list[Match]:
        objs = list(objs)
        self._refuse_unsafe(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[Match], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        objs = list(objs)
        self._refuse_unsafe(objs)
        return super().bulk_update(objs, fields, batch_size=batch_size)


class Match(TimeStamped):
    """A mentor and an opportunity, from proposal to closure."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="matches")
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="matches")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="matches")
    round = models.ForeignKey(
        MatchingRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches"
    )
    source = models.CharField(_("source"), max_length=8, choices=MatchSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.OFFERED
    )
    locked = models.BooleanField(_("locked by a reviewer"), default=False)
    score = models.IntegerField(_("score"), null=True, blank=True)
    score_breakdown = models.JSONField(_("why"), default=dict, blank=True)
    in_person = models.BooleanField(_("in person"), default=False)
    distance_mi = models.FloatField(_("distance (miles)"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=SHORT_TEXT)
    mentor_accepted_at = models.DateTimeField(_("mentor accepted"), null=True, blank=True)
    program_accepted_at = models.DateTimeField(_("program accepted"), null=True, blank=True)
    program_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(_("reason"), blank=True, max_length=SHORT_TEXT)
    # The match agreement (MENTOR's Elements): how often, how long, from when.
    frequency = models.CharField(_("meets"), max_length=10, choices=Frequency.choices, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(_("duration (weeks)"), null=True, blank=True)
    start_on = models.DateField(_("starts"), null=True, blank=True)
    expected_end_on = models.DateField(_("expected end"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    closure_kind = models.CharField(
        _("closure"), max_length=8, choices=ClosureKind.choices, blank=True
    )
    closure_reason = models.TextField(_("closure reason"), blank=True, max_length=SHORT_TEXT)
    closure_survey = models.JSONField(_("closure survey"), default=dict, blank=True)
    rematch_requested = models.BooleanField(_("mentor would like a new match"), default=False)
    # On hold: the live status it had, when and why (resuming returns it there).
    held_from = models.CharField(
        _("status before the hold"), max_length=10, choices=MatchStatus.choices, blank=True
    )
    held_at = models.DateTimeField(_("put on hold"), null=True, blank=True)
    hold_reason = models.TextField(_("why it is on hold"), blank=True)
    # When a round's proposal went out to both sides; empty for one that never did (and for
    # every match made outside a round).
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["ecosystem", "-created_at"]
        verbose_name_plural = _("matches")
        constraints: ClassVar = [
            # A proposal in review may share its pair with a request made meanwhile (nobody
            # outside the backbone sees it); publishing then refuses the proposal.
            models.UniqueConstraint(
                fields=["mentor", "opportunity"],
                condition=Q(status__in=sorted(HOLDING_STATUSES)),
                name="one_live_match_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | (Q(start_on__isnull=False) & ~Q(frequency="")),
                name="active_match_has_agreement",
            ),
            models.CheckConstraint(
                condition=~Q(status="on_hold") | Q(held_from__in=sorted(LIVE_STATUSES)),
                name="match_on_hold_remembers_its_status",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["ecosystem", "status"]),
            models.Index(fields=["opportunity", "status"]),
            models.Index(fields=["mentor", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} - {self.opportunity}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}

    @property
    def organization(self) -> Organization:
        return self.opportunity.program.organization

    def missing_steps(
        self,
        on: datetime.date | None = None,
        steps: list[ScreeningStep] | None = None,
        held: frozenset[str] | None = None,
    ) -> list[ScreeningStep]:
        """The required steps the mentor does not hold, current, on `on` (default today).
        `steps`: the ecosystem's steps, `held`: the mentor's current step codes, when the
        caller has them loaded."""
        if held is None:
            held = self.mentor.current_step_codes(on)
        return [s for s in self.opportunity.required_steps(steps) if s.code not in held]

    def safety_problem(
        self,
        on: datetime.date | None = None,
        steps: list[ScreeningStep] | None = None,
        held: frozenset[str] | None = None,
    ) -> MatchSafetyError | None:
        """The youth-safety rule, in one place: why this pair may not be live on `on` (default
        today), or None. The mentor must hold, current, every step the opportunity requires,
        and a direct-contact opportunity needs the ecosystem's safety floor configured.
        `steps` and `held` as for `missing_steps` (lists pass them to avoid queries)."""
        if steps is None:
            steps = list(ScreeningStep.for_ecosystem(self.opportunity.ecosystem))
        floor = self.opportunity.missing_floor(steps)
        if floor:
            return MatchSafetyError(
                _(
                    "This opportunity has direct contact with young people, and the ecosystem "
                    "has no active screening step for: %(kinds)s."
                ),
                params={"kinds": ", ".join(str(StepKind(k).label) for k in floor)},
                code="no_safety_floor",
            )
        missing = self.missing_steps(on, steps, held)
        if missing:
            return MatchSafetyError(
                _("%(mentor)s has no current, verified screening for: %(steps)s."),
                params={"mentor": self.mentor, "steps": ", ".join(s.name for s in missing)},
                code="unscreened",
            )
        return None

    def check_safe(self, on: datetime.date | None = None) -> None:
        """Raise MatchSafetyError unless the mentor holds every step the opportunity requires
        (and the ecosystem has the safety floor configured), whatever the match's status."""
        problem = self.safety_problem(on)
        if problem is not None:
            raise problem

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Youth safety at the model layer: a live match is checked against the mentor's
        screening every time it is saved (created, moved into a live status, or changed while
        live), so nothing carries on a match its mentor is no longer screened for."""
        unsafe = unsafe_matches([self])
        if unsafe:
            raise unsafe[0][1]
        super().save(*args, **kwargs)


class CheckIn(TimeStamped):
    """A scheduled check-in on an active relationship match: twice in the first month, then
    monthly (MENTOR's Elements). `done_on` empty: still due."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="check_ins")
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The short survey: how it is going (1-5), meeting as agreed, anything staff should know.
    rating = models.PositiveSmallIntegerField(
        _("how is it going (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    meeting_as_agreed = models.BooleanField(_("meeting as agreed"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=LONG_TEXT)
    needs_attention = models.BooleanField(_("staff should follow up"), default=False)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["match", "due_on"]
        indexes: ClassVar = [models.Index(fields=["due_on", "done_on"])]

    def __str__(self) -> str:
        return f"{self.match} check-in {self.due_on}"


class HourStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class HourLog(TimeStamped):
    """Time a mentor gave on a match; program staff (or backbone) approve it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="hour_logs")
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="hour_logs")
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="hour_logs")
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    activity = models.CharField(_("what you did"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HourStatus.choices, default=HourStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["-date", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["ecosystem", "status"]),
            models.Index(fields=["mentor", "date"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="hour_log_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor}: {self.hours} h on {self.date}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}

    @property
    def organization(self) -> Organization:
        return self.match.organization


class Notice(models.Model):
    """An email sent (or due) once: the key makes reminders idempotent, so a task run twice
    sends nothing twice."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "key", "recipient"], name="notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} -> {self.recipient}"
