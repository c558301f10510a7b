"""The dimensions young people are counted by, and the codes of the standards partners use.

Problem: partners report the same fact in different vocabularies: a district's Ed-Fi ODS says
`uri://ed-fi.org/SexDescriptor#Female`, a OneRoster export has `sex=female`, a state file has
the EDFacts value `F`. Counts can only be summed across partners once each value is one common
code.

Method: the common code of every dimension is its CEDS option code (`Female`,
`HispanicOrLatino`, `Yes`, `KG`), kept as data in `data/option_sets.json` with the EDFacts
permitted value, the Ed-Fi descriptor URIs and the OneRoster values that mean it, and an English
and a Spanish label. An index from every accepted spelling to its code is built once when the
module loads (O(number of codes)); each lookup is then O(1). A partner's own codes (its course
titles, a state's local descriptor namespace) are not guessed here: they go through the
ecosystem's crosswalk (`models.CodeCrosswalk`), kept as data beside these tables.

Race and ethnicity follow the federal rule for aggregate reporting (the one EDFacts uses):
anyone who is Hispanic or Latino is counted as such, whatever their races; otherwise one race
is that race, two or more is "Two or more races". The 2024 revision of the federal standard
added Middle Eastern or North African as a seventh category; EDFacts has no permitted value for
it yet, so its `edfacts` is None (as for the "not" side of the status dimensions, which EDFacts
reports as the total less the group). One set is Ecotone's own, with no standard behind it:
`program_depth` (exposure, experience, engagement), which the starter library's "programs by
depth" is broken down by.

Three dimensions come from the other apps. `locale` is the NCES urban-centric locale (11 City:
Large ... 43 Rural: Remote), the table the atlas reads its areas' locales by (`ecotone.ccd`).
`program` and `area` are *dynamic*: their codes are records, not a table kept here, a program
of the directory (its slug) and a population area of the atlas (its code: NCESSCH, GEOID, ZIP);
which are known depends on the ecosystem and the partner, so no standard spelling reads them
(`common_code` raises UnknownCode) and the reader of a file's codes
(`services.crosswalk.Resolver`) looks them up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ecotone import ccd

EDFI_NAMESPACE = "uri://ed-fi.org/"
LANGUAGES = ("en", "es")


class UnknownCode(ValueError):  # noqa: N818 (it names what was found, like KeyError)
    """A value no standard table knows for this dimension (a crosswalk may still know it)."""

    def __init__(self, dimension: str, value: str) -> None:
        super().__init__(f"{value!r} is no known code of {dimension!r}")
        self.dimension = dimension
        self.value = value


@dataclass(frozen=True)
class Code:
    dimension: str
    code: str  # the common code: the CEDS option
    edfacts: str | None  # the EDFacts permitted value, when EDFacts has one
    en: str
    es: str
    edfi: tuple[str, ...]  # Ed-Fi descriptor URIs meaning this code
    oneroster: tuple[str, ...]  # OneRoster values (sex, grades) or the race column's name
    aliases: tuple[str, ...] = ()  # other spellings in use ("11-City: Large")

    def label(self, language: str) -> str:
        return self.es if language.startswith("es") else self.en


@dataclass(frozen=True)
class OptionSet:
    key: str  # the dimension's name in Ecotone: "sex", "race", ...
    en: str
    es: str
    ceds: str  # the CEDS element
    edfacts: str  # the EDFacts category
    edfi_descriptor: str
    oneroster: str  # the OneRoster column holding one value ("sex"), or "" when none does
    codes: tuple[Code, ...]
    # Every descriptor of this kind means this code (any Ed-Fi disability means "Yes").
    edfi_any_code: str | None = None
    # The codes are records of another app (programs, areas): `codes` is empty.
    dynamic: bool = False

    def label(self, language: str) -> str:
        return self.es if language.startswith("es") else self.en

    def get(self, code: str) -> Code | None:
        return next((c for c in self.codes if c.code == code), None)


def _load() -> dict[str, OptionSet]:
    raw = json.loads((Path(__file__).parent / "data" / "option_sets.json").read_text("utf-8"))
    sets = {}
    for key, spec in raw.items():
        codes = tuple(
            Code(
                dimension=key,
                code=c["code"],
                edfacts=c["edfacts"],
                en=c["en"],
                es=c["es"],
                edfi=tuple(c["edfi"]),
                oneroster=tuple(c["oneroster"]),
                aliases=tuple(c.get("aliases", ())),
            )
            for c in spec["codes"]
        )
        if spec.get("from") == "nces_locale":
            codes = tuple(
                Code(key, str(c.code), None, c.en, c.es, (), (), (c.en, f"{c.code}-{c.en}"))
                for c in ccd.LOCALES
            )
        sets[key] = OptionSet(
            key=key,
            en=spec["en"],
            es=spec["es"],
            ceds=spec["ceds"],
            edfacts=spec["edfacts"],
            edfi_descriptor=spec["edfi_descriptor"],
            oneroster=spec["oneroster"],
            codes=codes,
            edfi_any_code=spec.get("edfi_any_code"),
            dynamic=bool(spec.get("dynamic")),
        )
    return sets


OPTION_SETS: Mapping[str, OptionSet] = MappingProxyType(_load())
DIMENSIONS: tuple[str, ...] = tuple(OPTION_SETS)
DYNAMIC: frozenset[str] = frozenset(k for k, s in OPTION_SETS.items() if s.dynamic)


def _key(value: str) -> str:
    """Case, spaces and punctuation around words do not change a code's meaning."""
    return re.sub(r"[\s_\-/]+", "", value.strip().casefold())


