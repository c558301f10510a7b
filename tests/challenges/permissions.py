"""The challenges app's rows of the permission table (tests/test_permissions.py), and the
records their placeholders name (`records`)."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.permission_rows import ALL_200, Row

CHALLENGES = "/e/alpha/challenges"

ROWS = [
    Row("challenges", "get", f"{CHALLENGES}/", ALL_200),
]


def records(world: World) -> dict[str, Any]:
    """One record of each kind the rows name, by placeholder."""
    return {}
