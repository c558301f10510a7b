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

Complexity: O(c * (n + p * q)) for c candidates with names of length n and p, q places each;
an organization's own programs are the candidates, so c is small.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
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
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    kept = {w for w in words if w not in _STOPWORDS} or set(words)
    return sorted(kept)


def name_similarity(a: str, b: str) -> float:
    """Token-set similarity in [0, 1]: 1 when one name's words are all of the other's."""
    ta, tb = set(name_tokens(a)), set(name_tokens(b))
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
    return _ratio(" ".join(name_tokens(a)), " ".join(name_tokens(b)))
