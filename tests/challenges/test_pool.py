"""The applicant-pool report (services.pool, views.pool): shares of sectors, populations,
grades and regions, partners named, overlapping applications flagged in pairs, the map's
places, downloads and who may read it."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from ecotone.challenges.models import Application, ApplicationStatus
from ecotone.challenges.services.pool import overlapping_pairs, pool_report
from tests.challenges.builders_ranking import build_round

pytestmark = pytest.mark.django_db

# 0 and 1: the same city; 2 and 3: 5 miles apart in different towns; 4 and 5: a partner in
# common; 6: alone (a draft 7 and a withdrawn 8 are left out).
PLACES = [
    {"city": "Dayton", "state": "OH"},
    {"city": " dayton ", "state": "oh"},
    {"city": "Austin", "state": "TX", "latitude": 30.2672, "longitude": -97.7431},
    {"city": "Round Rock", "state": "TX", "latitude": 30.3400, "longitude": -97.6800},
    {"city": "Boston", "state": "MA", "latitude": 42.36, "longitude": -71.06},
    {"city": "Denver", "state": "CO", "latitude": 39.74, "longitude": -104.99},
    {"city": "Fargo", "state": "ND"},
    {"city": "Dayton", "state": "OH"},
    {"city": "Dayton", "state": "OH"},
]


@pytest.fixture
def pool(world: Any) -> Any:
    built = build_round(world.alpha, qualities=[3.0] * 9, leniencies=[0.0, 0.1, 0.2], places=PLACES)
    apps = built.applications
    apps[4].partners.add(world.org_a)
    apps[5].partners.add(world.org_a)
    apps[6].partners.add(world.org_b)
    Application.objects.filter(pk=apps[4].pk).update(other_partners=["City  Library"])
    Application.objects.filter(pk=apps[6].pk).update(other_partners=["city library"])
    for i, app in enumerate(apps):
        app.target_populations = ["low_income", "girls"] if i % 2 == 0 else ["low_income"]
        app.grade_bands = ["6-8"]
        app.topics = ["science"]
        app.save(update_fields=["target_populations", "grade_bands", "topics"])
    Application.objects.filter(pk=apps[7].pk).update(
        status=ApplicationStatus.DRAFT, submitted_at=None
    )
    Application.objects.filter(pk=apps[8].pk).update(status=ApplicationStatus.WITHDRAWN)
    return built


def _pair_titles(report: Any) -> dict[frozenset[str], Any]:
    return {frozenset((o.first.title, o.second.title)): o for o in report.overlaps}


def test_overlapping_applications_are_flagged_in_pairs(pool: Any) -> None:
    report = pool_report(pool.call)
    assert report.total == 7
    pairs = _pair_titles(report)
    same_city = pairs[frozenset(("Project 000", "Project 001"))]
    assert same_city.same_area
    assert same_city.reasons() == ["same city"]
    near = pairs[frozenset(("Project 002", "Project 003"))]
    assert near.same_area
    assert 4 < near.miles < 8
    shared = pairs[frozenset(("Project 004", "Project 005"))]
    assert not shared.same_area
    assert shared.partners == ["Robotics For All"]
    by_name = pairs[frozenset(("Project 004", "Project 006"))]
    assert by_name.partners == ["city library"]
    assert len(pairs) == 4
    # every one of the seven is in some pair (6 through the library it shares with 4)
    assert report.overlapping_share == pytest.approx(1.0)


def test_shares_of_the_pool(pool: Any) -> None:
    report = pool_report(pool.call)
    populations = {s.key: s for s in report.populations}
    assert populations["low_income"].count == 7
    assert populations["low_income"].share == 1.0
    assert populations["girls"].count == 4
    assert populations["rural"].count == 0
    regions = {s.key: s.count for s in report.regions}
    assert regions == {"northeast": 1, "midwest": 3, "south": 2, "west": 1, "": 0}
    assert sum(s.count for s in report.sectors) == 7
    partners = {str(s.label): s.count for s in report.partners}
    assert partners["Robotics For All"] == 2
    assert report.in_directory_partners == 2
    assert len(report.places()) == 4


def test_far_apart_and_unrelated_applications_are_not_flagged() -> None:
    found = overlapping_pairs(
        ["a|OH", "b|OH", ""],
        [40.0, 41.0, None],
        [-84.0, -84.0, None],
        [set(), {"org:1"}, {"org:2"}],
    )
    assert found == []
    near = overlapping_pairs(["", ""], [40.0, 40.1], [-84.0, -84.0], [set(), set()])
    assert [(i, j, same) for i, j, same, _m, _p in near] == [(0, 1, True)]


def test_the_report_page_and_its_downloads(world: Any, pool: Any) -> None:
    client = world.client("staff")
    url = reverse("challenges:pool", args=["alpha", pool.call.slug])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Overlapping applications" in text
    assert "network-places" in text
    assert "no suppression" in text.lower() or "No figure needs hiding" in text
    for fmt in ("csv", "xlsx"):
        download = client.get(
            reverse("challenges:pool_export", args=["alpha", pool.call.slug, fmt])
        )
        assert download.status_code == 200
    csv = b"".join(
        client.get(
            reverse("challenges:pool_export", args=["alpha", pool.call.slug, "csv"])
        ).streaming_content
    ).decode("utf-8-sig")
    assert "Overlapping applications" in csv
    xlsx = client.get(reverse("challenges:pool_export", args=["alpha", pool.call.slug, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "Figure"
    assert world.client("partner_a").get(url).status_code == 403
    assert world.client("anonymous").get(url).status_code == 302


def test_an_empty_pool_says_so(world: Any) -> None:
    built = build_round(world.alpha, qualities=[], leniencies=[], slug="empty")
    page = world.client("staff").get(reverse("challenges:pool", args=["alpha", built.call.slug]))
    assert page.status_code == 200
    assert "No application has been submitted" in page.content.decode()


def test_a_pool_of_the_demos_size_takes_few_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    places = [
        {"city": f"Town {i % 30}", "state": "OH", "latitude": 39 + i / 50, "longitude": -84.0}
        for i in range(90)
    ]
    built = build_round(
        world.alpha, qualities=[3.0] * 90, leniencies=[0.0] * 20, places=places, slug="big"
    )
    for application in built.applications[:45]:
        application.partners.add(world.org_a)
    client = world.client("staff")
    with django_assert_max_num_queries(14):
        page = client.get(reverse("challenges:pool", args=["alpha", "big"]))
    assert page.status_code == 200
    assert page.context["report"].total == 90


def test_the_same_town_alone_is_not_an_overlap_without_the_same_young_people() -> None:
    """Two applications in one town overlap when they serve a STEM field and a grade band in
    common; a partner in common is enough on its own."""
    town = ["riverton|OH"] * 3
    no_place: list[float | None] = [None] * 3
    audiences = [
        ({"robotics"}, {"6-8"}),
        ({"robotics", "science"}, {"6-8", "9-12"}),
        ({"health"}, {"6-8"}),
    ]
    found = overlapping_pairs(town, no_place, no_place, [set(), set(), set()], audiences)
    assert [(i, j, same) for i, j, same, _m, _p in found] == [(0, 1, True)]
    partnered = overlapping_pairs(
        town, no_place, no_place, [set(), {"org:1"}, {"org:1"}], audiences
    )
    assert [(i, j, shared) for i, j, _s, _m, shared in partnered] == [
        (0, 1, set()),
        (1, 2, {"org:1"}),
    ]
