"""Meetings through the pages (issue 19, "Done when": registers for a meeting, is checked in,
receives the recording).

A member opens a published meeting's page: no video link; registers, and the page shows it.
The backbone checks them in on a phone-sized screen (search by name, one tap), then keeps the
recording's link with the event and sends "recording and slides" to the attendees (after the
confirmation of the form); the attendee receives it through a real SMTP server (tests/smtp.py),
with the follow-up survey's link. Every page met is audited with axe
(tests/e2e/test_accessibility.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ecotone.network.services import roll
from tests.network.builders import make_member
from tests.network.builders_gatherings import make_event

from .conftest import PHONE, Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

VIDEO = "https://video.example.org/winter-room"
RECORDING = "https://video.example.org/recordings/winter"
SURVEY = "https://survey.example.org/winter"


def test_a_member_registers_is_checked_in_and_receives_the_recording(site: Site, smtp: Any) -> None:
    world = site.world
    member_user = world.users["member"]
    assert member_user is not None
    member = make_member(world.alpha, member_user.email, name="Carmen Abara")
    roll.activate(member, member_user)
    event = make_event(
        world.alpha,
        "Winter network meeting",
        in_days=0.05,
        video_link=VIDEO,
        capacity=50,
        follow_up_url=SURVEY,
    )
    url = f"/e/alpha/network/events/{event.pk}/"

    # the member registers and only then sees the video link
    page = site.new_page()
    site.sign_in(page, "member")
    auditor = Auditor(page)
    auditor.visit(url)
    expect(page.get_by_test_id("video-link")).to_have_count(0)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered.").first).to_be_visible()
    expect(page.get_by_test_id("video-link")).to_have_attribute("href", VIDEO)
    auditor.audit("event page, registered")

    # the backbone checks them in on a phone
    phone = site.new_page(viewport=PHONE)
    site.sign_in(phone, "staff")
    staff_auditor = Auditor(phone)
    staff_auditor.visit(f"{url}check-in/")
    phone.get_by_label("Name").fill("Carmen")
    phone.get_by_role("button", name="Search").click()
    phone.get_by_role("button", name="Carmen Abara — tap to check in").click()
    expect(
        phone.get_by_role("button", name="Carmen Abara — checked in (tap to undo)")
    ).to_be_visible()
    expect(phone.get_by_text("1 of 1 checked in")).to_be_visible()
    staff_auditor.audit("check-in on a phone, checked in")

    # after the event: the recording, sent to the attendees
    desk = site.new_page()
    site.sign_in(desk, "staff")
    desk_auditor = Auditor(desk)
    desk_auditor.visit(f"{url}archive/")
    desk.get_by_label("Recording link").fill(RECORDING)
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_text("Saved with the event.")).to_be_visible()
    desk.get_by_role("button", name="Send the recording and slides").click()
    expect(desk.get_by_text("Recording and slides sent to 1 people.")).to_be_visible()
    desk_auditor.audit("recording sent")

    mails = {m.message["Subject"]: m for m in smtp.to(member_user.email)}
    assert "You are registered: Winter network meeting" in mails
    recording = mails["Recording and slides: Winter network meeting"]
    assert RECORDING in recording.text()
    assert SURVEY in recording.text()
    auditor.assert_clean()
    staff_auditor.assert_clean()
    desk_auditor.assert_clean()
