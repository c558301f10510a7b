"""The program directory, aligned with Open Referral HSDS 3.0.

HSDS calls a program a *service*; Ecotone says Program in its code and pages and `service` in
HSDS imports and exports. Every HSDS record keeps a stable `hsds_id` (UUID) so that an export
imported elsewhere, and imported back, stays the same record. Organizations are the ecosystem's
partner organizations (`ecosystems.Organization`).

The STEM profile HSDS lacks (grade bands, STEM fields, activity types, focus populations) is
carried as taxonomy terms of the Ecotone taxonomy linked through `ProgramAttribute`, exactly as
HSDS attributes link services to terms; the single-valued parts (delivery, cost band, mentoring
depth, seats, term, transportation, scholarships, participants last year) are plain fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, Organization, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT
from ecotone.uploads import Upload, UploadStatus, upload_path


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class Taxonomy(TimeStamped):
    """A vocabulary of terms (HSDS taxonomy): Ecotone's STEM profile, or one that was imported."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="taxonomies",
        help_text=_("Empty for vocabularies every ecosystem shares."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    uri = models.URLField(_("address"), blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(TimeStamped):
    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.CASCADE, related_name="terms")
    code = models.CharField(_("code"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    # For Ecotone's own taxonomy: which STEM-profile facet the term belongs to.
    facet = models.CharField(_("facet"), max_length=40, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    term_uri = models.URLField(_("term address"), blank=True)

    class Meta:
        ordering = ["taxonomy", "facet", "code"]
        verbose_name = _("taxonomy term")
        verbose_name_plural = _("taxonomy terms")
        constraints = [
            models.UniqueConstraint(
                fields=["taxonomy", "code"],
                condition=~models.Q(code=""),
                name="taxonomy_term_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProgramStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIRTUAL = "virtual", _("Virtual")
    HYBRID = "hybrid", _("Hybrid")


class CostBand(models.TextChoices):
    FREE = "free", _("Free")
    LOW = "low", _("Under $50")
    MODERATE = "moderate", _("$50 to $200")
    HIGH = "high", _("Over $200")


class MentoringDepth(models.TextChoices):
    NONE = "none", _("No mentoring")
    LIGHT = "light", _("Light (1–5 hours with a mentor)")
    MEDIUM = "medium", _("Medium (6–10 hours)")
    DEEP = "deep", _("Deep (more than 10 hours)")


class Term(models.TextChoices):
    SCHOOL_YEAR = "school_year", _("School year")
    FALL = "fall", _("Fall")
    SPRING = "spring", _("Spring")
    SUMMER = "summer", _("Summer")
    YEAR_ROUND = "year_round", _("Year-round")
    ONE_TIME = "one_time", _("One-time event")


# Addresses under /e/<slug>/programs/ that are pages, not programs.
RESERVED_PROGRAM_SLUGS = frozenset({"imports", "spreadsheet", "export", "map-geojson", "new"})


class ProgramQuerySet(models.QuerySet["Program"]):
    def listed(self) -> ProgramQuerySet:
        """What the public directory shows: not archived, not defunct."""
        return self.filter(archived_at__isnull=True).exclude(status=ProgramStatus.DEFUNCT)

    def free_slug(self, name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
        """A slug made from `name` that no program here, nor `taken`, nor a page address uses."""
        base = slugify(name)[:100] or "program"
        candidate, n = base, 2
        while (
            candidate in RESERVED_PROGRAM_SLUGS
            or candidate in taken
            or self.filter(slug=candidate).exists()
        ):
            candidate, n = f"{base}-{n}", n + 1
        return candidate


class Program(TimeStamped):
    """A STEM program or asset (HSDS service) run by a partner organization."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    # The HSDS id of its phone, when an import gave one; empty, the export derives it from the
    # program's (`hsds.export.derived_id`).
    phone_hsds_id = models.UUIDField(null=True, blank=True, editable=False)
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="programs")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="programs"
    )
    slug = models.SlugField(_("short name in addresses"), max_length=120)
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("also known as"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    interpretation_services = models.TextField(
        _("interpretation services"), blank=True, max_length=LONG_TEXT
    )
    application_process = models.TextField(_("how to apply"), blank=True, max_length=LONG_TEXT)
    fees_description = models.TextField(_("fees"), blank=True, max_length=LONG_TEXT)
    wait_time = models.CharField(_("wait time"), max_length=200, blank=True)
    accreditations = models.TextField(_("accreditations"), blank=True, max_length=LONG_TEXT)
    licenses = models.TextField(_("licenses"), blank=True, max_length=LONG_TEXT)
    eligibility_description = models.TextField(
        _("who can take part"), blank=True, max_length=LONG_TEXT
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(99)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(99)]
    )
    alert = models.TextField(_("alert"), blank=True, max_length=SHORT_TEXT)
    assured_date = models.DateField(_("last verified"), null=True, blank=True)
    assurer_email = models.EmailField(_("verified by"), blank=True)

    # STEM profile: single-valued parts (multi-valued ones are taxonomy terms).
    delivery = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.IN_PERSON
    )
    transportation_provided = models.BooleanField(_("transportation provided"), default=False)
    cost_band = models.CharField(
        _("cost"), max_length=20, choices=CostBand.choices, default=CostBand.FREE
    )
    scholarships = models.BooleanField(_("scholarships available"), default=False)
    mentoring_depth = models.CharField(
        _("mentoring"),
        max_length=20,
        choices=MentoringDepth.choices,
        default=MentoringDepth.NONE,
    )
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    term = models.CharField(
        _("term"), max_length=20, choices=Term.choices, default=Term.SCHOOL_YEAR
    )
    participants_last_year = models.PositiveIntegerField(
        _("participants last year"),
        null=True,
        blank=True,
        help_text=_("A count only: Ecotone keeps no list of participants."),
    )
    partner_organizations = models.ManyToManyField(
        Organization, related_name="partnered_programs", blank=True
    )
    terms: models.ManyToManyField[TaxonomyTerm, ProgramAttribute] = models.ManyToManyField(
        TaxonomyTerm, through="ProgramAttribute", related_name="programs", blank=True
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # What keyword search matches and ranks on, weighted: the name (A), the partner's name (B),
    # the description (C). PostgreSQL fills it in a trigger on every insert and update, and on
    # a partner's rename (migrations 0007, 0011), and indexes it; on SQLite it stays empty,
    # keyword search reading the FTS5 table `directory_program_words` there (migration 0011).
    search_words = SearchVectorField(null=True, editable=False)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem", "slug"], name="program_slug_unique_in_ecosystem"
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="program_ages_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["ecosystem", "name"]),
            models.Index(fields=["ecosystem", "cost_band"]),
            # With the key, so that PostgreSQL lists an ecosystem's online programs (a search
            # near a place does) from the index alone (SQLite's indexes hold the key anyway).
            models.Index(fields=["ecosystem", "delivery", "id"], name="directory_program_online"),
            # The map's ETag asks for the latest change in an ecosystem on every request.
            models.Index(fields=["ecosystem", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "directory:program",
            kwargs={"ecosystem_slug": self.ecosystem.slug, "program_slug": self.slug},
        )

    @property
    def is_free(self) -> bool:
        return self.cost_band == CostBand.FREE

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class ProgramAttribute(models.Model):
    """HSDS attribute: links a program to a taxonomy term, with an optional value."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="attributes")
    term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes")
    value = models.CharField(_("value"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("program attribute")
        verbose_name_plural = _("program attributes")
        constraints = [
            models.UniqueConstraint(fields=["program", "term"], name="program_attribute_unique")
        ]
        indexes = [models.Index(fields=["term", "program"])]

    def __str__(self) -> str:
        return f"{self.program} — {self.term}"


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    POSTAL = "postal", _("Postal")
    VIRTUAL = "virtual", _("Virtual")


class CoordinatesSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    ZIP_CENTROID = "zip_centroid", _("Center of the ZIP code")
    IMPORTED = "imported", _("Imported")
    NONE = "none", _("Unknown")


class Location(TimeStamped):
    """Where programs happen (HSDS location with its physical address)."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    # The HSDS ids of its address and accessibility records, when an import gave them; empty,
    # the export derives them from the location's.
    address_hsds_id = models.UUIDField(null=True, blank=True, editable=False)
    accessibility_hsds_id = models.UUIDField(null=True, blank=True, editable=False)
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="locations")
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="locations"
    )
    location_type = models.CharField(
        _("kind"), max_length=20, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("also known as"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    transportation = models.TextField(_("getting there"), blank=True, max_length=LONG_TEXT)
    url = models.URLField(_("web address (virtual locations)"), blank=True)
    address_1 = models.CharField(_("street address"), max_length=200, blank=True)
    address_2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("county or region"), max_length=100, blank=True)
    state_province = models.CharField(_("state"), max_length=50, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True, db_index=True)
    country = models.CharField(_("country"), max_length=2, default="US")
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    coordinates_source = models.CharField(
        _("coordinates from"),
        max_length=20,
        choices=CoordinatesSource.choices,
        default=CoordinatesSource.NONE,
    )
    accessibility = models.TextField(_("accessibility"), blank=True, max_length=LONG_TEXT)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        indexes = [
            models.Index(fields=["ecosystem", "latitude", "longitude"]),
            models.Index(fields=["ecosystem", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approximate(self) -> bool:
        """Placed at its ZIP code's center, not at its address: shown with a flag."""
        return self.coordinates_source == CoordinatesSource.ZIP_CENTROID

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class ProgramLocation(models.Model):
    """A program offered at a location (HSDS service_at_location)."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="program_locations")
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="program_locations"
    )
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)

    class Meta:
        verbose_name = _("program location")
        verbose_name_plural = _("program locations")
        constraints = [
            models.UniqueConstraint(fields=["program", "location"], name="program_location_unique")
        ]
        # A near search goes from the locations in a box to their programs: with the program in
        # the index that is one index-only lookup per location, where PostgreSQL otherwise
        # prefers to scan every link of a national directory.
        indexes = [models.Index(fields=["location", "program"])]

    def __str__(self) -> str:
        return f"{self.program} @ {self.location}"


class Weekday(models.TextChoices):
    MO = "MO", _("Monday")
    TU = "TU", _("Tuesday")
    WE = "WE", _("Wednesday")
    TH = "TH", _("Thursday")
    FR = "FR", _("Friday")
    SA = "SA", _("Saturday")
    SU = "SU", _("Sunday")


class Frequency(models.TextChoices):
    WEEKLY = "WEEKLY", _("Weekly")
    MONTHLY = "MONTHLY", _("Monthly")


class Schedule(TimeStamped):
    """When a program meets, in iCalendar RRULE terms (HSDS schedule)."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="schedules")
    program_location = models.ForeignKey(
        ProgramLocation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
    )
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"), null=True, blank=True)
    dtstart = models.DateField(_("first session"), null=True, blank=True)
    until = models.DateField(_("last session"), null=True, blank=True)
    count = models.PositiveIntegerField(_("number of sessions"), null=True, blank=True)
    freq = models.CharField(
        _("repeats"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    interval = models.PositiveSmallIntegerField(_("every"), default=1)
    byday = models.CharField(
        _("days"), max_length=40, blank=True, help_text=_("RRULE BYDAY, e.g. MO,WE")
    )
    bymonthday = models.CharField(_("days of the month"), max_length=40, blank=True)
    wkst = models.CharField(_("week starts"), max_length=2, blank=True)
    opens_at = models.TimeField(_("starts at"), null=True, blank=True)
    closes_at = models.TimeField(_("ends at"), null=True, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    attending_type = models.CharField(_("attending"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=LONG_TEXT)

    class Meta:
        ordering = ["program", "dtstart", "opens_at"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return f"{self.program}: {self.byday} {self.opens_at}–{self.closes_at}"

    @property
    def days(self) -> list[str]:
        return [d for d in self.byday.split(",") if d in Weekday.values]

    @property
    def day_labels(self) -> list[str]:
        labels = dict(Weekday.choices)
        return [str(labels[d]) for d in self.days]


class CostOption(models.Model):
    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.CharField(_("option"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    amount_description = models.TextField(_("amount description"), blank=True, max_length=LONG_TEXT)

    class Meta:
        verbose_name = _("cost option")
        verbose_name_plural = _("cost options")

    def __str__(self) -> str:
        return self.option or str(self.amount)


class Funding(models.Model):
    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return self.source


class Language(models.Model):
    """A language a program is offered in (HSDS language)."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("code"), max_length=10, help_text=_("ISO 639-1, e.g. es"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="program_language_unique")
        ]
        indexes = [models.Index(fields=["code", "program"])]

    def __str__(self) -> str:
        return self.name or self.code


class ServiceArea(models.Model):
    """Where a program's participants may come from (HSDS service_area; GeoJSON extent)."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    extent = models.JSONField(_("extent (GeoJSON)"), null=True, blank=True)
    extent_type = models.CharField(_("extent type"), max_length=20, blank=True)
    uri = models.URLField(_("address"), blank=True)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")

    def __str__(self) -> str:
        return self.name


class ImportFormat(models.TextChoices):
    HSDS_JSON = "hsds_json", _("HSDS JSON")
    HSDS_PACKAGE = "hsds_package", _("HSDS data package (.zip)")
    SPREADSHEET = "spreadsheet", _("Spreadsheet (CSV or Excel)")


# The one status of every upload; the directory's name for it, kept for the code that uses it.
ImportStatus = UploadStatus


def _import_upload_to(run: ImportRun, filename: str) -> str:
    return upload_path("imports", run, filename)


class ImportRun(TimeStamped, Upload):
    """One uploaded directory file: kept as received, checked, then applied or not at all (the
    lifecycle of `ecotone.uploads`)."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="import_runs")
    format = models.CharField(_("format"), max_length=20, choices=ImportFormat.choices)
    file = models.FileField(_("file"), upload_to=_import_upload_to, max_length=400)
    # Per flagged likely duplicate (by the imported service's id): create, update or skip.
    decisions = models.JSONField(_("decisions"), default=dict, blank=True)

    class Meta(Upload.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["ecosystem", "-created_at"])]

    def get_absolute_url(self) -> str:
        return reverse(
            "directory:import_run",
            kwargs={"ecosystem_slug": self.ecosystem.slug, "run_id": self.pk},
        )


class ServiceCapacity(TimeStamped):
    """How many places a program has and how many are open (HSDS 3.1 service_capacity)."""

    hsds_id = models.UUIDField(default=_uuid, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="capacities")
    unit = models.CharField(
        _("unit"), max_length=100, default="seats", help_text=_("What is counted, e.g. seats.")
    )
    available = models.PositiveIntegerField(_("open now"))
    maximum = models.PositiveIntegerField(_("in total"), null=True, blank=True)
    description = models.CharField(_("note"), max_length=300, blank=True)
    updated = models.DateTimeField(_("counted on"))

    class Meta:
        ordering = ["program", "unit", "pk"]
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(maximum__isnull=True)
                | models.Q(available__lte=models.F("maximum")),
                name="capacity_available_within_maximum",
            )
        ]

    def __str__(self) -> str:
        return f"{self.available}/{self.maximum or '?'} {self.unit}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ListingChangeQuerySet(models.QuerySet["ListingChange"]):
    def pending(self) -> ListingChangeQuerySet:
        return self.filter(status=ChangeStatus.PENDING)


class ListingChange(TimeStamped):
    """A partner's proposed new listing, or change to a live one, waiting for backbone review.

    `proposed` is the whole editable state of the listing as `listings.state.program_state`
    writes it; the live program stays as it is until the change is approved, and approval
    applies `proposed` through `services.listings.apply_listing_state`, the function backbone
    staff's direct edits use too (those are recorded here as changes approved by their own
    author).
    `previous` keeps the live state at the moment of the decision, so a decided change always
    shows the difference it made.
    """

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="listing_changes"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="listing_changes"
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        help_text=_("Empty for a new listing."),
    )
    proposed = models.JSONField(_("proposed listing"))
    previous = models.JSONField(_("listing before the change"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("note from the reviewer"), blank=True, max_length=SHORT_TEXT)

    objects = ListingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("listing change")
        verbose_name_plural = _("listing changes")
        constraints = [
            models.UniqueConstraint(
                fields=["program"],
                condition=models.Q(status="pending"),
                name="listing_change_one_pending_per_program",
            )
        ]
        indexes = [models.Index(fields=["ecosystem", "status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.listing_name} ({self.get_status_display()})"

    @property
    def listing_name(self) -> str:
        return str(self.proposed.get("fields", {}).get("name", "")) or str(self.program or "")

    @property
    def is_new_listing(self) -> bool:
        return self.program_id is None and self.status != ChangeStatus.APPROVED

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeStatus.PENDING

    def get_absolute_url(self) -> str:
        return reverse(
            "listings:change",
            kwargs={"ecosystem_slug": self.ecosystem.slug, "change_id": self.pk},
        )

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class VerificationReminder(models.Model):
    """One reminder to one person to re-verify one listing; keeps reminders from repeating."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="verification_reminders"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("verification reminder")
        verbose_name_plural = _("verification reminders")
        indexes = [models.Index(fields=["program", "recipient", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.program} → {self.recipient} ({self.sent_at:%Y-%m-%d})"
