"""A call run end to end through the challenges pages (issue 20, "Done when"): a call built by
a builder is open; an applicant starts, screens, answers and submits an application in the
browser (with the confirmation); the backbone, signed in with its second factor, reads the
call's progress in the overview, opens the round's assignment page from the call and assigns
it; the reviewer finds only their assigned application under "Challenge reviews", reads it
whole, scores and submits, and gets 404 on the application they are not assigned; the backbone
reads the round's ranking. Another applicant's application and the second reviewer are made
with the services (the test is about the pages between them). Every page met is audited
with axe (tests/e2e/test_accessibility.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ecotone.challenges.models import Assignment, ReviewerProfile, ReviewStatus
from ecotone.challenges.services import applications as applying
from ecotone.ecosystems.models import Membership, Role, Sector
from tests.challenges.builders_calls import GOOD, open_call
from tests.conftest import make_user

from .conftest import Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

BASE = "/e/alpha/challenges"
PLAN = "Girls build and race robots at the library every Saturday"


def _link(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).first.click()


def test_a_call_runs_end_to_end_through_the_pages(site: Site) -> None:
    world = site.world
    call = open_call(world)
    review_round = call.rounds.get(kind="review")
    review_round.reviews_per_application = 1
    review_round.max_load = 1
    review_round.status = "open"
    review_round.save()
    persona = ReviewerProfile.objects.create(
        ecosystem=world.alpha, user=world.users["reviewer"], sector=Sector.HIGHER_ED
    )
    second = make_user("second-reviewer@alpha.test", name="Second Reviewer")
    Membership.objects.create(user=second, ecosystem=world.alpha, role=Role.REVIEWER)
    ReviewerProfile.objects.create(ecosystem=world.alpha, user=second, sector=Sector.MUSEUM)
    rival = applying.start_application(
        world.users["partner_b"], call, title="Library makers", organization=world.org_b
    )
    yes, no = call.eligibility.order_by("position")
    applying.screen(world.users["partner_b"], rival, {yes.pk: True, no.pk: False})
    applying.save_draft(world.users["partner_b"], rival, answers_given=GOOD)
    applying.submit(world.users["partner_b"], rival)

    # The applicant: from the list of calls to a submitted application.
    applicant = site.new_page()
    site.sign_in(applicant, "partner_a")
    auditor = Auditor(applicant)
    applicant.goto(f"{BASE}/")
    _link(applicant, call.title)
    applicant.get_by_role("button", name="Apply to this call").click()
    applicant.get_by_label("Project title").fill("Robots in Riverton")
    applicant.get_by_label("Lead organization, from the directory").select_option(
        label=world.org_a.name
    )
    applicant.get_by_role("button", name="Start my application").click()
    applicant.locator(f"input[name=q{yes.pk}][value=yes]").check()
    applicant.locator(f"input[name=q{no.pk}][value=no]").check()
    applicant.get_by_role("button", name="Continue").click()
    expect(applicant.get_by_label("Project plan")).to_be_visible()
    auditor.audit("application form")
    applicant.get_by_label("Project plan").fill(PLAN)
    applicant.locator("input[name=a_main-field][value=Robotics]").check()
    applicant.get_by_label("Young people served").fill("80")
    applicant.get_by_role("button", name="Save and go to submission").click()
    expect(applicant.get_by_role("heading", name=re.compile("Submit"))).to_be_visible()
    auditor.audit("submit (confirmation)")
    applicant.get_by_role("button", name="Submit", exact=True).click()
    expect(applicant.locator("h1 .tag")).to_have_text("Submitted")
    mine = call.applications.get(lead=world.users["partner_a"])
    assert mine.status == "submitted"

    # The backbone: the overview, the call, the round's assignment.
    staff = site.new_page()
    site.sign_in_with_form(staff, "staff")
    staff_auditor = Auditor(staff)
    staff_auditor.visit(f"{BASE}/")
    row = staff.get_by_role("row").filter(has_text=call.title)
    expect(row.get_by_role("cell").nth(2)).to_have_text("2")  # submitted
    expect(row).to_contain_text("Full review")
    expect(row).to_contain_text("Not assigned")
    _link(staff, call.title)
    staff_auditor.audit("call page (backbone)")
    staff.get_by_role("row").filter(has_text="Full review").get_by_role(
        "link", name="Assignment", exact=True
    ).click()
    staff.get_by_role("button", name="Assign", exact=True).click()
    staff.get_by_role("button", name="Assign", exact=True).click()
    expect(staff.get_by_text("The round is assigned.")).to_be_visible()
    staff_auditor.audit("assignment page")
    ours = Assignment.objects.select_related("application").get(reviewer=persona)
    theirs = Assignment.objects.exclude(reviewer=persona).select_related("application").get()

    # The reviewer: only their application, read whole, scored and submitted.
    reviewer = site.new_page()
    site.sign_in(reviewer, "reviewer")
    reviewer_auditor = Auditor(reviewer)
    reviewer.goto("/e/alpha/")
    _link(reviewer, "Challenge reviews")
    expect(reviewer.get_by_role("link", name=ours.application.title)).to_be_visible()
    expect(reviewer.get_by_text(theirs.application.title)).to_have_count(0)
    reviewer.get_by_role("link", name=ours.application.title).click()
    answer = PLAN if ours.application == mine else GOOD["project-plan"]
    expect(reviewer.get_by_text(answer)).to_be_visible()
    reviewer_auditor.audit("review page")
    for criterion in call.criteria.all():
        reviewer.locator(f"input[name=score_{criterion.key}][value='4']").check()
    reviewer.get_by_label("Comments to the applicant").fill("A clear plan with real partners.")
    reviewer.get_by_role("button", name="Submit the review").click()
    expect(reviewer.get_by_text("Your review is submitted.")).to_be_visible()
    assert ours.review.status == ReviewStatus.SUBMITTED
    for path in (
        f"{BASE}/applications/{theirs.application.pk}/",
        f"{BASE}/reviews/{theirs.pk}/",
    ):
        response = reviewer.goto(path)
        assert response is not None
        assert response.status == 404, path

    # The backbone: the round's ranking, from the call's page.
    staff.goto(f"{BASE}/calls/{call.slug}/")
    staff.get_by_role("row").filter(has_text="Full review").get_by_role(
        "link", name="Ranking", exact=True
    ).click()
    expect(staff.get_by_role("heading", name="Ranking: Full review")).to_be_visible()
    expect(staff.get_by_text(ours.application.title).first).to_be_visible()
    staff_auditor.audit("ranking page")

    for each in (auditor, staff_auditor, reviewer_auditor):
        each.assert_clean()
