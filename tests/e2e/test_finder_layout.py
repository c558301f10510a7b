"""The finder puts its results first: the first program in the first screen at desktop and
phone widths, the filters folded into a panel with the chosen ones as removable chips, a
list/map switch on a phone; and a program page a parent can act on from the first screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ecotone.directory.models import CostBand
from tests.directory.test_search import add_program

from .conftest import DESKTOP, PHONE, Site

pytestmark = pytest.mark.browser

SEARCH = "/e/alpha/programs/?near=43215&free=1&stem_field=robotics"


def programs(site: Site) -> None:
    for i in range(6):
        add_program(
            site.world,
            f"Free Robotics Club {i}",
            at=(39.965 + i / 100, -82.99),
            terms=("stem_field/robotics",),
            description="Build and program robots with engineers from the neighbourhood. " * 3,
            cost_band=CostBand.FREE,
        )
    add_program(
        site.world,
        "Premier Robotics Academy",
        at=(39.97, -83.0),
        terms=("stem_field/robotics",),
        cost_band=CostBand.HIGH,
    )


def assert_in_first_screen(page: Page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    assert box["y"] + box["height"] <= viewport["height"], (selector, box, viewport)


def test_on_a_desktop_the_results_and_map_fill_the_first_screen(site: Site) -> None:
    programs(site)
    page = site.new_page(viewport=DESKTOP)
    page.goto(SEARCH)
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Free Robotics Club 0")).to_be_visible()
    assert_in_first_screen(page, "#results .program-list article h2")
    # The filters sit open beside the results, never above them.
    expect(page.get_by_label("Free", exact=True)).to_be_visible()
    filters = page.locator("details.finder-filters").bounding_box()
    first = results.locator("article").first.bounding_box()
    assert filters is not None
    assert first is not None
    assert filters["x"] + filters["width"] <= first["x"]
    expect(page.get_by_role("region", name="Map of the programs found")).to_be_in_viewport()
    expect(
        page.get_by_role("button", name="List", exact=True)
    ).to_be_hidden()  # the switch is for phones


def test_on_a_phone_the_list_comes_first_and_a_switch_shows_the_map(site: Site) -> None:
    programs(site)
    page = site.new_page(viewport=PHONE)
    page.goto(SEARCH)
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Free Robotics Club 0")).to_be_visible()
    assert_in_first_screen(page, "#results .program-list article h2")
    expect(page.get_by_label("Free", exact=True)).to_be_hidden()  # the filters are folded
    show_list = page.get_by_role("button", name="List", exact=True)
    show_map = page.get_by_role("button", name="Map", exact=True)
    region = page.get_by_role("region", name="Map of the programs found")
    expect(show_list).to_have_attribute("aria-pressed", "true")
    expect(show_map).to_have_attribute("aria-pressed", "false")
    expect(region).to_be_hidden()

    show_map.click()
    expect(show_map).to_have_attribute("aria-pressed", "true")
    expect(region).to_be_in_viewport()
    expect(region.locator(".program-marker, .program-cluster").first).to_be_visible()
    expect(results.get_by_role("link", name="Free Robotics Club 0")).to_be_hidden()
    show_list.click()
    expect(region).to_be_hidden()
    expect(results.get_by_role("link", name="Free Robotics Club 0")).to_be_visible()


@pytest.mark.parametrize("java_script_enabled", [True, False], ids=["js", "no-js"])
def test_a_chip_removes_its_filter(site: Site, java_script_enabled: bool) -> None:
    programs(site)
    page = site.new_page(viewport=PHONE, java_script_enabled=java_script_enabled)
    page.goto(SEARCH)
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Premier Robotics Academy")).to_have_count(0)
    if not java_script_enabled:  # both views stay, in order: the list, then (no) map
        expect(page.get_by_role("button", name="Map", exact=True)).to_be_hidden()
    results.get_by_role("link", name="Remove filter: Free").click()
    expect(page).not_to_have_url(re.compile(r"free=1"))
    expect(page).to_have_url(re.compile(r"stem_field=robotics"))
    expect(results.get_by_role("link", name="Premier Robotics Academy")).to_be_visible()
    expect(results.get_by_role("link", name="Remove filter: Free")).to_have_count(0)
    results.get_by_role("link", name="Clear all filters").click()
    expect(page).to_have_url(re.compile(r"\?near=43215$"))


def test_a_program_page_can_be_called_and_shared_from_its_first_screen(site: Site) -> None:
    program = add_program(
        site.world,
        "Free Robotics Club",
        at=(39.965, -82.99),
        description="Build and program robots with engineers from the neighbourhood. " * 40,
        phone="(614) 555-0100",
        url="https://robots.example/join",
    )
    page = site.new_page(viewport=PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.add_init_script("delete Navigator.prototype.share")  # the copy-link way, everywhere
    page.goto(program.get_absolute_url())
    call = page.get_by_role("link", name="(614) 555-0100")
    expect(call).to_have_attribute("href", "tel:+16145550100")
    assert_in_first_screen(page, "a[href^='tel:']")
    expect(page.get_by_role("link", name="Directions", exact=True)).to_have_attribute(
        "href", "https://www.openstreetmap.org/directions?to=39.965%2C-82.99"
    )
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.get_by_role("link", name="Share").click()
    expect(page.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.url
