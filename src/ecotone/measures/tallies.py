"""Unduplicated reach: the counts a linkage run publishes, from linked roster rows.

Problem. Once the linkage has given each roster row a person number (`linkage.link`), the
ecosystem wants to know how many different young people it reached, by their dimensions and
area, how many went to two partners or two kinds of program, how many programs each went to,
and who came back the next year, and through which programs. These are counts of people, not
of rows: a young person on three rosters counts once.

Method. Rows come in the linkage's order (roster, then row). Per period, each person gets one
code per dimension, that of their first row in the period that has one (a grade that changed
within the year counts under the first), so every breakdown of a period adds up to its total
and two breakdowns never disagree (`people_of_period`, as `linkage.unduplicated_counts`). A
dimension some person of the period has no code for is left out of that period. Then each
count is a count of distinct people: per combination of dimensions (`breakdowns`), per
partner and pair of partners, per program type and pair of types, per number of programs
(`period_tally`), and per person present in two consecutive school years of the same epoch,
per pair (type in the first year, type in the next) (`next_year_tally`).

Nothing here publishes: every figure goes through `ecotone.suppression` before anyone reads it
(`measures.services.reach`).

Complexity. Linear in the rows, plus, per person, the pairs of partners and of types they went
to (a few each).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

AREA = "area"
DOSE_BUCKETS = ("1", "2", "3", "4+")


@dataclass(frozen=True)
class Row:
    """One linked roster row, as the tallies read it: who (the person number), when (the
    period), where (partner, program, its type, its area or None) and the codes given."""

    person: int
    period: int
    organization: int
    program: int
    program_type: str
    area: str | None
    codes: Mapping[str, str]


@dataclass
class Person:
    """One young person in one period: the first code of each dimension, and where they went."""

    codes: dict[str, str] = field(default_factory=dict)
    organizations: set[int] = field(default_factory=set)
    programs: set[int] = field(default_factory=set)
    types: set[str] = field(default_factory=set)


def people_of_period(rows: Iterable[Row]) -> dict[int, dict[int, Person]]:
    """Per period, per person: their codes (first row with one, per dimension; the area of the
    first row whose program has one) and the partners, programs and types they went to."""
    found: dict[int, dict[int, Person]] = {}
    for row in rows:
        person = found.setdefault(row.period, {}).setdefault(row.person, Person())
        for dimension, code in row.codes.items():
            person.codes.setdefault(dimension, code)
        if row.area is not None:
            person.codes.setdefault(AREA, row.area)
        person.organizations.add(row.organization)
        person.programs.add(row.program)
        person.types.add(row.program_type)
    return found


def complete_dimensions(people: Mapping[int, Person], dimensions: Sequence[str]) -> list[str]:
    """The dimensions (in `dimensions`' order) that every person of the period has a code for."""
    return [d for d in dimensions if people and all(d in p.codes for p in people.values())]


def breakdowns(
    people: Mapping[int, Person], subsets: Iterable[Sequence[str]]
) -> dict[tuple[tuple[str, str], ...], int]:
    """Distinct people per combination of codes of each subset of dimensions (each subset's
    dimensions every person has a code for), keyed by sorted (dimension, code) pairs; `()` is
    the total."""
    counts: Counter[tuple[tuple[str, str], ...]] = Counter()
    for subset in {tuple(sorted(s)) for s in subsets}:
        for person in people.values():
            counts[tuple((d, person.codes[d]) for d in subset)] += 1
    return dict(counts)


def _pair(a: object, b: object) -> str:
    return f"{a}|{b}"


def period_tally(people: Mapping[int, Person]) -> dict[str, dict[str, int]]:
    """The period's report counts, JSON-ready: `people` {"total"}, `organizations` {id: n},
    `organization_pairs` {"a|b": n, a < b}, `types` {type: n}, `type_pairs` {"a|b": n},
    `type_sets` {"a|b|c": n, by each person's exact set of types; never published, what the
    types' table is suppressed by}, `dose` {"1", "2", "3", "4+": n by the number of
    programs}."""
    organizations: Counter[str] = Counter()
    organization_pairs: Counter[str] = Counter()
    types: Counter[str] = Counter()
    type_pairs: Counter[str] = Counter()
    type_sets: Counter[str] = Counter()
    dose: Counter[str] = Counter(dict.fromkeys(DOSE_BUCKETS, 0))
    for person in people.values():
        ids = sorted(person.organizations)
        organizations.update(str(i) for i in ids)
        organization_pairs.update(_pair(a, b) for a, b in itertools.combinations(ids, 2))
        kinds = sorted(person.types)
        types.update(kinds)
        type_pairs.update(_pair(a, b) for a, b in itertools.combinations(kinds, 2))
        type_sets["|".join(kinds)] += 1
        dose[DOSE_BUCKETS[min(len(person.programs), len(DOSE_BUCKETS)) - 1]] += 1
    return {
        "people": {"total": len(people)},
        "organizations": dict(organizations),
        "organization_pairs": dict(organization_pairs),
        "types": dict(types),
        "type_pairs": dict(type_pairs),
        "type_sets": dict(type_sets),
        "dose": dict(dose),
    }


def next_year_tally(
    this_year: Mapping[int, Person], next_year: Mapping[int, Person]
) -> dict[str, dict[str, int]]:
    """Of the people of one school year, those in the next too (same epoch: person numbers are
    an epoch's), and per pair of program types "a in the first year, b in the next" the people
    who took it: `retained` {"total"}, `sequences` {"a|b": n}."""
    sequences: Counter[str] = Counter()
    retained = 0
    for number, person in this_year.items():
        later = next_year.get(number)
        if later is None:
            continue
        retained += 1
        sequences.update(_pair(a, b) for a in sorted(person.types) for b in sorted(later.types))
    return {"retained": {"total": retained}, "sequences": dict(sequences)}


def unpair(key: str) -> tuple[str, str]:
    """The two members of a pair key ("a|b")."""
    a, _bar, b = key.partition("|")
    return a, b
