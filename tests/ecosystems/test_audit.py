"""The audit log records who changed what, and each ecosystem reads only its own."""

from __future__ import annotations

from ecotone.ecosystems import services
from tests.conftest import World


def test_changes_are_logged_with_actor_and_diff(world: World) -> None:
    client = world.client("partner_a")
    client.post(
        f"/e/alpha/partners/{world.org_a.slug}/edit/",
        {"name": "Robotics For Everyone", "sector": "youth_nonprofit", "coalition_role": "partner"},
    )
    page = world.client("admin").get("/e/alpha/audit/")
    entry = page.context["page"].object_list[0]
    assert entry.actor == world.users["partner_a"]
    assert entry.changes_dict["name"] == ["Robotics For All", "Robotics For Everyone"]
    assert "Robotics For Everyone" in page.content.decode()


def test_each_ecosystem_reads_only_its_own_log(world: World) -> None:
    services.update_organization(world.org_beta, world.users["admin"], phone="555-0000")
    services.update_organization(world.org_a, world.users["admin"], phone="555-1111")
    entries = world.client("admin").get("/e/alpha/audit/").context["page"].object_list
    reprs = {e.object_repr for e in entries}
    assert "Robotics For All" in reprs
    assert "Beta Science Center" not in reprs
    assert not any("Beta Bay" in r for r in reprs)
    api = world.client("admin").get("/api/v1/ecosystems/alpha/audit-log/").json()["results"]
    assert api[0]["object_repr"] == "Robotics For All"
    assert api[0]["changes"]["phone"] == ["", "555-1111"]
    assert "Beta Science Center" not in {e["object_repr"] for e in api}


def test_role_changes_are_logged(world: World) -> None:
    membership = world.memberships["mentor"]
    services.change_membership(membership, world.users["admin"], role="reviewer")
    entries = world.client("admin").get("/e/alpha/audit/?kind=membership").context["page"]
    assert entries.object_list[0].changes_dict["role"] == ["mentor", "reviewer"]


def test_changes_read_as_people_expect() -> None:
    from ecotone.ecosystems.templatetags.audit import describe_change

    assert describe_change(["", "555-1111"]) == "555-1111"
    assert describe_change(["mentor", "reviewer"]) == "mentor → reviewer"
    assert describe_change(["None", "x"]) == "x"
    m2m = {"type": "m2m", "operation": "add", "objects": ["Eastside Library"]}
    assert describe_change(m2m) == "added Eastside Library"
    assert describe_change({**m2m, "operation": "delete"}) == "removed Eastside Library"
