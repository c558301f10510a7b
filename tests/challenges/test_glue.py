"""The challenges pages as one product: the backbone's overview of its calls and the links
from a call to each round's pages; a reviewer reads the whole application assigned to them
(its answers and files, through the applicants' one way of showing answers), never the
co-applicants or the feedback, and nothing of an application they are in conflict with."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.utils import timezone

from ecotone.challenges.models import Assignment, Review, ReviewerProfile, ReviewStatus
from ecotone.challenges.services import applications as applying
from ecotone.challenges.services import reviewers
from ecotone.ecosystems.models import Sector
from tests.challenges.builders_calls import GOOD, PDF, draft, open_call
from tests.conftest import World

pytestmark = pytest.mark.django_db
BASE = "/e/alpha/challenges"


@pytest.fixture
def built(world: World) -> dict[str, Any]:
    """An open call with partner_b's application submitted (a file, a co-applicant invited),
    assigned to the reviewer persona in its review round, which is open; one review of two
    assigned is submitted."""
    call = open_call(world)
    lead = world.users["partner_b"]
    application = draft(world, call, "partner_b", title="Robots in Riverton")
    applying.save_draft(lead, application, answers_given=GOOD)
    letter = applying.attach_file(
        lead, application, call.questions.get(kind="file"), io.BytesIO(PDF)
    )
    applying.invite_co_applicant(lead, application, email="secret-co@alpha.test")
    applying.submit(lead, application)
    review_round = call.rounds.get(kind="review")
    review_round.status = "open"
    review_round.save(update_fields=["status"])
    persona = ReviewerProfile.objects.create(
        ecosystem=world.alpha, user=world.users["reviewer"], sector=Sector.HIGHER_ED
    )
    mine = Assignment.objects.create(round=review_round, reviewer=persona, application=application)
    other = draft(world, call, "partner_a", title="Second one")
    applying.save_draft(world.users["partner_a"], other, answers_given=GOOD)
    applying.submit(world.users["partner_a"], other)
    done = Assignment.objects.create(round=review_round, reviewer=persona, application=other)
    Review.objects.create(assignment=done, scores={}, status=ReviewStatus.SUBMITTED)
    return {
        "call": call,
        "round": review_round,
        "application": application,
        "file": letter,
        "assignment": mine,
        "persona": persona,
    }


def test_backbone_overview_shows_each_calls_progress(built: Any, world: World) -> None:
    page = world.client("staff").get(f"{BASE}/").content.decode()
    assert "Current round" in page
    assert "Full review" in page
    completion = f"{BASE}/rounds/{built['round'].pk}/completion/"
    assert f'<a href="{completion}">1 of 2</a>' in page
    # two applications submitted
    assert 'applications/">2</a>' in page
    # nobody else sees the backbone's columns
    assert "Current round" not in world.client("partner_a").get(f"{BASE}/").content.decode()


def test_call_page_links_to_every_round_page(built: Any, world: World) -> None:
    call, round_ = built["call"], built["round"]
    page = world.client("staff").get(f"{BASE}/calls/{call.slug}/").content.decode()
    for url in (
        f"{BASE}/rounds/{round_.pk}/assignments/",
        f"{BASE}/rounds/{round_.pk}/completion/",
        f"{BASE}/calls/{call.slug}/rounds/{round_.position}/ranking/",
        f"{BASE}/calls/{call.slug}/rounds/{round_.position}/shortlist/",
        f"{BASE}/calls/{call.slug}/rounds/{round_.position}/decisions/",
        f"{BASE}/calls/{call.slug}/awards/",
        f"{BASE}/calls/{call.slug}/pool/",
    ):
        assert f'href="{url}"' in page, url
        assert world.client("staff").get(url).status_code == 200, url
    # every link of the page works, the revision round's too
    staff = world.client("staff")
    for url in set(re.findall(r'href="(/e/alpha/challenges/[^"?]*)"', page)):
        assert staff.get(url).status_code == 200, url
    public = world.client("partner_a").get(f"{BASE}/calls/{call.slug}/").content.decode()
    assert "/assignments/" not in public
    assert "/winners/" not in public
    call.winners_published_at = timezone.now()
    call.save(update_fields=["winners_published_at"])
    public = world.client("anonymous").get(f"{BASE}/calls/{call.slug}/").content.decode()
    assert f'href="{BASE}/calls/{call.slug}/winners/"' in public


def test_reviewer_reads_the_whole_application(built: Any, world: World) -> None:
    client = world.client("reviewer")
    application = built["application"]
    review = client.get(f"{BASE}/reviews/{built['assignment'].pk}/").content.decode()
    file_url = f"{BASE}/applications/{application.pk}/files/{built['file'].pk}/"
    assert GOOD["project-plan"] in review
    assert file_url in review
    assert client.get(file_url).status_code == 200
    detail = client.get(f"{BASE}/applications/{application.pk}/").content.decode()
    assert GOOD["project-plan"] in detail
    assert "secret-co@alpha.test" not in detail
    assert f"{BASE}/applications/{application.pk}/edit/" not in detail
    # its lead still sees the co-applicant
    lead = world.client("partner_b").get(f"{BASE}/applications/{application.pk}/")
    assert "secret-co@alpha.test" in lead.content.decode()


def test_a_conflict_hides_the_application_and_its_files(built: Any, world: World) -> None:
    application = built["application"]
    reviewers.declare_conflict(built["persona"], application, world.users["staff"], "Colleague")
    client = world.client("reviewer")
    for url in (
        f"{BASE}/applications/{application.pk}/",
        f"{BASE}/applications/{application.pk}/files/{built['file'].pk}/",
        f"{BASE}/reviews/{built['assignment'].pk}/",
    ):
        assert client.get(url).status_code == 404, url
