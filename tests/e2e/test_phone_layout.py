"""A phone's layout (issue 14, item 15): at 390 px the header's links fold behind a Menu button,
a table people act on shows each row as a card whose cells name their column, and a notice that
wraps keeps its lines in one box; at desktop width the same markup is a table and a row of
links. (No page scrolling sideways on a phone is the accessibility suite's check.)"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from ecotone.mentoring.services import hours
from tests.conftest import make_user
from tests.mentoring.builders import make_opportunity, make_program
from tests.mentoring.life_builders import active, cleared_mentor

from .conftest import DESKTOP, PHONE, Site

pytestmark = pytest.mark.browser

SECTIONS = "Alpha Valley STEM Alliance sections"


def hours_to_approve(site: Site) -> None:
    """The mentor persona's two hours on a match of org_a's program, awaiting partner_a."""
    world = site.world
    mentor = cleared_mentor(world)
    match = active(world, mentor, make_opportunity(make_program(world.org_a)), started_days_ago=7)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    hours.log_hours(match, mentor.user, date=yesterday, hours=2, activity="Robot build night")


def label_of(cell: Locator) -> str:
    """What the cell's ::before shows: its data-label on a phone, "none" elsewhere."""
    return str(cell.evaluate("cell => getComputedStyle(cell, '::before').content"))


def shows_as(page: Page, selector: str) -> str:
    return str(page.locator(selector).first.evaluate("node => getComputedStyle(node).display"))


def test_on_a_phone_the_menu_folds_behind_a_button_that_opens_it(site: Site) -> None:
    page = site.new_page(viewport=PHONE)
    site.sign_in(page, "staff")
    page.goto("/e/alpha/")
    sections = page.get_by_role("navigation", name=SECTIONS)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sections).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    # The skip link still comes first.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sections.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sections.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    members = page.get_by_role("navigation", name=SECTIONS).get_by_role("link", name="Members")
    expect(members).to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    # Without JavaScript there is no button, and every link shows.
    plain = site.new_page(viewport=PHONE, java_script_enabled=False)
    site.sign_in(plain, "staff")
    plain.goto("/e/alpha/")
    expect(plain.get_by_role("button", name="Menu")).to_have_count(0)
    expect(
        plain.get_by_role("navigation", name=SECTIONS).get_by_role("link", name="Members")
    ).to_be_visible()
    expect(plain.get_by_role("button", name="Sign out")).to_be_visible()


def test_on_a_phone_a_table_to_act_on_shows_each_row_as_a_labelled_card(site: Site) -> None:
    hours_to_approve(site)
    page = site.new_page(viewport=PHONE)
    site.sign_in(page, "partner_a")
    page.goto("/e/alpha/mentoring/hours/")
    row = page.locator("table.cards-on-phone tbody tr").first
    expect(row).to_contain_text("Robot build night")
    assert shows_as(page, "table.cards-on-phone tbody tr") == "flex"
    assert label_of(row.locator("td", has_text="Robot build night")) == '"Activity"'
    assert label_of(row.locator("td[data-label=Hours]")) == '"Hours"'
    # The column headers leave the screen (not the page: they still name the cells)...
    header = page.locator("table.cards-on-phone thead th", has_text="Activity")
    box = header.bounding_box()
    assert box is not None
    assert box["width"] <= 1
    # ... but the box that chooses every row stays in reach, and works.
    page.get_by_label("Choose every log on this page").check()
    expect(row.get_by_role("checkbox")).to_be_checked()
    # The cards fit the screen: nothing scrolls sideways, neither the page nor the table's box.
    widths = page.evaluate(
        "[...document.querySelectorAll('html, .overflow-auto')]"
        ".map(node => node.scrollWidth - node.clientWidth)"
    )
    assert max(widths) <= 0, widths


def test_on_a_desktop_the_table_and_the_menu_stay_as_they_are(site: Site) -> None:
    hours_to_approve(site)
    page = site.new_page(viewport=DESKTOP)
    site.sign_in(page, "partner_a")
    page.goto("/e/alpha/mentoring/hours/")
    assert shows_as(page, "table.cards-on-phone") == "table"
    assert shows_as(page, "table.cards-on-phone tbody tr") == "table-row"
    expect(page.get_by_role("columnheader", name="Activity")).to_be_visible()
    cell = page.get_by_role("cell", name="Robot build night")
    assert label_of(cell) == "none"
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name=SECTIONS).get_by_role("link", name="Mentoring")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_on_a_phone_a_notice_that_wraps_keeps_its_lines_in_one_box(site: Site) -> None:
    """A notice written as a span in a paragraph: as an inline box its padding and background
    were drawn around each line, over the lines above and below."""
    site.world.users["newcomer"] = make_user("newcomer@example.org")
    page = site.new_page(viewport=PHONE)
    site.sign_in(page, "newcomer")
    page.goto("/")
    notice = page.locator("span.message", has_text="You do not hold a role")
    height, line = notice.evaluate(
        "node => [node.getBoundingClientRect().height,"
        " parseFloat(getComputedStyle(node).lineHeight)]"
    )
    assert height > 2 * line  # it wraps on a phone
    assert notice.evaluate("node => node.getClientRects().length") == 1
