"""The permission table's vocabulary: a row (one URL or endpoint, the expected status per
persona) and the persona groups rows name. The table is tests/test_permissions.py; an app's
rows may live beside its tests (tests/challenges/permissions.py) and join it there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.conftest import PERSONAS

BACKBONE = ("staff", "admin")
MEMBERS = ("member", "mentor", "reviewer", "partner_a", "partner_b")
EVERY_MEMBER = (*MEMBERS, *BACKBONE)
# Members the backbone admitted: not the mentor, whose role anyone may give themself (the
# public sign-up) and which opens only the mentoring pages, never member-only data such as the
# atlas.
ADMITTED = tuple(p for p in EVERY_MEMBER if p != "mentor")


def statuses(rest: int, **named: int) -> dict[str, int]:
    table = dict.fromkeys(PERSONAS, rest)
    for persona, status in named.items():
        table[persona] = status
    return table


def members_only(allowed: tuple[str, ...], ok: int = 200, *, api: bool = False) -> dict[str, int]:
    """Allowed personas get `ok`, other members 403, outsiders and operators 404."""
    table = statuses(404, anonymous=401 if api else 302)
    for persona in (*MEMBERS, *BACKBONE):
        table[persona] = ok if persona in allowed else 403
    return table


@dataclass
class Row:
    name: str
    method: str
    url: str
    expected: dict[str, int]
    data: dict[str, Any] = field(default_factory=dict)


ALL_200 = statuses(200)
