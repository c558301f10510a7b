"""The challenges API per persona: what each one reads matches `challenges.access` (an
applicant only their own applications, a reviewer only what they are assigned and never a
conflicted one, peers' reviews only after their own is submitted and never who wrote them,
drafts of calls for the backbone only, the public list of winners with public fields only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from ecotone.challenges.models import ConflictDeclaration, ReviewStatus
from tests.challenges.builders_api import ApiRecords, build_records
from tests.conftest import World, build_world

BASE = "/api/v1/ecosystems/alpha/challenges"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, ApiRecords]]:
    """The world and the records, built once for the module in a transaction rolled back at
    its end; each test runs in a savepoint inside it (`db`)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        yield world, build_records(world)
        transaction.set_rollback(True)


@pytest.fixture
def w(built: tuple[World, ApiRecords], db: None) -> World:
    return built[0]


@pytest.fixture
def r(built: tuple[World, ApiRecords], db: None) -> ApiRecords:
    return built[1]


def _ids(response: Any) -> set[Any]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_an_applicant_sees_only_their_own_applications(w: World, r: ApiRecords) -> None:
    member = w.client("member")
    assert _ids(member.get(f"{BASE}/applications/")) == {r.mine.pk, r.draft.pk}
    response = member.get(f"{BASE}/applications/{r.mine.pk}/")
    assert response["ETag"]  # for a later PATCH's If-Match
    detail = response.json()
    assert detail["lead_email"] == "member@alpha.test"
    assert detail["answers"] == {"plan": "The plan of River Lab"}
    revisions = member.get(f"{BASE}/applications/{r.mine.pk}/revisions/").json()
    assert [v["number"] for v in revisions] == [1]
    # another signed-in person, in the ecosystem or not, learns nothing of it
    for persona in ("partner_a", "outsider", "mentor"):
        client = w.client(persona)
        assert client.get(f"{BASE}/applications/{r.mine.pk}/").status_code == 404, persona
        assert client.get(f"{BASE}/applications/{r.mine.pk}/revisions/").status_code == 404
        assert r.mine.pk not in _ids(client.get(f"{BASE}/applications/"))


def test_a_reviewer_reads_an_assigned_application_and_loses_it_to_a_conflict(
    w: World, r: ApiRecords
) -> None:
    reviewer = w.client("reviewer")
    assert _ids(reviewer.get(f"{BASE}/applications/")) == {r.mine.pk}
    detail = reviewer.get(f"{BASE}/applications/{r.mine.pk}/")
    assert detail.status_code == 200
    data = detail.json()
    # what they score, without the applicants' contact details or the feedback
    assert data["answers"] == {"plan": "The plan of River Lab"}
    assert data["lead_email"] is None
    assert data["feedback"] is None
    assert reviewer.get(f"{BASE}/applications/{r.other.pk}/").status_code == 404
    assert _ids(reviewer.get(f"{BASE}/assignments/")) == {r.assignment.pk}

    ConflictDeclaration.objects.create(
        reviewer=r.reviewer, application=r.mine, reason="My cousin leads it"
    )
    assert reviewer.get(f"{BASE}/applications/{r.mine.pk}/").status_code == 404
    assert reviewer.get(f"{BASE}/applications/{r.mine.pk}/revisions/").status_code == 404
    assert _ids(reviewer.get(f"{BASE}/applications/")) == set()
    assert _ids(reviewer.get(f"{BASE}/assignments/")) == set()
    assert reviewer.get(f"{BASE}/assignments/{r.assignment.pk}/").status_code == 404
    assert _ids(reviewer.get(f"{BASE}/reviews/")) == set()


def test_peers_reviews_show_only_after_ones_own_is_submitted_and_never_who_wrote_them(
    w: World, r: ApiRecords
) -> None:
    reviewer = w.client("reviewer")
    before = reviewer.get(f"{BASE}/reviews/").json()["results"]
    assert [(row["id"], row["mine"]) for row in before] == [(r.review.pk, True)]
    assert before[0]["reviewer"]["email"] == "reviewer@alpha.test"
    assert reviewer.get(f"{BASE}/reviews/{r.peer_review.pk}/").status_code == 404

    r.review.status = ReviewStatus.SUBMITTED
    r.review.save()
    after = {row["id"]: row for row in reviewer.get(f"{BASE}/reviews/").json()["results"]}
    assert set(after) == {r.review.pk, r.peer_review.pk}
    peer = after[r.peer_review.pk]
    assert peer["mine"] is False
    assert peer["reviewer"] is None
    assert peer["comment_to_panel"] == "Strong partners"
    assert peer["scores"] == {"impact": 5}
    # the peer's identity appears in nothing the reviewer reads
    for url in (
        f"{BASE}/reviews/",
        f"{BASE}/reviews/{r.peer_review.pk}/",
        f"{BASE}/applications/{r.mine.pk}/",
        f"{BASE}/assignments/",
        f"{BASE}/reviewers/",
    ):
        body = reviewer.get(url).content.decode()
        assert "peer@alpha.test" not in body, url
        assert "Peer Reviewer" not in body, url
    # the backbone sees who wrote each
    staff_view = w.client("staff").get(f"{BASE}/reviews/{r.peer_review.pk}/").json()
    assert staff_view["reviewer"]["email"] == "peer@alpha.test"


