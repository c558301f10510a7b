"""Likely duplicates on import: the Django-free matching rule (property-based)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecotone.directory.duplicates import (
    Candidate,
    Place,
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
