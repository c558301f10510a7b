"""An improvement plan's suggestions (Django-free, no database): the lowest-rated attributes
that can still improve, lowest stage first then in the rubric's order, each with the next stage
up as its target."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.quality import planning
from ecotone.quality.rubrics import Attribute, Rubric, Section, Stage

STAGES = tuple(
    Stage(key, key.title()) for key in ("undeveloped", "developing", "established", "top")
)
KEYS = [s.key for s in STAGES]


def rubric_of(sections: list[int]) -> Rubric:
    """A rubric with `sections[i]` attributes in section i, keyed a0, a1, ... in order."""
    made: list[Section] = []
    number = 0
    for index, size in enumerate(sections):
        attributes = []
        for _ in range(size):
            attributes.append(
                Attribute(f"a{number}", f"A{number}", {k: f"a{number} at {k}" for k in KEYS})
            )
            number += 1
        made.append(Section(f"s{index}", f"S{index}", tuple(attributes)))
    return Rubric("r", "R", STAGES, tuple(made))


@st.composite
def rated(draw: Any) -> tuple[Rubric, dict[str, str]]:
    rubric = rubric_of(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    stage = st.one_of(st.sampled_from(KEYS), st.just(""), st.just("unknown"))
    consensus = {a.key: draw(stage) for a in rubric.attributes() if draw(st.booleans())}
    return rubric, consensus


def rank(rubric: Rubric, consensus: dict[str, str], key: str) -> tuple[int, int]:
    order = [a.key for a in rubric.attributes()]
    return KEYS.index(consensus[key]), order.index(key)


@settings(max_examples=60, deadline=None)
@given(rated(), st.one_of(st.none(), st.integers(0, 6)))
def test_the_lowest_come_first_in_a_stable_order_with_the_next_stage_as_target(
    case: tuple[Rubric, dict[str, str]], count: int | None
) -> None:
    rubric, consensus = case
    chosen = planning.lowest(rubric, consensus, count)
    improvable = [a.key for a in rubric.attributes() if consensus.get(a.key) in KEYS[:-1]]
    assert len(chosen) == (len(improvable) if count is None else min(count, len(improvable)))
    ranks = [rank(rubric, consensus, s.attribute) for s in chosen]
    assert ranks == sorted(ranks)
    for suggestion in chosen:
        now = KEYS.index(suggestion.stage.key)
        assert suggestion.stage.key == consensus[suggestion.attribute]
        assert suggestion.target == STAGES[now + 1]
        assert suggestion.descriptor == f"{suggestion.attribute} at {suggestion.target.key}"
    # nothing left out ranks below the last one chosen
    if chosen:
        left_out = set(improvable) - {s.attribute for s in chosen}
        assert all(rank(rubric, consensus, k) > ranks[-1] for k in left_out)
    # the same ratings always give the same suggestions
    assert planning.lowest(rubric, dict(reversed(consensus.items())), count) == chosen


def test_the_top_stage_and_unknown_stages_have_no_next_stage() -> None:
    rubric = rubric_of([3])
    assert planning.next_stage(rubric, "top") is None
    assert planning.next_stage(rubric, "nope") is None
    assert planning.next_stage(rubric, "developing") == STAGES[2]
    consensus = {"a0": "top", "a1": "developing", "a2": "undeveloped"}
    assert [s.attribute for s in planning.lowest(rubric, consensus)] == ["a2", "a1"]
