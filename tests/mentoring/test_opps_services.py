"""Opportunity services: posting and validation, closing, the equity priority from the atlas,
and the two self-service rankings (mentor -> opportunities, opportunity -> mentors)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.directory.models import Location, ProgramLocation
from ecotone.errors import DomainError
from ecotone.mentoring import engine
from ecotone.mentoring.models import Match, MatchStatus, OpportunityStatus
from ecotone.mentoring.services import matches
from ecotone.mentoring.services import opportunities as opps
from tests.atlas.builders import make_area
from tests.mentoring.builders import (
    SUPERVISED_STEPS,
    clear,
    make_mentor,
    make_opportunity,
    make_program,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(world: Any) -> Any:
    return make_program(world.org_a)


def fields(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Robotics club mentor",
        "kind": "relationship",
        "mode": "in_person",
        "topics": ["robotics"],
        "grade_bands": ["6-8"],
        "schedule": [[1, 15 * 60 + 30, 17 * 60]],
    }
    base.update(overrides)
    return base


def errors_of(program: Any, actor: Any, **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(opps.InvalidOpportunityError) as caught:
        opps.create_opportunity(program, actor, **fields(**overrides))
    return caught.value.errors


# --- posting ----------------------------------------------------------------------------------


def test_create_takes_the_programs_located_site_for_in_person_work(
    world: Any, program: Any
) -> None:
    opportunity = opps.create_opportunity(program, world.users["partner_a"], **fields())
    assert opportunity.location == program.program_locations.first().location
    assert opportunity.status == OpportunityStatus.OPEN
    assert opportunity.created_by == world.users["partner_a"]


def test_location_must_be_one_of_the_programs(world: Any, program: Any) -> None:
    elsewhere = make_program(world.org_a, "Other club").program_locations.first().location
    errors = errors_of(program, world.users["staff"], location=elsewhere)
    assert "location" in errors
    assert "program's own locations" in errors["location"][0]


def test_in_person_work_needs_a_location_on_the_map(world: Any, program: Any) -> None:
    unmapped = Location.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Annex"
    )
    ProgramLocation.objects.create(program=program, location=unmapped)
    for mode in ("in_person", "either"):
        errors = errors_of(program, world.users["staff"], location=unmapped, mode=mode)
        assert "map position" in errors["location"][0]
    virtual = opps.create_opportunity(
        program, world.users["staff"], **fields(location=unmapped, mode="virtual")
    )
    assert virtual.location == unmapped


def test_an_in_person_need_without_any_mapped_location_is_refused(world: Any) -> None:
    program = make_program(world.org_a)
    program.program_locations.all().delete()
    errors = errors_of(program, world.users["staff"])
    assert "Say where" in errors["location"][0]


@pytest.mark.parametrize(
    "schedule",
    [
        [[7, 60, 120]],  # no such weekday
        [[1, 600, 540]],  # ends before it starts
        [[1, 600]],  # not a window
        [[1, 605, 700]],  # not on a quarter hour
    ],
)
def test_schedule_windows_must_be_valid(world: Any, program: Any, schedule: Any) -> None:
    assert "schedule" in errors_of(program, world.users["staff"], schedule=schedule)


def test_language_codes_are_checked(world: Any, program: Any) -> None:
    errors = errors_of(
        program, world.users["staff"], languages=["en", "Spanish"], language_required="english"
    )
    assert "language code" in errors["languages"][0]
    assert "language code" in errors["language_required"][0]
    ok = opps.create_opportunity(
        program, world.users["staff"], **fields(languages="EN, es", language_required="ES")
    )
    assert ok.languages == ["en", "es"]
    assert ok.language_required == "es"


def test_identities_only_from_the_list_and_only_when_welcomed(world: Any, program: Any) -> None:
    errors = errors_of(
        program, world.users["staff"], welcomes_shared_identity=True, welcomes_identities=["elf"]
    )
    assert "Unknown identities" in errors["welcomes_identities"][0]
    errors = errors_of(program, world.users["staff"], welcomes_identities=["woman"])
    assert "tick that box" in errors["welcomes_identities"][0]
    ok = opps.create_opportunity(
        program,
        world.users["staff"],
        **fields(welcomes_shared_identity=True, welcomes_identities=["woman"]),
    )
    assert ok.welcomes_identities == ["woman"]


def test_topics_grades_and_dates_are_checked(world: Any, program: Any) -> None:
    import datetime

    errors = errors_of(
        program,
        world.users["staff"],
        topics=["alchemy"],
        grade_bands=["13"],
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 2, 1),
        title="",
    )
    assert {"topics", "grade_bands", "ends_on", "title"} <= set(errors)


def test_the_program_decides_the_ecosystem(world: Any) -> None:
    other = make_program(world.org_beta)
    opportunity = opps.create_opportunity(other, world.users["staff"], **fields())
    assert opportunity.ecosystem == world.beta  # the program decides the ecosystem


def test_update_cannot_close_and_cannot_need_fewer_than_matched(world: Any, program: Any) -> None:
    opportunity = make_opportunity(program, mentors_needed=2)
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    matches.invite(opportunity, mentor, world.users["partner_a"])
    with pytest.raises(opps.InvalidOpportunityError, match="Close"):
        opps.update_opportunity(opportunity, world.users["partner_a"], status="closed")
    with pytest.raises(opps.InvalidOpportunityError) as caught:
        opps.update_opportunity(opportunity, world.users["partner_a"], mentors_needed=0)
    assert "mentors_needed" in caught.value.errors
    updated = opps.update_opportunity(opportunity, world.users["partner_a"], title="Robot coach")
    assert updated.title == "Robot coach"


def test_close_withdraws_offers_but_keeps_active_matches(world: Any, program: Any) -> None:
    import datetime

    opportunity = make_opportunity(program, mentors_needed=2)
    offered, active = make_mentor(world.alpha), make_mentor(world.alpha, "bo@mentor.test")
    for m in (offered, active):
        clear(m, world.users["staff"])
    pending = matches.invite(opportunity, offered, world.users["partner_a"])
    running = matches.invite(opportunity, active, world.users["partner_a"])
    running = matches.accept(running, active.user, side="mentor")
    matches.start(
        running,
        world.users["partner_a"],
        frequency="weekly",
        duration_weeks=10,
        start_on=datetime.date.today(),
    )
    closed = opps.close_opportunity(opportunity, world.users["partner_a"])
    assert closed.status == OpportunityStatus.CLOSED
    assert Match.objects.get(pk=pending.pk).status == MatchStatus.WITHDRAWN
    assert Match.objects.get(pk=running.pk).status == MatchStatus.ACTIVE
    with pytest.raises(DomainError, match="already closed"):
        opps.close_opportunity(closed, world.users["partner_a"])


# --- equity priority --------------------------------------------------------------------------


def test_equity_priority_is_zero_without_atlas_areas(world: Any, program: Any) -> None:
    opportunity = opps.create_opportunity(program, world.users["staff"], **fields())
    assert opportunity.equity_priority == 0.0


def test_equity_priority_is_the_need_of_the_areas_in_reach(world: Any, program: Any) -> None:
    # The program sits 1 mile north of the origin: a suburban school half a mile away is in
    # reach (5-mile suburban catchment), one 40 miles away is not.
    make_area(world.alpha, "near", 1.5, locale="suburb", youth=100, low_income_share=0.8)
    make_area(world.alpha, "far", 40.0, locale="suburb", youth=100, low_income_share=0.0)
    opportunity = opps.create_opportunity(program, world.users["staff"], **fields())
    # Known indicators: low income 0.8 (weight .35) and rural 0 for a suburb (weight .2).
    assert opportunity.equity_priority == pytest.approx(round(0.8 * 0.35 / 0.55, 2))


def test_rural_areas_count_as_high_need(world: Any, program: Any) -> None:
    make_area(world.alpha, "farm", 10.0, locale="rural", youth=50, low_income_share=0.1)
    opportunity = opps.create_opportunity(program, world.users["staff"], **fields())
    assert opportunity.equity_priority >= opps.HIGH_NEED


def test_the_nearest_area_stands_in_when_none_is_in_reach(world: Any, program: Any) -> None:
    make_area(world.alpha, "city", 30.0, locale="city", youth=80, low_income_share=1.0)
    opportunity = opps.create_opportunity(program, world.users["staff"], **fields())
    assert opportunity.equity_priority > 0


def test_refresh_recomputes_open_opportunities(world: Any, program: Any) -> None:
    opportunity = make_opportunity(program)
    assert opportunity.equity_priority == 0.0
    make_area(world.alpha, "farm", 2.0, locale="rural", youth=50)
    assert opps.refresh_equity_priorities(world.alpha) == 1
    opportunity.refresh_from_db()
    assert opportunity.equity_priority >= opps.HIGH_NEED
    assert opps.refresh_equity_priorities(world.alpha) == 0


# --- rankings ---------------------------------------------------------------------------------


def test_ranking_for_a_mentor_returns_only_candidates_best_first(world: Any) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    near = make_opportunity(make_program(world.org_a, "Near club", north_mi=1), "Near")
    farther = make_opportunity(
        make_program(world.org_a, "Farther club", north_mi=6), "Farther", topics=["science"]
    )
    too_far = make_opportunity(make_program(world.org_b, "Far club", north_mi=40), "Too far")
    wrong_grades = make_opportunity(
        make_program(world.org_b, "Little club"), "Little", grade_bands=["k-2"]
    )
    closed = make_opportunity(make_program(world.org_b, "Closed club"), "Closed", status="closed")
    full = make_opportunity(make_program(world.org_b, "Full club"), "Full")
    other = make_mentor(world.alpha, "cy@mentor.test")
    clear(other, world.users["staff"])
    matches.invite(full, other, world.users["staff"])

    ranked = opps.ranked_for_mentor(mentor)
    assert [o for o, _check in ranked] == [near, farther]
    scores = [check.score for _o, check in ranked]
    assert scores == sorted(scores, reverse=True)
    for opportunity, check in ranked:
        assert check == engine.check_pair(mentor, opportunity)
        assert sum(check.breakdown.values()) == check.score
    excluded = {too_far, wrong_grades, closed, full}
    assert excluded.isdisjoint(o for o, _check in ranked)


def test_saving_an_opportunity_raises_its_rank(world: Any) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    first = make_opportunity(make_program(world.org_a, "A club", north_mi=1), "A")
    second = make_opportunity(make_program(world.org_a, "B club", north_mi=3), "B")
    assert [o for o, _c in opps.ranked_for_mentor(mentor)] == [first, second]
    mentor.saved_opportunities.add(second)
    ranked = opps.ranked_for_mentor(mentor)
    assert [o for o, _c in ranked] == [second, first]
    assert ranked[0][1].breakdown["interest"] > 0


def test_an_unscreened_mentor_is_a_candidate_for_nothing_direct(world: Any, program: Any) -> None:
    mentor = make_mentor(world.alpha)
    make_opportunity(program)
    assert opps.ranked_for_mentor(mentor) == []
    clear(mentor, world.users["staff"], only=SUPERVISED_STEPS)
    talk = make_opportunity(
        program, "Career talk", kind="career_talk", mode="virtual", teacher_present=True
    )
    assert [o for o, _c in opps.ranked_for_mentor(mentor)] == [talk]


def test_ranking_mentors_for_an_opportunity(world: Any, program: Any) -> None:
    opportunity = make_opportunity(
        program, welcomes_shared_identity=True, welcomes_identities=["woman"]
    )
    close = make_mentor(world.alpha, "near@mentor.test", north_mi=1.2)
    further = make_mentor(
        world.alpha,
        "further@mentor.test",
        north_mi=7,
        shares_identity=True,
        identity_tags=["woman"],
    )
    unscreened = make_mentor(world.alpha, "new@mentor.test", north_mi=1)
    paused = make_mentor(world.alpha, "paused@mentor.test", status="paused")
    busy = make_mentor(world.alpha, "busy@mentor.test")
    for m in (close, further, paused, busy):
        clear(m, world.users["staff"])
    elsewhere = make_opportunity(make_program(world.org_b, "Other club"), "Other")
    matches.invite(elsewhere, busy, world.users["staff"])  # busy has no room left

    ranked = opps.ranked_mentors_for(opportunity)
    assert [r.mentor for r in ranked] == [close, further]
    assert {unscreened, paused, busy}.isdisjoint(r.mentor for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    for r in ranked:
        assert "identity" not in r.breakdown  # never shown to programs
        assert sum(r.breakdown.values()) == r.score
    mentor, score, breakdown = ranked[0]
    assert (mentor, score, breakdown) == (close, ranked[0].score, ranked[0].breakdown)

    matches.invite(opportunity, close, world.users["partner_a"])
    assert close not in [r.mentor for r in opps.ranked_mentors_for(opportunity)]


def test_rankings_call_the_engine_once(world: Any, monkeypatch: Any) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    for n in range(4):
        make_opportunity(make_program(world.org_a, f"Club {n}", north_mi=n), f"Need {n}")
    calls = []
    original = engine.build_instance

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "build_instance", counting)
    assert len(opps.ranked_for_mentor(mentor)) == 4
    assert len(calls) == 1


def test_a_desert_in_the_atlas_run_counts_as_high_need(world: Any, program: Any) -> None:
    from ecotone.atlas import services as atlas

    # A large suburban school whose shares say no need at all, with far too few seats in reach
    # (the one program nearby counts 20 assumed seats for 3,000 young people).
    make_area(
        world.alpha,
        "suburb",
        1.5,
        locale="suburb",
        youth=3000,
        low_income_share=0.0,
        english_learner_share=0.0,
        students_of_color_share=0.0,
        disability_share=0.0,
    )
    before = opps.create_opportunity(program, world.users["staff"], **fields())
    assert before.equity_priority == 0.0
    run = atlas.latest_run(atlas.default_analysis(world.alpha))
    assert run.status == "done"
    assert any(a.is_desert for a in atlas.result_of(run).areas)
    assert opps.equity_priority_for(before) >= opps.HIGH_NEED


opportunity_specs = st.lists(
    st.fixed_dictionaries(
        {
            "mode": st.sampled_from(["in_person", "virtual", "either"]),
            "north_mi": st.floats(0, 30),
            "grade_bands": st.sampled_from([["6-8"], ["k-2"], []]),
            "schedule": st.sampled_from([[[1, 930, 1020]], [[5, 600, 700]], []]),
            "status": st.sampled_from(["open", "open", "draft", "closed"]),
            "one_to_one": st.booleans(),
            "teacher_present": st.booleans(),
            "full": st.booleans(),
        }
    ),
    max_size=6,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=opportunity_specs, supervised_only=st.booleans())
def test_ranking_equals_the_pair_rule_over_open_needs_with_room(
    world: Any, specs: list[dict[str, Any]], supervised_only: bool
) -> None:
    # Each example runs in a savepoint rolled back at its end: examples share the test's
    # transaction, not each other's rows.
    savepoint = transaction.savepoint()
    try:
        mentor = make_mentor(world.alpha)
        clear(mentor, world.users["staff"], only=SUPERVISED_STEPS if supervised_only else None)
        filler = make_mentor(world.alpha, "filler@mentor.test", max_matches=10)
        clear(filler, world.users["staff"])
        made = []
        for n, spec in enumerate(specs):
            spec = dict(spec)
            full = spec.pop("full")
            program = make_program(world.org_a, f"Club {n}", north_mi=spec.pop("north_mi"))
            opportunity = make_opportunity(program, f"Need {n}", **spec)
            if (
                full
                and spec["status"] == "open"
                and engine.check_pair(filler, opportunity).candidate
            ):
                matches.invite(opportunity, filler, world.users["staff"])
            made.append(opportunity)

        ranked = opps.ranked_for_mentor(mentor)
        expected = {
            o
            for o in made
            if o.status == "open"
            and matches.opportunity_room(o) > 0
            and engine.check_pair(mentor, o).candidate
        }
        assert {o for o, _c in ranked} == expected
        scores = [check.score for _o, check in ranked]
        assert scores == sorted(scores, reverse=True)
        for o, check in ranked:
            assert check == engine.check_pair(mentor, o)
    finally:
        transaction.savepoint_rollback(savepoint)


def test_saving_stars_and_unstars_only_open_opportunities_of_the_mentors_ecosystem(
    world: Any,
) -> None:
    from ecotone.errors import DomainError
    from ecotone.mentoring.services.opportunities import toggle_saved
    from tests.mentoring.builders import make_mentor, make_opportunity, make_program

    mentor = make_mentor(world.alpha, "saver@mentor.test")
    program = make_program(world.org_a, "Star Lab")
    opportunity = make_opportunity(program)
    assert toggle_saved(mentor, opportunity, mentor.user) is True
    assert list(mentor.saved_opportunities.all()) == [opportunity]
    closed = make_opportunity(program, "Closed one", status="closed")
    with pytest.raises(DomainError, match="open"):
        toggle_saved(mentor, closed, mentor.user)
    elsewhere = make_opportunity(make_program(world.org_beta, "Beta Lab"))
    with pytest.raises(DomainError, match="another ecosystem"):
        toggle_saved(mentor, elsewhere, mentor.user)
    assert toggle_saved(mentor, opportunity, mentor.user) is False
    assert not mentor.saved_opportunities.exists()
