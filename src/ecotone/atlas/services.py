"""The access atlas's operations: analyses, their cached runs, scenarios, comparisons.

Views, the API, the export and the task all call these; none computes access itself.

An analysis run goes: the ecosystem's listed, active programs become *offers* (with their STEM
profile, schedule, cost, languages, seats), the offers that pass the analysis's eligibility
filters become *sites* (one per location with coordinates; a program at several locations has
its seats split evenly between them), the population areas become demand (young people in the
chosen grade band), and `reach.analyse` does the numbers. Online programs never become sites:
they are counted per area apart, since reaching them takes a device and broadband, so they never
make a desert disappear. The result is stored on the `AnalysisRun` under a fingerprint of
everything it was computed from, and reused until one of those things changes.

State changes (settings, scenarios) take the acting user, run in one transaction with their
audit entry (`acting`), and raise DomainError (`InvalidInputError` with field-level messages).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import time as clock
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task

from ecotone import concurrency, suppression
from ecotone.directory import stem_profile
from ecotone.directory.models import (
    CostBand,
    Delivery,
    Frequency,
    Language,
    Location,
    LocationType,
    Program,
    ProgramAttribute,
    ProgramLocation,
    ProgramStatus,
    Schedule,
    ServiceCapacity,
)
from ecotone.directory.search import AFTER_SCHOOL_FROM, AFTER_SCHOOL_UNTIL
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from . import reach
from .models import YOUTH_BAND_FIELDS, Analysis, AnalysisRun, PopulationArea, RunStatus, Scenario
from .parameters import (
    GRADE_BANDS,
    LOCALES,
    NEED_INDICATORS,
    ParameterError,
    Parameters,
    need_indicators,
)

logger = logging.getLogger(__name__)

# Bump when what a run stores changes: older cached results then count as stale.
RESULT_VERSION = 1
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
ALL_DAYS = (*WEEKDAYS, "SA", "SU")
LOW_COST = (CostBand.FREE, CostBand.LOW)
# Grades (-1 PreK ... 12) each band covers, to tell which bands a school serves.
BAND_GRADES = {"prek": (-1, -1), "k-2": (0, 2), "3-5": (3, 5), "6-8": (6, 8), "9-12": (9, 12)}
MAX_SCENARIO_PROGRAMS = 50
MAX_STOPS = 30
MAX_SCENARIO_SEATS = 100_000

STAGES = {
    "queued": gettext_lazy("Waiting to start"),
    "loading": gettext_lazy("Reading programs and areas"),
    "reach": gettext_lazy("Finding the programs within reach"),
    "access": gettext_lazy("Sharing seats among the areas in reach"),
    "nearest": gettext_lazy("Finding the nearest program"),
    "seats": gettext_lazy("Counting seats within reach"),
    "need": gettext_lazy("Weighing need"),
    "ranking": gettext_lazy("Finding deserts and ranking"),
    "saving": gettext_lazy("Saving the results"),
    "done": gettext_lazy("Done"),
    "failed": gettext_lazy("Failed"),
}


class InvalidInputError(DomainError):
    """Some fields are not valid; `errors` maps each one to readable messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(
            " ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        )


def sync_max_areas() -> int:
    """Ecosystems with fewer areas than this are analysed at once; larger ones in a task."""
    return int(getattr(settings, "ATLAS_SYNC_MAX_AREAS", 5000))


def vocabulary() -> dict[str, list[str]]:
    """The codes analyses may filter by: the directory's STEM taxonomy."""
    return {
        "stem_fields": [code for code, _label in stem_profile.STEM_FIELDS.terms],
        "activity_types": [code for code, _label in stem_profile.ACTIVITY_TYPES.terms],
    }


def parse_parameters(data: Any) -> Parameters:
    """Settings from a form or the API; InvalidInputError naming each bad field."""
    try:
        return Parameters.from_dict(data, vocabulary=vocabulary())
    except ParameterError as error:
        raise InvalidInputError(error.messages(_)) from error


def parameters_of(analysis: Analysis) -> Parameters:
    try:
        return Parameters.from_dict(analysis.parameters or {}, vocabulary=vocabulary())
    except ParameterError as error:
        # Only an edit bypassing update_parameters can store these; say so, do not guess.
        raise DomainError(
            _("The settings of “%(name)s” are not valid: %(reasons)s")
            % {"name": analysis.name, "reasons": error}
        ) from error


def stage_label(run: AnalysisRun) -> str:
    return str(STAGES.get(run.stage, run.stage))


# Analyses --------------------------------------------------------------------------------------


def default_analysis(ecosystem: Ecosystem) -> Analysis:
    """The ecosystem's default analysis, created with the default settings the first time."""
    found = Analysis.objects.filter(ecosystem=ecosystem, is_default=True).first()
    if found is not None:
        found.ecosystem = ecosystem  # the caller's, already loaded
        return found
    with translation.override(ecosystem.default_language or "en"):
        name = _("Access to STEM programs")
    try:
        with transaction.atomic():
            return Analysis.objects.create(
                ecosystem=ecosystem,
                name=name,
                parameters=Parameters().to_dict(),
                is_default=True,
            )
    except IntegrityError:  # created meanwhile by another request
        return Analysis.objects.get(ecosystem=ecosystem, is_default=True)


def analyses(ecosystem: Ecosystem) -> QuerySet[Analysis]:
    return Analysis.objects.filter(ecosystem=ecosystem).order_by("-is_default", "name", "pk")


def create_analysis(
    ecosystem: Ecosystem, *, user: Any, name: str, description: str = "", data: Any = None
) -> Analysis:
    """Another way of measuring access, beside the default (e.g. the Dallas rule)."""
    params = parse_parameters(data or {})
    name = _clean_name(name)
    with acting(user):
        return Analysis.objects.create(
            ecosystem=ecosystem,
            name=name,
            description=description.strip(),
            parameters=params.to_dict(),
            created_by=user if getattr(user, "pk", None) else None,
        )


def update_parameters(
    analysis: Analysis,
    *,
    user: Any,
    data: Any,
    name: str | None = None,
    description: str | None = None,
    expected_version: str | None = None,
) -> Analysis:
    """Change an analysis's settings (every field checked; InvalidInputError names the bad ones).

    Its cached runs become stale through their fingerprint; nothing is deleted here. A stale
    `expected_version` (the settings someone else saved meanwhile) raises `EditConflictError`.
    """
    params = parse_parameters(data)
    if name is not None:
        name = _clean_name(name)
    with acting(user):
        concurrency.require(expected_version, concurrency.locked_version(analysis))
        analysis.parameters = params.to_dict()
        if name is not None:
            analysis.name = name
        if description is not None:
            analysis.description = description.strip()
        analysis.save()
    return analysis


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInputError({"name": [_("Give it a name.")]})
    if len(name) > 200:
        raise InvalidInputError({"name": [_("Keep the name to 200 characters.")]})
    return name


# Offers: programs (real or hypothetical) with what the eligibility filters look at -------------


@dataclass(frozen=True)
class Offer:
    name: str
    slug: str  # "" for a hypothetical program
    online: bool
    points: tuple[tuple[float, float], ...]
    seats: float | None
    grade_bands: frozenset[str] = frozenset()
    stem_fields: frozenset[str] = frozenset()
    activity_types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    cost_band: str = CostBand.FREE
    transportation: bool = False
    days: int = 0  # distinct weekdays it meets every week
    after_school_days: int = 0  # of those, weekdays with a session starting after school
    hypothetical: bool = False


def eligible(offer: Offer, params: Parameters) -> bool:
    """Whether an offer counts under the analysis's filters (docs/atlas.md, "Which programs")."""
    if params.grade_band and offer.grade_bands and params.grade_band not in offer.grade_bands:
        return False  # a program listing no grades is counted for every band
    if params.stem_fields and not offer.stem_fields & set(params.stem_fields):
        return False
    if params.activity_types and not offer.activity_types & set(params.activity_types):
        return False
    if params.free_or_low_cost and offer.cost_band not in LOW_COST:
        return False
    if params.language and params.language not in offer.languages:
        return False
    if params.transportation_provided and not offer.transportation and not offer.online:
        return False  # an online program needs no ride
    if params.after_school_only:
        return offer.after_school_days >= max(1, params.min_days_per_week)
    return offer.days >= params.min_days_per_week


def _schedule_days(rows: Iterable[tuple[str, int, str, time | None]]) -> tuple[int, int]:
    """(days a week, after-school weekdays a week) from (freq, interval, byday, opens_at)."""
    days: set[str] = set()
    after: set[str] = set()
    for freq, interval, byday, opens_at in rows:
        if freq != Frequency.WEEKLY or (interval or 1) != 1:
            continue  # monthly or every other week: not a weekly afternoon
        meets = {d for d in byday.split(",") if d in ALL_DAYS}
        days |= meets
        if opens_at is not None and AFTER_SCHOOL_FROM <= opens_at < AFTER_SCHOOL_UNTIL:
            after |= meets & set(WEEKDAYS)
    return len(days), len(after)


def program_offers(ecosystem: Ecosystem) -> list[Offer]:
    """The ecosystem's listed, active programs as offers (in person, hybrid and online).

    Six queries whatever the size: the programs, then their terms, languages, weekly schedules,
    capacities and located sites, each in one pass.
    """
    programs = (
        Program.objects.filter(ecosystem=ecosystem, status=ProgramStatus.ACTIVE)
        .listed()
        .order_by("pk")
    )
    rows = list(
        programs.values_list(
            "pk", "name", "slug", "delivery", "cost_band", "transportation_provided", "seats"
        )
    )
    keys = programs.values("pk")
    terms: dict[int, dict[str, set[str]]] = {}
    facets = ("grade_band", "stem_field", "activity_type")
    for pk, facet, code in ProgramAttribute.objects.filter(
        program__in=keys, term__facet__in=facets
    ).values_list("program_id", "term__facet", "term__code"):
        if "/" in code:
            terms.setdefault(pk, {}).setdefault(facet, set()).add(code.split("/", 1)[1])
    languages: dict[int, set[str]] = {}
    for pk, code in Language.objects.filter(program__in=keys).values_list("program_id", "code"):
        languages.setdefault(pk, set()).add(code)
    schedules: dict[int, list[tuple[str, int, str, time | None]]] = {}
    for pk, *rest in Schedule.objects.filter(program__in=keys).values_list(
        "program_id", "freq", "interval", "byday", "opens_at"
    ):
        schedules.setdefault(pk, []).append(tuple(rest))  # type: ignore[arg-type]
    capacity = dict(
        ServiceCapacity.objects.filter(program__in=keys, maximum__isnull=False)
        .values("program_id")
        .annotate(most=Max("maximum"))
        .values_list("program_id", "most")
    )
    points: dict[int, list[tuple[float, float]]] = {}
    for pk, lat, lon in (
        ProgramLocation.objects.filter(
            program__in=keys, location__latitude__isnull=False, location__longitude__isnull=False
        )
        .exclude(location__location_type=LocationType.VIRTUAL)
        .order_by("program_id", "location_id")
        .values_list("program_id", "location__latitude", "location__longitude")
    ):
        points.setdefault(pk, []).append((float(lat or 0.0), float(lon or 0.0)))  # not null

    offers = []
    for pk, name, slug, delivery, cost_band, transportation, seats in rows:
        profile = terms.get(pk, {})
        days, after = _schedule_days(schedules.get(pk, []))
        if seats is None:
            seats = capacity.get(pk)
        offers.append(
            Offer(
                name=name,
                slug=slug,
                online=delivery == Delivery.VIRTUAL,
                points=tuple(points.get(pk, ())) if delivery != Delivery.VIRTUAL else (),
                seats=float(seats) if seats is not None else None,
                grade_bands=frozenset(profile.get("grade_band", ())),
                stem_fields=frozenset(profile.get("stem_field", ())),
                activity_types=frozenset(profile.get("activity_type", ())),
                languages=frozenset(languages.get(pk, ())),
                cost_band=cost_band,
                transportation=transportation,
                days=days,
                after_school_days=after,
            )
        )
    return offers


# Hypothetical programs (scenarios) -------------------------------------------------------------

SCENARIO_DELIVERIES = ("in_person", "mobile", "virtual")


def clean_scenario_programs(programs: Any) -> list[dict[str, Any]]:
    """Hypothetical programs checked and normalised; InvalidInputError names each bad field as
    `programs.<n>.<field>` (n from 0).

    Each is {"name", "delivery": in_person | mobile | virtual, "latitude", "longitude" (in
    person), "stops": [[lat, lon], ...] (mobile: 2 or more), "seats", "grade_bands": [...],
    "days_per_week" (1-7), "after_school" (true/false), "cost_band", "stem_fields": [...],
    "activity_types": [...], "languages": [...], "transportation_provided"}.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(programs, list):
        raise InvalidInputError({"programs": [_("Give a list of programs.")]})
    if not programs:
        raise InvalidInputError({"programs": [_("Add at least one program.")]})
    if len(programs) > MAX_SCENARIO_PROGRAMS:
        raise InvalidInputError(
            {
                "programs": [
                    _("A scenario holds at most %(n)d programs.") % {"n": MAX_SCENARIO_PROGRAMS}
                ]
            }
        )
    known = vocabulary()
    cleaned = []
    for index, raw in enumerate(programs):
        where = f"programs.{index}"

        def bad(name: str, message: str, where: str = where) -> None:
            errors.setdefault(f"{where}.{name}", []).append(message)

        if not isinstance(raw, dict):
            errors[where] = [_("Give the program as named values.")]
            continue
        item: dict[str, Any] = {}
        name = str(raw.get("name") or "").strip()
        if not name:
            bad("name", _("Give it a name."))
        elif len(name) > 200:
            bad("name", _("Keep the name to 200 characters."))
        item["name"] = name
        delivery = raw.get("delivery") or "in_person"
        if delivery not in SCENARIO_DELIVERIES:
            bad("delivery", _("Choose in person, mobile or virtual."))
        item["delivery"] = delivery
        if delivery == "in_person":
            point = _point(raw.get("latitude"), raw.get("longitude"))
            if point is None:
                bad(
                    "latitude",
                    _("Give a latitude from -90 to 90 and a longitude from -180 to 180."),
                )
            else:
                item["latitude"], item["longitude"] = point
        elif delivery == "mobile":
            stops = raw.get("stops")
            parsed = (
                [_point(*s) if isinstance(s, list | tuple) and len(s) == 2 else None for s in stops]
                if isinstance(stops, list)
                else []
            )
            if len(parsed) < 2 or len(parsed) > MAX_STOPS or any(p is None for p in parsed):
                bad(
                    "stops",
                    _("Give from 2 to %(n)d stops, each as latitude and longitude.")
                    % {"n": MAX_STOPS},
                )
            else:
                item["stops"] = [list(p) for p in parsed if p is not None]
        seats = _whole(raw.get("seats"))
        if seats is None or not 1 <= seats <= MAX_SCENARIO_SEATS:
            bad("seats", _("Give a whole number of seats from 1 to %(n)d.") % {"n": 100000})
        item["seats"] = seats
        days = _whole(raw.get("days_per_week", 5))
        if days is None or not 1 <= days <= 7:
            bad("days_per_week", _("Give a number of days from 1 to 7."))
        item["days_per_week"] = days
        for flag, default in (("after_school", True), ("transportation_provided", False)):
            value = raw.get(flag, default)
            if not isinstance(value, bool):
                bad(flag, _("Give true or false."))
            item[flag] = value
        cost = raw.get("cost_band") or CostBand.FREE
        if cost not in CostBand.values:
            bad("cost_band", _("Choose free, low, moderate or high."))
        item["cost_band"] = cost
        allowed = {
            "grade_bands": set(GRADE_BANDS),
            "stem_fields": set(known["stem_fields"]),
            "activity_types": set(known["activity_types"]),
        }
        for key, codes in allowed.items():
            value = raw.get(key) or []
            if not isinstance(value, list) or any(c not in codes for c in value):
                bad(key, _("Choose among the listed values."))
                value = []
            item[key] = sorted(set(value))
        languages = raw.get("languages") or []
        if not isinstance(languages, list) or any(
            not isinstance(c, str) or not 2 <= len(c) <= 3 or not c.isalpha() for c in languages
        ):
            bad("languages", _("Give languages as two-letter codes, e.g. es."))
            languages = []
        item["languages"] = sorted({c.lower() for c in languages})
        cleaned.append(item)
    if errors:
        raise InvalidInputError(errors)
    return cleaned


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def hypothetical_offers(programs: Sequence[dict[str, Any]]) -> list[Offer]:
    """Cleaned scenario programs as offers (a mobile program's seats split between its stops)."""
    offers = []
    for item in programs:
        delivery = item["delivery"]
        if delivery == "in_person":
            points: tuple[tuple[float, float], ...] = ((item["latitude"], item["longitude"]),)
        elif delivery == "mobile":
            points = tuple((float(lat), float(lon)) for lat, lon in item["stops"])
        else:
            points = ()
        days = int(item["days_per_week"])
        offers.append(
            Offer(
                name=item["name"],
                slug="",
                online=delivery == "virtual",
                points=points,
                seats=float(item["seats"]),
                grade_bands=frozenset(item["grade_bands"]),
                stem_fields=frozenset(item["stem_fields"]),
                activity_types=frozenset(item["activity_types"]),
                languages=frozenset(item["languages"]),
                cost_band=item["cost_band"],
                transportation=item["transportation_provided"],
                days=days,
                after_school_days=min(days, 5) if item["after_school"] else 0,
                hypothetical=True,
            )
        )
    return offers


# Results ---------------------------------------------------------------------------------------


@dataclass
class AreaAccess:
    """One area's figures in a run. Youth figures here are raw: publish through `publishable`."""

    id: int
    code: str
    name: str
    kind: str
    locale: str
    latitude: float
    longitude: float
    youth: int
    need: float | None  # 0-100
    access_per_1000: float  # E2SFCA seats per 1,000 young people
    seats_within: float  # seats at eligible sites within the catchment
    catchment_mi: float
    nearest_miles: float | None  # None: no eligible in-person program anywhere
    nearest_program_name: str
    nearest_program_slug: str
    virtual_programs: int
    is_desert: bool
    rank: int | None  # 1 = first priority; None when not a priority (not a desert)
    supply_index: float | None  # 0-100 by rank of access
    demand_index: float | None  # 0-100 by rank of youth
    low_income_share: float | None
    # Writes `reasons`: set by result_of for a priority area.
    explain: Callable[[AreaAccess], str] | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def reasons(self) -> str:
        """Why this area is a priority, in the reader's language ("" when it is not one).
        Written when first read: a national result has 100,000 areas and a page shows 25."""
        return self.explain(self) if self.explain is not None and self.rank is not None else ""

    @property
    def has_program_in_reach(self) -> bool:
        return self.seats_within > 0


# The per-area columns a run stores, in order (JSON of columns: a tenth of the size of rows).
AREA_COLUMNS = (
    "id",
    "code",
    "name",
    "kind",
    "locale",
    "latitude",
    "longitude",
    "youth",
    "need",
    "access_per_1000",
    "seats_within",
    "catchment_mi",
    "nearest_miles",
    "nearest_program_name",
    "nearest_program_slug",
    "virtual_programs",
    "is_desert",
    "rank",
    "supply_index",
    "demand_index",
    "low_income_share",
)


@dataclass
class RunResult:
    """A run's stored result, typed. `summary` holds the headline figures (raw counts)."""

    summary: dict[str, Any]
    areas: list[AreaAccess]
    parameters: Parameters
    field_word: str = ""

    @property
    def priority(self) -> list[AreaAccess]:
        """The deserts, first priority first."""
        return sorted((a for a in self.areas if a.rank is not None), key=lambda a: a.rank or 0)

    def by_id(self) -> dict[int, AreaAccess]:
        return {area.id: area for area in self.areas}


def _finite(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def _area_bands(area: PopulationArea) -> frozenset[str]:
    """The grade bands an area's young people are in (all, when nothing says)."""
    if area.lowest_grade is not None and area.highest_grade is not None:
        low, high = area.lowest_grade, area.highest_grade
        bands = frozenset(b for b, (lo, hi) in BAND_GRADES.items() if lo <= high and low <= hi)
        if bands:
            return bands
    counted = frozenset(b for b, name in YOUTH_BAND_FIELDS.items() if getattr(area, name))
    return counted or frozenset(GRADE_BANDS)


@dataclass
class _Computed:
    result: dict[str, Any]
    seconds: float


def compute(
    ecosystem: Ecosystem,
    params: Parameters,
    extra: Sequence[Offer] = (),
    on_progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """The analysis of `ecosystem` under `params`, with `extra` hypothetical offers, as the JSON
    a run stores. Reads programs and areas; writes nothing."""

    def progress(percent: int, stage: str) -> None:
        if on_progress is not None:
            on_progress(percent, stage)

    progress(0, "loading")
    offers = [*program_offers(ecosystem), *extra]
    counted = [o for o in offers if eligible(o, params)]
    in_person = [o for o in counted if not o.online and o.points]
    online = [o for o in counted if o.online]
    site_lat: list[float] = []
    site_lon: list[float] = []
    site_seats: list[float] = []
    site_offer: list[int] = []
    assumed = 0
    for index, offer in enumerate(in_person):
        seats = offer.seats if offer.seats is not None else float(params.assumed_seats)
        assumed += offer.seats is None
        for lat, lon in offer.points:
            site_lat.append(lat)
            site_lon.append(lon)
            site_seats.append(seats / len(offer.points))
            site_offer.append(index)

    areas = list(
        PopulationArea.objects.filter(ecosystem=ecosystem)
        .order_by("pk")
        .only(
            "pk",
            "code",
            "name",
            "kind",
            "locale",
            "latitude",
            "longitude",
            "lowest_grade",
            "highest_grade",
            "youth_total",
            *YOUTH_BAND_FIELDS.values(),
            "low_income_share",
            "english_learner_share",
            "students_of_color_share",
            "disability_share",
        )
    )
    n = len(areas)
    youth = np.array([a.youth_in_band(params.grade_band) for a in areas], dtype=np.float64)
    radius = np.array(
        [params.catchment_mi.get(a.locale, params.catchment_mi["suburb"]) for a in areas],
        dtype=np.float64,
    )

    indicators = np.array(
        [
            need_indicators(
                a.low_income_share,
                a.english_learner_share,
                a.students_of_color_share,
                a.locale,
                a.disability_share,
            )
            for a in areas
        ],
        dtype=np.float64,
    ).reshape(n, len(NEED_INDICATORS))
    weights = np.array([params.need_weights[k] for k in NEED_INDICATORS], dtype=np.float64)
    inputs = reach.AccessInputs(
        area_lat=np.array([a.latitude for a in areas], dtype=np.float64),
        area_lon=np.array([a.longitude for a in areas], dtype=np.float64),
        radius_mi=radius,
        youth=youth,
        site_lat=np.array(site_lat, dtype=np.float64),
        site_lon=np.array(site_lon, dtype=np.float64),
        seats=np.array(site_seats, dtype=np.float64),
        indicators=indicators,
        need_weights=weights,
    )
    rule = reach.DesertRule(
        min_youth=params.desert_min_youth, max_youth_per_seat=params.desert_max_youth_per_seat
    )

    def scaled(percent: int, stage: str) -> None:
        progress(5 + percent * 85 // 100, stage if stage != "done" else "saving")

    found = reach.analyse(inputs, zones=params.decay_zones, rule=rule, on_progress=scaled)

    rank = np.full(n, -1, dtype=np.int64)
    desert_order = [int(i) for i in found.order if found.is_desert[i]]
    for position, index in enumerate(desert_order, start=1):
        rank[index] = position

    # Online programs serving each area's grades (areas grouped by their bands).
    online_count: dict[frozenset[str], int] = {}
    band_filter = {params.grade_band} if params.grade_band else None
    virtual = []
    for area in areas:
        bands = _area_bands(area)
        if band_filter is not None:
            bands = bands & band_filter or frozenset(band_filter)
        if bands not in online_count:
            online_count[bands] = sum(
                1 for o in online if not o.grade_bands or o.grade_bands & bands
            )
        virtual.append(online_count[bands])

    columns: dict[str, list[Any]] = {name: [] for name in AREA_COLUMNS}
    for i, area in enumerate(areas):
        site = int(found.nearest_site[i])
        nearest = in_person[site_offer[site]] if site >= 0 else None
        row = {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "kind": area.kind,
            "locale": area.locale,
            "latitude": area.latitude,
            "longitude": area.longitude,
            "youth": int(youth[i]),
            "need": _finite(found.need[i], 1),
            "access_per_1000": round(float(found.access_per_person[i]) * 1000, 2),
            "seats_within": round(float(found.seats_within[i]), 1),
            "catchment_mi": float(radius[i]),
            "nearest_miles": _finite(found.nearest_miles[i], 2) if site >= 0 else None,
            "nearest_program_name": nearest.name if nearest else "",
            "nearest_program_slug": nearest.slug if nearest else "",
            "virtual_programs": virtual[i],
            "is_desert": bool(found.is_desert[i]),
            "rank": int(rank[i]) if rank[i] > 0 else None,
            "supply_index": _finite(found.supply_index[i], 1),
            "demand_index": _finite(found.demand_index[i], 1),
            "low_income_share": area.low_income_share,
        }
        for name in AREA_COLUMNS:
            columns[name].append(row[name])

    summary = _summary(columns, None)
    summary["by_locale"] = {
        locale: _summary(columns, locale)
        for locale in LOCALES
        if any(value == locale for value in columns["locale"])
    }
    summary.update(
        {
            "in_person_programs": len(in_person),
            "sites": len(site_lat),
            "seats": round(sum(site_seats), 1),
            "programs_with_assumed_seats": assumed,
            "programs_without_location": sum(1 for o in counted if not o.online and not o.points),
            "virtual_programs": len(online),
            "hypothetical_programs": sum(1 for o in counted if o.hypothetical),
            "pairs_in_reach": found.pairs,
        }
    )
    progress(95, "saving")
    return {
        "version": RESULT_VERSION,
        "parameters": params.to_dict(),
        "summary": summary,
        "areas": columns,
    }


def _summary(columns: dict[str, list[Any]], locale: str | None) -> dict[str, Any]:
    rows = [i for i, value in enumerate(columns["locale"]) if locale is None or value == locale]
    youth = [columns["youth"][i] for i in rows]
    deserts = [i for i in rows if columns["is_desert"][i]]
    with_youth = [columns["access_per_1000"][i] for i in rows if columns["youth"][i] > 0]
    total = sum(youth)
    in_reach = sum(columns["youth"][i] for i in rows if columns["seats_within"][i] > 0)
    return {
        "areas": len(rows),
        "youth": total,
        "deserts": len(deserts),
        "youth_in_deserts": sum(columns["youth"][i] for i in deserts),
        "youth_with_program_in_reach": in_reach,
        "share_with_program_in_reach": round(in_reach / total, 4) if total else None,
        "median_seats_per_1000": round(float(np.median(with_youth)), 2) if with_youth else None,
    }


def result_of(run: AnalysisRun) -> RunResult:
    """A finished run's result, typed, with each priority area's reasons in the reader's
    language. DomainError when the run has no result (queued, running or failed)."""
    if run.status != RunStatus.DONE or not run.result:
        raise DomainError(_("This analysis has no result yet."))
    return _result(run.result, run.analysis.ecosystem)


def _result(data: dict[str, Any], ecosystem: Ecosystem) -> RunResult:
    params = Parameters.from_dict(data["parameters"])
    columns = data["areas"]
    areas = [
        AreaAccess(**dict(zip(AREA_COLUMNS, values, strict=True)))
        for values in zip(*(columns[name] for name in AREA_COLUMNS), strict=True)
    ]
    result = RunResult(
        summary=data["summary"], areas=areas, parameters=params, field_word=_field_word(params)
    )
    language = translation.get_language()

    def explain(area: AreaAccess) -> str:
        with translation.override(language):
            return reasons(area, result, ecosystem)

    for area in result.areas:
        if area.rank is not None:
            area.explain = explain
    return result


def _field_word(params: Parameters) -> str:
    """The word for the programs counted: "robotics" when the analysis filters by that one
    field, "STEM" otherwise."""
    if len(params.stem_fields) == 1:
        return str(stem_profile.label("stem_field", params.stem_fields[0])).lower()
    return _("STEM")


def reasons(area: AreaAccess, result: RunResult, ecosystem: Ecosystem) -> str:
    """Why an area is a priority, e.g. "612 students, 78% low-income, nearest robotics program
    23 mi, 0 seats within 20 mi". Small counts are suppressed (and then no shares are shown)."""
    parts = [youth_text(area.youth, ecosystem)]
    share = publish_area(area, ecosystem).low_income_share
    if share is not None:
        parts.append(
            _("%(percent)s%% low-income") % {"percent": formats.number_format(round(share * 100))}
        )
    word = result.field_word
    if area.nearest_miles is None:
        parts.append(_("no %(field)s program within reach anywhere") % {"field": word})
    else:
        parts.append(
            _("nearest %(field)s program %(miles)s mi")
            % {"field": word, "miles": _miles(area.nearest_miles)}
        )
    seats = round(area.seats_within)
    parts.append(
        ngettext(
            "%(seats)s seat within %(miles)s mi",
            "%(seats)s seats within %(miles)s mi",
            seats,
        )
        % {
            "seats": formats.number_format(seats, force_grouping=True),
            "miles": _miles(area.catchment_mi),
        }
    )
    if area.virtual_programs:
        parts.append(
            ngettext(
                "%(n)s online program",
                "%(n)s online programs",
                area.virtual_programs,
            )
            % {"n": area.virtual_programs}
        )
    return ", ".join(parts)


def _miles(value: float) -> str:
    return formats.number_format(round(value) if value >= 10 else round(value, 1))


# Small-cell suppression ------------------------------------------------------------------------


def publishable(value: int | float | None, ecosystem: Ecosystem) -> int | None:
    """A count of young people as it may be published (`ecotone.suppression.publish_count` with
    the ecosystem's threshold): None when hidden."""
    if value is None:
        return None
    return suppression.publish_count(math.floor(value + 0.5), ecosystem.suppression_threshold)


def is_hidden(value: int | float | None, ecosystem: Ecosystem) -> bool:
    """Whether publishing hides this count of young people (one from 1 to the threshold - 1)."""
    return value is not None and publishable(value, ecosystem) is None


def hidden_text(ecosystem: Ecosystem) -> str:
    """What stands in a table for a hidden count: "fewer than 10"."""
    return _("fewer than %(n)s") % {"n": ecosystem.suppression_threshold}


@dataclass(frozen=True)
class PublishedArea:
    """An area's figures about its young people, as they may be published."""

    youth: int | None  # None when hidden
    hidden: bool
    need: float | None
    low_income_share: float | None


def publish_area(area: AreaAccess, ecosystem: Ecosystem) -> PublishedArea:
    """An area's count through `publishable`. When the count is hidden, its shares and the need
    index made of them are hidden with it: they describe fewer young people than the threshold
    (pages, map, exports and the API all take an area's figures from here)."""
    hidden = is_hidden(area.youth, ecosystem)
    return PublishedArea(
        youth=publishable(area.youth, ecosystem),
        hidden=hidden,
        need=None if hidden else area.need,
        low_income_share=None if hidden else area.low_income_share,
    )


def hides_small_area(areas: Iterable[AreaAccess], ecosystem: Ecosystem) -> bool:
    """Whether any of `areas` has a youth count that publishing suppresses."""
    return any(is_hidden(a.youth, ecosystem) for a in areas)


def publishable_total(
    value: int | float | None, ecosystem: Ecosystem, *, rounded: bool
) -> int | None:
    """A total of young people over areas, as it may be published. When a suppressed area is
    among them (`rounded`), the exact total minus the areas' shown counts would give the hidden
    count back, so the total is rounded (`ecotone.suppression.publish_total`: to tens, halves
    up, docs/privacy.md): it is then published as "about 410"."""
    if value is None:
        return None
    return suppression.publish_total(
        math.floor(value + 0.5), ecosystem.suppression_threshold, over_hidden=rounded
    )


def publishable_change(
    value: int | float | None, ecosystem: Ecosystem, *, rounded: bool
) -> int | None:
    """A change in a total of young people (a scenario against today), published as the total
    would be, with its sign."""
    if value is None:
        return None
    shown = publishable_total(abs(value), ecosystem, rounded=rounded)
    return None if shown is None else (shown if value >= 0 else -shown)


YOUTH_TOTALS = ("youth", "youth_in_deserts", "youth_with_program_in_reach")


def published_summary(
    summary: dict[str, Any], areas: Sequence[AreaAccess], ecosystem: Ecosystem
) -> dict[str, Any]:
    """A run's summary as it may be published: every youth total through `publishable_total`
    (rounded where a suppressed area is among the areas it adds up), `rounded` saying so."""
    rounded = hides_small_area(areas, ecosystem)
    shown = {
        key: publishable_total(value, ecosystem, rounded=rounded) if key in YOUTH_TOTALS else value
        for key, value in summary.items()
        if key != "by_locale"
    }
    shown["rounded"] = rounded
    if "by_locale" in summary:
        shown["by_locale"] = {
            locale: published_summary(figures, [a for a in areas if a.locale == locale], ecosystem)
            for locale, figures in summary["by_locale"].items()
        }
    return shown


def publishable_breakdown(counts: dict[str, int], ecosystem: Ecosystem) -> dict[str, int | None]:
    """The cells of one breakdown (grade bands, race counts) of a total published exactly beside
    it, through `ecotone.suppression.suppress` with `exact_total`: small cells hidden, and more
    until none can be worked out from the total."""
    return suppression.suppress(counts, ecosystem.suppression_threshold, exact_total=True).cells


def youth_text(value: int, ecosystem: Ecosystem) -> str:
    """ "612 students" or "fewer than 10 students"."""
    shown = publishable(value, ecosystem)
    if shown is None:
        threshold = ecosystem.suppression_threshold
        return ngettext("fewer than %(n)s student", "fewer than %(n)s students", threshold) % {
            "n": threshold
        }
    return ngettext("%(n)s student", "%(n)s students", shown) % {
        "n": formats.number_format(shown, force_grouping=True)
    }


# Runs: cached under a fingerprint --------------------------------------------------------------


def ecosystem_state(ecosystem: Ecosystem) -> dict[str, Any]:
    """What a run depends on in the ecosystem, in one query: per table, how many rows and the
    latest change. Any edit (a program, a location, a schedule, a term, an area) moves it."""
    sources: dict[str, tuple[type[Any], str, bool]] = {
        "programs": (Program, "ecosystem", True),
        "locations": (Location, "ecosystem", True),
        "program_locations": (ProgramLocation, "program__ecosystem", False),
        "schedules": (Schedule, "program__ecosystem", True),
        "attributes": (ProgramAttribute, "program__ecosystem", False),
        "languages": (Language, "program__ecosystem", False),
        "capacities": (ServiceCapacity, "program__ecosystem", True),
        "areas": (PopulationArea, "ecosystem", True),
    }
    annotations: dict[str, Any] = {}
    for name, (model, path, stamped) in sources.items():
        rows = model.objects.filter(**{path: OuterRef("pk")}).order_by().values(path)
        annotations[f"{name}_n"] = Coalesce(
            Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), Value(0)
        )
        if stamped:
            annotations[f"{name}_at"] = Subquery(
                rows.annotate(at=Max("updated_at")).values("at")[:1]
            )
    row = Ecosystem.objects.filter(pk=ecosystem.pk).values(**annotations).get()
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in row.items()
    }


def fingerprint(analysis: Analysis, scenario: Scenario | None = None) -> str:
    """The hash of everything a run is computed from."""
    seed = {
        "version": RESULT_VERSION,
        "parameters": parameters_of(analysis).to_dict(),
        "scenario": scenario.programs if scenario is not None else None,
        "state": ecosystem_state(analysis.ecosystem),
        "suppression": analysis.ecosystem.suppression_threshold,
    }
    text = json.dumps(seed, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _runs(analysis: Analysis, scenario: Scenario | None) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(analysis=analysis, scenario=scenario).order_by(
        "-created_at", "-pk"
    )


def is_current(run: AnalysisRun) -> bool:
    return run.fingerprint == fingerprint(run.analysis, run.scenario)


def latest_run(
    analysis: Analysis, scenario: Scenario | None = None, *, start: bool = True
) -> AnalysisRun:
    """The run for the current fingerprint: the cached one when there is one (done, queued,
    running, or failed — see `start_run` to try a failed one again); otherwise, with `start`, a
    new one, computed at once in a small ecosystem and queued as a task in a large one.

    With `start=False` and nothing current: the newest run of any fingerprint (stale), or an
    unsaved queued run when there has never been one.
    """
    current = fingerprint(analysis, scenario)
    run = _runs(analysis, scenario).filter(fingerprint=current).first()
    if run is not None and start and _abandoned(run):
        run = None  # its worker died: start again
    if run is None and not start:
        run = _runs(analysis, scenario).first() or AnalysisRun(fingerprint=current, stage="queued")
    if run is None:
        return start_run(analysis, scenario, fingerprint_=current)
    run.analysis, run.scenario = analysis, scenario  # already loaded by the caller
    return run


def _abandoned(run: AnalysisRun) -> bool:
    """A run queued or running for longer than ATLAS_RUN_TIMEOUT seconds (default an hour):
    its worker was stopped or lost; a national analysis takes well under a minute."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return False
    timeout = float(getattr(settings, "ATLAS_RUN_TIMEOUT", 3600))
    return (timezone.now() - run.updated_at).total_seconds() > timeout


def last_done_run(analysis: Analysis, scenario: Scenario | None = None) -> AnalysisRun | None:
    """The newest finished run, current or not: what a page shows while a new one computes."""
    run = _runs(analysis, scenario).filter(status=RunStatus.DONE).first()
    if run is not None:
        run.analysis, run.scenario = analysis, scenario
    return run


def start_run(
    analysis: Analysis, scenario: Scenario | None = None, *, fingerprint_: str | None = None
) -> AnalysisRun:
    """A new run: computed now when the ecosystem has fewer areas than ATLAS_SYNC_MAX_AREAS,
    else queued (`compute_analysis_run`), its progress and stage saved as it goes."""
    current = fingerprint_ or fingerprint(analysis, scenario)
    with transaction.atomic():
        # One run at a time per fingerprint: two people opening a stale atlas at once, or a
        # page polled while a worker computes, share the run in flight (the analysis row's
        # lock orders them on PostgreSQL; SQLite runs one writer at a time anyway).
        Analysis.objects.select_for_update().filter(pk=analysis.pk).first()
        in_flight = (
            _runs(analysis, scenario)
            .filter(fingerprint=current, status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
            .first()
        )
        if in_flight is not None and not _abandoned(in_flight):
            in_flight.analysis, in_flight.scenario = analysis, scenario
            return in_flight
        run = AnalysisRun.objects.create(
            analysis=analysis, scenario=scenario, fingerprint=current, stage="queued"
        )
    areas = PopulationArea.objects.filter(ecosystem=analysis.ecosystem).count()
    if areas < sync_max_areas():
        compute_run(run)
    else:
        # With the immediate backend (demo, tests) this computes now; else a worker picks it up.
        compute_analysis_run.enqueue(run.pk)
        run.refresh_from_db()
    return run


def compute_run(run: AnalysisRun) -> AnalysisRun:
    """Compute a queued run now, saving progress as it goes; a failure is recorded on the run."""
    started = clock.monotonic()
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.progress = 0
    run.stage = "loading"
    run.save(update_fields=["status", "started_at", "progress", "stage", "updated_at"])
    last = [-1]

    def on_progress(percent: int, stage: str) -> None:
        if percent != last[0]:
            last[0] = percent
            AnalysisRun.objects.filter(pk=run.pk).update(
                progress=percent, stage=stage, updated_at=timezone.now()
            )

    try:
        params = parameters_of(run.analysis)
        extra = (
            hypothetical_offers(clean_scenario_programs(run.scenario.programs))
            if run.scenario is not None
            else ()
        )
        run.result = compute(run.analysis.ecosystem, params, extra, on_progress)
    except Exception as error:
        logger.exception("Analysis run %s failed", run.pk)
        run.status = RunStatus.FAILED
        run.stage = "failed"
        run.error = (
            str(error)
            if isinstance(error, DomainError)
            else _(
                "The analysis failed unexpectedly. Try again, or tell the people who run this site."
            )
        )
    else:
        run.status = RunStatus.DONE
        run.progress = 100
        run.stage = "done"
    run.finished_at = timezone.now()
    run.seconds = round(clock.monotonic() - started, 3)
    run.save()
    if run.status == RunStatus.DONE:
        # Older results of the same analysis and scenario are superseded: keep the table small.
        _runs(run.analysis, run.scenario).filter(created_at__lt=run.created_at).exclude(
            status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
        ).delete()
    return run


@task()
def compute_analysis_run(run_id: int) -> str:
    """Compute a queued analysis run, saving its progress and stage as it goes; returns the
    run's final status ("gone" when it was deleted meanwhile)."""
    run = (
        AnalysisRun.objects.select_related("analysis__ecosystem", "scenario")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        return "gone"
    if run.status != RunStatus.QUEUED:
        return str(run.status)
    return str(compute_run(run).status)


# Scenarios -------------------------------------------------------------------------------------


def scenarios(analysis: Analysis) -> QuerySet[Scenario]:
    return Scenario.objects.filter(analysis=analysis).order_by("name", "pk")


def save_scenario(
    analysis: Analysis,
    *,
    user: Any,
    name: str,
    description: str = "",
    programs: Any,
    scenario: Scenario | None = None,
    expected_version: str | None = None,
) -> Scenario:
    """Save a new scenario, or change `scenario`; InvalidInputError names each bad field. A
    stale `expected_version` (someone else saved the scenario meanwhile) raises
    `EditConflictError`."""
    errors: dict[str, list[str]] = {}
    try:
        name = _clean_name(name)
    except InvalidInputError as error:
        errors.update(error.errors)
    try:
        cleaned = clean_scenario_programs(programs)
    except InvalidInputError as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInputError(errors)
    if scenario is not None and scenario.analysis_id != analysis.pk:
        raise DomainError(_("This scenario belongs to another analysis."))
    with acting(user):
        if scenario is None:
            scenario = Scenario(
                analysis=analysis, created_by=user if getattr(user, "pk", None) else None
            )
        else:
            concurrency.require(expected_version, concurrency.locked_version(scenario))
        scenario.name = name
        scenario.description = (description or "").strip()
        scenario.programs = cleaned
        scenario.save()
    return scenario


def delete_scenario(scenario: Scenario, *, user: Any) -> None:
    with acting(user):
        scenario.delete()


@dataclass
class ScenarioComparison:
    """One scenario against the baseline. `result` is None while its run is not done."""

    name: str
    scenario: Scenario | None
    run: AnalysisRun | None
    result: RunResult | None
    deltas: dict[str, float | None] = field(default_factory=dict)
    no_longer_deserts: list[AreaAccess] = field(default_factory=list)
    new_deserts: list[AreaAccess] = field(default_factory=list)
    youth_newly_in_reach: int = 0
    areas_newly_in_reach: int = 0

    @property
    def ready(self) -> bool:
        return self.result is not None


@dataclass
class Comparison:
    baseline_run: AnalysisRun
    baseline: RunResult | None
    columns: list[ScenarioComparison]

    @property
    def ready(self) -> bool:
        return self.baseline is not None and all(c.ready for c in self.columns)


DELTA_KEYS = (
    "deserts",
    "youth_in_deserts",
    "youth_with_program_in_reach",
    "share_with_program_in_reach",
    "median_seats_per_1000",
    "seats",
    "sites",
    "virtual_programs",
)


def _against(
    baseline: RunResult, result: RunResult, comparison: ScenarioComparison
) -> ScenarioComparison:
    comparison.result = result
    for key in DELTA_KEYS:
        before, after = baseline.summary.get(key), result.summary.get(key)
        comparison.deltas[key] = (
            round(after - before, 4) if before is not None and after is not None else None
        )
    before_areas = baseline.by_id()
    for area in result.areas:
        old = before_areas.get(area.id)
        if old is None:
            continue
        if old.is_desert and not area.is_desert:
            comparison.no_longer_deserts.append(area)
        elif area.is_desert and not old.is_desert:
            comparison.new_deserts.append(area)
        if not old.has_program_in_reach and area.has_program_in_reach:
            comparison.youth_newly_in_reach += area.youth
            comparison.areas_newly_in_reach += 1
    comparison.no_longer_deserts.sort(key=lambda a: before_areas[a.id].rank or 0)
    return comparison


def compare(analysis: Analysis, scenarios: Sequence[Scenario | None]) -> Comparison:
    """Each scenario (None: the baseline itself) against the analysis's baseline: summary
    deltas, areas that stop being deserts, young people newly with a program in reach.

    Runs that are not done yet (large ecosystems) leave their column's result None: the page
    polls and asks again.
    """
    baseline_run = latest_run(analysis)
    baseline = result_of(baseline_run) if baseline_run.status == RunStatus.DONE else None
    columns = []
    for scenario in scenarios:
        if scenario is not None and scenario.analysis_id != analysis.pk:
            raise DomainError(_("This scenario belongs to another analysis."))
        run = baseline_run if scenario is None else latest_run(analysis, scenario)
        column = ScenarioComparison(
            name=scenario.name if scenario is not None else _("Today"),
            scenario=scenario,
            run=run,
            result=None,
        )
        if baseline is not None and run.status == RunStatus.DONE:
            _against(baseline, result_of(run), column)
        columns.append(column)
    return Comparison(baseline_run=baseline_run, baseline=baseline, columns=columns)


def preview_scenario(analysis: Analysis, programs: Any, *, user: Any) -> ScenarioComparison:
    """What hypothetical programs would change, computed now and saved nowhere.

    The baseline comes from the cached run (computed now if there is none: a preview of a
    large ecosystem takes as long as its analysis).
    """
    cleaned = clean_scenario_programs(programs)
    ecosystem = analysis.ecosystem
    params = parameters_of(analysis)
    baseline_run = latest_run(analysis)
    if baseline_run.status == RunStatus.DONE:
        baseline = result_of(baseline_run)
    else:
        baseline = _result(compute(ecosystem, params), ecosystem)
    result = _result(compute(ecosystem, params, hypothetical_offers(cleaned)), ecosystem)
    column = ScenarioComparison(name=_("Preview"), scenario=None, run=None, result=None)
    return _against(baseline, result, column)
