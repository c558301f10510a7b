"""A network's view of shared measurement: an indicator its ecosystems publish, summed across
them, for network operators (pages, their exports and the API alike).

Which indicators add up. An indicator of one ecosystem is the same as another's when both come
from the same starter-library entry (`Indicator.starter_key`) or, for a backbone's own, have
the same key, and both have the same unit and period type (else their figures do not add up).
Only published, active indicators of active ecosystems count: a network sees what each
ecosystem publishes, nothing more. Periods match by type and start date.

What is summed. Each ecosystem's part is its own dashboard (`dashboards.dashboard`, one
period, all its partners), computed as its public page computes it: the same true sums and
the same pattern of hidden cells, which are public already. The network's sets of linked
tables are sex crossed with each dimension an ecosystem crosses it with (with their margins)
and each other dimension; in each, every ecosystem
publishes what its own tables publish (the cross-tab, or sex and race apart, or the total
alone), and a network table is published when every ecosystem in the sum publishes it (no
cross-tab unless all have one). The cross-tab counts of an ecosystem that publishes none are
made up to fit its margins: they are left out of what is published and of the audit.

Why the sums cannot be suppressed alone. An ecosystem shows 30 girls, another hides its 3; a
network total of 33 girls suppressed on its own has nothing small and would be shown, and 33
less 30 gives the 3 back. So each table is suppressed with `suppression.suppress_summed`: the
ecosystems' tables stacked under one more dimension, "ecosystem", whose margins are each
ecosystem's figures fixed as published, and the sums hidden by the MILP until the attacker's
audit over everything published (every ecosystem's figures and the sums) passes. The sets share
figures (the total, and a percentage's numerator total): they are one family
(`suppression.table_family`), stacked set by set and suppressed as one, so a shared figure is
hidden in every set or in none and the audit runs over all the sets together.

Thresholds. Each ecosystem protected its figures with its own threshold; the sums are
suppressed with the highest of them, and every hidden figure must keep as many values as the
lowest one's (`protection_width`): the ecosystems' own hidden figures were protected for that,
and a wider demand could never be met without changing what they already publish.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.ecosystems.models import Ecosystem, Network

from .. import codes
from ..models import Indicator, Period, Unit
from . import dashboards
from .dashboards import IN, OUT, PART, Dashboard, PublishedPeriod, Sums, Table

ECOSYSTEM = "ecosystem"  # the stacked dimension of `suppression.suppress_summed`


@dataclass(frozen=True)
class NetworkIndicator:
    """One indicator as the network sees it: `identity` (its starter-library entry or key) and
    the indicator of each ecosystem that publishes it, in the ecosystems' name order."""

    identity: str
    unit: str
    period_type: str
    indicators: tuple[Indicator, ...]

    @property
    def first(self) -> Indicator:
        return self.indicators[0]

    @property
    def name(self) -> str:
        return self.first.name

    @property
    def ecosystems(self) -> list[Ecosystem]:
        return [i.ecosystem for i in self.indicators]


@dataclass(frozen=True)
class NetworkPeriod:
    start: datetime.date
    label: str
    periods: dict[int, Period]  # by ecosystem id: those with values of the indicator


@dataclass
class NetworkDashboard:
    network: Network
    indicator: NetworkIndicator
    period: NetworkPeriod
    ecosystems: list[Ecosystem]  # those summed
    board: Dashboard  # the sums, shaped as one ecosystem's dashboard of one period
    incomplete: list[str]  # breakdowns some ecosystem in the sum does not publish

    @property
    def current(self) -> PublishedPeriod:
        return self.board.current


def identity(indicator: Indicator) -> str:
    return indicator.starter_key or indicator.key


def network_ecosystems(network: Network) -> QuerySet[Ecosystem]:
    return network.ecosystems.filter(is_active=True).order_by("name", "pk")


