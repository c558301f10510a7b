"""Is an imported program likely one the directory already has? Django-free.

Problem: an import brings a program with an id the directory does not know. If its organization
already runs a program with nearly the same name at nearly the same place, it is most likely the
same program exported from another system (new ids), and creating it would list it twice.

Method: names are compared as sets of words (lower case, accents and punctuation removed), with
the token-set ratio (difflib's similarity of the shared words against each side's whole), so
word order, "the", case and punctuation do not matter; ties go to the closer whole name. Places
match when any physical location of one lies within `radius_km` of any of the other
(haversine), or when neither has a physical location with coordinates (both virtual-only, or
both without a place).

Complexity: O(c * (n + p * q)) for c candidates with names of length n and p, q places each.

`LookAlikes` answers the same question for many names against one organization's programs
(an import of a thousand services of one organization compares each with all the others)
without comparing every pair. It keeps candidates in order and, for a name, looks only at the
candidates that can reach the threshold, then applies the rule above to them unchanged, so
it finds exactly the pairs the all-pairs comparison finds:

- by name (exact filters, prefix filtering as in set-similarity joins, over a fixed order of
  rarest first): a token-set ratio reaches `threshold` only (1) when the shared words carry
  at least threshold / (2 - threshold) of one name's letters, so that name's rarest words
  making up the rest must include a shared one; or (2) when the two names' words, as
  strings, reach it: difflib's matches are common substrings, so the two share at least
  (3 * threshold / 2 - 1) * (length of both) - 1 letter pairs (bigrams), and then one of
  the rarest (1 - that share) of each name's bigrams. Names too short for (2) to bind are
  compared by length alone, names without words only with each other;
- by place: points in the same or a neighbouring cell of a 3-D grid of cells one radius wide
  on the unit sphere; programs without a physical point only with each other.

Cost: difflib runs only on the candidates the filters leave (for dissimilar names, none to a
few per name). Finding them walks the index lists of the name's rarer letter pairs, a small
share of the organization's programs: far below all pairs for the sizes an import meets, though
still growing with the square of an organization's programs in the limit. Names that share most
of their letters ("<word> Robotics Club") are near the threshold pair by pair, and are compared.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

SIMILAR_NAME = 0.8
NEARBY_KM = 1.0
EARTH_RADIUS_KM = 6371.0088
_STOPWORDS = frozenset({"the", "a", "an", "of", "and", "for", "at", "el", "la", "los", "las", "de"})


@dataclass(frozen=True)
class Place:
    """Where a program happens: coordinates when known; `virtual` for online locations."""

    latitude: float | None = None
    longitude: float | None = None
    virtual: bool = False

    @property
    def is_physical_point(self) -> bool:
        return not self.virtual and self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Candidate:
    """An existing program that an imported one might duplicate."""

    key: int | str
    name: str
    places: tuple[Place, ...] = ()


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    similarity: float


def name_tokens(name: str) -> list[str]:
    """Lower-case words without accents or punctuation, stopwords dropped, sorted, unique."""
    return list(_tokens(name))


@functools.lru_cache(maxsize=65536)
def _tokens(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    kept = {w for w in words if w not in _STOPWORDS} or set(words)
    return tuple(sorted(kept))


def name_similarity(a: str, b: str) -> float:
    """Token-set similarity in [0, 1]: 1 when one name's words are all of the other's."""
    ta, tb = set(_tokens(a)), set(_tokens(b))
    if not ta or not tb:
        return 1.0 if ta == tb else 0.0
    shared = " ".join(sorted(ta & tb))
    only_a = " ".join(sorted(ta - tb))
    only_b = " ".join(sorted(tb - ta))
    with_a = f"{shared} {only_a}".strip()
    with_b = f"{shared} {only_b}".strip()
    pairs = [(with_a, with_b)]
    if shared:
        pairs += [(shared, with_a), (shared, with_b)]
    return max(_ratio(x, y) for x, y in pairs)


def _ratio(a: str, b: str) -> float:
    """difflib's ratio, made symmetric (its matching blocks depend on the order)."""
    return max(SequenceMatcher(None, a, b).ratio(), SequenceMatcher(None, b, a).ratio())


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine) between two physical places."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        raise ValueError("distance_km needs two places with coordinates")
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    dphi = phi2 - phi1
    dlam = math.radians(b.longitude - a.longitude)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def places_match(a: Iterable[Place], b: Iterable[Place], radius_km: float = NEARBY_KM) -> bool:
    points_a = [p for p in a if p.is_physical_point]
    points_b = [p for p in b if p.is_physical_point]
    if not points_a and not points_b:
        return True  # both virtual-only (or neither says where): the place tells them not apart
    return any(distance_km(p, q) <= radius_km for p in points_a for q in points_b)


