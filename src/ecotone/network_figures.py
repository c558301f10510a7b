"""Figures later domains add to a network's page, without ecosystems knowing them.

A network's page (`/n/<slug>/`) belongs to `ecosystems`, the left of the import order
(docs/architecture.md), so it cannot count programs, mentors or deserts itself. An app registers
here in its `AppConfig.ready()`:

- a `FigureSource`: its figures per ecosystem and, optionally, its monthly trends, each counted
  for every ecosystem of the network at once (a fixed number of queries, whatever their number);
- a `PublicPage`: a page of each ecosystem the network page links to (the finder, the atlas);
- a `Placement`: where an ecosystem sits on the network's map (the centre of its locations).

Figures are counts of records (programs, mentors, hours), never of young people: a count of
young people would have to pass `ecotone.suppression` before it is registered here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from ecotone.ecosystems.models import Ecosystem

# {ecosystem id: {figure key: value}}; a value is None where it does not apply (no analysis).
Counts = Mapping[int, Mapping[str, float | None]]
# {trend key: {first day of a month: value}}, summed over the ecosystems; months without data
# may be left out.
Monthly = Mapping[str, Mapping[datetime.date, float]]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    # "count" (a whole number) or "hours" (one decimal)
    kind: str = "count"
    # Whether the network's page compares the ecosystems on it in a chart (else: table only).
    chart: bool = True


@dataclass(frozen=True)
class FigureSource:
    key: str
    figures: Sequence[Measure]
    counts: Callable[[Sequence[int]], Counts]
    trends: Sequence[Measure] = ()
    # The trends from the month of `since` on, for these ecosystems.
    monthly: Callable[[Sequence[int], datetime.date], Monthly] | None = None


@dataclass(frozen=True)
class PublicPage:
    key: str
    label: str | Promise
    url_name: str
    # Whether this person sees the link, given the ecosystem's figures.
    shown: Callable[[Any, Ecosystem, Mapping[str, float | None]], bool]


# {ecosystem id: (latitude, longitude)} for the ecosystems that have a place to show.
Placement = Callable[[Sequence[int]], Mapping[int, tuple[float, float]]]

_SOURCES: dict[str, FigureSource] = {}
_PAGES: dict[str, PublicPage] = {}
_PLACEMENTS: dict[str, Placement] = {}


def register(source: FigureSource) -> None:
    """Add a source of figures (idempotent: ready() may run more than once in tests)."""
    _SOURCES[source.key] = source


def register_page(page: PublicPage) -> None:
    _PAGES[page.key] = page


def register_placement(key: str, placement: Placement) -> None:
    _PLACEMENTS[key] = placement


def month_of(value: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of a month as `TruncMonth` gives it (a datetime on a datetime field)."""
    return value.date() if isinstance(value, datetime.datetime) else value


def sources() -> list[FigureSource]:
    return list(_SOURCES.values())


def placements() -> list[Placement]:
    return list(_PLACEMENTS.values())


def pages_for(
    user: Any, ecosystem: Ecosystem, figures: Mapping[str, float | None]
) -> list[dict[str, Any]]:
    """The pages of this ecosystem this person is shown links to, ready for a template."""
    return [
        {
            "key": page.key,
            "label": page.label,
            "url": reverse(page.url_name, kwargs={"ecosystem_slug": ecosystem.slug}),
        }
        for page in _PAGES.values()
        if page.shown(user, ecosystem, figures)
    ]
