"""The partner's mentor browse for a virtual opportunity scores one mentor per profile
(`opportunities._ranked_by_profile`) instead of every candidate: its ranking (who, in which
order, with which score and breakdown) and every slice of it equal the engine's over every
active mentor, on random profiles, screening records, stale stored stages, saved
opportunities and full mentors."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.utils import timezone

from ecotone.mentoring import engine
from ecotone.mentoring.models import ENGINE_PROFILE_COLUMNS, Match, Mentor, holding
from ecotone.mentoring.services import opportunities as opportunity_services
from tests.conftest import World
from tests.mentoring.builders import make_opportunity, make_program
from tests.mentoring.dash_builders import build
from tests.mentoring.test_dash_stages_in_db import engine_pairs_with_room, random_records

MODES = [["virtual"], ["in_person", "virtual"], ["in_person"]]
GRADES = [["6-8"], ["9-12"], ["6-8", "9-12"], ["k-5"]]
LANGUAGES = [["en"], ["en", "es"], ["es"], []]
TOPICS = [["robotics"], ["computing"], ["robotics", "computing"], ["biology"], []]
SKILLS = [[], ["coding"], ["math"]]
HOURS = [[[1, 900, 1080]], [[2, 600, 720]], [[1, 900, 1080], [3, 900, 960]], []]


def expected_ranking(opportunity: Any) -> list[tuple[Any, ...]]:
    """The engine over every active mentor not yet holding a place with the opportunity,
    screening from the records (no stored stage), in the browse's order."""
    ranked = []
    for mentor, k, edges in engine_pairs_with_room(opportunity):
        breakdown = {n: p for n, p in edges.explain(k).items() if n != "identity"}
        ranked.append((mentor.pk, sum(breakdown.values()), breakdown, False, None))
    ranked.sort(key=lambda r: (-r[1], r[0]))
    return ranked


def as_tuples(ranked: Any) -> list[tuple[Any, ...]]:
    return [(r.mentor_id, r.score, r.breakdown, r.in_person, r.distance_mi) for r in ranked]


def random_world(world: World, seed: int) -> list[Any]:
    """Mentors of random profiles (few enough to share them) and records, some stored stages
    run out, some saved opportunities, some mentors full; virtual opportunities of random
    needs."""
    mw = build(world)
    random_records(world, seed, n=70)
    rng = random.Random(seed)
    mentors = list(Mentor.objects.filter(ecosystem=world.alpha))
    for mentor in mentors:
        Mentor.objects.filter(pk=mentor.pk).update(
            modes=rng.choice(MODES),
            grade_bands=rng.choice(GRADES),
            languages=rng.choice(LANGUAGES),
            topics=rng.choice(TOPICS),
            skills=rng.choice(SKILLS),
            availability=rng.choice(HOURS),
            identity_tags=rng.choice([[], ["woman"]]),
            shares_identity=rng.random() < 0.5,
            max_matches=rng.choice([0, 1, 1, 2]),
        )
    # Mentors holding places: some of them now full.
    for mentor_id in Match.objects.filter(holding()).values_list("mentor_id", flat=True):
        Mentor.objects.filter(pk=mentor_id).update(max_matches=rng.choice([1, 2, 3]))
    # Stored stages that ran out (the daily command has not run yet): read from the records.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for mentor in rng.sample(mentors, 8):
        Mentor.objects.filter(pk=mentor.pk).update(screening_stage_until=yesterday)
    program = make_program(world.org_a, "Virtual Club")
    opportunities = [mw.opp2]
    for k in range(4):
        opportunities.append(
            make_opportunity(
                program,
                f"Virtual {k}",
                mode="virtual",
                kind=rng.choice(["relationship", "career_talk"]),
                teacher_present=rng.random() < 0.7,
                one_to_one=False,
                topics=rng.choice(TOPICS),
                skills=rng.choice(SKILLS),
                grade_bands=rng.choice(GRADES),
                languages=rng.choice(LANGUAGES),
                language_required=rng.choice(["", "", "es"]),
                schedule=rng.choice(HOURS),
                equity_priority=rng.random(),
            )
        )
    for mentor in rng.sample(mentors, 12):
        mentor.saved_opportunities.add(*rng.sample(opportunities, 2))
    return opportunities


# About 1.5 s each: the reference is the engine over every mentor, five opportunities per world,
# and the world is random so that profiles, stale stages and saved needs mix in each level.
@pytest.mark.parametrize("seed", [21, 22])
def test_the_browse_by_profile_equals_the_engine_over_every_mentor(world: World, seed: int) -> None:
    rng = random.Random(seed)
    for opportunity in random_world(world, seed):
        ranking = opportunity_services.rank_mentors_for(opportunity)
        assert isinstance(ranking, opportunity_services._ProfileRanking)  # the path under test
        expected = expected_ranking(opportunity)
        assert len(ranking) == len(expected)
        assert as_tuples(ranking) == expected
        for _ in range(25):  # pages of any size, anywhere: across score levels and merges
            a = rng.randint(0, len(expected))
            b = rng.randint(a, len(expected) + 3)
            assert as_tuples(ranking[a:b]) == expected[a:b], (a, b)
        if expected:
            assert as_tuples([ranking[-1]]) == expected[-1:]


def test_too_many_profiles_or_set_apart_mentors_score_every_candidate(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    opportunities = random_world(world, 24)
    for name in ("PROFILES_MAX", "SET_APART_MAX"):
        with monkeypatch.context() as patch:
            patch.setattr(opportunity_services, name, -1)
            for opportunity in opportunities:
                ranking = opportunity_services.rank_mentors_for(opportunity)
                assert isinstance(ranking, list)
                assert as_tuples(ranking) == expected_ranking(opportunity)


def test_the_stored_profile_holds_what_the_engine_reads_of_a_virtual_pair() -> None:
    assert set(ENGINE_PROFILE_COLUMNS) == set(engine.SOLVER_MENTOR_JSON) - {"identity_tags"}
