"""Accessibility of the network's pages the three walks do not reach (issue 19 item 11: axe on
every page): the backbone's member list, rotation, import, workgroups and their report, the
surveys' builder, preview and results, and the health dashboard, at desktop width; a member's
directory, library and workgroup; and the respondent's page of a survey on a phone, in Spanish
(it opens from a mail, without signing in). The walks audit joining and the welcome
(test_network_members), events and check-in (test_network_gatherings) and newsletters
(test_network_newsletters)."""

from __future__ import annotations

import pytest

from ecotone.network.models import Invitation
from ecotone.network.services import roll, surveys
from tests.network.builders import make_member
from tests.network.builders_gatherings import make_workgroup
from tests.network.builders_surveys import make_survey

from .conftest import PHONE, Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

NETWORK = "/e/alpha/network"


def test_the_network_pages_have_no_serious_violations(site: Site) -> None:
    world = site.world
    member_user = world.users["member"]
    assert member_user is not None
    member = make_member(
        world.alpha,
        member_user.email,
        name="Carmen Abara",
        in_directory=True,
        email_consent=True,
        language="es",
    )
    roll.activate(member, member_user)
    others = [
        make_member(world.alpha, f"m{i}@example.org", email_consent=True, region="North")
        for i in range(3)
    ]
    group = make_workgroup(world.alpha, "Outreach", chairs=(member,), members=tuple(others))
    survey = make_survey(world.alpha)
    surveys.open_survey(world.users["staff"], survey)
    token = Invitation.objects.get(survey=survey, member=member).token

    staff = site.new_page()
    site.sign_in(staff, "staff")
    auditor = Auditor(staff)
    for path in (
        "/members/",
        f"/members/{member.pk}/",
        "/welcomes/",
        "/welcomes/rotation/",
        "/members/imports/",
        "/workgroups/",
        f"/workgroups/{group.slug}/",
        "/workgroups/reports/",
        "/surveys/",
        f"/surveys/{survey.pk}/",
        f"/surveys/{survey.pk}/preview/",
        f"/surveys/{survey.pk}/results/",
        "/health/",
    ):
        auditor.visit(NETWORK + path)

    page = site.new_page()
    site.sign_in(page, "member")
    member_auditor = Auditor(page)
    for path in ("/", "/directory/", "/resources/", "/me/", f"/workgroups/{group.slug}/"):
        member_auditor.visit(NETWORK + path)

    respondent = site.new_page(language="es", viewport=PHONE)
    respondent_auditor = Auditor(respondent)
    respondent_auditor.visit(f"{NETWORK}/surveys/answer/{token}/")

    for found in (auditor, member_auditor, respondent_auditor):
        found.assert_clean()
