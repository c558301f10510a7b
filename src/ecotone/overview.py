"""Cards a later domain adds to an ecosystem's overview page, without ecosystems knowing it.

The overview belongs to `ecosystems`, the left of the import order (docs/architecture.md), so
it cannot import the apps to its right. An app registers a card here in its
`AppConfig.ready()`: a template (rendered with the overview's context, `ecosystem` and
`my_roles` among it) and who sees it. The overview shows the cards a person may see, in the
order they were registered, after the ecosystem's description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecotone.ecosystems.models import Ecosystem


@dataclass(frozen=True)
class OverviewCard:
    key: str
    template: str
    # Whether this person sees the card on this ecosystem's overview.
    shown_to: Callable[[Any, Ecosystem], bool]


_CARDS: dict[str, OverviewCard] = {}


def register(card: OverviewCard) -> None:
    """Add a card (idempotent: ready() may run more than once in tests)."""
    _CARDS[card.key] = card


def cards_for(user: Any, ecosystem: Ecosystem) -> list[OverviewCard]:
    """The cards this person sees on this ecosystem's overview."""
    return [card for card in _CARDS.values() if card.shown_to(user, ecosystem)]