def network_indicators(network: Network) -> list[NetworkIndicator]:
    """The indicators the network's ecosystems publish, matched across them (module
    docstring), by name."""
    found = (
        Indicator.objects.filter(ecosystem__in=network_ecosystems(network), is_published=True)
        .active()
        .select_related("ecosystem")
        .order_by("ecosystem__name", "ecosystem__pk", "name", "pk")
    )
    groups: dict[tuple[str, str, str], list[Indicator]] = defaultdict(list)
    for indicator in found:
        groups[(identity(indicator), indicator.unit, indicator.period_type)].append(indicator)
    return sorted(
        (
            NetworkIndicator(key, unit, period_type, tuple(found))
            for (key, unit, period_type), found in groups.items()
        ),
        key=lambda n: (n.name.lower(), n.identity, n.unit),
    )


def get_network_indicator(network: Network, key: str, unit: str = "") -> NetworkIndicator | None:
    """The network's indicator of this identity (the first by name when units differ and
    `unit` does not say which)."""
    for found in network_indicators(network):
        if found.identity == key and (not unit or found.unit == unit):
            return found
    return None


def network_periods(indicator: NetworkIndicator) -> list[NetworkPeriod]:
    """The periods in which at least one ecosystem has approved values, latest first."""
    by_start: dict[datetime.date, dict[int, Period]] = defaultdict(dict)
    for one in indicator.indicators:
        for period in dashboards.periods_of(one):
            by_start[period.start][one.ecosystem_id] = period
    return [
        NetworkPeriod(start, next(iter(periods.values())).label, periods)
        for start, periods in sorted(by_start.items(), reverse=True)
    ]


# Summing ---------------------------------------------------------------------------------------


def _slices(indicator: Indicator) -> list[tuple[str, ...]]:
    """The codes of the extra dimension of a percentage's tables (in or out of the numerator),
    or one empty slice."""
    return [(IN,), (OUT,)] if indicator.unit == Unit.PERCENT else [()]


def _total_cells(indicator: Indicator, published: PublishedPeriod) -> dict[Any, tuple[int, Any]]:
    """An ecosystem's total (and a percentage's numerator and remainder) without a table to
    take them from: {cell: (true count, as published)}."""
    total = published.sums.get((), (Decimal(0), Decimal(0), Decimal(0)))
    n = int(total[2] if indicator.is_ratio else total[0])
    figure = published.total
    found: dict[Any, tuple[int, Any]] = {suppression.Cell((), ()): (n, figure.n)}
    if indicator.unit == Unit.PERCENT:
        inside = int(total[1])
        shown = figure.n is not None and figure.numerator is not None
        found[suppression.Cell((PART,), (IN,))] = (inside, figure.numerator if shown else None)
        found[suppression.Cell((PART,), (OUT,))] = (n - inside, n - inside if shown else None)
    return found


def _north_west(rows: list[int], columns: list[int]) -> dict[tuple[int, int], int]:
    """A table of whole numbers with these row and column sums (equal totals): any one will
    do for figures no one publishes, and this one is found in one pass."""
    rows, columns = list(rows), list(columns)
    found: dict[tuple[int, int], int] = {}
    i = j = 0
    while i < len(rows) and j < len(columns):
        step = min(rows[i], columns[j])
        if step:
            found[(i, j)] = step
        rows[i] -= step
        columns[j] -= step
        if rows[i] == 0:
            i += 1
        else:
            j += 1
    return found


