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


def _submitted(setup: Any) -> Submission:
    post(setup.client("partner_a"), setup.org_a, GOOD, "?dry_run=false")
    return Submission.objects.get()


def test_backbone_approves_a_submission_through_the_api(setup: Any) -> None:
    from ecotone.measures.models import Value

    run = _submitted(setup)
    response = setup.client("staff").post(f"{API}{run.pk}/approve/")
    assert response.status_code == 200
    assert (response.json()["review"], response.json()["status"]) == ("approved", "applied")
    assert Value.objects.filter(submission=run).count() == 4
    again = setup.client("staff").post(f"{API}{run.pk}/approve/")
    assert again.status_code == 400


def test_backbone_returns_a_submission_with_a_comment_through_the_api(setup: Any) -> None:
    run = _submitted(setup)
    staff = setup.client("staff")
    assert (
        staff.post(f"{API}{run.pk}/return/", {}, content_type="application/json").status_code == 400
    )
    response = staff.post(
        f"{API}{run.pk}/return/", {"comment": "Girls look low."}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["review"], response.json()["review_comment"]) == (
        "returned",
        "Girls look low.",
    )


def test_partners_cannot_review_through_the_api(setup: Any) -> None:
    run = _submitted(setup)
    assert setup.client("partner_a").post(f"{API}{run.pk}/approve/").status_code == 403
    run.refresh_from_db()
    assert run.review == Review.SUBMITTED


def test_a_file_names_its_collection_through_the_api(setup: Any) -> None:
    from tests.measures.test_collections import open_collection

    collection = open_collection(setup)
    response = setup.client("partner_a").post(
        API,
        {
            "organization": setup.org_a.slug,
            "collection": collection.pk,
            "file": SimpleUploadedFile("v.csv", GOOD.encode()),
        },
    )
    assert [p["code"] for p in response.json()["problems"]] == ["outside_collection"]
    other = setup.client("partner_a").post(
        API,
        {
            "organization": setup.org_a.slug,
            "collection": 999999,
            "file": SimpleUploadedFile("v.csv", GOOD.encode()),
        },
    )
    assert other.status_code == 400


AGREEMENTS = "/api/v1/ecosystems/alpha/measures/agreements/"


def test_agreements_are_read_changed_and_ended_through_the_api(setup: Any) -> None:
    from ecotone.measures.models import DataSharingAgreement

    agreement = DataSharingAgreement.objects.get(organization=setup.org_a)
    mine = setup.client("partner_a").get(AGREEMENTS).json()["results"]
    assert [a["organization"] for a in mine] == [setup.org_a.slug]
    staff = setup.client("staff")
    changed = staff.patch(
        f"{AGREEMENTS}{agreement.pk}/",
        {"indicators": ["share-girls"]},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["indicators"] == ["share-girls"]
    ended = staff.post(
        f"{AGREEMENTS}{agreement.pk}/end/",
        {"ends_on": "2025-06-30"},
        content_type="application/json",
    )
    assert (ended.status_code, ended.json()["ends_on"], ended.json()["is_current"]) == (
        200,
        "2025-06-30",
        False,
    )
    early = staff.post(
        f"{AGREEMENTS}{agreement.pk}/end/",
        {"ends_on": "2020-01-01"},
        content_type="application/json",
    )
    assert early.status_code == 400


COLLECTIONS = "/api/v1/ecosystems/alpha/measures/collections/"


def test_collections_and_their_progress_through_the_api(setup: Any) -> None:
    from tests.measures.test_collections import open_collection

    collection = open_collection(setup, organizations=[setup.org_a.pk])
    _submitted(setup)
    response = setup.client("partner_a").get(COLLECTIONS)
    assert response.status_code == 200, response.content
    found = response.json()["results"]
    assert [(c["id"], c["indicators"], c["periods"]) for c in found] == [
        (collection.pk, ["young-people-served"], ["2024–25"])
    ]
    assert setup.client("partner_b").get(f"{COLLECTIONS}{collection.pk}/").status_code == 404
    grid = setup.client("staff").get(f"{COLLECTIONS}{collection.pk}/progress/").json()
    run = Submission.objects.get()
    assert grid["rows"] == [
        {
            "organization": setup.org_a.slug,
            "cells": [
                {
                    "indicator": "young-people-served",
                    "period": "2024–25",
                    "status": "submitted",
                    "submission": run.pk,
                }
            ],
        }
    ]
