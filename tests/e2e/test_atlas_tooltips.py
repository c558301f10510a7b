"""An area's name from an import is shown in the atlas map's tooltip as text, never as HTML."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.atlas.test_views import FAR_HOLLOW, add_area
from tests.directory.test_search import RIVERTON, add_program

from .conftest import Site

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x class=injected onerror="document.title=1">School'


def test_map_tooltip_shows_an_area_name_as_text(site: Site) -> None:
    add_program(site.world, "Riverton Robotics", at=(RIVERTON[0] + 0.005, RIVERTON[1]))
    add_area(site.world, HOSTILE, FAR_HOLLOW, 300, code="hostile", low_income_share=0.8)
    page = site.new_page()
    site.sign_in(page, "member")
    page.goto("/e/alpha/atlas/")
    expect(page.locator("#atlas-map")).to_have_attribute("data-features", "1")

    # A mouseover on the point itself, not the pointer moved over where it is: the map may
    # still be settling (a pan) on a loaded machine, and the pointer then misses the point.
    page.locator(".overlay-point").first.dispatch_event("mouseover")
    # The program's marker nearby may show its own tooltip too while the map settles.
    tooltip = page.locator(".leaflet-tooltip").filter(has_text="onerror")
    expect(tooltip).to_have_text(HOSTILE)
    assert page.locator("#atlas-map img.injected").count() == 0
