"""Indicators: their definitions, the versions that keep their history, the starter library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import codes
from ..models import (
    AGGREGATION_OF_UNIT,
    VERSIONED_FIELDS,
    Direction,
    Indicator,
    IndicatorVersion,
    PeriodType,
    Unit,
)

# What a person may set; the rest (key, version, archiving) the services keep.
EDITABLE = (*VERSIONED_FIELDS, "is_published")
# Addresses of the indicator pages that a key must not take (indicators/new/, .../install/).
RESERVED_KEYS = frozenset({"new", "install"})
STARTER_LIBRARY = Path(__file__).resolve().parent.parent / "data" / "starter_library.json"


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as they will be saved, or DomainError saying what is wrong."""
    unknown = set(fields) - set(EDITABLE) - {"aggregation"}
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    cleaned = dict(fields)
    unit = cleaned.get("unit")
    if unit not in Unit.values:
        raise DomainError(_("Choose the indicator's unit."))
    aggregation = AGGREGATION_OF_UNIT[Unit(unit)]
    if cleaned.get("aggregation") not in (None, "", aggregation):
        raise DomainError(
            _(
                "A count is summed; a percent, a mean or a scale score is recomputed from summed "
                "numerators and denominators, never averaged."
            )
        )
    cleaned["aggregation"] = aggregation
    for name in ("name", "numerator", "denominator"):
        cleaned[name] = " ".join(str(cleaned.get(name) or "").split())
    cleaned["definition"] = str(cleaned.get("definition") or "").strip()
    if not cleaned["name"]:
        raise DomainError(_("Give the indicator a name."))
    if not cleaned["definition"]:
        raise DomainError(_("Say what the indicator counts: its definition."))
    if aggregation != "sum" and not (cleaned["numerator"] and cleaned["denominator"]):
        raise DomainError(
            _("Say what the numerator and the denominator count: a ratio is recomputed from them.")
        )
    if aggregation == "sum":
        cleaned["numerator"] = cleaned["denominator"] = ""
    if cleaned.get("direction", Direction.HIGHER) not in Direction.values:
        raise DomainError(_("Choose whether higher or lower is better."))
    if cleaned.get("period_type", PeriodType.SCHOOL_YEAR) not in PeriodType.values:
        raise DomainError(_("Choose the period the indicator is counted over."))
    dimensions = list(dict.fromkeys(cleaned.get("dimensions") or []))
    unknown_dimensions = [d for d in dimensions if d not in codes.OPTION_SETS]
    if unknown_dimensions:
        raise DomainError(
            _("Unknown dimensions: %(names)s.") % {"names": ", ".join(unknown_dimensions)}
        )
    cleaned["dimensions"] = dimensions
    return cleaned


def _unique_key(ecosystem: Ecosystem, name: str) -> str:
    """A slug of the name, with "-2", "-3"... when taken; short enough for the key's 60."""
    base = slugify(name)[:50] or "indicator"
    taken = set(ecosystem.indicators.filter(key__startswith=base).values_list("key", flat=True))
    candidate, n = base, 2
    while candidate in taken or candidate in RESERVED_KEYS:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _record_version(indicator: Indicator, actor: Any) -> IndicatorVersion:
    return IndicatorVersion.objects.create(
        indicator=indicator,
        number=indicator.version,
        definition={name: getattr(indicator, name) for name in VERSIONED_FIELDS},
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def create_indicator(
    ecosystem: Ecosystem, actor: Any, *, starter_key: str = "", **fields: Any
) -> Indicator:
    cleaned = _checked(fields)
    with acting(actor):
        indicator = Indicator(ecosystem=ecosystem, starter_key=starter_key, version=1, **cleaned)
        indicator.key = _unique_key(ecosystem, starter_key or cleaned["name"])
        indicator.save()
        _record_version(indicator, actor)
    return indicator


def update_indicator(
    indicator: Indicator, actor: Any, *, expected_version: str | None = None, **fields: Any
) -> Indicator:
    """Save the new definition; a change of meaning (any of VERSIONED_FIELDS) is a new version,
    publishing or unpublishing alone is not. A stale `expected_version` (the record's
    `concurrency.version_of` when the person loaded it) raises `EditConflictError`."""
    cleaned = _checked(fields)
    with acting(actor):
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        concurrency.require(expected_version, concurrency.version_of(indicator))
        changed = any(
            getattr(indicator, name) != cleaned[name]
            for name in VERSIONED_FIELDS
            if name in cleaned
        )
        for name, value in cleaned.items():
            setattr(indicator, name, value)
        if changed:
            indicator.version += 1
        indicator.save()
        if changed:
            _record_version(indicator, actor)
    return indicator


def archive_indicator(indicator: Indicator, actor: Any) -> Indicator:
    """Archive instead of delete: its values and versions stay; it leaves lists and the API."""
    if indicator.is_archived:
        raise DomainError(_("This indicator is already archived."))
    with acting(actor):
        indicator.archived_at = timezone.now()
        indicator.save(update_fields=["archived_at", "updated_at"])
    return indicator


def restore_indicator(indicator: Indicator, actor: Any) -> Indicator:
    if not indicator.is_archived:
        raise DomainError(_("This indicator is not archived."))
    with acting(actor):
        indicator.archived_at = None
        indicator.save(update_fields=["archived_at", "updated_at"])
    return indicator


def starter_library() -> list[dict[str, Any]]:
    """The starter library as shipped (data/starter_library.json), in both languages."""
    entries: list[dict[str, Any]] = json.loads(STARTER_LIBRARY.read_text("utf-8"))
    return entries


def install_starter_library(actor: Any, ecosystem: Ecosystem) -> list[Indicator]:
    """Add the starter library's indicators the ecosystem does not have yet (unpublished, in
    the ecosystem's language); entries installed before are left as the backbone edited
    them. Returns the indicators added."""
    language = "es" if ecosystem.default_language.startswith("es") else "en"
    have = set(ecosystem.indicators.exclude(starter_key="").values_list("starter_key", flat=True))
    added = []
    with acting(actor):
        for entry in starter_library():
            if entry["key"] in have:
                continue
            words = entry[language]
            added.append(
                create_indicator(
                    ecosystem,
                    actor,
                    starter_key=entry["key"],
                    name=words["name"],
                    definition=words["definition"],
                    numerator=words["numerator"],
                    denominator=words["denominator"],
                    unit=entry["unit"],
                    direction=entry["direction"],
                    period_type=entry["period_type"],
                    dimensions=entry["dimensions"],
                )
            )
    return added
