"""A mentor's whole journey in a browser, as issue 5 tells it: sign-up -> screening -> proposal
-> acceptance -> logged hours. A newcomer creates an account (confirming their email from the
message they get) and fills in the mentor profile; backbone staff pass each screening step; a
partner posts an opportunity; staff run a matching round, read why it proposes the mentor and
publish it; the mentor (on a phone) and the partner accept; the partner records the agreement;
the mentor logs two hours and the partner approves them. Every new page is audited with axe.

Screenshots of the pages (desktop and phone) go to $MENTORING_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from ecotone.mentoring.models import HourLog, HourStatus, Match, MatchStatus, Mentor
from tests.mentoring.builders import make_program

from .conftest import DESKTOP, PHONE, Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("MENTORING_SCREENSHOTS", "")
EMAIL = "grace@mentor.test"
PASSWORD = "a-long-and-unguessable-passphrase"


def shoot(page: Page, name: str) -> None:
    """The whole page, in parts of at most 1,600 pixels (readable when viewed one by one)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    width, height = page.evaluate(
        "[document.documentElement.clientWidth, document.documentElement.scrollHeight]"
    )
    for part, top in enumerate(range(0, height, 1600), start=1):
        clip = {"x": 0, "y": top, "width": width, "height": min(1600, height - top)}
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{part}.png"), full_page=True, clip=clip)


