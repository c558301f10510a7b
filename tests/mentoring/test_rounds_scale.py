"""Matching rounds at scale (issue 15): proposals saved in bulk through the same youth-safety
rule as `Match.save`, screening read for many mentors at once with the same answer as record
by record, history entries for bulk writes like auditlog's own, and a large ecosystem's
re-solve run as a task whose progress the round page follows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ecotone.ecosystems.audit import log_many
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError
from ecotone.mentoring import solver
from ecotone.mentoring.models import (
    Match,
    MatchSafetyError,
    MatchSource,
    MatchStatus,
    RoundStatus,
    ScreeningRecord,
    ScreeningStep,
    current_step_codes,
)
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

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def staff(world: Any) -> Any:
    return world.users["staff"]


@pytest.fixture
def program(world: Any) -> Any:
    return make_program(world.org_a)


def pair(world: Any, program: Any, email: str, **opportunity: Any) -> Match:
    """An unsaved match of a new, unscreened mentor and a new in-person opportunity."""
    return Match(
        ecosystem=world.alpha,
        mentor=make_mentor(world.alpha, email),
        opportunity=make_opportunity(program, **opportunity),
        source=MatchSource.STAFF,
    )


# --- the bulk path keeps the safety rule ------------------------------------------------------


@pytest.mark.parametrize("status", [MatchStatus.PROPOSED, MatchStatus.OFFERED])
def test_bulk_create_refuses_an_unsafe_live_match_as_save_does(world, staff, program, status):
    safe = pair(world, program, "safe@m.test")
    clear(safe.mentor, staff)
    unsafe = pair(world, program, "unsafe@m.test", title="Another club")
    unsafe.status = safe.status = status

    with pytest.raises(MatchSafetyError) as by_save:
        unsafe.save()
    with pytest.raises(MatchSafetyError) as in_bulk:
        Match.objects.bulk_create([safe, unsafe])

    assert in_bulk.value.code == by_save.value.code == "unscreened"
    assert in_bulk.value.messages == by_save.value.messages
    assert not Match.objects.exists()  # the whole batch refused, the safe one too


def test_bulk_create_saves_screened_proposals_and_matches_that_are_not_live(world, staff, program):
    screened = pair(world, program, "safe@m.test")
    clear(screened.mentor, staff)
    screened.status = MatchStatus.PROPOSED
    closed = pair(world, program, "gone@m.test", title="Old club")  # unscreened, not live
    closed.status = MatchStatus.WITHDRAWN

    Match.objects.bulk_create([screened, closed])

    assert set(Match.objects.values_list("status", flat=True)) == {"proposed", "withdrawn"}


def test_bulk_create_refuses_supervised_only_screening_for_in_person_work(world, staff, program):
    match = pair(world, program, "partial@m.test")
    clear(match.mentor, staff, only=SUPERVISED_STEPS)
    match.status = MatchStatus.PROPOSED

    with pytest.raises(MatchSafetyError):
        Match.objects.bulk_create([match])
    virtual = Match(
        ecosystem=world.alpha,
        mentor=match.mentor,
        opportunity=make_opportunity(
            program, "Virtual talk", kind="career_talk", mode="virtual", teacher_present=True
        ),
        source=MatchSource.STAFF,
        status=MatchStatus.PROPOSED,
    )
    Match.objects.bulk_create([virtual])  # supervised work needs only the first steps
    assert Match.objects.get().opportunity_id == virtual.opportunity_id


def test_bulk_update_refuses_moving_an_unscreened_match_into_a_live_status(world, staff, program):
    match = pair(world, program, "new@m.test")
    match.status = MatchStatus.WITHDRAWN
    match.save()
    match.status = MatchStatus.OFFERED

    with pytest.raises(MatchSafetyError):
        Match.objects.bulk_update([match], ["status"])
    assert Match.objects.get().status == MatchStatus.WITHDRAWN


# --- screening for many mentors: the same answer as record by record ----------------------------


def test_current_step_codes_agree_with_each_record_on_every_day(world, staff):
    mentors = [make_mentor(world.alpha, f"m{i}@m.test") for i in range(5)]
    today = timezone.localdate()
    clear(mentors[0], staff)
    clear(mentors[1], staff, only=SUPERVISED_STEPS)
    steps = list(ScreeningStep.for_ecosystem(world.alpha).active())
    training = next(s for s in steps if s.minimum_hours)
    cases = [
        # expired yesterday, expires tomorrow, short of hours, not verified, completed later
        (mentors[2], steps[0], {"expires_on": today - datetime.timedelta(days=1)}),
        (mentors[2], steps[1], {"expires_on": today + datetime.timedelta(days=1)}),
        (mentors[3], training, {"hours": training.minimum_hours - Decimal("0.5")}),
        (mentors[3], steps[0], {"verified_by": None, "status": "in_progress"}),
        (mentors[4], steps[0], {"completed_on": today + datetime.timedelta(days=3)}),
        (mentors[4], steps[1], {"status": "failed"}),
    ]
    for mentor, step, fields in cases:
        values = {
            "status": "passed",
            "completed_on": today - datetime.timedelta(days=10),
            "verified_by": staff,
            "verified_at": timezone.now(),
            "hours": step.minimum_hours,
            **fields,
        }
        ScreeningRecord.objects.update_or_create(mentor=mentor, step=step, defaults=values)

    for offset in (-20, -5, 0, 1, 2, 5, 400):
        on = today + datetime.timedelta(days=offset)
        one_by_one = {
            m.pk: frozenset(
                r.step.code for r in m.screening_records.select_related("step") if r.is_current(on)
            )
            for m in mentors
        }
        expected = {pk: codes for pk, codes in one_by_one.items() if codes}
        assert current_step_codes([m.pk for m in mentors], on) == expected


# --- history entries of bulk writes -----------------------------------------------------------


def test_bulk_history_entries_are_the_ones_save_writes(world, staff, program):
    match = pair(world, program, "ada@m.test")
    clear(match.mentor, staff)
    match.status = MatchStatus.PROPOSED
    match.score_breakdown = {"topics": 12}
    with acting(staff):
        match.save()
    by_save = LogEntry.objects.get_for_object(match).get()
    LogEntry.objects.all().delete()

    with acting(staff):
        log_many([match], LogEntry.Action.CREATE)
    in_bulk = LogEntry.objects.get()

    for field in ("content_type", "object_pk", "object_id", "object_repr", "action", "actor"):
        assert getattr(in_bulk, field) == getattr(by_save, field), field
    assert in_bulk.changes == by_save.changes
    assert in_bulk.additional_data == by_save.additional_data


def test_locking_many_proposals_writes_saves_entries_in_a_few_queries(world, staff, program):
    """`rounds.lock` and `unlock` change proposals in bulk: the same history entries auditlog
    writes when one is saved, and a number of queries that does not grow with the proposals.
    A proposal whose mentor's screening has lapsed refuses the whole lock."""
    from django.test.utils import CaptureQueriesContext

    for i in range(6):
        clear(make_mentor(world.alpha, f"m{i}@m.test", north_mi=i * 0.1), staff)
    make_opportunity(program, mentors_needed=6)
    with acting(staff):
        round_ = rounds.start_round(world.alpha, staff, name="Autumn", mode="score")
    ids = sorted(rounds.proposals(round_).values_list("pk", flat=True))
    assert len(ids) == 6

    one = Match.objects.get(pk=ids[0])
    one.locked = True
    with acting(staff):
        one.save(update_fields=["locked", "updated_at"])
    by_save = LogEntry.objects.get_for_object(one).get(action=LogEntry.Action.UPDATE)
    Match.objects.filter(pk=ids[0]).update(locked=False)
    by_save.delete()

    with CaptureQueriesContext(connection) as few:
        assert rounds.lock(round_, ids[:2], staff) == 2
    with CaptureQueriesContext(connection) as many:
        assert rounds.lock(round_, ids, staff) == 6
    assert len(many) == len(few)
    assert set(rounds.proposals(round_).filter(locked=True).values_list("pk", flat=True)) == set(
        ids
    )
    updates = LogEntry.objects.get_for_model(Match).filter(action=LogEntry.Action.UPDATE)
    assert updates.count() == 6  # one each: the second lock left the first two as they were
    in_bulk = updates.get(object_id=ids[0])
    for field in ("content_type", "object_pk", "object_id", "object_repr", "action", "actor"):
        assert getattr(in_bulk, field) == getattr(by_save, field), field
    assert in_bulk.changes == by_save.changes == {"locked": ["False", "True"]}
    assert in_bulk.additional_data == by_save.additional_data

    assert rounds.unlock(round_, ids, staff) == 6
    assert not rounds.proposals(round_).filter(locked=True).exists()
    lapsed = Match.objects.get(pk=ids[3]).mentor
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    lapsed.screening_records.filter(step__code="background_check").update(expires_on=yesterday)
    with pytest.raises(DomainError):
        rounds.lock(round_, ids, staff)
    assert not rounds.proposals(round_).filter(locked=True).exists()


