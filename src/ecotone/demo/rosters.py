"""Synthetic participation rosters with known duplicates, for the linkage's ground-truth test,
the reach benchmark and the demo: who each row really is is known, so a linkage can be scored.

Young people get a sex, a heritage in roughly the shares of US school enrolment, names drawn by
frequency from the US census and SSA lists clkhash ships (white and other young people, and
some of the others) or from `data/roster_names.json` (Hispanic, Black and Asian American
names; some Hispanic family names hyphenated), a birth date between ages 5 and 18, and often a
school. Each is on one roster of a period, or with probability `overlap` on two to four, and
with probability `retention` on one of the next period's too; one in a hundred has a twin
(same family name, birth date and school), often on the same rosters. A share `typos` of rows
is written with one of the slips rosters really have: two letters transposed, a letter
dropped, a nickname for the given name (Bob for Robert, Liz for Elizabeth), day and month
swapped, a hyphenated family name written with a space or only its first part, the school
left out. Deterministic for a seed; O(rows). Django-free.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ecotone.demo.tables import table
from ecotone.measures.linkage import nicknames

HERITAGES = ("hispanic", "black", "asian", "white", "other")
HERITAGE_SHARES = (0.27, 0.15, 0.06, 0.45, 0.07)
CURATED_GIVEN = {"hispanic": 0.5, "black": 0.5, "asian": 0.7}
CURATED_FAMILY = {"hispanic": 0.85, "black": 0.4, "asian": 0.9}
WITH_SCHOOL = 0.8
TWINS = 0.01
FIRST_YEAR = 2024
SLIPS = ("transpose", "drop", "nickname", "swap_day_month", "hyphen", "no_school")


@dataclass
class Rosters:
    """Roster rows, column by column; `person` is the truth a linkage is scored against."""

    roster: list[int] = field(default_factory=list)
    period: list[int] = field(default_factory=list)
    person: list[int] = field(default_factory=list)
    given_name: list[str] = field(default_factory=list)
    family_name: list[str] = field(default_factory=list)
    birth_date: list[str] = field(default_factory=list)
    school: list[str] = field(default_factory=list)
    sex: list[int] = field(default_factory=list)
    race: list[int] = field(default_factory=list)
    grade: list[int] = field(default_factory=list)
    slip: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.roster)

    def column(self, name: str) -> npt.NDArray[np.int64]:
        return np.asarray(getattr(self, name), dtype=np.int64)


@dataclass(frozen=True)
class _Person:
    number: int
    sex: int
    heritage: int
    given_name: str
    family_name: str
    year: int
    month: int
    day: int
    school: str


@cache
def _census(name: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    import clkhash

    path = Path(clkhash.__file__).parent / "data" / f"{name}.csv"
    with path.open(encoding="utf-8") as file:
        rows = [row for row in csv.reader(file)][1:]
    names = tuple(row[0].strip() for row in rows if row[0].strip().isalpha())
    counts = tuple(float(row[1]) for row in rows if row[0].strip().isalpha())
    return names, counts


class _Draw:
    def __init__(self, seed: int, hyphenated: float) -> None:
        self.random = random.Random(seed)
        self.hyphenated = hyphenated
        self.names = table("roster_names")
        self.full_names: dict[str, list[str]] = {}
        for nickname, full in nicknames().items():
            self.full_names.setdefault(full, []).append(nickname)
        self.schools = [
            f"{name} {kind}"
            for name in self.names["schools"]["names"]
            for kind in self.names["schools"]["kinds"]
        ]
        self.pools: dict[str, tuple[list[str], list[float]]] = {}

    def census(self, name: str, count: int = 1) -> list[str]:
        names, weights = _census(name)
        return self.random.choices(names, cum_weights=self._cumulative(name, weights), k=count)

    def _cumulative(self, name: str, weights: Sequence[float]) -> list[float]:
        if name not in self.pools:
            total, cumulative = 0.0, []
            for weight in weights:
                total += weight
                cumulative.append(total)
            self.pools[name] = ([], cumulative)
        return self.pools[name][1]

    def person(
        self,
        number: int,
        family_name: str | None = None,
        birth: tuple[int, int, int] | None = None,
        school: str | None = None,
        heritage: int | None = None,
    ) -> _Person:
        rnd = self.random
        sex = rnd.randrange(2)
        heritage = (
            rnd.choices(range(len(HERITAGES)), weights=HERITAGE_SHARES)[0]
            if heritage is None
            else heritage
        )
        kind = HERITAGES[heritage]
        curated = self.names["given"].get(kind)
        if curated and rnd.random() < CURATED_GIVEN[kind]:
            given = rnd.choice(curated["female" if sex == 0 else "male"])
        else:
            given = self.census("female-first-names" if sex == 0 else "male-first-names")[0]
        if family_name is None:
            families = self.names["family"].get(kind)
            if families and rnd.random() < CURATED_FAMILY[kind]:
                family_name = rnd.choice(families)
                if kind == "hispanic" and rnd.random() < self.hyphenated:
                    family_name = f"{family_name}-{rnd.choice(families)}"
            else:
                family_name = self.census("last-names")[0].title()
        if birth is None:
            year = rnd.randint(FIRST_YEAR - 18, FIRST_YEAR - 5)
            month = rnd.randint(1, 12)
            day = rnd.randint(1, 28 if month == 2 else 30)
            birth = (year, month, day)
        if school is None:
            school = rnd.choice(self.schools) if rnd.random() < WITH_SCHOOL else ""
        return _Person(number, sex, heritage, given, family_name, *birth, school=school)

    def slip(self, person: _Person) -> tuple[str, str, str, str, str]:
        """One way a roster writes the person wrongly: (slip, given, family, birth, school)."""
        rnd = self.random
        given, family, school = person.given_name, person.family_name, person.school
        month, day = person.month, person.day
        possible = {
            "transpose": True,
            "drop": True,
            "nickname": given.lower() in self.full_names,
            "swap_day_month": day <= 12 and day != month,
            "hyphen": "-" in family,
            "no_school": bool(school),
        }
        kind = rnd.choice([slip for slip in SLIPS if possible[slip]])
        if kind in ("transpose", "drop"):
            which = rnd.randrange(2)
            name = given if which == 0 else family
            if len(name) >= 4:
                at = rnd.randrange(1, len(name) - 1)
                if kind == "transpose":
                    name = name[:at] + name[at + 1] + name[at] + name[at + 2 :]
                else:
                    name = name[:at] + name[at + 1 :]
            if which == 0:
                given = name
            else:
                family = name
        elif kind == "nickname":
            given = rnd.choice(self.full_names[given.lower()]).title()
        elif kind == "swap_day_month":
            month, day = day, month
        elif kind == "hyphen":
            family = family.replace("-", " ") if rnd.random() < 0.5 else family.split("-")[0]
        elif kind == "no_school":
            school = ""
        return kind, given, family, f"{person.year:04d}-{month:02d}-{day:02d}", school


def synthetic_rosters(
    rows: int,
    rosters: int,
    periods: int = 1,
    *,
    overlap: float = 0.15,
    retention: float = 0.0,
    typos: float = 0.05,
    hyphenated: float = 0.15,
    seed: int = 0,
) -> Rosters:
    """About `rows` roster rows over `rosters` rosters; roster r belongs to period r % periods.
    `hyphenated` is the share of Hispanic young people with a Hispanic family name who have two."""
    draw = _Draw(seed, hyphenated)
    rnd = draw.random
    by_period = [list(range(period, rosters, periods)) for period in range(periods)]
    result = Rosters()
    number = 0

    def add(person: _Person, roster: int) -> None:
        period = roster % periods
        slip = ""
        given, family, school = person.given_name, person.family_name, person.school
        birth = f"{person.year:04d}-{person.month:02d}-{person.day:02d}"
        if rnd.random() < typos:
            slip, given, family, birth, school = draw.slip(person)
        result.roster.append(roster)
        result.period.append(period)
        result.person.append(person.number)
        result.given_name.append(given)
        result.family_name.append(family)
        result.birth_date.append(birth)
        result.school.append(school)
        result.sex.append(person.sex)
        result.race.append(person.heritage)
        result.grade.append(min(max(FIRST_YEAR + period - person.year - 5, 0), 13))
        result.slip.append(slip)

    while len(result) < rows:
        person = draw.person(number)
        number += 1
        period = rnd.randrange(periods)
        choices = by_period[period]
        count = 1
        if rnd.random() < overlap:
            count = 2
            while count < 4 and rnd.random() < 0.3:
                count += 1
        chosen = rnd.sample(choices, min(count, len(choices)))
        if period + 1 < periods and rnd.random() < retention:
            chosen.append(rnd.choice(by_period[period + 1]))
        for roster in chosen:
            add(person, roster)
        if rnd.random() < TWINS:
            twin = person
            while twin.given_name == person.given_name:
                twin = draw.person(
                    number,
                    family_name=person.family_name,
                    birth=(person.year, person.month, person.day),
                    school=person.school,
                    heritage=person.heritage,
                )
            number += 1
            for roster in chosen:
                if rnd.random() < 0.7:
                    add(twin, roster)
    return result
