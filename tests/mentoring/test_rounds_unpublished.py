"""A matching round in review is backbone staff's alone: its proposals are invisible to
mentors and programs, on every page and in the API, and hold no place anywhere (the mentor's
limit, the opportunity's places, self-service rankings, dashboards) until the round is
published. Publishing checks the places again, since others may have taken them meanwhile;
a proposal that never went out stays invisible after its round is discarded or published."""

from __future__ import annotations

from typing import Any

import pytest

from ecotone.mentoring.models import Match, MatchStatus, RoundStatus
from ecotone.mentoring.services import dashboards, rounds
from ecotone.mentoring.services import matches as match_services
from ecotone.mentoring.services import opportunities as opportunity_services
from tests.mentoring.builders import (
    SUPERVISED_STEPS,
    clear,
    make_mentor,
    make_opportunity,
    make_program,
)

pytestmark = pytest.mark.django_db

PAGES = "/e/alpha/mentoring/"
API = "/api/v1/ecosystems/alpha/"
# Matches that take a place on both sides once out of review.
HOLDING = (MatchStatus.OFFERED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)


@pytest.fixture
def review(world: Any) -> Any:
    """org_a's program with one open opportunity needing one mentor; the mentor persona,
    cleared, taking one match at a time; a round in review proposing exactly that pair."""
    staff = world.users["staff"]
    world.staff = staff
    world.program = make_program(world.org_a)
    world.opportunity = make_opportunity(world.program)
    world.mentor = make_mentor(world.alpha, user=world.users["mentor"], max_matches=1)
    clear(world.mentor, staff)
    world.round = rounds.start_round(world.alpha, staff, name="Spring", mode="score")
    assert world.round.status == RoundStatus.REVIEW, world.round.error
    world.proposal = rounds.proposals(world.round).get()
    assert (world.proposal.mentor, world.proposal.opportunity) == (world.mentor, world.opportunity)
    return world


def page(review: Any, persona: str, path: str) -> str:
    response = review.client(persona).get(PAGES + path)
    assert response.status_code == 200, (persona, path, response.status_code)
    return response.content.decode()


def api(review: Any, persona: str, path: str) -> Any:
    response = review.client(persona).get(API + path)
    assert response.status_code == 200, (persona, path, response.status_code)
    return response.json()


def test_a_proposal_in_review_holds_no_place_in_the_services(review: Any) -> None:
    assert match_services.mentor_room(review.mentor) == 1
    assert match_services.opportunity_room(review.opportunity) == 1
    ranked = opportunity_services.ranked_for_mentor(review.mentor)
    assert [o for o, _check in ranked] == [review.opportunity]
    mentors = opportunity_services.ranked_mentors_for(review.opportunity)
    assert [r.mentor for r in mentors] == [review.mentor]


def test_a_proposal_in_review_holds_no_place_on_the_dashboards(review: Any) -> None:
    partner = dashboards.partner_agenda(review.alpha, [review.org_a.pk])
    assert (partner.open, partner.filled) == ([(review.opportunity, 1)], [])
    assert dashboards.open_with_room(review.alpha) == [(review.opportunity, 1)]
    backbone = dashboards.backbone_agenda(review.alpha)
    assert (backbone.unfilled, backbone.mentors_needed, backbone.proposals) == (1, 1, 1)
    mentor = dashboards.mentor_agenda(review.mentor)
    assert (mentor.offers, mentor.awaiting_program, mentor.to_start) == ([], [], [])


def test_the_mentor_sees_no_proposal_and_no_limit_reached(review: Any) -> None:
    browse = page(review, "mentor", "opportunities/")
    assert review.opportunity.title in browse
    assert "Your match" not in browse
    assert "Proposed (in review)" not in browse
    assert "as many matches as you said you can take" not in browse
    detail = page(review, "mentor", f"opportunities/{review.opportunity.pk}/")
    assert "Your match here" not in detail
    assert "1 place open" in detail
    for path in ("", "matches/", f"mentors/{review.mentor.pk}/"):
        assert "Proposed (in review)" not in page(review, "mentor", path), path
    status = page(review, "mentor", "profile/status/?status=withdrawn")
    assert "will be withdrawn" not in status


def test_programs_see_the_opportunity_open_and_the_mentor_free(review: Any) -> None:
    home = page(review, "partner_a", "")
    assert "Filled" not in home
    assert review.opportunity.title in home
    detail = page(review, "partner_a", f"opportunities/{review.opportunity.pk}/")
    assert "1 place open" in detail
    assert "Proposed (in review)" not in detail
    mentors = page(review, "partner_a", f"opportunities/{review.opportunity.pk}/mentors/")
    assert "No available, screened mentor fits" not in mentors
    assert f'name="mentor" value="{review.mentor.pk}"' in mentors
    with_room = page(review, "partner_a", "opportunities/?room=1")
    assert review.opportunity.title in with_room
    close = page(review, "partner_a", f"opportunities/{review.opportunity.pk}/close/")
    assert "has not started" not in close
    assert "Proposed (in review)" not in page(review, "partner_a", f"mentors/{review.mentor.pk}/")


@pytest.mark.parametrize("persona", ["mentor", "partner_a", "staff"])
def test_the_api_counts_no_proposal_against_the_places(review: Any, persona: str) -> None:
    (row,) = [r for r in api(review, persona, "opportunities/")["results"]]
    assert row["room"] == 1
    assert api(review, persona, f"opportunities/{review.opportunity.pk}/")["room"] == 1


@pytest.mark.parametrize("persona", ["mentor", "partner_a"])
def test_the_api_shows_no_proposal_outside_the_backbone(review: Any, persona: str) -> None:
    assert api(review, persona, "matches/")["results"] == []
    response = review.client(persona).get(f"{API}matches/{review.proposal.pk}/")
    assert response.status_code == 404


