"""Partner self-service in a browser: a partner creates a listing, backbone staff approve it, and
it goes public. Every new page is audited with axe on the way (desktop and phone)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ecotone.directory.models import ChangeStatus, ListingChange, Location, Program

from .conftest import PHONE, Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser


def test_a_partner_creates_a_listing_and_backbone_staff_approve_it(site: Site) -> None:
    Location.objects.create(
        ecosystem=site.world.alpha,
        organization=site.world.org_a,
        name="Riverton hall",
        city="Riverton",
        postal_code="43215",
        latitude=39.97,
        longitude=-83.0,
    )
    page = site.new_page()
    site.sign_in(page, "partner_a")
    auditor = Auditor(page)
    page.goto("/e/alpha/")
    with page.expect_navigation():
        page.get_by_role("link", name="Our programs").click()
    auditor.audit("our programs")
    page.get_by_role("button", name="New listing").click()
    auditor.audit("new listing form")

    # The form comes in steps, each checked before the next.
    page.fill("#id_name", "Girls Who Solder")
    page.fill("#id_description", "Build and solder your own synthesizer.")
    page.get_by_label("Making and fabrication").check()
    page.get_by_role("button", name="Next: Who it is for").click()
    page.get_by_label("6–8").check()
    page.get_by_label("Spanish").check()
    page.fill("#id_minimum_age", "5")
    page.fill("#id_maximum_age", "8")  # contradicts grades 6-8
    page.get_by_role("button", name="Next: When and where").click()
    expect(page.locator("#id_maximum_age_error")).to_contain_text("do not fit grades")
    expect(page.locator(".error-summary")).to_contain_text("do not fit grades")
    auditor.audit("listing form with errors")
    page.fill("#id_minimum_age", "11")
    page.fill("#id_maximum_age", "14")
    page.get_by_role("button", name="Next: When and where").click()
    page.get_by_label("Riverton hall, Riverton").check()
    schedule = page.locator("fieldset.schedule").first
    schedule.get_by_label("Tuesday").check()
    schedule.get_by_label("Starts at").fill("15:30")
    schedule.get_by_label("Ends at").fill("17:00")
    page.get_by_role("button", name="Next: Cost and contact").click()
    auditor.audit("listing form, last step")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Your listing was sent for review")).to_be_visible()
    auditor.audit("change page (partner)")
    assert not Program.objects.exists()

    # Backbone staff, in their own browser, review it from the queue.
    staff_page = site.new_page(viewport=PHONE)
    site.sign_in(staff_page, "staff")
    staff_auditor = Auditor(staff_page)
    staff_page.goto("/e/alpha/")
    staff_page.get_by_role("button", name="Menu").click()  # folded on a phone
    with staff_page.expect_navigation():
        staff_page.get_by_role("link", name="Moderation").click()
    staff_auditor.audit("moderation queue")
    staff_page.get_by_role("link", name="Girls Who Solder").click()
    expect(staff_page.locator("table.listing-diff")).to_contain_text("Making and fabrication")
    staff_auditor.audit("change page (backbone)")
    staff_page.get_by_role("button", name="Approve…").click()
    staff_auditor.audit("approve confirmation")
    staff_page.get_by_label("Note to the partner (optional)").fill("Lovely, welcome!")
    staff_page.get_by_role("button", name="Approve", exact=True).click()
    expect(staff_page.get_by_text("Girls Who Solder is now public.")).to_be_visible()
    staff_page.goto("/e/alpha/listings/moderation/?stale=1")
    staff_auditor.audit("stale listings")

    assert ListingChange.objects.get().status == ChangeStatus.APPROVED
    public = site.new_page()
    public.goto("/e/alpha/programs/?q=solder")
    public.get_by_role("link", name="Girls Who Solder").first.click()
    expect(public.get_by_role("heading", name="Girls Who Solder")).to_be_visible()
    expect(public.get_by_text("Riverton hall", exact=True)).to_be_visible()
    expect(public.get_by_role("link", name="Directions to Riverton hall")).to_be_visible()

    auditor.assert_clean()
    staff_auditor.assert_clean()


def test_the_location_form_and_the_archive_page_are_accessible(site: Site) -> None:
    from tests.directory.test_search import add_program

    program = add_program(site.world, "Robot Club", at=(39.97, -83.0))
    page = site.new_page(viewport=PHONE)
    site.sign_in(page, "partner_a")
    auditor = Auditor(page)
    page.goto(f"/e/alpha/listings/for/{site.world.org_a.slug}/locations/new/")
    auditor.audit("location form")
    page.fill("#id_name", "Portland annex")
    page.fill("#id_postal_code", "04101")  # Maine: far outside the region
    page.get_by_role("button", name="Save").click()
    confirm = page.get_by_label("Yes, this location is outside our ecosystem's region")
    expect(confirm).to_be_visible()
    auditor.audit("location form asking for confirmation")
    confirm.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("its map pin is approximate")).to_be_visible()
    page.goto(f"/e/alpha/listings/programs/{program.slug}/edit/")
    auditor.audit("edit listing form (phone)")
    page.goto(f"/e/alpha/listings/programs/{program.slug}/archive/")
    auditor.audit("archive confirmation")
    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_role("link", name=re.compile("^Restore"))).to_be_visible()
    auditor.audit("our programs with an archived listing")
    auditor.assert_clean()


def test_the_listing_pages_in_spanish_are_accessible(site: Site) -> None:
    page = site.new_page(language="es")
    site.sign_in(page, "partner_a")
    auditor = Auditor(page)
    page.goto("/e/alpha/")
    with page.expect_navigation():
        page.get_by_role("link", name="Nuestros programas").click()
    auditor.audit("nuestros programas")
    page.get_by_role("button", name="Ficha nueva").click()
    expect(page.get_by_role("button", name="Siguiente: Para quién es")).to_be_visible()
    auditor.audit("ficha nueva")
    assert page.locator("html").get_attribute("lang") == "es"
    auditor.assert_clean()


def test_a_partner_saves_an_existing_listing_unchanged_then_with_one_change(site: Site) -> None:
    from tests.directory.test_listing_forms import existing_program

    program = existing_program(site.world)
    page = site.new_page()
    site.sign_in(page, "partner_a")
    page.goto(f"/e/alpha/listings/programs/{program.slug}/edit/")
    # The blank schedule and capacity blocks stay as the page shows them.
    expect(page.locator("fieldset.schedule")).to_have_count(2)
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Your listing was sent for review")).to_be_visible()
    change = ListingChange.objects.get(program=program)
    assert change.proposed["schedules"][0]["byday"] == "TU"
    assert change.proposed["capacities"][0]["available"] == 4

    page.goto(f"/e/alpha/listings/programs/{program.slug}/edit/")
    page.get_by_role("button", name="Cost and contact").click()
    page.fill("#id_phone", "555-0199")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Your listing was sent for review")).to_be_visible()
    change.refresh_from_db()
    assert change.proposed["fields"]["phone"] == "555-0199"
    assert change.proposed["schedules"][0]["byday"] == "TU"


def test_a_failed_submit_on_a_phone_starts_with_the_summary_that_leads_to_the_field(
    site: Site,
) -> None:
    page = site.new_page(viewport=PHONE)
    site.sign_in(page, "partner_a")
    page.goto(f"/e/alpha/listings/for/{site.world.org_a.slug}/new/")
    page.fill("#id_description", "Build robots.")  # but no name
    page.get_by_role("button", name="Next: Who it is for").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    box = summary.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]  # in the first screen
    summary.get_by_role("link", name=re.compile("^Name")).click()
    expect(page.locator("#id_name")).to_be_focused()
    expect(page.locator("label[for=id_name]")).to_be_in_viewport()