def sign_up_and_fill_the_profile(site: Site) -> tuple[Page, Auditor]:
    page = site.new_page()
    auditor = Auditor(page)
    page.goto("/e/alpha/")
    page.get_by_role("link", name="Become a mentor").click()
    expect(page.get_by_role("heading", name="Screening steps")).to_be_visible()
    auditor.audit("join (anonymous)")
    shoot(page, "01-join-anonymous")
    page.get_by_role("button", name="Create an account").click()
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form[action^='/accounts/signup/'] button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")

    # The confirmation link from the email, as the newcomer would click it.
    (message,) = [m for m in mail.outbox if EMAIL in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert link is not None, message.body
    page.goto(link.group(0).replace("http://testserver", site.url))
    page.locator("form[action*='/accounts/confirm-email/'] button[type=submit]").click()
    # Confirmed and signed in, the newcomer is back where they started.
    page.wait_for_url("**/e/alpha/mentoring/join/")

    expect(page.get_by_role("heading", name="Become a STEM mentor")).to_be_visible()
    auditor.audit("profile form (sign-up)")
    shoot(page, "02-profile-form")
    page.get_by_label("Your name").fill("Grace Okafor")
    page.get_by_label("Occupation").fill("Mechanical engineer")
    page.get_by_label("Robotics").check()
    page.get_by_label("Engineering").check()
    page.get_by_label("6–8").check()
    page.get_by_label("In person").check()
    page.get_by_label("Virtually").check()
    page.get_by_label("Home ZIP code").fill("43215")
    page.get_by_label("How far I can travel (miles)").fill("15")
    # Tuesday is the second row of the week.
    page.fill("#id_window-1-start", "15:00")
    page.fill("#id_window-1-end", "18:00")
    page.get_by_label("I agree to the mentor agreement and code of conduct").check()
    page.get_by_label("I agree to a background check before working with young people").check()
    page.get_by_role("button", name="Sign up as a mentor").click()

    expect(page.get_by_role("heading", name="My mentor profile")).to_be_visible()
    expect(page.get_by_text("Your next steps: Application, Code of conduct")).to_be_visible()
    auditor.audit("my mentor profile")
    shoot(page, "03-mentor-profile")
    return page, auditor


def test_a_mentor_signs_up_is_screened_matched_and_logs_hours(site: Site) -> None:
    world = site.world
    program = make_program(world.org_a, "Girls Who Build")

    mentor_page, mentor_auditor = sign_up_and_fill_the_profile(site)
    mentor = Mentor.objects.get(user__email=EMAIL)
    assert mentor.latitude is not None  # from the ZIP code's centre
    assert mentor.availability == [[1, 15 * 60, 18 * 60]]

    # Backbone staff pass every screening step.
    staff = site.new_page()
    site.sign_in(staff, "staff")
    staff_auditor = Auditor(staff)
    staff.goto("/e/alpha/mentoring/")
    staff_auditor.audit("mentoring home (staff)")
    shoot(staff, "04-home-staff")
    staff.get_by_role("link", name="Mentors", exact=True).click()
    staff.get_by_role("link", name="Grace Okafor").click()
    expect(staff.get_by_text("Not started").first).to_be_visible()
    staff_auditor.audit("mentor page (staff)")
    shoot(staff, "05-mentor-detail-staff")
    # On a phone too, with a step's form open.
    staff.set_viewport_size(PHONE)
    staff.get_by_text("Update Mentor training").click()
    staff_auditor.audit("mentor page (staff, phone)")
    shoot(staff, "05-mentor-detail-staff-phone")
    staff.reload()
    staff.set_viewport_size(DESKTOP)
    for step in (
        "Application",
        "Code of conduct",
        "Interview",
        "Two references",
        "Background check",
        "Mentor training",
    ):
        row = staff.get_by_role("row").filter(has=staff.get_by_role("rowheader", name=step))
        row.get_by_text(f"Update {step}").click()
        row.get_by_label("Status").select_option("passed")
        if step == "Mentor training":
            row.get_by_label("Hours").fill("2")
        row.get_by_role("button", name="Save").click()
        expect(staff.get_by_text(f"{step} is updated.")).to_be_visible()
    expect(staff.get_by_text("Cleared for all work with youth")).to_be_visible()
    shoot(staff, "06-mentor-detail-screened")
    staff_auditor.audit("mentor page, screened")

    # The partner posts an opportunity for their program.
    partner = site.new_page()
    site.sign_in(partner, "partner_a")
    partner_auditor = Auditor(partner)
    partner.goto("/e/alpha/mentoring/opportunities/")
    partner_auditor.audit("opportunities (partner)")
    partner.goto("/e/alpha/mentoring/")
    with partner.expect_navigation():
        partner.get_by_role("link", name="Post an opportunity").click()
    partner_auditor.audit("post an opportunity")
    shoot(partner, "07-opportunity-form")
    partner.get_by_role("combobox", name="Program", exact=True).select_option(label=program.name)
    partner.get_by_role("textbox", name="Title", exact=True).fill("Robotics club mentor")
    partner.get_by_label("Description").fill("Help a middle-school team build for the league.")
    partner.get_by_role("combobox", name="Kind", exact=True).select_option("relationship")
    partner.get_by_role("combobox", name="Mode", exact=True).select_option("in_person")
    partner.get_by_label("Robotics").check()
    partner.get_by_label("6–8").check()
    partner.get_by_label("Tuesday from").fill("15:30")
    partner.get_by_label("Tuesday until").fill("17:00")
    partner.get_by_role("button", name="Post").click()
    expect(partner.get_by_text("The opportunity was posted.")).to_be_visible()
    partner_auditor.audit("opportunity page (partner)")
    shoot(partner, "08-opportunity-detail")

    # The mentor finds it among the opportunities ranked for them.
    mentor_page.goto("/e/alpha/mentoring/opportunities/")
    expect(mentor_page.get_by_role("link", name="Robotics club mentor")).to_be_visible()
    mentor_auditor.audit("opportunities for you (mentor)")
    shoot(mentor_page, "09-opportunities-mentor")
    with mentor_page.expect_navigation():
        mentor_page.get_by_role("link", name="Robotics club mentor").click()
    mentor_auditor.audit("opportunity page (mentor)")
    shoot(mentor_page, "09-opportunity-detail-mentor")

    # Staff run a matching round, read why, publish.
    staff.goto("/e/alpha/mentoring/opportunities/")
    staff_auditor.audit("opportunities (staff)")
    shoot(staff, "10-opportunities-staff")
    staff.goto("/e/alpha/mentoring/")
    with staff.expect_navigation():
        staff.get_by_role("link", name="Matching rounds").click()
    staff_auditor.audit("matching rounds")
    staff.get_by_label("Name").first.fill("Autumn round")
    staff.get_by_role("button", name="Start the round").click()
    expect(staff.get_by_role("heading", name="Matching round “Autumn round”")).to_be_visible()
    proposal = staff.get_by_role("row").filter(has_text="Grace Okafor")
    expect(proposal).to_contain_text("topics fit")
    staff_auditor.audit("round review")
    shoot(staff, "10-round-review")
    staff.set_viewport_size(PHONE)
    staff_auditor.audit("round review (phone)")
    shoot(staff, "10-round-review-phone")
    staff.set_viewport_size(DESKTOP)
    staff.get_by_role("button", name="Publish every proposal…").click()
    staff_auditor.audit("publish confirmation")
    staff.get_by_role("button", name="Publish", exact=True).click()
    match = Match.objects.get(mentor=mentor)
    assert match.status == MatchStatus.OFFERED

    # The mentor, on a phone in a new browser, sees the offer and accepts.
    phone = site.new_page(viewport=PHONE)
    phone_auditor = Auditor(phone)
    phone.goto("/accounts/login/")
    phone.fill("input[name=login]", EMAIL)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form[action='/accounts/login/'] button[type=submit]")
    phone.wait_for_url(lambda url: "/accounts/login/" not in url)
    phone.goto("/e/alpha/mentoring/")
    phone_auditor.audit("mentoring home (mentor, phone)")
    shoot(phone, "11-home-mentor-phone")
    with phone.expect_navigation():
        phone.get_by_role("link", name=re.compile("Robotics club mentor")).first.click()
    phone_auditor.audit("match page, offered (mentor, phone)")
    shoot(phone, "12-match-offered-phone")
    phone.get_by_role("button", name="Accept as the mentor").click()
    expect(phone.get_by_text("The mentor has accepted.")).to_be_visible()

    # The partner accepts and records the agreement: the match is active.
    partner.goto("/e/alpha/mentoring/")
    partner_auditor.audit("mentoring home (partner)")
    shoot(partner, "13-home-partner")
    # Programs see the mentor's name; the email address only once they are matched.
    expect(partner.get_by_text("Grace Okafor — Robotics club mentor")).to_be_visible()
    expect(partner.get_by_text(EMAIL)).to_have_count(0)
    partner.get_by_role("link", name="Grace Okafor — Robotics club mentor").click()
    partner.get_by_role("button", name="Accept for the program").click()
    partner.get_by_label("How often they meet").select_option("weekly")
    partner.get_by_label("For how many weeks").fill("12")
    partner.get_by_label("Starting on").fill(timezone.localdate().isoformat())
    partner.get_by_role("button", name="Record the agreement and start").click()
    expect(partner.locator("hgroup .tag")).to_have_text("Active")
    partner_auditor.audit("match page, active (partner)")
    match.refresh_from_db()
    assert match.status == MatchStatus.ACTIVE

    # The mentor logs two hours; the partner approves them.
    phone.reload()
    phone.get_by_role("spinbutton", name="Hours").fill("2")
    phone.get_by_label("What you did").fill("First build session")
    phone.get_by_role("button", name="Log hours").click()
    expect(phone.get_by_text("2 hours given: 0 approved, 2 awaiting approval.")).to_be_visible()
    phone_auditor.audit("match page, active (mentor, phone)")
    shoot(phone, "14-match-active-phone")

    partner.goto("/e/alpha/mentoring/")
    with partner.expect_navigation():
        partner.get_by_role("link", name="Review hours").click()
    partner_auditor.audit("hours review")
    shoot(partner, "15-hours-review")
    partner.get_by_role("checkbox", name=re.compile("hours on")).check()
    partner.get_by_role("button", name="Approve", exact=True).click()
    expect(partner.get_by_text("1 log of hours approved.")).to_be_visible()
    partner.goto(f"/e/alpha/mentoring/matches/{match.pk}/")
    expect(partner.get_by_text("2 hours given: 2 approved, 0 awaiting approval.")).to_be_visible()
    shoot(partner, "16-match-active-partner")
    log = HourLog.objects.get(match=match)
    assert (log.status, log.hours) == (HourStatus.APPROVED, 2)

    # What each side has now: the mentor's browse and home, the staff dashboard.
    phone.goto("/e/alpha/mentoring/opportunities/")
    phone_auditor.audit("opportunities (mentor, phone)")
    shoot(phone, "17-opportunities-mentor-phone")
    mentor_page.goto("/e/alpha/mentoring/")
    shoot(mentor_page, "19-home-mentor")
    staff.goto("/e/alpha/mentoring/dashboard/")
    staff_auditor.audit("mentoring dashboard")
    shoot(staff, "20-dashboard")
    staff.goto("/e/alpha/mentoring/")
    shoot(staff, "21-home-staff-after")
    staff.goto("/e/alpha/mentoring/mentors/")
    staff_auditor.audit("mentors (staff)")
    shoot(staff, "22-mentors-staff")
    staff.get_by_role("link", name="Grace Okafor").click()
    expect(staff.get_by_text("Hours: 2 approved, 0 awaiting approval.")).to_be_visible()
    shoot(staff, "23-mentor-detail-matched")
    partner.goto("/e/alpha/mentoring/matches/")
    partner_auditor.audit("matches (partner)")
    shoot(partner, "24-matches-partner")
    phone.goto("/e/alpha/mentoring/matches/")
    phone_auditor.audit("my matches (mentor, phone)")
    shoot(phone, "25-matches-mentor-phone")

    for auditor in (mentor_auditor, staff_auditor, partner_auditor, phone_auditor):
        auditor.assert_clean()
