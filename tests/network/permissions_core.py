"""The network's rows of the permission table (tests/test_permissions.py) that belong to no
one area, and the records the network rows share (`records`): the "member" persona is on the
roll of alpha's network (an active Member with their account)."""

from __future__ import annotations

from typing import Any

from ecotone.network.services import roll
from tests.conftest import World
from tests.network.builders import make_member
from tests.permission_rows import ALL_200, Row

NETWORK = "/e/alpha/network"

ROWS = [
    Row("network home", "get", f"{NETWORK}/", ALL_200),
]

FAKE: dict[str, Any] = {}


def records(world: World) -> dict[str, Any]:
    member_user = world.users["member"]
    assert member_user is not None
    member = make_member(world.alpha, member_user.email, name="Carmen Abara")
    roll.activate(member, member_user)
    return {}
