"""The matching round pages (ecotone.mentoring.views.rounds): only backbone staff reach them,
and a round goes from the start form through review to publication in the browser's terms."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from ecotone.errors import DomainError
from ecotone.mentoring.models import Match, MatchingRound, MatchStatus, Mentor, RoundStatus
from ecotone.mentoring.services import rounds
from tests.atlas.builders import make_area
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program

pytestmark = pytest.mark.django_db

ROUNDS = "/e/alpha/mentoring/rounds/"


def url(name: str, *args: Any) -> str:
    return reverse(f"mentoring:{name}", args=["alpha", *args])


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def review(world: Any) -> MatchingRound:
    """A round in review: Ada (robotics) and Bob (biology, an engineering firm) for one
    robotics club that needs one mentor; Ada is proposed."""
    staff = world.users["staff"]
    program = make_program(world.org_a)
    ada = make_mentor(world.alpha, "ada@m.test", name="Ada Lovelace")
    bob = make_mentor(
        world.alpha, "bob@m.test", name="Bob Builder", topics=["biology"], employer_name="Acme"
    )
    for mentor in (ada, bob):
        clear(mentor, staff)
    make_opportunity(program, "Robotics club mentor")
    make_area(world.alpha, "390001", 1.0, youth=300, locale="rural")  # high need, in reach
    make_opportunity(program, "Club en español", language_required="es")
    # Bob shares no topic with the club: a weaker candidate, proposed when nobody better is.
    return rounds.start_round(
        world.alpha, staff, name="Autumn round", mode="score", require_shared_topic=False
    )


# --- who may ---------------------------------------------------------------------------------

EXPECTED = {
    "anonymous": 302,  # to sign in
    "outsider": 404,  # not a member of alpha: learns nothing
    "operator": 404,
    "member": 403,
    "mentor": 403,
    "reviewer": 403,
    "partner_a": 403,
    "partner_b": 403,
    "staff": 200,
    "admin": 200,
}


@pytest.mark.parametrize(("persona", "status"), EXPECTED.items())
def test_only_backbone_staff_see_the_rounds(world, review, persona, status):
    client = world.client(persona)
    assert client.get(url("rounds")).status_code == status
    assert client.get(url("round", review.pk)).status_code == status
    assert client.get(url("round_status", review.pk)).status_code == status


@pytest.mark.parametrize(("persona", "status"), EXPECTED.items())
def test_only_backbone_staff_change_a_round(world, review, persona, status):
    client = world.client(persona)
    match = rounds.proposals(review).get()
    expected = 302 if status == 200 else status
    response = client.post(url("round_bulk", review.pk), {"action": "lock", "match": match.pk})
    assert response.status_code == expected
    assert rounds.proposals(review).get().locked == (status == 200)
    response = client.post(url("round_resolve", review.pk))
    assert response.status_code == expected
    response = client.post(url("round_publish", review.pk), {"confirmed": "1"})
    assert response.status_code == expected
    review.refresh_from_db()
    assert review.status == (RoundStatus.PUBLISHED if status == 200 else RoundStatus.REVIEW)


def test_a_round_of_another_ecosystem_is_not_found(world, review):
    other = MatchingRound.objects.create(ecosystem=world.beta, name="Beta's", mode="score")
    assert world.client("staff").get(url("round", other.pk)).status_code == 404


def test_changes_need_post(world, review):
    client = world.client("staff")
    assert client.get(url("round_resolve", review.pk)).status_code == 405
    assert client.get(url("round_bulk", review.pk)).status_code == 405
    assert client.get(url("round_publish", review.pk)).status_code == 405


# --- the flow --------------------------------------------------------------------------------


def test_the_list_offers_the_start_form_with_plain_help(world):
    page = html(world.client("staff").get(url("rounds")))
    assert "Start a round" in page
    assert "Highest total score" in page
    assert "Most programs get a mentor" in page
    assert "as many programs as possible get at least one mentor" in page.lower()
    assert "No matching round yet" in page


def test_starting_a_round_leads_to_its_review(world):
    program = make_program(world.org_a)
    mentor = make_mentor(world.alpha, "ada@m.test", name="Ada Lovelace")
    clear(mentor, world.users["staff"])
    make_opportunity(program)
    client = world.client("staff")

    response = client.post(url("round_new"), {"name": "Spring", "mode": "participation"})

    round_ = MatchingRound.objects.get(name="Spring")
    assert response.status_code == 302
    assert response["Location"] == url("round", round_.pk)
    assert round_.status == RoundStatus.REVIEW
    assert round_.mode == "participation"
    page = html(client.get(url("round", round_.pk)))
    assert "Ada Lovelace" in page


def test_a_second_round_is_refused_on_the_page(world, review):
    client = world.client("staff")
    page = html(client.post(url("round_new"), {"name": "Another", "mode": "score"}))
    assert "Publish or discard it before starting another" in page
    assert MatchingRound.objects.filter(ecosystem=world.alpha).count() == 1


def test_a_nameless_round_is_refused_on_the_form(world):
    page = html(world.client("staff").post(url("round_new"), {"name": "", "mode": "score"}))
    assert "errorlist" in page
    assert not MatchingRound.objects.exists()


def test_the_review_page_explains_each_proposal(world, review):
    page = html(world.client("staff").get(url("round", review.pk)))
    assert "Robotics club mentor" in page
    assert "Ada Lovelace" in page
    assert "topics fit: 40 of 40 points" in page
    assert "mi away" in page
    assert re.search(r"equity priority: (1[0-9]|2[0-5]) of 25 points", page)
    assert "points of fit per proposal on average" in page
    # The Spanish-speaking club has no candidate, and the page says so.
    assert "Needs left unfilled" in page
    assert "Club en español" in page
    assert "No available mentor fits" in page


def test_identity_is_said_as_a_match_never_which_one(world):
    staff = world.users["staff"]
    program = make_program(world.org_a)
    mentor = make_mentor(
        world.alpha,
        "ada@m.test",
        name="Ada Lovelace",
        shares_identity=True,
        identity_tags=["woman", "first_generation"],
    )
    clear(mentor, staff)
    make_opportunity(program, welcomes_shared_identity=True, welcomes_identities=["woman"])
    round_ = rounds.start_round(world.alpha, staff, name="Identity", mode="score")

    page = html(world.client("staff").get(url("round", round_.pk)))

    assert "identity preference matched" in page
    assert "Woman" not in page
    assert "first_generation" not in page
    assert "woman" not in page.replace("Girls Who Build", "")


def test_lock_exclude_and_resolve_through_the_page(world, review):
    client = world.client("staff")
    ada_match = rounds.proposals(review).get()

    client.post(url("round_bulk", review.pk), {"action": "lock", "match": [ada_match.pk]})
    ada_match.refresh_from_db()
    assert ada_match.locked

    client.post(url("round_bulk", review.pk), {"action": "unlock", "match": [ada_match.pk]})
    client.post(url("round_bulk", review.pk), {"action": "exclude", "match": [ada_match.pk]})
    assert not rounds.proposals(review).exists()

    response = client.post(url("round_resolve", review.pk), follow=True)
    page = html(response)
    assert "The rest was matched again" in page
    (bobs,) = rounds.proposals(review)
    assert bobs.mentor.user.name == "Bob Builder"


def test_changing_the_mentor_offers_ranked_candidates(world, review):
    client = world.client("staff")
    match = rounds.proposals(review).get()
    page = html(client.get(url("round_edit", review.pk, match.pk)))
    assert "Bob Builder" in page
    assert "Ada Lovelace" in page  # the current one, named above the choice

    bob = Mentor.objects.get(user__email="bob@m.test")
    response = client.post(url("round_edit", review.pk, match.pk), {"mentor": bob.pk})

    assert response.status_code == 302
    (new,) = rounds.proposals(review)
    assert new.mentor_id == bob.pk
    assert new.locked


def test_changing_to_an_unscreened_mentor_is_refused_with_the_reason(world, review):
    newcomer = make_mentor(world.alpha, "new@m.test", name="New Comer")
    match = rounds.proposals(review).get()
    response = world.client("staff").post(
        url("round_edit", review.pk, match.pk), {"mentor": newcomer.pk}
    )
    assert response.status_code == 400
    assert "no current, verified screening" in response.content.decode()
    assert rounds.proposals(review).get() == match


def test_a_mentor_drop_out_asks_then_resolves_the_rest(world, review):
    client = world.client("staff")
    match = rounds.proposals(review).get()
    page = html(client.get(url("round_drop", review.pk, match.mentor_id)))
    assert "Take Ada Lovelace out of this round?" in page
    assert rounds.proposals(review).get() == match

    response = client.post(url("round_drop", review.pk, match.mentor_id), follow=True)

    assert "is out of this round" in html(response)
    (new,) = rounds.proposals(review)
    assert new.mentor_id != match.mentor_id


def test_score_weights_from_the_form_shape_the_scores(world):
    program = make_program(world.org_a)
    clear(make_mentor(world.alpha, "ada@m.test"), world.users["staff"])
    make_opportunity(program)
    client = world.client("staff")
    form = {"name": "Topics only", "mode": "score", "weight_topics": "80", "weight_base": ""}

    client.post(url("round_new"), {**form, "weight_distance": "0"})

    round_ = MatchingRound.objects.get(name="Topics only")
    assert round_.weights == {"topics": 80, "distance": 0}
    match = rounds.proposals(round_).get()
    assert match.score_breakdown["topics"] == 80
    assert match.score_breakdown["distance"] == 0
    assert "topics fit: 80 of 80 points" in html(client.get(url("round", round_.pk)))


def test_a_weight_out_of_range_is_refused_on_the_form(world):
    response = world.client("staff").post(
        url("round_new"), {"name": "X", "mode": "score", "weight_equity": "500"}
    )
    assert "errorlist" in html(response)
    assert not MatchingRound.objects.exists()


def test_publish_asks_for_confirmation_first(world, review):
    client = world.client("staff")
    match = rounds.proposals(review).get()

    page = html(client.post(url("round_bulk", review.pk), {"action": "publish", "match": match.pk}))
    assert "Publish 1 proposal?" in page
    assert rounds.proposals(review).exists()

    response = client.post(
        url("round_publish", review.pk), {"confirmed": "1", "match": match.pk}, follow=True
    )
    assert "went out to mentors and programs" in html(response)
    match.refresh_from_db()
    assert match.status == MatchStatus.OFFERED
    review.refresh_from_db()
    assert review.status == RoundStatus.PUBLISHED
    page = html(client.get(url("round", review.pk)))
    assert "Matches of this round" in page
    assert "Awaiting acceptance" in page


def test_discard_asks_for_confirmation_first(world, review):
    client = world.client("staff")
    page = html(client.get(url("round_discard", review.pk)))
    assert "Discard the round" in page
    review.refresh_from_db()
    assert review.status == RoundStatus.REVIEW

    response = client.post(url("round_discard", review.pk))

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == RoundStatus.DISCARDED
    assert Match.objects.filter(round=review, status=MatchStatus.WITHDRAWN).count() == 1


def test_a_refused_action_is_a_message_not_an_error_page(world, review):
    client = world.client("staff")
    rounds.discard(review, world.users["staff"])
    response = client.post(url("round_resolve", review.pk), follow=True)
    assert "only a round in review can be changed" in html(response)
    response = client.post(url("round_bulk", review.pk), {"action": "lock"}, follow=True)
    assert "Choose at least one proposal" in html(response)


def test_publishing_the_chosen_with_none_chosen_publishes_nothing(world, review):
    client = world.client("staff")
    response = client.post(url("round_bulk", review.pk), {"action": "publish"}, follow=True)
    assert "Choose at least one proposal" in html(response)
    review.refresh_from_db()
    assert review.status == RoundStatus.REVIEW


def test_a_queued_round_polls_its_status(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    round_ = rounds.start_round(world.alpha, world.users["staff"], name="Later", mode="score")
    assert round_.status == RoundStatus.QUEUED
    client = world.client("staff")

    page = html(client.get(url("round", round_.pk)))
    assert 'hx-trigger="every 2s"' in page
    assert url("round_status", round_.pk) in page

    rounds.compute(round_)
    response = client.get(url("round_status", round_.pk), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in response.content.decode()


def test_the_rounds_list_shows_figures_and_who(world, review):
    page = html(world.client("staff").get(ROUNDS))
    assert "Autumn round" in page
    assert "In review" in page
    assert "Staff" in page


def test_the_review_page_reads_a_fixed_number_of_queries(world, review):
    client = world.client("staff")
    client.get(url("round", review.pk))  # warm the session and the roles cache
    with CaptureQueriesContext(connection) as few:
        html(client.get(url("round", review.pk)))
    assert len(few) <= 20
    program = make_program(world.org_a, "Second program")
    rounds.discard(review, world.users["staff"])
    for i in range(6):
        clear(make_mentor(world.alpha, f"more{i}@m.test"), world.users["staff"])
        make_opportunity(program, f"More {i}")
    bigger = rounds.start_round(world.alpha, world.users["staff"], name="Bigger", mode="score")
    assert rounds.proposals(bigger).count() > 3
    client.get(url("round", bigger.pk))
    with CaptureQueriesContext(connection) as more:
        html(client.get(url("round", bigger.pk)))
    assert len(more) <= len(few)


# --- a round whose task was lost -------------------------------------------------------------


@pytest.fixture
def stuck(world: Any, settings: Any) -> MatchingRound:
    """A round left computing (its worker died) 16 minutes ago, for the same club as `review`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    program = make_program(world.org_a)
    clear(make_mentor(world.alpha, "ada@m.test", name="Ada Lovelace"), world.users["staff"])
    make_opportunity(program, "Robotics club mentor")
    round_ = rounds.start_round(world.alpha, world.users["staff"], name="Lost", mode="score")
    MatchingRound.objects.filter(pk=round_.pk).update(
        status=RoundStatus.RUNNING, updated_at=timezone.now() - timedelta(minutes=16)
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    round_.refresh_from_db()
    return round_


def test_a_round_left_computing_shows_as_interrupted_and_retries_to_review(world, stuck):
    client = world.client("staff")
    page = html(client.get(url("round", stuck.pk)))
    assert "Interrupted" in page
    assert url("round_retry", stuck.pk) in page
    assert url("round_discard", stuck.pk) in page
    assert 'hx-trigger="every 2s"' not in page

    client.post(url("round_retry", stuck.pk))  # without the confirmation
    stuck.refresh_from_db()
    assert stuck.status == RoundStatus.RUNNING

    response = client.post(url("round_retry", stuck.pk), {"confirm": "yes"})
    assert response.status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == RoundStatus.REVIEW
    assert rounds.proposals(stuck).count() == 1


def test_an_interrupted_round_can_be_discarded_with_the_reason(world, stuck):
    client = world.client("staff")
    client.post(url("round_discard", stuck.pk))
    stuck.refresh_from_db()
    assert stuck.status == RoundStatus.DISCARDED
    assert "interrupted" in stuck.error
    # Another round may start now.
    assert rounds.open_round(world.alpha) is None


def test_a_round_computing_right_now_cannot_be_retried(world, stuck):
    MatchingRound.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    stuck.refresh_from_db()
    with pytest.raises(DomainError):
        rounds.retry(stuck, world.users["staff"])
    page = world.client("staff").post(url("round_retry", stuck.pk), {"confirm": "yes"}, follow=True)
    assert "Only a round interrupted" in html(page)
    stuck.refresh_from_db()
    assert stuck.status == RoundStatus.RUNNING
    assert not rounds.proposals(stuck).exists()


# --- plain words and numbers -----------------------------------------------------------------


def row_with(page: str, marker: str) -> str:
    """The table row of `page` that holds `marker`."""
    at = page.index(marker)
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


def test_the_review_page_speaks_a_coordinators_words_not_the_solvers(world, review):
    page = html(world.client("staff").get(url("round", review.pk)))
    for jargon in ("candidate pairs", "hard rule", "baseline", "re-solve", r"\bengine\b"):
        assert not re.search(jargon, page, re.IGNORECASE), jargon
    assert "possible pairs of a mentor and a need that meet every rule" in page
    assert re.search(r"\d+</span> points of fit per proposal on average, out of 1\d\d", page)
    assert "Match the rest again, keeping the locked proposals" in page

    response = world.client("staff").post(url("round_resolve", review.pk), follow=True)
    assert "The rest was matched again around 0 locked proposals." in html(response)


def test_the_round_figures_carry_thousands_separators_in_each_language(world, review):
    MatchingRound.objects.filter(pk=review.pk).update(
        summary={**review.summary, "edges": 12345, "unmatched_mentors": 1200}
    )
    page = html(world.client("staff").get(url("round", review.pk)))
    assert '<span class="figure">12,345</span>' in page
    assert '<span class="figure">1,200</span>' in page

    spanish = world.client("staff")
    spanish.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = html(spanish.get(url("round", review.pk)))
    assert '<span class="figure">12\xa0345</span>' in page  # Spanish groups with a no-break space


def test_the_round_is_dated_in_words_not_in_figures(world, review):
    page = html(world.client("staff").get(url("round", review.pk)))
    started = timezone.localtime(review.created_at)
    assert formats.date_format(started, "j M Y") in page
    assert started.strftime("%m/%d/%Y") not in page


def test_a_need_given_fewer_mentors_than_it_asked_for_shows_the_shortfall(world):
    staff = world.users["staff"]
    program = make_program(world.org_a)
    for i in range(2):
        clear(make_mentor(world.alpha, f"m{i}@m.test", name=f"Mentor {i}"), staff)
    make_opportunity(program, "Robotics club mentors", mentors_needed=3)
    round_ = rounds.start_round(world.alpha, staff, name="Short", mode="score")
    assert rounds.proposals(round_).count() == 2

    page = html(world.client("staff").get(url("round", round_.pk)))

    proposals = page[page.index('id="proposals"') :]
    assert "1 mentor short" in row_with(proposals, "Robotics club mentors")


def test_the_bulk_actions_come_before_the_proposals(world, review):
    page = html(world.client("staff").get(url("round", review.pk)))
    form = page[page.index('id="proposals-form"') :]
    assert form.index('name="action" value="lock"') < form.index('name="match"')
    assert form.index('name="action" value="publish"') < form.index('name="match"')
    assert page.count('name="action" value="lock"') == 1


def test_changing_the_mentor_compares_the_candidates_side_by_side(world, review):
    match = rounds.proposals(review).get()
    bob = Mentor.objects.get(user__email="bob@m.test")

    page = html(world.client("staff").get(url("round_edit", review.pk, match.pk)))

    assert "<select" not in page
    current = row_with(page, "Proposed now")
    assert "Ada Lovelace" in current
    assert "topics fit" in current
    candidate = row_with(page, f'value="{bob.pk}"')
    assert 'type="radio" name="mentor"' in candidate
    assert "Bob Builder" in candidate
    assert "no topic in common" in candidate
    assert "mi away" in candidate
