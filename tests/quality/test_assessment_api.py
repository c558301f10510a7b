"""The assessments' API: the list a caller sees (filtered, with the consensus, the agreement and
the caller's own ratings), one assessment with every rater's ratings, and saving the caller's
own rating through the same service as the page."""

from __future__ import annotations

from typing import Any

from ecotone.quality.models import Rating
from ecotone.quality.services import assessments as services

from .test_assessment_pages import rated  # noqa: F401  (a fixture)
from .test_assessments import started, version_of

API = "/api/v1/ecosystems/alpha/quality/assessments"


def test_the_list_shows_what_the_caller_sees_with_agreement_and_own_ratings(
    world: Any,
    rated: Any,  # noqa: F811
) -> None:
    services.start_assessment(world.users["partner_b"], world.org_b, version_of(world))
    services.save_consensus(
        world.users["partner_a"], rated, "cost", "high", links=["https://x.org"]
    )
    found = world.client("partner_a").get(f"{API}/?status=consensus&rubric=two").json()
    assert found["count"] == 1
    one = found["results"][0]
    assert (one["organization"], one["rubric"], one["version"]) == ("robotics-for-all", "two", 1)
    assert one["consensus"][0]["links"] == ["https://x.org"]
    assert one["agreement"]["percent_agreement"] == 0.5
    assert one["agreement"]["differing"] == ["outreach"]
    assert {r["attribute"]: r["stage"] for r in one["my_ratings"]} == {
        "outreach": "mid",
        "cost": "high",
    }
    assert "ratings" not in one
    assert world.client("staff").get(f"{API}/?organization=eastside-library").json()["count"] == 1


def test_the_detail_has_every_raters_ratings_and_why_alpha_is_missing(world: Any) -> None:
    assessment = started(world)
    services.save_rating(world.users["partner_a"], assessment, "cost", "mid")
    detail = world.client("staff").get(f"{API}/{assessment.pk}/").json()
    assert [(r["rater"], r["stage"]) for r in detail["ratings"]] == [("Partner A", "mid")]
    assert detail["my_ratings"] == []
    assert detail["agreement"]["alpha"] is None
    assert "two raters" in detail["agreement"]["alpha_reason"]


def test_a_caller_saves_their_own_rating_or_hears_why_not(world: Any) -> None:
    assessment = started(world)
    client = world.client("partner_a")
    url = f"{API}/{assessment.pk}/ratings/"
    saved = client.post(
        url, {"attribute": "cost", "stage": "high", "note": "Free"}, "application/json"
    )
    assert saved.status_code == 200
    assert saved.json()["stage"] == "high"
    assert Rating.objects.get().rater == world.users["partner_a"]
    refused = client.post(url, {"attribute": "cost", "stage": "gold"}, "application/json")
    assert refused.status_code == 400
    assert "no stage “gold”" in refused.json()["detail"]


def test_the_list_stays_within_its_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    for _n in range(4):
        assessment = started(world)
        services.save_rating(world.users["partner_a"], assessment, "cost", "mid")
    client = world.client("partner_a")
    client.get(f"{API}/")
    with django_assert_max_num_queries(10):
        assert client.get(f"{API}/?per_page=2&page=2").status_code == 200
