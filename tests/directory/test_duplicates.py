"""Likely duplicates on import: the Django-free matching rule (property-based)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.directory.duplicates import (
    Candidate,
    LookAlikes,
    Place,
    Rarity,
    distance_km,
    likely_duplicate,
    name_similarity,
    places_match,
)

words = st.lists(
    st.sampled_from(
        [
            "robotics",
            "club",
            "coding",
            "camp",
            "girls",
            "science",
            "lab",
            "makers",
            "junior",
            "stem",
            "summer",
            "team",
        ]
    ),
    min_size=1,
    max_size=5,
)
names = st.text(min_size=0, max_size=40)
latitudes = st.floats(min_value=-80, max_value=80)
longitudes = st.floats(min_value=-179, max_value=179)


@given(names, names)
def test_similarity_is_symmetric_and_between_zero_and_one(a: str, b: str) -> None:
    assert 0.0 <= name_similarity(a, b) <= 1.0
    assert name_similarity(a, b) == name_similarity(b, a)


@given(words)
def test_order_case_and_punctuation_do_not_matter(tokens: list[str]) -> None:
    name = " ".join(tokens)
    shuffled = ", ".join(reversed(tokens)).upper() + "!"
    assert name_similarity(name, shuffled) == 1.0


@given(words, words)
def test_a_name_is_as_similar_to_itself_with_the_added_words(
    base: list[str], extra: list[str]
) -> None:
    # Token-set similarity: one name's words all within the other's counts as the same.
    assert name_similarity(" ".join(base), " ".join(base + extra)) == 1.0


def test_different_programs_are_not_similar() -> None:
    assert name_similarity("Robotics Club", "Family Science Night") < 0.8
    assert name_similarity("Girls Who Code", "Girls Who Code Club") >= 0.8
    assert name_similarity("Robótica Juvenil", "robotica juvenil") == 1.0


@given(latitudes, longitudes)
def test_a_place_is_near_itself_and_not_near_the_other_side_of_the_world(
    lat: float, lon: float
) -> None:
    here = Place(lat, lon)
    assert distance_km(here, here) < 1e-6
    assert places_match([here], [Place(lat + 0.005, lon)])  # about 550 m north
    assert not places_match([here], [Place(-lat, lon + 180 if lon < 0 else lon - 180)])


def test_virtual_only_programs_match_each_other_but_not_a_physical_one() -> None:
    online = Place(virtual=True)
    assert places_match([online], [online])
    assert places_match([], [online])
    assert not places_match([online], [Place(40.0, -83.0)])


@given(words, latitudes, longitudes)
def test_the_same_program_at_the_same_place_is_always_flagged(
    tokens: list[str], lat: float, lon: float
) -> None:
    place = Place(lat, lon)
    existing = Candidate(1, " ".join(tokens), (place,))
    match = likely_duplicate(" ".join(reversed(tokens)), [place], [existing])
    assert match is not None
    assert match.candidate is existing


def test_the_most_similar_candidate_wins_and_far_ones_never_match() -> None:
    here = Place(39.96, -83.0)
    far = Place(40.5, -83.0)  # 60 km north
    candidates = [
        Candidate(1, "Robotics Club Juniors", (here,)),
        Candidate(2, "Robotics Club", (here,)),
        Candidate(3, "Robotics Club", (far,)),
    ]
    match = likely_duplicate("The Robotics Club", [here], candidates)
    assert match is not None
    assert match.candidate.key == 2
    assert likely_duplicate("Robotics Club", [far], candidates[:2]) is None


# Many names at once: the indexed look-up finds exactly what the all-pairs comparison finds ----

# Few letters and words, so that names often come close to the threshold from either side.
near_words = st.lists(
    st.sampled_from(
        ["robotics", "robotic", "club", "clubs", "lab", "la", "code", "coder", "x", "é"]
    ),
    min_size=0,
    max_size=4,
).map(" ".join)
near_names = st.one_of(near_words, st.text(alphabet="abc xyz-É", max_size=12))
near_places = st.lists(
    st.one_of(
        st.builds(
            Place,
            st.sampled_from([39.96, 39.965, 39.97, 40.5, -10.0]),
            st.sampled_from([-83.0, -83.004, -83.01, 120.0]),
        ),
        st.builds(Place, st.just(None), st.just(None), st.booleans()),
        st.just(Place(math.nan, -83.0)),
    ),
    max_size=2,
)
records = st.lists(st.tuples(near_names, near_places), max_size=25)


def all_pairs_first(name: str, places: list[Place], earlier: list[Candidate]) -> Any:
    """The reference: every earlier candidate in turn, as the import compared them."""
    return next(filter(None, (likely_duplicate(name, places, [c]) for c in earlier)), None)


@settings(max_examples=300, deadline=None)
@given(records, records, st.lists(near_names, max_size=10))
def test_the_indexed_look_up_finds_exactly_the_pairs_all_pairs_finds(
    directory: list[tuple[str, list[Place]]],
    batch: list[tuple[str, list[Place]]],
    vocabulary: list[str],
) -> None:
    existing = [Candidate(i, name, tuple(places)) for i, (name, places) in enumerate(directory)]
    in_directory = LookAlikes(Rarity(vocabulary + [name for name, _p in directory + batch]))
    for candidate in existing:
        in_directory.add(candidate)
    in_file = LookAlikes(Rarity(vocabulary))
    created: list[Candidate] = []
    for i, (name, places) in enumerate(batch):
        assert in_directory.best(name, places) == likely_duplicate(name, places, existing)
        assert in_file.first(name, places) == all_pairs_first(name, places, created)
        candidate = Candidate(f"new-{i}", name, tuple(places))
        created.append(candidate)
        in_file.add(candidate)


def test_the_indexed_look_up_flags_typos_and_added_words_but_not_other_programs() -> None:
    here = Place(39.96, -83.0)
    index = LookAlikes()
    for key, name in enumerate(["Robotics Club", "Family Science Night", "Girls Who Code"]):
        index.add(Candidate(key, name, (here,)))
    assert index.best("Robotcs Club", [here]).candidate.key == 0  # type: ignore[union-attr]
    assert index.first("Girls Who Code Club", [here]).candidate.key == 2  # type: ignore[union-attr]
    assert index.best("Math Circle", [here]) is None
    assert index.best("Robotics Club", [Place(40.5, -83.0)]) is None