def likely_duplicate(
    name: str,
    places: Sequence[Place],
    candidates: Iterable[Candidate],
    *,
    threshold: float = SIMILAR_NAME,
    radius_km: float = NEARBY_KM,
) -> Match | None:
    """The most similar candidate with a similar name at a matching place, if any."""
    best: Match | None = None
    best_rank = (-1.0, -1.0)
    for candidate in candidates:
        similarity = name_similarity(name, candidate.name)
        if similarity < threshold or not places_match(places, candidate.places, radius_km):
            continue
        # Ties (both names' words within the other's) go to the closer whole name.
        rank = (similarity, _sorted_ratio(name, candidate.name))
        if rank > best_rank:
            best, best_rank = Match(candidate, similarity), rank
    return best


def _sorted_ratio(a: str, b: str) -> float:
    return _ratio(" ".join(_tokens(a)), " ".join(_tokens(b)))


# Many names against one organization's programs -------------------------------------------------

# Float rounding must never drop a pair: every bound below errs towards looking at more.
_SLACK = 1e-9


def _bigrams(tokens: Sequence[str]) -> list[tuple[str, int]]:
    """The letter pairs of the tokens joined by spaces in any order, each occurrence numbered:
    every pair inside a word, and each word's last letter before a space and first after one."""
    seen: Counter[str] = Counter()
    found = []
    for token in tokens:
        for gram in (
            *(token[i : i + 2] for i in range(len(token) - 1)),
            token[-1] + " ",
            " " + token[0],
        ):
            found.append((gram, seen[gram]))
            seen[gram] += 1
    return found


@dataclass(frozen=True)
class _Name:
    """What the filters read of a name: its words, their joined length, and the rarest words
    and bigrams that a similar name must share (None: too short for the bigram filter)."""

    tokens: tuple[str, ...]
    length: int
    word_prefix: tuple[str, ...]
    grams: tuple[tuple[str, int], ...]
    gram_set: frozenset[tuple[str, int]]
    gram_prefix: tuple[tuple[str, int], ...] | None
    letters: Counter[str]


