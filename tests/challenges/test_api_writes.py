"""The challenges API's writes per persona, through the API client: an applicant drafts,
edits and submits (refused after the deadline, saying why); nobody else reaches their
draft; a reviewer bids only where free of conflict and has a score out of scale refused
naming the criterion; a stale If-Match answers 412; the backbone solves a round without a
conflicted pair, ranks, shortlists and awards, and nobody else may."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from ecotone.challenges import access
from ecotone.challenges.models import (
    ApplicationStatus,
    Assignment,
    Call,
    ConflictDeclaration,
    Round,
    RoundKind,
)
from ecotone.ecosystems.models import Sector
from tests.challenges.builders_api import (
    ApiRecords,
    build_records,
    make_application,
    make_call,
    make_reviewer,
)
from tests.challenges.builders_ranking import build_round
from tests.conftest import World, build_world, make_user

BASE = "/api/v1/ecosystems/alpha/challenges"
JSON = "application/json"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, ApiRecords]]:
    """The world and the API's records, built once for the module in a transaction rolled
    back at its end; each test runs in a savepoint inside it (`db`)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        records = build_records(world)
        # open for a month from now, whatever day the suite runs
        Call.objects.filter(pk=records.open_call.pk).update(
            deadline=timezone.now() + datetime.timedelta(days=30)
        )
        yield world, records
        transaction.set_rollback(True)


@pytest.fixture
def w(built: tuple[World, ApiRecords], db: None) -> World:
    return built[0]


@pytest.fixture
def r(built: tuple[World, ApiRecords], db: None) -> ApiRecords:
    return built[1]


def _etag(client: Any, url: str) -> str:
    return str(client.get(url)["ETag"])


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def test_an_applicant_creates_edits_and_submits(w: World, r: ApiRecords) -> None:
    member = w.client("member")
    created = member.post(
        f"{BASE}/applications/",
        {
            "call": "api-open",
            "title": "Pond Watch",
            "organization_name": "Pond Friends",
            "organization_sector": Sector.YOUTH_NONPROFIT,
        },
        content_type=JSON,
    )
    draft = _ok(created, 201)
    assert draft["status"] == ApplicationStatus.DRAFT
    url = f"{BASE}/applications/{draft['id']}/"
    # kept with its problem, which is named beside the question
    too_long = _ok(member.patch(url, {"answers": {"plan": "frog " * 301}}, JSON))
    assert too_long["problems"] == {"plan": ["301 words: the limit is 300."]}
    assert too_long["answers"]["plan"]

    edited = member.patch(
        url,
        {"answers": {"plan": "We count frogs with the library's makers."}},
        content_type=JSON,
        headers={"If-Match": _etag(member, url)},
    )
    data = _ok(edited)
    assert data["answers"] == {"plan": "We count frogs with the library's makers."}
    assert data["problems"] == {}
    assert data["title"] == "Pond Watch"  # what the PATCH left out is kept

    # the eligibility questions come first, and the refusal says so
    refused = member.post(f"{url}submit/", content_type=JSON)
    assert refused.status_code == 400
    assert "eligibility" in refused.json()["detail"]
    question = r.open_call.eligibility.get()
    screened = _ok(member.post(f"{url}screen/", {"answers": {str(question.pk): True}}, JSON))
    assert screened["ineligible_reasons"] == []

    submitted = _ok(member.post(f"{url}submit/", content_type=JSON))
    assert submitted["status"] == ApplicationStatus.SUBMITTED
    assert [v["number"] for v in _ok(member.get(f"{url}revisions/"))] == [1]
    invited = member.post(f"{url}co-applicants/", {"email": "frog@example.test"}, JSON)
    assert _ok(invited, 201)["email"] == "frog@example.test"


