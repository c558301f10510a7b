"""The one-page report of an ecosystem's or a partner's figures: for one period, the headline
of every published indicator (its total as the dashboard publishes it, the change from the
period before) and the largest equity gap the dashboard's metrics find.

Nothing here is counted or suppressed a second way: every figure is a `dashboards.dashboard`
figure (the same `suppress_linked` publication, audit included), and the gaps are
`dashboards.equity_by` metrics of it, which read published figures only.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from ecotone.ecosystems.models import Ecosystem, Organization

from .. import equity
from ..models import Indicator, Period, Unit
from . import dashboards, enrolment


@dataclass(frozen=True)
class Gap:
    """The largest gap of an indicator: a group of a dimension, and the metric that shows it
    ("gap": gap to parity of a percent, in proportion points; "representation": a count's
    share in programs over its share enrolled)."""

    dimension: str
    code: str
    kind: str
    metric: equity.Estimate


@dataclass
class Headline:
    indicator: Indicator
    board: dashboards.Dashboard
    previous: dashboards.PublishedPeriod | None
    change: float | None  # current less previous total (points for a percent); None if hidden
    gap: Gap | None


@dataclass
class Report:
    ecosystem: Ecosystem
    organization: Organization | None
    period: Period | None
    periods: list[Period]  # the periods the report may be asked for, latest first
    headlines: list[Headline]
    without_figures: list[Indicator]  # published, with no figures in the period
    generated_at: datetime.datetime
    threshold: int
    marks: set[str] = field(default_factory=set)  # the marks of the figures shown

    @property
    def hidden_count(self) -> int:
        return sum(h.board.current.hidden_count for h in self.headlines)


def report_indicators(ecosystem: Ecosystem) -> QuerySet[Indicator]:
    """The indicators a report covers: the published ones, whoever reads it (a report is
    printed and passed on: drafts stay on the backbone's dashboards)."""
    return Indicator.objects.filter(ecosystem=ecosystem).active().published().order_by("name", "pk")


def _gap(board: dashboards.Dashboard, enrolled: enrolment.Enrolment | None) -> Gap | None:
    """The group furthest from parity across the published breakdowns: the gap to parity of a
    percent, the representation of a count (where enrolment figures give one)."""
    percent = board.indicator.unit == Unit.PERCENT
    if board.indicator.is_ratio and not percent:
        return None
    best: tuple[float, Gap] | None = None
    dimensions = {d for dims in board.current.tables for d in dims}
    for dimension in sorted(dimensions):
        found = dashboards.equity_by(
            board, dimension, enrolment=enrolled.published if enrolled else None
        )
        for group in found:
            metric = group.gap if percent else group.representation
            if not isinstance(metric, equity.Estimate):
                continue
            if percent:
                size = abs(metric.value)
            elif metric.value > 0:
                size = abs(math.log(metric.value))
            else:
                continue
            if best is None or size > best[0]:
                kind = "gap" if percent else "representation"
                best = (size, Gap(dimension, group.code, kind, metric))
    return best[1] if best is not None and best[0] > 0 else None


def build(
    ecosystem: Ecosystem,
    *,
    organization: Organization | None = None,
    period_id: int | None = None,
) -> Report:
    """The report of `organization` (all partners when None) for the period `period_id` (the
    latest with figures when None or not one of them). The caller has checked that the person
    may see this partner (`dashboards.partners_seen`)."""
    indicators = list(report_indicators(ecosystem).select_related("ecosystem"))
    # A partner's report reads its submissions; the ecosystem's, each indicator's default
    # source (the partners' when they have values, else its public files).
    found_sources = {i.pk: dashboards.sources_of(i) for i in indicators}
    sources = {
        pk: dashboards.PARTNERS if organization else dashboards.default_source(found)
        for pk, found in found_sources.items()
    }
    periods_of = {i.pk: list(dashboards.periods_of(i, sources[i.pk])) for i in indicators}
    available: dict[int, Period] = {}
    for found in periods_of.values():
        for p in found:
            available.setdefault(p.pk, p)
    periods = sorted(available.values(), key=lambda p: (p.start, p.type), reverse=True)
    period = next((p for p in periods if p.pk == period_id), periods[0] if periods else None)
    enrolled = enrolment.enrolment_for(ecosystem, period) if period is not None else None
    headlines: list[Headline] = []
    without: list[Indicator] = []
    marks: set[str] = set()
    for indicator in indicators:
        own = periods_of[indicator.pk]
        if period is None or all(p.pk != period.pk for p in own):
            without.append(indicator)
            continue
        board = dashboards.dashboard(
            indicator,
            period=period,
            organizations=[organization] if organization else None,
            periods=own,
            source=sources[indicator.pk],
            sources=found_sources[indicator.pk],
        )
        current = board.current
        previous = board.periods[-2] if len(board.periods) > 1 else None
        now, before = current.total.value, previous.total.value if previous else None
        change = now - before if now is not None and before is not None else None
        for shown in (current, previous):
            if shown is not None and shown.total.mark:
                marks.add(shown.total.mark)
        for table in current.tables.values():
            marks.update(f.mark for f in table.figures.values() if f.mark)
        gap = _gap(board, enrolled)
        headlines.append(Headline(indicator, board, previous, change, gap))
    return Report(
        ecosystem=ecosystem,
        organization=organization,
        period=period,
        periods=periods,
        headlines=headlines,
        without_figures=without,
        generated_at=timezone.now(),
        threshold=int(ecosystem.suppression_threshold),
        marks=marks,
    )
