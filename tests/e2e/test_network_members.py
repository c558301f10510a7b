"""The network's members through the pages (issue 19, "Done when": a visitor joins, confirms,
and is welcomed by the next person in the rotation).

A visitor opens the network's home, follows "Join the network", fills in the join page and is
told to check their email; the confirmation mail arrives through a real SMTP server
(tests/smtp.py); its link opens the confirmation page, where the visitor chooses a password and
lands, signed in, on their member home. The welcomer next in the rotation (the "member"
persona) receives the notice, opens the pre-filled welcome and sends it; the newcomer receives
it, answers going to the welcomer. Every page met is audited with axe.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ecotone.network.models import Member, MemberStatus, Welcomer
from ecotone.network.services import roll
from tests.network.builders import make_member

from .conftest import Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

NEWCOMER = "newcomer@example.org"
LINK = re.compile(r"https?://[^\s/]+(/e/alpha/network/(?:confirm|welcomes)/[^\s]+/)")


def _link(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def test_a_visitor_joins_confirms_and_is_welcomed_by_the_next_welcomer(
    site: Site, smtp: Any
) -> None:
    world = site.world
    welcomer_user = world.users["member"]
    assert welcomer_user is not None
    welcomer = make_member(world.alpha, welcomer_user.email, name="Carmen Abara")
    roll.activate(welcomer, welcomer_user)
    Welcomer.objects.create(ecosystem=world.alpha, member=welcomer, position=1)

    # The visitor joins.
    visitor = site.new_page()
    visitor_auditor = Auditor(visitor)
    visitor_auditor.visit("/e/alpha/network/")
    visitor.get_by_role("button", name="Join the network").click()
    visitor_auditor.audit("join page")
    visitor.get_by_role("textbox", name="Name", exact=True).fill("Rosa Díaz")
    visitor.get_by_role("textbox", name="Email", exact=True).fill(NEWCOMER)
    visitor.get_by_role("textbox", name="Organization", exact=True).fill("Riverton Library")
    visitor.get_by_label("ZIP code").fill("43215")
    visitor.get_by_label("Mathematics").check()
    visitor.get_by_label("Send me the network's email").check()
    visitor.get_by_role("button", name="Join", exact=True).click()
    expect(visitor.get_by_role("heading", name="Check your email")).to_be_visible()
    visitor_auditor.audit("join: check your email")

    # The confirmation arrives; its link confirms, with a password for the new account.
    (confirmation,) = smtp.to(NEWCOMER)
    visitor_auditor.visit(_link(confirmation.text()))
    visitor.get_by_label("Choose a password").fill("a-long-pass-phrase")
    visitor.get_by_label("The password again").fill("a-long-pass-phrase")
    visitor_auditor.audit("confirmation page")
    visitor.get_by_role("button", name="Confirm").click()
    expect(visitor.get_by_text("Welcome to the network! You are now a member.")).to_be_visible()
    expect(visitor.get_by_text("Welcome back, Rosa Díaz.")).to_be_visible()
    visitor_auditor.audit("member home")
    assert Member.objects.get(email=NEWCOMER).status == MemberStatus.ACTIVE

    # The welcomer next in turn is told, opens the welcome and sends it.
    (notice,) = smtp.to(welcomer_user.email)
    assert "Rosa Díaz" in notice.message["Subject"]
    host = site.new_page()
    site.sign_in(host, "member")
    host_auditor = Auditor(host)
    host_auditor.visit(_link(notice.text()))
    body = host.get_by_label("Message")
    expect(body).to_contain_text("Rosa Díaz")  # pre-filled from the template
    body.fill("Hello Rosa, welcome! Join us at the outreach workgroup.")
    host_auditor.audit("welcome page")
    host.get_by_role("button", name="Send the welcome").click()
    expect(host.get_by_text("Your welcome is on its way.")).to_be_visible()
    host_auditor.audit("welcomes")

    # The newcomer receives it; an answer goes to the welcomer.
    welcome_mail = smtp.to(NEWCOMER)[-1]
    assert "outreach workgroup" in welcome_mail.text()
    assert welcome_mail.message["Reply-To"] == welcomer_user.email

    for each in (visitor_auditor, host_auditor):
        each.assert_clean()
