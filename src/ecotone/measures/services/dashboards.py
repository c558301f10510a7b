"""An indicator's dashboard: its approved values summed over partners and published through
`ecotone.suppression`, for the pages, their exports and the API alike.

What one (indicator, period, partners) publishes is fixed, whatever a visitor picks to look
at, so that two views of the same figures never hide different cells (one view's hidden cell
would be the other's shown one). It is a set of linked tables, each suppressed with its
margins by `suppression.suppress_linked` (primary below the ecosystem's threshold, least-cost
complementary cells, the attacker's LP audit):

- sex x race, with both margins and the total, when the indicator is broken down by both and
  the partners' crosses add up to what they reported by sex, by race and in total;
- every other dimension alone, with the total.

A breakdown that does not add up to the reported total (a partner that gave the total and not
the breakdown) is not published: its table would contradict the total. The total is one cell
of every table: hidden in all when any hides it (hiding more never helps an attacker). The
audit then runs once more on exactly what is published, and a table it does not pass is
refused (`UnpublishableError`), never shown.

Counts sum. A percent's numerator and denominator are both counts of young people: they enter
one linked table with a dimension "in the numerator or not", so a small numerator and a small
remainder (denominator less numerator) are both protected, and the percent is hidden with
either (`suppression.rate`). A mean's people (its denominator) are suppressed, the mean hidden
with them; its numerator (a sum of scores) is not published.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError

from .. import codes, equity
from ..models import DimensionCombo, Indicator, Period, PublicFormat, Review, Unit, Value

PART = "_part"  # the dimension "in the numerator or not" of a percent's table
IN, OUT = "in", "out"
CROSS = ("sex", "race")
PERIODS_SHOWN = 5
# Where a dashboard's figures come from: the partners' approved submissions, or the ecosystem's
# applied public files of the indicator. Never both summed: they count the same students.
PARTNERS, PUBLIC = "partners", "public"


class UnpublishableError(DomainError):
    """A table whose hidden cells the attacker's LP audit recovers: it is not published."""


@dataclass(frozen=True)
class Figure:
    """One published figure: `value` (a count, or a ratio: a percent as 0-100, a mean), `n`
    (the count of young people it rests on: the count itself, or the denominator), `numerator`
    for a percent; each None where hidden. `mark` says why it is hidden: "small" (fewer than
    the threshold), "complement" (shown beside its total it would give a small difference),
    "protects" (hidden so that another hidden figure cannot be worked out), "derived" (computed
    from a hidden count)."""

    value: float | None
    n: int | None
    numerator: int | None = None
    mark: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Table:
    """One published breakdown: `dimensions` (one, or sex and race), and a figure per codes
    tuple (in the dimensions' order) for every combination including the margins (a margin
    has None for the dimension it adds up over)."""

    dimensions: tuple[str, ...]
    figures: dict[tuple[str | None, ...], Figure]
    audit_passed: bool
    hidden_count: int


@dataclass
class PublishedPeriod:
    period: Period
    total: Figure
    tables: dict[tuple[str, ...], Table]
    incomplete: list[str] = field(default_factory=list)  # dimensions not every partner gave

    def breakdown(self, dimension: str) -> dict[str, Figure] | None:
        """The figures by one dimension's codes, from whichever table publishes them."""
        for dims, table in self.tables.items():
            if dimension in dims:
                position = dims.index(dimension)
                return {
                    str(key[position]): figure
                    for key, figure in table.figures.items()
                    if key[position] is not None
                    and all(k is None for i, k in enumerate(key) if i != position)
                }
        return None

    @property
    def hidden_count(self) -> int:
        return sum(t.hidden_count for t in self.tables.values())


@dataclass
class Dashboard:
    indicator: Indicator
    threshold: int
    organizations: list[Organization] | None  # None: every partner
    periods: list[PublishedPeriod]  # in time order, the chosen one last
    source: str = PARTNERS
    source_label: str = ""

    @property
    def current(self) -> PublishedPeriod:
        return self.periods[-1]


# What a person may see -------------------------------------------------------------------------


