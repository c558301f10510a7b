"""Reviewers: profiles (added, invited, edited by themselves), conflicts from the data and
declared, bids only on applications free of conflict."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ecotone.challenges import access
from ecotone.challenges.models import Bid, ConflictDeclaration, ReviewerProfile
from ecotone.challenges.services import reviewers as services
from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Invitation, Role, Sector
from ecotone.errors import DomainError
from tests.challenges import builders_reviewing
from tests.conftest import World, make_user

pytestmark = pytest.mark.django_db

BIDS = "/e/alpha/challenges/reviews/bids/"


@pytest.fixture
def setup(world: World) -> builders_reviewing.Reviewing:
    return builders_reviewing.build(world)


def test_backbone_adds_a_person_of_the_ecosystem_as_reviewer(world: World) -> None:
    member = world.users["member"]
    profile = services.add_reviewer(world.alpha, member, world.users["staff"])
    roles.forget(member)
    assert Role.REVIEWER in roles.roles_in(member, world.alpha)
    assert profile.active
    assert profile.ecosystem == world.alpha
    with pytest.raises(DomainError):
        services.add_reviewer(world.alpha, make_user("nobody@x.test"), world.users["staff"])


def test_backbone_invites_a_reviewer_through_the_ecosystems_invitations(world: World) -> None:
    response = world.client("staff").post(
        "/e/alpha/challenges/reviewers/invite/", {"email": "judge@example.org"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="judge@example.org")
    assert invitation.role == Role.REVIEWER
    assert invitation.ecosystem == world.alpha


def test_reviewer_edits_their_own_expertise(world: World) -> None:
    client = world.client("reviewer")
    response = client.post(
        "/e/alpha/challenges/reviewers/me/",
        {
            "sector": Sector.MUSEUM,
            "topics": ["science", "robotics"],
            "regions": "oh, Kentucky",
            "sectors": [Sector.SCHOOL],
            "organizations": [world.org_b.pk],
            "other_organizations": "River Trust\n\n",
            "max_load": "6",
        },
    )
    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(user=world.users["reviewer"])
    assert profile.regions == ["KY", "OH"]
    assert profile.topics == ["robotics", "science"]
    assert list(profile.organizations.all()) == [world.org_b]
    assert profile.other_organizations == ["River Trust"]
    assert profile.max_load == 6


def test_a_state_that_is_none_is_refused_with_its_name(world: World) -> None:
    response = world.client("reviewer").post(
        "/e/alpha/challenges/reviewers/me/", {"sector": Sector.MUSEUM, "regions": "Atlantis"}
    )
    assert response.status_code == 200
    assert "Atlantis" in response.content.decode()


def test_conflicts_from_the_data_and_declared(setup: Any, world: World) -> None:
    persona = setup.reviewers[0]
    persona.organizations.add(world.org_a)  # application 0 is led by org_a
    second = setup.applications[1]
    second.other_partners = ["River Trust"]
    second.save()
    persona.other_organizations = ["river  trust"]
    persona.save()
    services.declare_conflict(persona, setup.applications[2], world.users["staff"], "cousin")
    found = services.data_conflicts(persona, setup.applications)
    assert found == {a.pk for a in setup.applications[:3]}
    assert found == access.conflicted_ids(
        access.with_sides_reviewers(ReviewerProfile.objects.filter(pk=persona.pk)).get(),
        access.with_sides_applications(
            type(second).objects.filter(pk__in=[a.pk for a in setup.applications])
        ),
    )


def test_bids_only_on_applications_free_of_conflict(setup: Any, world: World) -> None:
    persona = setup.reviewers[0]
    persona.organizations.add(world.org_a)
    conflicted = setup.applications[0]
    client = world.client("reviewer")
    page = client.get(BIDS).content.decode()
    assert conflicted.title not in page
    assert setup.applications[1].title in page
    assert "applicant@alpha.test" not in page  # the applicant is not shown
    with pytest.raises(DomainError):
        services.save_bids(world.users["reviewer"], world.alpha, {conflicted.pk: "eager"})
    response = client.post(BIDS, {f"bid_{setup.applications[1].pk}": "eager"})
    assert response.status_code == 302
    assert Bid.objects.get(reviewer=persona).value == "eager"


def test_reviewer_declares_a_conflict_and_no_longer_bids_on_it(setup: Any, world: World) -> None:
    target = setup.applications[3]
    client = world.client("reviewer")
    client.post(BIDS, {f"bid_{target.pk}": "willing"})
    response = client.post(
        f"/e/alpha/challenges/reviews/conflict/{target.pk}/", {"reason": "I advise them"}
    )
    assert response.status_code == 302
    declared = ConflictDeclaration.objects.get(application=target)
    assert declared.declared_by == world.users["reviewer"]
    assert declared.reason == "I advise them"
    assert not Bid.objects.filter(application=target).exists()
    assert target.title not in client.get(BIDS).content.decode()


def test_applicant_may_declare_a_conflict_on_their_own_application(setup: Any) -> None:
    application = setup.applications[4]
    services.declare_as_applicant(setup.applicant, application, setup.reviewers[1], "former boss")
    assert services.data_conflicts(setup.reviewers[1], [application]) == {application.pk}
    with pytest.raises(DomainError):
        services.declare_as_applicant(
            setup.reviewers[2].user, application, setup.reviewers[1], "not mine"
        )


def test_reviewer_list_searches_sorts_and_exports(setup: Any, world: World) -> None:
    client = world.client("staff")
    url = reverse("challenges:reviewers", args=["alpha"])
    page = client.get(url, {"q": "reviewer3", "sort": "-load"}).content.decode()
    assert "Reviewer3" in page
    assert "Reviewer2" not in page
    export = client.get(url, {"format": "csv"})
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert "reviewer4@alpha.test" in body
    assert "reviewer@alpha.test" in body
    assert client.get(url, {"round": "not a number", "page": "x"}).status_code == 200
