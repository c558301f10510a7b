"""Assigning a round: through reviewing.assign, k and loads respected, no conflicted pair,
locks and reviews kept on a re-solve, a conflicted lock refused, infeasibility explained."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ecotone.challenges import access
from ecotone.challenges.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Bid,
    Review,
    ReviewerProfile,
)
from ecotone.challenges.services import assignments as services
from ecotone.challenges.services import reviewers
from tests.challenges import builders_reviewing
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world: World) -> builders_reviewing.Reviewing:
    found = builders_reviewing.build(world, applications=8, reviewers=6, k=2, max_load=4)
    found.reviewers[0].organizations.add(world.org_a)  # in conflict with application 0
    reviewers.declare_conflict(found.reviewers[1], found.applications[1], world.users["staff"])
    return found


def _pairs(round_: Any) -> set[tuple[int, int]]:
    return set(Assignment.objects.filter(round=round_).values_list("reviewer_id", "application_id"))


def _conflicted(pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for reviewer_id, application_id in pairs:
        profile = ReviewerProfile.objects.get(pk=reviewer_id)
        if access.is_conflicted(profile, Application.objects.get(pk=application_id)):
            out.append((reviewer_id, application_id))
    return out


def test_solve_gives_k_reviewers_each_within_loads_and_no_conflict(
    setup: Any, world: World
) -> None:
    setup.reviewers[2].max_load = 2  # capped below the round's 4
    setup.reviewers[2].save()
    Bid.objects.create(
        reviewer=setup.reviewers[3], application=setup.applications[5], value="eager"
    )
    services.solve(setup.round, world.users["staff"])
    pairs = _pairs(setup.round)
    per_application = Counter(a for _r, a in pairs)
    per_reviewer = Counter(r for r, _a in pairs)
    assert all(per_application[a.pk] == 2 for a in setup.applications)
    assert max(per_reviewer.values()) <= 4
    assert per_reviewer[setup.reviewers[2].pk] <= 2
    assert (setup.reviewers[0].pk, setup.applications[0].pk) not in pairs
    assert (setup.reviewers[1].pk, setup.applications[1].pk) not in pairs
    assert _conflicted(pairs) == []
    assert (setup.reviewers[3].pk, setup.applications[5].pk) in pairs  # the eager bid
    setup.round.refresh_from_db()
    assert setup.round.solved_at is not None
    assert setup.round.solve_report["pairs"] == 16
    assignment = Assignment.objects.filter(round=setup.round).first()
    assert set(assignment.explanation) >= {"topics", "regions", "sectors", "bid", "diversity"}
    assert {a.status for a in services.round_applications(setup.round)} == {
        ApplicationStatus.IN_REVIEW
    }


def test_resolve_keeps_locks_and_reviews_and_replaces_a_pair_conflicted_since(
    setup: Any, world: World
) -> None:
    staff = world.users["staff"]
    services.solve(setup.round, staff)
    first = list(Assignment.objects.filter(round=setup.round).order_by("pk"))
    locked, reviewed, doomed = first[0], first[1], first[2]
    services.set_locked(locked, staff, True)
    Review.objects.create(assignment=reviewed, scores={"impact": 3})
    # A conflict declared after assignment: hidden at once, replaced on the re-solve.
    reviewers.declare_conflict(doomed.reviewer, doomed.application, staff, "found out")
    assert not access.assignments_of(doomed.reviewer.user, world.alpha).filter(pk=doomed.pk)
    services.solve(setup.round, staff)
    pairs = _pairs(setup.round)
    assert (locked.reviewer_id, locked.application_id) in pairs
    assert Assignment.objects.filter(pk=locked.pk, locked=True).exists()
    assert Assignment.objects.filter(pk=reviewed.pk).exists()
    assert (doomed.reviewer_id, doomed.application_id) not in pairs
    assert Counter(a for _r, a in pairs)[doomed.application_id] == 2
    assert _conflicted(pairs) == []


def test_a_conflicted_pair_added_by_hand_is_refused_with_the_reason(
    setup: Any, world: World
) -> None:
    client = world.client("staff")
    url = f"/e/alpha/challenges/rounds/{setup.round.pk}/assignments/add/"
    response = client.post(
        url,
        {"reviewer": setup.reviewers[0].pk, "application": setup.applications[0].pk},
        follow=True,
    )
    assert "in conflict" in response.content.decode()
    assert not Assignment.objects.exists()
    client.post(url, {"reviewer": setup.reviewers[0].pk, "application": setup.applications[2].pk})
    added = Assignment.objects.get()
    assert added.locked
    assert added.reviewer == setup.reviewers[0]
    services.solve(setup.round, world.users["staff"])
    assert (setup.reviewers[0].pk, setup.applications[2].pk) in _pairs(setup.round)


def test_a_lock_that_became_conflicted_is_refused_and_reported(setup: Any, world: World) -> None:
    staff = world.users["staff"]
    pair = services.add_pair(setup.round, setup.reviewers[3], setup.applications[4], staff)
    reviewers.declare_conflict(setup.reviewers[3], setup.applications[4], staff)
    services.solve(setup.round, staff)
    setup.round.refresh_from_db()
    assert not Assignment.objects.filter(pk=pair.pk).exists()
    assert [r["reason"] for r in setup.round.solve_report["refused"]] == ["conflict"]


def test_infeasible_round_is_explained_and_changes_nothing(setup: Any, world: World) -> None:
    setup.round.reviews_per_application = 6  # six reviewers, two in conflict somewhere
    setup.round.save()
    page = world.client("staff").post(
        f"/e/alpha/challenges/rounds/{setup.round.pk}/assignments/solve/", follow=True
    )
    setup.round.refresh_from_db()
    assert "infeasible" in setup.round.solve_report
    assert not Assignment.objects.exists()
    text = page.content.decode()
    assert "fewer reviewers free of conflict" in text or "most applications add up" in text


def test_assignment_page_shows_each_pair_with_its_explanation(setup: Any, world: World) -> None:
    services.solve(setup.round, world.users["staff"])
    client = world.client("staff")
    url = f"/e/alpha/challenges/rounds/{setup.round.pk}/assignments/"
    confirm = client.get(url + "solve/")
    assert "Assign again" in confirm.content.decode()
    page = client.get(url).content.decode()
    assert "topics" in page
    assert "diversity" in page
    assert setup.applications[3].title in page
    searched = client.get(url, {"q": "Project 03"}).content.decode()
    assert f'<th scope="row">{setup.applications[3].title}</th>' in searched
    assert f'<th scope="row">{setup.applications[4].title}</th>' not in searched
    one = Assignment.objects.filter(round=setup.round).first()
    client.post(f"/e/alpha/challenges/assignments/{one.pk}/lock/", {"locked": "1"})
    one.refresh_from_db()
    assert one.locked


def test_a_large_round_is_solved_by_the_task_with_the_same_result(
    setup: Any, world: World, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.solve(setup.round, world.users["staff"])
    expected = _pairs(setup.round)
    Assignment.objects.all().delete()
    monkeypatch.setattr(services, "SYNC_MAX_PAIRS", 1)
    client = world.client("staff")
    url = f"/e/alpha/challenges/rounds/{setup.round.pk}/assignments/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(url + "solve/")
    setup.round.refresh_from_db()
    assert services.is_queued(setup.round)
    assert "being assigned" in client.get(url).content.decode()
    assert not Assignment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    setup.round.refresh_from_db()
    assert not services.is_queued(setup.round)
    assert _pairs(setup.round) == expected
    # A queued solve whose task was lost does not block the round for ever.
    setup.round.solve_report = {"queued": True, "queued_at": "2020-01-01T00:00:00+00:00"}
    assert not services.is_queued(setup.round)


def test_the_demo_size_round_solves_fast_without_a_query_per_row(
    world: World, django_assert_max_num_queries: Any
) -> None:
    import time

    found = builders_reviewing.build(world, applications=90, reviewers=20, k=3, max_load=15)
    found.reviewers[0].organizations.add(world.org_a)
    started = time.perf_counter()
    with django_assert_max_num_queries(40):
        services.solve(found.round, world.users["staff"])
    assert time.perf_counter() - started < 3
    pairs = _pairs(found.round)
    assert len(pairs) == 270
    assert set(Counter(a for _r, a in pairs).values()) == {3}
    assert max(Counter(r for r, _a in pairs).values()) <= 15
    assert (found.reviewers[0].pk, found.applications[0].pk) not in pairs


def test_a_decided_round_keeps_its_assignment(setup: Any, world: World) -> None:
    """Once the round's decisions are taken its pairs are history: a re-solve is refused on
    the service and the page offers none."""
    from django.urls import reverse

    from ecotone.challenges.models import Decision, Outcome
    from ecotone.errors import DomainError

    services.solve(setup.round, world.users["staff"])
    before = _pairs(setup.round)
    Decision.objects.create(
        application=setup.applications[0], round=setup.round, outcome=Outcome.ADVANCE
    )
    with pytest.raises(DomainError, match="decided"):
        services.solve(setup.round, world.users["staff"])
    assert _pairs(setup.round) == before
    page = world.client("staff").get(
        reverse("challenges:round_assignments", args=["alpha", setup.round.pk])
    )
    assert "Assign again" not in page.content.decode()
    assert "is decided" in page.content.decode()
