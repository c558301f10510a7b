"""The access atlas: where young people live and learn, and how much STEM opportunity is in reach.

A `PopulationArea` is a place students are counted: a school (NCES Common Core of Data), a
census tract, a ZIP code or a neighbourhood. It carries how many young people it has by grade
band and what they need (shares low-income, English learners, students of color; its locale).
Counts are aggregates as published; no student is identifiable here.

An `Analysis` is one configured way of measuring access (catchments by locale, distance decay,
which programs count, how need is weighed, what makes a desert); its `AnalysisRun`s cache
results until programs, areas or settings change. A `Scenario` adds hypothetical programs to an
analysis to see what they would change before anyone commits money. The atlas reads programs,
never writes them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, TimeStamped
from ecotone.limits import LONG_TEXT
from ecotone.uploads import Upload, UploadStatus, upload_path


class AreaKind(models.TextChoices):
    SCHOOL = "school", _("School")
    TRACT = "tract", _("Census tract")
    ZIP = "zip", _("ZIP code")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")


class Locale(models.TextChoices):
    """NCES urban-centric locale, by its first digit (11-13 city ... 41-43 rural)."""

    CITY = "city", _("City")
    SUBURB = "suburb", _("Suburb")
    TOWN = "town", _("Town")
    RURAL = "rural", _("Rural")


# Youth counts by the directory's grade bands (directory.stem_profile.GRADE_BANDS, minus
# postsecondary): the field on PopulationArea that holds each band's count.
YOUTH_BAND_FIELDS: dict[str, str] = {
    "prek": "youth_prek",
    "k-2": "youth_k2",
    "3-5": "youth_3_5",
    "6-8": "youth_6_8",
    "9-12": "youth_9_12",
}

_share = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class PopulationArea(TimeStamped):
    """A school, tract, ZIP code or neighbourhood: its young people and what they need."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="population_areas"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind.choices)
    # NCESSCH for a school, GEOID for a tract, the ZIP code, or the file's own id.
    code = models.CharField(_("identifier"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    district_code = models.CharField(_("district identifier"), max_length=20, blank=True)
    district_name = models.CharField(_("district"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)]
    )
    locale_code = models.PositiveSmallIntegerField(
        _("NCES locale code"), null=True, blank=True, help_text=_("11-13 city ... 41-43 rural")
    )
    locale = models.CharField(_("locale"), max_length=10, choices=Locale.choices)
    # Grades as numbers: -1 PreK, 0 kindergarten, 1-12.
    lowest_grade = models.SmallIntegerField(_("lowest grade"), null=True, blank=True)
    highest_grade = models.SmallIntegerField(_("highest grade"), null=True, blank=True)
    youth_total = models.PositiveIntegerField(_("young people"))
    youth_prek = models.PositiveIntegerField(_("PreK"), default=0)
    youth_k2 = models.PositiveIntegerField(_("grades K-2"), default=0)
    youth_3_5 = models.PositiveIntegerField(_("grades 3-5"), default=0)
    youth_6_8 = models.PositiveIntegerField(_("grades 6-8"), default=0)
    youth_9_12 = models.PositiveIntegerField(_("grades 9-12"), default=0)
    # Need indicators as shares of youth_total (0-1); unknown is null, never zero.
    low_income_share = models.FloatField(
        _("share low-income"), null=True, blank=True, validators=_share
    )
    english_learner_share = models.FloatField(
        _("share English learners"), null=True, blank=True, validators=_share
    )
    students_of_color_share = models.FloatField(
        _("share students of color"), null=True, blank=True, validators=_share
    )
    female_share = models.FloatField(_("share girls"), null=True, blank=True, validators=_share)
    disability_share = models.FloatField(
        _("share students with disabilities"), null=True, blank=True, validators=_share
    )
    # NCES race/ethnicity counts as published (AM AS BL HP HI TR WH), when the source has them.
    race_counts = models.JSONField(_("race and ethnicity counts"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("population area")
        verbose_name_plural = _("population areas")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "code"], name="atlas_area_code_unique")
        ]
        indexes = [models.Index(fields=["ecosystem", "kind"])]

    def __str__(self) -> str:
        return self.name

    def youth_in_band(self, band: str) -> int:
        """Young people in one grade band; all of them for "" (any grade)."""
        return youth_in_band(self, band)


def youth_in_band(area: Any, band: str) -> int:
    """Young people in one grade band of an area, or of anything holding its counts under the
    same names (a row read without the model, as an analysis reads 100,000 of them); all of
    them for "" (any grade)."""
    if not band:
        return int(area.youth_total)
    return int(getattr(area, YOUTH_BAND_FIELDS[band]))


class AreaImportFormat(models.TextChoices):
    NCES = "nces", _("NCES public schools (CCD)")
    AREAS_CSV = "areas_csv", _("Areas (CSV)")


# The one status of every upload; the atlas's name for it, kept for the code that uses it.
AreaImportStatus = UploadStatus


def _area_upload_to(run: AreaImport, filename: str) -> str:
    return upload_path("atlas-imports", run, filename)


