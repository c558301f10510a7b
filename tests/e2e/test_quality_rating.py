"""'My ratings' in a browser: each choice is saved at once, and an answer given after the
session ended is kept on the device, restored and saved after signing in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ecotone.quality.models import Rating
from ecotone.quality.services import assessments
from tests.quality.test_assessments import version_of

from .conftest import Site

pytestmark = pytest.mark.browser


def stage(page: object, attribute: str, name: str) -> object:
    fieldset = page.locator(f"#attribute-{attribute}")  # type: ignore[attr-defined]
    return fieldset.get_by_role("radio", name=re.compile(f"^{name}\\b"))


def test_ratings_are_saved_as_they_go_and_survive_an_ended_session(site: Site) -> None:
    world = site.world
    assessment = assessments.start_assessment(
        world.users["partner_a"], world.org_a, version_of(world), title="Spring"
    )
    page = site.new_page()
    site.sign_in(page, "partner_a")
    url = f"/e/alpha/quality/assessments/{assessment.pk}/rate/"
    page.goto(url)
    outreach_status = page.locator("#attribute-outreach [data-status]")
    cost_status = page.locator("#attribute-cost [data-status]")

    stage(page, "outreach", "Mid").check()
    expect(outreach_status).to_have_text("Saved")
    stage(page, "cost", "High").check()
    expect(cost_status).to_have_text("Saved")
    page.reload()
    expect(stage(page, "outreach", "Mid")).to_be_checked()
    expect(stage(page, "cost", "High")).to_be_checked()

    # The session ends (its cookie is gone): the answer is not saved, and not lost.
    page.context.clear_cookies()
    stage(page, "cost", "Low").check()
    expect(cost_status).to_contain_text("kept on this device")
    expect(page.get_by_role("link", name="Sign in again")).to_be_visible()
    assert Rating.objects.get(attribute="cost").stage == "high"

    site.sign_in(page, "partner_a")
    page.goto(url)
    expect(stage(page, "cost", "Low")).to_be_checked()
    expect(cost_status).to_contain_text("Restored")
    page.get_by_role("button", name="Save the restored answers").click()
    expect(cost_status).to_have_text("Saved")
    assert Rating.objects.get(attribute="cost").stage == "low"
    page.reload()
    expect(stage(page, "cost", "Low")).to_be_checked()
    expect(page.get_by_role("button", name="Save the restored answers")).to_be_hidden()
