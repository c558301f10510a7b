"""The rotation's turn (`network.rotation.next_welcomer`), Django-free: fair over many
assignments, never an away welcomer, None only when everyone is away."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from ecotone.network.rotation import next_welcomer

orders = st.lists(st.integers(1, 60), min_size=1, max_size=12, unique=True)


@given(order=orders, data=st.data(), rounds=st.integers(1, 200))
def test_turns_are_fair_among_available_welcomers(
    order: list[int], data: st.DataObject, rounds: int
) -> None:
    away = set(data.draw(st.lists(st.sampled_from(order), max_size=len(order) - 1)))
    last = data.draw(st.one_of(st.none(), st.sampled_from(order), st.integers(100, 110)))
    counts: Counter[int] = Counter()
    for _ in range(rounds):
        chosen = next_welcomer(order, last, away)
        assert chosen is not None
        assert chosen not in away
        counts[chosen] += 1
        last = chosen
    available = [w for w in order if w not in away]
    spread = [counts[w] for w in available]
    assert max(spread) - min(spread) <= 1


@given(order=orders, data=st.data())
def test_nobody_when_everyone_is_away(order: list[int], data: st.DataObject) -> None:
    last = data.draw(st.one_of(st.none(), st.sampled_from(order)))
    assert next_welcomer(order, last, set(order)) is None


def test_the_next_after_the_last_skipping_the_away() -> None:
    assert next_welcomer([1, 2, 3], 1, {2}) == 3
    assert next_welcomer([1, 2, 3], 3, set()) == 1
    assert next_welcomer([], None) is None