def _edfi_key(uri: str) -> tuple[str, str] | None:
    """(descriptor, code value) of an Ed-Fi descriptor URI in the ed-fi.org namespace."""
    text = uri.strip()
    if not text.casefold().startswith(EDFI_NAMESPACE) or "#" not in text:
        return None
    descriptor, _hash, value = text[len(EDFI_NAMESPACE) :].partition("#")
    return _key(descriptor), _key(value)


def _index() -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], tuple[str, str]]]:
    by_spelling: dict[tuple[str, str], str] = {}
    by_edfi: dict[tuple[str, str], tuple[str, str]] = {}
    for option_set in OPTION_SETS.values():
        for code in option_set.codes:
            spellings = [
                code.code,
                *(code.oneroster if option_set.oneroster else ()),
                *code.aliases,
            ]
            if code.edfacts:
                spellings.append(code.edfacts)
            for spelling in spellings:
                by_spelling.setdefault((option_set.key, _key(spelling)), code.code)
            for uri in code.edfi:
                key = _edfi_key(uri)
                assert key is not None, uri
                by_edfi[key] = (option_set.key, code.code)
    return by_spelling, by_edfi


_BY_SPELLING, _BY_EDFI = _index()
_DESCRIPTORS = {_key(s.edfi_descriptor): s for s in OPTION_SETS.values()}


def option_set(dimension: str) -> OptionSet:
    try:
        return OPTION_SETS[dimension]
    except KeyError:
        raise UnknownCode("dimension", dimension) from None


def spellings(dimension: str) -> dict[str, str]:
    """Every standard spelling of a dimension's codes as `_key` reads it -> its common code: what
    `common_code` accepts but the Ed-Fi descriptor URIs (read by `from_edfi`). The roster page
    reads a file's values with it in the browser (`crosswalk.code_tables`), by the same key."""
    option_set(dimension)
    return {key: code for (found, key), code in _BY_SPELLING.items() if found == dimension}


def label(dimension: str, code: str, language: str) -> str:
    found = option_set(dimension).get(code)
    return found.label(language) if found else code


