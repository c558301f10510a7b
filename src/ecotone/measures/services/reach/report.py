"""The reach report (`measures.view_reach`, everyone): per school year, the unduplicated young
people, the overlap between partners and between program types, the dose, the retention into
the next year and the typical sequences of program types, from the latest finished linkage run
of each epoch, every count published through `ecotone.suppression`:

- unduplicated young people: the reach indicator's dashboard total (`dashboards.dashboard`,
  source `REACH`), the same figure the dashboard shows, suppressed with its breakdowns; worked
  out once per finished run and threshold (`published`, kept on the run's figures: the audit
  is most of a request's time otherwise);
- dose (1, 2, 3, 4 or more programs): one group whose total (the young people reached) is
  published exactly: `suppression.suppress(..., exact_total=True)`;
- overlaps of partners (young people at both): a cell is hidden when it is small or when its
  complement in either member of the pair, those at one and not the other, is small
  (`suppression.publish_part`, the complement rule): each member's own count is shown, so
  both differences could be worked out;
- the program types' table (each type's young people, each pair's overlap): suppressed and
  audited as the linked tables of one yes/no dimension per type with the year's total
  (`published.type_table`), since inclusion-exclusion ties it to the total; worked out once
  per run and threshold too;
- with the year's total hidden by the dashboard, the figures that add up to it (the dose, the
  program types, the percent reached again) are hidden too;
- retention (reached again the next school year): hidden when those who came back or those who
  did not are small (`publish_part`), since the year's total is shown; sequences ("a program
  of type A one year, of type B the next") each through `publish_count`, the top ten shown;
- where a partner reported only a count of young people served (the starter indicator
  `young-people-served`, approved) for a year it sent no roster, reach is the range from the
  largest count to the sum (DATIM's de-duplication), each end through `publish_count`, hidden
  with the sum of the counted partners when that is small; the report names which partners
  are counted which way.

Backbone staff (`measures.manage_linkage`) also read each epoch's latest run's quality figures
and status. Nothing here reads a hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.ecosystems.models import Ecosystem, Organization

from ... import tallies
from ...models import Indicator, LinkageEpoch, LinkageRun, Period, Roster
from .. import dashboards
from ..epochs import ROSTER_PERIOD_TYPE, epoch_of
from .counts import reach_indicator
from .published import TOP, published
from .runs import latest_done_run, latest_run

SERVED_KEY = "young-people-served"


@dataclass(frozen=True)
class Count:
    """One published count: None where hidden, `mark` then "small", "complement" (it would
    give a small difference) or "protects" (hidden so that a small one cannot be worked out)."""

    value: int | None
    mark: str = ""


def _count(n: int, threshold: int) -> Count:
    return Count(*suppression.publish_marked(n, threshold))


def _overlap(both: int, first: int, second: int, threshold: int) -> Count:
    """Young people in both of a pair, hidden when small or when those in one member only are."""
    return Count(*suppression.publish_part(both, (first, second), threshold))


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    count: Count


@dataclass(frozen=True)
class Range:
    """Reach with the count-only partners: from the largest count to the sum."""

    low: Count
    high: Count
    linked: list[str]  # partners counted by their linked rosters
    counted: list[str]  # partners counted by the young people they reported


@dataclass(frozen=True)
class Retention:
    next_label: str
    retained: Count | None = None
    rate: float | None = None  # percent, when the count is shown
    why_not: str = ""  # "epoch": the next year is in another epoch; "none": no rosters yet


@dataclass
class Year:
    period: Period
    reached: dashboards.Figure | None
    people: int  # exact: never shown, only used to bound the range
    range: Range | None = None
    partners: list[Pair] = field(default_factory=list)
    partners_hidden: int = 0
    types: list[tuple[str, str]] = field(default_factory=list)  # (code, label), in order
    type_cells: dict[tuple[str, str], Count] = field(default_factory=dict)
    dose: list[tuple[str, Count]] = field(default_factory=list)
    retention: Retention | None = None
    sequences: list[Pair] = field(default_factory=list)
    sequences_hidden: int = 0


@dataclass
class Quality:
    epoch: LinkageEpoch
    run: LinkageRun


@dataclass
class Report:
    threshold: int
    indicator: Indicator | None
    years: list[Year]  # latest first
    quality: list[Quality] | None  # None: not the person's to see

    def year(self, period_id: int | None) -> Year | None:
        return next((y for y in self.years if y.period.pk == period_id), None) or (
            self.years[0] if self.years else None
        )


def _served(ecosystem: Ecosystem, period: Period, rostered: set[int]) -> dict[int, int]:
    """Partners' approved counts of young people served in the period (the total), for the
    partners with no roster in it."""
    indicator = (
        Indicator.objects.filter(ecosystem=ecosystem)
        .filter(Q(starter_key=SERVED_KEY) | Q(key=SERVED_KEY))
        .order_by("pk")
        .first()
    )
    if indicator is None:
        return {}
    found = (
        dashboards.values_of_source(indicator, dashboards.PARTNERS)
        .filter(period=period, combo__key="")
        .exclude(organization_id__in=rostered)
        .values("organization_id")
        .annotate(n=Sum("value"))
    )
    return {r["organization_id"]: int(r["n"] or 0) for r in found if r["n"]}


def _range(
    ecosystem: Ecosystem, period: Period, people: int, names: Mapping[int, str], threshold: int
) -> Range | None:
    rostered = set(
        Roster.objects.filter(ecosystem=ecosystem, period=period).values_list(
            "organization_id", flat=True
        )
    )
    served = _served(ecosystem, period, rostered)
    if not served:
        return None
    others = sum(served.values())
    low, high = max(people, *served.values()), people + others
    others_shown, why = suppression.publish_marked(others, threshold)
    if others_shown is None:
        low_count, high_count = Count(None, why), Count(None, why)
    else:
        low_count, high_count = _count(low, threshold), _count(high, threshold)
    extra = Organization.objects.filter(pk__in=list(served)).values_list("pk", "name")
    all_names = {**names, **dict(extra)}
    return Range(
        low_count,
        high_count,
        sorted(all_names[o] for o in rostered if o in all_names),
        sorted(all_names[o] for o in served),
    )


def _pairs(kept: Mapping[str, Any], label: Any) -> list[Pair]:
    """The partners' overlaps shown (`published.partner_pairs`), largest first, TOP of them."""
    shown = [Pair(label(a), label(b), Count(value)) for a, b, value in kept["partners"]]
    shown.sort(key=lambda p: (-(p.count.value or 0), p.first, p.second))
    return shown[:TOP]


