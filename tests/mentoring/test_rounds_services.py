"""Matching rounds through their services (ecotone.mentoring.services.rounds): what the engine
proposes from the database is safe and within capacities, and staff review (lock, exclude,
edit, re-solve, drop-out, publish, discard) does what it says."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecotone.errors import DomainError
from ecotone.mentoring import engine, solver
from ecotone.mentoring.models import (
    DEFAULT_STEPS,
    LIVE_STATUSES,
    Match,
    MatchingRound,
    MatchStatus,
    Mentor,
    Opportunity,
    RoundStatus,
    ScreeningStep,
)
from ecotone.mentoring.services import matches as match_services
from ecotone.mentoring.services import rounds
from ecotone.mentoring.services.rounds import run_round
from tests.mentoring.builders import (
    SUPERVISED_STEPS,
    clear,
    make_mentor,
    make_opportunity,
    make_program,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world: Any) -> Any:
    return world.users["staff"]


@pytest.fixture
def program(world: Any) -> Any:
    return make_program(world.org_a)


def cleared_mentor(world: Any, staff: Any, email: str, **fields: Any) -> Mentor:
    mentor = make_mentor(world.alpha, email, **fields)
    clear(mentor, staff)
    return mentor


def run(
    world: Any, staff: Any, mode: str = "score", name: str = "Autumn", *, shared_topic: bool = False
) -> MatchingRound:
    """A round in review. The tests of locking, excluding and capacities use mentors with no
    topic in common as the weaker candidates, so by default the round proposes them too."""
    round_ = rounds.start_round(
        world.alpha, staff, name=name, mode=mode, require_shared_topic=shared_topic
    )
    assert round_.status == RoundStatus.REVIEW, round_.error
    return round_


def proposed(round_: MatchingRound) -> list[Match]:
    return list(rounds.proposals(round_).order_by("pk"))


def pairs(round_: MatchingRound) -> set[tuple[int, int]]:
    return {(m.mentor_id, m.opportunity_id) for m in proposed(round_)}


def assert_capacities_hold(ecosystem: Any) -> None:
    live = Match.objects.filter(ecosystem=ecosystem, status__in=LIVE_STATUSES)
    per_mentor = Counter(live.values_list("mentor_id", flat=True))
    per_opportunity = Counter(live.values_list("opportunity_id", flat=True))
    for mentor in Mentor.objects.filter(pk__in=per_mentor):
        assert per_mentor[mentor.pk] <= mentor.max_matches
    for opportunity in Opportunity.objects.filter(pk__in=per_opportunity):
        assert per_opportunity[opportunity.pk] <= opportunity.mentors_needed


def test_proposals_never_include_an_unscreened_pair(world, staff, program):
    screened = cleared_mentor(world, staff, "screened@m.test")
    unscreened = make_mentor(world.alpha, "new@m.test")
    partial = make_mentor(world.alpha, "partial@m.test")
    clear(partial, staff, only=SUPERVISED_STEPS)
    in_person = make_opportunity(program, mentors_needed=3)
    supervised = make_opportunity(
        program,
        "Virtual career talk",
        kind="career_talk",
        mode="virtual",
        teacher_present=True,
        one_to_one=False,
        mentors_needed=3,
    )

    round_ = run(world, staff)

    got = pairs(round_)
    assert (screened.pk, in_person.pk) in got
    assert (unscreened.pk, in_person.pk) not in got
    assert (partial.pk, in_person.pk) not in got
    assert (partial.pk, supervised.pk) in got  # supervised work needs only the first steps
    assert not any(m == unscreened.pk for m, _o in got)
    for match in proposed(round_):
        assert match.missing_steps() == []


def test_capacities_are_respected_on_both_sides(world, staff, program):
    mentors = [
        cleared_mentor(world, staff, f"m{i}@m.test", max_matches=1 + i % 2, north_mi=i * 0.1)
        for i in range(6)
    ]
    opportunities = [make_opportunity(program, f"Club {i}", mentors_needed=2) for i in range(4)]
    # A live match outside the round already takes one place on each side.
    match_services.invite(opportunities[0], mentors[0], staff)

    round_ = run(world, staff)

    assert_capacities_hold(world.alpha)
    per_opportunity = Counter(o for _m, o in pairs(round_))
    assert per_opportunity[opportunities[0].pk] <= 1
    assert round_.summary["proposals"] == len(proposed(round_))


def test_locked_pairs_survive_a_resolve(world, staff, program):
    first = cleared_mentor(world, staff, "first@m.test", topics=["biology"])
    opportunity = make_opportunity(program)
    round_ = run(world, staff)
    (match,) = proposed(round_)
    assert match.mentor_id == first.pk
    rounds.lock(round_, [match.pk], staff)
    # A better-fitting mentor arrives; the locked pair stays all the same.
    cleared_mentor(world, staff, "better@m.test", topics=["robotics"])

    rounds.resolve(round_, staff)

    (kept,) = proposed(round_)
    assert kept.pk == match.pk
    assert kept.locked
    assert (kept.mentor_id, kept.opportunity_id) == (first.pk, opportunity.pk)


def test_an_unlocked_proposal_is_replaced_by_a_better_one_on_resolve(world, staff, program):
    cleared_mentor(world, staff, "first@m.test", topics=["biology"])
    make_opportunity(program)
    round_ = run(world, staff)
    better = cleared_mentor(world, staff, "better@m.test", topics=["robotics"])

    rounds.resolve(round_, staff)

    (match,) = proposed(round_)
    assert match.mentor_id == better.pk


def test_excluded_pairs_never_come_back(world, staff, program):
    ada = cleared_mentor(world, staff, "ada@m.test")
    bob = cleared_mentor(world, staff, "bob@m.test", topics=["biology"])
    opportunity = make_opportunity(program)
    round_ = run(world, staff)
    (match,) = proposed(round_)
    assert match.mentor_id == ada.pk

    rounds.exclude(round_, match.pk, staff)
    assert proposed(round_) == []
    rounds.resolve(round_, staff)
    rounds.resolve(round_, staff)

    assert pairs(round_) == {(bob.pk, opportunity.pk)}
    round_.refresh_from_db()
    assert [ada.pk, opportunity.pk] in round_.summary["excluded"]


def test_drop_out_resolve_keeps_the_other_locked_proposals(world, staff, program):
    ada = cleared_mentor(world, staff, "ada@m.test")
    bob = cleared_mentor(world, staff, "bob@m.test")
    cy = cleared_mentor(world, staff, "cy@m.test", topics=["biology"])
    clubs = [make_opportunity(program, "Club A"), make_opportunity(program, "Club B")]
    round_ = run(world, staff)
    assert {m for m, _o in pairs(round_)} == {ada.pk, bob.pk}
    everything = [m.pk for m in proposed(round_)]
    rounds.lock(round_, everything, staff)
    bobs = rounds.proposals(round_).get(mentor=bob)

    rounds.drop_mentor(round_, ada, staff)

    assert rounds.proposals(round_).filter(pk=bobs.pk, locked=True).exists()
    assert not rounds.proposals(round_).filter(mentor=ada).exists()
    assert {m for m, _o in pairs(round_)} == {bob.pk, cy.pk}
    assert {o for _m, o in pairs(round_)} == {c.pk for c in clubs}
    rounds.resolve(round_, staff)  # the dropped mentor stays out
    assert not rounds.proposals(round_).filter(mentor=ada).exists()


def participation_case(world: Any, staff: Any, program: Any) -> tuple[Mentor, Opportunity]:
    """Ada fits the robotics club best and could also take the chemistry club (which only she
    can); Bob fits only the robotics club, which needs two. Highest total score puts both on
    robotics; most participation gives chemistry Ada."""
    ada = cleared_mentor(world, staff, "ada@m.test", grade_bands=["6-8", "k-5"])
    cleared_mentor(world, staff, "bob@m.test")
    make_opportunity(program, "Robotics", mentors_needed=2, equity_priority=1.0)
    chemistry = make_opportunity(program, "Chemistry", topics=["chemistry"], grade_bands=["k-5"])
    return ada, chemistry


def test_participation_mode_covers_at_least_as_many_opportunities_as_score_mode(
    world, staff, program
):
    ada, chemistry = participation_case(world, staff, program)
    by_score = run(world, staff, "score", "By score")
    rounds.discard(by_score, staff)
    most = run(world, staff, "participation", "Most programs")

    assert most.summary["covered"] >= by_score.summary["covered"]
    assert (most.summary["covered"], by_score.summary["covered"]) == (2, 1)
    assert (ada.pk, chemistry.pk) in pairs(most)
    assert by_score.summary["objective"] >= most.summary["objective"]


def test_stable_mode_result_is_pairwise_stable(world, staff, program):
    mentors = [
        cleared_mentor(
            world,
            staff,
            f"m{i}@m.test",
            north_mi=i * 1.5,
            max_matches=1 + i % 2,
            topics=[["robotics"], ["robotics", "computing"], ["computing"]][i % 3],
        )
        for i in range(7)
    ]
    opportunities = [
        make_opportunity(
            program,
            f"Club {j}",
            topics=[["robotics"], ["computing"]][j % 2],
            mentors_needed=1 + j % 2,
            equity_priority=j / 5,
        )
        for j in range(4)
    ]
    round_ = run(world, staff, "stable")
    held = pairs(round_)
    assert held
    for o in opportunities:
        o.refresh_from_db()  # the round brought their equity priorities up to date

    score = {}
    for m in mentors:
        for o in opportunities:
            check = engine.check_pair(m, o)
            if check.candidate:
                score[m.pk, o.pk] = check.score

    def worst(side: int, pk: int) -> int | None:
        mine = [score[p] for p in held if p[side] == pk]
        return min(mine) if mine else None

    for (m, o), s in score.items():
        if (m, o) in held:
            continue
        mentor = next(x for x in mentors if x.pk == m)
        opportunity = next(x for x in opportunities if x.pk == o)
        m_count = sum(1 for p in held if p[0] == m)
        o_count = sum(1 for p in held if p[1] == o)
        mentor_wants = m_count < mentor.max_matches or s > (worst(0, m) or 0)
        opportunity_wants = o_count < opportunity.mentors_needed or s > (worst(1, o) or 0)
        assert not (mentor_wants and opportunity_wants), (m, o)


def test_publish_offers_the_chosen_and_withdraws_the_rest(world, staff, program):
    for i in range(3):
        cleared_mentor(world, staff, f"m{i}@m.test")
    make_opportunity(program, mentors_needed=3)
    round_ = run(world, staff)
    first, *others = proposed(round_)

    result = rounds.publish(round_, staff, [first.pk])

    assert (result.published, result.withdrawn, result.problems) == (1, 2, [])
    first.refresh_from_db()
    assert first.status == MatchStatus.OFFERED
    for match in others:
        match.refresh_from_db()
        assert match.status == MatchStatus.WITHDRAWN
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    assert round_.published_by == staff


def test_publish_by_default_offers_every_proposal(world, staff, program):
    for i in range(2):
        cleared_mentor(world, staff, f"m{i}@m.test")
    make_opportunity(program, mentors_needed=2)
    round_ = run(world, staff)

    result = rounds.publish(round_, staff)

    assert result.published == 2
    assert Match.objects.filter(round=round_, status=MatchStatus.OFFERED).count() == 2


def test_a_second_round_is_refused_while_one_is_in_review(world, staff, program):
    round_ = run(world, staff)
    with pytest.raises(DomainError, match="Publish or discard"):
        rounds.start_round(world.alpha, staff, name="Another", mode="score")
    rounds.discard(round_, staff)
    assert rounds.start_round(world.alpha, staff, name="Another", mode="score").pk


def test_a_round_in_another_ecosystem_does_not_block(world, staff, program):
    run(world, staff)
    other = rounds.start_round(world.beta, staff, name="Beta", mode="score")
    assert other.status == RoundStatus.REVIEW


def test_discard_withdraws_the_proposals(world, staff, program):
    cleared_mentor(world, staff, "ada@m.test")
    make_opportunity(program)
    round_ = run(world, staff)

    rounds.discard(round_, staff)

    assert not rounds.proposals(round_).exists()
    assert Match.objects.filter(round=round_, status=MatchStatus.WITHDRAWN).count() == 1
    with pytest.raises(DomainError):
        rounds.resolve(round_, staff)


def test_replace_swaps_in_a_candidate_and_locks_it(world, staff, program):
    ada = cleared_mentor(world, staff, "ada@m.test")
    bob = cleared_mentor(world, staff, "bob@m.test", topics=["biology"])
    make_opportunity(program)
    round_ = run(world, staff)
    (match,) = proposed(round_)
    assert [c.mentor.pk for c in rounds.candidates_for(round_, match)] == [bob.pk]

    new = rounds.replace(round_, match.pk, bob, staff)

    assert new.locked
    assert new.mentor_id == bob.pk
    rounds.resolve(round_, staff)
    assert pairs(round_) == {(bob.pk, new.opportunity_id)}
    assert not rounds.proposals(round_).filter(mentor=ada).exists()


def test_replace_refuses_an_unscreened_mentor(world, staff, program):
    cleared_mentor(world, staff, "ada@m.test")
    newcomer = make_mentor(world.alpha, "new@m.test")
    make_opportunity(program)
    round_ = run(world, staff)
    (match,) = proposed(round_)

    with pytest.raises(DomainError, match="no current, verified screening"):
        rounds.replace(round_, match.pk, newcomer, staff)
    assert proposed(round_) == [match]


def test_unfilled_opportunities_say_why(world, staff, program):
    cleared_mentor(world, staff, "ada@m.test")
    taken = make_opportunity(program, "Robotics", mentors_needed=2)
    nobody = make_opportunity(program, "Spanish only", language_required="es")
    round_ = run(world, staff)

    unfilled = {pk: (places, why) for pk, places, why in round_.summary["unfilled"]}
    assert unfilled[taken.pk] == (1, rounds.CANDIDATES_TAKEN)
    assert unfilled[nobody.pk] == (1, rounds.NO_CANDIDATES)


def test_summary_has_the_figures(world, staff, program):
    cleared_mentor(world, staff, "ada@m.test")
    make_opportunity(program)
    round_ = run(world, staff)
    for key in (
        "mentors",
        "opportunities",
        "edges",
        "objective",
        "covered",
        "seconds",
        "greedy_objective",
        "unfilled_opportunities",
        "unmatched_mentors",
    ):
        assert key in round_.summary
    assert round_.summary["objective"] >= round_.summary["greedy_objective"] > 0


def test_a_failure_fails_the_round_with_its_reason(world, staff, program, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(solver, "candidate_edges", broken)
    round_ = rounds.start_round(world.alpha, staff, name="Broken", mode="score")

    assert round_.status == RoundStatus.FAILED
    assert "solver exploded" in round_.error
    monkeypatch.undo()
    assert run(world, staff, name="Again").status == RoundStatus.REVIEW


def test_the_task_leaves_a_round_that_is_not_queued_alone(world, staff, program):
    round_ = run(world, staff)
    assert run_round.call(round_.pk) == RoundStatus.REVIEW
    assert run_round.call(0) == "gone"


def test_review_actions_refuse_a_published_round(world, staff, program):
    cleared_mentor(world, staff, "ada@m.test")
    make_opportunity(program)
    round_ = run(world, staff)
    (match,) = proposed(round_)
    rounds.publish(round_, staff)
    with pytest.raises(DomainError, match="only a round in review"):
        rounds.lock(round_, [match.pk], staff)


def test_bad_input_is_a_domain_error(world, staff):
    with pytest.raises(DomainError):
        rounds.start_round(world.alpha, staff, name="", mode="score")
    with pytest.raises(DomainError):
        rounds.start_round(world.alpha, staff, name="X", mode="fastest")
    with pytest.raises(DomainError):
        rounds.start_round(world.alpha, staff, name="X", mode="score", weights={"luck": 3})


# --- property: whatever the data, proposals are safe and within capacities --------------------

CODES = [step[0] for step in DEFAULT_STEPS]


class _RollbackError(Exception):
    pass


mentor_specs = st.lists(
    st.fixed_dictionaries(
        {
            "steps": st.one_of(
                st.just(set(CODES)), st.just(set(SUPERVISED_STEPS)), st.sets(st.sampled_from(CODES))
            ),
            "max_matches": st.integers(1, 3),
            "modes": st.sampled_from([["in_person"], ["virtual"], ["in_person", "virtual"]]),
            "north_mi": st.floats(0, 12),
        }
    ),
    min_size=1,
    max_size=5,
)
opportunity_specs = st.lists(
    st.fixed_dictionaries(
        {
            "mode": st.sampled_from(["in_person", "virtual", "either"]),
            "teacher_present": st.booleans(),
            "one_to_one": st.booleans(),
            "mentors_needed": st.integers(1, 3),
        }
    ),
    min_size=1,
    max_size=4,
)


def build_random(world: Any, staff: Any, mentors_spec: Any, opportunities_spec: Any) -> None:
    ScreeningStep.for_ecosystem(world.alpha)
    program = make_program(world.org_a, "Random program")
    for i, spec in enumerate(mentors_spec):
        mentor = make_mentor(
            world.alpha,
            f"p{i}@m.test",
            max_matches=spec["max_matches"],
            modes=spec["modes"],
            north_mi=spec["north_mi"],
        )
        if spec["steps"]:
            clear(mentor, staff, only=tuple(spec["steps"]))
    for j, spec in enumerate(opportunities_spec):
        make_opportunity(program, f"Need {j}", kind="workshop", **spec)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mentor_specs,
    opportunity_specs,
    st.sampled_from(["score", "participation", "stable"]),
)
def test_every_proposal_is_screened_and_within_capacities(
    world, staff, mentors_spec, opportunities_spec, mode
):
    try:
        with transaction.atomic():
            build_random(world, staff, mentors_spec, opportunities_spec)

            round_ = rounds.start_round(world.alpha, staff, name="Random", mode=mode)

            assert round_.status == RoundStatus.REVIEW, round_.error
            for match in rounds.proposals(round_).select_related("mentor", "opportunity"):
                held = match.mentor.current_step_codes()
                assert engine.required_codes(match.opportunity) <= held
                assert match.missing_steps() == []
            assert_capacities_hold(world.alpha)
            event(f"proposals: {min(rounds.proposals(round_).count(), 3)}")
            raise _RollbackError
    except _RollbackError:
        pass


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mentor_specs, opportunity_specs)
def test_participation_never_covers_fewer_than_score_on_random_data(
    world, staff, mentors_spec, opportunities_spec
):
    try:
        with transaction.atomic():
            build_random(world, staff, mentors_spec, opportunities_spec)
            by_score = rounds.start_round(world.alpha, staff, name="Score", mode="score")
            rounds.discard(by_score, staff)
            most = rounds.start_round(world.alpha, staff, name="Most", mode="participation")

            assert most.summary["covered"] >= by_score.summary["covered"]
            assert most.summary["objective"] <= by_score.summary["objective"]
            raise _RollbackError
    except _RollbackError:
        pass


def test_a_pair_proposed_again_keeps_its_row_on_resolve(world, staff, program):
    cleared_mentor(world, staff, "ada@m.test")
    make_opportunity(program)
    round_ = run(world, staff)
    (before,) = proposed(round_)

    rounds.resolve(round_, staff)

    (after,) = proposed(round_)
    assert after.pk == before.pk


@pytest.mark.parametrize("locked", [False, True])
def test_a_proposal_whose_screening_lapsed_goes_on_resolve(world, staff, program, locked):
    ada = cleared_mentor(world, staff, "ada@m.test")
    make_opportunity(program)
    round_ = run(world, staff)
    (match,) = proposed(round_)
    if locked:
        rounds.lock(round_, [match.pk], staff)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ada.screening_records.filter(step__code="background_check").update(expires_on=yesterday)

    rounds.resolve(round_, staff)

    assert proposed(round_) == []
    round_.refresh_from_db()
    assert round_.summary["dropped_locks"] == (1 if locked else 0)


def test_a_round_discarded_before_its_task_runs_stays_discarded(world, staff, program, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cleared_mentor(world, staff, "ada@m.test")
    make_opportunity(program)
    round_ = rounds.start_round(world.alpha, staff, name="Later", mode="score")
    assert round_.status == RoundStatus.QUEUED
    rounds.discard(round_, staff)

    assert rounds.compute(round_).status == RoundStatus.DISCARDED
    assert run_round.call(round_.pk) == RoundStatus.DISCARDED
    assert not Match.objects.filter(round=round_).exists()


def test_a_round_weighs_equity_priorities_as_the_atlas_has_them_now(
    world: Any, staff: Any, program: Any
) -> None:
    from tests.atlas.builders import make_area

    cleared_mentor(world, staff, "ada@mentor.test")
    opportunity = make_opportunity(program)
    assert opportunity.equity_priority == 0.0  # the atlas had no areas when it was posted
    make_area(world.alpha, "390001", 1.0, youth=300, locale="rural")
    round_ = run(world, staff)
    opportunity.refresh_from_db()
    assert opportunity.equity_priority >= 0.75  # a rural area in reach counts as high need
    (match,) = proposed(round_)
    assert match.score_breakdown["equity"] > 0


def test_by_default_a_round_proposes_only_mentors_sharing_a_topic(
    world: Any, staff: Any, program: Any
) -> None:
    cleared_mentor(world, staff, "bio@m.test", topics=["biology"])
    opportunity = make_opportunity(program)  # asks for robotics
    anyone = make_opportunity(program, "Open house helper", topics=[])
    round_ = rounds.start_round(world.alpha, staff, name="Default", mode="score")
    assert round_.require_shared_topic
    # The biologist fits the open house (it asks for no topic), not the robotics club.
    assert {m.opportunity_id for m in proposed(round_)} == {anyone.pk}
    assert opportunity.pk not in {m.opportunity_id for m in proposed(round_)}
    rounds.discard(round_, staff)
    loose = run(world, staff, name="Loose")
    assert {m.opportunity_id for m in proposed(loose)} <= {opportunity.pk, anyone.pk}
    assert proposed(loose)


@pytest.mark.parametrize("topic_weight", [1, 0])
def test_a_mentor_sharing_one_topic_of_three_is_proposed_at_a_low_topic_weight(
    world: Any, staff: Any, program: Any, topic_weight: int
) -> None:
    shares = cleared_mentor(world, staff, "robots@m.test", topics=["robotics"])
    cleared_mentor(world, staff, "bio@m.test", topics=["biology"], north_mi=0.2)
    opportunity = make_opportunity(
        program, topics=["robotics", "mathematics", "engineering"], mentors_needed=2
    )
    round_ = rounds.start_round(
        world.alpha, staff, name="Low", mode="score", weights={"topics": topic_weight}
    )
    assert round_.require_shared_topic
    assert pairs(round_) == {(shares.pk, opportunity.pk)}


def test_the_greedy_baseline_plays_by_the_rounds_rules(
    world: Any, staff: Any, program: Any
) -> None:
    """Excluded pairs and pairs sharing no topic are no more open to the baseline than to the
    round, and locked pairs count for both: the engine never scores below the baseline."""
    for n in range(4):
        cleared_mentor(world, staff, f"m{n}@m.test", topics=[["robotics"], ["biology"]][n % 2])
    for n in range(3):
        make_opportunity(program, f"Club {n}", mentors_needed=2)
    round_ = rounds.start_round(world.alpha, staff, name="Fair", mode="score")
    assert round_.summary["objective"] >= round_.summary["greedy_objective"] > 0
    first = proposed(round_)[0]
    rounds.lock(round_, [first.pk], staff)
    rounds.exclude(round_, proposed(round_)[-1].pk, staff)
    round_ = rounds.resolve(round_, staff)
    assert round_.summary["objective"] >= round_.summary["greedy_objective"] > 0
