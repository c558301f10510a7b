"""The HSDS 3.0 API (/api/hsds/<ecosystem>/...): responses as openapi.json declares them,
pagination, filters, errors as JSON, flat query counts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ecotone.directory.hsds import export as hsds
from ecotone.directory.models import (
    Location,
    Program,
    ProgramAttribute,
    ProgramLocation,
    ServiceArea,
    Taxonomy,
    TaxonomyTerm,
)
from ecotone.directory.taxonomy import NAMESPACE
from tests.conftest import World
from tests.directory.test_hsds_conformance import validate_record, validate_response
from tests.directory.test_hsds_export import (
    RIVERTON_AREA,
    SECRET_CONTACT,
    SECRET_EMAIL,
    Directory,
    build_directory,
)
from tests.directory.test_search import RIVERTON, add_program
from tests.test_i18n import spanish_client

API = "/api/hsds/alpha"
MILE_OF_LATITUDE = 1 / 69.05  # degrees


@pytest.fixture
def directory(world: World) -> Directory:
    return build_directory(world)


def get(url: str, status: int = 200) -> Any:
    response = Client().get(url)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["contents"]]


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["contents"]]


def term_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, code))


def org_id(world: World, organization: Any) -> str:
    return str(organization.hsds_id)


# Every endpoint, as openapi.json says


def endpoint_urls(world: World, directory: Directory) -> dict[str, str]:
    """openapi.json path -> a URL of ours that answers it."""
    return {
        "/": f"{API}/",
        "/services": f"{API}/services",
        "/services/{id}": f"{API}/services/{directory.robotics.hsds_id}",
        "/organizations": f"{API}/organizations",
        "/organizations/{id}": f"{API}/organizations/{org_id(world, world.org_a)}",
        "/service_at_locations": f"{API}/service_at_locations",
        "/service_at_locations/{id}": f"{API}/service_at_locations/{directory.site.hsds_id}",
        "/taxonomies": f"{API}/taxonomies",
        "/taxonomies/{id}": f"{API}/taxonomies/{uuid.uuid5(NAMESPACE, 'taxonomy')}",
        "/taxonomy_terms": f"{API}/taxonomy_terms",
        "/taxonomy_terms/{id}": f"{API}/taxonomy_terms/{term_id('stem_field/robotics')}",
    }


OPENAPI_PATHS = [
    "/",
    "/services",
    "/services/{id}",
    "/organizations",
    "/organizations/{id}",
    "/service_at_locations",
    "/service_at_locations/{id}",
    "/taxonomies",
    "/taxonomies/{id}",
    "/taxonomy_terms",
    "/taxonomy_terms/{id}",
]


@pytest.mark.parametrize("path", OPENAPI_PATHS)
def test_every_endpoint_answers_as_openapi_json_declares(
    world: World, directory: Directory, path: str
) -> None:
    body = get(endpoint_urls(world, directory)[path])
    validate_response(body, path)
    if "contents" in body:
        assert body["contents"], "validate something, not an empty page"
    text = json.dumps(body)
    assert SECRET_CONTACT not in text
    assert SECRET_EMAIL not in text


@pytest.mark.parametrize(
    "query", ["full=true", "full=true&per_page=1&page=2", "search=robots&full=1"]
)
def test_full_service_pages_validate_too(world: World, directory: Directory, query: str) -> None:
    page = get(f"{API}/services?{query}")
    validate_response(page, "/services")
    for service in page["contents"]:
        validate_record(service, "service.json")
        assert "service_at_locations" in service


def test_the_root_says_which_hsds_this_is(world: World) -> None:
    assert get(f"{API}/") == {
        "version": "3.0",
        "profile": hsds.PROFILE_URL,
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }


def test_detail_endpoints_nest_what_hsds_nests(world: World, directory: Directory) -> None:
    organization = get(f"{API}/organizations/{org_id(world, world.org_a)}")
    assert organization["name"] == "Robotics For All"
    assert [s["name"] for s in organization["services"]] == ["Robotics Club"]
    assert "organization" not in organization["services"][0]
    assert [x["name"] for x in organization["locations"]] == ["Riverton Makerspace"]
    assert organization["phones"][0]["number"] == "(555) 010-0000"
    full = get(f"{API}/organizations/{org_id(world, world.org_a)}?full_service=true")
    validate_response(full, "/organizations/{id}")
    assert full["services"][0]["service_at_locations"][0]["location"]["name"] == (
        "Riverton Makerspace"
    )
    for service in full["services"]:
        validate_record(service, "service.json")
    sal = get(f"{API}/service_at_locations/{directory.site.hsds_id}")
    validate_record(sal["service"], "service.json")
    assert sal["service"]["name"] == "Robotics Club"
    assert sal["location"]["addresses"][0]["postal_code"] == "43215"
    assert sal["schedules"][0]["byday"] == "TU,TH"
    term = get(f"{API}/taxonomy_terms/{term_id('stem_field/robotics')}")
    assert term["parent_id"] == term_id("stem_field")
    assert term["taxonomy_detail"]["name"] == "Ecotone STEM profile"


# Pages


def test_pages_walk_the_whole_list_once(world: World) -> None:
    for n in range(5):
        add_program(world, f"Club {n}")
    seen: list[str] = []
    for number in (1, 2, 3):
        page = get(f"{API}/services?per_page=2&page={number}")
        assert page["total_items"] == 5
        assert page["total_pages"] == 3
        assert page["page_number"] == number
        assert page["size"] == len(page["contents"]) == (2 if number < 3 else 1)
        assert page["first_page"] is (number == 1)
        assert page["last_page"] is (number == 3)
        assert page["empty"] is False
        seen += names(page)
    assert seen == [f"Club {n}" for n in range(5)]
    beyond = get(f"{API}/services?per_page=2&page=4")
    assert beyond["contents"] == []
    assert beyond["empty"] is True
    assert beyond["last_page"] is True


def test_an_empty_directory_is_an_empty_first_page(world: World) -> None:
    page = get(f"{API}/services")
    assert page | {"contents": None} == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": None,
    }
    validate_response(page, "/services")


def test_per_page_is_capped(world: World) -> None:
    add_program(world, "Only")
    page = get(f"{API}/services?per_page=100000")
    assert page["total_pages"] == 1
    assert page["size"] == 1


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("services", "page=abc", "page"),
        ("services", "page=0", "page"),
        ("services", "page=-1", "page"),
        ("services", "page=1.5", "page"),
        ("services", "per_page=lots", "per_page"),
        ("services", "per_page=0", "per_page"),
        ("services", "taxonomy_term_id=robotics", "taxonomy_term_id"),
        ("services", "taxonomy_id=1", "taxonomy_id"),
        ("services", "organization_id=org-a", "organization_id"),
        ("services", "modified_after=yesterday", "modified_after"),
        ("services", "modified_after=2025-13-45", "modified_after"),
        ("services", "proximity=1000", "proximity"),
        ("services", "postcode=43215&proximity=far", "proximity"),
        ("services", "postcode=43215&proximity=-5", "proximity"),
        ("services", "postcode=43215&proximity=nan", "proximity"),
        ("services", "postcode=43215&proximity=inf", "proximity"),
        ("services", "postcode=riverton", "postcode"),
        ("services", "postcode=00000&proximity=1000", "postcode"),
        ("services", "full=maybe", "full"),
        ("services", "format=xml", "format"),
        ("service_at_locations", "page=abc", "page"),
        ("service_at_locations", "postcode=43215&proximity=x", "proximity"),
        ("organizations", "per_page=x", "per_page"),
        ("taxonomies", "page=", None),  # empty means the default: fine
        ("taxonomy_terms", "top_only=perhaps", "top_only"),
        ("taxonomy_terms", "parent_id=stem", "parent_id"),
    ],
)
def test_bad_parameters_are_a_400_naming_them_never_a_500(
    world: World, path: str, query: str, named: str | None
) -> None:
    if named is None:
        get(f"{API}/{path}?{query}")
        return
    body = get(f"{API}/{path}?{query}", status=400)
    assert body["detail"].startswith(f"{named}: ")


def test_a_huge_page_number_is_just_past_the_end(world: World) -> None:
    add_program(world, "Only")
    assert get(f"{API}/services?page={10**30}")["empty"] is True


def test_unknown_ids_are_a_404_in_json(world: World, directory: Directory) -> None:
    unknown = uuid.uuid4()
    for path in ("services", "organizations", "service_at_locations", "taxonomies"):
        assert get(f"{API}/{path}/{unknown}", status=404) == {"detail": "Not found."}
        assert get(f"{API}/{path}/not-a-uuid", status=404) == {"detail": "Not found."}
    assert get(f"{API}/taxonomy_terms/{unknown}", status=404) == {"detail": "Not found."}
    # Records that exist but are not published here are unknown too.
    for program in (directory.archived, directory.defunct, directory.beta):
        get(f"{API}/services/{program.hsds_id}", status=404)
    get(f"{API}/organizations/{org_id(world, world.org_beta)}", status=404)
    beta_org = world.org_beta.hsds_id
    get(f"/api/hsds/beta/organizations/{beta_org}")


def test_an_ecosystems_own_taxonomy_stays_in_it(world: World) -> None:
    local = Taxonomy.objects.create(ecosystem=world.beta, name="Beta Badges")
    get(f"{API}/taxonomies/{local.hsds_id}", status=404)
    get(f"/api/hsds/beta/taxonomies/{local.hsds_id}")
    assert "Beta Badges" not in names(get(f"{API}/taxonomies"))


def test_an_unknown_ecosystem_is_a_404(world: World) -> None:
    assert Client().get("/api/hsds/nowhere/services").status_code == 404
    assert Client().get("/api/hsds/beta/services").status_code == 200


def test_the_api_is_read_only(world: World) -> None:
    client = Client()
    assert client.post(f"{API}/services", {}).status_code == 405
    assert client.delete(f"{API}/services").status_code == 405
    assert client.head(f"{API}/services").status_code == 200


# Filters


def test_search_uses_the_directory_keyword_search(world: World, directory: Directory) -> None:
    add_program(world, "Art Studio", description="Painting, with some robotics sculptures.")
    assert names(get(f"{API}/services?search=robotics")) == ["Robotics Club", "Art Studio"]
    assert names(get(f"{API}/services?search=robots")) == ["Robotics Club", "Art Studio"]
    assert names(get(f"{API}/services?search=coding")) == ["Online Coding"]
    assert get(f"{API}/services?search=zebra")["total_items"] == 0
    assert get(f"{API}/services")["total_items"] == 3
    assert names(get(f"{API}/organizations?search=library")) == ["Eastside Library"]
    assert [t["code"] for t in get(f"{API}/taxonomy_terms?search=robot")["contents"]] == [
        "stem_field/robotics"
    ]


def test_taxonomy_filters(world: World, directory: Directory) -> None:
    add_program(world, "Math Circle", terms=("stem_field/mathematics",))
    robotics = get(f"{API}/services?taxonomy_term_id={term_id('stem_field/robotics')}")
    assert names(robotics) == ["Robotics Club"]
    # A parent term (a facet) matches its children.
    stem = get(f"{API}/services?taxonomy_term_id={term_id('stem_field')}")
    assert names(stem) == ["Math Circle", "Robotics Club"]
    # A profile term matches services that have that field filled.
    seats = get(f"{API}/services?taxonomy_term_id={term_id('profile/seats')}")
    assert names(seats) == ["Robotics Club"]
    delivery = get(f"{API}/services?taxonomy_term_id={term_id('profile/delivery')}")
    assert delivery["total_items"] == 3
    unknown = get(f"{API}/services?taxonomy_term_id={uuid.uuid4()}")
    assert unknown["total_items"] == 0
    # Every service carries profile attributes under Ecotone's taxonomy.
    taxonomy = uuid.uuid5(NAMESPACE, "taxonomy")
    assert get(f"{API}/services?taxonomy_id={taxonomy}")["total_items"] == 3
    location_term = term_id("profile/coordinates_source")
    assert get(f"{API}/services?taxonomy_term_id={location_term}")["total_items"] == 0
    terms = get(f"{API}/taxonomy_terms?parent_id={term_id('profile')}&per_page=500")
    assert {t["code"] for t in terms["contents"]} >= {"profile/delivery", "profile/seats"}
    top = get(f"{API}/taxonomy_terms?top_only=true&per_page=500")
    assert {t["code"] for t in top["contents"]} == {
        "grade_band",
        "stem_field",
        "activity_type",
        "focus_population",
        "profile",
    }
    assert get(f"{API}/taxonomy_terms?taxonomy_id={uuid.uuid4()}")["total_items"] == 0
    # An ecosystem's own (imported) taxonomy works the same way.
    badges = Taxonomy.objects.create(ecosystem=world.alpha, name="Alpha Badges")
    gold = TaxonomyTerm.objects.create(taxonomy=badges, code="gold", name="Gold")
    ProgramAttribute.objects.create(program=directory.online, term=gold)
    assert names(get(f"{API}/services?taxonomy_id={badges.hsds_id}")) == ["Online Coding"]
    assert names(get(f"{API}/services?taxonomy_term_id={gold.hsds_id}")) == ["Online Coding"]
    assert "gold" in {t["code"] for t in get(f"{API}/taxonomy_terms?top_only=1")["contents"]}


def test_organization_filter(world: World, directory: Directory) -> None:
    assert names(get(f"{API}/services?organization_id={org_id(world, world.org_b)}")) == [
        "Online Coding"
    ]
    assert get(f"{API}/services?organization_id={uuid.uuid4()}")["total_items"] == 0
    sals = get(f"{API}/service_at_locations?organization_id={org_id(world, world.org_a)}")
    assert ids(sals) == [str(directory.site.hsds_id)]


def test_modified_after(world: World, directory: Directory) -> None:
    Program.objects.filter(pk=directory.online.pk).update(
        updated_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert names(get(f"{API}/services?modified_after=2024-01-01")) == ["Robotics Club"]
    # An unencoded "+" arrives as a space; the offset is still understood.
    assert names(get(f"{API}/services?modified_after=2019-12-31T23:00:00 01:00")) == [
        "Online Coding",
        "Robotics Club",
    ]
    online = get(f"{API}/services/{directory.online.hsds_id}")
    assert online["last_modified"] == "2020-01-01T00:00:00Z"
    after = get(f"{API}/services?modified_after={online['last_modified']}")
    assert "Online Coding" in names(after)  # "on or after", as HSDS says


def test_postcode_alone_means_offered_in_or_serving_that_zip_code(world: World) -> None:
    located = add_program(world, "In 43215")
    place = Location.objects.create(ecosystem=world.alpha, name="Hall", postal_code="43215-1234")
    ProgramLocation.objects.create(program=located, location=place)
    serving = add_program(world, "Serves Riverton")
    ServiceArea.objects.create(program=serving, name="Riverton", extent=RIVERTON_AREA)
    feature = add_program(world, "Serves As Feature")
    ServiceArea.objects.create(
        program=feature,
        extent={"type": "Feature", "geometry": RIVERTON_AREA, "properties": {}},
    )
    broken = add_program(world, "Broken Area")
    ServiceArea.objects.create(program=broken, extent={"type": "Point", "coordinates": [1]})
    add_program(world, "Elsewhere", at=(41.5, -81.7))
    found = get(f"{API}/services?postcode=43215")
    assert names(found) == ["In 43215", "Serves As Feature", "Serves Riverton"]
    sals = get(f"{API}/service_at_locations?postcode=43215")
    assert [s["location"]["name"] for s in sals["contents"]] == ["Hall"]
    assert get(f"{API}/services?postcode=10001")["total_items"] == 0


def test_proximity_is_meters_from_the_zip_code_center_nearest_first(world: World) -> None:
    for name, miles in {"Four miles": 4.0, "Half mile": 0.5, "Twelve miles": 12.0}.items():
        add_program(world, name, at=(RIVERTON[0] + miles * MILE_OF_LATITUDE, RIVERTON[1]))
    assert names(get(f"{API}/services?postcode=43215&proximity=10000")) == [
        "Half mile",
        "Four miles",
    ]  # 10 km is 6.2 miles
    assert names(get(f"{API}/services?postcode=43215&proximity=1000")) == ["Half mile"]
    near = get(f"{API}/service_at_locations?postcode=43215&proximity=30000")
    assert [s["service"]["name"] for s in near["contents"]] == [
        "Half mile",
        "Four miles",
        "Twelve miles",
    ]
    validate_response(near, "/service_at_locations")
    paged = get(f"{API}/services?postcode=43215&proximity=30000&per_page=2&page=2")
    assert names(paged) == ["Twelve miles"]
    assert paged["total_items"] == 3
    by_coordinates = get(f"{API}/services?postcode={RIVERTON[0]},{RIVERTON[1]}&proximity=1000")
    assert names(by_coordinates) == ["Half mile"]


PROXIMITY = "proximity: give a distance from 805 to 160,934 meters (0.5 to 100 miles)."


@pytest.mark.parametrize(
    "proximity", ["200000", "160935", "804", "100", "0", "-5", "nan", "inf", "far", "1e400"]
)
def test_a_proximity_outside_the_finder_s_radius_is_refused_not_capped(
    world: World, proximity: str
) -> None:
    add_program(world, "Half mile", at=(RIVERTON[0] + 0.5 * MILE_OF_LATITUDE, RIVERTON[1]))
    for path in ("services", "service_at_locations"):
        body = get(f"{API}/{path}?postcode=43215&proximity={proximity}", status=400)
        assert body["detail"] == PROXIMITY


def test_a_proximity_at_the_finder_s_limits_is_accepted(world: World) -> None:
    add_program(world, "Next door", at=(RIVERTON[0] + 0.3 * MILE_OF_LATITUDE, RIVERTON[1]))
    for meters in ("804.672", "805", "160934", "160934.4"):
        assert names(get(f"{API}/services?postcode=43215&proximity={meters}")) == ["Next door"]


def test_a_proximity_out_of_range_is_explained_in_spanish(world: World) -> None:
    response = spanish_client().get(f"{API}/services?postcode=43215&proximity=200000")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "proximity: indique una distancia de 805 a 160\xa0934 metros (0,5 a 100 millas)."
    )


def test_proximity_combines_with_the_other_filters(world: World) -> None:
    add_program(world, "Near Robots", at=RIVERTON, terms=("stem_field/robotics",))
    add_program(
        world,
        "Near Math",
        at=RIVERTON,
        terms=("stem_field/mathematics",),
        organization=world.org_b,  # "Robotics For All" would match the search below
    )
    query = f"postcode=43215&proximity=5000&taxonomy_term_id={term_id('stem_field/robotics')}"
    assert names(get(f"{API}/services?{query}")) == ["Near Robots"]
    assert names(get(f"{API}/services?{query}&full=true")) == ["Near Robots"]
    searched = "postcode=43215&proximity=5000&search=robots"
    assert names(get(f"{API}/services?{searched}")) == ["Near Robots"]
    sals = get(f"{API}/service_at_locations?{searched}")
    assert [s["service"]["name"] for s in sals["contents"]] == ["Near Robots"]
    assert get(f"{API}/service_at_locations?search=robots")["total_items"] == 1


# Streaming over HTTP


def test_ndjson_streams_every_matching_full_service(world: World, directory: Directory) -> None:
    for n in range(3):
        add_program(world, f"Extra {n}", terms=("stem_field/robotics",))
    response = Client().get(
        f"{API}/services?format=ndjson&taxonomy_term_id={term_id('stem_field/robotics')}"
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    services = [json.loads(line) for line in lines]
    assert sorted(s["name"] for s in services) == [
        "Extra 0",
        "Extra 1",
        "Extra 2",
        "Robotics Club",
    ]
    for service in services:
        validate_record(service, "service.json")


# Query counts


def _queries(url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        Client().get(url)
    return len(queries)


def _grow(world: World, start: int, count: int) -> None:
    for n in range(start, start + count):
        program = add_program(
            world,
            f"Grown {n}",
            at=(RIVERTON[0] + n / 1000, RIVERTON[1]),
            terms=("stem_field/robotics", "grade_band/6-8"),
            seats=10,
        )
        program.partner_organizations.add(world.org_b)
        program.schedules.create(byday="MO")
        program.languages.create(code="es")
        program.cost_options.create(option="free")
        program.funding.create(source="A grant")
        program.service_areas.create(name="Riverton", extent=RIVERTON_AREA)


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/services", 3),
        ("/services?full=true", 16),  # + the page's keys and its change history
        ("/services?postcode=43215&proximity=50000", 3),
        ("/services?postcode=43215", 4),
        ("/service_at_locations", 3),
        ("/organizations", 3),
        ("/taxonomy_terms", 3),
        (f"/services?taxonomy_term_id={uuid.uuid5(NAMESPACE, 'stem_field')}", 4),
    ],
)
def test_query_counts_stay_flat_as_the_directory_grows(
    world: World, django_assert_max_num_queries: Any, url: str, most: int
) -> None:
    _grow(world, 0, 2)
    few = _queries(f"{API}{url}")
    _grow(world, 2, 20)
    with django_assert_max_num_queries(most):
        response = Client().get(f"{API}{url}")
    assert response.status_code == 200
    assert len(response.json()["contents"]) >= 2
    assert _queries(f"{API}{url}") == few


def test_a_full_detail_page_is_one_query_per_related_table(
    world: World, django_assert_max_num_queries: Any
) -> None:
    _grow(world, 0, 30)
    term = TaxonomyTerm.objects.get(code="stem_field/robotics")
    # + the page's keys and their change history
    with django_assert_max_num_queries(16):
        page = Client().get(f"{API}/services?full=true&per_page=30").json()
    assert page["size"] == 30
    assert all(
        any(a["taxonomy_term_id"] == str(term.hsds_id) for a in s["attributes"])
        for s in page["contents"]
    )
