"""Accessibility (design.md section 5: WCAG 2.1 AA, usable on a phone): axe-core finds no serious
or critical violation on the public pages, in English and Spanish, nor on the signed-in pages each
kind of person uses most, at desktop and phone widths; and no page scrolls sideways on a phone
(WCAG 1.4.10, reflow).

axe is evaluated through the DevTools protocol, which the site's strict Content-Security-Policy
does not block, so the pages are audited exactly as visitors get them. Any console error (a
resource the policy blocked, a missing file, a failing script) fails the audit too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, Site

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# What an evaluation reports when the page navigated under it.
NAVIGATION_RACE = (
    "Execution context was destroyed",
    "reading 'documentElement'",
    "axe is not defined",
)
PHONE_MAX = 576  # px: where ecotone.css turns tables into cards and folds the menu
TABLES_WIDER_THAN_THEIR_BOX = """[...document.querySelectorAll('.overflow-auto')]
  .filter(box => box.scrollWidth > box.clientWidth && box.querySelector('table'))
  .map(box => [box.getAttribute('aria-label') || box.querySelector('caption')?.textContent
               || box.getAttribute('aria-labelledby') || '', box.scrollWidth, box.clientWidth])"""


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

    def _run_axe(self) -> dict[str, Any]:
        """axe's results for the page in the tab once it has loaded.

        A step that clicks a link does not wait for the page it opens: axe may start on the
        old document as the new one replaces it ("Execution context was destroyed", or a
        document without its element). Such a run is repeated on the page that loaded.
        """
        for attempt in range(3):
            self.page.wait_for_load_state("load")
            try:
                if not self.page.evaluate("typeof window.axe !== 'undefined'"):
                    self.page.evaluate(AXE_SOURCE)
                return self.page.evaluate(  # type: ignore[no-any-return]
                    "tags => axe.run(document, {runOnly: tags, resultTypes: ['violations']})",
                    WCAG_AA,
                )
            except PlaywrightError as error:
                navigating = any(sign in str(error) for sign in NAVIGATION_RACE)
                if not navigating or attempt == 2:
                    raise
        return {}  # not reached: the third failure is raised

    def visit(self, path: str, *, status: int = 200) -> None:
        self.console_errors.clear()
        response = self.page.goto(path)
        assert response is not None
        if response.status != status:
            self.problems.append(f"{path}: HTTP {response.status}")
            return
        if status != 200:
            # The browser logs the page's own error status; that one is expected.
            self.console_errors[:] = [e for e in self.console_errors if str(status) not in e]
        self.audit(path)

    def audit(self, label: str) -> None:
        results = self._run_axe()
        for violation in results["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            nodes = "\n".join(
                f"    at {' '.join(node['target'])}\n      "
                + node["failureSummary"].replace("\n", "\n      ")
                for node in violation["nodes"][:5]
            )
            self.problems.append(
                f"{label}: [{violation['impact']}] {violation['id']}: {violation['help']}\n"
                f"    {violation['helpUrl']}\n{nodes}"
            )
        self.problems.extend(f"{label}: console error: {text}" for text in self.console_errors)
        page_width, viewport_width = self.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if page_width > viewport_width:
            self.problems.append(
                f"{label}: scrolls sideways ({page_width}px of content in {viewport_width}px)"
            )
        if viewport_width < PHONE_MAX:
            # A table scrolling in its own box is clipped on a phone: a table people act on
            # shows as cards there (`cards-on-phone` in ecotone.css).
            for name, width, box in self.page.evaluate(TABLES_WIDER_THAN_THEIR_BOX):
                self.problems.append(
                    f"{label}: table {name!r} scrolls sideways in its box ({width}px in {box}px)"
                )

    def assert_clean(self) -> None:
        assert not self.problems, "Accessibility problems:\n\n" + "\n\n".join(self.problems)


def public_paths(site: Site) -> list[str]:
    from tests.directory.test_search import add_program

    program = add_program(
        site.world,
        "Robotics Club",
        at=(39.97, -83.0),
        terms=("grade_band/6-8", "stem_field/robotics", "focus_population/girls"),
        description="Build robots after school.",
        phone="(614) 555-0100",  # the page's call, directions, share and print
        url="https://robots.example/join",
    )
    return [
        "/",
        "/e/alpha/",
        "/e/alpha/programs/",
        "/e/alpha/programs/?near=43215&stem_field=robotics&free=1",
        "/e/alpha/programs/?near=99999",
        program.get_absolute_url(),
        "/e/alpha/partners/",
        site.world.org_a.get_absolute_url(),
        "/e/alpha/challenges/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
@pytest.mark.parametrize("language", ["en", "es"])
def test_public_pages_have_no_serious_violations(site: Site, language: str, width: str) -> None:
    page = site.new_page(language=language, viewport=VIEWPORTS[width])
    auditor = Auditor(page)
    for path in public_paths(site):
        auditor.visit(path)
    auditor.visit("/e/alpha/no-such-page/", status=404)
    assert page.locator("html").get_attribute("lang") == language
    auditor.assert_clean()


def test_two_factor_step_has_no_serious_violations(site: Site) -> None:
    page = site.new_page(viewport=PHONE)
    auditor = Auditor(page)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "admin@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    auditor.audit("/accounts/2fa/authenticate/")
    auditor.assert_clean()


# persona -> the pages they use most; "{name}" stands for an id of signed_in_data
EQUITY_RUBRIC = "equity-in-stem-programs"
SIGNED_IN_PAGES = {
    "admin": [
        "/?all",
        "/e/alpha/",
        "/e/alpha/members/",
        "/e/alpha/invitations/",
        "/e/alpha/audit/",
        "/e/alpha/settings/",
        "/e/alpha/programs/imports/",
        "/e/alpha/listings/moderation/",
        "/e/alpha/listings/moderation/?stale=1",
        "/e/alpha/partners/",
        "/e/alpha/partners/new/",
        "/e/alpha/partners/robotics-for-all/",
        "/e/alpha/measures/indicators/",
        "/e/alpha/measures/indicators/young-people-served/",
        "/e/alpha/measures/submissions/",
        "/e/alpha/measures/submissions/{submission}/",
        "/e/alpha/measures/agreements/",
        "/e/alpha/measures/agreements/new/",
        "/e/alpha/measures/collections/",
        "/e/alpha/measures/collections/{collection}/",
        "/e/alpha/measures/collections/new/",
        "/e/alpha/measures/crosswalk/",
        "/e/alpha/measures/dashboards/",
        "/e/alpha/measures/dashboards/young-people-served/",
        "/e/alpha/measures/report/",
        "/e/alpha/measures/public/",
        "/e/alpha/measures/public/new/",
        "/e/alpha/measures/periods/",
        "/e/alpha/measures/periods/new/",
        "/e/alpha/measures/linkage/",
        "/e/alpha/measures/linkage/secret/",
        "/e/alpha/measures/rosters/",
        "/e/alpha/quality/rubrics/",
        "/e/alpha/quality/rubrics/equity-in-stem-programs/",
        "/e/alpha/quality/rubrics/equity-in-stem-programs/versions/2/edit/",
        "/e/alpha/quality/assessments/{planned}/reviewers/",
        "/e/alpha/quality/rollup/",
        "/accounts/profile/",
    ],
    "staff": [
        "/e/alpha/atlas/",
        "/e/alpha/mentoring/rounds/{round}/",
        "/e/alpha/mentoring/matches/",
        "/e/alpha/mentoring/hours/?status=",
        "/e/alpha/mentoring/mentors/",
        "/e/alpha/mentoring/opportunities/",
        "/e/alpha/mentoring/dashboard/",
        # the challenges pages with records are audited by test_challenges.py's journey
        "/e/alpha/challenges/",
        "/e/alpha/challenges/reviewers/",
    ],
    "mentor": [
        "/e/alpha/mentoring/profile/",
        "/e/alpha/mentoring/matches/",
        "/e/alpha/mentoring/matches/{match}/",
    ],
    "partner_a": [
        "/e/alpha/",
        "/e/alpha/partners/robotics-for-all/edit/",
        "/e/alpha/programs/spreadsheet/guide/",
        "/e/alpha/mentoring/join/",
        "/e/alpha/mentoring/hours/",
        "/e/alpha/measures/submissions/new/",
        "/e/alpha/measures/submissions/{submission}/",
        "/e/alpha/measures/rosters/new/",
        "/e/alpha/measures/collections/{collection}/",
        "/e/alpha/measures/collections/{collection}/form/?indicator=young-people-served&period={period}",
        "/e/alpha/measures/dashboards/young-people-served/?organization=robotics-for-all",
        "/e/alpha/measures/report/robotics-for-all/",
        "/e/alpha/quality/assessments/",
        "/e/alpha/quality/assessments/start/",
        "/e/alpha/quality/assessments/{assessment}/",
        "/e/alpha/quality/assessments/{assessment}/rate/",
        "/e/alpha/quality/assessments/{assessment}/consensus/",
        "/e/alpha/quality/assessments/{planned}/plan/",
        "/e/alpha/quality/assessments/{planned}/plan/actions/{plan_action}/",
        "/e/alpha/quality/programs/{assessed_program}/",
        "/e/alpha/challenges/applications/",
        "/accounts/profile/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ],
    "reviewer": [
        "/e/alpha/quality/reviews/",
        "/e/alpha/quality/assessments/{planned}/review/",
        "/e/alpha/challenges/reviews/",
    ],
    "operator": ["/", "/n/state/", "/n/state/measures/", "/n/state/measures/young-people-served/"],
}


def signed_in_data(site: Site) -> dict[str, Any]:
    """A row or two on every list of SIGNED_IN_PAGES: the mentor persona in an active match
    with hours waiting for org_a's approval, another mentor and a need for a round in review,
    areas for the atlas's priority list, an invitation, an import, a listing to verify, the
    measures starter library, the shipped rubrics and a partner's submission with a problem."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from ecotone.directory.models import ImportRun
    from ecotone.ecosystems.models import Invitation
    from ecotone.measures.services import collections, crosswalk, facts, indicators, submissions
    from ecotone.mentoring.services import hours, rounds
    from ecotone.quality.services import rubrics
    from tests.atlas.test_views import FAR_HOLLOW, add_area
    from tests.measures.builders import ORG_A, crossed, report
    from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program
    from tests.mentoring.life_builders import active, cleared_mentor
    from tests.quality.cycle_builders import reviewed_and_planned

    world = site.world
    staff = world.users["staff"]
    program = make_program(world.org_a, "Girls Who Build")
    mentor = cleared_mentor(world)
    match = active(world, mentor, make_opportunity(program), started_days_ago=7)
    hours.log_hours(
        match,
        mentor.user,
        date=timezone.localdate() - datetime.timedelta(days=1),
        hours=2,
        activity="Built a line-following robot with the team",
    )
    ada = make_mentor(world.alpha, "ada@mentor.test", name="Ada Lovelace", employer_name="Acme")
    clear(ada, staff)
    make_opportunity(program, "Coding night mentor", topics=["computing"])
    round_ = rounds.start_round(world.alpha, staff, name="Spring round", mode="score")
    add_area(world, "Far Hollow School", FAR_HOLLOW, 300, low_income_share=0.81)
    add_area(world, "Mill Run School", (40.6, -83.6), 250, low_income_share=0.55)
    Invitation.objects.create(
        ecosystem=world.alpha, email="newcomer@example.org", role="partner_staff"
    )
    ImportRun.objects.create(
        ecosystem=world.alpha,
        format="hsds_json",
        original_filename="programs-from-the-county-spreadsheet.json",
        file=ContentFile(b"[]", name="programs.json"),
    )
    indicators.install_starter_library(world.users["admin"], world.alpha)
    rubrics.install_shipped_rubrics(world.users["admin"], world.alpha)
    world.alpha.indicators.filter(key="young-people-served").update(is_published=True)
    # a dashboard with a hidden small cell, its complement and the cross-tab
    report(
        world.org_a,
        world.alpha.indicators.get(key="young-people-served"),
        facts.school_year(world.alpha, 2024),
        crossed(ORG_A),
    )
    submission = submissions.check_submission_file(
        world.org_a,
        ContentFile(b"indicator,period,sex,value\nyoung-people-served,2024-25,Q,3\n", "v.csv"),
        user=world.users["partner_a"],
    )
    year = facts.school_year(world.alpha, 2024)
    collection = collections.save_collection(
        world.alpha,
        staff,
        name="Fall counts",
        indicators=["young-people-served"],
        periods=[year.pk],
        organizations=[world.org_a.pk, world.org_b.pk],
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    crosswalk.save_entry(world.alpha, staff, dimension="sex", local_code="G", code="Female")
    assessment = _rated_assessment(world)
    # two complete assessments of a program a year apart: its progress and the roll-up
    from tests.quality.test_progress import _complete

    _complete(program, {"outreach": "undeveloped", "cost": "developing"}, 2025)
    _complete(program, {"outreach": "established", "cost": "developing"}, 2026)
    # after the assessments: a draft of the equity rubric, version 2, for the editor
    rubrics.new_draft(world.users["admin"], world.alpha.rubrics.get(key=EQUITY_RUBRIC))
    return {
        "assessment": assessment.pk,
        **reviewed_and_planned(world),
        "assessed_program": program.slug,
        "round": round_.pk,
        "match": match.pk,
        "submission": submission.pk,
        "collection": collection.pk,
        "period": year.pk,
    }


def _rated_assessment(world: Any) -> Any:
    """Org A's assessment on the shipped equity rubric: two raters who differ on one attribute,
    a consensus on another with an evidence file."""
    import io

    from ecotone.quality.models import RubricVersion
    from ecotone.quality.services import assessments

    partner, staff = world.users["partner_a"], world.users["staff"]
    version = RubricVersion.objects.get(rubric__ecosystem=world.alpha, rubric__key=EQUITY_RUBRIC)
    assessment = assessments.start_assessment(partner, world.org_a, version, title="Equity 2026")
    first, second = [a.key for a in assessments.content(version).attributes()[:2]]
    assessments.save_rating(partner, assessment, first, "developing", note="Flyers in English only")
    assessments.save_rating(staff, assessment, first, "established")
    assessments.save_rating(partner, assessment, second, "established")
    assessments.save_rating(staff, assessment, second, "established")
    assessments.save_consensus(partner, assessment, second, "established", links=["https://a.org"])
    assessments.add_evidence(partner, assessment, second, io.BytesIO(b"%PDF-1.7\n"))
    return assessment


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
@pytest.mark.parametrize("persona", sorted(SIGNED_IN_PAGES))
def test_signed_in_pages_have_no_serious_violations(site: Site, persona: str, width: str) -> None:
    ids = signed_in_data(site)
    page = site.new_page(viewport=VIEWPORTS[width])
    site.sign_in(page, persona)
    auditor = Auditor(page)
    for path in SIGNED_IN_PAGES[persona]:
        auditor.visit(path.format(**ids))
    auditor.assert_clean()


def test_the_network_map_marks_each_ecosystem_on_a_phone(site: Site) -> None:
    """The operator's page at 390 px: one marker per member ecosystem, whose popup (opened from
    the keyboard) leads to the ecosystem's public home; no sideways scrolling."""
    page = site.new_page(viewport=PHONE)
    site.sign_in(page, "operator")
    auditor = Auditor(page)
    auditor.visit("/n/state/")
    markers = page.locator("#network-map .network-marker")
    assert markers.count() == 2
    # By keyboard (the test world's two regions are the same, so the markers overlap).
    page.get_by_title("Alpha Valley STEM Alliance").focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup .map-popup a")
    assert popup.get_attribute("href") == "/e/alpha/"
    auditor.assert_clean()


def test_spanish_signed_in_pages_have_no_serious_violations(site: Site) -> None:
    page = site.new_page(language="es")
    site.sign_in(page, "admin")
    auditor = Auditor(page)
    for path in ["/e/alpha/", "/e/alpha/members/", "/accounts/profile/"]:
        auditor.visit(path)
    assert page.locator("html").get_attribute("lang") == "es"
    auditor.assert_clean()


def test_an_import_run_page_has_no_serious_violations(site: Site) -> None:
    """A checked import with problems, notes and a likely duplicate to decide."""
    from django.core.files.base import ContentFile

    from ecotone.directory.imports import runs as import_runs
    from ecotone.directory.models import Location, Program

    world = site.world
    existing = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics Club", slug="robotics"
    )
    online = Location.objects.create(ecosystem=world.alpha, name="Online", location_type="virtual")
    existing.program_locations.create(location=online)
    services = [
        {
            "id": "0b6f7a52-6d0e-4d59-8d3b-1f0d8f0a0001",
            "name": "The Robotics Club",
            "organization_id": str(world.org_a.hsds_id),
            "service_at_locations": [{"location": {"name": "Zoom", "location_type": "virtual"}}],
        }
    ]
    good = import_runs.check_upload(
        world.alpha, None, ContentFile(json.dumps(services).encode()), "robotics.json"
    )
    bad = import_runs.check_upload(world.alpha, None, ContentFile(b'[{"name": ""}]'), "broken.json")
    page = site.new_page()
    site.sign_in(page, "staff")
    auditor = Auditor(page)
    auditor.visit(good.get_absolute_url())
    assert page.locator("select").count() == 1  # the likely duplicate to decide
    auditor.visit(bad.get_absolute_url())
    assert page.get_by_text("nothing will be imported").count() == 1
    auditor.assert_clean()
