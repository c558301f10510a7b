"""Shared measurement: the indicators an ecosystem agrees on, the periods they are counted over,
the codes partners' values are broken down by, and the values themselves.

The standard code tables (sex, race/ethnicity, ...) are data in `codes.py`, not rows: they are
the same for every ecosystem. What an ecosystem adds is its crosswalk (`CodeCrosswalk`): a
partner's own spelling of a code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, Organization, TimeStamped
from ecotone.uploads import Upload, upload_path

from . import codes


class Unit(models.TextChoices):
    COUNT = "count", _("Count")
    PERCENT = "percent", _("Percent (numerator over denominator)")
    MEAN = "mean", _("Mean")
    SCALE_SCORE = "scale_score", _("Scale score")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    # Percentages, means and scale scores are recomputed from summed numerators and
    # denominators (for a mean: the sum of the values over the number of people): never the
    # average of percentages, which weighs a partner of 5 like one of 5,000.
    RATIO_OF_SUMS = "ratio_of_sums", _("Ratio of summed numerators and denominators")


# The one aggregation each unit allows.
AGGREGATION_OF_UNIT = {
    Unit.COUNT: Aggregation.SUM,
    Unit.PERCENT: Aggregation.RATIO_OF_SUMS,
    Unit.MEAN: Aggregation.RATIO_OF_SUMS,
    Unit.SCALE_SCORE: Aggregation.RATIO_OF_SUMS,
}


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    NEUTRAL = "neutral", _("Neither (context only)")


class PeriodType(models.TextChoices):
    SCHOOL_YEAR = "school_year", _("School year")
    TERM = "term", _("Term")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


def dimension_choices() -> list[tuple[str, str]]:
    return [(key, option_set.en) for key, option_set in codes.OPTION_SETS.items()]


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def active(self) -> IndicatorQuerySet:
        return self.filter(archived_at__isnull=True)

    def published(self) -> IndicatorQuerySet:
        return self.active().filter(is_published=True)


class Indicator(TimeStamped):
    """A common indicator: what is counted, in what unit, how partners' values add up, and
    what it is broken down by. Every saved change is a new `IndicatorVersion`; `version` is
    the number of the current one."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("ecosystem")
    )
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=160)
    definition = models.TextField(_("definition"), max_length=4000)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    aggregation = models.CharField(_("aggregation"), max_length=20, choices=Aggregation.choices)
    numerator = models.CharField(
        _("numerator"), max_length=300, blank=True, help_text=_("What is counted above the line.")
    )
    denominator = models.CharField(
        _("denominator"), max_length=300, blank=True, help_text=_("What it is counted out of.")
    )
    direction = models.CharField(
        _("desired direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    period_type = models.CharField(
        _("period type"), max_length=20, choices=PeriodType.choices, default=PeriodType.SCHOOL_YEAR
    )
    # Keys of codes.OPTION_SETS, in the order the breakdowns are shown.
    dimensions = models.JSONField(_("broken down by"), default=list, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # The starter-library entry it was installed from, if any (kept when the backbone edits it).
    starter_key = models.SlugField(_("starter library entry"), max_length=60, blank=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "key"], name="indicator_key_unique"),
            # never average percentages: a count sums, everything else is a ratio of sums
            models.CheckConstraint(
                condition=(Q(unit=Unit.COUNT) & Q(aggregation=Aggregation.SUM))
                | (~Q(unit=Unit.COUNT) & Q(aggregation=Aggregation.RATIO_OF_SUMS)),
                name="indicator_aggregation_fits_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}

    def get_absolute_url(self) -> str:
        return reverse("measures:indicator", args=[self.ecosystem.slug, self.key])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == Aggregation.RATIO_OF_SUMS

    def dimension_labels(self, language: str) -> list[str]:
        return [
            codes.OPTION_SETS[d].label(language) for d in self.dimensions if d in codes.OPTION_SETS
        ]


# What a version keeps of its indicator: its meaning, not its publication or archiving.
VERSIONED_FIELDS = (
    "name",
    "definition",
    "unit",
    "aggregation",
    "numerator",
    "denominator",
    "direction",
    "period_type",
    "dimensions",
)


class IndicatorVersion(models.Model):
    """An indicator as it was defined from `created_at` until the next version: values keep
    the version they were collected under, so a changed definition never rewrites history."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="versions", verbose_name=_("indicator")
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))  # VERSIONED_FIELDS as they were
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["indicator", "-number"]
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "number"], name="indicator_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} v{self.number}"


class Period(TimeStamped):
    """A stretch of time values are counted over (a school year, a term, a quarter, a month)."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="periods", verbose_name=_("ecosystem")
    )
    type = models.CharField(_("type"), max_length=20, choices=PeriodType.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("label"), max_length=60)

    class Meta:
        ordering = ["-start", "type", "pk"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem", "type", "start"], name="period_unique_start"
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_ordered"),
        ]

    def __str__(self) -> str:
        return self.label

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}


