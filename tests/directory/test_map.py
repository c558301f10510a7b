"""The directory map's GeoJSON: the list's programs, where they take place, cheap to poll."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from ecotone.directory import geojson, search
from ecotone.directory.models import (
    CoordinatesSource,
    Delivery,
    Location,
    LocationType,
    Program,
    ProgramLocation,
)
from tests.conftest import World
from tests.directory.test_search import RIVERTON, add_program

URL = "/e/alpha/programs/map.geojson"


def get(world: World, qs: str = "", persona: str = "anonymous", etag: str = "") -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return world.client(persona).get(f"{URL}?{qs}", headers=headers)


def collection(world: World, qs: str = "") -> dict[str, Any]:
    response = get(world, qs)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body: dict[str, Any] = response.json()
    return body


def names(body: dict[str, Any]) -> list[str]:
    return sorted(feature["properties"]["name"] for feature in body["features"])


def listed(world: World, qs: str) -> list[str]:
    result = search.search(world.alpha, search.parse(QueryDict(qs)))
    return sorted(hit.program.name for hit in result.hits)


@pytest.fixture
def directory(world: World) -> World:
    add_program(world, "Robotics Club", at=RIVERTON, terms=("stem_field/robotics",))
    add_program(world, "Coding Lab", at=(39.99, -83.01), terms=("stem_field/computing",))
    add_program(world, "Paid Rocketry", at=(40.30, -83.10), cost_band="high")
    add_program(world, "Nature Walks", at=(41.50, -81.70), description="Birds and streams.")
    add_program(world, "Girls Build", at=(39.95, -82.99), terms=("focus_population/girls",))
    return world


@pytest.mark.parametrize(
    "qs",
    [
        "",
        "free=1",
        "stem_field=robotics&stem_field=computing",
        "q=streams",
        "near=43215&radius=5",
        "near=40.3,-83.1&radius=2&free=1",
        "focus_population=girls&sort=name&page=2",
    ],
)
def test_the_map_shows_the_programs_the_list_shows(directory: World, qs: str) -> None:
    assert names(collection(directory, qs)) == listed(directory, qs)


def test_a_feature_is_a_point_with_the_programs_name_link_and_organization(world: World) -> None:
    program = add_program(world, "Robotics Club", at=(39.97, -83.0))
    (feature,) = collection(world)["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-83.0, 39.97]}
    assert feature["properties"] == {
        "name": "Robotics Club",
        "url": program.get_absolute_url(),
        "organization": "Robotics For All",
        "approximate": False,
    }


def test_one_point_per_location_of_in_person_and_hybrid_programs_only(world: World) -> None:
    program = add_program(world, "Two Sites", at=(39.97, -83.0))
    second = Location.objects.create(
        ecosystem=world.alpha, name="Second site", latitude=40.1, longitude=-83.2
    )
    ProgramLocation.objects.create(program=program, location=second)
    add_program(world, "Hybrid Lab", at=(39.9, -83.1), delivery=Delivery.HYBRID)
    add_program(world, "Online Coding", at=(39.9, -83.1), delivery=Delivery.VIRTUAL)
    add_program(world, "Nowhere Yet")  # no location at all
    unplaced = add_program(world, "Unplaced", at=(0, 0))
    Location.objects.filter(program_locations__program=unplaced).update(
        latitude=None, longitude=None
    )
    mailing = add_program(world, "Mail Only", at=(39.9, -83.0))
    Location.objects.filter(program_locations__program=mailing).update(
        location_type=LocationType.POSTAL
    )
    assert names(collection(world)) == ["Hybrid Lab", "Two Sites", "Two Sites"]


def test_zip_centroid_locations_are_flagged_approximate(world: World) -> None:
    program = add_program(world, "Guessed Place", at=RIVERTON)
    Location.objects.filter(program_locations__program=program).update(
        coordinates_source=CoordinatesSource.ZIP_CENTROID
    )
    add_program(world, "Known Place", at=(40.0, -83.0))
    flags = {
        f["properties"]["name"]: f["properties"]["approximate"]
        for f in collection(world)["features"]
    }
    assert flags == {"Guessed Place": True, "Known Place": False}


def test_near_gives_each_point_its_distance_and_keeps_only_points_inside_the_radius(
    world: World,
) -> None:
    program = add_program(world, "Close And Far", at=(RIVERTON[0] + 0.01, RIVERTON[1]))
    far = Location.objects.create(
        ecosystem=world.alpha, name="Far site", latitude=41.5, longitude=-81.7
    )
    ProgramLocation.objects.create(program=program, location=far)
    body = collection(world, "near=43215&radius=5")
    (feature,) = body["features"]
    assert feature["properties"]["distance_mi"] == pytest.approx(0.7, abs=0.05)
    assert body["place_not_found"] is False


def test_an_unknown_zip_code_is_ignored_as_the_list_ignores_it(directory: World) -> None:
    body = collection(directory, "near=99999&free=1")
    assert body["place_not_found"] is True
    assert names(body) == listed(directory, "free=1")
    assert all("distance_mi" not in f["properties"] for f in body["features"])


def test_bbox_keeps_the_points_inside_the_viewport(directory: World) -> None:
    # west,south,east,north around Riverton: not Rocketry (north), not Nature Walks (east).
    body = collection(directory, "bbox=-83.05,39.9,-82.95,40.05")
    assert names(body) == ["Coding Lab", "Girls Build", "Robotics Club"]
    assert body["clustered"] is False
    assert names(collection(directory, "bbox=-83.05,39.9,-82.95,40.05&q=coding")) == ["Coding Lab"]


def test_a_bbox_across_the_antimeridian_wraps(world: World) -> None:
    add_program(world, "West Of The Line", at=(52.0, 179.5))
    add_program(world, "East Of The Line", at=(52.0, -179.5))
    add_program(world, "Elsewhere", at=(52.0, 170.0))
    assert names(collection(world, "bbox=179,51,181,53")) == [
        "East Of The Line",
        "West Of The Line",
    ]
    assert names(collection(world, "bbox=179,51,-179,53")) == [
        "East Of The Line",
        "West Of The Line",
    ]


def test_a_malformed_bbox_is_ignored(directory: World) -> None:
    assert len(collection(directory, "bbox=nonsense")["features"]) == 5
    assert len(collection(directory, "bbox=1,2,3")["features"]) == 5


def add_locations(world: World, program: Program, points: list[tuple[float, float]]) -> None:
    locations = Location.objects.bulk_create(
        Location(ecosystem=world.alpha, name=f"Site {i}", latitude=lat, longitude=lon)
        for i, (lat, lon) in enumerate(points)
    )
    ProgramLocation.objects.bulk_create(
        ProgramLocation(program=program, location=location) for location in locations
    )


def test_a_viewport_with_too_many_points_is_clustered_into_a_grid(world: World) -> None:
    program = add_program(world, "Everywhere At Once")
    # 2,100 points on a 70 x 30 lattice around the ecosystem, plus one lone point far off.
    lattice = [(39.0 + r * 0.05, -84.0 + c * 0.03) for r in range(30) for c in range(70)]
    add_locations(world, program, [*lattice, (45.0, -70.0)])

    body = collection(world)
    assert body["clustered"] is True
    assert body["total"] == 2101
    assert len(body["features"]) <= geojson.MAX_POINTS
    counts = [f["properties"].get("count", 1) for f in body["features"]]
    assert sum(counts) == 2101
    lone = [f for f in body["features"] if f["geometry"]["coordinates"] == [-70.0, 45.0]]
    assert lone[0]["properties"]["name"] == "Everywhere At Once"  # a cell of one is the point
    assert any(f["properties"].get("cluster") for f in body["features"])

    zoomed = collection(
        world, "bbox=-83.505,39.475,-82.995,39.825"
    )  # a small viewport: every point
    assert zoomed["clustered"] is False
    assert zoomed["total"] == len(zoomed["features"]) == 7 * 17


def test_the_response_can_be_cached_a_minute_and_revalidated(directory: World) -> None:
    first = get(directory, "free=1")
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    assert "max-age=60" in first["Cache-Control"]
    etag = first["ETag"]

    again = get(directory, "free=1&sort=name&page=3", etag=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert "max-age=60" in again["Cache-Control"]
    assert get(directory, "free=1&q=robotics", etag=etag).status_code == 200
    assert get(directory, "free=1&bbox=-84,39,-82,41", etag=etag).status_code == 200

    Program.objects.filter(name="Robotics Club").first().save()  # type: ignore[union-attr]
    changed = get(directory, "free=1", etag=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_response_is_compressed_for_clients_that_accept_it(directory: World) -> None:
    plain = get(directory)
    client = directory.client("anonymous")
    packed = client.get(URL, headers={"Accept-Encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    revalidated = client.get(
        URL, headers={"Accept-Encoding": "gzip", "If-None-Match": packed["ETag"]}
    )
    assert revalidated.status_code == 304


def test_a_signed_in_response_is_cached_by_the_browser_only(directory: World) -> None:
    # It carries the refreshed session cookie, which a shared cache must not keep.
    response = get(directory, persona="partner_a")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_other_ecosystems_programs_never_appear(world: World) -> None:
    add_program(world, "Ours", at=RIVERTON)
    theirs = Program.objects.create(
        ecosystem=world.beta, organization=world.org_beta, name="Theirs", slug="theirs"
    )
    location = Location.objects.create(
        ecosystem=world.beta, name="Their site", latitude=RIVERTON[0], longitude=RIVERTON[1]
    )
    ProgramLocation.objects.create(program=theirs, location=location)
    assert names(collection(world)) == ["Ours"]


def test_query_count_does_not_grow_with_the_programs(world: World) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(world, "near=43215&radius=50&stem_field=science").status_code == 200
        return len(captured)

    for i in range(3):
        add_program(world, f"Program {i:02d}", at=RIVERTON, terms=("stem_field/science",))
    few = queries()
    for i in range(3, 40):
        add_program(world, f"Program {i:02d}", at=RIVERTON, terms=("stem_field/science",))
    assert queries() == few
    # The ecosystem, three version aggregates for the ETag, and the features.
    assert few <= 6


def test_the_directory_page_carries_the_map_settings(world: World, settings: Any) -> None:
    settings.TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    body = world.client("anonymous").get("/e/alpha/programs/").content.decode()
    assert 'id="program-map"' in body
    assert f'data-geojson-url="{URL}"' in body
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in body
    assert 'data-region="-84.0,39.0,-82.0,41.0"' in body
    assert "vendor/leaflet/leaflet.js" in body
    spanish = world.client("anonymous")
    spanish.cookies["django_language"] = "es"
    body = spanish.get("/e/alpha/programs/").content.decode()
    assert 'lang="es"' in body
    assert 'data-region="-84.0,39.0,-82.0,41.0"' in body  # never a decimal comma
