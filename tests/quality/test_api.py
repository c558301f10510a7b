"""The rubrics' read-only API: the list (paginated), a rubric with its versions and a version's
`ecotone-rubric/1` document, for backbone staff; other members 403, outsiders 404."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from ecotone.quality import rubrics
from ecotone.quality.services import rubrics as services

from .test_rubrics import small

API = "/api/v1/ecosystems/alpha/quality/rubrics"


def signed_in(world: Any, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_backbone_staff_read_rubrics_their_versions_and_a_document(world: Any) -> None:
    staff = world.users["staff"]
    first = services.import_rubric(staff, world.alpha, json.dumps(small()), "json")
    services.publish_version(staff, first)
    services.import_rubric(staff, world.alpha, json.dumps({**small(), "title": "Next"}), "json")
    client = signed_in(world, "staff")
    listed = client.get(f"{API}/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["key"] == "small"
    assert listed["results"][0]["latest_version"] == 2
    detail = client.get(f"{API}/small/").json()
    assert [(v["number"], v["status"]) for v in detail["versions"]] == [
        (2, "draft"),
        (1, "published"),
    ]
    document = client.get(f"{API}/small/versions/1/").json()
    assert document["schema"] == "ecotone-rubric/1"
    assert rubrics.from_json(document) == rubrics.from_json(small())
    assert client.get(f"{API}/small/versions/3/").status_code == 404
    assert client.get(f"{API}/small/versions/99999999999/").status_code == 404


def test_only_the_backbone_reads_rubrics(world: Any) -> None:
    services.install_shipped_rubrics(world.users["admin"], world.alpha)
    key = "equity-in-stem-programs"
    assert signed_in(world, "member").get(f"{API}/{key}/").status_code == 403
    assert signed_in(world, "partner_a").get(f"{API}/{key}/versions/1/").status_code == 403
    assert signed_in(world, "outsider").get(f"{API}/").status_code == 404
    assert Client().get(f"{API}/").status_code == 401
