"""Achievements through their pages and the API: partner staff keep their own organization's,
the image is a PNG, alignments are rows, archiving asks first."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from ecotone.pathways.models import Achievement
from tests.conftest import build_world
from tests.pathways.builders_bissue import PNG, Badges, make_badges

pytestmark = pytest.mark.django_db
BADGES = "/e/alpha/badges"
API = "/api/v1/ecosystems/alpha/badges"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Badges]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_badges(build_world())
        transaction.set_rollback(True)


@pytest.fixture
def b(built: Badges, db: None, settings: Any, tmp_path: Any) -> Badges:
    settings.MEDIA_ROOT = str(tmp_path)
    return built


def _post(b: Badges, image: bytes | None = None, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "organization": b.world.org_a.pk,
        "name": "Circuit Maker",
        "name_es": "Creadora de circuitos",
        "description": "Built a working circuit.",
        "criteria": "Three circuits.",
        "achievement_type": "Badge",
        "step": b.first.pk,
        "alignment_0_targetName": "Energy",
        "alignment_0_targetUrl": "https://www.nextgenscience.org/",
        "alignment_0_targetFramework": "NGSS",
        "alignment_0_targetCode": "MS-PS3",
        **fields,
    }
    if image is not None:
        upload = io.BytesIO(image)
        upload.name = "whatever.png"
        data["image"] = upload
    return b.world.client("partner_a").post(f"{BADGES}/achievements/new/", data)


def test_partner_creates_an_achievement_with_a_png_and_alignments(b: Badges) -> None:
    response = _post(b, PNG)
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Achievement.objects.get(name="Circuit Maker")
    assert made.organization == b.world.org_a
    assert made.image.name.endswith(".png")
    assert made.alignments == [
        {
            "targetName": "Energy",
            "targetUrl": "https://www.nextgenscience.org/",
            "targetFramework": "NGSS",
            "targetCode": "MS-PS3",
        }
    ]
    assert made.step == b.first


def test_an_image_that_is_not_a_png_is_refused_with_why(b: Badges) -> None:
    response = _post(b, b"%PDF-1.7\n" + b"x" * 50)
    assert response.status_code == 200
    assert "not a PNG" in response.content.decode()
    assert not Achievement.objects.filter(name="Circuit Maker").exists()


def test_an_alignment_needs_a_name(b: Badges) -> None:
    response = _post(b, alignment_0_targetName="")
    assert "Alignment 1" in response.content.decode()


def test_each_partner_sees_only_its_own(b: Badges) -> None:
    own = b.world.client("partner_a").get(f"{BADGES}/achievements/").content.decode()
    assert "Robot Builder" in own
    assert "Bookworm" not in own
    other = b.world.client("partner_a").get(f"{BADGES}/achievements/{b.reader.pk}/")
    assert other.status_code == 404
    everyone = b.world.client("staff").get(f"{BADGES}/achievements/").content.decode()
    assert "Robot Builder" in everyone
    assert "Bookworm" in everyone


def test_search_and_export(b: Badges) -> None:
    client = b.world.client("staff")
    found = client.get(f"{BADGES}/achievements/?q=coder").content.decode()
    assert "Young Coder" in found
    assert "Robot Builder" not in found
    csv = b"".join(client.get(f"{BADGES}/achievements/?format=csv").streaming_content).decode()
    assert "Young Coder" in csv
    assert "Bookworm" in csv
    xlsx = client.get(f"{BADGES}/achievements/?format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_archiving_asks_first(b: Badges) -> None:
    client = b.world.client("partner_a")
    url = f"{BADGES}/achievements/{b.coder.pk}/archive/"
    assert client.get(url).status_code == 200
    client.post(url, {})
    b.coder.refresh_from_db()
    assert b.coder.archived_at is None
    client.post(url, {"confirm": "on"})
    b.coder.refresh_from_db()
    assert b.coder.archived_at is not None
    assert "Young Coder" not in client.get(f"{BADGES}/achievements/").content.decode()


def test_api_lists_own_and_creates_for_own_organization(b: Badges) -> None:
    client = b.world.client("partner_b")
    listed = client.get(f"{API}/achievements/").json()
    assert [a["name"] for a in listed["results"]] == ["Bookworm"]
    body = {
        "organization": b.world.org_a.slug,
        "name": "X",
        "description": "d",
        "criteria": "c",
    }
    refused = client.post(f"{API}/achievements/", body, content_type="application/json")
    assert refused.status_code == 400
    assert "organization" in refused.json()
    made = client.post(
        f"{API}/achievements/",
        {**body, "organization": b.world.org_b.slug, "valid_days": 365},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["valid_days"] == 365
    other = client.put(
        f"{API}/achievements/{b.robots.pk}/",
        {**body, "name": "Hijacked"},
        content_type="application/json",
    )
    assert other.status_code == 404