def _retention(
    ecosystem: Ecosystem,
    period: Period,
    entry: Mapping[str, Any],
    threshold: int,
    *,
    shown_total: bool,
) -> Retention | None:
    following = Period.objects.filter(
        ecosystem=ecosystem, type=ROSTER_PERIOD_TYPE, start__year=period.start.year + 1
    ).first()
    if following is None:
        return None
    after = entry.get("next")
    if after is None:
        if epoch_of(ecosystem, following) != epoch_of(ecosystem, period):
            return Retention(following.label, why_not="epoch")
        return Retention(following.label, why_not="none")
    retained, people = after["retained"]["total"], entry["people"]["total"]
    count = Count(*suppression.publish_part(retained, (people,), threshold))
    # the percent with the count gives the year's total back: only beside a shown one
    rate = 100 * retained / people if count.value is not None and people and shown_total else None
    return Retention(following.label, count, rate)


def _type_label(code: str) -> str:
    return dashboards.label(dashboards.PROGRAM_TYPE, code)


def _year(
    ecosystem: Ecosystem,
    period: Period,
    entry: Mapping[str, Any],
    kept: Mapping[str, Any],
    names: Mapping[int, str],
    threshold: int,
) -> Year:
    reached: dashboards.Figure | None = kept["reached"]
    people = int(entry["people"]["total"])
    year = Year(period, reached, people)
    year.range = _range(ecosystem, period, people, names, threshold)
    if year.range is not None and (reached is None or reached.value is None):
        # the lower end may be the linked young people themselves: hidden with them
        hidden = Count(None, reached.mark if reached is not None and reached.mark else "small")
        year.range = Range(hidden, hidden, year.range.linked, year.range.counted)
    year.partners = _pairs(kept, lambda pk: names.get(int(pk), "?"))
    year.partners_hidden = kept["partners_hidden"]
    types = entry["types"]
    year.types = [(c, _type_label(c)) for c in dashboards.PROGRAM_TYPES if types.get(c)]
    total = people if reached is not None and reached.value is not None else None
    year.type_cells = {(a, b): Count(*shown) for (a, b), shown in kept["types"].items()}
    doses = {b: int(entry["dose"].get(b, 0)) for b in tallies.DOSE_BUCKETS}
    # The buckets add up to the year's total, hidden with it when the dashboard hides it.
    dose = suppression.publish_parts(doses, threshold, total_hidden=total is None)
    year.dose = [(b, Count(*dose[b])) for b in doses]
    year.retention = _retention(ecosystem, period, entry, threshold, shown_total=total is not None)
    after = entry.get("next") or {}
    sequences = [
        (tallies.unpair(k), _count(n, threshold)) for k, n in after.get("sequences", {}).items()
    ]
    shown = [Pair(_type_label(a), _type_label(b), c) for (a, b), c in sequences if c.value]
    shown.sort(key=lambda p: (-(p.count.value or 0), p.first, p.second))
    year.sequences = shown[:TOP]
    year.sequences_hidden = sum(1 for _k, c in sequences if c.value is None)
    return year


