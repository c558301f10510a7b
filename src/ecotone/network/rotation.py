"""Whose turn it is to welcome the next newcomer. Django-free.

Problem: welcomers stand in a fixed order; each newcomer goes to the next one after whoever was
assigned last, skipping those away, so that over time every available welcomer welcomes as many
newcomers as the others (give or take one).
Method: walk the order cyclically from the position after the last assigned welcomer and take
the first one not away; when the last assigned one is no longer in the order, start at the top.
O(n) in the number of welcomers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def next_welcomer(order: Sequence[int], last: int | None, away: Collection[int] = ()) -> int | None:
    """The id of the welcomer whose turn it is, or None when every one is away (or none)."""
    if not order:
        return None
    start = order.index(last) + 1 if last in order else 0
    for step in range(len(order)):
        candidate = order[(start + step) % len(order)]
        if candidate not in away:
            return candidate
    return None
