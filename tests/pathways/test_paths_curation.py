"""Curating a pathway through its pages: the backbone and a partner's staff write it, its
stages and steps (a program or a kind), resources for home; publication's rule; the list's
search, filters and CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from ecotone.errors import DomainError
from ecotone.pathways.models import Pathway, PathwayStatus, Step
from ecotone.pathways.services import pathways as services
from tests.conftest import World, build_world
from tests.pathways.builders_paths import PathRecords, build_paths

MANAGE = "/e/alpha/pathways/manage"


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


def _stages(pathway: Pathway) -> list[list[str]]:
    return [[step.title for step in stage] for stage in services.stages(pathway)]


def test_a_partner_writes_a_pathway_stage_by_stage_and_publishes_it(
    w: World, r: PathRecords
) -> None:
    client = w.client("partner_a")
    response = client.post(
        f"{MANAGE}/new/",
        {
            "name": "Making things",
            "summary": "Tools first.",
            "stem_field": "making",
            "grade_bands": ["6-8"],
        },
    )
    pathway = Pathway.objects.get(name="Making things")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{pathway.slug}/")
    assert pathway.organization == w.org_a
    assert pathway.status == PathwayStatus.DRAFT
    base = f"{MANAGE}/{pathway.slug}"
    # a program of the directory, found by the searchable select (a GET without JavaScript)
    found = client.get(f"{base}/steps/new/?find=tinker").content.decode()
    assert "Library Tinkering" in found
    assert "Summer Internship" not in found
    assert (
        client.post(
            f"{base}/steps/new/",
            {"stage": 1, "kind": "program", "program": r.tinkering.pk, "gains": "Tools."},
        ).status_code
        == 302
    )
    # a kind of program needs at least one code: said beside the field
    refused = client.post(
        f"{base}/steps/new/", {"stage": 2, "kind": "kind", "title": "Any team", "gains": "Teams."}
    )
    assert "Choose at least one kind of activity, STEM field or grade." in refused.content.decode()
    # publishing one stage is refused with the reason
    client.post(f"{base}/status/", {"action": "publish"})
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.DRAFT
    for title in ("Any robotics team", "Any coding club"):
        client.post(
            f"{base}/steps/new/",
            {
                "stage": 2,
                "kind": "kind",
                "title": title,
                "gains": "More.",
                "stem_fields": ["robotics"],
            },
        )
    assert _stages(pathway) == [["Library Tinkering"], ["Any robotics team", "Any coding club"]]
    coding = pathway.steps.get(title="Any coding club")
    client.post(f"{base}/steps/{coding.pk}/move/", {"direction": "up"})
    assert _stages(pathway)[1] == ["Any coding club", "Any robotics team"]
    assert client.post(f"{base}/status/", {"action": "publish"}).status_code == 302
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.PUBLISHED
    # moving a step to a new stage, then removing the first: stages stay numbered 1, 2
    client.post(
        f"{base}/steps/{coding.pk}/",
        {
            "stage": 3,
            "kind": "kind",
            "title": "Any coding club",
            "gains": "More.",
            "stem_fields": ["computing"],
        },
    )
    assert _stages(pathway) == [["Library Tinkering"], ["Any robotics team"], ["Any coding club"]]
    first = pathway.steps.get(stage=1)
    assert "Remove the step" in client.get(f"{base}/steps/{first.pk}/delete/").content.decode()
    client.post(f"{base}/steps/{first.pk}/delete/")
    assert _stages(pathway) == [["Any robotics team"], ["Any coding club"]]
    # resources for home, in both languages
    client.post(
        f"{base}/resources/new/",
        {
            "title": "Paper circuits",
            "title_es": "Circuitos de papel",
            "url": "https://example.org/circuits",
        },
    )
    assert pathway.resources.get().title_es == "Circuitos de papel"


def test_a_partner_cannot_reach_another_partners_or_the_backbones_pathway(
    w: World, r: PathRecords
) -> None:
    partner_b = w.client("partner_b")
    assert partner_b.get(f"{MANAGE}/{r.draft.slug}/").status_code == 404
    assert partner_b.get(f"{MANAGE}/{r.published.slug}/").status_code == 404
    with pytest.raises(DomainError):
        services.archive(w.users["partner_b"], r.draft)
    listed = partner_b.get(f"{MANAGE}/").content.decode()
    assert "Code first" not in listed
    assert "empty-state" in listed
    # the backbone curates every pathway
    assert w.client("staff").get(f"{MANAGE}/{r.draft.slug}/").status_code == 200


def test_the_list_searches_filters_and_exports(w: World, r: PathRecords) -> None:
    staff = w.client("staff")
    page = staff.get(f"{MANAGE}/?q=robots").content.decode()
    assert "Robots ahead" in page
    assert "Code first" not in page
    drafts = staff.get(f"{MANAGE}/?status=draft&field=computing").content.decode()
    assert "Code first" in drafts
    assert "Robots ahead" not in drafts
    csv = staff.get(f"{MANAGE}/?format=csv").getvalue().decode()
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("Name,Name in Spanish,Short name,Status")
    assert "Robots adelante" in csv
    assert "Beta path" not in csv


def test_a_program_step_must_be_a_published_program_of_the_ecosystem(
    w: World, r: PathRecords
) -> None:
    staff = w.users["staff"]
    from django.utils import timezone

    r.coding.archived_at = timezone.now()
    r.coding.save()
    with pytest.raises(DomainError):
        services.save_step(staff, r.published, {"program": r.coding, "gains": "x", "stage": 1})
    # a step whose program left the directory stops publication, naming it
    assert any("Coding Lab" in p for p in services.publish_problems(r.draft))
    with pytest.raises(DomainError):
        services.save_step(
            staff, r.published, {"stem_fields": ["nope"], "title": "x", "gains": "x", "stage": 1}
        )
    assert Step.objects.filter(pathway=r.published).count() == 3
