"""A listing's editable state as one JSON-ready dict, and the difference between two of them.

The program form, the moderation queue and `services.listings.apply_listing_state` all speak
this one shape, so a proposed change is stored, shown as a diff and applied from the same data:

    {"fields": {name: value, ...},              # PROGRAM_FIELDS, JSON scalars
     "profile": {facet code: [term codes]},     # grade bands, STEM fields, ...
     "languages": [ISO 639-1 codes],
     "locations": [location hsds ids],
     "schedules": [{SCHEDULE_FIELDS}, ...],     # the program's own (not per-location) schedules
     "capacities": [{CAPACITY_FIELDS}, ...]}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .. import stem_profile
from ..models import Location, Program, Schedule, ServiceCapacity, Weekday

PROGRAM_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "status",
    "url",
    "email",
    "phone",
    "application_process",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "delivery",
    "cost_band",
    "fees_description",
    "scholarships",
    "transportation_provided",
    "mentoring_depth",
    "term",
    "seats",
    "participants_last_year",
    "alert",
)
SCHEDULE_FIELDS = (
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "dtstart",
    "until",
    "count",
    "opens_at",
    "closes_at",
    "description",
)
CAPACITY_FIELDS = ("unit", "available", "maximum", "description")

# Languages offered in the form; the code is what HSDS exports, the name what pages show.
LANGUAGES: tuple[tuple[str, str, str | Promise], ...] = (
    ("en", "English", _("English")),
    ("es", "Spanish", _("Spanish")),
    ("zh", "Chinese", _("Chinese")),
    ("vi", "Vietnamese", _("Vietnamese")),
    ("ar", "Arabic", _("Arabic")),
    ("fr", "French", _("French")),
    ("ht", "Haitian Creole", _("Haitian Creole")),
    ("so", "Somali", _("Somali")),
    ("ne", "Nepali", _("Nepali")),
    ("pt", "Portuguese", _("Portuguese")),
    ("ru", "Russian", _("Russian")),
    ("asl", "American Sign Language", _("American Sign Language")),
)
LANGUAGE_NAMES = {code: english for code, english, _label in LANGUAGES}


def _json(value: Any) -> Any:
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def schedule_state(schedule: Schedule) -> dict[str, Any]:
    return {name: _json(getattr(schedule, name)) for name in SCHEDULE_FIELDS}


def capacity_state(capacity: ServiceCapacity) -> dict[str, Any]:
    return {name: getattr(capacity, name) for name in CAPACITY_FIELDS}


def empty_state() -> dict[str, Any]:
    fields = {}
    for name in PROGRAM_FIELDS:
        model_field = Program._meta.get_field(name)
        default = model_field.get_default()  # type: ignore[union-attr]
        nullable = getattr(model_field, "null", False)
        fields[name] = default if default is not None else (None if nullable else "")
    return {
        "fields": fields,
        "profile": {facet.code: [] for facet in stem_profile.FACETS},
        "languages": [],
        "locations": [],
        "schedules": [],
        "capacities": [],
    }


def program_state(program: Program) -> dict[str, Any]:
    """The live program in the shape a proposed change has."""
    profile: dict[str, list[str]] = {facet.code: [] for facet in stem_profile.FACETS}
    for attribute in program.attributes.select_related("term"):
        facet, _slash, code = attribute.term.code.partition("/")
        if facet in profile and code:
            profile[facet].append(code)
    return {
        "fields": {name: _json(getattr(program, name)) for name in PROGRAM_FIELDS},
        "profile": {facet: sorted(codes) for facet, codes in profile.items()},
        "languages": sorted(program.languages.values_list("code", flat=True)),
        "locations": sorted(
            str(hsds_id)
            for hsds_id in program.program_locations.values_list("location__hsds_id", flat=True)
        ),
        "schedules": [
            schedule_state(s)
            for s in program.schedules.filter(program_location__isnull=True).order_by("pk")
        ],
        "capacities": [capacity_state(c) for c in program.capacities.order_by("pk")],
    }


# The difference, for people ------------------------------------------------------------------


@dataclass
class Difference:
    """One line of a diff: what changed, from what, to what (all already readable text)."""

    label: str | Promise
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    @property
    def removed(self) -> list[str]:
        return [item for item in self.before if item not in self.after]

    @property
    def added(self) -> list[str]:
        return [item for item in self.after if item not in self.before]


def _field_text(name: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    model_field = Program._meta.get_field(name)
    choices = dict(model_field.choices or ())  # type: ignore[union-attr]
    if value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def describe_schedule(entry: dict[str, Any]) -> str:
    days = dict(Weekday.choices)
    parts = []
    if entry.get("freq") == "MONTHLY":
        parts.append(str(_("Monthly")))
        if entry.get("bymonthday"):
            parts.append(str(_("on day %(days)s")) % {"days": entry["bymonthday"]})
    else:
        every = entry.get("interval") or 1
        parts.append(str(_("Weekly")) if every == 1 else str(_("Every %(n)s weeks")) % {"n": every})
    byday = [str(days[d]) for d in (entry.get("byday") or "").split(",") if d in days]
    if byday:
        parts.append(", ".join(byday))
    if entry.get("opens_at"):
        parts.append(f"{entry['opens_at'][:5]}–{(entry.get('closes_at') or '')[:5]}")
    if entry.get("dtstart"):
        end = entry.get("until") or (
            str(_("%(n)s sessions")) % {"n": entry["count"]} if entry.get("count") else "…"
        )
        parts.append(f"{entry['dtstart']} → {end}")
    if entry.get("description"):
        parts.append(f"({entry['description']})")
    return " · ".join(parts)


def describe_capacity(entry: dict[str, Any]) -> str:
    text = f"{entry.get('available')} / {entry.get('maximum') or '?'} {entry.get('unit') or ''}"
    if entry.get("description"):
        text += f" ({entry['description']})"
    return text.strip()


def location_names(ids: Iterable[str]) -> dict[str, str]:
    ids = list(ids)
    rows = Location.objects.filter(hsds_id__in=ids).values_list("hsds_id", "name", "city")
    return {str(pk): f"{name}, {city}" if city else name for pk, name, city in rows}


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Difference]:
    """What changes from `before` (None for a new listing) to `after`, field by field.

    Lists (grade bands, languages, locations, schedules, capacities) are compared item by
    item, so a reviewer sees which entry was added or removed rather than two long lists.
    """
    before = before or empty_state()
    lines: list[Difference] = []
    for name in PROGRAM_FIELDS:
        old = _field_text(name, before["fields"].get(name))
        new = _field_text(name, after["fields"].get(name))
        if old != new:
            label = capfirst(Program._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            lines.append(Difference(label, [old] if old else [], [new] if new else []))
    for facet in stem_profile.FACETS:
        old_codes = before["profile"].get(facet.code, [])
        new_codes = after["profile"].get(facet.code, [])
        if sorted(old_codes) != sorted(new_codes):
            lines.append(
                Difference(
                    facet.label,
                    [str(stem_profile.label(facet.code, c)) for c in old_codes],
                    [str(stem_profile.label(facet.code, c)) for c in new_codes],
                )
            )
    labels = {code: str(label) for code, _english, label in LANGUAGES}
    if sorted(before["languages"]) != sorted(after["languages"]):
        lines.append(
            Difference(
                _("Languages"),
                [labels.get(c, c) for c in before["languages"]],
                [labels.get(c, c) for c in after["languages"]],
            )
        )
    if sorted(before["locations"]) != sorted(after["locations"]):
        names = location_names([*before["locations"], *after["locations"]])
        lines.append(
            Difference(
                _("Locations"),
                [names.get(i, i) for i in before["locations"]],
                [names.get(i, i) for i in after["locations"]],
            )
        )
    for key, label, describe in (
        ("schedules", _("Schedules"), describe_schedule),
        ("capacities", _("Capacity"), describe_capacity),
    ):
        old_items = [describe(e) for e in before[key]]
        new_items = [describe(e) for e in after[key]]
        if old_items != new_items:
            lines.append(Difference(label, old_items, new_items))
    return lines
