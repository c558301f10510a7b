"""The families' pages: the published pathways (filtered by field and grade), a pathway in
English or Spanish with the programs near a ZIP code, resources for home, printable; and the
API's pathways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.conftest import World, build_world
from tests.pathways.builders_paths import PathRecords, build_paths

PATHS = "/e/alpha/pathways"
API = "/api/v1/ecosystems/alpha/pathways"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, PathRecords]]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        yield world, build_paths(world)
        transaction.set_rollback(True)


@pytest.fixture
def w(built: tuple[World, PathRecords], db: None) -> World:
    return built[0]


@pytest.fixture
def r(built: tuple[World, PathRecords], db: None) -> PathRecords:
    return built[1]


def test_families_list_the_published_pathways_by_field_and_grade(w: World, r: PathRecords) -> None:
    client = w.client("anonymous")
    page = client.get(f"{PATHS}/").content.decode()
    assert "Robots ahead" in page
    assert "Code first" not in page
    assert "Beta path" not in page
    assert "Robots ahead" not in client.get(f"{PATHS}/?field=computing").content.decode()
    assert "Robots ahead" in client.get(f"{PATHS}/?grade=6-8").content.decode()
    assert "Robots ahead" not in client.get(f"{PATHS}/?grade=prek").content.decode()
    # an unknown choice is no error
    assert client.get(f"{PATHS}/?field=%00&grade=x").status_code == 200


def test_a_pathway_page_reads_in_spanish_with_programs_near_the_family(
    w: World, r: PathRecords
) -> None:
    client = w.client("anonymous")
    client.cookies["django_language"] = "es"
    html = client.get(f"{PATHS}/robots-ahead/?near=43215").content.decode()
    assert "Robots adelante" in html
    assert "Cualquier competencia de robótica, grados 6 a 8" in html
    assert "Construye un robot de cartón" in html
    assert "Confianza con las herramientas." in html
    # the program-step links its program; the kind-step lists the matching one near 43215
    assert "/e/alpha/programs/library-tinkering/" in html
    assert "/e/alpha/programs/riverton-robot-league/" in html
    assert "/e/alpha/programs/lakeside-robot-league/" not in html  # 130 miles off
    # English where no Spanish was written
    assert "A first job." in html


def test_an_unknown_zip_code_is_said_and_the_page_still_shows(w: World, r: PathRecords) -> None:
    response = w.client("anonymous").get(f"{PATHS}/robots-ahead/?near=00000")
    html = response.content.decode()
    assert response.status_code == 200
    assert "We do not know the ZIP code" in html
    assert 'aria-invalid="true"' in html


def test_the_page_prints_with_links_written_out(w: World, r: PathRecords) -> None:
    html = w.client("anonymous").get(f"{PATHS}/robots-ahead/").content.decode()
    assert "ecotone/pathways.css" in html
    assert 'data-print-url="https://example.org/cardboard-robot"' in html
    assert 'data-print-url="http://testserver/e/alpha/programs/library-tinkering/"' in html


def test_drafts_are_for_their_curators_on_the_page_and_the_api(w: World, r: PathRecords) -> None:
    assert w.client("anonymous").get(f"{PATHS}/code-first/").status_code == 404
    preview = w.client("partner_a").get(f"{PATHS}/code-first/").content.decode()
    assert "Preview" in preview
    public = w.client("anonymous").get(f"{API}/").json()
    assert [p["slug"] for p in public["results"]] == ["robots-ahead"]
    detail = w.client("anonymous").get(f"{API}/robots-ahead/").json()
    assert [(s["stage"], s["is_kind"]) for s in detail["steps"]] == [
        (1, False),
        (2, True),
        (3, False),
    ]
    assert detail["steps"][0]["program"] == {
        "slug": "library-tinkering",
        "name": "Library Tinkering",
    }
    assert detail["resources"][0]["url"] == "https://example.org/cardboard-robot"
    mine = w.client("partner_a").get(f"{API}/?status=draft").json()
    assert [p["slug"] for p in mine["results"]] == ["code-first"]
    assert w.client("anonymous").get(f"{API}/?status=bogus").status_code == 400


def test_the_overview_shows_the_families_card(w: World, r: PathRecords) -> None:
    html = w.client("anonymous").get("/e/alpha/").content.decode()
    assert "Pathways for families" in html
    nav = w.client("staff").get("/e/alpha/").content.decode()
    assert "/e/alpha/pathways/manage/" in nav
