"""The directory API: the search page's filters, conditional requests, scoped to one ecosystem."""

from __future__ import annotations

from typing import Any

from ecotone.directory.models import Program
from tests.conftest import World
from tests.directory.test_search import add_program


def test_programs_are_filtered_like_the_search_page(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0), terms=("stem_field/robotics",))
    add_program(world, "Nature Walks", at=(40.5, -83.0), terms=("stem_field/environment",))
    client = world.client("anonymous")
    body = client.get("/api/v1/ecosystems/alpha/programs/?stem_field=robotics").json()
    assert [p["name"] for p in body["results"]] == ["Robotics Club"]
    assert body["results"][0]["profile"]["stem_field"] == ["robotics"]
    near = client.get("/api/v1/ecosystems/alpha/programs/?near=43215&radius=5").json()
    assert [p["name"] for p in near["results"]] == ["Robotics Club"]
    assert 0 < near["results"][0]["distance_mi"] < 5


def test_unknown_place_is_a_400_with_the_reason(world: World) -> None:
    response = world.client("anonymous").get("/api/v1/ecosystems/alpha/programs/?near=99999")
    assert response.status_code == 400
    assert "near" in response.json()


def test_conditional_requests_get_304_until_something_changes(world: World) -> None:
    program = add_program(world, "Robotics Club")
    client = world.client("anonymous")
    first = client.get("/api/v1/ecosystems/alpha/programs/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert (
        client.get("/api/v1/ecosystems/alpha/programs/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    program.description = "Now with drones."
    program.save()
    again = client.get("/api/v1/ecosystems/alpha/programs/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


def test_program_detail_and_other_ecosystems(world: World) -> None:
    program = add_program(world, "Robotics Club", at=(39.97, -83.0))
    Program.objects.create(
        ecosystem=world.beta, organization=world.org_beta, name="Beta", slug="beta"
    )
    client = world.client("anonymous")
    detail = client.get(f"/api/v1/ecosystems/alpha/programs/{program.slug}/").json()
    assert detail["id"] == str(program.hsds_id)
    assert detail["locations"][0]["latitude"] == 39.97
    assert client.get("/api/v1/ecosystems/alpha/programs/beta/").status_code == 404
    locations = client.get("/api/v1/ecosystems/alpha/locations/").json()["results"]
    assert [loc["name"] for loc in locations] == ["Robotics Club site"]


def test_program_list_query_count_is_flat(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(40):
        add_program(world, f"Program {i:02d}", at=(39.97, -83.0), terms=("stem_field/science",))
    client = world.client("anonymous")
    client.get("/api/v1/ecosystems/alpha/programs/")
    with django_assert_max_num_queries(16):
        body = client.get("/api/v1/ecosystems/alpha/programs/?per_page=20&page=2").json()
    assert body["count"] == 40
    assert len(body["results"]) == 20


def test_a_radius_or_page_the_search_page_refuses_is_a_400_naming_it(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0))
    client = world.client("anonymous")
    url = "/api/v1/ecosystems/alpha/programs/"
    for query, named in [
        ("near=43215&radius=-5", "radius"),
        ("near=43215&radius=99999", "radius"),
        ("near=43215&radius=nan", "radius"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=" + "9" * 5000, "page"),
    ]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, query
        assert list(response.json()) == [named]
    assert response.json()["page"] == ["Give a page number: a whole number from 1."]
    radius = client.get(f"{url}?near=43215&radius=-5").json()
    assert radius["radius"] == ["Give a distance from 0.5 to 100 miles."]
    assert client.get(f"{url}?near=43215&radius=100").status_code == 200
    assert client.get(f"{url}?near=43215&radius=0.5&page=1").status_code == 200
