"""Facet filters and counts on bit masks, against counting each program's terms one by one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecotone.directory.profile_masks import ProfileMasks, facet_filter_and_counts, mask_of

FACETS = ["a", "a", "b", "b", "b", "c"]  # the facet of each of 6 term bits

profiles = st.dictionaries(st.integers(1, 60), st.sets(st.integers(0, len(FACETS) - 1)))
choices = st.dictionaries(st.sampled_from("abc"), st.sets(st.integers(0, len(FACETS) - 1)))


@given(profiles, st.lists(st.integers(0, 70), unique=True), choices)
def test_filter_and_counts_equal_counting_one_by_one(
    held: dict[int, set[int]], keys: list[int], chosen_bits: dict[str, set[int]]
) -> None:
    pairs = [(program, bit) for program, bits in held.items() for bit in sorted(bits)]
    masks = ProfileMasks.from_pairs([p for p, _ in pairs], [b for _, b in pairs], len(FACETS))
    chosen = {facet: mask_of(bits) for facet, bits in chosen_bits.items()}
    passing, counts = facet_filter_and_counts(masks.of(keys), chosen, FACETS)

    def passes(program: int, facets: dict[str, set[int]]) -> bool:
        return all(held.get(program, set()) & bits for bits in facets.values())

    assert passing.tolist() == [passes(k, chosen_bits) for k in keys]
    for bit, facet in enumerate(FACETS):
        others = {f: bits for f, bits in chosen_bits.items() if f != facet}
        expected = sum(1 for k in keys if passes(k, others) and bit in held.get(k, set()))
        assert counts[bit] == expected, (bit, facet)
