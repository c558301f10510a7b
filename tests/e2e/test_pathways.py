"""Pathways and badges through the pages (issue 21, "Done when").

1. A family finds a pathway from a program page and the next step near them: a visitor opens
   the public page of a program that is stage 1 of a published pathway (made with the curation
   services), reads "Next steps", follows it to the pathway's page, gives a ZIP code and sees
   the nearest program of the next stage's kind (not the one 130 miles off), then switches to
   Spanish once and reads the curators' Spanish texts.
2. A partner issues badges in bulk and a visitor verifies one: partner staff upload a CSV of
   recipients, read the dry run and apply it; the recipient's mail arrives through a real SMTP
   server (tests/smtp.py: the live server's thread sends with the overridden settings); the
   recipient opens the credential page from the mail and downloads credential.json; a visitor
   pastes its JWS on the verification page (valid), a copy with one changed character (refused),
   and after the partner revokes the badge with a reason (after the confirmation), the
   original again (revoked, with the reason).

Every page met is audited with axe (tests/e2e/test_accessibility.py): at desktop width, and the
families' pathway page and the verification page on a phone too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ecotone.pathways.models import Award
from ecotone.pathways.services import pathways as curation
from tests.directory.test_search import RIVERTON, add_program
from tests.pathways.builders_bcore import make_achievement

from .conftest import PHONE, Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

RIVERTON_ZIP = "43215"  # its centroid is RIVERTON, where the test programs are
LEARNER = "learner@example.org"
SECOND = "second@example.org"
CREDENTIAL_PAGE = re.compile(r"https?://[^\s/]+(/badges/[0-9a-f-]{36}/)")


def _publish_pathway(site: Site) -> Any:
    world = site.world
    staff = world.users["staff"]
    tinkering = add_program(
        world,
        "Library Tinkering",
        at=RIVERTON,
        terms=("activity_type/afterschool-club", "stem_field/making", "grade_band/6-8"),
        organization=world.org_b,
    )
    robotics = ("activity_type/competition", "stem_field/robotics", "grade_band/6-8")
    add_program(world, "Riverton Robot League", at=(39.99, -83.01), terms=robotics)
    add_program(world, "Lakeside Robot League", at=(41.50, -81.70), terms=robotics)
    pathway = curation.create_pathway(
        staff,
        world.alpha,
        {
            "name": "Robots ahead",
            "name_es": "Robots adelante",
            "summary": "From tinkering to a robotics team.",
            "summary_es": "Del taller a un equipo de robótica.",
            "stem_field": "robotics",
            "grade_bands": ["6-8"],
        },
        None,
    )
    curation.save_step(
        staff,
        pathway,
        {"stage": 1, "program": tinkering, "gains": "Confidence with tools."},
    )
    curation.save_step(
        staff,
        pathway,
        {
            "stage": 2,
            "title": "Any robotics competition, grades 6 to 8",
            "title_es": "Cualquier competencia de robótica, grados 6 a 8",
            "gains": "Teamwork and programming.",
            "gains_es": "Trabajo en equipo y programación.",
            "activity_types": ["competition"],
            "stem_fields": ["robotics"],
            "grade_bands": ["6-8"],
        },
    )
    return curation.publish(staff, pathway)


def test_a_family_finds_a_pathway_and_the_next_step_near_them(site: Site) -> None:
    pathway = _publish_pathway(site)
    page = site.new_page()
    auditor = Auditor(page)

    auditor.visit("/e/alpha/programs/library-tinkering/")
    panel = page.locator("section.next-steps")
    expect(panel.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(panel.get_by_text("Any robotics competition, grades 6 to 8")).to_be_visible()
    expect(panel.get_by_role("link", name="Riverton Robot League")).to_be_visible()
    panel.get_by_role("link", name="Robots ahead").click()
    page.wait_for_url(f"**/e/alpha/pathways/{pathway.slug}/")

    page.get_by_label("Your ZIP code, to see the programs near you").fill(RIVERTON_ZIP)
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(f"**/e/alpha/pathways/{pathway.slug}/?near={RIVERTON_ZIP}")
    nearby = page.locator("ul.pathway-nearby")
    expect(nearby.get_by_role("link", name="Riverton Robot League")).to_be_visible()
    expect(nearby.get_by_role("link", name="Lakeside Robot League")).to_have_count(0)
    auditor.audit("pathway page near a ZIP code")

    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Robots adelante", level=1)).to_be_visible()
    expect(page.get_by_text("Cualquier competencia de robótica, grados 6 a 8")).to_be_visible()
    expect(page.get_by_text("Trabajo en equipo y programación.")).to_be_visible()
    expect(page.get_by_label("Su código postal, para ver los programas")).to_have_value(
        RIVERTON_ZIP
    )
    expect(page.get_by_text("Cerca de usted:")).to_be_visible()
    expect(page.locator("ul.pathway-nearby")).to_contain_text("Riverton Robot League")
    auditor.audit("pathway page in Spanish")

    page.set_viewport_size(PHONE)
    auditor.audit("pathway page in Spanish, phone")
    auditor.assert_clean()


def _verify(page: Page, token: str) -> None:
    page.goto("/badges/verify/")
    page.get_by_label("Paste the credential").fill(token)
    page.get_by_role("button", name="Verify", exact=True).click()


def _tampered(token: str) -> str:
    """The token with one character of the signature changed (not its last one, whose low bits
    are padding that a decoder may ignore)."""
    at = token.rindex(".") + 10
    return token[:at] + ("B" if token[at] != "B" else "C") + token[at + 1 :]


def test_a_partner_awards_in_bulk_and_a_visitor_verifies(
    site: Site, smtp: Any, tmp_path: Path
) -> None:
    achievement = make_achievement(site.world)
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(
        f"email,achievement,language\n{LEARNER},Robot Builder,en\n{SECOND},robot builder,es\n",
        encoding="utf-8",
    )

    # The partner: the file checked (nothing awarded), then applied.
    partner = site.new_page()
    site.sign_in(partner, "partner_a")
    partner_auditor = Auditor(partner)
    partner_auditor.visit("/e/alpha/badges/imports/")
    partner.get_by_label("File of recipients").set_input_files(recipients)
    partner.get_by_role("button", name="Check the file").click()
    dry_run = partner.get_by_role("table", name="What applying would do")
    expect(dry_run.get_by_role("cell")).to_have_text(["2", "2", "0"])  # rows, badges, guardians
    expect(partner.get_by_text("Robot Builder: 2 badges")).to_be_visible()
    assert not Award.objects.exists()
    partner_auditor.audit("import checked (dry run)")
    partner.get_by_label("I have read the report").check()
    partner.get_by_role("button", name="Award the badges").click()
    expect(partner.get_by_role("table", name="What the import did")).to_be_visible()
    partner_auditor.audit("import applied")
    assert Award.objects.filter(achievement=achievement).count() == 2

    # The recipient: the mail, the credential's page, its JSON.
    (mail,) = smtp.to(LEARNER)
    assert len(smtp.to(SECOND)) == 1
    found = CREDENTIAL_PAGE.search(mail.text())
    assert found, mail.text()
    award = Award.objects.get(public_id=found.group(1).split("/")[2])
    recipient = site.new_page()
    recipient_auditor = Auditor(recipient)
    recipient_auditor.visit(found.group(1))
    expect(recipient.get_by_role("heading", name="Robot Builder", level=1)).to_be_visible()
    expect(recipient.get_by_text("Valid: this credential is genuine and in force.")).to_be_visible()
    with recipient.expect_download() as download:
        recipient.get_by_role("link", name="the credential (JSON)").click()
    envelope = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    token = envelope["id"].removeprefix("data:application/vc+jwt,")
    assert token == award.credential

    # A visitor: valid, then refused when changed.
    visitor = site.new_page()
    visitor_auditor = Auditor(visitor)
    _verify(visitor, token)
    expect(visitor.get_by_text("Valid: this credential is genuine and in force.")).to_be_visible()
    visitor_auditor.audit("verification: valid")
    _verify(visitor, _tampered(token))
    expect(visitor.get_by_role("heading", name="Not valid")).to_be_visible()
    expect(visitor.get_by_text("the credential was changed after it was signed")).to_be_visible()
    visitor_auditor.audit("verification: tampered")

    # The partner revokes it, from the awarded list, after the confirmation.
    partner.get_by_role("link", name="See the awarded badges").click()
    partner_auditor.audit("awarded badges")
    row = partner.get_by_role("row").filter(has_text=str(award.public_id)[:8])
    row.get_by_role("link", name="Revoke").click()
    partner.get_by_label("Reason").fill("Awarded by mistake.")
    partner_auditor.audit("revoke (confirmation)")
    partner.get_by_label("Yes, revoke this badge").check()
    partner.get_by_role("button", name="Revoke the badge").click()
    expect(partner.get_by_text("The badge is revoked; verifying it now says so.")).to_be_visible()
    award.refresh_from_db()
    assert award.status == "revoked"

    # The visitor again, on a phone: revoked, and why.
    phone = site.new_page(viewport=PHONE)
    phone_auditor = Auditor(phone)
    _verify(phone, token)
    expect(phone.get_by_role("heading", name="Not valid")).to_be_visible()
    expect(phone.get_by_text("The issuer has revoked the credential.")).to_be_visible()
    expect(phone.get_by_text("Awarded by mistake.")).to_be_visible()
    phone_auditor.audit("verification: revoked, phone")

    for each in (partner_auditor, recipient_auditor, visitor_auditor, phone_auditor):
        each.assert_clean()
