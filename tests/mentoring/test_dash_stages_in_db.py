"""Screening stages computed in the database (`screening.stage_expression`) give the same
answer as `screening.standing` in Python, mentor by mentor and counted, on the dashboard's
world and on random records; so do the expiring-screening count, the partner's visibility
rule and the partner's ranked mentors, which now filter in the database first."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Prefetch
from django.utils import timezone

from ecotone.mentoring import access, engine, solver
from ecotone.mentoring.models import (
    Match,
    Mentor,
    MentorStatus,
    ScreeningRecord,
    ScreeningStatus,
    ScreeningStep,
    holding,
)
from ecotone.mentoring.services import dashboards, screening
from ecotone.mentoring.services import opportunities as opportunity_services
from tests.conftest import World
from tests.mentoring.builders import make_mentor, make_opportunity, make_program
from tests.mentoring.dash_builders import build

TODAY = timezone.localdate()
DATES = [TODAY, TODAY - datetime.timedelta(days=40), TODAY + datetime.timedelta(days=400)]


def python_stages(ecosystem: Any, on: datetime.date) -> dict[int, str]:
    """The Python rule, mentor by mentor (what the pages did before)."""
    steps = screening.steps(ecosystem)
    mentors = Mentor.objects.filter(ecosystem=ecosystem).prefetch_related(
        Prefetch("screening_records", queryset=ScreeningRecord.objects.select_related("step"))
    )
    return {
        m.pk: screening.standing(
            m, records=list(m.screening_records.all()), ecosystem_steps=steps, on=on
        ).stage
        for m in mentors
    }


def database_stages(ecosystem: Any, on: datetime.date) -> dict[int, str]:
    return dict(
        Mentor.objects.filter(ecosystem=ecosystem)
        .annotate(stage=screening.stage_expression(ecosystem, on))
        .values_list("pk", "stage")
    )


def assert_same_everywhere(ecosystem: Any) -> None:
    for on in DATES:
        by_python = python_stages(ecosystem, on)
        assert database_stages(ecosystem, on) == by_python, on
        active = set(
            Mentor.objects.filter(ecosystem=ecosystem, status=MentorStatus.ACTIVE).values_list(
                "pk", flat=True
            )
        )
        expected = Counter(stage for pk, stage in by_python.items() if pk in active)
        assert dashboards.available_by_stage(ecosystem, on) == dict(expected), on


def random_records(world: World, seed: int, n: int = 40) -> None:
    """Mentors with records of every kind: passed (verified or not, completed in the past or
    the future, expired or not, short of the minimum hours or not), failed, in progress, not
    started; some steps taken out of use."""
    rng = random.Random(seed)
    staff = world.users["staff"]
    steps = list(ScreeningStep.for_ecosystem(world.alpha))
    for k in range(n):
        mentor = make_mentor(
            world.alpha,
            f"r{seed}-{k}@mentor.test",
            status=rng.choice(["active", "active", "active", "paused", "withdrawn"]),
            north_mi=rng.uniform(-30, 30),
            travel_radius_mi=rng.choice([2, 5, 10, 25]),
        )
        for step in steps:
            if rng.random() < 0.25:
                continue
            status = rng.choice(
                ["passed", "passed", "passed", "failed", "in_progress", "not_started"]
            )
            record = ScreeningRecord(mentor=mentor, step=step, status=status)
            if status in ("passed", "failed"):
                record.completed_on = TODAY + datetime.timedelta(days=rng.randint(-900, 20))
                record.verified_by = staff
                record.verified_at = timezone.now()
            if status == "passed":
                record.expires_on = rng.choice(
                    [None, TODAY + datetime.timedelta(days=rng.randint(-200, 500))]
                )
            record.hours = rng.choice([None, Decimal("0.5"), Decimal("2"), Decimal("20")])
            record.save()
    for step in rng.sample(steps, 1):
        if step.kind not in ("background_check", "training"):
            ScreeningStep.objects.filter(pk=step.pk).update(is_active=False)
    # Written past the services, which store the stages (`screening.refresh_stages`): store
    # them as they would, so that the counts below read the stored stages.
    screening.refresh_stages(world.alpha)


def test_stages_in_the_database_equal_the_python_rule_on_the_dashboard_world(
    world: World,
) -> None:
    build(world)
    assert_same_everywhere(world.alpha)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stages_in_the_database_equal_the_python_rule_on_random_records(
    world: World, seed: int
) -> None:
    build(world)
    random_records(world, seed)
    assert_same_everywhere(world.alpha)


def test_stages_follow_a_change_of_what_supervised_work_requires(world: World) -> None:
    build(world)
    random_records(world, 4)
    ScreeningStep.objects.filter(ecosystem=world.alpha).update(for_supervised=False)
    screening.refresh_stages(world.alpha)  # as `change_step` does
    assert_same_everywhere(world.alpha)


@pytest.mark.parametrize("seed", [5, 6])
def test_expiring_screening_equals_the_python_rule(world: World, seed: int) -> None:
    build(world)
    random_records(world, seed)
    for on in DATES:
        records = ScreeningRecord.objects.filter(
            mentor__ecosystem=world.alpha,
            status=ScreeningStatus.PASSED,
            expires_on__isnull=False,
            reminded_at__isnull=True,
        ).select_related("step")
        expected = {
            r.pk
            for r in records
            if r.expires_on - datetime.timedelta(r.step.remind_days_before) <= on
        }
        assert set(screening.expiring(world.alpha, on).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("seed", [7, 8])
def test_the_mentors_partner_staff_see_equal_the_python_rule(world: World, seed: int) -> None:
    mw = build(world)
    random_records(world, seed)
    organizations = [world.org_a.pk]
    stages = python_stages(world.alpha, TODAY)
    matched = set(mw.opp1.matches.values_list("mentor_id", flat=True))
    expected = {
        pk
        for pk, status in Mentor.objects.filter(ecosystem=world.alpha).values_list("pk", "status")
        if (status == MentorStatus.ACTIVE and stages[pk] in access.AVAILABLE_STAGES)
        or pk in matched
    }
    seen = access.seen_by_programs(world.alpha, organizations)
    assert set(seen.values_list("pk", flat=True)) == expected
    for mentor in Mentor.objects.filter(ecosystem=world.alpha):
        assert access.is_seen_by_programs(mentor, organizations) == (mentor.pk in expected)


def engine_pairs_with_room(opportunity: Any) -> list[tuple[Any, int, solver.Edges]]:
    """The engine over every active mentor not yet holding a place with the opportunity, with
    screening from the records (no stored stage, no database prefilter): (mentor, pair index,
    pairs) for each candidate pair whose mentor has room, in mentor order."""
    mentors = list(
        Mentor.objects.filter(ecosystem_id=opportunity.ecosystem_id, status=MentorStatus.ACTIVE)
        .exclude(pk__in=opportunity.matches.filter(holding()).values("mentor_id"))
        .order_by("pk")
    )
    instance = engine.build_instance(mentors, [opportunity])
    edges = solver.candidate_edges(instance.mentors, instance.opportunities)
    return [
        (mentors[int(edges.mentor[k])], k, edges)
        for k in range(len(edges))
        if instance.mentors[int(edges.mentor[k])].capacity > 0
    ]


def ranked_by_the_engine_alone(opportunity: Any) -> list[int]:
    """The ranked mentors' ids without the database's prefilter, sorted."""
    return sorted(int(mentor.pk) for mentor, _, _ in engine_pairs_with_room(opportunity))


@pytest.mark.parametrize("seed", [9, 10])
def test_the_partners_ranked_mentors_equal_the_engine_over_every_mentor(
    world: World, seed: int
) -> None:
    mw = build(world)
    random_records(world, seed, n=60)
    program = make_program(world.org_a, "Far Away Club", north_mi=12)
    for opportunity in (
        mw.opp1,
        mw.opp2,
        mw.opp3,
        make_opportunity(program, "In person, one to one", one_to_one=True),
        make_opportunity(program, "Virtual", mode="virtual", teacher_present=True),
        make_opportunity(program, "Either", mode="either"),
    ):
        ranked = opportunity_services.ranked_mentors_for(opportunity)
        assert sorted(r.mentor.pk for r in ranked) == ranked_by_the_engine_alone(opportunity)


def python_days_to_first_match(ecosystem: Any) -> tuple[list[float], list[float]]:
    """The Python rule over every accepted match (what the dashboard did before)."""
    first: dict[str, dict[int, datetime.datetime]] = {"o": {}, "m": {}}
    created: dict[str, dict[int, datetime.datetime]] = {"o": {}, "m": {}}
    for match in Match.objects.filter(
        ecosystem=ecosystem, mentor_accepted_at__isnull=False, program_accepted_at__isnull=False
    ).select_related("opportunity", "mentor"):
        accepted = dashboards._accepted_at(match)
        assert accepted is not None
        for side, key, when in (
            ("o", match.opportunity_id, match.opportunity.created_at),
            ("m", match.mentor_id, match.mentor.created_at),
        ):
            created[side][key] = when
            if key not in first[side] or accepted < first[side][key]:
                first[side][key] = accepted
    return tuple(  # type: ignore[return-value]
        sorted(max(0.0, (first[s][k] - created[s][k]).total_seconds() / 86400) for k in first[s])
        for s in ("o", "m")
    )


@pytest.mark.parametrize("seed", [11, 12])
def test_time_to_match_in_the_database_equals_the_python_rule(world: World, seed: int) -> None:
    mw = build(world)
    rng = random.Random(seed)
    now = timezone.now()
    mentors = [mw.m1, mw.m2, mw.m3, mw.m5]
    for _ in range(30):
        Match.objects.create(
            ecosystem=world.alpha,
            mentor=rng.choice(mentors),
            opportunity=rng.choice([mw.opp1, mw.opp2, mw.opp3]),
            source="mentor",
            status="declined",
            mentor_accepted_at=rng.choice(
                [None, now - datetime.timedelta(hours=rng.randint(1, 900))]
            ),
            program_accepted_at=rng.choice(
                [None, now - datetime.timedelta(hours=rng.randint(1, 900))]
            ),
        )
    ours = dashboards.days_to_first_match(world.alpha)
    expected = python_days_to_first_match(world.alpha)
    assert [sorted(x) for x in ours] == [pytest.approx(x) for x in expected]
    assert len(expected[0]) == 3
