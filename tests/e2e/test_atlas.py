"""A backbone staffer's afternoon with the access atlas, in a real browser: open the atlas, switch
the map from access to need, read the priority list, place a program on the map, preview it and
see the rural desert close, save it, compare it with another; and a member turning the atlas
layer on over the opportunity map. Every page is audited with axe on the way (desktop and phone).

Screenshots of the pages (desktop and phone) go to $ATLAS_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from ecotone.atlas import services
from tests.atlas.test_views import FAR_HOLLOW, add_area
from tests.directory.test_search import RIVERTON, add_program

from .conftest import PHONE, Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("ATLAS_SCREENSHOTS", "")


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot, then the page loaded again: Playwright leaves empty style=""
    attributes behind, which htmx would copy on its next swap (a CSP error in the console)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
        page.reload()


def desert_named(page: Page, name: str) -> Locator:
    """The desert's circle on the map, found by the name its tooltip shows on hover."""
    points = page.locator(".overlay-point.strong")
    for index in range(points.count()):
        point = points.nth(index)
        point.hover()
        if page.locator(".leaflet-tooltip").last.inner_text() == name:
            return point
    raise AssertionError(f"No desert named {name} on the map")


def region(site: Site) -> None:
    world = site.world
    add_program(world, "Riverton Robotics", at=(RIVERTON[0] + 0.005, RIVERTON[1]))
    add_area(world, "Riverton Elementary", RIVERTON, 100, locale="city", low_income_share=0.3)
    add_area(world, "Far Hollow School", FAR_HOLLOW, 300, low_income_share=0.81)
    add_area(world, "Tiny Creek School", (39.25, -83.85), 6, low_income_share=0.97)
    add_area(world, "Mill Run School", (40.6, -83.6), 250, low_income_share=0.55)


def test_staff_read_the_atlas_and_try_a_scenario(site: Site) -> None:
    region(site)
    page = site.new_page()
    auditor = Auditor(page)
    site.sign_in(page, "staff")

    auditor.visit("/e/alpha/atlas/")
    atlas_map = page.locator("#atlas-map")
    expect(atlas_map).to_have_attribute("data-features", "4")
    expect(atlas_map).to_have_attribute("data-colouring", "access")
    expect(page.locator("#legend-access")).to_be_visible()
    shoot(page, "atlas-desktop")

    # Colour by need: the other legend shows, and the map draws the same areas again.
    page.get_by_label("Need").check()
    expect(atlas_map).to_have_attribute("data-colouring", "need")
    expect(page.locator("#legend-need")).to_be_visible()
    expect(page.locator("#legend-access")).to_be_hidden()

    # The priority list: the two rural deserts first, with their reasons; then deserts only.
    first = page.locator(".area-table tbody tr").first
    expect(first).to_contain_text("Far Hollow School")
    expect(first).to_contain_text("81% low-income")
    expect(first.locator(".tag-desert")).to_be_visible()
    page.get_by_label("Deserts only").check()
    expect(page.locator("#area-list [role=status]")).to_contain_text("2 areas of 4")
    expect(page).to_have_url("/e/alpha/atlas/?q=&locale=&sort=rank&desert=1", ignore_case=True)
    auditor.audit("atlas, deserts only")

    # A new program, placed by clicking the map where Far Hollow School is.
    page.goto("/e/alpha/atlas/scenarios/new/")
    scenario_map = page.locator("#scenario-map")
    expect(scenario_map).to_have_attribute("data-features", "4")
    page.get_by_role("textbox", name="Name", exact=True).fill("Far Hollow STEM Lab")
    page.get_by_label("Seats").fill("100")
    hollow = desert_named(page, "Far Hollow School")
    page.locator(".place-on-map").first.click()
    # Click the map just beside the desert's circle: the program goes there.
    box = hollow.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2 + 14, box["y"] + box["height"] / 2)
    expect(page.locator("#scenario-map-status")).to_contain_text("Far Hollow STEM Lab placed at")
    latitude = float(page.get_by_label("Latitude").input_value())
    assert abs(latitude - FAR_HOLLOW[0]) < 0.2
    expect(page.locator(".hypothetical-marker")).to_have_count(1)
    auditor.audit("new scenario")

    page.get_by_role("button", name="Preview the change").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("What these programs would change")
    expect(preview.locator(".closed-deserts")).to_contain_text("Far Hollow School")
    expect(page.locator(".closed-marker")).to_have_count(1)
    auditor.audit("scenario preview")

    page.get_by_label("Scenario name").fill("A lab in Far Hollow")
    page.get_by_role("button", name="Save the scenario").click()
    expect(page.locator(".message-success")).to_contain_text("The scenario is saved.")
    expect(page.locator("h1")).to_contain_text("A lab in Far Hollow")

    # Another scenario, saved through the service, and the two compared with today.
    analysis = services.default_analysis(site.world.alpha)
    services.save_scenario(
        analysis,
        user=site.world.users["staff"],
        name="A mobile lab",
        programs=[
            {
                "name": "Science bus",
                "delivery": "mobile",
                "stops": [[40.6, -83.6], [39.25, -83.85]],
                "seats": 60,
                "grade_bands": ["3-5", "6-8"],
                "days_per_week": 2,
                "after_school": True,
                "cost_band": "free",
            }
        ],
    )
    page.goto("/e/alpha/atlas/scenarios/")
    page.get_by_label("Compare A lab in Far Hollow").check()
    page.get_by_label("Compare A mobile lab").check()
    page.get_by_role("button", name="Compare the chosen scenarios").click()
    expect(page.locator("h1")).to_have_text("Compare scenarios")
    expect(page.locator(".compare-table thead")).to_contain_text("A mobile lab")
    expect(page.locator(".compare-columns")).to_contain_text("Far Hollow School")
    auditor.audit("compare")
    shoot(page, "compare-desktop")
    auditor.assert_clean()


def test_the_atlas_on_a_phone(site: Site) -> None:
    region(site)
    page = site.new_page(viewport=PHONE)
    auditor = Auditor(page)
    site.sign_in(page, "member")
    auditor.visit("/e/alpha/atlas/")
    expect(page.locator("#atlas-map")).to_have_attribute("data-features", "4")
    shoot(page, "atlas-phone")
    auditor.visit("/e/alpha/atlas/scenarios/new/")
    auditor.visit("/e/alpha/programs/")
    auditor.assert_clean()


def test_members_turn_the_atlas_layer_on_over_the_opportunity_map(site: Site) -> None:
    region(site)
    page = site.new_page()
    auditor = Auditor(page)
    site.sign_in(page, "member")
    auditor.visit("/e/alpha/programs/")
    program_map = page.locator("#program-map")
    expect(program_map).to_have_attribute("data-features", "1")
    page.get_by_label("Atlas: need").check()
    expect(program_map).to_have_attribute("data-overlay", "atlas-need")
    expect(program_map).to_have_attribute("data-overlay-features", "4")
    legend = page.locator("#map-overlay-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("Thick edge: a desert")
    auditor.audit("opportunity map with the need layer")
    shoot(page, "opportunity-map-layer-desktop")
    page.get_by_label("Programs only").check()
    expect(legend).to_be_hidden()
    auditor.assert_clean()