def partners_seen(user: Any, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The partners whose own figures a person may filter the dashboards by: every partner for
    backbone staff, their own organizations for partner staff, none for anyone else (members
    and the public see the ecosystem's figures only)."""
    found = Organization.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
    if user.has_perm("measures.view_partner_figures", ecosystem):
        return found
    return found.filter(pk__in=roles.organizations_in(user, ecosystem))


def dashboard_indicators(user: Any, ecosystem: Ecosystem) -> QuerySet[Indicator]:
    """The indicators whose dashboards a person may see: every active one for backbone staff,
    the published ones for everyone else, the public included."""
    found = Indicator.objects.filter(ecosystem=ecosystem).active()
    if user.has_perm("measures.manage_indicators", ecosystem):
        return found
    return found.filter(is_published=True)


def periods_of(indicator: Indicator, source: str | None = None) -> QuerySet[Period]:
    """The periods of the indicator's type with approved values (of `source` when given),
    latest first."""
    found = Period.objects.filter(ecosystem_id=indicator.ecosystem_id, type=indicator.period_type)
    if source is None:
        found = found.filter(values__indicator=indicator)
    else:
        found = found.filter(pk__in=_of_source(indicator, source).values("period_id").order_by())
    return found.distinct().order_by("-start")


def _of_source(indicator: Indicator, source: str) -> QuerySet[Value]:
    """The indicator's values a dashboard of `source` reads: the partners' approved ones, or
    the applied public files' (without a partner, naming their file)."""
    values = Value.objects.filter(ecosystem_id=indicator.ecosystem_id, indicator=indicator)
    if source == PUBLIC:
        return values.filter(organization__isnull=True, source__isnull=False)
    return values.filter(organization__isnull=False).filter(
        Q(submission__isnull=True) | Q(submission__review=Review.APPROVED)
    )


def sources_of(indicator: Indicator) -> list[tuple[str, str]]:
    """The sources of the indicator's dashboard that have values, each with its label (the
    public files' by their format, "State Perkins CTE file"), the partners' first."""
    found: list[tuple[str, str]] = []
    if _of_source(indicator, PARTNERS).exists():
        found.append((PARTNERS, _("Partners’ submissions")))
    formats = sorted(
        set(_of_source(indicator, PUBLIC).values_list("source__format", flat=True).distinct())
    )
    if formats:
        found.append((PUBLIC, ", ".join(str(PublicFormat(f).label) for f in formats)))
    return found


def default_source(sources: Sequence[tuple[str, str]]) -> str:
    """The partners' submissions when they have values, else the public files."""
    return sources[0][0] if sources else PARTNERS


# Reading and summing ---------------------------------------------------------------------------

Sums = dict[tuple[tuple[str, str], ...], tuple[Decimal, Decimal, Decimal]]


def _sums(
    indicator: Indicator,
    periods: Sequence[Period],
    organizations: Sequence[Organization] | None,
    source: str = PARTNERS,
) -> dict[int, Sums]:
    """Per period, per combination of codes: the summed value, numerator and denominator of the
    partners' approved values, or of the applied public files' (`source`; `organizations`
    narrows the partners' only)."""
    values = _of_source(indicator, source).filter(period__in=list(periods))
    if organizations is not None and source == PARTNERS:
        values = values.filter(organization__in=list(organizations))
    rows = values.values("period_id", "combo_id").annotate(
        value=Sum("value"), numerator=Sum("numerator"), denominator=Sum("denominator")
    )
    found = list(rows)
    parts = dict(
        DimensionCombo.objects.filter(pk__in={r["combo_id"] for r in found}).values_list(
            "pk", "parts"
        )
    )
    sums: dict[int, Sums] = defaultdict(dict)
    zero = Decimal(0)
    for row in found:
        key = tuple(sorted(parts[row["combo_id"]].items()))
        sums[row["period_id"]][key] = (
            row["value"] or zero,
            row["numerator"] or zero,
            row["denominator"] or zero,
        )
    return sums


def _whole(number: Decimal) -> int:
    return int(number.to_integral_value())


def _counts(indicator: Indicator, sums: Sums, dims: tuple[str, ...]) -> dict[Any, Any] | None:
    """The full-cross counts of `dims` (for a percent, crossed with in/out of the numerator),
    or None when they do not add up to the total and the reported margins."""
    ratio = indicator.is_ratio
    percent = indicator.unit == Unit.PERCENT

    def n(value: tuple[Decimal, Decimal, Decimal]) -> int:
        return _whole(value[2] if ratio else value[0])

    cells = {
        tuple(dict(key)[d] for d in dims): value
        for key, value in sums.items()
        if {d for d, _code in key} == set(dims)
    }
    total = sums.get(())
    if total is None or not cells:
        return None
    if sum(n(v) for v in cells.values()) != n(total):
        return None
    for margin_dim in dims if len(dims) > 1 else ():
        position = dims.index(margin_dim)
        derived: dict[str, int] = defaultdict(int)
        for key, value in cells.items():
            derived[key[position]] += n(value)
        for code, count in derived.items():
            reported = sums.get(((margin_dim, code),))
            if reported is not None and n(reported) != count:
                return None
    counts: dict[Any, int] = {}
    for key, value in cells.items():
        if percent:
            counts[(*key, IN)] = _whole(value[1])
            counts[(*key, OUT)] = n(value) - _whole(value[1])
        else:
            counts[key] = n(value)
    return counts


def _linked(indicator: Indicator, dims: tuple[str, ...], counts: Mapping[Any, int]) -> Any:
    names = [*dims, PART] if indicator.unit == Unit.PERCENT else list(dims)
    dimensions = {
        d: (IN, OUT) if d == PART else tuple(c.code for c in codes.option_set(d).codes)
        for d in names
    }
    subsets = [
        tuple(m)
        for size in range(len(dims) + 1)
        for m in itertools.combinations(dims, size)  # in the dimensions' order
    ]
    margins: list[tuple[str, ...]] = []
    for subset in subsets:
        margins.append(subset)
        if indicator.unit == Unit.PERCENT:
            margins.append((*subset, PART))
    return suppression.linked_tables(dimensions, counts, margins)


# Publishing ------------------------------------------------------------------------------------


def checked(
    tables: Any,
    cells: Mapping[Any, int | None],
    threshold: int,
    *,
    done: suppression.LinkedSuppressed | None = None,
) -> suppression.Audit:
    """The attacker's audit on exactly the figures to publish; refuses them when it recovers a
    hidden one. `done`: the suppression they came from, whose audit is reused when the figures
    are the ones it checked (and whose solutions speed up a new one otherwise)."""
    if done is not None and dict(done.cells) == dict(cells):
        result = done.audit
    else:
        witnesses = done.audit.witnesses if done is not None else ()
        result = suppression.audit(tables, cells, threshold, witnesses=witnesses)
    if not result.passed:
        raise UnpublishableError(
            _("These figures cannot be published: %(n)s hidden figures could be worked out.")
            % {"n": len(result.recovered)}
        )
    return result


def _publish_period(indicator: Indicator, period: Period, sums: Sums, threshold: int) -> Any:
    dims = [d for d in indicator.dimensions if d in codes.OPTION_SETS]
    groups: list[tuple[str, ...]] = []
    incomplete: list[str] = []
    if all(d in dims for d in CROSS) and _counts(indicator, sums, CROSS) is not None:
        groups.append(CROSS)
        rest = [d for d in dims if d not in CROSS]
    else:
        rest = dims
    for d in rest:
        if _counts(indicator, sums, (d,)) is None:
            incomplete.append(d)
        else:
            groups.append((d,))
    results = []
    for dims_of in groups:
        tables = _linked(indicator, dims_of, _counts(indicator, sums, dims_of) or {})
        results.append((dims_of, tables, suppression.suppress_linked(tables, threshold)))
    total_sum = sums.get(())
    if not results:
        # No breakdown to protect it with: the total alone, hidden when small.
        results_total = _total_alone(indicator, total_sum, threshold)
        return PublishedPeriod(period, results_total, {}, incomplete)
    total_hidden = any(r.cells[suppression.Cell((), ())] is None for _d, _t, r in results)
    tables_out: dict[tuple[str, ...], Table] = {}
    total_figure: Figure | None = None
    for dims_of, tables, result in results:
        cells = dict(result.cells)
        if total_hidden:
            cells[suppression.Cell((), ())] = None
        audit = checked(tables, cells, threshold, done=result)
        figures = _figures(indicator, dims_of, tables, cells, result, sums)
        tables_out[dims_of] = Table(
            dims_of, figures, audit.passed, sum(1 for v in cells.values() if v is None)
        )
        total_figure = figures[tuple(None for _d in dims_of)]
    assert total_figure is not None
    return PublishedPeriod(period, total_figure, tables_out, incomplete)


def _total_alone(
    indicator: Indicator, total: tuple[Decimal, Decimal, Decimal] | None, threshold: int
) -> Figure:
    if total is None:
        return Figure(None, None, mark="")
    if not indicator.is_ratio:
        count = suppression.publish_count(_whole(total[0]), threshold)
        return Figure(None if count is None else float(count), count, mark=_mark(count, "small"))
    n = suppression.publish_count(_whole(total[2]), threshold)
    numerator = None
    if indicator.unit == Unit.PERCENT:
        numerator = suppression.publish_count(_whole(total[1]), threshold)
        remainder = suppression.publish_count(_whole(total[2] - total[1]), threshold)
        if remainder is None:
            numerator = None
    value = _ratio(indicator, numerator if indicator.unit == Unit.PERCENT else total[1], n)
    return Figure(value, n, numerator, "" if value is not None else "small")


def _mark(value: Any, mark: str) -> str:
    return mark if value is None else ""


def _ratio(indicator: Indicator, numerator: Any, n: int | None) -> float | None:
    if numerator is None or n is None or n == 0:
        return None
    rate = float(numerator) / n
    return rate * 100 if indicator.unit == Unit.PERCENT else rate


def _figures(
    indicator: Indicator,
    dims: tuple[str, ...],
    tables: Any,
    cells: Mapping[Any, int | None],
    result: Any,
    sums: Sums,
) -> dict[tuple[str | None, ...], Figure]:
    """The published figures of one table, keyed by codes (None for a margin's dimension)."""
    figures: dict[tuple[str | None, ...], Figure] = {}
    option_codes = [[c.code for c in codes.option_set(d).codes] for d in dims]
    for kept in itertools.product(*[[None, *c] for c in option_codes]):
        margin = tuple(d for d, k in zip(dims, kept, strict=True) if k is not None)
        key = tuple(k for k in kept if k is not None)
        cell = suppression.Cell(margin, key)

        def why(c: suppression.Cell) -> str:
            if cells.get(c, 0) is not None:
                return ""
            reason = result.primary.get(c)
            if reason == "small":
                return "small"
            if reason:
                return "complement"
            return "protects"

        n = cells.get(cell)
        if indicator.unit == Unit.PERCENT:
            inside = suppression.Cell((*margin, PART), (*key, IN))
            outside = suppression.Cell((*margin, PART), (*key, OUT))
            numerator = cells.get(inside)
            value = None if cells.get(outside) is None else suppression.rate(numerator, n)
            mark = why(cell) or why(inside) or why(outside)
            if value is None and not mark and n == 0:
                mark = ""
            elif value is None and not mark:
                mark = "derived"
            figures[kept] = Figure(
                None if value is None else value * 100,
                n,
                numerator if value is not None else None,
                mark,
            )
        elif indicator.is_ratio:
            parts = tuple(sorted((d, k) for d, k in zip(dims, kept, strict=True) if k is not None))
            total_of = sums.get(parts)
            value = None
            if n is not None and total_of is not None and n:
                value = float(total_of[1]) / n
            figures[kept] = Figure(value, n, None, why(cell) if n is None else "")
        else:
            figures[kept] = Figure(None if n is None else float(n), n, None, why(cell))
    return figures


def dashboard(
    indicator: Indicator,
    *,
    period: Period | None = None,
    organizations: Sequence[Organization] | None = None,
    periods: Sequence[Period] | None = None,
    source: str | None = None,
    sources: Sequence[tuple[str, str]] | None = None,
) -> Dashboard:
    """The indicator's published figures for `period` (the latest with values by default) and
    the periods before it (up to PERIODS_SHOWN in all), summed over `organizations` (every
    partner when None) or read from the public files (`source`; by default the partners' when
    they have values, else the public files'; `sources`: `sources_of(indicator)` when the
    caller has read them). The caller has checked that the person may see these partners;
    `periods`: `periods_of(indicator, source)` when the caller has read them already."""
    ecosystem = indicator.ecosystem
    threshold = int(ecosystem.suppression_threshold)
    if source is None or sources is None:
        sources = sources_of(indicator) if sources is None else sources
        source = source or (PARTNERS if organizations else default_source(sources))
    if source == PUBLIC:
        organizations = None  # the partner filter narrows the partners' figures only
    available = list(periods) if periods is not None else list(periods_of(indicator, source))
    if period is not None:
        available = [p for p in available if p.start <= period.start]
    chosen = list(reversed(available[:PERIODS_SHOWN]))
    sums = _sums(indicator, chosen, organizations, source)
    published = [_publish_period(indicator, p, sums.get(p.pk, {}), threshold) for p in chosen]
    return Dashboard(
        indicator,
        threshold,
        list(organizations) if organizations else None,
        published,
        source,
        dict(sources).get(source) or (_("Partners’ submissions") if source == PARTNERS else ""),
    )


# Reading a dashboard ---------------------------------------------------------------------------


def label(dimension: str, code: str | None) -> str:
    language = get_language() or "en"
    if code is None:
        return _("All")
    found = codes.option_set(dimension).get(code)
    return found.label(language) if found is not None else code


def dimension_label(dimension: str) -> str:
    return codes.option_set(dimension).label(get_language() or "en")


def mark_text(figure: Figure, threshold: int) -> str:
    """The plain words a hidden figure is shown with."""
    return {
        "small": _("fewer than %(n)s") % {"n": threshold},
        "complement": _("hidden (would reveal a small group)"),
        "protects": _("hidden (protects a small group)"),
        "derived": _("hidden (its count is hidden)"),
    }.get(figure.mark, "—")


def shown(indicator: Indicator, figure: Figure, threshold: int) -> str:
    """A figure as the page writes it."""
    from django.utils.formats import number_format

    from ecotone.templatetags.ecotone import rounded

    if figure.value is None:
        if figure.mark == "small" and indicator.is_ratio:
            # "fewer than 10" beside percentages would read as a percentage
            return _("hidden (fewer than %(n)s counted)") % {"n": threshold}
        return mark_text(figure, threshold) if figure.mark else "—"
    if indicator.unit == Unit.PERCENT:
        return f"{rounded(figure.value, 1)} %"
    if indicator.is_ratio:
        return rounded(figure.value, 2)
    return number_format(int(figure.value), force_grouping=True)


@dataclass(frozen=True)
class GroupEquity:
    code: str
    share: equity.Metric  # the group's share of the young people counted (counts)
    rate: equity.Metric  # the group's rate (percents)
    risk_ratio: equity.Metric
    risk_difference: equity.Metric
    gap: equity.Metric
    representation: equity.Metric
    trend: equity.Trend


def equity_by(
    board: Dashboard, dimension: str, *, enrolment: PublishedPeriod | None = None
) -> list[GroupEquity]:
    """Equity metrics of each group of `dimension` against all others, from the published
    figures only (a hidden figure gives "not enough data"). Representation compares with
    `enrolment`, the area's published enrolment (`services.enrolment`): `no_reference`
    without it or when it is not broken down by `dimension`, hidden when a count is."""
    indicator = board.indicator
    enrolled = enrolment.breakdown(dimension) if enrolment is not None else None
    percent = indicator.unit == Unit.PERCENT
    found: list[GroupEquity] = []
    option = codes.option_set(dimension)
    per_period: list[tuple[str, dict[str, Figure] | None, Figure]] = [
        (p.period.label, p.breakdown(dimension), p.total) for p in board.periods
    ]

    def metrics(group: Figure | None, total: Figure) -> tuple[equity.Metric, ...]:
        g = group or Figure(None, None)
        if percent:
            args = (g.numerator, g.n, total.numerator, total.n)
            return (
                equity.proportion(g.n, total.n),
                equity.proportion(g.numerator, g.n),
                equity.risk_ratio(*args),
                equity.risk_difference(*args),
                equity.gap_to_parity(*args),
            )
        hidden = equity.NotEnoughData("hidden" if g.n is None or total.n is None else "too_few")
        return (equity.proportion(g.n, total.n), hidden, hidden, hidden, hidden)

    for code in (c.code for c in option.codes):
        history = []
        current: tuple[equity.Metric, ...] = ()
        for period_label, breakdown, total in per_period:
            group = (breakdown or {}).get(code)
            current = metrics(group, total)
            history.append((period_label, current[4] if percent else current[0]))
        share, rate, ratio, difference, gap = current
        found.append(
            GroupEquity(
                code,
                share,
                rate,
                ratio,
                difference,
                gap,
                _representation(
                    (per_period[-1][1] or {}).get(code) if per_period else None,
                    per_period[-1][2] if per_period else None,
                    enrolled,
                    enrolment,
                    dimension,
                    code,
                ),
                equity.trend(history),
            )
        )
    return found


def _representation(
    group: Figure | None,
    total: Figure | None,
    enrolled: dict[str, Figure] | None,
    enrolment: PublishedPeriod | None,
    dimension: str,
    code: str,
) -> equity.Metric:
    """The group's share of the young people counted over its share enrolled; hidden when any
    of the four counts is (`suppression.hidden_figures`)."""
    if enrolled is None or enrolment is None:
        return equity.representation(None, None, None, None)
    mine, everyone = suppression.Cell((dimension,), (code,)), suppression.Cell((), ())
    uses = {code: (mine, everyone)}
    programs = {mine: group.n if group else None, everyone: total.n if total else None}
    enrolled_of = {mine: (enrolled.get(code) or Figure(None, None)).n, everyone: enrolment.total.n}
    if suppression.hidden_figures(uses, programs) or suppression.hidden_figures(uses, enrolled_of):
        return equity.NotEnoughData("hidden")
    return equity.representation(
        programs[mine], programs[everyone], enrolled_of[mine], enrolled_of[everyone]
    )


def export_rows(board: Dashboard) -> Iterable[list[Any]]:
    """Every published figure of the dashboard's periods, one row each, hidden ones with their
    mark in words, and the source they come from: what the CSV and XLSX carry."""
    indicator = board.indicator
    for published in board.periods:
        seen: set[tuple[Any, ...]] = set()
        for dims, table in published.tables.items():
            for key, figure in table.figures.items():
                parts = tuple((d, k) for d, k in zip(dims, key, strict=True) if k is not None)
                if parts in seen:
                    continue
                seen.add(parts)
                yield [
                    published.period.label,
                    "; ".join(f"{dimension_label(d)}: {label(d, k)}" for d, k in parts)
                    or _("Total"),
                    shown(indicator, figure, board.threshold),
                    "" if figure.n is None else figure.n,
                    mark_text(figure, board.threshold) if figure.mark else "",
                    board.source_label,
                ]
        if not published.tables:
            figure = published.total
            yield [
                published.period.label,
                _("Total"),
                shown(indicator, figure, board.threshold),
                "" if figure.n is None else figure.n,
                mark_text(figure, board.threshold) if figure.mark else "",
                board.source_label,
            ]


def as_data(board: Dashboard) -> dict[str, Any]:
    """The dashboard's published figures as JSON-ready data (the API): hidden figures are null
    with `hidden_because` in words and as a code."""
    indicator = board.indicator

    def figure(f: Figure) -> dict[str, Any]:
        return {
            "value": f.value,
            "n": f.n,
            "numerator": f.numerator if indicator.unit == Unit.PERCENT else None,
            "hidden_because": f.mark or None,
            "shown": shown(indicator, f, board.threshold),
        }

    return {
        "indicator": indicator.key,
        "unit": indicator.unit,
        "threshold": board.threshold,
        "organization": board.organizations[0].slug if board.organizations else None,
        "source": board.source,
        "source_label": board.source_label,
        "periods": [
            {
                "period": p.period.label,
                "start": p.period.start.isoformat(),
                "total": figure(p.total),
                "hidden_count": p.hidden_count,
                "not_published": p.incomplete,
                "tables": [
                    {
                        "dimensions": list(dims),
                        "audit_passed": table.audit_passed,
                        "figures": [
                            {
                                "codes": {
                                    d: k for d, k in zip(dims, key, strict=True) if k is not None
                                },
                                **figure(f),
                            }
                            for key, f in table.figures.items()
                        ],
                    }
                    for dims, table in p.tables.items()
                ],
            }
            for p in board.periods
        ],
    }