def _epochs(ecosystem: Ecosystem) -> list[LinkageEpoch]:
    return list(LinkageEpoch.objects.filter(ecosystem=ecosystem).order_by("-first_year"))


def build(ecosystem: Ecosystem, *, quality: bool = False) -> Report:
    """The reach report of every school year linked, latest first; `quality`: with each epoch's
    latest run (the caller has checked `measures.manage_linkage`)."""
    threshold = int(ecosystem.suppression_threshold)
    indicator = reach_indicator(ecosystem)
    epochs = _epochs(ecosystem)
    entries: dict[int, Mapping[str, Any]] = {}
    kept: dict[int, Mapping[str, Any]] = {}
    for epoch in epochs:
        run = latest_done_run(epoch)
        if run is not None:
            entries.update({int(k): v for k, v in (run.figures.get("report") or {}).items()})
            kept.update(published(run, indicator, threshold))
    periods = Period.objects.filter(pk__in=list(entries)).order_by("-start")
    org_ids: set[int] = set()
    for entry in entries.values():
        org_ids.update(int(o) for o in entry["organizations"])
    names = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    years = [_year(ecosystem, p, entries[p.pk], kept[p.pk], names, threshold) for p in periods]
    runs: list[Quality] | None = None
    if quality:
        runs = []
        for epoch in epochs:
            run = latest_run(epoch)
            if run is not None:
                runs.append(Quality(epoch, run))
    return Report(threshold, indicator, years, runs)


QUALITY_FIGURES = (
    "rows",
    "rosters",
    "exact_hashes",
    "exact_links",
    "clk_links",
    "people",
    "threshold",
    "seconds",
)


def quality_figures(run: LinkageRun) -> dict[str, Any]:
    """A run's linkage quality figures (never its report's counts, which are published only
    through suppression)."""
    return {name: run.figures.get(name) for name in QUALITY_FIGURES if name in run.figures}


# What the page, its CSV/XLSX and the API publish ---------------------------------------------


def mark_text(count: Count, threshold: int) -> str:
    """A hidden count in words, as the dashboards write it."""
    return dashboards.mark_text(dashboards.Figure(None, None, mark=count.mark), threshold)


def shown(count: Count, threshold: int) -> str:
    from django.utils.formats import number_format

    if count.value is None:
        return mark_text(count, threshold)
    return number_format(count.value, force_grouping=True)