def _part(
    indicator: Indicator, published: PublishedPeriod, dims: tuple[str, ...]
) -> tuple[Any, dict[Any, Any]]:
    """One ecosystem's figures for a table of the network (`dims`: sex and race, or one other
    dimension) as linked tables over `dims` with every margin, and what it publishes of them
    (its own tables' cells, as published; the margins it does not publish left out). The
    counts of a cross-tab it does not publish are made up to fit the margins it does: they are
    never published, nor audited."""
    slices = _slices(indicator)
    known: dict[Any, tuple[int, Any]] = {}
    exact = published.tables.get(dims)
    for tdims, table in published.tables.items():
        if set(tdims) <= set(dims) and table.linked is not None:
            values = table.linked.values
            for cell, value in table.cells.items():
                before = known.get(cell)
                # shown in any of its tables, it is public
                shown = value if before is None or before[1] is None else before[1]
                known[cell] = (values[cell], shown)
    if not known:
        known = _total_cells(indicator, published)
    if exact is not None and exact.linked is not None:
        counts = dict(exact.linked.counts)
    else:
        counts = {}
        options = {d: [c.code for c in codes.option_set(d).codes] for d in dims}
        for part in slices:
            margin = tuple(PART for _p in part)
            total = known[suppression.Cell(margin, part)][0]
            if not dims:  # the total alone
                counts[part] = total
                continue
            sums = []
            for d in dims:
                cells = [suppression.Cell((d, *margin), (code, *part)) for code in options[d]]
                if all(c in known for c in cells):
                    sums.append([known[c][0] for c in cells])
                else:
                    sums.append([total] + [0] * (len(options[d]) - 1))
            if len(dims) == 1:
                filled = {(i, 0): v for i, v in enumerate(sums[0]) if v}
            else:
                filled = _north_west(sums[0], sums[1])
            for (i, j), value in filled.items():
                key = (options[dims[0]][i], *((options[dims[1]][j],) if len(dims) > 1 else ()))
                counts[(*key, *part)] = value
    tables = dashboards._linked(indicator, dims, counts, _standard_codes(dims))
    return tables, {cell: shown for cell, (_value, shown) in known.items()}


