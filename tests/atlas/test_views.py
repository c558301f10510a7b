"""The atlas pages: what each persona sees, empty states, suppression, the priority list, the
analysis settings, scenarios (preview, save, compare, delete) and the opportunity map's layer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ecotone.atlas import services
from ecotone.atlas.models import AnalysisRun, PopulationArea, RunStatus, Scenario
from ecotone.atlas.services import runs
from tests.conftest import World
from tests.directory.test_search import RIVERTON, add_program
from tests.html_forms import browser_form

ATLAS = "/e/alpha/atlas/"
FAR_HOLLOW = (39.20, -83.90)  # rural, about 60 miles from Riverton


def add_area(world: World, name: str, at: tuple[float, float], youth: int, **fields: Any) -> Any:
    fields.setdefault("locale", "rural")
    fields.setdefault("kind", "school")
    return PopulationArea.objects.create(
        ecosystem=world.alpha,
        code=fields.pop("code", name.lower().replace(" ", "-")),
        name=name,
        latitude=at[0],
        longitude=at[1],
        youth_total=youth,
        **fields,
    )


@pytest.fixture
def region(world: World) -> World:
    """A city school beside a robotics club, a large rural school far from any program (a
    desert), and a rural school too small to publish."""
    add_program(world, "Riverton Robotics", at=(RIVERTON[0] + 0.005, RIVERTON[1]))
    add_area(world, "Riverton Elementary", RIVERTON, 100, locale="city", low_income_share=0.3)
    add_area(world, "Far Hollow School", FAR_HOLLOW, 300, low_income_share=0.81)
    add_area(world, "Tiny Creek School", (39.25, -83.85), 6, low_income_share=0.97)
    return world


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# The atlas page --------------------------------------------------------------------------------


def test_an_empty_atlas_explains_and_sends_backbone_staff_to_the_area_import(world: World) -> None:
    staff = html(world.client("staff").get(ATLAS))
    assert "No schools or neighborhoods yet" in staff
    assert "/e/alpha/atlas/areas/" in staff or "Import schools or areas" in staff
    member = html(world.client("member").get(ATLAS))
    assert "No schools or neighborhoods yet" in member
    assert "Import schools or areas" not in member
    assert "Backbone staff of this ecosystem can import them" in member


@pytest.mark.parametrize("persona", ["member", "partner_a", "staff"])
def test_members_see_the_summary_map_charts_and_priority_list(region: World, persona: str) -> None:
    page = html(region.client(persona).get(ATLAS))
    assert "At a glance" in page
    assert 'id="atlas-map"' in page
    assert "Share of young people in a desert, by locale" in page
    assert "The numbers as a table" in page
    assert "Priority list" in page
    # The rural desert is first, with its reasons.
    assert page.index("Far Hollow School") < page.index("Riverton Elementary")
    assert "81% low-income" in page
    assert "tag-desert" in page


def test_outsiders_and_visitors_do_not_see_the_atlas(region: World) -> None:
    assert region.client("outsider").get(ATLAS).status_code == 404
    assert region.client("anonymous").get(ATLAS).status_code == 302


def test_backbone_staff_get_settings_and_export_links(region: World) -> None:
    staff = html(region.client("staff").get(ATLAS))
    assert "/e/alpha/atlas/settings/" in staff
    member = html(region.client("member").get(ATLAS))
    assert "/e/alpha/atlas/settings/" not in member
    assert "/e/alpha/atlas/export.csv" in member  # every member may export (suppressed) figures


def test_small_areas_are_suppressed_in_the_page_and_the_map_data(region: World) -> None:
    page = html(region.client("member").get(ATLAS + "?q=Tiny"))
    assert "Tiny Creek School" in page
    assert "fewer than 10" in page
    assert "97%" not in page
    assert "not shown" in page  # its need index is made of the hidden shares
    # Totals that include it are rounded, so 406 - 100 - 300 cannot give its 6 away.
    assert "about 410" in page
    assert "406" not in page
    data = region.client("member").get(ATLAS + "areas.geojson?color=need").json()
    tiny = next(f for f in data["features"] if f["properties"]["name"] == "Tiny Creek School")
    assert any("fewer than 10" in line for line in tiny["properties"]["details"])
    assert not any("Need index" in line for line in tiny["properties"]["details"])
    assert tiny["properties"]["color"] == "#bdbdbd"


def test_the_priority_list_filters_searches_and_sorts(region: World) -> None:
    client = region.client("member")
    deserts = html(client.get(ATLAS + "?desert=1"))
    assert "Far Hollow School" in deserts
    assert "Riverton Elementary" not in deserts.split("Priority list", 1)[1]
    city = html(client.get(ATLAS + "?locale=city"))
    assert "Far Hollow School" not in city.split("Priority list", 1)[1]
    by_name = html(client.get(ATLAS + "?sort=name"))
    listing = by_name.split("Priority list", 1)[1]
    assert listing.index("Far Hollow") < listing.index("Riverton") < listing.index("Tiny Creek")
    nothing = html(client.get(ATLAS + "?q=zzz"))
    assert "No area matches these filters." in nothing


def test_htmx_filtering_answers_only_the_list(region: World) -> None:
    response = region.client("member").get(
        ATLAS + "?desert=1", headers={"HX-Request": "true", "HX-Target": "area-list"}
    )
    page = html(response)
    assert page.lstrip().startswith('<section id="area-list"')
    assert "At a glance" not in page


def test_the_list_page_makes_a_fixed_number_of_queries(
    region: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(40):
        add_area(region, f"School {n:02}", (39.3 + n / 100, -83.5), 100 + n, code=f"s{n}")
    client = region.client("member")
    html(client.get(ATLAS))  # computes and caches the run
    with django_assert_max_num_queries(20):
        html(client.get(ATLAS + "?page=2"))


def test_no_programs_says_why_every_area_is_a_desert(world: World) -> None:
    add_area(world, "Far Hollow School", FAR_HOLLOW, 300)
    page = html(world.client("member").get(ATLAS))
    assert "No program of the directory counts for this analysis yet" in page


def test_a_computing_run_shows_its_progress_and_polls(
    region: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysis = services.default_analysis(region.alpha)
    running = AnalysisRun.objects.create(
        analysis=analysis,
        fingerprint="x" * 64,
        status=RunStatus.RUNNING,
        progress=40,
        stage="reach",
    )
    monkeypatch.setattr(runs, "latest_run", lambda *args, **kwargs: running)
    page = html(region.client("member").get(ATLAS))
    assert "Computing the atlas" in page
    assert 'value="40"' in page
    assert 'hx-get="/e/alpha/atlas/status/"' in page
    status = region.client("member").get(ATLAS + "status/", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in status
    running.status = RunStatus.DONE
    done = region.client("member").get(ATLAS + "status/", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


# The analysis settings -------------------------------------------------------------------------

SETTINGS = ATLAS + "settings/"


def settings_data(**changes: Any) -> dict[str, Any]:
    data = {
        "catchment_city": "2",
        "catchment_suburb": "5",
        "catchment_town": "10",
        "catchment_rural": "20",
        "decay_zones": "0.33, 1\n0.67, 0.68\n1, 0.22",
        "grade_band": "",
        "min_days_per_week": "0",
        "language": "",
        "assumed_seats": "20",
        "need_low_income": "35",
        "need_english_learner": "15",
        "need_students_of_color": "20",
        "need_rural": "20",
        "need_disability": "10",
        "desert_min_youth": "50",
        "desert_max_youth_per_seat": "10",
    }
    data.update(changes)
    return data


def test_settings_are_for_backbone_staff(region: World) -> None:
    assert region.client("member").get(SETTINGS).status_code == 403
    page = html(region.client("staff").get(SETTINGS))
    assert 'name="catchment_rural"' in page
    assert "Dallas afterschool rule" in page


def test_settings_errors_are_on_their_fields(region: World) -> None:
    response = region.client("staff").post(
        SETTINGS, settings_data(catchment_rural="500", decay_zones="0.5, 1\nfoo")
    )
    page = html(response)
    assert 'id="id_catchment_rural_error"' in page
    assert "at most 100 miles" in page
    assert 'id="id_decay_zones_error"' in page
    zones = region.client("staff").post(SETTINGS, settings_data(decay_zones="0.5, 0.5\n1, 1"))
    assert 'id="id_decay_zones_error"' in html(zones)
    weights = region.client("staff").post(
        SETTINGS,
        settings_data(
            need_low_income="0",
            need_english_learner="0",
            need_students_of_color="0",
            need_rural="0",
            need_disability="0",
        ),
    )
    assert "at least one indicator" in html(weights)


def test_saving_settings_changes_the_analysis(region: World) -> None:
    response = region.client("staff").post(
        SETTINGS, settings_data(catchment_rural="80", min_days_per_week="4")
    )
    assert response.status_code == 302
    analysis = services.default_analysis(region.alpha)
    assert analysis.parameters["catchment_mi"]["rural"] == 80
    assert analysis.parameters["min_days_per_week"] == 4


def test_a_preset_fills_the_form_without_saving(region: World) -> None:
    page = html(region.client("staff").post(SETTINGS, {"preset": "dallas"}))
    assert "is filled in below" in page
    assert 'name="min_days_per_week" value="4"' in page
    analysis = services.default_analysis(region.alpha)
    assert analysis.parameters.get("min_days_per_week", 0) == 0


def test_a_second_editor_of_the_settings_sees_the_first_change_and_keeps_their_input(
    region: World,
) -> None:
    first, second = region.client("staff"), region.client("staff")
    first_form = browser_form(html(first.get(SETTINGS)), "catchment_rural")
    second_form = browser_form(html(second.get(SETTINGS)), "catchment_rural")
    assert first.post(SETTINGS, {**first_form, "catchment_rural": "80"}).status_code == 302

    response = second.post(SETTINGS, {**second_form, "min_days_per_week": "4"})

    assert response.status_code == 200
    page = html(response)
    assert "Someone else changed this record after you opened it" in page
    assert [(c.before, c.after) for c in response.context["conflict"].changes] == [("20", "80")]
    assert 'name="min_days_per_week" value="4"' in page  # their input is kept
    parameters = services.default_analysis(region.alpha).parameters
    assert (parameters["catchment_mi"]["rural"], parameters["min_days_per_week"]) == (80, 0)

    again = browser_form(page, "catchment_rural")
    assert second.post(SETTINGS, again).status_code == 302
    parameters = services.default_analysis(region.alpha).parameters
    assert (parameters["catchment_mi"]["rural"], parameters["min_days_per_week"]) == (20, 4)


# Scenarios -------------------------------------------------------------------------------------

NEW = ATLAS + "scenarios/new/"


def program_data(**changes: Any) -> dict[str, Any]:
    data = {
        "program-TOTAL_FORMS": "1",
        "program-INITIAL_FORMS": "0",
        "program-MIN_NUM_FORMS": "1",
        "program-MAX_NUM_FORMS": "10",
        "program-0-name": "Far Hollow STEM Lab",
        "program-0-delivery": "in_person",
        "program-0-latitude": str(FAR_HOLLOW[0]),
        "program-0-longitude": str(FAR_HOLLOW[1]),
        "program-0-seats": "100",
        "program-0-grade_bands": ["3-5", "6-8"],
        "program-0-days_per_week": "4",
        "program-0-after_school": "on",
        "program-0-cost_band": "free",
    }
    data.update(changes)
    return data


def test_a_preview_shows_the_desert_that_would_close(region: World) -> None:
    page = html(region.client("member").post(NEW, {**program_data(), "action": "preview"}))
    assert "What these programs would change" in page
    assert "1 desert closed" in page
    preview = page.split('id="preview"', 1)[1]
    assert "Far Hollow School" in preview.split("Save", 1)[0]
    assert Scenario.objects.count() == 0


def test_a_program_can_be_placed_by_zip_code(region: World) -> None:
    data = program_data(**{"program-0-latitude": "", "program-0-longitude": ""})
    data["program-0-zip_code"] = "43215"
    page = html(region.client("member").post(NEW, {**data, "action": "preview"}))
    assert "What these programs would change" in page


def test_scenario_form_errors_are_on_their_fields(region: World) -> None:
    data = program_data(**{"program-0-latitude": "", "program-0-longitude": ""})
    page = html(region.client("member").post(NEW, {**data, "action": "preview"}))
    assert "Click the map, or give a latitude and longitude or a ZIP code." in page
    mobile = program_data(**{"program-0-delivery": "mobile", "program-0-stops": "39.2, -83.9"})
    assert "at least two stops" in html(region.client("member").post(NEW, mobile))


def test_adding_a_program_without_javascript(region: World) -> None:
    page = html(region.client("member").post(NEW, {**program_data(), "action": "add"}))
    assert "Program 2" in page


def test_backbone_staff_save_scenarios_and_members_cannot(region: World) -> None:
    data = {**program_data(), "action": "save", "name": "Far Hollow lab"}
    assert region.client("member").post(NEW, data).status_code == 403
    response = region.client("staff").post(NEW, data)
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.name == "Far Hollow lab"
    assert scenario.programs[0]["seats"] == 100
    assert response["Location"] == f"{ATLAS}scenarios/{scenario.pk}/"
    page = html(region.client("member").get(response["Location"]))
    assert "What this scenario changes" in page
    assert "Far Hollow School" in page
    assert "Save the changes" not in page


def test_saving_needs_a_name(region: World) -> None:
    page = html(region.client("staff").post(NEW, {**program_data(), "action": "save", "name": ""}))
    assert 'id="id_name_error"' in page
    assert Scenario.objects.count() == 0


def save(world: World, name: str, at: tuple[float, float], seats: int = 100) -> Scenario:
    analysis = services.default_analysis(world.alpha)
    program = {
        "name": name,
        "delivery": "in_person",
        "latitude": at[0],
        "longitude": at[1],
        "seats": seats,
        "grade_bands": ["6-8"],
        "days_per_week": 4,
        "after_school": True,
        "cost_band": "free",
    }
    return services.save_scenario(
        analysis, user=world.users["staff"], name=name, description="", programs=[program]
    )


def test_deleting_a_scenario_asks_first(region: World) -> None:
    scenario = save(region, "Lab", FAR_HOLLOW)
    url = f"{ATLAS}scenarios/{scenario.pk}/delete/"
    page = html(region.client("staff").get(url))
    assert "Delete the scenario “Lab”?" in page
    assert Scenario.objects.filter(pk=scenario.pk).exists()
    assert region.client("member").post(url).status_code == 403
    response = region.client("staff").post(url)
    assert response.status_code == 302
    assert not Scenario.objects.filter(pk=scenario.pk).exists()


def test_a_second_editor_of_a_scenario_sees_the_first_change_and_keeps_their_input(
    region: World,
) -> None:
    scenario = save(region, "Lab", FAR_HOLLOW)
    url = f"{ATLAS}scenarios/{scenario.pk}/"
    first, second = region.client("staff"), region.client("staff")
    first_form = browser_form(html(first.get(url)), "program-0-seats")
    second_form = browser_form(html(second.get(url)), "program-0-seats")
    saved = first.post(url, {**first_form, "program-0-seats": "150", "action": "save"})
    assert saved.status_code == 302

    response = second.post(url, {**second_form, "name": "Lab, renamed", "action": "save"})

    assert response.status_code == 200
    page = html(response)
    assert "Someone else changed this record after you opened it" in page
    (change,) = response.context["conflict"].changes
    assert (change.label, "seats: 100" in change.before, "seats: 150" in change.after) == (
        "Programs",
        True,
        True,
    )
    assert 'value="Lab, renamed"' in page  # their input is kept
    scenario.refresh_from_db()
    assert (scenario.name, scenario.programs[0]["seats"]) == ("Lab", 150)

    again = browser_form(page, "program-0-seats")
    assert second.post(url, {**again, "action": "save"}).status_code == 302
    scenario.refresh_from_db()
    assert (scenario.name, scenario.programs[0]["seats"]) == ("Lab, renamed", 100)


def test_another_ecosystems_scenario_is_not_found(region: World) -> None:
    scenario = save(region, "Lab", FAR_HOLLOW)
    client: Client = region.client("outsider")
    assert client.get(f"/e/beta/atlas/scenarios/{scenario.pk}/").status_code == 404


def test_compare_puts_scenarios_beside_today(region: World) -> None:
    lab = save(region, "Rural lab", FAR_HOLLOW)
    city = save(region, "Another city club", RIVERTON)
    listing = html(region.client("member").get(ATLAS + "scenarios/"))
    assert "Rural lab" in listing
    assert "Another city club" in listing
    page = html(
        region.client("member").get(
            f"{ATLAS}scenarios/compare/?scenario={lab.pk}&scenario={city.pk}"
        )
    )
    assert "Today" in page
    assert page.count("Deserts") >= 1
    rural = page.split("Rural lab</a></h2>", 1)[1].split("</section>", 1)[0]
    assert "1 area stops being a desert" in rural
    other = page.split("Another city club</a></h2>", 1)[1].split("</section>", 1)[0]
    assert "No area stops being a desert." in other


def test_compare_needs_one_to_three_scenarios(region: World) -> None:
    response = region.client("member").get(ATLAS + "scenarios/compare/")
    assert response.status_code == 302
    assert response["Location"] == ATLAS + "scenarios/"


# The opportunity map's layer and the navigation ------------------------------------------------


def test_the_opportunity_map_offers_the_atlas_layers_to_members_only(region: World) -> None:
    member = html(region.client("member").get("/e/alpha/programs/"))
    assert 'name="map-overlay"' in member
    assert "/e/alpha/atlas/areas.geojson?color=access" in member
    assert "/e/alpha/atlas/areas.geojson?color=need" in member
    public = html(region.client("anonymous").get("/e/alpha/programs/"))
    assert 'name="map-overlay"' not in public


def test_the_map_data_colours_areas_and_carries_its_legend(region: World) -> None:
    data = region.client("member").get(ATLAS + "areas.geojson?color=access").json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 3
    hollow = next(f for f in data["features"] if f["properties"]["name"] == "Far Hollow School")
    assert hollow["properties"]["outline"] == "strong"  # a desert
    assert hollow["properties"]["color"] == "#440154"  # no seat in reach
    assert data["legend"][0]["label"] == "No seat in reach"


def test_the_navigation_shows_the_atlas_to_members(region: World) -> None:
    assert "Access atlas" in html(region.client("member").get("/e/alpha/"))
    assert "Access atlas" not in html(region.client("anonymous").get("/e/alpha/"))


def test_the_atlas_is_translated(region: World) -> None:
    client = region.client("member")
    client.cookies["django_language"] = "es"
    page = html(client.get(ATLAS))
    assert "De un vistazo" in page
    assert "Lista de prioridades" in page
    assert "At a glance" not in page
