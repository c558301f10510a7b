"""Submissions through the API: POST a file with `dry_run` (the default checks only; false
submits a file without problems), list and read them as the pages allow."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.measures.models import Review, Submission
from tests.measures.test_submissions import GOOD

pytestmark = pytest.mark.django_db

API = "/api/v1/ecosystems/alpha/measures/submissions/"


def post(client: Any, org: Any, text: str, query: str = "") -> Any:
    return client.post(
        API + query,
        {"organization": org.slug, "file": SimpleUploadedFile("v.csv", text.encode())},
    )


def test_a_dry_run_returns_the_coded_problems_and_submits_nothing(setup: Any) -> None:
    response = post(setup.client("partner_a"), setup.org_a, GOOD.replace(",M,", ",Q,"))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "has_problems"
    assert body["review"] == "draft"
    assert [(p["code"], p["where"], p["field"]) for p in body["problems"]] == [
        ("unknown_code", "row 4", "sex")
    ]


def test_without_dry_run_a_good_file_is_submitted_and_a_bad_one_is_not(setup: Any) -> None:
    client = setup.client("partner_a")
    good = post(client, setup.org_a, GOOD, "?dry_run=false").json()
    assert (good["status"], good["review"]) == ("checked", Review.SUBMITTED)
    bad = post(client, setup.org_a, GOOD.replace(",16,", ",x,"), "?dry_run=false").json()
    assert bad["review"] == Review.DRAFT
    assert post(client, setup.org_a, GOOD).json()["review"] == Review.DRAFT


def test_a_partner_cannot_post_for_another_organization(setup: Any) -> None:
    response = post(setup.client("partner_a"), setup.org_b, GOOD)
    assert response.status_code == 400
    assert "organization" in response.json()
    assert not Submission.objects.exists()


def test_partners_list_their_own_and_the_backbone_lists_all(setup: Any) -> None:
    post(setup.client("partner_a"), setup.org_a, GOOD)
    post(setup.client("partner_b"), setup.org_b, GOOD, "?dry_run=false")
    mine = setup.client("partner_a").get(API).json()["results"]
    assert [s["organization"] for s in mine] == [setup.org_a.slug]
    submitted = setup.client("staff").get(API + "?review=submitted").json()["results"]
    assert [s["organization"] for s in submitted] == [setup.org_b.slug]
    other = Submission.objects.get(organization=setup.org_b)
    assert setup.client("partner_a").get(f"{API}{other.pk}/").status_code == 404