def _summed_sums(parts: Sequence[PublishedPeriod]) -> Sums:
    total: dict[Any, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for published in parts:
        for key, value in published.sums.items():
            for i in range(3):
                total[key][i] += value[i]
    return {key: (v[0], v[1], v[2]) for key, v in total.items()}


def _standard_codes(dims: Sequence[str]) -> dict[str, tuple[str, ...]]:
    return {d: tuple(c.code for c in codes.option_set(d).codes) for d in dims}


def _groups(indicator: Indicator, parts: Sequence[PublishedPeriod]) -> list[tuple[str, ...]]:
    """The network's sets of linked tables: sex crossed with each dimension some ecosystem
    publishes a cross-tab of (whichever of its tables each ecosystem publishes), and each
    other dimension alone; none when no ecosystem publishes a breakdown."""
    # An area or a program type is an ecosystem's own record, never the same in two of them.
    own = [
        tuple(d for d in dims if d not in dashboards.SLICERS) for p in parts for dims in p.tables
    ]
    published = {d for dims in own for d in dims}
    crossed = {dims[1] for dims in own if len(dims) == 2 and dims[0] == dashboards.CENTRE}
    groups: list[tuple[str, ...]] = [
        (dashboards.CENTRE, d) for d in indicator.dimensions if d in crossed
    ]
    if dashboards.CENTRE in published and not crossed:
        groups.append((dashboards.CENTRE,))
    groups += [
        (d,)
        for d in indicator.dimensions
        if d in published and d != dashboards.CENTRE and d not in crossed
    ]
    return groups


def network_dashboard(
    network: Network, indicator: NetworkIndicator, period: NetworkPeriod | None = None
) -> NetworkDashboard | None:
    """The indicator summed across the network's ecosystems for `period` (the latest by
    default), suppressed after summing (module docstring); None when no ecosystem has values.
    Raises `dashboards.UnpublishableError` when the audit cannot pass (an ecosystem's own
    figures give a hidden one away)."""
    if period is None:
        found = network_periods(indicator)
        if not found:
            return None
        period = found[0]
    parts: dict[int, PublishedPeriod] = {}
    contributing: list[Indicator] = []
    for one in indicator.indicators:
        own = period.periods.get(one.ecosystem_id)
        if own is None:
            continue
        # the partners' submissions: public files (a state's) may cover the same schools twice
        board = dashboards.dashboard(one, period=own, periods=[own], source=dashboards.PARTNERS)
        if not board.current.sums:
            continue  # its figures of the period are a public file's only
        parts[one.ecosystem_id] = board.current
        contributing.append(one)
    if not parts:
        return None
    first = contributing[0]
    ecosystems = [i.ecosystem for i in contributing]
    thresholds = [int(e.suppression_threshold) for e in ecosystems]
    threshold, width = max(thresholds), suppression.protection_width(min(thresholds))
    groups = _groups(first, list(parts.values()))
    keys = groups or [()]

    # Each ecosystem's tables of the network's sets as one family, and what it publishes of
    # them; summed as one family, so that the figures the sets share are one choice and the
    # audit runs over every set, every ecosystem's figures and the sums together.
    families: dict[Hashable, tuple[Any, dict[Any, Any]]] = {}
    for ecosystem_id, published_part in parts.items():
        sets = [_part(first, published_part, dims) for dims in keys]
        published_cells: dict[Any, Any] = {}
        for _tables, shown_cells in sets:
            published_cells.update(shown_cells)
        family = suppression.table_family(t for t, _shown in sets)
        families[ecosystem_id] = (family, published_cells)
    summed = suppression.suppress_summed(families, threshold, dimension=ECOSYSTEM, width=width)
    if not summed.audit.passed:
        raise dashboards.UnpublishableError(
            _("These figures cannot be published: %(n)s hidden figures could be worked out.")
            % {"n": len(summed.audit.recovered)}
        )
    results = dict(zip(keys, summed.parts(), strict=True))
    sums = _summed_sums(list(parts.values()))
    tables: dict[tuple[str, ...], Table] = {}
    total_figure = None
    # a figure two tables have (the total, the numbers by sex of two crosses) is counted once
    counted: set[suppression.Cell] = set()
    for dims, result in results.items():
        cells = {c: v for c, v in result.cells.items() if ECOSYSTEM not in c.margin}
        margins = {c.margin for c in cells}
        shown = [dims] if dims in margins else [(d,) for d in dims if (d,) in margins]
        for table_dims in shown or [()]:
            figures = dashboards._figures(
                first, table_dims, result.tables, cells, result, sums, _standard_codes(table_dims)
            )
            total_figure = figures[tuple(None for _d in table_dims)]
            if table_dims:
                kept = {c: v for c, v in cells.items() if set(c.margin) <= {*table_dims, PART}}
                hidden_here = {c for c, v in kept.items() if v is None} - counted
                counted |= hidden_here
                linked = cast(suppression.LinkedTables, result.tables)
                tables[table_dims] = Table(
                    table_dims, figures, result.audit.passed, len(hidden_here), linked, kept
                )
    assert total_figure is not None
    chosen = parts[first.ecosystem_id].period
    every = {d for i in contributing for d in i.dimensions}
    incomplete = [d for d in first.dimensions if d in every and not any(d in t for t in tables)]
    published = PublishedPeriod(chosen, total_figure, tables, incomplete, sums)
    board = Dashboard(
        first,
        threshold,
        None,
        [published],
        source_label=_("Sum of the ecosystems' published figures"),
    )
    return NetworkDashboard(network, indicator, period, ecosystems, board, incomplete)


def hidden_count(board: NetworkDashboard) -> int:
    return board.current.hidden_count


def as_data(found: NetworkDashboard) -> dict[str, Any]:
    """The summed figures as JSON-ready data (the API), shaped as an ecosystem's dashboard
    (`dashboards.as_data`), with the network, the identity and the ecosystems summed."""
    data = dashboards.as_data(found.board)
    data.update(
        {
            "network": found.network.slug,
            "indicator": found.indicator.identity,
            "name": found.indicator.name,
            "organization": None,
            "ecosystems": [e.slug for e in found.ecosystems],
        }
    )
    return data
