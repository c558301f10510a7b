"""The finder's helpers for people in a hurry: the chosen filters as removable chips, a ZIP
search on the ecosystem's home, and a program page with tap-to-call, directions, share, print
and the sign-up action near the top."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from ecotone.directory.models import Location, LocationType, ProgramLocation
from ecotone.directory.phones import tel_uri
from tests.conftest import World
from tests.directory.test_search import add_program
from tests.test_i18n import spanish_client

SEARCH = "near=43215&radius=20&q=robot&free=1&stem_field=robotics&day=MO&day=WE&language=es"


def chip_links(body: str) -> dict[str, dict[str, list[str]]]:
    """Each removable chip's accessible name -> the search its link opens."""
    chips = {}
    for href, label in re.findall(r'<a href="([^"]*)"[^>]*aria-label="([^"]+)"', body):
        if label.startswith(("Remove filter", "Quitar el filtro")):
            chips[unescape(label)] = parse_qs(urlsplit(unescape(href)).query)
    return chips


def test_each_chosen_filter_is_a_chip_linking_to_the_search_without_it(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0), terms=("stem_field/robotics",))
    body = world.client("anonymous").get(f"/e/alpha/programs/?{SEARCH}&page=1").content.decode()
    chips = chip_links(body)
    assert set(chips) == {
        "Remove filter: Free",
        "Remove filter: Robotics",
        "Remove filter: Monday",
        "Remove filter: Wednesday",
        "Remove filter: Language: Español",
    }
    kept = {"near": ["43215"], "radius": ["20"], "q": ["robot"]}
    assert chips["Remove filter: Robotics"] == {
        **kept,
        "free": ["1"],
        "day": ["MO", "WE"],
        "language": ["es"],
    }
    assert chips["Remove filter: Monday"] == {
        **kept,
        "free": ["1"],
        "stem_field": ["robotics"],
        "day": ["WE"],
        "language": ["es"],
    }
    assert chips["Remove filter: Free"]["day"] == ["MO", "WE"]
    assert "free" not in chips["Remove filter: Free"]
    # "Clear all" drops every filter, and keeps what and where the person searched.
    clear = re.search(r'<a href="([^"]*)"[^>]*>Clear all filters</a>', body)
    assert clear is not None
    assert parse_qs(urlsplit(unescape(clear.group(1))).query) == kept


def test_no_chip_without_a_filter(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0))
    body = world.client("anonymous").get("/e/alpha/programs/?near=43215&q=robot").content.decode()
    assert chip_links(body) == {}
    assert "Clear all filters" not in body


def test_chips_speak_spanish(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0), terms=("stem_field/robotics",))
    client = spanish_client(world.client("anonymous"))
    body = client.get("/e/alpha/programs/?stem_field=robotics").content.decode()
    assert set(chip_links(body)) == {"Quitar el filtro: Robótica"}
    assert "Quitar todos los filtros" in body


def test_the_ecosystem_home_has_a_zip_search_that_opens_the_finder(world: World) -> None:
    body = world.client("anonymous").get("/e/alpha/").content.decode()
    form = re.search(r'<form[^>]*action="/e/alpha/programs/"[^>]*>(.*?)</form>', body, re.S)
    assert form is not None
    assert 'method="get"' in form.group(0)
    assert re.search(r'<input[^>]*name="near"', form.group(1))
    assert re.search(r'<label for="home-near">', form.group(1))
    spanish = spanish_client(world.client("anonymous")).get("/e/alpha/").content.decode()
    assert "Encuentre programas STEM cerca de usted" in spanish


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("(614) 555-0100", "tel:+16145550100"),
        ("614.555.0100", "tel:+16145550100"),
        ("1-614-555-0100", "tel:+16145550100"),
        ("+1 (614) 555-0100", "tel:+16145550100"),
        ("(614) 555-0100 ext. 12", "tel:+16145550100;ext=12"),
        ("614-555-0100 x7", "tel:+16145550100;ext=7"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("555-0100", None),  # no area code: nobody can tell where to call
        ("call the front desk", None),
        ("", None),
    ],
)
def test_a_phone_number_becomes_an_e164_tel_uri(written: str, uri: str | None) -> None:
    assert tel_uri(written) == uri


def test_the_program_page_offers_tap_to_call_directions_share_and_print(world: World) -> None:
    program = add_program(
        world,
        "Robotics Club",
        at=(39.965, -82.99),
        description="Build robots. " * 80,
        phone="(614) 555-0100 ext. 12",
        url="https://robots.example/join",
    )
    body = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert '<a href="tel:+16145550100;ext=12">(614) 555-0100 ext. 12</a>' in body
    assert 'href="https://www.openstreetmap.org/directions?to=39.965%2C-82.99"' in body
    # Share is a plain link to the page itself; print a button the script reveals.
    assert re.search(
        r'<a href="http://testserver/e/alpha/programs/robotics-club/"[^>]*data-share', body
    )
    assert re.search(r"<button[^>]*data-print[^>]*hidden", body)
    # The way to sign up comes before the long description.
    assert body.index("https://robots.example/join") < body.index("Build robots.")
    assert body.index("tel:+16145550100") < body.index("Build robots.")


def test_directions_lead_to_the_address_when_the_location_is_only_a_zip_center(
    world: World,
) -> None:
    program = add_program(world, "Robotics Club")
    approximate = Location.objects.create(
        ecosystem=world.alpha,
        name="Library",
        address_1="96 S Grant Ave",
        city="Columbus",
        state_province="OH",
        postal_code="43215",
        latitude=39.9671,
        longitude=-83.0044,
        coordinates_source="zip_centroid",
    )
    online = Location.objects.create(
        ecosystem=world.alpha, name="Online", location_type=LocationType.VIRTUAL
    )
    for location in (approximate, online):
        ProgramLocation.objects.create(program=program, location=location)
    assert approximate.is_approximate
    body = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    directions = re.findall(r'href="(https://www.openstreetmap.org/directions[^"]*)"', body)
    assert {unescape(d) for d in directions} == {
        "https://www.openstreetmap.org/directions?to=96+S+Grant+Ave%2C+Columbus%2C+OH+43215"
    }


def test_a_program_without_a_phone_or_place_offers_neither(world: World) -> None:
    program = add_program(world, "Quiet Club")
    body = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "tel:" not in body
    assert "openstreetmap.org/directions" not in body