def test_a_rounds_proposals_each_have_their_history(world, staff, program):
    for i in range(3):
        clear(make_mentor(world.alpha, f"m{i}@m.test", north_mi=i * 0.2), staff)
    make_opportunity(program, mentors_needed=3)
    with acting(staff):
        round_ = rounds.start_round(world.alpha, staff, name="Autumn", mode="score")
    ids = set(rounds.proposals(round_).values_list("pk", flat=True))
    assert len(ids) == 3

    entries = LogEntry.objects.get_for_model(Match).filter(action=LogEntry.Action.CREATE)
    assert {e.object_id for e in entries} == ids


# --- a large ecosystem's re-solve is a task with progress -------------------------------------


@pytest.fixture
def large(world, staff, program, settings):
    """A round in review in an ecosystem counted as large (MATCHING_SYNC_MAX_MENTORS = 2), with
    tasks queued rather than run: Ada is proposed and locked, Bob and Cy are free."""
    settings.MATCHING_SYNC_MAX_MENTORS = 2
    settings.TASKS = DUMMY_TASKS
    ada = make_mentor(world.alpha, "ada@m.test", name="Ada")
    clear(ada, staff)
    make_opportunity(program, "Robotics club")
    round_ = rounds.start_round(world.alpha, staff, name="Autumn", mode="score")
    assert round_.status == RoundStatus.QUEUED
    run_round.call(round_.pk)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.REVIEW, round_.error
    rounds.lock(round_, list(rounds.proposals(round_).values_list("pk", flat=True)), staff)
    for email in ("bob@m.test", "cy@m.test"):
        clear(make_mentor(world.alpha, email), staff)
    make_opportunity(program, "Science fair", mentors_needed=2)
    return round_


