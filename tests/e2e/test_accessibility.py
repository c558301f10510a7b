"""Accessibility (design.md section 5: WCAG 2.1 AA): axe-core finds no serious or critical
violation on the public pages, in English and Spanish, at desktop and phone widths, nor on the
signed-in pages each kind of person uses most.

axe is evaluated through the DevTools protocol, which the site's strict Content-Security-Policy
does not block, so the pages are audited exactly as visitors get them. Any console error (a
resource the policy blocked, a script failing) fails the audit too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page

from .conftest import PHONE, Site

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


class Auditor:
    """Visits pages in one tab and collects what axe and the console report, for one assert."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.console_errors: list[str] = []
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )

    def visit(self, path: str) -> None:
        self.console_errors.clear()
        response = self.page.goto(path)
        assert response is not None
        if response.status != 200:
            self.problems.append(f"{path}: HTTP {response.status}")
            return
        self.audit(path)

    def audit(self, label: str) -> None:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_SOURCE)
        results: dict[str, Any] = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_AA,
        )
        for violation in results["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            targets = "; ".join(
                " ".join(node["target"])
                + f"\n        {node['failureSummary']}".replace("\n", "\n        ")
                for node in violation["nodes"][:5]
            )
            self.problems.append(
                f"{label}: [{violation['impact']}] {violation['id']}: {violation['help']}\n"
                f"    {violation['helpUrl']}\n    {targets}"
            )
        self.problems.extend(f"{label}: console error: {text}" for text in self.console_errors)

    def assert_clean(self) -> None:
        assert not self.problems, "Accessibility problems:\n\n" + "\n\n".join(self.problems)


def public_paths(site: Site) -> list[str]:
    return [
        "/",
        "/e/alpha/",
        "/e/alpha/partners/",
        site.world.org_a.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/e/alpha/no-such-page/",
    ]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_public_pages_have_no_serious_violations(site: Site, language: str, width: str) -> None:
    viewport = PHONE if width == "phone" else None
    page = site.new_page(language=language, **({"viewport": viewport} if viewport else {}))
    auditor = Auditor(page)
    for path in public_paths(site):
        if path.endswith("no-such-page/"):
            # The 404 page is audited for its content; its status is the point of it.
            page.goto(path)
            auditor.audit(path)
        else:
            auditor.visit(path)
    assert page.locator("html").get_attribute("lang") == language
    auditor.assert_clean()


def test_two_factor_step_has_no_serious_violations(site: Site) -> None:
    page = site.new_page()
    auditor = Auditor(page)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "admin@alpha.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    auditor.audit("/accounts/2fa/authenticate/")
    auditor.assert_clean()


# persona -> pages they use most
SIGNED_IN_PAGES = {
    "admin": [
        "/",
        "/?all",
        "/e/alpha/",
        "/e/alpha/members/",
        "/e/alpha/invitations/",
        "/e/alpha/audit/",
        "/e/alpha/settings/",
        "/e/alpha/partners/",
        "/e/alpha/partners/new/",
        "/accounts/profile/",
    ],
    "partner_a": [
        "/e/alpha/",
        "/e/alpha/partners/robotics-for-all/",
        "/e/alpha/partners/robotics-for-all/edit/",
        "/accounts/profile/",
        "/accounts/email/",
        "/accounts/password/change/",
    ],
    "operator": ["/", "/n/state/", "/accounts/2fa/"],
}


@pytest.mark.parametrize("persona", sorted(SIGNED_IN_PAGES))
def test_signed_in_pages_have_no_serious_violations(site: Site, persona: str) -> None:
    page = site.new_page()
    site.sign_in(page, persona)
    auditor = Auditor(page)
    for path in SIGNED_IN_PAGES[persona]:
        auditor.visit(path)
    auditor.assert_clean()


def test_spanish_signed_in_pages_have_no_serious_violations(site: Site) -> None:
    page = site.new_page(language="es")
    site.sign_in(page, "admin")
    auditor = Auditor(page)
    for path in ["/e/alpha/", "/e/alpha/members/", "/accounts/profile/"]:
        auditor.visit(path)
    assert page.locator("html").get_attribute("lang") == "es"
    auditor.assert_clean()
