"""Scenario previews of a large ecosystem: queued as the task `compute_analysis_run` with the
programs kept on an unsaved preview run, shown at their own address with progress while they
compute, read only by the person who asked, never the baseline; and the priority list's name
search, whose count stops at a cap.

"Large" is `ATLAS_SYNC_MAX_AREAS` set low; the tests' task backend is immediate (a queued run
computes at once) unless a test keeps its runs queued."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from ecotone.atlas import services, views
from ecotone.atlas.models import AnalysisRun, AreaResult, RunStatus, Scenario
from ecotone.atlas.services import network, runs
from tests.atlas.test_views import ATLAS, NEW, add_area, html, program_data
from tests.atlas.test_views import region as region
from tests.conftest import World


@pytest.fixture
def large(region: World, settings: Any) -> World:
    settings.ATLAS_SYNC_MAX_AREAS = 2  # the region has 3 areas: previews are queued
    return region


def preview_post(world: World, persona: str = "member", url: str = NEW, **changes: Any) -> Any:
    return world.client(persona).post(url, {**program_data(**changes), "action": "preview"})


def preview_run(response: Any) -> AnalysisRun:
    assert response.status_code == 302, response.status_code
    found = re.search(r"\?preview=(\d+)#preview$", response["Location"])
    assert found, response["Location"]
    return AnalysisRun.objects.get(pk=int(found.group(1)))


def test_a_large_ecosystems_preview_is_queued_then_compared_at_its_own_address(
    large: World,
) -> None:
    analysis = services.default_analysis(large.alpha)
    run = preview_run(preview_post(large))
    assert run.is_preview
    assert run.requested_by == large.users["member"]
    assert run.scenario is None
    assert run.status == RunStatus.DONE
    assert run.progress == 100
    assert run.preview_programs[0]["name"] == "Far Hollow STEM Lab"
    assert run.preview_programs[0]["seats"] == 100
    assert not AreaResult.objects.filter(run=run).exists()  # compared whole, never listed
    page = html(large.client("member").get(f"{NEW}?preview={run.pk}"))
    assert "What these programs would change" in page
    assert "1 desert closed" in page
    assert "Far Hollow School" in page.split('id="preview"', 1)[1].split("Save", 1)[0]
    assert 'value="Far Hollow STEM Lab"' in page  # the form holds the programs, to change
    assert "hx-trigger" not in page.split('id="preview"', 1)[1].split(">", 1)[0]
    assert Scenario.objects.count() == 0
    # The same programs again, nothing changed meanwhile: the same preview.
    assert preview_run(preview_post(large)).pk == run.pk
    assert analysis.runs.filter(is_preview=True).count() == 1


def test_a_preview_is_never_the_baseline_nor_changes_the_priority_list(large: World) -> None:
    analysis = services.default_analysis(large.alpha)
    # No baseline yet: the preview starts today's run beside its own.
    run = preview_run(preview_post(large))
    baseline = runs.latest_run(analysis)
    assert baseline.pk != run.pk
    assert not baseline.is_preview
    assert runs.last_done_run(analysis).pk == baseline.pk  # type: ignore[union-attr]
    assert baseline.result["summary"]["deserts"] == 1
    assert network.counts([large.alpha.pk])[large.alpha.pk] == {"areas": 3, "deserts": 1}
    listing = html(large.client("member").get(ATLAS + "?desert=1")).split("Priority list", 1)[1]
    assert "Far Hollow School" in listing
    # A second preview (different programs) computes while today's run stays as it was.
    preview_run(preview_post(large, **{"program-0-seats": "200"}))
    assert runs.latest_run(analysis).pk == baseline.pk
    assert AnalysisRun.objects.filter(pk=baseline.pk, status=RunStatus.DONE).exists()
    assert html(large.client("member").get(ATLAS + "?desert=1")).count("Far Hollow School") >= 1
    assert network.counts([large.alpha.pk])[large.alpha.pk]["deserts"] == 1


def test_only_the_person_who_asked_reads_a_preview(large: World) -> None:
    run = preview_run(preview_post(large))
    for persona in ("staff", "admin", "reviewer", "partner_a"):
        response = large.client(persona).get(f"{NEW}?preview={run.pk}")
        assert response.status_code == 404, persona
    assert large.client("outsider").get(f"{NEW}?preview={run.pk}").status_code == 404
    assert large.client("member").get(f"{NEW}?preview=999999").status_code == 404
    # Not through a saved scenario's page of another ecosystem either.
    assert large.client("member").get(
        f"/e/beta/atlas/scenarios/new/?preview={run.pk}"
    ).status_code in (
        403,
        404,
    )


def test_bad_programs_come_back_on_the_form_before_anything_is_queued(large: World) -> None:
    page = html(preview_post(large, **{"program-0-latitude": "", "program-0-longitude": ""}))
    assert "Click the map, or give a latitude and longitude or a ZIP code." in page
    mobile = html(
        preview_post(large, **{"program-0-delivery": "mobile", "program-0-stops": "1, 2"})
    )
    assert "at least two stops" in mobile
    assert not AnalysisRun.objects.filter(is_preview=True).exists()  # today's run may be


def test_a_computing_preview_shows_progress_polls_and_refreshes_when_done(
    large: World, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    run = preview_run(preview_post(large))  # queued, no worker yet
    queued = AnalysisRun.objects.filter(status=RunStatus.QUEUED)
    assert run.status == RunStatus.QUEUED
    assert queued.count() == 2
    url = f"{NEW}?preview={run.pk}"
    page = html(large.client("member").get(url))
    assert "The preview is being computed" in page
    assert f'hx-get="{url}"' in page
    assert 'hx-select="#preview"' in page
    assert page.count("<progress") == 2
    assert "Waiting to start" in page
    assert "Reload the page" in page  # without JavaScript
    polled = large.client("member").get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40)
    assert 'value="40"' in html(large.client("member").get(url))
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    for pk in list(queued.values_list("pk", flat=True)):  # the worker
        runs.compute_analysis_run.call(pk)
    done = large.client("member").get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "1 desert closed" in html(large.client("member").get(url))


def test_a_failed_preview_says_so_and_stops_polling(large: World) -> None:
    run = preview_run(preview_post(large))
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="Out of time.")
    page = html(large.client("member").get(f"{NEW}?preview={run.pk}"))
    assert "Out of time." in page
    assert "hx-trigger" not in page.split('id="preview"', 1)[1][:300]
    # Asking again starts a new preview rather than showing the failed one.
    assert preview_run(preview_post(large)).pk != run.pk


def test_old_previews_are_deleted_by_the_next_one(large: World) -> None:
    first = preview_run(preview_post(large))
    others = preview_run(preview_post(large, "reviewer"))
    stale = preview_run(preview_post(large, "partner_a"))
    AnalysisRun.objects.filter(pk=stale.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=2)
    )
    second = preview_run(preview_post(large, **{"program-0-seats": "50"}))
    left = set(AnalysisRun.objects.filter(is_preview=True).values_list("pk", flat=True))
    assert left == {others.pk, second.pk}  # the member's first and anyone's stale one are gone
    assert first.pk not in left


def test_a_saved_scenarios_changes_are_previewed_on_its_page(large: World) -> None:
    scenario = services.save_scenario(
        services.default_analysis(large.alpha),
        user=large.users["staff"],
        name="Lab",
        programs=[{"name": "Lab", "latitude": 40.5, "longitude": -83.0, "seats": 30}],
    )
    url = f"{ATLAS}scenarios/{scenario.pk}/"
    run = preview_run(preview_post(large, "staff", url=url))
    page = html(large.client("staff").get(f"{url}?preview={run.pk}"))
    assert "What these programs would change" in page
    assert "1 desert closed" in page
    assert Scenario.objects.get().programs[0]["seats"] == 30  # saved nowhere
    assert not runs.latest_run(scenario.analysis, scenario).is_preview


# The priority list's name search ---------------------------------------------------------------


def test_the_name_search_counts_up_to_its_cap_and_pages_that_far(
    region: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        add_area(region, f"Maple School {n}", (39.3 + n / 100, -83.5), 100 + n, code=f"m{n}")
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 3)
    client = region.client("member")
    under = html(client.get(ATLAS + "?q=far+hollow"))
    assert "1 area of 8" in under
    page = html(client.get(ATLAS + "?q=maple&sort=name"))
    assert "More than 3 areas of 8" in page
    listing = page.split("Priority list", 1)[1]
    assert "Maple School 0" in listing
    assert "Maple School 1" in listing
    second = html(client.get(ATLAS + "?q=maple&sort=name&page=2")).split("Priority list", 1)[1]
    assert "Maple School 2" in second
    assert "Maple School 3" not in second
    beyond = html(client.get(ATLAS + "?q=maple&sort=name&page=3")).split("Priority list", 1)[1]
    assert "Maple School 2" in beyond  # the last page within the cap
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 5)
    exact = html(client.get(ATLAS + "?q=MAPLE"))
    assert "5 areas of 8" in exact
    assert "More than" not in exact


def test_an_out_of_range_latitude_is_named_once_not_also_missing() -> None:
    from ecotone.atlas.forms import HypotheticalProgramForm

    base = {"name": "Mobile lab", "delivery": "in_person", "seats": "40", "days_per_week": "4"}
    base["cost_band"] = "free"
    form = HypotheticalProgramForm({**base, "latitude": "95", "longitude": "-82.9"})
    assert not form.is_valid()
    assert form.errors["latitude"] == ["Ensure this value is less than or equal to 90."]
    half = HypotheticalProgramForm({**base, "latitude": "39.2", "longitude": ""})
    assert not half.is_valid()
    assert "Give both the latitude and the longitude, or neither." in half.errors["longitude"]


def _preview_section(page: str) -> str:
    return page.split('id="preview"', 1)[1].split("</section>", 1)[0]


def test_a_finished_previews_page_reads_the_comparison_its_task_stored(
    large: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task keeps the comparison on the preview: its page decodes neither whole result
    and shows what comparing them whole shows (which a page does, and stores, when today's
    run is not the one the preview was compared with)."""
    analysis = services.default_analysis(large.alpha)
    run = preview_run(preview_post(large))
    today = runs.latest_run(analysis)
    assert AnalysisRun.objects.get(pk=run.pk).digest["baseline_run"] == today.pk
    url = f"{NEW}?preview={run.pk}"

    def decoded(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a whole result was decoded")

    with monkeypatch.context() as patched:
        patched.setattr(runs, "result_from", decoded)
        from_stored = _preview_section(html(large.client("member").get(url)))
    assert "1 desert closed" in from_stored
    AnalysisRun.objects.filter(pk=run.pk).update(digest={"baseline_run": -1})
    compared_whole = _preview_section(html(large.client("member").get(url)))
    assert compared_whole == from_stored
    assert AnalysisRun.objects.get(pk=run.pk).digest["baseline_run"] == today.pk  # kept again