def status_page(world: Any, round_: Any, **headers: Any) -> Any:
    return world.client("staff").get(
        reverse("mentoring:round_status", args=["alpha", round_.pk]), **headers
    )


def test_a_large_ecosystems_resolve_is_queued_and_the_page_follows_its_progress(
    world, staff, large
):
    resolved = rounds.resolve(large, staff)

    assert resolved.status == RoundStatus.QUEUED
    assert resolved.summary["resolving"] is True
    page = status_page(world, resolved).content.decode()
    assert "Matching the rest again" in page
    assert 'hx-trigger="every 2s"' in page

    seen: list[int] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('UPDATE "mentoring_matchinground"') and '"progress"' in sql:
            seen.append(next(p for p in params if isinstance(p, int) and 0 <= p <= 100))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        assert run_round.call(resolved.pk) == RoundStatus.REVIEW

    assert seen == sorted(seen)
    assert (seen[0], seen[-1]) == (0, 100)
    assert {rounds.PROGRESS_LOADED, rounds.PROGRESS_SAVING} <= set(seen)
    resolved.refresh_from_db()
    assert (resolved.progress, resolved.stage, resolved.error) == (100, "done", "")
    assert "resolving" not in resolved.summary
    assert resolved.summary["locked"] == 1
    assert rounds.proposals(resolved).count() == 3  # Ada kept, Bob and Cy for the fair
    done = status_page(world, resolved, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_the_page_shows_a_running_rounds_progress_and_stage(world, staff, large):
    resolved = rounds.resolve(large, staff)
    type(resolved).objects.filter(pk=resolved.pk).update(
        status=RoundStatus.RUNNING, progress=rounds.PROGRESS_LOADED, stage="pairs"
    )

    page = status_page(world, resolved).content.decode()

    assert f'value="{rounds.PROGRESS_LOADED}" max="100"' in page
    assert "finding and weighing the pairs" in page


def test_a_large_ecosystems_drop_out_is_queued_too(world, staff, large):
    ada = rounds.proposals(large).get().mentor

    dropped = rounds.drop_mentor(large, ada, staff)

    assert dropped.status == RoundStatus.QUEUED
    assert not rounds.proposals(large).filter(mentor=ada).exists()
    run_round.call(dropped.pk)
    dropped.refresh_from_db()
    assert dropped.status == RoundStatus.REVIEW
    assert ada.pk in dropped.summary["dropped"]
    assert not rounds.proposals(dropped).filter(mentor=ada).exists()


def test_a_failed_background_resolve_returns_to_review_as_it_was(world, staff, large, monkeypatch):
    before = set(rounds.proposals(large).values_list("pk", "mentor_id", "opportunity_id"))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver exploded")

    resolved = rounds.resolve(large, staff)
    monkeypatch.setattr(solver, "candidate_edges", broken)
    run_round.call(resolved.pk)

    resolved.refresh_from_db()
    assert resolved.status == RoundStatus.REVIEW
    assert "solver exploded" in resolved.error
    assert "resolving" not in resolved.summary
    assert set(rounds.proposals(resolved).values_list("pk", "mentor_id", "opportunity_id")) == (
        before
    )
    page = world.client("staff").get(reverse("mentoring:round", args=["alpha", resolved.pk]))
    assert "solver exploded" in page.content.decode()
    monkeypatch.undo()
    again = rounds.resolve(resolved, staff)
    run_round.call(again.pk)
    again.refresh_from_db()
    assert (again.status, again.error) == (RoundStatus.REVIEW, "")


def test_a_small_ecosystems_resolve_stays_in_the_request(world, staff, large, settings):
    settings.MATCHING_SYNC_MAX_MENTORS = 10

    resolved = rounds.resolve(large, staff)

    assert resolved.status == RoundStatus.REVIEW
    assert rounds.proposals(resolved).count() == 3


# --- equity priorities before a round ----------------------------------------------------------


def test_without_an_atlas_refreshing_sets_each_priority_as_the_rule_does(world, program):
    from ecotone.mentoring.models import Opportunity
    from ecotone.mentoring.services import opportunities as opps

    kept = make_opportunity(program, "Kept at zero")
    stale = [make_opportunity(program, f"Stale {i}") for i in range(3)]
    Opportunity.objects.filter(pk__in=[o.pk for o in stale]).update(equity_priority=0.6)
    closed = make_opportunity(program, "Closed", status="closed")
    Opportunity.objects.filter(pk=closed.pk).update(equity_priority=0.6)

    assert opps.refresh_equity_priorities(world.alpha) == 3
    for opportunity in [kept, *stale]:
        opportunity.refresh_from_db()
        assert opportunity.equity_priority == opps.equity_priority_for(opportunity) == 0.0
    closed.refresh_from_db()
    assert closed.equity_priority == 0.6  # closed opportunities are left as they were
    assert opps.refresh_equity_priorities(world.alpha) == 0


def test_proposals_find_their_edges_as_edges_find_does(world, staff, program):
    from ecotone.mentoring import engine

    mentors = [make_mentor(world.alpha, f"m{i}@m.test", north_mi=i * 0.3) for i in range(6)]
    for mentor in mentors:
        clear(mentor, staff)
    opportunities = [make_opportunity(program, f"Club {j}", mentors_needed=2) for j in range(4)]
    instance = engine.build_instance(mentors, opportunities)
    edges = solver.candidate_edges(instance.mentors, instance.opportunities)
    pairs = [(int(i), int(j)) for i, j in zip(edges.mentor, edges.opportunity, strict=True)]
    assert len(pairs) > 4
    shuffled = pairs[::-1]

    assert rounds._edge_indices(edges, shuffled) == [edges.find(i, j) for i, j in shuffled]
    with pytest.raises(ValueError, match="not_a_candidate"):
        rounds._edge_indices(edges, [(len(mentors), 0)])
