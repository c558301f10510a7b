"""The mentoring API, per persona: what each one sees, contact details and identity hidden from
programs, proposals hidden from all but backbone staff, and accept/decline through the API
holding to the same screening and permission rules as the pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecotone.mentoring.models import (
    Match,
    MatchingRound,
    MatchStatus,
    ScreeningRecord,
    ScreeningStep,
)
from ecotone.mentoring.services import matches
from tests.conftest import World
from tests.mentoring.builders import clear, make_mentor
from tests.mentoring.dash_builders import MentoringWorld, replayed, world_or_mw

BASE = "/api/v1/ecosystems/alpha"
ENDPOINTS = (
    "mentors",
    "opportunities",
    "matches",
    "hour-logs",
    "matching-rounds",
    "screening-steps",
)


@pytest.fixture
def world(request: pytest.FixtureRequest, db: None) -> World:
    return world_or_mw(request)


@pytest.fixture
def mw(db: None) -> MentoringWorld:
    mw = replayed()
    mw.m1.shares_identity = True
    mw.m1.identity_tags = ["woman", "first_generation"]
    mw.m1.home_postal_code = "43210"
    mw.m1.phone = "614-555-0101"
    mw.m1.save()
    return mw


def get(mw: MentoringWorld, persona: str, path: str, **params: Any) -> Any:
    response = mw.client(persona).get(f"{BASE}/{path}", params)
    assert response.status_code == 200, (persona, path, response.status_code)
    return response.json()


def ids(body: dict[str, Any]) -> set[int]:
    return {row["id"] for row in body["results"]}


def post(mw: MentoringWorld, persona: str, path: str, data: Any = None) -> Any:
    return mw.client(persona).post(f"{BASE}/{path}", data or {}, content_type="application/json")


# Who may call what -----------------------------------------------------------------------------

ALLOWED = {
    "mentors": {"mentor", "partner_a", "partner_b", "staff", "admin"},
    "opportunities": {"mentor", "partner_a", "partner_b", "staff", "admin"},
    "matches": {"mentor", "partner_a", "partner_b", "staff", "admin"},
    "hour-logs": {"mentor", "partner_a", "partner_b", "staff", "admin"},
    "matching-rounds": {"staff", "admin"},
    "screening-steps": {"member", "reviewer", "mentor", "partner_a", "partner_b", "staff", "admin"},
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "persona",
    ["anonymous", "outsider", "operator", "member", "reviewer", "mentor", "partner_a", "staff"],
)
def test_every_endpoint_answers_each_persona_as_the_rules_say(
    world: World, endpoint: str, persona: str
) -> None:
    status = world.client(persona).get(f"{BASE}/{endpoint}/").status_code
    if persona == "anonymous":
        assert status == 401
    elif persona in ("outsider", "operator"):
        assert status == 404
    else:
        assert status == (200 if persona in ALLOWED[endpoint] else 403)


def test_the_endpoints_are_read_only(mw: MentoringWorld) -> None:
    client = mw.client("staff")
    assert client.post(f"{BASE}/mentors/", {}).status_code == 405
    assert client.post(f"{BASE}/opportunities/", {}).status_code == 405
    assert client.delete(f"{BASE}/matches/{mw.x.pk}/").status_code == 405
    assert client.patch(f"{BASE}/hour-logs/", {}).status_code == 405


# Mentors ---------------------------------------------------------------------------------------


def test_backbone_staff_see_every_mentor_with_contact_and_identity(mw: MentoringWorld) -> None:
    body = get(mw, "staff", "mentors/")
    assert body["count"] == 5
    m1 = next(r for r in body["results"] if r["id"] == mw.m1.pk)
    assert m1["email"] == "mentor@alpha.test"
    assert m1["phone"] == "614-555-0101"
    assert m1["identity_tags"] == ["woman", "first_generation"]
    assert m1["home_postal_code"] == "43210"
    assert m1["screening_stage"] == "cleared"
    assert m1["employer_name"] == "Acme Corp"
    m2 = next(r for r in body["results"] if r["id"] == mw.m2.pk)
    assert m2["employer"] == {"slug": mw.world.org_b.slug, "name": "Eastside Library"}


def test_partner_staff_see_screened_mentors_without_identity_or_unmatched_contacts(
    mw: MentoringWorld,
) -> None:
    body = get(mw, "partner_b", "mentors/")
    # m1 and m2 are cleared; m3 is in screening, m4 paused, m5 not started.
    assert ids(body) == {mw.m1.pk, mw.m2.pk}
    m1 = next(r for r in body["results"] if r["id"] == mw.m1.pk)
    assert m1["name"] == "Mentor"
    assert m1["email"] is None  # not matched with org_b's programs
    assert m1["phone"] is None
    assert m1["identity_tags"] is None
    assert m1["shares_identity"] is None
    assert m1["home_postal_code"] is None
    assert m1["latitude"] is None
    m2 = next(r for r in body["results"] if r["id"] == mw.m2.pk)
    assert m2["email"] == "grace@mentor.test"  # matched with Library Coders (w)
    assert m2["identity_tags"] is None
    assert mw.client("partner_b").get(f"{BASE}/mentors/{mw.m3.pk}/").status_code == 404
    detail = get(mw, "partner_b", f"mentors/{mw.m1.pk}/")
    assert detail["email"] is None


def test_partner_staff_cannot_find_mentors_by_email(mw: MentoringWorld) -> None:
    assert get(mw, "partner_b", "mentors/", search="mentor@alpha.test")["count"] == 0
    assert get(mw, "partner_b", "mentors/", search="Mentor")["count"] == 1


def test_a_mentor_sees_only_themself(mw: MentoringWorld) -> None:
    body = get(mw, "mentor", "mentors/")
    assert ids(body) == {mw.m1.pk}
    assert body["results"][0]["email"] == "mentor@alpha.test"
    assert body["results"][0]["identity_tags"] == ["woman", "first_generation"]
    assert mw.client("mentor").get(f"{BASE}/mentors/{mw.m2.pk}/").status_code == 404


def test_mentors_of_another_ecosystem_are_not_found(mw: MentoringWorld) -> None:
    response = mw.client("outsider").get(f"/api/v1/ecosystems/beta/mentors/{mw.m1.pk}/")
    assert response.status_code == 404
    assert mw.client("outsider").get(f"{BASE}/mentors/{mw.m1.pk}/").status_code == 404


def test_listing_mentors_takes_the_same_queries_however_many_there_are(
    mw: MentoringWorld,
) -> None:
    client = mw.client("staff")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{BASE}/mentors/").status_code == 200
        return len(captured)

    before = queries()
    for n in range(3):
        clear(make_mentor(mw.world.alpha, f"new{n}@mentor.test"), mw.world.users["staff"])
    assert queries() == before


# Opportunities ---------------------------------------------------------------------------------


def test_opportunities_are_scoped_by_role(mw: MentoringWorld) -> None:
    assert get(mw, "staff", "opportunities/")["count"] == 4
    assert ids(get(mw, "partner_a", "opportunities/")) == {mw.opp1.pk}
    assert len(ids(get(mw, "partner_b", "opportunities/"))) == 3  # with its draft
    mentor = get(mw, "mentor", "opportunities/")
    assert ids(mentor) == {mw.opp1.pk, mw.opp2.pk, mw.opp3.pk}  # open ones, no draft
    opp1 = next(r for r in mentor["results"] if r["id"] == mw.opp1.pk)
    assert opp1["room"] == 2
    assert opp1["students_expected"] is None  # the program's own figure
    assert opp1["organization"]["name"] == "Robotics For All"
    own = get(mw, "partner_a", f"opportunities/{mw.opp1.pk}/")
    assert own["students_expected"] == 12
    assert mw.client("partner_a").get(f"{BASE}/opportunities/{mw.opp3.pk}/").status_code == 404
    assert ids(get(mw, "staff", "opportunities/", kind="career_talk")) == {mw.opp2.pk}


# Matches ---------------------------------------------------------------------------------------


@pytest.fixture
def proposal(mw: MentoringWorld) -> Match:
    round_ = MatchingRound.objects.create(ecosystem=mw.world.alpha, name="Spring", status="review")
    match = Match(
        ecosystem=mw.world.alpha,
        mentor=mw.m1,
        opportunity=mw.opp3,
        round=round_,
        source="engine",
        status=MatchStatus.PROPOSED,
    )
    match.save()
    return match


def test_matches_are_scoped_and_proposals_are_for_backbone_only(
    mw: MentoringWorld, proposal: Match
) -> None:
    assert ids(get(mw, "staff", "matches/")) == {
        mw.x.pk,
        mw.y.pk,
        mw.z.pk,
        mw.w.pk,
        proposal.pk,
    }
    assert ids(get(mw, "partner_a", "matches/")) == {mw.x.pk, mw.y.pk, mw.z.pk}
    assert ids(get(mw, "partner_b", "matches/")) == {mw.w.pk}
    assert ids(get(mw, "mentor", "matches/")) == {mw.x.pk}
    for persona in ("partner_b", "mentor"):
        assert mw.client(persona).get(f"{BASE}/matches/{proposal.pk}/").status_code == 404
    rounds = get(mw, "staff", "matching-rounds/")
    assert rounds["results"][0]["proposals"] == 1
    detail = get(mw, "mentor", f"matches/{mw.x.pk}/")
    assert detail["status"] == "active"
    assert detail["mentor"] == {"id": mw.m1.pk, "name": "Mentor"}
    assert ids(get(mw, "staff", "matches/", status="closed")) == {mw.y.pk, mw.z.pk}


def test_both_sides_accept_through_the_api(mw: MentoringWorld) -> None:
    offer = matches.request_to_join(mw.opp3, mw.m1, mw.m1.user)
    response = post(mw, "partner_a", f"matches/{offer.pk}/accept/")
    assert response.status_code == 404  # not org_a's
    response = post(mw, "partner_b", f"matches/{offer.pk}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    offer.refresh_from_db()
    assert offer.program_accepted_by == mw.world.users["partner_b"]


def test_a_mentor_accepts_an_invitation_as_the_mentor(mw: MentoringWorld) -> None:
    invitation = matches.invite(mw.opp3, mw.m1, mw.world.users["partner_b"])
    response = post(mw, "mentor", f"matches/{invitation.pk}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["mentor_accepted_at"]


def test_accepting_through_the_api_refuses_a_mentor_whose_screening_lapsed(
    mw: MentoringWorld,
) -> None:
    invitation = matches.invite(mw.opp3, mw.m1, mw.world.users["partner_b"])
    # Lapsed by expiry today, before the daily command has put the offer on hold (a failed
    # step puts it on hold at once: see test_core_holds).
    ScreeningRecord.objects.filter(mentor=mw.m1, step__code="background_check").update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = post(mw, "mentor", f"matches/{invitation.pk}/accept/")
    assert response.status_code == 400
    assert "Background check" in response.json()["detail"]
    invitation.refresh_from_db()
    assert invitation.status == MatchStatus.OFFERED
    assert invitation.mentor_accepted_at is None


def test_declining_records_who_and_why(mw: MentoringWorld) -> None:
    offer = matches.request_to_join(mw.opp3, mw.m1, mw.m1.user)
    response = post(mw, "partner_b", f"matches/{offer.pk}/decline/", {"reason": "Filled"})
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["decline_reason"] == "Filled"
    offer.refresh_from_db()
    assert offer.declined_by == mw.world.users["partner_b"]
    again = post(mw, "partner_b", f"matches/{offer.pk}/decline/")
    assert again.status_code == 400  # only an offered or accepted match can be declined


def test_only_the_two_sides_may_answer(mw: MentoringWorld, proposal: Match) -> None:
    offer = matches.request_to_join(mw.opp3, mw.m2, mw.m2.user)
    assert post(mw, "mentor", f"matches/{offer.pk}/accept/").status_code == 404  # m2's match
    assert post(mw, "member", f"matches/{offer.pk}/accept/").status_code == 403
    assert post(mw, "outsider", f"matches/{offer.pk}/accept/").status_code == 404
    assert post(mw, "anonymous", f"matches/{offer.pk}/accept/").status_code == 401
    # A proposal in review is not an offer: it must be published first.
    response = post(mw, "staff", f"matches/{proposal.pk}/accept/")
    assert response.status_code == 400
    assert post(mw, "mentor", f"matches/{proposal.pk}/accept/").status_code == 404
    offer.refresh_from_db()
    assert offer.program_accepted_at is None


# Hours, rounds, steps --------------------------------------------------------------------------


def test_hour_logs_are_scoped_like_matches(mw: MentoringWorld) -> None:
    assert get(mw, "staff", "hour-logs/")["count"] == 3
    partner_a = get(mw, "partner_a", "hour-logs/")
    assert partner_a["count"] == 2
    assert {r["match"] for r in partner_a["results"]} == {mw.x.pk}
    assert get(mw, "partner_b", "hour-logs/")["count"] == 1
    assert get(mw, "mentor", "hour-logs/")["count"] == 2
    assert get(mw, "staff", "hour-logs/", status="pending")["count"] == 1


def test_members_read_the_screening_steps(mw: MentoringWorld) -> None:
    body = get(mw, "member", "screening-steps/")
    assert [s["code"] for s in body["results"]] == [
        "application",
        "code_of_conduct",
        "interview",
        "references",
        "background_check",
        "training",
    ]
    ScreeningStep.objects.filter(ecosystem=mw.world.alpha, code="interview").update(is_active=False)
    assert get(mw, "member", "screening-steps/")["count"] == 5
    assert get(mw, "staff", "screening-steps/")["count"] == 6