def test_a_submit_after_the_deadline_is_refused_saying_why(w: World, r: ApiRecords) -> None:
    Call.objects.filter(pk=r.open_call.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    member = w.client("member")
    url = f"{BASE}/applications/{r.draft.pk}/"
    for response in (
        member.post(f"{url}submit/", content_type=JSON),
        member.patch(url, {"answers": {"plan": "Late"}}, content_type=JSON),
    ):
        assert response.status_code == 400
        assert "deadline has passed" in response.json()["detail"]
    r.draft.refresh_from_db()
    assert r.draft.status == ApplicationStatus.DRAFT
    assert r.draft.answers == {"plan": "The plan of Sky Club"}
    # nor may anyone start one
    started = member.post(
        f"{BASE}/applications/",
        {"call": "api-open", "title": "Late", "organization_name": "Late Org"},
        content_type=JSON,
    )
    assert started.status_code == 400
    assert "not taking applications" in started.json()["detail"]


def test_someone_elses_application_is_not_found(w: World, r: ApiRecords) -> None:
    url = f"{BASE}/applications/{r.draft.pk}/"
    # the backbone and the assigned reviewer read the member's submitted one, but change none
    for persona, target in (
        ("partner_a", url),
        ("outsider", url),
        ("staff", url),
        ("staff", f"{BASE}/applications/{r.mine.pk}/"),
        ("reviewer", f"{BASE}/applications/{r.mine.pk}/"),
    ):
        client = w.client(persona)
        assert client.patch(target, {"title": "Mine now"}, JSON).status_code == 404, persona
        for verb in ("submit", "withdraw", "screen", "co-applicants"):
            assert client.post(f"{target}{verb}/", {}, JSON).status_code == 404, (persona, verb)
    assert w.client("anonymous").patch(url, {}, JSON).status_code == 401
    r.draft.refresh_from_db()
    assert r.draft.title == "Sky Club"


def test_a_reviewer_bids_only_where_free_of_conflict(w: World, r: ApiRecords) -> None:
    reviewer = w.client("reviewer")
    bid = _ok(reviewer.put(f"{BASE}/bids/{r.other.pk}/", {"value": "eager"}, JSON))
    assert (bid["application"]["id"], bid["value"]) == (r.other.pk, "eager")
    assert [b["value"] for b in _ok(reviewer.get(f"{BASE}/bids/"))["results"]] == ["eager"]
    assert reviewer.put(f"{BASE}/bids/{r.other.pk}/", {"value": "keen"}, JSON).status_code == 400

    declared = reviewer.post(
        f"{BASE}/conflicts/", {"application": r.other.pk, "reason": "I advise them"}, JSON
    )
    assert _ok(declared, 201)["reason"] == "I advise them"
    # one the applicant declared about them is not the reviewer's to read
    ConflictDeclaration.objects.create(
        reviewer=r.reviewer, application=r.mine, reason="Rival lab", declared_by=w.users["member"]
    )
    conflicts = _ok(reviewer.get(f"{BASE}/conflicts/"))["results"]
    assert [c["application"]["id"] for c in conflicts] == [r.other.pk]
    # the bid on it is dropped, and a conflicted application is no longer there to bid on
    assert _ok(reviewer.get(f"{BASE}/bids/"))["results"] == []
    assert reviewer.put(f"{BASE}/bids/{r.other.pk}/", {"value": "eager"}, JSON).status_code == 404
    assert reviewer.delete(f"{BASE}/bids/{r.other.pk}/").status_code == 404
    # nobody else bids, and the peer's bids are not the reviewer's to read
    assert (
        w.client("member").put(f"{BASE}/bids/{r.mine.pk}/", {"value": "eager"}, JSON).status_code
        == 403
    )
    assert w.client("staff").get(f"{BASE}/conflicts/").json()["count"] == 2


def test_a_review_out_of_scale_is_refused_naming_the_criterion(w: World, r: ApiRecords) -> None:
    reviewer = w.client("reviewer")
    url = f"{BASE}/reviews/{r.review.pk}/"
    refused = reviewer.patch(url, {"scores": {"impact": 9}}, JSON)
    assert refused.status_code == 400
    assert "Impact" in refused.json()["detail"]
    draft = _ok(reviewer.patch(url, {"comment_to_applicant": "Say who leads"}, JSON))
    assert draft["scores"] == {"impact": 3}  # kept: the PATCH named no score
    assert draft["comment_to_applicant"] == "Say who leads"

    submitted = _ok(reviewer.post(f"{url}submit/", {"scores": {"impact": 4}}, JSON))
    assert (submitted["status"], submitted["total"]) == ("submitted", 4.0)
    again = reviewer.patch(url, {"comment_to_panel": "Changed my mind"}, JSON)
    assert again.status_code == 400
    assert "already submitted" in again.json()["detail"]
    # the peer's review is not the reviewer's to change (nor the backbone's)
    peer_url = f"{BASE}/reviews/{r.peer_review.pk}/"
    assert reviewer.patch(peer_url, {"comment_to_panel": "x"}, JSON).status_code == 404
    assert w.client("staff").patch(url, {"comment_to_panel": "x"}, JSON).status_code == 403
    # beginning a review of one's assignment reads the one begun
    begun = reviewer.post(f"{BASE}/assignments/{r.assignment.pk}/review/")
    assert _ok(begun)["id"] == r.review.pk


def test_a_stale_if_match_answers_412(w: World, r: ApiRecords) -> None:
    reviewer = w.client("reviewer")
    url = f"{BASE}/reviews/{r.review.pk}/"
    read = reviewer.get(url)
    saved = reviewer.patch(
        url, {"comment_to_panel": "First"}, JSON, headers={"If-Match": read["ETag"]}
    )
    assert saved.status_code == 200
    assert saved["ETag"] != read["ETag"]
    stale = reviewer.patch(
        url, {"comment_to_panel": "Second"}, JSON, headers={"If-Match": read["ETag"]}
    )
    assert stale.status_code == 412
    r.review.refresh_from_db()
    assert r.review.comment_to_panel == "First"

    staff = w.client("staff")
    award_url = f"{BASE}/awards/{r.award.pk}/"
    tag = staff.get(award_url)["ETag"]
    _ok(staff.patch(award_url, {"citation": "Frogs"}, JSON, headers={"If-Match": tag}))
    assert (
        staff.patch(award_url, {"amount": "1"}, JSON, headers={"If-Match": tag}).status_code == 412
    )

    member = w.client("member")
    draft_url = f"{BASE}/applications/{r.draft.pk}/"
    tag = member.get(draft_url)["ETag"]
    _ok(member.patch(draft_url, {"title": "Sky Club 2"}, JSON, headers={"If-Match": tag}))
    assert (
        member.patch(draft_url, {"title": "x"}, JSON, headers={"If-Match": tag}).status_code == 412
    )


def test_the_backbone_solves_a_round_without_a_conflicted_pair(w: World, r: ApiRecords) -> None:
    call, round_ = make_call(w.alpha, "api-solve")
    Round.objects.filter(pk=round_.pk).update(reviews_per_application=2, max_load=4)
    leads = [make_user(f"lead{i}@example.test") for i in range(4)]
    applications = [
        make_application(call, lead, f"Project {i}", round_=round_) for i, lead in enumerate(leads)
    ]
    third = make_reviewer(w.alpha, make_user("third@alpha.test"))
    ConflictDeclaration.objects.create(reviewer=r.reviewer, application=applications[0])
    ConflictDeclaration.objects.create(reviewer=third, application=applications[1])

    staff = w.client("staff")
    solved = _ok(staff.post(f"{BASE}/rounds/{round_.pk}/solve/", content_type=JSON))
    assert solved["solve_report"]["pairs"] == 8
    assert "infeasible" not in solved["solve_report"]
    pairs = list(Assignment.objects.filter(round=round_).select_related("reviewer", "application"))
    assert len(pairs) == 8
    for a in applications:
        assert sum(1 for p in pairs if p.application_id == a.pk) == 2
    for p in pairs:
        assert not access.is_conflicted(p.reviewer, p.application), (p.reviewer, p.application)
    assert (r.reviewer.pk, applications[0].pk) not in {
        (p.reviewer_id, p.application_id) for p in pairs
    }

    # lock a pair; read the (still unreviewed) ranking; a one-round call shortlists nothing
    locked = _ok(staff.post(f"{BASE}/assignments/{pairs[0].pk}/lock/", content_type=JSON))
    assert locked["locked"] is True
    ranking = _ok(staff.get(f"{BASE}/rounds/{round_.pk}/ranking/"))
    assert {row["application"]["id"] for row in ranking["rows"]} == {a.pk for a in applications}
    refused = staff.post(f"{BASE}/rounds/{round_.pk}/shortlist/", {"top": 2}, JSON)
    assert refused.status_code == 400
    assert "last round" in refused.json()["detail"]


def test_the_backbone_reads_a_ranking_and_shortlists_the_top(w: World) -> None:
    built = build_round(
        w.alpha,
        qualities=[4.0, 3.0, 2.0],
        leniencies=[0.0, 0.5, -0.5],
        slug="api-ranked",
        kinds=(RoundKind.REVIEW, RoundKind.PANEL),
    )
    staff = w.client("staff")
    url = f"{BASE}/rounds/{built.first.pk}"
    ranking = _ok(staff.get(f"{url}/ranking/"))
    by_rank = sorted(ranking["rows"], key=lambda row: row["adjusted_rank"])
    assert [row["application"]["id"] for row in by_rank] == [a.pk for a in built.applications]
    assert len(ranking["reviewers"]) == 3

    made = _ok(staff.post(f"{url}/shortlist/", {"top": 1, "note": "The strongest"}, JSON))
    outcomes = {d["application"]["id"]: d["outcome"] for d in made}
    assert outcomes == {
        built.applications[0].pk: "advance",
        built.applications[1].pk: "decline",
        built.applications[2].pk: "decline",
    }
    assert {d["decided_by"] for d in made} == {w.users["staff"].name or "staff@alpha.test"}
    again = staff.post(f"{url}/shortlist/", {"top": 1}, JSON)
    assert again.status_code == 400
    assert "already been decided" in again.json()["detail"]
    both = staff.post(f"{url}/shortlist/", {"top": 1, "advance": [1]}, JSON)
    assert both.status_code == 400


def test_the_backbone_awards_announces_and_publishes(w: World, r: ApiRecords) -> None:
    staff = w.client("staff")
    granted = staff.post(f"{BASE}/awards/", {"application": r.other.pk, "amount": "2500.00"}, JSON)
    assert _ok(granted, 201)["amount"] == "2500.00"
    announced = _ok(staff.post(f"{BASE}/calls/api-open/announce/", content_type=JSON))
    assert {a["application"]["id"] for a in announced} == {r.mine.pk, r.other.pk}
    published = _ok(staff.post(f"{BASE}/calls/api-open/publish-winners/", content_type=JSON))
    assert published["winners_published_at"]
    winners = _ok(w.client("anonymous").get(f"{BASE}/winners/", {"call": "api-open"}))
    assert {x["title"] for x in winners["results"]} == {"River Lab", "Library Makers"}

    pool = _ok(staff.get(f"{BASE}/calls/api-open/pool/"))
    assert pool["applications"] == 2
    assert pool["sectors"][0]["count"] == 2


def test_only_the_backbone_runs_rounds_and_awards(w: World, r: ApiRecords) -> None:
    round_url = f"{BASE}/rounds/{r.review_round.pk}"
    for persona in ("member", "reviewer", "partner_a", "mentor"):
        client = w.client(persona)
        for response in (
            client.post(f"{round_url}/solve/", content_type=JSON),
            client.post(f"{round_url}/shortlist/", {"top": 1}, JSON),
            client.get(f"{round_url}/ranking/"),
            client.post(f"{BASE}/awards/", {"application": r.other.pk, "amount": "1"}, JSON),
            client.patch(f"{BASE}/awards/{r.award.pk}/", {"amount": "1"}, JSON),
            client.post(f"{BASE}/calls/api-open/announce/", content_type=JSON),
            client.post(f"{BASE}/calls/api-open/publish-winners/", content_type=JSON),
            client.get(f"{BASE}/calls/api-open/pool/"),
            client.post(f"{BASE}/assignments/{r.assignment.pk}/lock/", content_type=JSON),
        ):
            assert response.status_code == 403, (persona, response.request["PATH_INFO"])
    assert not Assignment.objects.filter(round=r.review_round, locked=True).exists()
