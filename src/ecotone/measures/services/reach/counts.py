"""Unduplicated reach on the dashboards: each linkage run writes, for the indicator "Young
people reached (unduplicated)" (created when first needed, published), the ecosystem's counts
of distinct young people per school year, as ecosystem-wide values (no partner, no public
file): the dashboards' third source, `dashboards.REACH`, published with the same suppression
as every other dashboard.

Which combinations are written: every table a dashboard may publish (`dashboards._groups`):
the total, each dimension alone, sex crossed with each student group of equity analysis
(`dashboards.CROSSED`), and each of those crossed with the area (the slicer). A young person
counts once per school year, under the codes of their first row in it (`tallies`); a dimension
not every young person of the year has a code for is not written that year, and the dashboard
says so as it does for partners' incomplete breakdowns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from ... import tallies
from ...models import Indicator, LinkageEpoch, Period, PeriodType, Unit, Value
from .. import dashboards, indicators
from ..epochs import ROSTER_DIMENSIONS
from ..facts import combos, write_values

REACH_KEY = "unduplicated-reach"
AREA = tallies.AREA


def reach_indicator(ecosystem: Any) -> Indicator | None:
    """The ecosystem's unduplicated reach indicator, if a linkage run made it."""
    return (
        Indicator.objects.filter(ecosystem=ecosystem, starter_key=REACH_KEY).order_by("pk").first()
    )


def _fields(dimensions: Sequence[str]) -> dict[str, Any]:
    return {
        "name": _("Young people reached (unduplicated)"),
        "definition": _(
            "Distinct young people on the partners' participation rosters during the school"
            " year, linked across partners without names: each young person counts once,"
            " however many programs they went to."
        ),
        "unit": Unit.COUNT,
        "period_type": PeriodType.SCHOOL_YEAR,
        "dimensions": list(dimensions),
        "is_published": True,
    }


def ensure_indicator(ecosystem: Any, dimensions: Sequence[str]) -> Indicator:
    """The reach indicator, made or broadened to `dimensions` (a new version when they grow)."""
    found = reach_indicator(ecosystem)
    if found is None:
        return indicators.create_indicator(
            ecosystem, None, starter_key=REACH_KEY, **_fields(dimensions)
        )
    if set(dimensions) - set(found.dimensions):
        wanted = [d for d in [*ROSTER_DIMENSIONS, AREA] if d in {*dimensions, *found.dimensions}]
        fields = _fields(wanted) | {"name": found.name, "definition": found.definition}
        fields["is_published"] = found.is_published
        return indicators.update_indicator(found, None, **fields)
    return found


def subsets(dimensions: Sequence[str], area: bool) -> list[tuple[str, ...]]:
    """The combinations of dimensions a dashboard may ask for (module docstring)."""
    bases: list[tuple[str, ...]] = [(), *((d,) for d in dimensions)]
    if dashboards.CENTRE in dimensions:
        bases += [(dashboards.CENTRE, c) for c in dashboards.CROSSED if c in dimensions]
    return bases + ([(AREA, *b) for b in bases] if area else [])


def replace_values(
    epoch: LinkageEpoch,
    periods: Sequence[Period],
    by_period: Mapping[int, Mapping[int, tallies.Person]],
) -> int:
    """Replace the reach indicator's values of the epoch's school years by these people's
    counts (inside the caller's transaction); the number of values written."""
    ecosystem = epoch.ecosystem
    complete = {
        pk: tallies.complete_dimensions(people, [*ROSTER_DIMENSIONS, AREA])
        for pk, people in by_period.items()
    }
    present = [d for d in ROSTER_DIMENSIONS if any(d in c for c in complete.values())]
    indicator = ensure_indicator(ecosystem, [*present, AREA])
    Value.objects.filter(
        indicator=indicator,
        organization__isnull=True,
        source__isnull=True,
        period__in=[p.pk for p in periods],
    ).delete()
    rows: list[tuple[int, dict[str, str], int]] = []
    for period in periods:
        people = by_period.get(period.pk)
        if not people:
            continue
        dims = [d for d in complete[period.pk] if d != AREA]
        found = tallies.breakdowns(people, subsets(dims, AREA in complete[period.pk]))
        rows += [(period.pk, dict(key), n) for key, n in found.items()]
    if not rows:
        return 0
    keyed = combos(parts for _pk, parts, _n in rows)
    return write_values(
        (
            "ecosystem_id",
            "indicator_id",
            "indicator_version",
            "period_id",
            "combo_id",
            "value",
        ),
        (
            (
                ecosystem.pk,
                indicator.pk,
                indicator.version,
                period_pk,
                keyed[tuple(sorted(parts.items()))].pk,
                n,
            )
            for period_pk, parts, n in rows
        ),
    )