class DimensionCombo(models.Model):
    """One combination of dimension codes a value is broken down by, e.g. sex=Female and
    race=Asian; the empty combination is the total. `key` is the sorted "dimension=code" pairs
    joined by ";", so one combination has one row whichever order it was named in, and a
    value's row stays narrow (one integer instead of a column per dimension)."""

    key = models.CharField(_("key"), max_length=400, unique=True)
    parts = models.JSONField(_("codes"), default=dict)  # {"race": "Asian", "sex": "Female"}

    class Meta:
        ordering = ["key"]
        verbose_name = _("dimension combination")
        verbose_name_plural = _("dimension combinations")

    def __str__(self) -> str:
        return self.key or "total"

    @staticmethod
    def key_of(parts: dict[str, str]) -> str:
        return ";".join(f"{d}={c}" for d, c in sorted(parts.items()))


class Value(models.Model):
    """The fact table: one number of one indicator, for one period, one organization (none for
    an ecosystem-wide source such as a public file) and one combination of codes.

    It is deliberately narrow (integer keys and three numbers) because it is the table that
    grows: a national deployment holds about 100 million rows. The dashboard's query reads one
    indicator and one period of one ecosystem, which the (ecosystem, indicator, period) index
    serves. Past one machine it grows without code changes: in PostgreSQL, partition it by list
    on `ecosystem_id` and by range on the period (every query names both), put the dashboards'
    reads on replicas (`ecotone/replicas.py`), and with Citus distribute it by `ecosystem_id`
    (every key and every query carries it, so a dashboard runs on one node).

    A count has `value`; a ratio (percent, mean, scale score) has `numerator` and `denominator`
    and `value` is their ratio, kept for reading; sums always recompute from the parts.
    """

    # Three keys have no index of their own: the composite indexes below start with them, and
    # on the table that grows every index slows each approval's write (benchmarks/measures.py:
    # ten indexes took about half of a million-value approval).
    # No key is a foreign-key constraint in the database (db_constraint=False): PostgreSQL
    # checks one per row and key, seven checks a row, which took 55 of the 76 s of writing a
    # million values. Every key written comes from rows the writer read in its transaction
    # (`facts`), and deleting what a value points to goes through Django, which still cascades
    # or protects (on_delete) as before.
    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("ecosystem"),
        db_constraint=False,
        db_index=False,
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="values",
        verbose_name=_("indicator"),
        db_constraint=False,
        db_index=False,
    )
    indicator_version = models.PositiveIntegerField(_("indicator version"))
    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        related_name="values",
        verbose_name=_("period"),
        db_constraint=False,
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
        db_constraint=False,
    )
    combo = models.ForeignKey(
        DimensionCombo,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("codes"),
        db_constraint=False,
        db_index=False,
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True)
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=4, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=4, null=True)
    # The partner submission the value came from (none for a public file).
    submission = models.ForeignKey(
        "Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="values",
        verbose_name=_("submission"),
        db_constraint=False,
    )
    # The public file the value came from (an ecosystem-wide source: no organization).
    source = models.ForeignKey(
        "PublicSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="values",
        verbose_name=_("public source"),
        db_constraint=False,
    )

    class Meta:
        # No default ordering, unlike the other models: on the table that grows to 100 million
        # rows an implicit ORDER BY on every query would sort what the dashboard only sums.
        verbose_name = _("value")
        verbose_name_plural = _("values")
        indexes = [
            models.Index(fields=["ecosystem", "indicator", "period"], name="value_dashboard_idx"),
        ]
        constraints = [
            # one value per cell; a NULL organization (an ecosystem-wide source) is a cell too
            models.UniqueConstraint(
                fields=["indicator", "period", "organization", "combo"],
                condition=Q(organization__isnull=False),
                name="value_one_per_cell",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period", "combo"],
                condition=Q(organization__isnull=True),
                name="value_one_per_ecosystem_cell",
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gte=0),
                name="value_denominator_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.period_id}/{self.combo_id}: {self.value}"


def _agreement_upload_to(agreement: DataSharingAgreement, filename: str) -> str:
    return upload_path("measures-agreements", agreement, filename)


class DataSharingAgreement(TimeStamped):
    """What a partner agreed to share: which indicators (its scope), who signed, from when
    until when, and the signed file. A submission is checked against the partner's agreements
    current on the day it is checked: a row of an indicator none of them covers is refused
    (`outside_agreement`)."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="data_sharing_agreements",
        verbose_name=_("ecosystem"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="data_sharing_agreements",
        verbose_name=_("organization"),
    )
    indicators = models.ManyToManyField(
        Indicator, related_name="agreements", verbose_name=_("indicators covered")
    )
    signatories = models.TextField(
        _("signed by"), max_length=2000, help_text=_("One name and role a line.")
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    file = models.FileField(
        _("signed agreement"), upload_to=_agreement_upload_to, max_length=400, blank=True
    )

    class Meta:
        ordering = ["organization", "-starts_on", "pk"]
        verbose_name = _("data sharing agreement")
        verbose_name_plural = _("data sharing agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.starts_on}–{self.ends_on or ''}"

    @property
    def is_current(self) -> bool:
        """In force today (`services.agreements.current` is the same rule as a query)."""
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}


class DataCollection(TimeStamped):
    """A round of collection the backbone opens: which indicators, for which periods, from
    which partners, due when, and when to remind the partners that have not submitted (N days
    before the due date, and once overdue). Submissions may name it; the check then refuses
    rows outside its indicators and periods (`outside_collection`)."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="data_collections",
        verbose_name=_("ecosystem"),
    )
    name = models.CharField(_("name"), max_length=160)
    indicators = models.ManyToManyField(
        Indicator, related_name="collections", verbose_name=_("indicators")
    )
    periods = models.ManyToManyField(Period, related_name="collections", verbose_name=_("periods"))
    organizations = models.ManyToManyField(
        Organization, related_name="data_collections", verbose_name=_("partners")
    )
    due_on = models.DateField(_("due date"))
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind days before the due date"),
        default=7,
        help_text=_("0: no reminder before the due date."),
    )
    remind_when_overdue = models.BooleanField(_("remind when overdue"), default=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "name", "pk"]
        verbose_name = _("data collection")
        verbose_name_plural = _("data collections")
        indexes = [models.Index(fields=["ecosystem", "due_on"], name="collection_due_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}

    def get_absolute_url(self) -> str:
        return reverse("measures:collection", args=[self.ecosystem.slug, self.pk])


class ReminderStage(models.TextChoices):
    BEFORE_DUE = "before_due", _("Before the due date")
    OVERDUE = "overdue", _("Overdue")


class CollectionReminder(models.Model):
    """A reminder sent to one partner about one collection, at one stage: kept so that no
    stage is sent twice. The due date is part of the key: moving it sends the stage again."""

    collection = models.ForeignKey(
        DataCollection, on_delete=models.CASCADE, related_name="reminders"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("stage"), max_length=20, choices=ReminderStage.choices)
    due_on = models.DateField(_("due date"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["collection", "organization", "sent_at"]
        verbose_name = _("collection reminder")
        verbose_name_plural = _("collection reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "organization", "stage", "due_on"],
                name="collection_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}/{self.organization_id} {self.stage} {self.due_on}"


class Review(models.TextChoices):
    DRAFT = "draft", _("Not submitted")
    SUBMITTED = "submitted", _("Submitted, waiting for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with comments")
    SUPERSEDED = "superseded", _("Superseded by a later submission")


def _submission_upload_to(run: Submission, filename: str) -> str:
    return upload_path("measures-submissions", run, filename)


class Submission(TimeStamped, Upload):
    """A partner's file of values: kept as received and checked (the lifecycle of
    `ecotone.uploads`), submitted by the partner, then approved by the backbone (applying it:
    its values become the partner's current ones) or returned with comments.

    `status` is the file's (checked, has problems, applied...); `review` is the partner's and
    the backbone's. A later approved submission covering the same indicators and periods
    replaces the earlier one's values; the earlier one is then `superseded` and keeps its file
    and its report (what it held)."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("ecosystem")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="measure_submissions",
        verbose_name=_("organization"),
    )
    file = models.FileField(_("file"), upload_to=_submission_upload_to, max_length=400)
    review = models.CharField(
        _("review"), max_length=20, choices=Review.choices, default=Review.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_comment = models.TextField(_("comments"), max_length=4000, blank=True)
    collection = models.ForeignKey(
        DataCollection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("data collection"),
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superseded by"),
    )

    class Meta(Upload.Meta):
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [
            models.Index(fields=["ecosystem", "review"], name="submission_review_idx"),
        ]

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}

    def get_absolute_url(self) -> str:
        return reverse("measures:submission", args=[self.ecosystem.slug, self.pk])


class PublicFormat(models.TextChoices):
    CCD_MEMBERSHIP = "ccd_membership", _("NCES CCD membership by race and sex")
    PERKINS = "perkins", _("State Perkins CTE file")


def _source_upload_to(run: PublicSource, filename: str) -> str:
    return upload_path("measures-public", run, filename)


class PublicSource(TimeStamped, Upload):
    """A published aggregate file imported for the whole ecosystem, beside the partners'
    submissions: NCES CCD membership by race and sex, or a state's Perkins CTE file. It goes
    through the upload lifecycle (`ecotone.uploads`): kept as received, checked, applied whole
    or not at all. Its values have no organization and name it as their `source`; applying a
    later file of the same format, indicators and periods replaces them."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="public_sources",
        verbose_name=_("ecosystem"),
    )
    format = models.CharField(_("format"), max_length=20, choices=PublicFormat.choices)
    file = models.FileField(_("file"), upload_to=_source_upload_to, max_length=400)
    # What a CCD file's membership is counted as (a Perkins file names its years and its
    # indicators are the starter library's CTE ones).
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator"),
    )
    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school year"),
    )

    class Meta(Upload.Meta):
        verbose_name = _("public source")
        verbose_name_plural = _("public sources")

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}

    def get_absolute_url(self) -> str:
        return reverse("measures:public_source", args=[self.ecosystem.slug, self.pk])


class CodeCrosswalk(TimeStamped):
    """A partner's own spelling of a common code, kept as data: "F" or "Girl" means sex
    Female, a state's descriptor URI means race Asian. Without an organization it holds for
    the whole ecosystem; an organization's own entry wins over the ecosystem's."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="code_crosswalk",
        verbose_name=_("ecosystem"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    dimension = models.CharField(_("dimension"), max_length=40, choices=dimension_choices)
    local_code = models.CharField(_("their code"), max_length=300)
    code = models.CharField(_("common code"), max_length=60)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["dimension", "local_code", "pk"]
        verbose_name = _("code crosswalk entry")
        verbose_name_plural = _("code crosswalk")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem", "organization", "dimension", "local_code"],
                condition=Q(organization__isnull=False),
                name="crosswalk_one_meaning_per_partner",
            ),
            models.UniqueConstraint(
                fields=["ecosystem", "dimension", "local_code"],
                condition=Q(organization__isnull=True),
                name="crosswalk_one_meaning",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.local_code} -> {self.code}"

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Matched as the tables match: case and spacing do not change a local code.
        self.local_code = " ".join(self.local_code.split())
        super().save(*args, **kwargs)


# Unduplicated reach (issue 17, docs/reach.md) ----------------------------------------------------


class LinkageEpoch(TimeStamped):
    """One linkage secret's years. The backbone's data steward generates the secret and gives it
    to partners out of band; the server keeps only its check value (`linkage.check_value`), so
    it can tell a wrong secret but never learns it. Rosters link only within one epoch: rotating
    the secret starts a new one from `first_year` (a school year by the year it starts in)."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="linkage_epochs",
        verbose_name=_("ecosystem"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    first_year = models.PositiveSmallIntegerField(
        _("first school year"), help_text=_("The year the first school year it covers starts in.")
    )
    check_value = models.CharField(_("check value"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["ecosystem", "-first_year"]
        verbose_name = _("linkage epoch")
        verbose_name_plural = _("linkage epochs")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "number"], name="epoch_unique_number"),
            models.UniqueConstraint(
                fields=["ecosystem", "first_year"], name="epoch_unique_first_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ecosystem_id}/{self.number} ({self.first_year}-)"

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}


class Roster(TimeStamped):
    """A partner's participation roster for one program and one period, encoded in the
    partner's browser: its rows hold keyed hashes, CLKs and dimension codes, never a name or a
    birth date (design.md section 4). A new roster for the same program and period replaces the
    old one."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="+", verbose_name=_("ecosystem")
    )
    epoch = models.ForeignKey(
        LinkageEpoch,
        on_delete=models.CASCADE,
        related_name="rosters",
        verbose_name=_("linkage epoch"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    program = models.ForeignKey(
        "directory.Program",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("program"),
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="rosters", verbose_name=_("period")
    )
    row_count = models.PositiveIntegerField(_("rows"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    class Meta:
        ordering = ["-period__start", "organization__name", "pk"]
        verbose_name = _("participation roster")
        verbose_name_plural = _("participation rosters")
        constraints = [
            models.UniqueConstraint(fields=["program", "period"], name="roster_one_per_program"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.period_id}: {self.row_count}"

    def get_additional_data(self) -> dict[str, Any]:
        # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
        return {"ecosystem_id": self.ecosystem_id}


class RosterRow(models.Model):
    """One young person on a roster, as the browser encoded them (`linkage.Encoded`): the
    exact keyed hash, the CLK and the keyed blocking key, all binary; the dimension codes as a
    `DimensionCombo`; and, once the epoch is linked, the person it is (numbered within the
    epoch). Nothing here is ever sent back out: the reports read only counts."""

    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="entries", verbose_name=_("roster")
    )
    exact = models.BinaryField(_("exact hash"), max_length=32)
    clk = models.BinaryField(_("CLK"), max_length=128)
    block = models.BinaryField(_("blocking key"), max_length=8)
    combo = models.ForeignKey(
        DimensionCombo,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("codes"),
        db_constraint=False,
        db_index=False,
    )
    person = models.PositiveIntegerField(_("person"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster row")
        verbose_name_plural = _("roster rows")

    def __str__(self) -> str:
        return f"{self.roster_id}/{self.pk}"


class LinkageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LinkageRun(TimeStamped):
    """One linkage of an epoch's rosters: who is one person, and the figures the reach pages
    publish from it. `figures` holds the linkage quality the backbone sees (rows, exact links,
    candidate pairs, CLK links, people, seconds)."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="+", verbose_name=_("ecosystem")
    )
    epoch = models.ForeignKey(
        LinkageEpoch, on_delete=models.CASCADE, related_name="runs", verbose_name=_("epoch")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LinkageStatus.choices, default=LinkageStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")

    def __str__(self) -> str:
        return f"{self.epoch_id}: {self.status}"
