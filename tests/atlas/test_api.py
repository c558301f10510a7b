"""The atlas API: results and summaries with suppression, settings, scenarios, areas."""

from __future__ import annotations

from typing import Any

import pytest

from ecotone.atlas import services
from ecotone.atlas.models import Scenario
from tests.atlas.builders import at, make_area, make_program
from tests.conftest import World

BASE = "/api/v1/ecosystems/alpha"


@pytest.fixture
def region(world: World) -> World:
    make_area(world.alpha, "near", 0, youth=200, low_income_share=0.3)
    make_area(world.alpha, "far", 60, youth=612, low_income_share=0.78, locale="town")
    make_area(world.alpha, "tiny", 200, youth=6, low_income_share=0.9)
    make_program(world.alpha, world.org_a, "Robotics Club", [(1, 0)], seats=40)
    make_area(world.beta, "elsewhere", 0, youth=999)
    return world


def test_results_are_paginated_filtered_and_ordered(region: World) -> None:
    client = region.client("member")
    body = client.get(f"{BASE}/analyses/default/results/?per_page=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert body["run"]["status"] == "done"
    assert body["results"][0]["code"] == "far"  # the one priority first
    assert body["results"][0]["rank"] == 1
    assert body["results"][0]["reasons"].startswith("612 students, 78% low-income")
    deserts = client.get(f"{BASE}/analyses/default/results/?desert=true").json()
    assert [a["code"] for a in deserts["results"]] == ["far"]
    town = client.get(f"{BASE}/analyses/default/results/?locale=town").json()
    assert [a["code"] for a in town["results"]] == ["far"]
    by_youth = client.get(f"{BASE}/analyses/default/results/?ordering=-youth").json()
    assert [a["code"] for a in by_youth["results"]] == ["far", "near", "tiny"]
    bad = client.get(f"{BASE}/analyses/default/results/?ordering=colour")
    assert bad.status_code == 400
    assert "ordering" in bad.json()


def test_small_counts_are_suppressed_in_results_and_summary(region: World) -> None:
    client = region.client("member")
    results = client.get(f"{BASE}/analyses/default/results/?ordering=name").json()["results"]
    tiny = next(a for a in results if a["code"] == "tiny")
    assert tiny["youth"] is None
    assert tiny["youth_suppressed"] is True
    assert tiny["need"] is None
    assert tiny["low_income_share"] is None
    near = next(a for a in results if a["code"] == "near")
    assert near["youth"] == 200
    assert near["youth_suppressed"] is False
    summary = client.get(f"{BASE}/analyses/default/summary/").json()["summary"]
    # The total includes the hidden 6: exact, it would give them away (818 - 200 - 612), so
    # it is rounded to the threshold, as the atlas page shows it ("about 820").
    assert summary["youth"] == 820
    assert summary["rounded"] is True
    assert summary["by_locale"]["town"]["youth"] == 612  # no hidden area in town: exact
    assert summary["by_locale"]["town"]["rounded"] is False
    assert summary["by_locale"]["rural"]["youth_in_deserts"] == 0
    region.alpha.suppression_threshold = 700
    region.alpha.save()
    summary = client.get(f"{BASE}/analyses/default/summary/").json()["summary"]
    assert summary["youth_in_deserts"] is None
    assert summary["youth"] == 700  # 818 with 200 and 6 hidden: to the nearest 700


def test_a_running_analysis_answers_202_with_its_progress(region: World, settings: Any) -> None:
    settings.ATLAS_SYNC_MAX_AREAS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = region.client("member")
    response = client.get(f"{BASE}/analyses/default/summary/")
    assert response.status_code == 202
    assert response.json()["run"]["status"] == "queued"
    assert response.json()["run"]["stage_label"] == "Waiting to start"
    assert client.get(f"{BASE}/analyses/default/results/").status_code == 202


def test_results_query_count_is_flat(world: World, django_assert_max_num_queries: Any) -> None:
    make_program(world.alpha, world.org_a, "Robotics Club", [(1, 0)], seats=40)
    client = world.client("member")
    for n in range(5):
        make_area(world.alpha, f"a{n}", n * 10)
    client.get(f"{BASE}/analyses/default/results/")  # computes and caches
    with django_assert_max_num_queries(10):
        client.get(f"{BASE}/analyses/default/results/")
    for n in range(5, 60):
        make_area(world.alpha, f"a{n}", n * 10)
    client.get(f"{BASE}/analyses/default/results/")
    with django_assert_max_num_queries(10):
        body = client.get(f"{BASE}/analyses/default/results/").json()
    assert body["count"] == 60


def test_population_area_query_count_is_flat(
    region: World, django_assert_max_num_queries: Any
) -> None:
    client = region.client("member")
    with django_assert_max_num_queries(9):
        client.get(f"{BASE}/population-areas/")
    for n in range(30):
        make_area(region.alpha, f"more{n}", n)
    with django_assert_max_num_queries(9):
        body = client.get(f"{BASE}/population-areas/").json()
    assert body["count"] == 33


def test_population_areas_are_scoped_and_suppressed(region: World) -> None:
    client = region.client("partner_a")
    body = client.get(f"{BASE}/population-areas/?ordering=code").json()
    assert [a["code"] for a in body["results"]] == ["far", "near", "tiny"]
    tiny = body["results"][2]
    assert tiny["youth_total"] is None
    assert tiny["youth_suppressed"] is True
    assert tiny["youth_6_8"] is None
    assert tiny["low_income_share"] is None
    assert client.get(f"{BASE}/population-areas/?locale=town").json()["count"] == 1


def test_one_small_band_hides_another(world: World) -> None:
    area = make_area(
        world.alpha,
        "k8",
        0,
        youth=260,
        youth_k2=120,
        youth_3_5=4,
        youth_6_8=136,
        race_counts={"WH": 200, "BL": 55, "AS": 5},
    )
    data = world.client("member").get(f"{BASE}/population-areas/{area.pk}/").json()
    assert data["youth_total"] == 260
    assert data["youth_3_5"] is None
    assert data["youth_k2"] is None  # else 260 - 136 - 120 gives the hidden 4
    assert data["youth_6_8"] == 136
    assert data["youth_prek"] == 0
    assert data["race_counts"] == {"WH": 200, "BL": None, "AS": None}


def test_two_small_bands_that_the_total_would_pin_down_hide_a_third(world: World) -> None:
    area = make_area(world.alpha, "k8", 0, youth=502, youth_k2=1, youth_3_5=1, youth_6_8=500)
    data = world.client("member").get(f"{BASE}/population-areas/{area.pk}/").json()
    assert data["youth_total"] == 502
    # 502 - 500 = 2 would say that both hidden bands hold exactly one child
    assert [data["youth_k2"], data["youth_3_5"], data["youth_6_8"]] == [None, None, None]
    assert data["youth_prek"] == 0


def test_backbone_changes_settings_with_field_errors(region: World) -> None:
    client = region.client("staff")
    bad = client.patch(
        f"{BASE}/analyses/default/",
        {"parameters": {"catchment_mi": {"rural": 0}, "grade_band": "college"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"catchment_mi.rural", "grade_band"}
    ok = client.patch(
        f"{BASE}/analyses/default/",
        {"parameters": {"desert_min_youth": 1000}},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["parameters"]["desert_min_youth"] == 1000
    assert ok.json()["parameters"]["catchment_mi"]["rural"] == 20  # the rest kept
    summary = client.get(f"{BASE}/analyses/default/summary/").json()
    assert summary["summary"]["deserts"] == 0


def test_analysis_settings_answer_an_etag_and_refuse_a_stale_if_match(region: World) -> None:
    client = region.client("staff")
    url = f"{BASE}/analyses/default/"
    loaded = client.get(url)["ETag"]
    first = client.patch(
        url,
        {"parameters": {"desert_min_youth": 1000}},
        "application/json",
        headers={"If-Match": loaded},
    )
    assert first.status_code == 200
    stale = client.patch(
        url,
        {"parameters": {"desert_min_youth": 50}},
        "application/json",
        headers={"If-Match": loaded},
    )
    assert stale.status_code == 412
    assert client.get(url).json()["parameters"]["desert_min_youth"] == 1000
    fresh = client.patch(
        url,
        {"parameters": {"desert_min_youth": 50}},
        "application/json",
        headers={"If-Match": first["ETag"]},
    )
    assert fresh.status_code == 200
    assert client.patch(url, {"name": "Main"}, "application/json").status_code == 200


def test_create_an_analysis(region: World) -> None:
    client = region.client("admin")
    response = client.post(
        f"{BASE}/analyses/",
        {"name": "Dallas", "parameters": {"min_days_per_week": 4, "after_school_only": True}},
        content_type="application/json",
    )
    assert response.status_code == 201
    analysis_id = response.json()["id"]
    listed = client.get(f"{BASE}/analyses/").json()["results"]
    assert [a["name"] for a in listed] == ["Access to STEM programs", "Dallas"]
    assert client.get(f"{BASE}/analyses/{analysis_id}/summary/").status_code == 200


def test_scenarios_create_compare_preview(region: World) -> None:
    client = region.client("staff")
    lat, lon = at(60)
    club = {"name": "Club", "latitude": lat, "longitude": lon, "seats": 100}
    bad = client.post(
        f"{BASE}/scenarios/",
        {"name": "Bad", "programs": [{**club, "seats": -1}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"programs.0.seats"}
    created = client.post(
        f"{BASE}/scenarios/",
        {"name": "Club up north", "programs": [club]},
        content_type="application/json",
    )
    assert created.status_code == 201
    scenario_id = created.json()["id"]
    assert Scenario.objects.get(pk=scenario_id).analysis.is_default
    detail = client.get(f"{BASE}/scenarios/{scenario_id}/").json()
    assert detail["programs"][0]["delivery"] == "in_person"
    compared = client.get(f"{BASE}/scenarios/compare/?ids=0,{scenario_id}").json()
    assert compared["ready"]
    today, north = compared["columns"]
    assert today["scenario"] is None
    assert north["deltas"]["deserts"] == -1
    assert [a["code"] for a in north["no_longer_deserts"]] == ["far"]
    # rounded as on the page: a hidden area (tiny, 6) is among the areas of this result
    assert north["youth_newly_in_reach"] == 610
    preview = client.post(
        f"{BASE}/scenarios/preview/", {"programs": [club]}, content_type="application/json"
    ).json()
    assert preview["deltas"]["deserts"] == -1
    scenario_results = client.get(f"{BASE}/analyses/default/results/?scenario={scenario_id}")
    assert all(not a["is_desert"] for a in scenario_results.json()["results"])
    assert client.get(f"{BASE}/scenarios/compare/?ids=999").status_code == 400
    assert client.get(f"{BASE}/analyses/default/results/?scenario=999").status_code == 404


def test_another_ecosystems_scenario_is_not_found(region: World) -> None:
    other = services.default_analysis(region.beta)
    scenario = services.save_scenario(
        other,
        user=None,
        name="Beta bus",
        programs=[{"name": "x", "latitude": 40, "longitude": -83, "seats": 5}],
    )
    client = region.client("staff")
    assert client.get(f"{BASE}/scenarios/{scenario.pk}/").status_code == 404
    assert client.get(f"{BASE}/analyses/{other.pk}/").status_code == 404


def test_a_large_ecosystems_api_preview_is_queued_and_read_where_it_says(
    region: World, settings: Any
) -> None:
    """At ATLAS_SYNC_MAX_AREAS areas or more the API queues the preview as the page does: 202
    with where to poll; the poll answers 202 while it computes, then the column the preview
    computed in the request answered, to the person who asked only."""
    client = region.client("staff")
    lat, lon = at(60)
    body = {"programs": [{"name": "Club", "latitude": lat, "longitude": lon, "seats": 100}]}
    url = f"{BASE}/scenarios/preview/"
    at_once = client.post(url, body, content_type="application/json")
    assert at_once.status_code == 200
    settings.ATLAS_SYNC_MAX_AREAS = 2  # the region has 3 areas: previews are queued
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    queued = client.post(url, body, content_type="application/json")
    assert queued.status_code == 202
    poll = queued.json()["poll"]
    assert queued["Location"] == poll
    assert queued.json()["run"]["status"] == "queued"
    assert queued.json()["ready"] is False
    waiting = client.get(poll)
    assert waiting.status_code == 202
    assert waiting.json()["summary"] is None
    assert region.client("admin").get(poll).status_code == 404  # backbone, not the asker
    from ecotone.atlas.models import AnalysisRun
    from ecotone.atlas.services import runs

    for pk in AnalysisRun.objects.filter(status="queued").values_list("pk", flat=True):
        runs.compute_analysis_run.call(pk)
    done = client.get(poll)
    assert done.status_code == 200
    assert done.json()["ready"] is True
    expected = at_once.json()
    for key in (
        "summary",
        "deltas",
        "no_longer_deserts",
        "new_deserts",
        "youth_newly_in_reach",
        "areas_newly_in_reach",
    ):
        assert done.json()[key] == expected[key], key
    assert done.json()["youth_newly_in_reach"] == 610  # rounded: a hidden area is among them
    assert client.post(url, body, content_type="application/json").status_code == 200  # done
    assert client.get(f"{BASE}/scenarios/preview/999999/").status_code == 404