def from_edfi(uri: str) -> tuple[str, str]:
    """(dimension, common code) of an Ed-Fi descriptor URI of the ed-fi.org namespace."""
    key = _edfi_key(uri)
    if key is None:
        raise UnknownCode("edfi", uri)
    if key in _BY_EDFI:
        return _BY_EDFI[key]
    option_set = _DESCRIPTORS.get(key[0])
    if option_set is not None and option_set.edfi_any_code and key[1]:
        return option_set.key, option_set.edfi_any_code
    raise UnknownCode("edfi", uri)


def common_code(dimension: str, value: str) -> str:
    """The common code of `value` in `dimension`: `value` may be the common code, the EDFacts
    value, an Ed-Fi descriptor URI or a OneRoster value, in any case. Raises UnknownCode."""
    option_set(dimension)
    if value.strip().casefold().startswith(EDFI_NAMESPACE):
        try:
            found_dimension, code = from_edfi(value)
        except UnknownCode:
            raise UnknownCode(dimension, value) from None
        if found_dimension != dimension:
            raise UnknownCode(dimension, value)
        return code
    try:
        return _BY_SPELLING[(dimension, _key(value))]
    except KeyError:
        raise UnknownCode(dimension, value) from None


# Race and ethnicity ------------------------------------------------------------------------

RACES = tuple(
    c.code
    for c in OPTION_SETS["race"].codes
    if c.code not in ("HispanicOrLatino", "TwoOrMoreRaces")
)


def race_from_flags(*, hispanic: bool, races: Collection[str]) -> str | None:
    """The reporting category of one person (the federal rule above), or None when neither
    ethnicity nor any race was given. `races` are common codes from RACES."""
    if hispanic:
        return "HispanicOrLatino"
    unknown = set(races) - set(RACES) - {"TwoOrMoreRaces"}
    if unknown:
        raise UnknownCode("race", sorted(unknown)[0])
    distinct = set(races)
    if "TwoOrMoreRaces" in distinct or len(distinct) > 1:
        return "TwoOrMoreRaces"
    return next(iter(distinct), None)


def race_from_edfi(*, hispanic_latino_ethnicity: bool, races: Collection[str]) -> str | None:
    """Ed-Fi's student: `hispanicLatinoEthnicity` and its list of RaceDescriptor URIs."""
    codes = []
    for uri in races:
        dimension, code = from_edfi(uri)
        if dimension != "race":
            raise UnknownCode("race", uri)
        codes.append(code)
    return race_from_flags(hispanic=hispanic_latino_ethnicity, races=codes)


# OneRoster demographics.csv ---------------------------------------------------------------

ONEROSTER_RACE_COLUMNS: Mapping[str, str] = MappingProxyType(
    {c.oneroster[0]: c.code for c in OPTION_SETS["race"].codes if c.oneroster}
)
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


def _flag(column: str, value: str) -> bool:
    text = value.strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UnknownCode(column, value)


def from_oneroster(row: Mapping[str, str]) -> dict[str, str]:
    """The common codes of one OneRoster demographics row (and a `grades` column of users.csv
    when it names one grade): `sex` female/male/other/unspecified, the race columns true/false
    with `hispanicOrLatinoEthnicity`. Dimensions the row leaves empty are left out."""
    found: dict[str, str] = {}
    if sex := (row.get("sex") or "").strip():
        found["sex"] = common_code("sex", sex)
    flags = {
        column: _flag(column, row.get(column) or "")
        for column in ONEROSTER_RACE_COLUMNS
        if column in row
    }
    hispanic = flags.pop("hispanicOrLatinoEthnicity", False)
    race = race_from_flags(
        hispanic=hispanic,
        races=[ONEROSTER_RACE_COLUMNS[column] for column, on in flags.items() if on],
    )
    if race is not None:
        found["race"] = race
    grades = [g for g in (row.get("grades") or "").split(",") if g.strip()]
    if len(grades) == 1:
        found["grade"] = common_code("grade", grades[0])
    return found