class AreaImport(TimeStamped, Upload):
    """One uploaded file of schools or areas: kept as received, checked, applied or not at all
    (the lifecycle of `ecotone.uploads`)."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="area_imports")
    format = models.CharField(_("format"), max_length=20, choices=AreaImportFormat.choices)
    file = models.FileField(_("file"), upload_to=_area_upload_to, max_length=400)

    class Meta(Upload.Meta):
        verbose_name = _("area import")
        verbose_name_plural = _("area imports")


class Analysis(TimeStamped):
    """One configured way to measure access in an ecosystem (see atlas/parameters.py)."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="access_analyses"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    # atlas.parameters.Parameters as a dict; validated by Parameters.from_dict.
    parameters = models.JSONField(_("settings"), default=dict, blank=True)
    is_default = models.BooleanField(_("the ecosystem's default analysis"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        verbose_name = _("access analysis")
        verbose_name_plural = _("access analyses")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem"],
                condition=models.Q(is_default=True),
                name="atlas_one_default_analysis",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class Scenario(TimeStamped):
    """Hypothetical programs added to an analysis, to see what they would change."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    # [{"name", "latitude", "longitude", "seats", "grade_bands": [...], "days_per_week",
    #   "after_school", "cost_band", "delivery": "in_person"|"mobile"|"virtual",
    #   "stops": [[lat, lon], ...] for a mobile program}]
    programs = models.JSONField(_("hypothetical programs"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self) -> str:
        return self.name

    @property
    def ecosystem(self) -> Ecosystem:
        """For the permission rules, which check a record against its ecosystem."""
        return self.analysis.ecosystem

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.analysis.ecosystem_id}


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AnalysisRun(TimeStamped):
    """A computed result, cached under the fingerprint of everything it was computed from.

    The fingerprint hashes the analysis settings, the scenario's programs, and the latest change
    to the ecosystem's programs, locations, schedules and areas; a run whose fingerprint no
    longer matches is stale and is recomputed on next request.
    """

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="runs")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="runs"
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    # Summary figures and per-area results: written by atlas/services/compute.py, read back as a
    # RunResult (atlas/services/results.py) by `services.runs.result_from`.
    result = models.JSONField(_("result"), null=True, blank=True)
    # The figures over all areas the atlas page shows (the summary, what totals are rounded,
    # the charts' counts, the colour scales), written with the run's AreaResult rows by
    # atlas/services/stored.py: pages read these and a page of rows, never `result`.
    digest = models.JSONField(_("published figures"), null=True, blank=True)
    # An unsaved scenario's preview in a large ecosystem (services/scenarios.py): its cleaned
    # hypothetical programs, kept with the queued work, and the one person who may read it.
    # Never the baseline nor a saved scenario's run: every query over runs leaves them out
    # (`runs._runs`, `network.counts`); no rows are stored for them.
    is_preview = models.BooleanField(_("unsaved preview"), default=False)
    preview_programs = models.JSONField(_("previewed programs"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")
        indexes = [models.Index(fields=["analysis", "scenario", "fingerprint"])]

    def __str__(self) -> str:
        return f"{self.analysis} ({self.get_status_display()})"


class AreaResult(models.Model):
    """One area of a finished run, as the pages, the map, the API and the export read it
    (written by atlas/services/stored.py when the run completes; deleted with the run).

    The figures about young people are stored as `publish` returned them (`youth_shown`,
    `youth_hidden`, `need_shown`, `low_income_shown`), so no request decodes the whole run or
    applies the small-cell rule again. The `order_*` columns are each area's place under the
    pages' sorts (its position) and the API's orderings (its key's rank, ties broken by
    `area_id`), as the lists always ordered them.
    """

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="area_results")
    area_id = models.IntegerField()  # the PopulationArea's pk when the run was computed
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    search_text = models.TextField()  # name and code case-folded, for the page's search
    kind = models.CharField(max_length=20)
    locale = models.CharField(max_length=10)
    latitude = models.FloatField()
    longitude = models.FloatField()
    youth = models.IntegerField()  # exact: for reasons and orderings only, never shown
    youth_shown = models.IntegerField(null=True)
    youth_hidden = models.BooleanField()
    need = models.FloatField(null=True)
    need_shown = models.FloatField(null=True)
    low_income_share = models.FloatField(null=True)
    low_income_shown = models.FloatField(null=True)
    access_per_1000 = models.FloatField()
    seats_within = models.FloatField()
    catchment_mi = models.FloatField()
    nearest_miles = models.FloatField(null=True)
    nearest_program_name = models.CharField(max_length=500)
    nearest_program_slug = models.CharField(max_length=500)
    virtual_programs = models.IntegerField()
    is_desert = models.BooleanField()
    rank = models.IntegerField(null=True)
    supply_index = models.FloatField(null=True)
    demand_index = models.FloatField(null=True)
    order_rank = models.IntegerField()
    order_need = models.IntegerField()
    order_access = models.IntegerField()
    order_youth = models.IntegerField()
    order_nearest = models.IntegerField()
    order_name = models.IntegerField()
    order_api_rank = models.IntegerField()
    order_api_need = models.IntegerField()
    order_api_access = models.IntegerField()
    order_api_youth = models.IntegerField()
    order_api_nearest = models.IntegerField()
    order_api_name = models.IntegerField()

    objects: models.Manager[AreaResult] = models.Manager()

    class Meta:
        ordering = ["order_rank"]
        # A page of any ordering is read from its index, not sorted out of 100,000 rows.
        indexes = [
            *(
                models.Index(fields=["run", f"order_{key}"], name=f"atlas_result_{key}")
                for key in ("rank", "need", "access", "youth", "nearest", "name")
            ),
            *(
                models.Index(
                    fields=["run", f"order_api_{key}", "area_id"], name=f"atlas_result_api_{key}"
                )
                for key in ("rank", "need", "access", "youth", "nearest", "name")
            ),
            models.Index(fields=["run", "latitude", "longitude"], name="atlas_result_place"),
            # The name search's matches read from this narrow index alone (and the page's
            # filters with them), not from 100,000 wide rows: 10 ms where the table took 300.
            models.Index(
                fields=["run", "search_text", "locale", "kind", "is_desert"],
                name="atlas_result_search",
            ),
        ]

    def __str__(self) -> str:
        return self.name
