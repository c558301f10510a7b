"""Properties of the matching engine (ecotone.mentoring.solver), checked against a plain
oracle: a pair-by-pair checker of the hard constraints written without the engine's
bitmasks, k-d tree or sparse products. The assignment itself (optimum, locks, participation,
greedy, stable matching) is checked on generic instances in tests/test_assignment.py."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecotone.mentoring.solver import (
    COMPONENTS,
    Mentor,
    Opportunity,
    ScoreWeights,
    candidate_edges,
    solve,
    solve_round,
)

SCREENING = ["background_check", "training", "interview"]
GRADES = ["k-5", "6-8", "9-12"]
LANGUAGES = ["en", "es", "vi"]
TOPICS = ["robotics", "coding", "biology", "math", "design"]
IDENTITIES = ["women", "first_gen", "latinx"]


# Strategies are built once, here: hypothesis validates a strategy object the first time it
# draws from it, and building them inside the composites below made that validation most of
# these tests' time (the examples drawn are the same).
def small_sets(items: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items), max_size=len(items))


GRADE_SETS, LANGUAGE_SETS, TOPIC_SETS = (
    small_sets(GRADES),
    small_sets(LANGUAGES),
    small_sets(TOPICS),
)
SCREENING_SETS, IDENTITY_SETS = small_sets(SCREENING), small_sets(IDENTITIES)
ALL_SCREENING = st.one_of(st.just(frozenset(SCREENING)), SCREENING_SETS)
MODE_SETS = st.frozensets(st.sampled_from(["in_person", "virtual"]), min_size=1)
INTERESTS = st.frozensets(st.sampled_from([f"o{j}" for j in range(6)]), max_size=3)
OPPORTUNITY_MODES = st.sampled_from(["in_person", "virtual", "either"])
REQUIRED_LANGUAGE = st.sampled_from(["", "", "", *LANGUAGES])
CAPACITY = st.integers(0, 3)
LATITUDE, LONGITUDE = st.floats(40.0, 40.6), st.floats(-74.4, -73.8)
RADIUS, SHARE = st.floats(0.0, 40.0), st.floats(0.0, 1.0)
WINDOW_COUNT, DAY = st.integers(0, 2), st.integers(0, 1)
QUARTER, MINUTE_OFF, LENGTH = st.integers(0, 40), st.sampled_from([0, 0, 0, 5]), st.integers(1, 24)


@st.composite
def windows(draw: st.DrawFn) -> tuple[tuple[int, int, int], ...]:
    out = []
    for _ in range(draw(WINDOW_COUNT)):
        day = draw(DAY)
        start = draw(QUARTER) * 15 + draw(MINUTE_OFF)
        out.append((day, start, start + draw(LENGTH) * 15))
    return tuple(out)


WINDOWS = windows()
SCHEDULES = st.one_of(st.just(()), WINDOWS)


def point(draw: st.DrawFn) -> tuple[float | None, float | None]:
    if draw(st.booleans()) and draw(st.booleans()):
        return None, None
    return draw(LATITUDE), draw(LONGITUDE)


@st.composite
def mentors(draw: st.DrawFn, i: int) -> Mentor:
    lat, lon = point(draw)
    return Mentor(
        id=f"m{i}",
        capacity=draw(CAPACITY),
        lat=lat,
        lon=lon,
        travel_radius_mi=draw(RADIUS),
        modes=draw(MODE_SETS),
        grade_bands=draw(GRADE_SETS),
        languages=draw(LANGUAGE_SETS),
        topics=draw(TOPIC_SETS),
        availability=draw(WINDOWS),
        screening=draw(ALL_SCREENING),
        identity_tags=draw(IDENTITY_SETS),
        interests=draw(INTERESTS),
    )


@st.composite
def opportunities(draw: st.DrawFn, j: int) -> Opportunity:
    lat, lon = point(draw)
    return Opportunity(
        id=f"o{j}",
        capacity=draw(CAPACITY),
        mode=draw(OPPORTUNITY_MODES),
        lat=lat,
        lon=lon,
        grade_bands=draw(GRADE_SETS),
        language_required=draw(REQUIRED_LANGUAGE),
        languages=draw(LANGUAGE_SETS),
        topics=draw(TOPIC_SETS),
        schedule=draw(SCHEDULES),
        required_screening=draw(SCREENING_SETS),
        welcomes_identities=draw(IDENTITY_SETS),
        equity_priority=draw(SHARE),
    )


MENTORS = [mentors(i) for i in range(8)]
OPPORTUNITIES = [opportunities(j) for j in range(8)]


@st.composite
def instances(draw: st.DrawFn, most: int = 6) -> tuple[list[Mentor], list[Opportunity]]:
    n_m = draw(st.integers(1, most))
    n_o = draw(st.integers(1, most - 1))
    return [draw(MENTORS[i]) for i in range(n_m)], [draw(OPPORTUNITIES[j]) for j in range(n_o)]


def plain_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.7613 * math.asin(math.sqrt(min(1.0, a)))


def quarter_hours(windows: Sequence[tuple[int, int, int]]) -> set[tuple[int, int]]:
    return {
        (day, q)
        for day, start, end in windows
        for q in range(96)
        if start <= q * 15 and q * 15 + 15 <= end
    }


def allowed(m: Mentor, o: Opportunity) -> tuple[bool, bool]:
    """(may they be matched, in person?) by the rules of the issue, one pair at a time."""
    if not o.required_screening <= m.screening:
        return False, False
    if o.grade_bands and not (m.grade_bands & o.grade_bands):
        return False, False
    if o.language_required and o.language_required not in m.languages:
        return False, False
    if o.schedule and not (quarter_hours(m.availability) & quarter_hours(o.schedule)):
        return False, False
    in_person = (
        "in_person" in m.modes
        and o.mode in ("in_person", "either")
        and None not in (m.lat, m.lon, o.lat, o.lon)
        and plain_miles(m.lat, m.lon, o.lat, o.lon) <= m.travel_radius_mi  # type: ignore[arg-type]
    )
    virtual = "virtual" in m.modes and o.mode in ("virtual", "either")
    return in_person or virtual, in_person


def capacities(ms: list[Mentor], os_: list[Opportunity]) -> tuple[list[int], list[int]]:
    return [m.capacity for m in ms], [o.capacity for o in os_]


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instances(8))
def test_candidates_are_exactly_the_pairs_the_rules_allow(instance):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    event("in person" if edges.in_person.any() else "no in-person pair")
    event(f"pairs: {min(len(edges), 5)}+" if len(edges) >= 5 else f"pairs: {len(edges)}")
    found = {
        (m, o): ip
        for m, o, ip in zip(
            edges.mentor.tolist(), edges.opportunity.tolist(), edges.in_person.tolist(), strict=True
        )
    }
    expected = {}
    for i, m in enumerate(ms):
        for j, o in enumerate(os_):
            ok, in_person = allowed(m, o)
            if ok:
                expected[(i, j)] = in_person
    assert found == expected


@PROPERTY
@given(instances(8))
def test_explain_sums_to_the_score_and_identity_needs_both_sides(instance):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    for k in range(len(edges)):
        why = edges.explain(k)
        assert set(why) == set(COMPONENTS)
        assert sum(why.values()) == edges.score[k]
        m, o = ms[edges.mentor[k]], os_[edges.opportunity[k]]
        assert (why["identity"] > 0) == bool(m.identity_tags & o.welcomes_identities)
        assert (why["interest"] > 0) == (o.id in m.interests)
        assert why["distance"] == 0 or edges.in_person[k]


@PROPERTY
@given(instances(6))
def test_an_unscreened_mentor_never_reaches_an_opportunity_that_requires_screening(instance):
    ms, os_ = instance
    ms = [
        Mentor(**{**m.__dict__, "screening": frozenset()}) if i % 2 else m for i, m in enumerate(ms)
    ]
    os_ = [
        Opportunity(**{**o.__dict__, "required_screening": frozenset({"background_check"})})
        for o in os_
    ]
    edges = candidate_edges(ms, os_)
    m_cap, o_cap = capacities(ms, os_)
    for result in (solve(edges, m_cap, o_cap), solve(edges, m_cap, o_cap, mode="participation")):
        for m, _o in result.pairs:
            assert "background_check" in ms[m].screening


def test_a_locked_pair_must_be_a_candidate_and_fit():
    mentor = Mentor("m0", capacity=1, modes=frozenset({"virtual"}))
    opportunity = Opportunity("o0", capacity=1, mode="in_person", lat=40.0, lon=-74.0)
    edges = candidate_edges([mentor], [opportunity])
    assert len(edges) == 0
    with pytest.raises(ValueError, match="not_a_candidate"):
        solve(edges, [1], [1], locked=[(0, 0)])
    virtual = Opportunity("o1", capacity=1, mode="virtual")
    edges = candidate_edges([mentor], [virtual])
    with pytest.raises(ValueError, match="locked_over_capacity"):
        solve(edges, [0], [1], locked=[(0, 0)])


def test_a_mentor_dropping_out_re_solves_around_the_locked_pairs():
    people = [
        Mentor(f"m{i}", capacity=1, topics=frozenset({"coding"} if i else {"robotics"}))
        for i in range(3)
    ]
    needs = [
        Opportunity(f"o{j}", capacity=1, mode="virtual", topics=frozenset({"robotics"}))
        for j in range(2)
    ]
    edges = candidate_edges(people, needs)
    first = solve(edges, [1, 1, 1], [1, 1])
    assert len(first.pairs) == 2
    kept = [p for p in first.pairs if p[0] != 0]
    again = solve(edges, [0, 1, 1], [1, 1], locked=kept)
    assert set(kept) <= set(again.pairs)
    assert all(m != 0 for m, _o in again.pairs)
    assert len(again.pairs) == 2


def test_weights_change_the_score():
    mentor = Mentor("m0", topics=frozenset({"coding"}))
    need = Opportunity("o0", mode="virtual", topics=frozenset({"coding", "math"}))
    edges = candidate_edges([mentor], [need], weights=ScoreWeights(base=1, topics=100))
    assert edges.explain(0)["topics"] == 50
    assert edges.explain(0)["base"] == 1


def test_a_round_proposes_only_pairs_that_share_a_topic_when_asked():
    people = [Mentor("m0", capacity=2, topics=frozenset({"coding"})), Mentor("m1", capacity=2)]
    needs = [
        Opportunity("o0", capacity=2, mode="virtual", topics=frozenset({"coding", "math"})),
        Opportunity("o1", capacity=2, mode="virtual"),  # asks for no topic: anyone fits
    ]
    strict = solve_round(people, needs, mode="score")
    assert strict.assignment.pairs == [(0, 0), (0, 1), (1, 1)]
    loose = solve_round(people, needs, mode="score", require_shared_topic=False)
    assert loose.assignment.pairs == [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.parametrize("topic_weight", [40, 1, 0])
def test_a_shared_topic_is_decided_from_the_topics_whatever_their_weight(topic_weight):
    """A low topic weight rounds one shared topic of three to 0 points (1 x 1/3): the pair
    still shares a topic and is proposed; a mentor sharing none is not, even at weight 0."""
    people = [Mentor("m0", topics=frozenset({"coding"})), Mentor("m1", topics=frozenset({"art"}))]
    needs = [
        Opportunity(
            "o0", capacity=2, mode="virtual", topics=frozenset({"coding", "math", "biology"})
        )
    ]
    result = solve_round(people, needs, mode="score", weights=ScoreWeights(topics=topic_weight))
    assert result.assignment.pairs == [(0, 0)]


@pytest.mark.parametrize("mode", ["score", "participation", "stable"])
def test_a_round_keeps_the_locks_that_still_hold(mode):
    people = [Mentor(f"m{i}", topics=frozenset({"coding"})) for i in range(3)]
    needs = [Opportunity(f"o{j}", mode="virtual", topics=frozenset({"coding"})) for j in range(2)]
    result = solve_round(
        people,
        needs,
        mode=mode,
        # (1, 0): the opportunity is taken by the lock before it; (2, 1): excluded.
        locked=[(0, 0), (1, 0), (2, 1)],
        excluded=[(2, 1)],
    )
    assert result.locked == [(0, 0)]
    assert result.refused_locks == [1, 2]
    assert (0, 0) in result.assignment.pairs
    assert (2, 1) not in result.assignment.pairs
    assert len(result.assignment.pairs) == 2
    # Every pair scores the same here: the baseline, on the same terms, does as well.
    assert result.greedy_objective == result.assignment.objective


def test_empty_sides_give_no_pairs():
    assert len(candidate_edges([], [Opportunity("o0")])) == 0
    edges = candidate_edges([Mentor("m0")], [])
    assert len(edges) == 0
    assert solve(edges, [1], []).pairs == []
    assert solve(edges, [1], [], mode="participation").covered == 0
