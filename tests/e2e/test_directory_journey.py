"""A parent's search on a phone, in English and in Spanish: a free robotics club near a ZIP code,
found in the list and on the map, then its page.

The words on the page come from the catalogue of the language the visitor chose, so each step
looks for the label a Spanish- or English-speaking parent reads.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Locator, expect

from ecotone.directory.models import CostBand, Schedule
from tests.directory.test_search import add_program

from .conftest import PHONE, Site

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "what": "What",
        "near": "Near (ZIP code)",
        "within": "Within",
        "search": "Search",
        "filters": "Filters",
        "free": "Free",
        "robotics": "Robotics",
        "chosen": "2 chosen",
        "map": "Map of the programs found",
        "show_map": "Map",
        "found": "1 program within 10 miles of 43215",
        "essentials": "The essentials",
        "where": "Where",
        "verified": "Last verified on",
        "by": "by Alpha Robotics Collective",
        "back": "Programs",
    },
    "es": {
        "what": "Qué",
        "near": "Cerca de (código postal)",
        "within": "A menos de",
        "search": "Buscar",
        "filters": "Filtros",
        "free": "Gratis",
        "robotics": "Robótica",
        "chosen": "2 elegidos",
        "map": "Mapa de los programas encontrados",
        "show_map": "Mapa",
        "found": "1 programa a menos de 10 millas de 43215",
        "essentials": "Lo esencial",
        "where": "Dónde",
        "verified": "Verificado por última vez el",
        "by": "ofrecido por Alpha Robotics Collective",
        "back": "Programas",
    },
}


def neighbourhood(site: Site) -> None:
    """Downtown Columbus (ZIP 43215): the club the parent wants, and three that do not fit."""
    org = site.world.org_a
    org.name = "Alpha Robotics Collective"
    org.save()
    club = add_program(
        site.world,
        "Eastside Robotics Club",
        at=(39.965, -82.99),  # about a mile from the ZIP's center
        terms=("stem_field/robotics",),
        description="Build and program robots with engineers from the neighbourhood.",
        cost_band=CostBand.FREE,
        assured_date=datetime.date(2026, 10, 1),
    )
    Schedule.objects.create(
        program=club, freq="WEEKLY", byday="TU,TH", opens_at="15:30", closes_at="17:00"
    )
    add_program(  # robotics, near, but not free
        site.world,
        "Premier Robotics Academy",
        at=(39.97, -83.0),
        terms=("stem_field/robotics",),
        cost_band=CostBand.HIGH,
    )
    add_program(  # free, near, but not robotics
        site.world,
        "Pond Life Explorers",
        at=(39.96, -83.01),
        terms=("stem_field/environment",),
        description="Nature walks by the river.",
        cost_band=CostBand.FREE,
    )
    add_program(  # free robotics, but 60 miles away
        site.world,
        "Far Away Robot Builders",
        at=(40.8, -82.0),
        terms=("stem_field/robotics",),
        cost_band=CostBand.FREE,
    )


def open_popup(region: Locator, name: str) -> Locator:
    """Click a program's marker until its popup shows, and return the popup's link. The map
    fits itself to the results, and the marker layer redraws its icons when that zoom ends: on
    a loaded machine a click can land on an icon just being replaced, and no popup opens. A
    second click on an open popup's marker closes it, so click only while none shows."""
    link = region.get_by_role("link", name=name)
    for _attempt in range(4):
        if not link.is_visible():
            region.get_by_role("button", name=name).click()
        try:
            expect(link).to_be_visible(timeout=5_000)
            return link
        except AssertionError:
            continue
    expect(link).to_be_visible()
    return link


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_parent_finds_a_free_robotics_club_near_their_zip_code(site: Site, language: str) -> None:
    words = WORDS[language]
    neighbourhood(site)
    page = site.new_page(language=language, viewport=PHONE)
    page.goto("/e/alpha/programs/")
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.get_by_label(words["near"]).fill("43215")
    page.get_by_label(words["within"]).select_option("10")
    page.get_by_role("button", name=words["search"], exact=True).click()
    filters = page.locator("summary", has_text=words["filters"])
    expect(page.get_by_label(words["free"], exact=True)).to_be_hidden()  # folded on a phone
    filters.click()
    page.get_by_label(words["free"], exact=True).check()
    page.get_by_label(re.compile(rf"^\s*{words['robotics']}\b")).check()

    # The address says the whole search, so it can be shared.
    expect(page).to_have_url(re.compile(r"near=43215"))
    expect(page).to_have_url(re.compile(r"free=1"))
    expect(page).to_have_url(re.compile(r"stem_field=robotics"))
    page.reload()  # the shared address opens the same search, the filters folded and counted
    expect(filters).to_contain_text(words["chosen"])
    expect(page.get_by_label(words["free"], exact=True)).to_be_checked()
    results = page.locator("#results")
    expect(results.get_by_role("status")).to_contain_text(words["found"])
    club = results.get_by_role("link", name="Eastside Robotics Club")
    expect(club).to_be_visible()
    for other in ("Premier Robotics Academy", "Pond Life Explorers", "Far Away Robot Builders"):
        expect(results.get_by_role("link", name=other)).to_have_count(0)
    expect(results.locator("article").first).to_contain_text("mi")  # its distance

    page.get_by_role("button", name=words["show_map"], exact=True).click()  # the list came first
    region = page.get_by_role("region", name=words["map"])
    expect(region.locator(".program-marker")).to_have_count(1)
    open_popup(region, "Eastside Robotics Club").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Eastside Robotics Club")
    expect(page.get_by_text(words["by"])).to_be_visible()
    expect(page.get_by_role("heading", name=words["essentials"])).to_be_visible()
    expect(page.get_by_role("heading", name=words["where"])).to_be_visible()
    expect(page.get_by_text(words["verified"])).to_be_visible()
    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name=words["back"]
    ).click()
    expect(page).to_have_url(re.compile(r"/e/alpha/programs/$"))
