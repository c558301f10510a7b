"""Public files through the API: list, read, upload (a dry run unless `dry_run=false`), apply,
retry and discard, by the services the pages call; backbone staff only."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecotone.measures.models import PublicSource, Value
from tests.measures.test_public_sources import CCD, PERKINS, ccd

API = "/api/v1/ecosystems/alpha/measures/public-sources/"


def _upload(world: Any, persona: str = "staff", **query: str) -> Any:
    data: dict[str, Any] = {
        "format": "ccd_membership",
        "indicator": "young-people-served",
        "period": "2024–25",
        "file": SimpleUploadedFile("ccd.csv", CCD.encode()),
    }
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return world.client(persona).post(API + suffix, data)


def test_an_upload_is_a_dry_run_by_default(setup: Any) -> None:
    response = _upload(setup)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "checked"
    assert body["format"] == "ccd_membership"
    assert body["counts"]["values"] > 0
    assert not Value.objects.filter(source_id=body["id"]).exists()


def test_an_upload_without_dry_run_applies_a_file_without_problems(setup: Any) -> None:
    body = _upload(setup, dry_run="false").json()
    assert body["status"] == "applied"
    assert Value.objects.filter(source_id=body["id"]).exists()


def test_a_file_with_problems_is_listed_with_them_and_never_applied(setup: Any) -> None:
    data = {
        "format": "perkins",
        "file": SimpleUploadedFile("p.csv", b"year,district\n2024-25,0100005\n"),
    }
    body = setup.client("staff").post(API + "?dry_run=false", data).json()
    assert body["status"] == "has_problems"
    assert body["problems"][0]["message"]
    listed = setup.client("staff").get(API).json()["results"]
    assert [r["id"] for r in listed] == [body["id"]]
    apply = setup.client("staff").post(f"{API}{body['id']}/apply/")
    assert apply.status_code == 400


def test_a_checked_file_is_applied(setup: Any) -> None:
    run = ccd(setup)
    response = setup.client("admin").post(f"{API}{run.pk}/apply/")
    assert response.status_code == 200
    assert response.json()["status"] == "applied"
    assert setup.client("staff").get(f"{API}{run.pk}/").json()["status"] == "applied"


def test_an_interrupted_apply_is_retried_or_discarded(setup: Any) -> None:
    first, second = ccd(setup), ccd(setup)
    long_ago = timezone.now() - datetime.timedelta(days=2)
    PublicSource.objects.filter(pk__in=[first.pk, second.pk]).update(
        status="applying", updated_at=long_ago
    )
    retried = setup.client("staff").post(f"{API}{first.pk}/retry/")
    assert retried.status_code == 200
    assert retried.json()["status"] == "applied"
    discarded = setup.client("staff").post(f"{API}{second.pk}/discard/")
    assert discarded.json()["status"] == "failed"
    assert setup.client("staff").post(f"{API}{first.pk}/discard/").status_code == 400


def test_a_wrong_indicator_or_period_is_refused_with_its_field(setup: Any) -> None:
    response = setup.client("staff").post(
        API,
        {
            "format": "ccd_membership",
            "indicator": "share-girls",
            "period": "2024–25",
            "file": SimpleUploadedFile("ccd.csv", CCD.encode()),
        },
    )
    assert response.status_code == 400
    assert "file" in response.json() or "indicator" in response.json()
    assert not PublicSource.objects.exists()


def test_partner_staff_and_members_cannot_reach_public_files(setup: Any) -> None:
    for persona in ("partner_a", "member"):
        assert setup.client(persona).get(API).status_code == 403
    data = {"format": "perkins", "file": SimpleUploadedFile("p.csv", PERKINS.encode())}
    assert setup.client("partner_a").post(API, data).status_code == 403
