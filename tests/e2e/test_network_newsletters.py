"""A newsletter through the pages (issue 19, "Done when": a member receives a newsletter through
the test SMTP server and unsubscribes with one click).

The backbone composes a newsletter (a section, an item in both languages), previews it in
Spanish, looks at its audience, sends a test to itself, confirms the send (the task runs at
once in tests, like other apps'), and reads the progress. The Spanish-speaking member receives
it through a real SMTP server (tests/smtp.py) in Spanish and unsubscribes from the mail's link
with the page's one button; their consent is withdrawn, they stay on the roll. A member suggests
an item; the archive shows the newsletter. Every page met is audited with axe.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ecotone.network.models import Member, Newsletter, NewsletterStatus
from ecotone.network.services import roll
from tests.network.builders import make_member

from .conftest import Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

MANAGE = "/e/alpha/network/newsletters/manage"
UNSUBSCRIBE = re.compile(r"https?://[^\s/]+(/e/alpha/network/unsubscribe/[\w-]+/)")


def test_the_backbone_sends_a_newsletter_and_a_member_unsubscribes(site: Site, smtp: Any) -> None:
    world = site.world
    reader = make_member(world.alpha, "lucia@example.org", email_consent=True, language="es")
    member_user = world.users["member"]
    assert member_user is not None
    roll.activate(make_member(world.alpha, member_user.email, email_consent=False), member_user)

    staff = site.new_page()
    site.sign_in(staff, "staff")
    auditor = Auditor(staff)
    auditor.visit(f"{MANAGE}/")
    staff.get_by_role("button", name="New newsletter").first.click()
    staff.locator("#id_subject").fill("Spring news")
    staff.get_by_label("Subject (Spanish)").fill("Noticias de primavera")
    staff.locator("#id_intro").fill("What the network did this spring.")
    auditor.audit("new newsletter")
    staff.get_by_role("button", name="Create").click()
    expect(staff.get_by_role("heading", name="Spring news", level=1)).to_be_visible()
    staff.locator("#id_section-title").fill("Events")
    staff.get_by_label("Section title (Spanish)").fill("Eventos")
    staff.get_by_role("button", name="Add the section").click()
    staff.get_by_text("Write news or a resource").click()
    staff.locator("#id_item-title").fill("Robotics fair")
    staff.locator("#id_item-title_es").fill("Feria de robótica")
    staff.locator("#id_item-link").fill("https://example.org/fair")
    staff.get_by_role("button", name="Add the item").first.click()
    expect(staff.get_by_text("Robotics fair")).to_be_visible()
    auditor.audit("compose page")

    staff.get_by_role("link", name="in Spanish").click()
    expect(staff.get_by_role("heading", name="Feria de robótica")).to_be_visible()
    auditor.audit("preview in Spanish")
    staff.get_by_role("link", name="Back to the newsletter").click()
    staff.get_by_role("link", name="Choose the audience").click()
    expect(staff.get_by_role("status")).to_contain_text("1 recipient")
    auditor.audit("audience")
    staff.get_by_role("link", name="Back to the newsletter").click()

    staff.get_by_role("button", name="Send a test to myself").click()
    (test_mail,) = smtp.to("staff@alpha.test")
    assert test_mail.message["Subject"] == "[Test] Spring news"

    staff.get_by_role("button", name="Send…").click()
    expect(staff.get_by_text("will be sent to 1 member")).to_be_visible()
    auditor.audit("send confirmation")
    staff.get_by_role("button", name="Send to 1 member").click()
    expect(staff.get_by_text("Sent 1 of 1").first).to_be_visible()
    auditor.audit("newsletter sent")
    newsletter = Newsletter.objects.get(subject="Spring news")
    assert newsletter.status == NewsletterStatus.SENT
    auditor.visit(f"{MANAGE}/engagement/")
    auditor.visit(f"{MANAGE}/suggestions/")

    # The member: the mail in Spanish, then one click on its unsubscribe link's button.
    (mail,) = smtp.to("lucia@example.org")
    assert mail.message["Subject"] == "Noticias de primavera"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Feria de robótica" in mail.html()
    found = UNSUBSCRIBE.search(mail.text())
    assert found, mail.text()
    visitor = site.new_page(language="es")
    visitor_auditor = Auditor(visitor)
    visitor_auditor.visit(found.group(1))
    visitor.get_by_role("button", name="Darse de baja").click()
    expect(visitor.get_by_role("status")).to_contain_text("Ya no recibirá correos")
    visitor_auditor.audit("unsubscribed")
    reader.refresh_from_db()
    assert reader.email_consent is False
    assert Member.objects.filter(pk=reader.pk, status="active").exists()
    visitor_auditor.visit("/e/alpha/network/newsletters/")
    visitor.get_by_role("link", name="Noticias de primavera").click()
    expect(visitor.get_by_role("heading", name="Feria de robótica")).to_be_visible()
    visitor_auditor.audit("archive in Spanish")

    # A member suggests an item for the next one.
    member = site.new_page()
    site.sign_in(member, "member")
    member_auditor = Auditor(member)
    member_auditor.visit("/e/alpha/network/newsletters/suggest/")
    member.locator("#id_kind").select_option("opportunity")
    member.locator("#id_title").fill("Summer internships")
    member.get_by_role("button", name="Send the suggestion").click()
    expect(member.get_by_text("the newsletter's editor will read your suggestion")).to_be_visible()
    member_auditor.audit("suggestion sent")

    for found_auditor in (auditor, visitor_auditor, member_auditor):
        found_auditor.assert_clean()
