"""Pathways seen from the directory: the program page's "Next steps", the program list, the
API and the map's GeoJSON filtered by `?pathway=`, and `next_steps` itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from ecotone.pathways.models import Pathway, PathwayStatus, Step
from ecotone.pathways.services.next_steps import next_steps
from tests.conftest import World, build_world
from tests.pathways.builders_paths import PathRecords, build_paths


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


def test_a_program_step_leads_to_the_next_stage_with_the_nearest_matching_programs(
    w: World, r: PathRecords
) -> None:
    (stage,) = next_steps(r.tinkering)
    assert stage.pathway == r.published
    assert stage.stage == 1
    (following,) = stage.steps
    assert following.step == r.kind_step
    # near the tinkering club's own place: the league in town, not the one 130 miles off
    (near,) = following.programs
    assert near.program == r.robotics_near
    assert near.distance_mi is not None
    assert near.distance_mi < 3


def test_a_program_matching_a_kind_step_gets_the_stage_after_it(w: World, r: PathRecords) -> None:
    (stage,) = next_steps(r.robotics_far)
    assert stage.stage == 2
    assert [s.program for s in stage.steps[0].programs] == [r.internship]
    # the last stage leads nowhere further, and a program in no pathway has no next steps
    (last,) = next_steps(r.internship)
    assert last.is_last
    assert next_steps(r.coding) == []  # only in partner_a's draft


def test_next_steps_of_a_step_is_its_pathways_next_stage_near_the_family(
    w: World, r: PathRecords
) -> None:
    first = Step.objects.get(pathway_id=r.published.pk, stage=1)
    (stage,) = next_steps(first, near="44114")  # a Cleveland ZIP: the far league is nearest
    assert next(s.program for s in stage.steps[0].programs) == r.robotics_far
    assert next_steps(r.draft.steps.get()) == []  # a draft pathway leads nowhere yet


def test_the_program_page_shows_next_steps_and_links_the_pathway(w: World, r: PathRecords) -> None:
    page = w.client("anonymous").get("/e/alpha/programs/library-tinkering/?near=43215")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Next steps" in html
    assert "/e/alpha/pathways/robots-ahead/" in html
    assert "Riverton Robot League" in html
    # a program in no published pathway has no panel
    other = w.client("anonymous").get("/e/alpha/programs/coding-lab/").content.decode()
    assert "Next steps" not in other


PATHWAY_PROGRAMS = {
    "Library Tinkering",
    "Riverton Robot League",
    "Lakeside Robot League",
    "Summer Internship",
}


def test_the_list_the_api_and_the_map_keep_to_the_pathways_programs(
    w: World, r: PathRecords
) -> None:
    client = w.client("anonymous")
    page = client.get("/e/alpha/programs/?pathway=robots-ahead").content.decode()
    assert "Coding Lab" not in page
    assert "Riverton Robot League" in page
    assert 'value="robots-ahead" selected' in page  # the select in the search form
    api = client.get("/api/v1/ecosystems/alpha/programs/?pathway=robots-ahead").json()
    assert {p["name"] for p in api["results"]} == PATHWAY_PROGRAMS
    geo = client.get("/e/alpha/programs/map.geojson?pathway=robots-ahead").json()
    assert {f["properties"]["name"] for f in geo["features"]} == PATHWAY_PROGRAMS
    # an unknown pathway narrows nothing (the search ignores unknown values)
    everything = client.get("/e/alpha/programs/map.geojson?pathway=nope").json()
    assert "Coding Lab" in {f["properties"]["name"] for f in everything["features"]}
    # a draft is no filter either: families cannot see it
    drafted = client.get("/e/alpha/programs/map.geojson?pathway=code-first").json()
    assert len(drafted["features"]) == len(everything["features"])


def test_the_maps_etag_changes_when_the_pathway_does(w: World, r: PathRecords) -> None:
    client = w.client("anonymous")
    url = "/e/alpha/programs/map.geojson?pathway=robots-ahead"
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    api = "/api/v1/ecosystems/alpha/programs/?pathway=robots-ahead"
    api_etag = client.get(api)["ETag"]
    Step.objects.create(
        pathway=r.published, stage=3, title="Coding", gains="Code.", program=r.coding
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Coding Lab" in {f["properties"]["name"] for f in changed.json()["features"]}
    assert client.get(api, headers={"If-None-Match": api_etag}).status_code == 200
    # archived, the pathway filters nothing any more
    # through the database, not the module's shared record: the next test reads it afresh
    Pathway.objects.filter(pk=r.published.pk).update(
        status=PathwayStatus.ARCHIVED, updated_at=timezone.now()
    )
    assert client.get(url, headers={"If-None-Match": changed["ETag"]}).status_code == 200
