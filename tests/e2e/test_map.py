"""The directory map in a real browser: markers beside the list, following the search, reachable
from the keyboard, and the list still whole when the tile server cannot be reached."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.directory.test_search import add_program

from .conftest import PHONE, TILE_REQUESTS, Site

pytestmark = pytest.mark.browser

TILES_FAILED = "Map tiles could not load; the list has every program."


def two_programs(site: Site) -> None:
    add_program(site.world, "Robotics Club", at=(39.97, -83.0))
    add_program(site.world, "Paid Rocketry", at=(40.4, -82.6), cost_band="high")


def test_the_map_shows_the_programs_and_follows_the_search(site: Site) -> None:
    two_programs(site)
    page = site.new_page()
    page.goto("/e/alpha/programs/")

    region = page.get_by_role("region", name="Map of the programs found")
    expect(region).to_be_visible()
    expect(region.locator(".program-marker.leaflet-marker-icon")).to_have_count(2)
    expect(page.get_by_text(TILES_FAILED)).to_be_hidden()  # the (stand-in) tiles loaded

    page.get_by_label("Free").check()  # htmx swaps the list; the map follows it
    expect(page).to_have_url(re.compile(r"free=1"))
    expect(page.get_by_role("link", name="Paid Rocketry")).to_have_count(0)
    expect(region.locator(".program-marker")).to_have_count(1)
    page.go_back()  # htmx restores its snapshot of the page; the map is drawn again
    expect(page.get_by_role("link", name="Paid Rocketry")).to_be_visible()
    expect(region.locator(".program-marker")).to_have_count(2)
    expect(region.locator(".leaflet-control-zoom")).to_have_count(1)

    marker = region.get_by_role("button", name="Robotics Club")
    marker.focus()
    page.keyboard.press("Enter")  # a marker opens its popup from the keyboard too
    link = region.get_by_role("link", name="Robotics Club")
    expect(link).to_be_focused()
    page.keyboard.press("Escape")
    expect(link).to_have_count(0)
    expect(marker).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # follows the focused link
    expect(page.get_by_role("heading", level=1)).to_have_text("Robotics Club")


def test_the_list_stays_whole_when_the_tile_server_is_unreachable(site: Site) -> None:
    two_programs(site)
    page = site.new_page(viewport=PHONE)
    page.route(TILE_REQUESTS, lambda route: route.abort("internetdisconnected"))
    page.goto("/e/alpha/programs/")

    # On a phone the list comes first; the map is one tap away.
    expect(page.get_by_role("link", name="Robotics Club")).to_be_visible()
    expect(page.get_by_role("link", name="Paid Rocketry")).to_be_visible()
    page.get_by_role("button", name="Map", exact=True).click()
    expect(page.get_by_text(TILES_FAILED)).to_be_visible()
    region = page.get_by_role("region", name="Map of the programs found")
    expect(region.locator(".program-marker")).to_have_count(2)  # markers without a background
    page.get_by_role("button", name="List", exact=True).click()
    expect(page.get_by_role("link", name="Robotics Club")).to_be_visible()


def test_without_javascript_the_page_is_the_list_alone(site: Site) -> None:
    two_programs(site)
    page = site.new_page(java_script_enabled=False)
    page.goto("/e/alpha/programs/")
    expect(page.get_by_role("region", name="Map of the programs found")).to_be_hidden()
    expect(page.get_by_role("link", name="Robotics Club")).to_be_visible()
