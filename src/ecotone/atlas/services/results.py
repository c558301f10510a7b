"""What a finished run holds, typed: one `AreaAccess` per area and the run's `RunResult`.

Youth figures here are raw counts: what is published goes through `publish`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..parameters import Parameters


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