def test_a_draft_call_is_the_backbones_only(w: World, r: ApiRecords) -> None:
    for persona in ("anonymous", "member", "reviewer", "outsider"):
        client = w.client(persona)
        slugs = {c["slug"] for c in client.get(f"{BASE}/calls/").json()["results"]}
        assert slugs == {"api-open", "api-past"}, persona
        assert client.get(f"{BASE}/calls/api-draft/").status_code == 404, persona
    staff = w.client("staff")
    assert staff.get(f"{BASE}/calls/api-draft/").status_code == 200
    assert {
        c["slug"] for c in staff.get(f"{BASE}/calls/", {"status": "draft"}).json()["results"]
    } == {"api-draft"}
    call = w.client("anonymous").get(f"{BASE}/calls/api-open/").json()
    assert call["criteria"][0]["descriptors"][-1] == "Transformative"
    assert [q["key"] for q in call["questions"]] == ["plan"]
    assert call["eligibility"][0]["reason"] == "The call funds youth programs."
    assert [x["name"] for x in call["rounds"]] == ["Full review"]


def test_anonymous_callers_read_only_the_public_endpoints(w: World, r: ApiRecords) -> None:
    anonymous = w.client("anonymous")
    for path in ("applications", "assignments", "reviews", "reviewers", "decisions", "awards"):
        assert anonymous.get(f"{BASE}/{path}/").status_code == 401, path
    winners = anonymous.get(f"{BASE}/winners/")
    assert winners.status_code == 200
    rows = winners.json()["results"]
    # the award of a call whose winners are not published stays hidden
    assert [row["id"] for row in rows] == [r.winner.pk]
    assert rows[0]["title"] == "Robot Garden"
    assert rows[0]["amount"] == "20000.00"
    assert set(rows[0]) == {
        "id",
        "call",
        "call_title",
        "title",
        "organization_name",
        "city",
        "state",
        "summary",
        "amount",
        "in_kind",
        "citation",
    }


def test_the_backbone_reads_every_submitted_application_decision_and_award(
    w: World, r: ApiRecords
) -> None:
    staff = w.client("staff")
    listed = _ids(staff.get(f"{BASE}/applications/"))
    assert r.mine.pk in listed
    assert r.other.pk in listed
    assert r.draft.pk not in listed
    assert _ids(
        staff.get(f"{BASE}/applications/", {"call": "api-open", "status": "submitted"})
    ) == {
        r.mine.pk,
        r.other.pk,
    }
    assert _ids(staff.get(f"{BASE}/applications/", {"search": "Library"})) == {r.other.pk}
    assert staff.get(f"{BASE}/applications/{r.other.pk}/").json()["lead_email"] == (
        "partner_b@alpha.test"
    )
    decision = staff.get(f"{BASE}/decisions/").json()["results"]
    assert [(d["outcome"], d["decided_by"]) for d in decision] == [("advance", "Staff")]
    awards = {a["id"]: a for a in staff.get(f"{BASE}/awards/").json()["results"]}
    assert set(awards) == {r.award.pk, r.winner.pk}
    assert [m["title"] for m in awards[r.award.pk]["milestones"]] == ["First payment"]
    assert _ids(staff.get(f"{BASE}/reviewers/")) == {r.reviewer.pk, r.peer.pk}
    assert _ids(staff.get(f"{BASE}/assignments/", {"application": r.mine.pk})) == {
        r.assignment.pk,
        r.peer_assignment.pk,
    }
    # a reviewer reads their own profile, and members without the role are refused
    assert _ids(w.client("reviewer").get(f"{BASE}/reviewers/")) == {r.reviewer.pk}
    assert w.client("reviewer").get(f"{BASE}/reviewers/{r.peer.pk}/").status_code == 404
    assert w.client("member").get(f"{BASE}/reviewers/").status_code == 403
    assert w.client("reviewer").get(f"{BASE}/decisions/").status_code == 403
    # read-only until the services' writes arrive
    put = staff.put(f"{BASE}/applications/{r.mine.pk}/", {}, content_type="application/json")
    assert put.status_code == 405


def test_a_filter_value_it_does_not_allow_is_refused_with_its_name(w: World, r: ApiRecords) -> None:
    staff = w.client("staff")
    for path, name, value in (
        ("applications", "status", "bogus"),
        ("applications", "round", "first"),
        ("calls", "status", "bogus"),
        ("reviews", "status", "bogus"),
        ("decisions", "outcome", "bogus"),
        ("reviewers", "active", "yes"),
    ):
        response = staff.get(f"{BASE}/{path}/", {name: value})
        assert response.status_code == 400, (path, name)
        assert name in response.json()


def test_lists_take_the_same_queries_however_many_rows(w: World, r: ApiRecords) -> None:
    """No query per row (the demo's past call has 90 applications and ~270 reviews)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ecotone.challenges.models import Assignment
    from tests.challenges.builders_api import make_application, make_review

    paths = ("applications", "assignments", "reviews", "decisions", "awards", "reviewers", "calls")

    def counts(persona: str) -> dict[str, int]:
        client = w.client(persona)
        client.get(f"{BASE}/calls/")  # the session and the roles, read once
        found = {}
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{BASE}/{path}/").status_code in (200, 403)
            found[path] = len(queries)
        return found

    before = {persona: counts(persona) for persona in ("staff", "reviewer")}
    for n in range(3):
        application = make_application(
            r.open_call, w.users["partner_a"], f"More {n}", round_=r.review_round
        )
        assignment = Assignment.objects.create(
            round=r.review_round, reviewer=r.reviewer, application=application
        )
        make_review(assignment, submitted=True)
    assert {persona: counts(persona) for persona in ("staff", "reviewer")} == before
