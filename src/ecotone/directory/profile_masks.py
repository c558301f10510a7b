"""Programs' STEM profiles as bit masks: facet filters and facet counts over many matches.

Django-free. Each program's facet terms are one 64-bit mask (bit i = the i-th facet term), so
that counting the terms of 45,000 matches is a few array operations instead of reading their
150,000 (program, term) rows from the database on every search. `search.py` keeps one
`ProfileMasks` per ecosystem in memory, rebuilt when the ecosystem's profile token changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

MAX_TERMS = 64  # bits in a mask; past this, counting falls back to the database


class ProfileMasks:
    """The facet-term masks of an ecosystem's programs, keyed by program."""

    def __init__(self, keys: npt.NDArray[np.int64], masks: npt.NDArray[np.uint64], terms: int):
        self.keys = keys  # sorted, unique
        self.masks = masks  # masks[i] belongs to keys[i]
        self.terms = terms  # how many bits are in use

    @classmethod
    def from_pairs(cls, programs: Sequence[int], bits: Sequence[int], terms: int) -> ProfileMasks:
        """From (program, bit) pairs: `programs[i]` holds the term of bit `bits[i]`."""
        if terms > MAX_TERMS:
            raise ValueError(f"{terms} terms do not fit in a {MAX_TERMS}-bit mask")
        if not len(programs):
            return cls(np.zeros(0, np.int64), np.zeros(0, np.uint64), terms)
        program = np.asarray(programs, dtype=np.int64)
        bit = np.left_shift(np.uint64(1), np.asarray(bits, dtype=np.uint64))
        order = np.argsort(program, kind="stable")
        program, bit = program[order], bit[order]
        keys, starts = np.unique(program, return_index=True)
        masks = np.bitwise_or.reduceat(bit, starts)
        return cls(keys, masks.astype(np.uint64), terms)

    def of(self, programs: Iterable[int]) -> npt.NDArray[np.uint64]:
        """The masks of `programs`, in their order (0 for a program holding no facet term)."""
        wanted = np.fromiter(programs, dtype=np.int64)
        if not len(self.keys):
            return np.zeros(len(wanted), np.uint64)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = self.keys[at] == wanted
        return np.where(found, self.masks[at], np.uint64(0))


def mask_of(bits: Iterable[int]) -> int:
    """The mask with `bits` set."""
    mask = 0
    for bit in bits:
        mask |= 1 << bit
    return mask


def bit_counts(masks: npt.NDArray[np.uint64], terms: int) -> list[int]:
    """How many of `masks` have each bit set, for bits 0 to `terms` - 1."""
    if not len(masks):
        return [0] * terms
    as_bytes = masks.astype("<u8").view(np.uint8).reshape(-1, 8)
    per_bit = np.unpackbits(as_bytes, axis=1, bitorder="little").sum(axis=0, dtype=np.int64)
    return [int(n) for n in per_bit[:terms]]


def facet_filter_and_counts(
    masks: npt.NDArray[np.uint64],
    chosen: Mapping[str, int],
    facet_of_bit: Sequence[str],
) -> tuple[npt.NDArray[np.bool_], list[int]]:
    """The facet part of a search over programs given by their `masks`.

    `chosen`: facet -> mask of its chosen terms (a program passes a facet when it holds any of
    them; every chosen facet must pass). `facet_of_bit[i]`: the facet of bit i.
    Returns (which programs pass every chosen facet, the count per bit), where a bit of a chosen
    facet counts the programs that pass every *other* chosen facet, so that a facet can be
    widened, and a bit of any other facet counts the programs that pass them all.
    """
    terms = len(facet_of_bit)
    passes = {facet: (masks & np.uint64(mask)) != 0 for facet, mask in chosen.items()}
    every = np.ones(len(masks), dtype=bool)
    for passed in passes.values():
        every &= passed
    counts = bit_counts(masks[every], terms)
    for facet in chosen:
        others = np.ones(len(masks), dtype=bool)
        for other, passed in passes.items():
            if other != facet:
                others &= passed
        widened = bit_counts(masks[others], terms)
        for bit in range(terms):
            if facet_of_bit[bit] == facet:
                counts[bit] = widened[bit]
    return every, counts
