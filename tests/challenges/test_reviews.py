"""Reviews: a reviewer reaches only their own assignments (never a conflicted one), saves a
draft, submits with every criterion in the scale, then reads the peers' reviews; the
applicant never reaches the review pages; completion and reminders."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from ecotone.challenges.models import Assignment, Review, ReviewStatus
from ecotone.challenges.services import assignments, reviewers
from ecotone.challenges.services import reviews as services
from ecotone.errors import DomainError
from tests.challenges import builders_reviewing
from tests.conftest import World

pytestmark = pytest.mark.django_db

SCORES = {"impact": "5", "partnerships": "3", "engagement": "3", "sustainability": "1"}


@pytest.fixture
def setup(world: World) -> builders_reviewing.Reviewing:
    found = builders_reviewing.build(world, applications=4, reviewers=4, k=2, max_load=4)
    found.round.min_load = 2  # 4 reviewers x 2 = 8 reviews: each reviewer gets exactly two
    found.round.save()
    assignments.solve(found.round, world.users["staff"])
    return found


def _mine(setup: Any) -> list[Assignment]:
    return list(Assignment.objects.filter(reviewer=setup.reviewers[0]).order_by("pk"))


def _post(client: Any, pk: int, *, submit: bool, **scores: str) -> Any:
    data = {f"score_{k}": v for k, v in scores.items()}
    data["comment_to_applicant"] = "Clear plan."
    data["comment_to_panel"] = "Strong partners."
    data["submit" if submit else "draft"] = "1"
    return client.post(f"/e/alpha/challenges/reviews/{pk}/", data)


def test_reviewer_sees_only_their_own_assignments(setup: Any, world: World) -> None:
    client = world.client("reviewer")
    queue = client.get("/e/alpha/challenges/reviews/").content.decode()
    mine = _mine(setup)
    assert mine
    assert all(a.application.title in queue for a in mine)
    others = Assignment.objects.exclude(application__in=[a.application for a in mine])
    assert all(a.application.title not in queue for a in others)
    other = Assignment.objects.exclude(reviewer=setup.reviewers[0]).first()
    assert client.get(f"/e/alpha/challenges/reviews/{other.pk}/").status_code == 404


def test_draft_then_submit_with_the_weighted_total(setup: Any, world: World) -> None:
    client = world.client("reviewer")
    pk = _mine(setup)[0].pk
    assert _post(client, pk, submit=False, impact="4").status_code == 302
    review = Review.objects.get(assignment_id=pk)
    assert review.status == ReviewStatus.DRAFT
    assert review.scores == {"impact": 4}
    incomplete = _post(client, pk, submit=True, impact="4")
    assert incomplete.status_code == 200
    assert "before you submit" in incomplete.content.decode()
    assert _post(client, pk, submit=True, **SCORES).status_code == 302
    review.refresh_from_db()
    # weights 2, 1, 1, 1: (10 + 3 + 3 + 1) / 5
    assert review.status == ReviewStatus.SUBMITTED
    assert review.total == pytest.approx(3.4)
    with pytest.raises(DomainError):
        services.save_review(world.users["reviewer"], review.assignment, scores=SCORES)


def test_a_score_outside_the_scale_is_refused(setup: Any, world: World) -> None:
    assignment = _mine(setup)[0]
    with pytest.raises(DomainError, match="between 1 and 5"):
        services.save_review(
            world.users["reviewer"], assignment, scores={**SCORES, "impact": "9"}, submit=True
        )


def test_peers_reviews_only_after_submitting(setup: Any, world: World) -> None:
    mine = _mine(setup)[0]
    peer = Assignment.objects.filter(application=mine.application).exclude(pk=mine.pk).get()
    services.save_review(
        peer.reviewer.user,
        peer,
        scores=SCORES,
        comment_to_panel="PEER-NOTE for the panel",
        submit=True,
    )
    client = world.client("reviewer")
    url = f"/e/alpha/challenges/reviews/{mine.pk}/"
    assert "PEER-NOTE" not in client.get(url).content.decode()
    assert not services.peer_reviews(world.users["reviewer"], mine).exists()
    _post(client, mine.pk, submit=True, **SCORES)
    assert "PEER-NOTE" in client.get(url).content.decode()
    client.post(url + "discussion/", {"text": "I agree on impact."})
    assert "I agree on impact." in Review.objects.get(assignment=mine).comment_to_panel


def test_a_conflict_declared_after_assignment_closes_the_review(setup: Any, world: World) -> None:
    mine = _mine(setup)[0]
    client = world.client("reviewer")
    url = f"/e/alpha/challenges/reviews/{mine.pk}/"
    assert client.get(url).status_code == 200
    reviewers.declare_conflict(setup.reviewers[0], mine.application, world.users["staff"])
    assert client.get(url).status_code == 404
    assert mine.application.title not in client.get("/e/alpha/challenges/reviews/").content.decode()
    with pytest.raises(DomainError):
        services.save_review(world.users["reviewer"], mine, scores=SCORES)


def test_the_applicant_never_reaches_the_review_pages(setup: Any, world: World) -> None:
    from django.test import Client

    client = Client()
    client.force_login(setup.applicant)
    pk = _mine(setup)[0].pk
    for url in (
        f"/e/alpha/challenges/reviews/{pk}/",
        "/e/alpha/challenges/reviews/",
        "/e/alpha/challenges/reviews/bids/",
        f"/e/alpha/challenges/rounds/{setup.round.pk}/assignments/",
    ):
        assert client.get(url).status_code == 403, url


def test_completion_and_reminders_once_a_day(
    setup: Any, world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mine = _mine(setup)
    services.save_review(world.users["reviewer"], mine[0], scores=SCORES, submit=True)
    client = world.client("staff")
    page = client.get(f"/e/alpha/challenges/rounds/{setup.round.pk}/completion/")
    assert page.status_code == 200
    done = services.completion(setup.round)
    assert done["total"].assigned == 8
    assert done["total"].submitted == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/e/alpha/challenges/rounds/{setup.round.pk}/completion/remind/")
    received = smtp.to("reviewer@alpha.test")
    assert len(mine) == 2
    assert len(received) == 1
    assert "review waiting" in received[0].message["Subject"]
    assert mine[1].application.title in received[0].text()
    assert mine[0].application.title not in received[0].text()
    assert Assignment.objects.filter(reviewer=setup.reviewers[1], reminded_at__isnull=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(setup.round) == 0  # not twice in a day
    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(setup.round, now=later) > 0


def test_overdue_counts_past_the_due_date(setup: Any) -> None:
    setup.round.due_at = timezone.now() - datetime.timedelta(hours=1)
    setup.round.save()
    done = services.completion(setup.round)
    assert done["total"].overdue == done["total"].assigned == 8


def test_list_pages_take_no_query_per_row(setup: Any, world: World) -> None:
    """Queries do not grow with the rows: the same count with two assignments each as with
    one more application assigned to everyone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff, reviewer = world.client("staff"), world.client("reviewer")
    urls = [
        (reviewer, "/e/alpha/challenges/reviews/"),
        (reviewer, "/e/alpha/challenges/reviews/bids/"),
        (staff, f"/e/alpha/challenges/rounds/{setup.round.pk}/completion/"),
        (staff, f"/e/alpha/challenges/rounds/{setup.round.pk}/assignments/"),
        (staff, "/e/alpha/challenges/reviewers/"),
    ]

    def counts() -> list[int]:
        found = []
        for client, url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    extra = setup.applications[1]
    for n, profile in enumerate(setup.reviewers):
        copy = type(extra).objects.create(
            ecosystem=extra.ecosystem,
            call=extra.call,
            round=extra.round,
            lead=extra.lead,
            organization_name=f"More {n}",
            organization_sector=extra.organization_sector,
            title=f"More {n}",
            status=extra.status,
        )
        Assignment.objects.create(round=setup.round, reviewer=profile, application=copy)
    assert counts() == before


def test_the_daily_command_reminds_every_reviewer_of_open_rounds(
    setup: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("challenges_reminders", "--ecosystem", "alpha", stdout=out)
    assert "4 reviewer(s) reminded" in out.getvalue()
    assert {p.user.email for p in setup.reviewers} == {m.message["To"] for m in smtp.received}
