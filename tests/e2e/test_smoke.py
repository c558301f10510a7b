"""Smoke tests in a real browser: every role signs in through the real forms and lands where it
works, seeing the navigation its role allows; an anonymous visitor browses the public pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import Site

pytestmark = pytest.mark.browser

ECOSYSTEM_SECTIONS = (
    "Overview",
    "Programs",
    "Partners",
    "Members",
    "Invitations",
    "Audit log",
    "Settings",
)
PARTNER_VIEW = {"Overview", "Programs", "Partners"}

# persona -> (landing path, the sections of alpha's navigation it sees)
LANDINGS = {
    "admin": ("/e/alpha/", set(ECOSYSTEM_SECTIONS)),
    "staff": ("/e/alpha/", PARTNER_VIEW | {"Members", "Invitations"}),
    "partner_a": ("/e/alpha/", PARTNER_VIEW),
    "partner_b": ("/e/alpha/", PARTNER_VIEW),
    "mentor": ("/e/alpha/", PARTNER_VIEW),
    "reviewer": ("/e/alpha/", PARTNER_VIEW),
    "member": ("/e/alpha/", PARTNER_VIEW),
    "outsider": ("/e/beta/", PARTNER_VIEW),
}


def sections_nav(page: Page) -> Locator:
    return page.locator("nav.ecosystem-nav")


@pytest.mark.parametrize("persona", sorted(LANDINGS))
def test_each_role_signs_in_and_sees_its_navigation(site: Site, persona: str) -> None:
    page = site.new_page()
    site.sign_in_with_form(page, persona)

    path, allowed = LANDINGS[persona]
    expect(page).to_have_url(f"{site.url}{path}")
    nav = sections_nav(page)
    for section in ECOSYSTEM_SECTIONS:
        link = nav.get_by_role("link", name=section, exact=True)
        expect(link).to_have_count(1 if section in allowed else 0)
    expect(nav.get_by_role("link", name="Overview", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    name = site.world.users[persona].get_short_name()  # type: ignore[union-attr]
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_network_operator_lands_on_the_home_page_with_the_network(site: Site) -> None:
    page = site.new_page()
    site.sign_in_with_form(page, "operator")

    expect(page).to_have_url(f"{site.url}/")
    network = page.get_by_role("navigation", name="Site").get_by_role(
        "link", name="State STEM Network"
    )
    expect(network).to_be_visible()
    network.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("State STEM Network")
    # The figures table and the people-by-role table each have a row per ecosystem.
    rows = page.get_by_role("row", name=re.compile("Alpha Valley STEM Alliance"))
    expect(rows).to_have_count(2)
    expect(rows.first).to_be_visible()


def test_wrong_password_keeps_the_person_on_the_sign_in_form(site: Site) -> None:
    page = site.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "member@alpha.test")
    page.fill("input[name=password]", "not-the-password")
    page.click("form[action='/accounts/login/'] button[type=submit]")

    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(0)


def test_anonymous_visitor_browses_from_home_to_a_partner(site: Site) -> None:
    page = site.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("STEM learning ecosystems")
    expect(sections_nav(page)).to_have_count(0)

    page.get_by_role("link", name="Alpha Valley STEM Alliance").click()
    expect(page).to_have_url(f"{site.url}/e/alpha/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Valley STEM Alliance")
    expect(sections_nav(page).get_by_role("link", name="Members")).to_have_count(0)

    sections_nav(page).get_by_role("link", name="Partners", exact=True).click()
    expect(page).to_have_url(f"{site.url}/e/alpha/partners/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partners")
    expect(page.get_by_role("link", name="Eastside Library")).to_be_visible()

    page.get_by_role("link", name="Robotics For All").click()
    expect(page).to_have_url(f"{site.url}{site.world.org_a.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Robotics For All")
    expect(page.get_by_text("Riverton")).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)


def test_partner_list_follows_the_search_as_people_type(site: Site) -> None:
    page = site.new_page()
    page.goto("/e/alpha/partners/")
    expect(page.get_by_role("link", name="Robotics For All")).to_be_visible()
    page.get_by_label("Search").fill("library")  # no submit: htmx fetches the results
    expect(page.get_by_role("link", name="Robotics For All")).to_have_count(0)
    expect(page.get_by_role("link", name="Eastside Library")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/e/alpha/partners/\?q=library"))  # shareable


def test_visitor_switches_the_site_to_spanish_and_back(site: Site) -> None:
    page = site.new_page()
    page.goto("/e/alpha/partners/")
    page.get_by_role("button", name="Español").click()

    expect(page).to_have_url(f"{site.url}/e/alpha/partners/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(sections_nav(page).get_by_role("link", name="Socios", exact=True)).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(sections_nav(page).get_by_role("link", name="Partners", exact=True)).to_be_visible()