def retention_note(retention: Retention) -> str:
    if retention.why_not == "epoch":
        return _(
            "%(year)s is in another linkage epoch (a new secret): young people cannot be"
            " followed into it."
        ) % {"year": retention.next_label}
    if retention.why_not == "none":
        return _("No roster of %(year)s yet.") % {"year": retention.next_label}
    return ""


def figure_count(figure: dashboards.Figure | None) -> Count:
    if figure is None:
        return Count(None, "")
    return Count(figure.n, figure.mark)


def export_headers() -> list[str]:
    return [_("School year"), _("Figure"), _("Group"), _("Young people"), _("Why hidden")]


def export_rows(report: Report) -> Iterable[list[Any]]:
    """Every published figure of the report, one row each (a hidden one empty, with why)."""
    threshold = report.threshold

    def row(year: Year, figure: str, group: str, count: Count) -> list[Any]:
        return [
            year.period.label,
            figure,
            group,
            "" if count.value is None else count.value,
            mark_text(count, threshold) if count.mark else "",
        ]

    for year in report.years:
        yield row(year, _("Young people reached (unduplicated)"), "", figure_count(year.reached))
        if year.range is not None:
            yield row(year, _("Reach with count-only partners"), _("lowest"), year.range.low)
            yield row(year, _("Reach with count-only partners"), _("highest"), year.range.high)
        for pair in year.partners:
            yield row(year, _("At both partners"), f"{pair.first} + {pair.second}", pair.count)
        for (a, b), count in year.type_cells.items():
            if a <= b:
                group = _type_label(a) if a == b else f"{_type_label(a)} + {_type_label(b)}"
                yield row(year, _("In programs of these types"), group, count)
        for bucket, count in year.dose:
            yield row(year, _("Number of programs"), bucket, count)
        if year.retention is not None and year.retention.retained is not None:
            yield row(
                year,
                _("Reached again in %(year)s") % {"year": year.retention.next_label},
                "",
                year.retention.retained,
            )
        for pair in year.sequences:
            yield row(year, _("Sequence"), f"{pair.first} → {pair.second}", pair.count)


def as_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (the API): a hidden count is null with `hidden_because`."""
    threshold = report.threshold

    def count(c: Count) -> dict[str, Any]:
        return {"n": c.value, "hidden_because": c.mark or None, "shown": shown(c, threshold)}

    def pair(p: Pair) -> dict[str, Any]:
        return {"first": p.first, "second": p.second, **count(p.count)}

    years = []
    for year in report.years:
        retention = year.retention
        years.append(
            {
                "period": year.period.label,
                "start": year.period.start.isoformat(),
                "reached": count(figure_count(year.reached)),
                "range": None
                if year.range is None
                else {
                    "low": count(year.range.low),
                    "high": count(year.range.high),
                    "linked_partners": year.range.linked,
                    "counted_partners": year.range.counted,
                },
                "partner_overlaps": [pair(p) for p in year.partners],
                "partner_overlaps_hidden": year.partners_hidden,
                "program_types": [
                    {
                        "type": a,
                        "label": label,
                        "with": {b: count(year.type_cells[(a, b)]) for b, _l in year.types},
                    }
                    for a, label in year.types
                ],
                "dose": {bucket: count(c) for bucket, c in year.dose},
                "retention": None
                if retention is None
                else {
                    "next_period": retention.next_label,
                    "retained": None if retention.retained is None else count(retention.retained),
                    "percent": retention.rate,
                    "note": retention_note(retention),
                },
                "sequences": [pair(p) for p in year.sequences],
                "sequences_hidden": year.sequences_hidden,
            }
        )
    data: dict[str, Any] = {
        "threshold": threshold,
        "indicator": report.indicator.key if report.indicator else None,
        "years": years,
    }
    if report.quality is not None:
        data["linkage_runs"] = [
            {
                "epoch": q.epoch.number,
                "status": q.run.status,
                "progress": q.run.progress,
                "started_at": q.run.started_at.isoformat() if q.run.started_at else None,
                "finished_at": q.run.finished_at.isoformat() if q.run.finished_at else None,
                "figures": quality_figures(q.run),
                "error": q.run.error,
            }
            for q in report.quality
        ]
    return data
