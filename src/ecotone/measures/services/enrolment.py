"""Enrolment in the area, the reference of representation: the young people enrolled in the
region's public schools by sex and race, from the latest applied NCES CCD membership file of
the dashboard's school year or, when there is none, of the nearest earlier one.

CCD counts are public, but published beside the programs' figures they go through the same
suppression as every other count (`dashboards` publishes them as one period of the file's
indicator: linked tables, least-cost complementary cells, the attacker's audit): a small
enrolled group is hidden, and so is any representation computed from it
(`dashboards.equity_by` gives `NotEnoughData("hidden")` for a metric that needs a hidden count).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ecotone.ecosystems.models import Ecosystem
from ecotone.uploads import UploadStatus

from .. import equity
from ..models import Period, PublicFormat, PublicSource, Value
from . import dashboards


@dataclass(frozen=True)
class Enrolment:
    source: PublicSource
    published: dashboards.PublishedPeriod  # the file's figures, suppressed and audited
    same_period: bool  # the file's school year is the dashboard's period

    @property
    def school_year(self) -> Period:
        return self.published.period


def ccd_source(ecosystem: Ecosystem, period: Period) -> PublicSource | None:
    """The applied CCD file of the school year starting last on or before `period` starts."""
    found: PublicSource | None = (
        PublicSource.objects.filter(
            ecosystem=ecosystem,
            format=PublicFormat.CCD_MEMBERSHIP,
            status=UploadStatus.APPLIED,
            indicator__isnull=False,
            period__start__lte=period.start,
        )
        .select_related("indicator", "period")
        .order_by("-period__start", "-pk")
        .first()
    )
    return found


def enrolment_for(ecosystem: Ecosystem, period: Period) -> Enrolment | None:
    """The area's enrolment to compare `period`'s figures with, published; None without a file."""
    source = ccd_source(ecosystem, period)
    if source is None or source.indicator is None or source.period is None:
        return None
    zero = Decimal(0)
    sums: dashboards.Sums = {
        tuple(sorted(row["combo__parts"].items())): (row["value"] or zero, zero, zero)
        for row in Value.objects.filter(
            source=source, indicator=source.indicator, period=source.period
        ).values("combo__parts", "value")
    }
    if not sums:
        return None
    dims = dashboards.publication_dimensions(source.indicator)
    published = dashboards._publish_period(
        source.indicator,
        source.period,
        sums,
        int(ecosystem.suppression_threshold),
        dims,
        {d: dashboards._codes_of(d, {source.period.pk: sums}) for d in dims},
    )
    return Enrolment(source, published, source.period.pk == period.pk)


def _metric(metric: equity.Metric) -> dict[str, Any]:
    if isinstance(metric, equity.Estimate):
        return {"value": metric.value, "low": metric.low, "high": metric.high}
    return {"not_enough_data": metric.reason}


def as_data(board: dashboards.Dashboard, enrolment: Enrolment | None) -> dict[str, Any] | None:
    """The enrolment and each group's representation, for the API: enrolled figures as the
    dashboards' (null when hidden, `hidden_because`), representation with its interval or
    `not_enough_data` and the reason."""
    if enrolment is None:
        return None
    groups: list[dict[str, Any]] = []
    for dimension in ("sex", "race"):
        enrolled = enrolment.published.breakdown(dimension)
        if enrolled is None or board.current.breakdown(dimension) is None:
            continue
        for found in dashboards.equity_by(board, dimension, enrolment=enrolment.published):
            figure = enrolled.get(found.code, dashboards.Figure(None, None))
            metric = found.representation
            groups.append(
                {
                    "dimension": dimension,
                    "code": found.code,
                    "enrolled": {
                        "value": figure.n,
                        "hidden_because": figure.mark or None,
                        "shown": dashboards.shown(
                            enrolment.source.indicator, figure, board.threshold
                        )
                        if enrolment.source.indicator
                        else "",
                    },
                    "representation": _metric(metric),
                }
            )
    return {
        "school_year": enrolment.school_year.label,
        "same_period": enrolment.same_period,
        "total": enrolment.published.total.n,
        "groups": groups,
    }
