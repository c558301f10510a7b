"""What the reach report publishes of a finished linkage run that costs an audit or a
pass over thousands of pairs: each school year's unduplicated young people as the reach
dashboard publishes them, the table of program types and the overlaps of partners shown. They
change only with the run's counts, the reach indicator (its version: the dimensions the
dashboard suppresses with) and the ecosystem's threshold, so they are worked out once for
these, at the end of the run (`runs.run_linkage`), and kept on the run's figures
(`figures["published"]`): numbers and marks only, never a label, so the page reads in the
request's language; a changed threshold or indicator is worked out again when next read.

The program types' table (`type_table`; docs/reach.md, "The program types' table"): on the
diagonal the young people in programs of a type, off it those in programs of both. A young
person is in one or more types, so the table is not one cross of a dimension: it is the margins
of the cross of one yes/no dimension per type, whose cells (the young people in exactly these
types) the attacker does not know. It is suppressed and audited as those linked tables
(`suppression.suppress_linked`): the total as shown beside it, each type's
"yes" and each pair's "yes, yes" published, the cell "in no type" shown as 0 (every young person
went to some program), every other cell not published. The audit then bounds every hidden
count over everything inclusion-exclusion with the year's total can derive. Where the
dashboard hides the year's total, it hid it to protect its own cells, in an audit that did not
see this table; a bound on the total from the types' counts could narrow those, so the table is
then hidden whole (but its zeros: no one).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ecotone import suppression

from ... import tallies
from ...models import Indicator, LinkageRun, Period
from .. import dashboards

FORMAT = 1  # of the kept figures: a new one is worked out again
TOP = 10  # the partners' overlaps and the sequences the report shows
# (count or None where hidden, mark: "" or "small", "complement", "protects")
Shown = tuple[int | None, str]


def type_table(
    sets: Mapping[str, int], total_shown: bool, threshold: int
) -> dict[tuple[str, str], Shown]:
    """The program types' table as it may be published (module docstring): `sets` the young
    people by their exact set of types ("a|b": in a and b only), `total_shown` whether the
    year's total is published beside it. Keyed (a, a) for a type, (a, b) and (b, a) for a
    pair."""
    counts = {tuple(k.split("|")) if k else (): int(n) for k, n in sets.items() if int(n)}
    codes = sorted({c for kinds in counts for c in kinds})
    if not codes:
        return {}
    if not total_shown:
        # The dashboard hid the total to protect its own cells, audited without this table:
        # any bound on the total from it (inclusion-exclusion) could narrow them, so nothing
        # of the table is shown but its zeros.
        pairs = [(a, a) for a in codes] + list(itertools.permutations(codes, 2))
        present = {c: {kinds for kinds in counts if c in kinds} for c in codes}
        return {
            (a, b): (None, "protects") if present[a] & present[b] else (0, "") for a, b in pairs
        }
    tables = suppression.linked_tables(
        {c: (0, 1) for c in codes},
        {tuple(int(c in kinds) for c in codes): n for kinds, n in counts.items()},
        [(), *((c,) for c in codes), *itertools.combinations(codes, 2), tuple(codes)],
    )
    nobody = tuple(0 for _c in codes)
    fixed: dict[suppression.Cell, bool | None] = {}
    for cell in tables.members:
        if cell.margin == ():
            fixed[cell] = False  # the year's total, shown
        elif len(cell.margin) <= 2 and all(cell.codes):
            continue  # a type's or a pair's count: chosen by the suppression
        elif len(cell.margin) == len(codes) and cell.codes == nobody and () not in counts:
            fixed[cell] = False  # in no type: no one
        else:
            fixed[cell] = None
    found = suppression.suppress_linked(tables, threshold, fixed=fixed)
    every_hidden = not found.audit.passed

    def shown(margin: tuple[str, ...]) -> Shown:
        cell = suppression.Cell(margin, tuple(1 for _c in margin))
        value = found.cells[cell]
        if every_hidden and tables.values[cell]:
            return None, "protects"
        if value is not None:
            return value, ""
        return None, found.primary.get(cell, "protects")

    table: dict[tuple[str, str], Shown] = {(c, c): shown((c,)) for c in codes}
    for a, b in itertools.combinations(codes, 2):
        table[(a, b)] = table[(b, a)] = shown((a, b))
    return table


def partner_pairs(
    pairs: Mapping[str, int], alone: Mapping[str, int], threshold: int
) -> tuple[list[list[Any]], int]:
    """The overlaps of partners shown ([a, b, count]: `suppression.publish_part` against each
    partner's own count), the TOP largest and every pair tied with the last of them (the page
    breaks ties by the partners' names, in its language's order), and how many are hidden."""
    shown: list[tuple[int, str, str]] = []
    hidden = 0
    for key, n in pairs.items():
        a, b = tallies.unpair(key)
        value, _why = suppression.publish_part(n, (alone.get(a, 0), alone.get(b, 0)), threshold)
        if value is None:
            hidden += 1
        else:
            shown.append((value, a, b))
    shown.sort(key=lambda s: -s[0])
    if len(shown) > TOP:
        shown = [s for s in shown if s[0] >= shown[TOP - 1][0]]
    return [[a, b, value] for value, a, b in shown], hidden


def _reached(indicator: Indicator, period: Period) -> dashboards.Figure | None:
    """The year's unduplicated young people as its reach dashboard publishes them (suppressed
    with the breakdowns and audited): None when the dashboard has no value of the year."""
    try:
        board = dashboards.dashboard(
            indicator, period=period, periods=[period], source=dashboards.REACH
        )
    except dashboards.UnpublishableError:
        return dashboards.Figure(None, None, mark="protects")
    return board.current.total if board.periods else None


def _year(
    indicator: Indicator | None, period: Period, entry: Mapping[str, Any], threshold: int
) -> dict[str, Any]:
    reached = None if indicator is None else _reached(indicator, period)
    total_shown = reached is not None and reached.value is not None
    sets = entry.get("type_sets")
    if sets is None:  # a run from before the sets were counted: nothing to audit with
        types: dict[tuple[str, str], Shown] = {
            (a, b): (None, "protects") for a in entry["types"] for b in entry["types"]
        }
    else:
        types = type_table(sets, total_shown, threshold)
    partners, partners_hidden = partner_pairs(
        entry["organization_pairs"], entry["organizations"], threshold
    )
    return {
        "reached": None
        if reached is None
        else [reached.value, reached.n, reached.numerator, reached.mark],
        "types": [[a, b, value, mark] for (a, b), (value, mark) in types.items()],
        "partners": partners,
        "partners_hidden": partners_hidden,
    }


def published(run: LinkageRun, indicator: Indicator | None, threshold: int) -> dict[int, Any]:
    """Each school year of a finished run, by period id: {"reached": the dashboard's total
    (`dashboards.Figure`, or None), "types": the types' table (`type_table`), "partners" and
    "partners_hidden" (`partner_pairs`)}; kept on the run
    for this indicator version and threshold (module docstring)."""
    made = f"{indicator.pk}:{indicator.version}" if indicator else "-"
    key = f"{FORMAT}:{made}:{threshold}"
    kept = run.figures.get("published") or {}
    if kept.get("key") != key:
        entries = run.figures.get("report") or {}
        periods = Period.objects.filter(pk__in=[int(pk) for pk in entries])
        kept = {
            "key": key,
            "years": {
                str(p.pk): _year(indicator, p, entries[str(p.pk)], threshold) for p in periods
            },
        }
        run.figures = {**run.figures, "published": kept}
        # only these figures: reading a run never writes anything else of it
        LinkageRun.objects.filter(pk=run.pk).update(figures=run.figures)
    return {
        int(pk): {
            "reached": None if year["reached"] is None else dashboards.Figure(*year["reached"]),
            "types": {(a, b): (value, mark) for a, b, value, mark in year["types"]},
            "partners": year["partners"],
            "partners_hidden": year["partners_hidden"],
        }
        for pk, year in kept["years"].items()
    }