def test_a_program_changing_its_opportunity_is_not_refused_for_a_proposal(world: Any) -> None:
    """The change leaves the proposed mentor unscreened for the work: a live match would refuse
    it, naming the mentor; a proposal in review is withdrawn instead, unseen."""
    staff, partner = world.users["staff"], world.users["partner_a"]
    talk = make_opportunity(
        make_program(world.org_a),
        "Virtual career talk",
        kind="career_talk",
        mode="virtual",
        teacher_present=True,
        one_to_one=False,
    )
    mentor = make_mentor(world.alpha, user=world.users["mentor"])
    clear(mentor, staff, only=SUPERVISED_STEPS)
    round_ = rounds.start_round(world.alpha, staff, name="Spring", mode="score")
    proposal = rounds.proposals(round_).get(mentor=mentor)

    opportunity_services.update_opportunity(talk, partner, teacher_present=False)

    talk.refresh_from_db()
    assert not talk.teacher_present
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.WITHDRAWN


def test_a_program_may_ask_for_fewer_mentors_than_the_round_proposed(world: Any) -> None:
    staff = world.users["staff"]
    club = make_opportunity(make_program(world.org_a), mentors_needed=2)
    for n in range(2):
        clear(make_mentor(world.alpha, f"m{n}@mentor.test", north_mi=n * 0.1), staff)
    round_ = rounds.start_round(world.alpha, staff, name="Spring", mode="score")
    assert rounds.proposals(round_).count() == 2

    opportunity_services.update_opportunity(club, world.users["partner_a"], mentors_needed=1)

    club.refresh_from_db()
    assert club.mentors_needed == 1
    result = rounds.publish(round_, staff)
    assert (result.published, result.withdrawn) == (1, 1)
    assert "all the mentors it needs" in result.problems[0]


def test_a_mentor_may_ask_to_join_while_the_pair_is_proposed_in_review(review: Any) -> None:
    asked = match_services.request_to_join(
        review.opportunity, review.mentor, review.users["mentor"]
    )
    assert asked.status == MatchStatus.OFFERED

    result = rounds.publish(review.round, review.staff)

    assert (result.published, result.withdrawn) == (0, 1)
    assert len(result.problems) == 1
    review.proposal.refresh_from_db()
    assert review.proposal.status == MatchStatus.WITHDRAWN
    assert Match.objects.filter(status__in=HOLDING).get() == asked


def test_publishing_refuses_a_proposal_whose_mentor_filled_up_meanwhile(review: Any) -> None:
    other = make_opportunity(review.program, "Coding club mentor", topics=["computing"])
    asked = match_services.request_to_join(other, review.mentor, review.users["mentor"])

    result = rounds.publish(review.round, review.staff)

    assert (result.published, result.withdrawn) == (0, 1)
    assert "no room for another match" in result.problems[0]
    assert list(review.mentor.matches.filter(status__in=HOLDING)) == [asked]


def test_publishing_refuses_a_proposal_whose_opportunity_filled_up_meanwhile(
    review: Any,
) -> None:
    someone = make_mentor(review.alpha, "grace@mentor.test", north_mi=0.5)
    clear(someone, review.staff)
    invited = match_services.invite(review.opportunity, someone, review.users["partner_a"])

    result = rounds.publish(review.round, review.staff)

    assert result.published == 0
    assert "all the mentors it needs" in result.problems[0]
    assert list(review.opportunity.matches.filter(status__in=HOLDING)) == [invited]


def test_a_published_proposal_is_seen_and_holds_its_places(review: Any) -> None:
    rounds.publish(review.round, review.staff)

    assert match_services.mentor_room(review.mentor) == 0
    assert match_services.opportunity_room(review.opportunity) == 0
    detail = page(review, "mentor", f"opportunities/{review.opportunity.pk}/")
    assert "Your match here: Awaiting acceptance." in detail
    assert [r["id"] for r in api(review, "mentor", "matches/")["results"]] == [review.proposal.pk]
    assert "Filled" in page(review, "partner_a", "")


def assert_invisible_outside_the_backbone(review: Any, proposal: Match) -> None:
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.WITHDRAWN
    for persona in ("mentor", "partner_a"):
        assert proposal.pk not in {r["id"] for r in api(review, persona, "matches/")["results"]}
        response = review.client(persona).get(f"{PAGES}matches/{proposal.pk}/")
        assert response.status_code == 404, persona
    assert review.client("mentor").get(f"{PAGES}matches/").context["page"].paginator.count == 0
    assert review.client("staff").get(f"{PAGES}matches/{proposal.pk}/").status_code == 200


def test_a_discarded_rounds_proposals_stay_invisible(review: Any) -> None:
    rounds.discard(review.round, review.staff)

    assert_invisible_outside_the_backbone(review, review.proposal)


def test_proposals_left_out_when_publishing_stay_invisible(review: Any) -> None:
    rounds.discard(review.round, review.staff)
    grace = make_mentor(review.alpha, "grace@mentor.test", north_mi=0.5)
    clear(grace, review.staff)
    make_opportunity(review.program, "Second club")
    round_ = rounds.start_round(review.alpha, review.staff, name="Summer", mode="score")
    theirs = rounds.proposals(round_).get(mentor=grace)
    left_out = rounds.proposals(round_).get(mentor=review.mentor)

    rounds.publish(round_, review.staff, [theirs.pk])

    assert_invisible_outside_the_backbone(review, left_out)
    assert {r["id"] for r in api(review, "partner_a", "matches/")["results"]} == {theirs.pk}
