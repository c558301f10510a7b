"""Archive instead of delete: an archived listing leaves every public view but stays with its
staff, who can restore it. And capacity (HSDS 3.1 service_capacity) on the page and in HSDS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ecotone.directory.hsds import export as hsds
from ecotone.directory.models import Program, ServiceCapacity
from tests.conftest import World
from tests.directory.test_hsds_conformance import validate_record
from tests.directory.test_search import RIVERTON, add_program

pytestmark = pytest.mark.django_db


def visible_everywhere(world: World, program: Program) -> dict[str, bool]:
    anonymous = world.client("anonymous")
    return {
        "page": anonymous.get(program.get_absolute_url()).status_code == 200,
        "search": program.name in anonymous.get("/e/alpha/programs/").content.decode(),
        "map": program.name
        in anonymous.get("/e/alpha/programs/map.geojson?bbox=-84,39,-82,41").content.decode(),
        "api": program.name in anonymous.get("/api/v1/ecosystems/alpha/programs/").content.decode(),
        "hsds": str(program.hsds_id) in anonymous.get("/api/hsds/alpha/services").content.decode(),
    }


def test_archiving_hides_a_listing_everywhere_public_and_restoring_brings_it_back(
    world: World,
) -> None:
    program = add_program(world, "Robot Club", at=RIVERTON)
    assert all(visible_everywhere(world, program).values())
    url = reverse("listings:program_archive", args=["alpha", program.slug])
    client = world.client("partner_a")
    confirm = client.get(url).content.decode()
    assert "Archive Robot Club?" in confirm
    assert client.post(url).status_code == 302
    program.refresh_from_db()
    assert program.is_archived
    assert not any(visible_everywhere(world, program).values())

    mine = client.get(reverse("listings:mine", args=["alpha"])).content.decode()
    assert "Robot Club" in mine
    assert "Archived" in mine
    assert url in mine
    assert "Restore Robot Club?" in client.get(url).content.decode()
    # An archived listing cannot be edited until it is restored.
    edit = reverse("listings:program_edit", args=["alpha", program.slug])
    assert client.get(edit).status_code == 302

    client.post(url)
    program.refresh_from_db()
    assert not program.is_archived
    assert all(visible_everywhere(world, program).values())


def test_backbone_staff_archive_any_listing_and_nobody_can_delete(world: World) -> None:
    program = add_program(world, "Robot Club")
    world.client("staff").post(reverse("listings:program_archive", args=["alpha", program.slug]))
    assert Program.objects.get().is_archived
    page = world.client("staff").get(reverse("listings:mine", args=["alpha"])).content.decode()
    assert "Delete" not in page


def test_capacity_is_shown_with_its_date_and_exported_as_hsds_3_1(world: World) -> None:
    program = add_program(world, "Robot Club")
    ServiceCapacity.objects.create(
        program=program, unit="seats", available=12, maximum=20, updated=timezone.now()
    )
    page = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "12 of 20 seats open" in page
    assert "updated" in page
    record = world.client("anonymous").get(f"/api/hsds/alpha/services/{program.hsds_id}").json()
    [capacity] = record["capacities"]
    assert capacity["available"] == 12
    assert capacity["maximum"] == 20
    assert capacity["unit"]["name"] == "seats"
    # HSDS 3.0 readers ignore the 3.1 key: the record still validates.
    validate_record(record, "service.json")
    [exported] = json.loads("".join(hsds.iter_services_json(world.alpha)))
    assert exported["capacities"] == [capacity]


def test_capacity_keeps_its_date_unless_the_count_changes(world: World) -> None:
    from ecotone.directory.listings.state import program_state
    from ecotone.directory.services.listings import save_listing

    program = add_program(world, "Robot Club")
    then = timezone.now() - timedelta(days=3)
    ServiceCapacity.objects.create(program=program, unit="seats", available=5, updated=then)
    state = program_state(program)
    state["fields"]["description"] = "Changed"
    save_listing(world.alpha, world.org_a, program, state, world.users["staff"])
    assert ServiceCapacity.objects.get().updated == then
    state["capacities"][0]["available"] = 3
    save_listing(world.alpha, world.org_a, program, state, world.users["staff"])
    assert ServiceCapacity.objects.get().updated > then
