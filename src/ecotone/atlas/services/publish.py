"""Counts of young people as the atlas publishes them, and a run's figures and words in one call.

Every count of young people a page, an export or the API shows passes the small-cell rule of
`ecotone.suppression` with the ecosystem's threshold (docs/privacy.md): a small count is hidden
("fewer than 10"), with the shares and the need index that describe it; a total over areas
among which one is hidden is rounded ("about 410"). `Figures` applies all of it to a run's areas
at once, so the pages, the export and the API ask it rather than each rule in turn.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.ecosystems.models import Ecosystem

from ..models import YOUTH_BAND_FIELDS, PopulationArea
from .results import AreaAccess

# The need indicators of an area, shares of its young people.
SHARE_FIELDS = (
    "low_income_share",
    "english_learner_share",
    "students_of_color_share",
    "female_share",
    "disability_share",
)


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


def published_population_area(area: PopulationArea, ecosystem: Ecosystem) -> dict[str, Any]:
    """A population area's counts and shares as they may be published: a hidden count hides
    its bands, shares and race counts with it (as `publish_area` does for a run's area);
    otherwise the bands and the race counts are breakdowns of the exact total."""
    if is_hidden(area.youth_total, ecosystem):
        return {
            "youth_total": None,
            "youth_suppressed": True,
            **{name: None for name in (*YOUTH_BAND_FIELDS.values(), *SHARE_FIELDS)},
            "race_counts": {},
        }
    bands = {name: getattr(area, name) for name in YOUTH_BAND_FIELDS.values()}
    race = {k: int(v) for k, v in (area.race_counts or {}).items()}
    return {
        "youth_total": area.youth_total,
        "youth_suppressed": False,
        **{name: getattr(area, name) for name in SHARE_FIELDS},
        **publishable_breakdown(bands, ecosystem),
        "race_counts": publishable_breakdown(race, ecosystem),
    }


# A run's figures and words, in one call --------------------------------------------------------


def _youth_label(shown: int | None, hidden: bool, hidden_words: str) -> str:
    if hidden:
        return hidden_words
    return "—" if shown is None else number_format(shown, force_grouping=True)


@dataclass(frozen=True)
class AreaFigures:
    """An area's figures about its young people as they may be published, with the words a
    table shows for its count."""

    youth: int | None  # None when hidden
    hidden: bool
    need: float | None
    low_income_share: float | None
    hidden_text: str = field(repr=False)

    @property
    def youth_label(self) -> str:
        """ "612", or "fewer than 10" when hidden."""
        return _youth_label(self.youth, self.hidden, self.hidden_text)


class Figures:
    """Some of a run's areas (all of them, or one locale's) as they may be published: each
    area's figures (`area`), any count in words (`youth_label`), totals over the areas, rounded
    when a hidden area is among them (`total`, `total_label`, `summary`), and a scenario's
    changes (`changes`)."""

    def __init__(
        self, areas: Sequence[AreaAccess], ecosystem: Ecosystem, *, rounded: bool | None = None
    ) -> None:
        self.areas = areas
        self.ecosystem = ecosystem
        if rounded is not None:
            # Known beforehand (a stored run's digest): totals over areas not loaded here.
            self.__dict__["rounded"] = rounded

    @functools.cached_property
    def rounded(self) -> bool:
        """Whether totals over these areas are rounded: a hidden area is among them."""
        return hides_small_area(self.areas, self.ecosystem)

    @functools.cached_property
    def hidden_text(self) -> str:
        return hidden_text(self.ecosystem)

    def for_locale(self, locale: str) -> Figures:
        return Figures([a for a in self.areas if a.locale == locale], self.ecosystem)

    def area(self, area: AreaAccess) -> AreaFigures:
        shown = publish_area(area, self.ecosystem)
        return AreaFigures(
            youth=shown.youth,
            hidden=shown.hidden,
            need=shown.need,
            low_income_share=shown.low_income_share,
            hidden_text=self.hidden_text,
        )

    def is_hidden(self, value: int | float | None) -> bool:
        return is_hidden(value, self.ecosystem)

    def youth_label(self, value: int | float | None) -> str:
        """A count of young people in words: "612", "fewer than 10", "—" when unknown."""
        return _youth_label(
            publishable(value, self.ecosystem), self.is_hidden(value), self.hidden_text
        )

    def total(self, value: int | float | None) -> int | None:
        """A total over these areas (`publishable_total`)."""
        return publishable_total(value, self.ecosystem, rounded=self.rounded)

    def total_label(self, value: int | float | None) -> str:
        """A total over these areas in words: "about 410" when rounded."""
        shown = self.total(value)
        if shown is None or not self.rounded:
            return self.youth_label(value)
        return _("about %(n)s") % {"n": number_format(shown, force_grouping=True)}

    def summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """A run's summary over these areas (`published_summary`)."""
        return published_summary(summary, self.areas, self.ecosystem)

    def changes(self, deltas: dict[str, Any]) -> dict[str, Any]:
        """A scenario's changes against today: youth totals published as the totals are, with
        their sign (`publishable_change`); the other figures as they are."""
        return {
            key: publishable_change(value, self.ecosystem, rounded=self.rounded)
            if key in YOUTH_TOTALS
            else value
            for key, value in deltas.items()
        }
