"""Extra filters of the program search that a later domain adds, without the directory knowing it.

The directory's search (`directory/search.py`) stands left of the apps that group programs
their own way (pathways), so it cannot import them. An app registers a filter here in its
`AppConfig.ready()`: a query parameter (`key`), its label and choices for an ecosystem (the
select of the program search form), a function narrowing a queryset of programs to a chosen
value, and a version that changes whenever what the filter keeps may have (part of the map's
ETag). The search reads the parameter in `parse`, narrows in its one filtering function, so the
list, the API and the map's GeoJSON all honour it. An unknown value narrows nothing (the search
ignores unknown values, never errs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from ecotone.ecosystems.models import Ecosystem

MAX_VALUE_LENGTH = 100


@dataclass(frozen=True)
class ProgramFilter:
    key: str
    label: str | Promise
    # (value, label) pairs for this ecosystem's search form.
    choices: Callable[[Ecosystem], list[tuple[str, str]]]
    # (ecosystem, programs, value) -> the programs kept; `programs` unchanged for an unknown value.
    narrow: Callable[[Ecosystem, Any, str], Any]
    # Changes whenever the programs this filter keeps in this ecosystem may have.
    version: Callable[[Ecosystem], Any]


_FILTERS: dict[str, ProgramFilter] = {}


def register(program_filter: ProgramFilter) -> None:
    """Add a filter (idempotent: ready() may run more than once in tests)."""
    _FILTERS[program_filter.key] = program_filter


def registered() -> list[ProgramFilter]:
    return list(_FILTERS.values())


def get(key: str) -> ProgramFilter | None:
    return _FILTERS.get(key)