class Rarity:
    """How often each word and bigram occurs in `names` (those likely to be looked up or
    added): the rarest-first order that makes `LookAlikes`' filters selective. Any order
    gives the same answers; one `Rarity` may serve many `LookAlikes`."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.words: Counter[str] = Counter()
        self.grams: Counter[str] = Counter()
        for name in names:
            tokens = _tokens(name)
            self.words.update(tokens)
            if tokens:
                self.grams.update(gram for gram, _n in _bigrams(tokens))


class LookAlikes:
    """One organization's programs, in the order added, for `best` and `first`: the same
    answers as `likely_duplicate` over all of them, or over each in turn, without reading
    every one (see the module's docstring)."""

    def __init__(
        self,
        rarity: Rarity | None = None,
        *,
        threshold: float = SIMILAR_NAME,
        radius_km: float = NEARBY_KM,
    ) -> None:
        self.threshold = threshold
        self.radius_km = radius_km
        rarity = rarity or Rarity()
        self._word_count = rarity.words
        self._gram_count = rarity.grams
        self._candidates: list[Candidate] = []
        self._names: list[_Name] = []
        self._placeless: list[bool] = []
        self._by_word: dict[str, list[int]] = {}
        self._by_word_prefix: dict[str, list[int]] = {}
        self._by_gram: dict[tuple[str, int], list[int]] = {}
        self._read_names: dict[str, _Name] = {}
        self._by_length: dict[int, list[int]] = {}
        self._short: list[int] = []
        self._wordless: list[int] = []
        self._by_cell: dict[tuple[int, int, int], list[int]] = {}
        self._physical: list[int] = []
        # A point without finite coordinates measures 0 km from any point (`distance_km`
        # clamps NaN to 0), so it is near every physical place.
        self._anywhere: list[int] = []
        # Chord of an arc of radius_km on the unit sphere, widened for rounding.
        self._cell = 2 * math.sin(radius_km / (2 * EARTH_RADIUS_KM)) * 1.01 + _SLACK

    def __len__(self) -> int:
        return len(self._candidates)

    def add(self, candidate: Candidate) -> None:
        at = len(self._candidates)
        name = self._read(candidate.name)
        self._candidates.append(candidate)
        self._names.append(name)
        self._placeless.append(not any(p.is_physical_point for p in candidate.places))
        if not name.tokens:
            self._wordless.append(at)
        for token in name.tokens:
            self._by_word.setdefault(token, []).append(at)
        for token in name.word_prefix:
            self._by_word_prefix.setdefault(token, []).append(at)
        self._by_length.setdefault(name.length, []).append(at)
        if name.gram_prefix is None:
            self._short.append(at)
        for gram in name.grams:
            self._by_gram.setdefault(gram, []).append(at)
        if not self._placeless[at]:
            self._physical.append(at)
        if any(p.is_physical_point and not _finite_point(p) for p in candidate.places):
            self._anywhere.append(at)
        for cell in {self._cell_of(p) for p in candidate.places if _finite_point(p)}:
            self._by_cell.setdefault(cell, []).append(at)

    def best(self, name: str, places: Sequence[Place]) -> Match | None:
        """`likely_duplicate(name, places, candidates)` over every candidate added."""
        return likely_duplicate(
            name,
            places,
            self._possible(name, places),
            threshold=self.threshold,
            radius_km=self.radius_km,
        )

    def first(self, name: str, places: Sequence[Place]) -> Match | None:
        """The first candidate added that `likely_duplicate` takes on its own."""
        for candidate in self._possible(name, places):
            match = likely_duplicate(
                name, places, [candidate], threshold=self.threshold, radius_km=self.radius_km
            )
            if match is not None:
                return match
        return None

    def _possible(self, name: str, places: Sequence[Place]) -> Iterator[Candidate]:
        """The candidates that may be alike, in the order added: every one that is."""
        probe = self._read(name)
        found = self._by_name(probe)
        points = [p for p in places if p.is_physical_point]
        if not points:
            found = {i for i in found if self._placeless[i]}
        elif not all(_finite_point(p) for p in points):
            found &= set(self._physical)
        else:
            near = set(self._anywhere)
            for x, y, z in {self._cell_of(p) for p in points}:
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        for dz in (-1, 0, 1):
                            near.update(self._by_cell.get((x + dx, y + dy, z + dz), ()))
            found &= near
        return (
            self._candidates[i] for i in sorted(found) if self._may_reach(probe, self._names[i])
        )

    def _may_reach(self, a: _Name, b: _Name) -> bool:
        """Whether `name_similarity` may reach the threshold, by bounds on each of its ratios
        that cost no difflib: a ratio is at most twice the letters two strings have in
        common over their length, and the shared words are a prefix of a name's string."""
        if not a.tokens or not b.tokens:
            return True
        bar = self.threshold - _SLACK
        total = a.length + b.length
        if 2 * sum((a.letters & b.letters).values()) >= bar * total:
            return True
        shared = set(a.tokens) & set(b.tokens)
        if not shared:
            return False
        joined = sum(len(token) for token in shared) + len(shared) - 1
        return 2 * joined >= bar * (joined + min(a.length, b.length))

    def _by_name(self, probe: _Name) -> set[int]:
        if not probe.tokens:
            return set(self._wordless)
        found: set[int] = set()
        for token in probe.word_prefix:
            found.update(self._by_word.get(token, ()))
        for token in probe.tokens:
            found.update(self._by_word_prefix.get(token, ()))
        low, high = self._lengths(probe.length)
        if probe.gram_prefix is None:
            for length in range(low, high + 1):
                found.update(self._by_length.get(length, ()))
            return found
        # A name that can reach the threshold has at least `_shared(both lengths)` bigrams in
        # common with the probe, so at least that many less the probe's commonest (left out
        # of its prefix) among its rarest: those are counted through the index, and only the
        # names with enough of them have their other bigrams counted.
        commonest = probe.grams[len(probe.gram_prefix) :]
        counts: Counter[int] = Counter()
        for gram in probe.gram_prefix:
            counts.update(self._by_gram.get(gram, ()))
        floor = self._shared(probe.length + low) - len(commonest)
        for at, count in counts.items():
            if count < floor:
                continue
            other = self._names[at]
            if not low <= other.length <= high:
                continue
            needed = self._shared(probe.length + other.length)
            if count + len(commonest) < needed:
                continue
            if count + sum(gram in other.gram_set for gram in commonest) >= needed:
                found.add(at)
        found.update(self._short)
        return found

    def _shared(self, lengths: int) -> int:
        """The bigrams two names' strings of `lengths` letters in all have in common at least
        when their ratio reaches the threshold."""
        return math.ceil((1.5 * self.threshold - 1) * lengths - 1 - _SLACK)

    def _lengths(self, length: int) -> tuple[int, int]:
        """The lengths another name's words can have for the two to reach the threshold."""
        t = self.threshold
        return math.floor(t * length / (2 - t) - _SLACK), math.ceil(length * (2 - t) / t + _SLACK)

    def _read(self, name: str) -> _Name:
        read = self._read_names.get(name)
        if read is None:
            read = self._read_names[name] = self._read_afresh(name)
        return read

    def _read_afresh(self, name: str) -> _Name:
        t = self.threshold
        tokens = _tokens(name)
        if not tokens:
            return _Name((), 0, (), (), frozenset(), None, Counter())
        length = sum(len(token) for token in tokens) + len(tokens) - 1
        # (1) The shared words must weigh (letters + 1 each) at least `need`.
        need = t * length / (2 - t) + 1 - _SLACK
        rest = length + 1
        word_prefix = []
        for token in sorted(tokens, key=lambda w: (self._word_count[w], w)):
            if rest < need:
                break
            word_prefix.append(token)
            rest -= len(token) + 1
        # (2) The fewest bigrams in common with a name of any length within reach.
        shared = math.ceil((1.5 * t - 1) * length * 2 / (2 - t) - 1 - _SLACK)
        grams = sorted(_bigrams(tokens), key=lambda g: (self._gram_count[g[0]], g))
        gram_prefix = tuple(grams[: len(grams) - shared + 1]) if shared > 0 else None
        return _Name(
            tokens,
            length,
            tuple(word_prefix),
            tuple(grams),
            frozenset(grams),
            gram_prefix,
            Counter(" ".join(tokens)),
        )

    def _cell_of(self, place: Place) -> tuple[int, int, int]:
        lat, lon = math.radians(place.latitude or 0.0), math.radians(place.longitude or 0.0)
        x, y, z = math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)
        return (math.floor(x / self._cell), math.floor(y / self._cell), math.floor(z / self._cell))


def _finite_point(place: Place) -> bool:
    """A physical point with finite coordinates, which has a cell of the grid."""
    return (
        place.is_physical_point
        and math.isfinite(place.latitude or 0.0)
        and math.isfinite(place.longitude or 0.0)
    )
