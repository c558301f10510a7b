"""Offers: programs, real or hypothetical, with what the eligibility filters look at.

The ecosystem's listed, active programs become offers with their STEM profile, schedule, cost,
languages and seats (`program_offers`); a scenario's hypothetical programs are checked
(`clean_scenario_programs`) and become offers too (`hypothetical_offers`). `eligible` says
whether an offer counts under an analysis's filters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from ecotone.directory.models import (
    CostBand,
    Delivery,
    Frequency,
    Language,
    LocationType,
    Program,
    ProgramAttribute,
    ProgramLocation,
    ProgramStatus,
    Schedule,
    ServiceCapacity,
    TaxonomyTerm,
)
from ecotone.directory.search import AFTER_SCHOOL_FROM, AFTER_SCHOOL_UNTIL
from ecotone.ecosystems.models import Ecosystem

from ..parameters import GRADE_BANDS, Parameters
from .analyses import InvalidInputError, vocabulary

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
ALL_DAYS = (*WEEKDAYS, "SA", "SU")
LOW_COST = (CostBand.FREE, CostBand.LOW)


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

    Seven queries whatever the size: the programs, the STEM-profile terms, then the programs'
    terms, languages, weekly schedules, capacities and located sites, each in one pass.
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
    # The other tables are read by the ecosystem, not `program__in` the programs above: at
    # national scale SQLite's IN over 150,000 keys took 3 of the 4 seconds of the terms alone.
    # Rows of programs not listed above are read and never looked up.
    mine = {"program__ecosystem": ecosystem}
    facets = ("grade_band", "stem_field", "activity_type")
    term_codes = {
        pk: (facet, code.split("/", 1)[1])
        for pk, facet, code in TaxonomyTerm.objects.filter(facet__in=facets).values_list(
            "pk", "facet", "code"
        )
        if "/" in code
    }
    term_ids: dict[int, list[int]] = {}
    for pk, term_id in ProgramAttribute.objects.filter(
        **mine, term_id__in=list(term_codes)
    ).values_list("program_id", "term_id"):
        term_ids.setdefault(pk, []).append(term_id)
    # Programs share a few combinations of terms: each made a profile once.
    profiles: dict[frozenset[int], dict[str, frozenset[str]]] = {}

    def profile_of(ids: frozenset[int]) -> dict[str, frozenset[str]]:
        if ids not in profiles:
            found: dict[str, set[str]] = {}
            for term_id in ids:
                facet, code = term_codes[term_id]
                found.setdefault(facet, set()).add(code)
            profiles[ids] = {facet: frozenset(codes) for facet, codes in found.items()}
        return profiles[ids]

    languages: dict[int, set[str]] = {}
    for pk, code in Language.objects.filter(**mine).values_list("program_id", "code"):
        languages.setdefault(pk, set()).add(code)
    schedules: dict[int, list[tuple[str, int, str, time | None]]] = {}
    for pk, *rest in (
        Schedule.objects.filter(**mine)
        .order_by()
        .values_list("program_id", "freq", "interval", "byday", "opens_at")
    ):
        schedules.setdefault(pk, []).append(tuple(rest))  # type: ignore[arg-type]
    capacity = dict(
        ServiceCapacity.objects.filter(**mine, maximum__isnull=False)
        .order_by()
        .values("program_id")
        .annotate(most=Max("maximum"))
        .values_list("program_id", "most")
    )
    points: dict[int, list[tuple[float, float]]] = {}
    for pk, lat, lon in (
        ProgramLocation.objects.filter(
            **mine, location__latitude__isnull=False, location__longitude__isnull=False
        )
        .exclude(location__location_type=LocationType.VIRTUAL)
        .order_by("program_id", "location_id")
        .values_list("program_id", "location__latitude", "location__longitude")
    ):
        points.setdefault(pk, []).append((float(lat or 0.0), float(lon or 0.0)))  # not null

    offers = []
    # Programs share a few weekly patterns: each counted once.
    week: dict[tuple[tuple[str, int, str, time | None], ...], tuple[int, int]] = {}
    virtual, none = str(Delivery.VIRTUAL), frozenset[str]()
    for pk, name, slug, delivery, cost_band, transportation, seats in rows:
        profile = profile_of(frozenset(term_ids.get(pk, ())))
        pattern = tuple(schedules.get(pk, ()))
        if pattern not in week:
            week[pattern] = _schedule_days(pattern)
        days, after = week[pattern]
        if seats is None:
            seats = capacity.get(pk)
        offers.append(
            Offer(
                name=name,
                slug=slug,
                online=delivery == virtual,
                points=tuple(points.get(pk, ())) if delivery != virtual else (),
                seats=float(seats) if seats is not None else None,
                grade_bands=profile.get("grade_band", none),
                stem_fields=profile.get("stem_field", none),
                activity_types=profile.get("activity_type", none),
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
MAX_SCENARIO_PROGRAMS = 50
MAX_STOPS = 30
MAX_SCENARIO_SEATS = 100_000


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
